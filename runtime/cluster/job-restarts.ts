/**
 * Restart orchestration (Flink's fixed-delay failover of the whole job): on a restartable failure, stop
 * checkpointing, forget the old attempt's metrics, cancel its tasks, and after `restart-strategy.fixed-delay.delay`
 * schedule the job anew on the TaskManagers registered then, each subtask restoring from the latest completed
 * checkpoint (or from scratch).
 */
import { toError, type Clock, type Logger, type TimerHandle } from '../../core/index.js';
import type { Address } from '../job/index.js';
import { findSubtaskHandle, type CompletedCheckpoint } from '../checkpoint/index.js';
import type { CheckpointCoordinator, CheckpointTaskRef } from './checkpoint-coordinator.js';
import type { JobExecution, RestartStrategy } from './job-execution.js';
import { NotEnoughSlotsError, scheduleJob, type JobPlan, type SchedulableTaskManager } from './scheduler.js';

export interface JobRestartsOptions {
  strategy: RestartStrategy;
  clock: Clock;
  logger: Logger;
  epochMs: () => number;
  coordinator: (jobId: string) => CheckpointCoordinator | undefined;
  /** TaskManagers and their free slots, not counting `jobId`'s own. */
  schedulable: (jobId: string) => SchedulableTaskManager[];
  linkOverrides: () => Readonly<Record<string, Address>>;
  deploy: (plan: JobPlan) => void;
  cancelTasks: (job: JobExecution) => void;
  /** Fails the job for good (not restartable). */
  failJob: (job: JobExecution, reason: string) => void;
  /** The JobManager is stopping: no more redeploys. */
  stopping: () => boolean;
}

export class JobRestarts {
  /** Pending redeploys (the fixed delay). */
  private readonly timers = new Map<string, TimerHandle>();

  constructor(private readonly options: JobRestartsOptions) {}

  /** First half: everything of the failed attempt stops; the redeploy is due after the strategy's delay. */
  begin(job: JobExecution): void {
    const { strategy, logger, clock } = this.options;
    const reason = job.failureHistory.at(-1)?.reason ?? 'unknown failure';
    const delayMs = strategy.kind === 'fixed-delay' ? strategy.delayMs : 0;
    logger.warn('job restarting', { jobId: job.jobId, restart: job.restarts, delayMs, reason });
    this.options.coordinator(job.jobId)?.suspend(`job ${job.jobId} is restarting`);
    job.metrics.retireAttempt();
    this.options.cancelTasks(job);
    this.cancel(job.jobId);
    this.timers.set(
      job.jobId,
      clock.setTimeout(() => {
        this.timers.delete(job.jobId);
        this.redeploy(job).catch((error: unknown) => this.options.failJob(job, `restart failed: ${toError(error).message}`));
      }, delayMs),
    );
  }

  /** Drops a pending redeploy of `jobId`. */
  cancel(jobId: string): void {
    this.timers.get(jobId)?.cancel();
    this.timers.delete(jobId);
  }

  cancelAll(): void {
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
  }

  /** Second half: a new attempt (new attempt and partition ids) from the latest completed checkpoint. */
  private async redeploy(job: JobExecution): Promise<void> {
    const { stopping, failJob } = this.options;
    if (job.state !== 'RESTARTING' || stopping()) return;
    const coordinator = this.options.coordinator(job.jobId);
    let checkpoint: CompletedCheckpoint | undefined;
    try {
      checkpoint = coordinator ? await coordinator.storage.latestCompleted() : undefined;
    } catch (error) {
      failJob(job, `cannot restart: reading the latest completed checkpoint failed: ${toError(error).message}`);
      return;
    }
    if (job.state !== 'RESTARTING' || stopping()) return;
    let plan: JobPlan;
    try {
      plan = scheduleJob(job.graph, { jobId: job.jobId, taskManagers: this.options.schedulable(job.jobId), linkOverrides: this.options.linkOverrides() });
    } catch (error) {
      if (!(error instanceof NotEnoughSlotsError)) throw error;
      failJob(job, `cannot restart: ${error.message}`);
      return;
    }
    if (checkpoint) {
      for (const tasks of plan.deployments.values()) {
        for (const task of tasks) {
          const handle = findSubtaskHandle(checkpoint, task.vertexId, task.subtaskIndex);
          if (!handle) {
            failJob(job, `cannot restart: checkpoint ${checkpoint.checkpointId} has no state for ${task.vertexId} subtask ${task.subtaskIndex}`);
            return;
          }
          task.restore = { checkpointId: checkpoint.checkpointId, handle };
        }
      }
    }
    job.beginAttempt(plan, checkpoint?.checkpointId ?? null, this.options.epochMs());
    this.options.deploy(plan);
    coordinator?.resume(checkpointTasks(job, plan));
    this.options.logger.info('job redeployed', { jobId: job.jobId, attempt: job.attempt, restoredFromCheckpoint: checkpoint?.checkpointId ?? null, taskManagers: job.taskManagers });
  }
}

/** The subtasks of `plan` as the checkpoint coordinator tracks them (sources are triggered). */
export function checkpointTasks(job: JobExecution, plan: JobPlan): CheckpointTaskRef[] {
  const sources = new Set(job.graph.vertices.filter((v) => v.operator === 'source').map((v) => v.id));
  return plan.subtasks.map((s) => ({ vertexId: s.vertexId, subtaskIndex: s.subtaskIndex, tmId: s.tmId, isSource: sources.has(s.vertexId) }));
}
