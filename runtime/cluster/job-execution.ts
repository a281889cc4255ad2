/**
 * One submitted job on the JobManager: its current plan (attempt), per-subtask states and the job state machine
 * CREATED → RUNNING (→ RESTARTING → RUNNING)* → FINISHED | FAILED | CANCELED. A failure restarts the job while the
 * restart strategy allows it (Flink's fixed-delay), else fails it. It decides transitions; the JobManager sends the
 * messages and redeploys.
 */
import { FlowlabError, type ResolvedConfig } from '../../core/index.js';
import type { JobState, TaskMetricsReport, TaskState, JobGraphSpec } from '../job/index.js';
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

/** What a task-state report or a failure did to the job. */
export type JobTransition = 'none' | 'finished' | 'failed' | 'canceled' | 'restarting';

/** Flink's restart strategies: `none` fails the job on the first failure; `fixed-delay` redeploys after a delay. */
export type RestartStrategy = { readonly kind: 'none' } | { readonly kind: 'fixed-delay'; readonly attempts: number; readonly delayMs: number };

/**
 * `restart-strategy` resolved with Flink's rule: unset means fixed-delay when `execution.checkpointing.interval`
 * is set, else none.
 */
export function resolveRestartStrategy(config: ResolvedConfig): RestartStrategy {
  const kind = config['restart-strategy'] ?? (config['execution.checkpointing.interval'] !== null ? 'fixed-delay' : 'none');
  if (kind === 'none') return { kind };
  return { kind, attempts: config['restart-strategy.fixed-delay.attempts'], delayMs: config['restart-strategy.fixed-delay.delay'] };
}

/** One execution attempt of the whole job (attempt 0 is the first deployment). */
export interface JobAttempt {
  attempt: number;
  /** Checkpoint id the attempt's tasks restored from; null when it started from scratch. */
  restoredFromCheckpoint: number | null;
  /** Epoch milliseconds of its deployment. */
  startTimeMs: number;
  taskManagers: string[];
}

/** One failure of the job and what followed. */
export interface JobFailure {
  /** Epoch milliseconds. */
  timestampMs: number;
  /** The attempt that failed. */
  attempt: number;
  reason: string;
  /** True if the job restarted after it, false if it failed the job. */
  restarted: boolean;
}

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
  /** Restarts so far (fixed-delay restart strategy). */
  restarts: number;
  /** Checkpoint the current attempt restored from; null when it started from scratch. */
  restoredFromCheckpoint: number | null;
  attempts: JobAttempt[];
  /** Every failure, oldest first. */
  failureHistory: JobFailure[];
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
  restarts = 0;
  readonly metrics = new JobMetricsStore();
  readonly attempts: JobAttempt[] = [];
  readonly failureHistory: JobFailure[] = [];
  private readonly subtasks = new Map<string, SubtaskStatus>();
  private currentPlan: JobPlan;

  constructor(
    readonly jobId: string,
    readonly graph: JobGraphSpec,
    plan: JobPlan,
    /** Epoch milliseconds. */
    readonly startTimeMs: number,
    readonly restartStrategy: RestartStrategy = { kind: 'none' },
  ) {
    this.currentPlan = plan;
    this.resetSubtasks(plan);
    this.attempts.push({ attempt: 0, restoredFromCheckpoint: null, startTimeMs, taskManagers: this.taskManagers });
  }

  /** The current attempt's plan. */
  get plan(): JobPlan {
    return this.currentPlan;
  }

  get attempt(): number {
    return this.attempts.length - 1;
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
    if (this.state === 'RESTARTING') return 'none'; // the old attempt winding down
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

  /**
   * A task failed or a TaskManager was lost: restarts the job (RESTARTING) while the restart strategy allows, else
   * fails it; `restartable: false` fails it regardless (e.g. a restart that cannot be scheduled). A job being
   * canceled ends CANCELED instead; failures of a job already restarting are part of the same failover.
   */
  fail(reason: string, nowMs: number, restartable = true): JobTransition {
    if (this.isTerminal) return 'none';
    if (this.canceling) return this.finishCancel(nowMs);
    if (this.state === 'RESTARTING' && restartable) return 'none';
    const strategy = this.restartStrategy;
    const restart = restartable && strategy.kind === 'fixed-delay' && this.restarts < strategy.attempts;
    this.failureHistory.push({ timestampMs: nowMs, attempt: this.attempt, reason, restarted: restart });
    if (restart) {
      this.state = 'RESTARTING';
      this.restarts++;
      return 'restarting';
    }
    this.state = 'FAILED';
    this.failureReason = reason;
    this.endTimeMs = nowMs;
    return 'failed';
  }

  /** A restart was deployed: the new attempt's plan, every subtask DEPLOYING, the job RUNNING again. */
  beginAttempt(plan: JobPlan, restoredFromCheckpoint: number | null, nowMs: number): void {
    if (this.state !== 'RESTARTING') return;
    this.currentPlan = plan;
    this.resetSubtasks(plan);
    this.metrics.clear();
    this.attempts.push({ attempt: this.attempts.length, restoredFromCheckpoint, startTimeMs: nowMs, taskManagers: this.taskManagers });
    this.state = 'RUNNING';
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
      restarts: this.restarts,
      restoredFromCheckpoint: this.attempts.at(-1)?.restoredFromCheckpoint ?? null,
      attempts: this.attempts.map((a) => ({ ...a, taskManagers: [...a.taskManagers] })),
      failureHistory: this.failureHistory.map((f) => ({ ...f })),
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

  private resetSubtasks(plan: JobPlan): void {
    this.subtasks.clear();
    for (const s of plan.subtasks) this.subtasks.set(subtaskKey(s.vertexId, s.subtaskIndex), { ...s, state: 'DEPLOYING' });
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
