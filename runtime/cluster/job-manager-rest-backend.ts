/**
 * The JobManager's answers to the REST API: each route's response built from the JobManager's state (registry,
 * slots, jobs, checkpoint coordinators, link overrides), and its operations (submit, cancel, trigger, shut down)
 * with the HTTP errors they map to. job-manager-rest.ts routes requests here.
 */
import { validateJobGraph, type JobGraphSpec, type JobState } from '../job/index.js';
import { emptyCheckpointsSnapshot } from './checkpoint-coordinator.js';
import { JobNotCancelableError, type JobDetails } from './job-execution.js';
import { HttpError, flowlabVersion, type RestBackend } from './job-manager-rest.js';
import type {
  CheckpointTriggeredResponse,
  JobCancelResponse,
  JobCheckpointDetailsResponse,
  JobCheckpointsResponse,
  JobListResponse,
  JobManagerOverview,
  JobMetricsResponse,
  LinksResponse,
  RegisteredTaskManager,
} from './rest-contract.js';
import { aggregateJobMetrics } from './job-metrics.js';
import type { JobManager } from './job-manager.js';

export class JobManagerRestBackend implements RestBackend {
  constructor(private readonly jm: JobManager) {}

  overview(): JobManagerOverview {
    const jobs: Record<JobState, number> = { CREATED: 0, RUNNING: 0, RESTARTING: 0, FINISHED: 0, FAILED: 0, CANCELED: 0 };
    for (const job of this.jm.jobs.values()) jobs[job.state]++;
    const slotsTotal = this.jm.registry.slotsTotal;
    return { flowlab: { version: flowlabVersion() }, taskmanagers: this.jm.registry.size, slotsTotal, slotsAvailable: slotsTotal - this.jm.slots.occupiedCount(), jobs };
  }

  taskManagers(): { taskmanagers: RegisteredTaskManager[] } {
    const now = this.jm.clock.nowMs();
    const occupied = this.jm.slots.occupied();
    return {
      taskmanagers: [...this.jm.registry.values()].map((tm) => ({
        id: tm.tmId,
        dataAddress: tm.dataAddress,
        slots: tm.slots,
        slotsFree: tm.slots - (occupied.get(tm.tmId)?.size ?? 0),
        pid: tm.pid,
        registeredAtMs: tm.registeredAtMs,
        lastHeartbeatMsAgo: Math.max(0, Math.round(now - tm.lastHeartbeatMs)),
        ...(tm.metricsAddress ? { metricsUrl: `http://${tm.metricsAddress.host}:${tm.metricsAddress.port}/metrics` } : {}),
      })),
    };
  }

  /** `GET /links`: the data address overrides that jobs submitted from now on are wired with. */
  links(): LinksResponse {
    return { links: this.jm.linkOverrides.snapshot() };
  }

  /** `PUT /links`: replaces the link overrides; applies to jobs submitted afterwards. */
  setLinkOverrides(body: unknown): LinksResponse {
    return { links: this.jm.linkOverrides.replace(body) };
  }

  submitJob(spec: unknown): { jobId: string } {
    if (this.jm.stopping) throw new HttpError(503, 'ERR_SHUTTING_DOWN', 'The JobManager is shutting down');
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
      throw new HttpError(400, 'ERR_BAD_REQUEST', 'Request body must be a job graph object with "vertices" and "edges"');
    }
    return { jobId: this.jm.submitJob(validateJobGraph(spec as JobGraphSpec)) };
  }

  listJobs(): JobListResponse {
    return { jobs: [...this.jm.jobs.values()].map((job) => job.summary()) };
  }

  jobDetails(jobId: string): JobDetails {
    return this.jm.job(jobId).details(this.jm.epochMs());
  }

  cancelJob(jobId: string): JobCancelResponse {
    const job = this.jm.job(jobId);
    if (!this.jm.cancelJob(job)) throw new JobNotCancelableError(jobId, job.state);
    return { jobId, state: job.state, canceling: job.canceling };
  }

  jobMetrics(jobId: string): JobMetricsResponse {
    const job = this.jm.job(jobId);
    const stored = job.metrics.reports();
    return {
      jobId,
      state: job.state,
      tasks: stored.map((s) => ({ taskManager: s.tmId, receivedAtMs: s.receivedAtMs, ...s.report })),
      aggregate: aggregateJobMetrics(
        stored.map((s) => s.report),
        this.jm.logger,
        job.metrics.retiredLatencyHistograms,
      ),
    };
  }

  jobCheckpoints(jobId: string): JobCheckpointsResponse {
    this.jm.job(jobId);
    return this.jm.coordinator(jobId)?.snapshot() ?? emptyCheckpointsSnapshot();
  }

  /** `GET /jobs/:id/checkpoints/:checkpointId`: one checkpoint of the history with its per-subtask figures. */
  checkpointDetails(jobId: string, checkpointId: number): JobCheckpointDetailsResponse {
    this.jm.job(jobId);
    const coordinator = this.jm.coordinator(jobId);
    const details = coordinator?.details(checkpointId);
    if (!details) {
      const kept = coordinator?.history.map((h) => h.id) ?? [];
      const range = kept.length === 0 ? 'none yet' : `ids ${Math.min(...kept)}-${Math.max(...kept)}`;
      throw new HttpError(404, 'ERR_CHECKPOINT_NOT_FOUND', `Checkpoint ${checkpointId} of job ${jobId} is not in the checkpoint history (${range})`);
    }
    return details;
  }

  /** `POST /jobs/:id/checkpoints`: triggers a checkpoint now. */
  triggerCheckpoint(jobId: string): CheckpointTriggeredResponse {
    const id = this.jm.triggerCheckpoint(this.jm.job(jobId));
    if (id === undefined) {
      throw new HttpError(409, 'ERR_CHECKPOINT_NOT_TRIGGERED', `job ${jobId} cannot take a checkpoint now (not all tasks are running, or max-concurrent-checkpoints are pending)`);
    }
    return { jobId, checkpointId: id };
  }

  shutdown(): void {
    this.jm.shutdownCluster().catch((error: unknown) => this.jm.logger.error('shutdown failed', { error: String(error) }));
  }
}
