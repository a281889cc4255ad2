/**
 * One submitted job on the JobManager: its plan, per-subtask states and the job state machine
 * CREATED → RUNNING → FINISHED | FAILED | CANCELED. It decides transitions; the JobManager sends the messages.
 */
import { FlowlabError } from '../../core/index.js';
import type { JobState, TaskMetricsReport, TaskState } from './control-protocol.js';
import type { JobGraphSpec } from './job-graph.js';
import { JobMetricsStore } from './job-metrics.js';
import type { JobPlan, SlotRef } from './scheduler.js';

const TERMINAL_JOB_STATES: ReadonlySet<JobState> = new Set<JobState>(['FINISHED', 'FAILED', 'CANCELED']);
const TERMINAL_TASK_STATES: ReadonlySet<TaskState> = new Set<TaskState>(['FINISHED', 'FAILED', 'CANCELED']);

export interface SubtaskStatus {
  readonly vertexId: string;
  readonly subtaskIndex: number;
  readonly tmId: string;
  readonly slotIndex: number;
  readonly attemptId: string;
  state: TaskState;
  error?: string;
}

/** What a task-state report did to the job. */
export type JobTransition = 'none' | 'finished' | 'failed' | 'canceled';

/** `GET /jobs/:id` */
export interface JobDetails {
  jobId: string;
  name: string;
  state: JobState;
  /** True between a cancel request and the CANCELED state. */
  canceling: boolean;
  failureReason: string | null;
  /** Epoch milliseconds. */
  startTimeMs: number;
  endTimeMs: number | null;
  durationMs: number;
  taskManagers: string[];
  vertices: {
    id: string;
    operator: string;
    parallelism: number;
    subtasks: { subtaskIndex: number; state: TaskState; taskManager: string; slot: number; attemptId: string; error?: string }[];
  }[];
}

export class JobNotFoundError extends FlowlabError {
  constructor(readonly jobId: string) {
    super('ERR_JOB_NOT_FOUND', `No job with id ${jobId}`);
  }
}

export class JobNotCancelableError extends FlowlabError {
  constructor(
    readonly jobId: string,
    readonly state: string,
  ) {
    super('ERR_JOB_NOT_CANCELABLE', `Job ${jobId} is ${state} and cannot be canceled`);
  }
}

export class JobExecution {
  state: JobState = 'CREATED';
  failureReason: string | null = null;
  endTimeMs: number | null = null;
  canceling = false;
  readonly metrics = new JobMetricsStore();
  private readonly subtasks = new Map<string, SubtaskStatus>();

  constructor(
    readonly jobId: string,
    readonly graph: JobGraphSpec,
    readonly plan: JobPlan,
    /** Epoch milliseconds. */
    readonly startTimeMs: number,
  ) {
    for (const s of plan.subtasks) this.subtasks.set(subtaskKey(s.vertexId, s.subtaskIndex), { ...s, state: 'DEPLOYING' });
  }

  get isTerminal(): boolean {
    return TERMINAL_JOB_STATES.has(this.state);
  }

  /** TaskManagers that host at least one subtask, in slot order. */
  get taskManagers(): string[] {
    return [...new Set(this.plan.slots.map((s) => s.tmId))];
  }

  get slots(): readonly SlotRef[] {
    return this.plan.slots;
  }

  usesTaskManager(tmId: string): boolean {
    return this.plan.slots.some((s) => s.tmId === tmId);
  }

  subtask(vertexId: string, subtaskIndex: number): SubtaskStatus | undefined {
    return this.subtasks.get(subtaskKey(vertexId, subtaskIndex));
  }

  /** True while every subtask reports RUNNING (checkpoints are triggered only then). */
  allSubtasksRunning(): boolean {
    return [...this.subtasks.values()].every((s) => s.state === 'RUNNING');
  }

  /** Deploy messages went out. */
  markRunning(): void {
    if (this.state === 'CREATED') this.state = 'RUNNING';
  }

  /** Applies a task's reported state and returns the job transition it caused. */
  onTaskState(subtask: SubtaskStatus, state: TaskState, error: string | undefined, nowMs: number): JobTransition {
    if (TERMINAL_TASK_STATES.has(subtask.state) && !TERMINAL_TASK_STATES.has(state)) return 'none';
    subtask.state = state;
    if (error !== undefined) subtask.error = error;
    if (this.isTerminal) return 'none';
    const where = `Task ${subtask.vertexId} subtask ${subtask.subtaskIndex} (of ${this.parallelismOf(subtask.vertexId)}) on ${subtask.tmId}`;
    if (this.canceling) {
      return this.allTasksTerminal() ? this.finishCancel(nowMs) : 'none';
    }
    if (state === 'FAILED') return this.fail(`${where} failed: ${error ?? 'no error given'}`, nowMs);
    if (state === 'CANCELED') return this.fail(`${where} was canceled although the job was not`, nowMs);
    if ([...this.subtasks.values()].every((s) => s.state === 'FINISHED')) {
      this.state = 'FINISHED';
      this.endTimeMs = nowMs;
      return 'finished';
    }
    return 'none';
  }

  /** Fails the job (a task failed, or a TaskManager was lost); a job being canceled ends CANCELED instead. */
  fail(reason: string, nowMs: number): JobTransition {
    if (this.isTerminal) return 'none';
    if (this.canceling) return this.finishCancel(nowMs);
    this.state = 'FAILED';
    this.failureReason = reason;
    this.endTimeMs = nowMs;
    return 'failed';
  }

  /** Starts canceling; returns false when the job is already terminal. */
  requestCancel(): boolean {
    if (this.isTerminal) return false;
    this.canceling = true;
    return true;
  }

  /** Ends a cancel (every task reported a terminal state, or the grace period passed). */
  finishCancel(nowMs: number): JobTransition {
    if (this.isTerminal) return 'none';
    this.state = 'CANCELED';
    this.canceling = false;
    this.endTimeMs = nowMs;
    return 'canceled';
  }

  recordMetrics(tmId: string, receivedAtMs: number, report: TaskMetricsReport): void {
    this.metrics.update(tmId, receivedAtMs, report);
  }

  summary(): { id: string; name: string; state: JobState } {
    return { id: this.jobId, name: this.graph.name, state: this.state };
  }

  details(nowMs: number): JobDetails {
    return {
      jobId: this.jobId,
      name: this.graph.name,
      state: this.state,
      canceling: this.canceling,
      failureReason: this.failureReason,
      startTimeMs: this.startTimeMs,
      endTimeMs: this.endTimeMs,
      durationMs: (this.endTimeMs ?? nowMs) - this.startTimeMs,
      taskManagers: this.taskManagers,
      vertices: this.graph.vertices.map((v) => ({
        id: v.id,
        operator: v.operator,
        parallelism: v.parallelism,
        subtasks: Array.from({ length: v.parallelism }, (_, i) => {
          const s = this.subtask(v.id, i)!;
          const out: JobDetails['vertices'][number]['subtasks'][number] = {
            subtaskIndex: i,
            state: s.state,
            taskManager: s.tmId,
            slot: s.slotIndex,
            attemptId: s.attemptId,
          };
          if (s.error !== undefined) out.error = s.error;
          return out;
        }),
      })),
    };
  }

  private allTasksTerminal(): boolean {
    return [...this.subtasks.values()].every((s) => TERMINAL_TASK_STATES.has(s.state));
  }

  private parallelismOf(vertexId: string): number {
    return this.graph.vertices.find((v) => v.id === vertexId)?.parallelism ?? 0;
  }
}

function subtaskKey(vertexId: string, subtaskIndex: number): string {
  return `${vertexId}#${subtaskIndex}`;
}
