/** A typed client for the JobManager REST API (JSON over HTTP on loopback). */
import { FlowlabError } from '../../core/index.js';
import type { Address, JobState, TaskMetricsReport, TaskState, JobGraphSpec } from '../job/index.js';
import type { CheckpointDetails, CheckpointStats, CheckpointSubtaskStats, CheckpointSummary, CheckpointsSnapshot } from './checkpoint-coordinator.js';
import type { JobMetricsAggregate, LatencySummaryUs } from './job-metrics.js';

export class RestError extends FlowlabError {
  constructor(
    readonly status: number,
    message: string,
    code = 'ERR_REST',
  ) {
    super(code, message);
  }
}

export interface JobDetails {
  jobId: string;
  name: string;
  state: JobState;
  failureReason?: string;
  startTimeMs?: number;
  endTimeMs?: number;
  /** Restarts so far (fixed-delay restart strategy). */
  restarts?: number;
  /** Checkpoint id the current attempt restored from; null when it started from scratch. */
  restoredFromCheckpoint?: number | null;
  attempts?: Array<{ attempt: number; restoredFromCheckpoint: number | null; startTimeMs: number; taskManagers: string[] }>;
  failureHistory?: Array<{ timestampMs: number; attempt: number; reason: string; restarted: boolean }>;
  vertices?: Array<{ id: string; subtasks: Array<{ subtaskIndex: number; state: TaskState; taskManager: string; attemptId?: string }> }>;
}

/** A latency summary in µs; `histogram` (HDR V2 compressed base64) is absent when there were no samples. */
export type LatencySummary = Omit<LatencySummaryUs, 'histogram'> & { histogram?: string };

export interface JobMetrics {
  /** Latest report per subtask, with the TaskManager that sent it. */
  tasks: Array<TaskMetricsReport & { taskManager?: string; receivedAtMs?: number }>;
  /** The JobManager's aggregate over sources and sinks (see job-metrics.ts). */
  aggregate: JobMetricsAggregate;
}

/** One checkpoint as `GET /jobs/:id/checkpoints` reports it (the coordinator's own stats). */
export type CheckpointView = CheckpointStats;

/** `GET /jobs/:id/checkpoints`: counts, latest completed, history (newest first) and summaries over completed ones. */
export type CheckpointsView = CheckpointsSnapshot;

/** Percentiles of one checkpoint figure, with its HDR histogram (absent when no checkpoint completed). */
export type CheckpointSummaryView = CheckpointSummary;

/** One subtask's acknowledgement in {@link CheckpointDetailsView}. */
export type CheckpointSubtaskView = CheckpointSubtaskStats;

/** `GET /jobs/:id/checkpoints/:checkpointId`: one checkpoint of the history with a row per acknowledging subtask. */
export type CheckpointDetailsView = CheckpointDetails;

export class JobManagerClient {
  readonly baseUrl: string;

  constructor(address: Address) {
    this.baseUrl = `http://${address.host}:${address.port}`;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const err = parsed as { error?: string; code?: string } | undefined;
      throw new RestError(response.status, `${method} ${path}: ${err?.error ?? `HTTP ${response.status}`}`, err?.code ?? 'ERR_REST');
    }
    return parsed as T;
  }

  submitJob(graph: JobGraphSpec): Promise<{ jobId: string }> {
    return this.request('POST', '/jobs', graph);
  }

  job(jobId: string): Promise<JobDetails> {
    return this.request('GET', `/jobs/${jobId}`);
  }

  metrics(jobId: string): Promise<JobMetrics> {
    return this.request('GET', `/jobs/${jobId}/metrics`);
  }

  cancel(jobId: string): Promise<unknown> {
    return this.request('POST', `/jobs/${jobId}/cancel`);
  }

  /** Checkpoint counts, latest completed, history and summaries (duration, alignment, start delay, sizes). */
  checkpoints(jobId: string): Promise<CheckpointsView> {
    return this.request('GET', `/jobs/${jobId}/checkpoints`);
  }

  /** One checkpoint of the history with its per-subtask figures; a {@link RestError} 404 when it is not kept. */
  checkpointDetails(jobId: string, checkpointId: number): Promise<CheckpointDetailsView> {
    return this.request('GET', `/jobs/${jobId}/checkpoints/${checkpointId}`);
  }

  /** Triggers a checkpoint now (409 if the job cannot take one). */
  triggerCheckpoint(jobId: string): Promise<{ jobId: string; checkpointId: number }> {
    return this.request('POST', `/jobs/${jobId}/checkpoints`);
  }

  taskManagers(): Promise<unknown[]> {
    return this.request<unknown>('GET', '/taskmanagers').then((r): unknown[] => {
      if (Array.isArray(r)) return r as unknown[];
      return (r as { taskmanagers?: unknown[] }).taskmanagers ?? [];
    });
  }

  /** `PUT /links`: data-link overrides (`data-<consumerTm>-<producerTm>` → address) for jobs submitted afterwards. */
  setLinkOverrides(links: Readonly<Record<string, Address>>): Promise<{ links: Record<string, Address> }> {
    return this.request('PUT', '/links', links);
  }

  links(): Promise<{ links: Record<string, Address> }> {
    return this.request('GET', '/links');
  }

  overview(): Promise<Record<string, unknown>> {
    return this.request('GET', '/overview');
  }
}
