/**
 * A typed client for the JobManager REST API (JSON over HTTP). Every response is validated against the REST
 * contract (rest-contract.ts), the same schemas the JobManager's handlers answer with: a malformed response is a
 * {@link RestContractError} naming the endpoint and the field; an error status is a {@link RestError}.
 */
import type { z } from 'zod';
import { FlowlabError } from '../../core/index.js';
import type { Address, JobGraphSpec } from '../job/index.js';
import {
  checkpointDetailsSchema,
  checkpointTriggeredSchema,
  checkpointsSchema,
  errorBodySchema,
  jobCancelSchema,
  jobDetailsSchema,
  jobListSchema,
  jobMetricsSchema,
  jobSubmittedSchema,
  linksSchema,
  overviewSchema,
  parseResponse,
  shutdownSchema,
  taskManagersSchema,
  type CheckpointTriggeredResponse,
  type JobCancelResponse,
  type JobCheckpointDetailsResponse,
  type JobCheckpointsResponse,
  type JobListResponse,
  type JobManagerOverview,
  type JobMetricsResponse,
  type LatencySummary as ContractLatencySummary,
  type LinksResponse,
  type RegisteredTaskManager,
} from './rest-contract.js';

export class RestError extends FlowlabError {
  constructor(
    readonly status: number,
    message: string,
    code = 'ERR_REST',
  ) {
    super(code, message);
  }
}

/** `GET /jobs/:id` */
export type JobDetails = z.output<typeof jobDetailsSchema>;

/** A latency summary in µs; `histogram` (HDR V2 compressed base64) is absent when there were no samples. */
export type LatencySummary = Omit<ContractLatencySummary, 'histogram'> & { histogram?: string };

/** `GET /jobs/:id/metrics`: the latest report per subtask, with the TaskManager that sent it, and the aggregate. */
export type JobMetrics = JobMetricsResponse;

/** `GET /jobs/:id/checkpoints`: counts, latest completed, history (newest first) and summaries over completed ones. */
export type CheckpointsView = JobCheckpointsResponse;

/** One checkpoint as `GET /jobs/:id/checkpoints` reports it. */
export type CheckpointView = CheckpointsView['history'][number];

/** Percentiles of one checkpoint figure, with its HDR histogram (absent when no checkpoint completed). */
export type CheckpointSummaryView = CheckpointsView['summary']['durationMs'];

/** `GET /jobs/:id/checkpoints/:checkpointId`: one checkpoint of the history with a row per acknowledging subtask. */
export type CheckpointDetailsView = JobCheckpointDetailsResponse;

/** One subtask's acknowledgement in {@link CheckpointDetailsView}. */
export type CheckpointSubtaskView = CheckpointDetailsView['subtasks'][number];

export class JobManagerClient {
  readonly baseUrl: string;

  constructor(address: Address) {
    this.baseUrl = `http://${address.host}:${address.port}`;
  }

  /**
   * `method path`, validated against `schema`; `endpoint` names the route in errors (`GET /jobs/:id`). A non-2xx
   * status is a {@link RestError} with the server's code and message.
   */
  async request<S extends z.ZodType>(method: string, path: string, schema: S, endpoint = `${method} ${path}`, body?: unknown): Promise<z.output<S>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    let malformed: string | undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch (error) {
      malformed = error instanceof Error ? error.message : String(error);
    }
    if (!response.ok) {
      const err = errorBodySchema.safeParse(parsed);
      throw new RestError(response.status, `${method} ${path}: ${err.success ? err.data.error : `HTTP ${response.status}`}`, err.success ? err.data.code : 'ERR_REST');
    }
    if (malformed !== undefined) throw new RestError(response.status, `${endpoint}: the response is not JSON (${malformed})`, 'ERR_REST_CONTRACT');
    return parseResponse(endpoint, schema, parsed);
  }

  submitJob(graph: JobGraphSpec): Promise<{ jobId: string }> {
    return this.request('POST', '/jobs', jobSubmittedSchema, 'POST /jobs', graph);
  }

  jobs(): Promise<JobListResponse> {
    return this.request('GET', '/jobs', jobListSchema);
  }

  job(jobId: string): Promise<JobDetails> {
    return this.request('GET', `/jobs/${jobId}`, jobDetailsSchema, 'GET /jobs/:id');
  }

  metrics(jobId: string): Promise<JobMetrics> {
    return this.request('GET', `/jobs/${jobId}/metrics`, jobMetricsSchema, 'GET /jobs/:id/metrics');
  }

  cancel(jobId: string): Promise<JobCancelResponse> {
    return this.request('POST', `/jobs/${jobId}/cancel`, jobCancelSchema, 'POST /jobs/:id/cancel');
  }

  /** Checkpoint counts, latest completed, history and summaries (duration, alignment, start delay, sizes). */
  checkpoints(jobId: string): Promise<CheckpointsView> {
    return this.request('GET', `/jobs/${jobId}/checkpoints`, checkpointsSchema, 'GET /jobs/:id/checkpoints');
  }

  /** One checkpoint of the history with its per-subtask figures; a {@link RestError} 404 when it is not kept. */
  checkpointDetails(jobId: string, checkpointId: number): Promise<CheckpointDetailsView> {
    return this.request('GET', `/jobs/${jobId}/checkpoints/${checkpointId}`, checkpointDetailsSchema, 'GET /jobs/:id/checkpoints/:checkpointId');
  }

  /** Triggers a checkpoint now (409 if the job cannot take one). */
  triggerCheckpoint(jobId: string): Promise<CheckpointTriggeredResponse> {
    return this.request('POST', `/jobs/${jobId}/checkpoints`, checkpointTriggeredSchema, 'POST /jobs/:id/checkpoints');
  }

  /** `GET /taskmanagers`: the registered TaskManagers. */
  async taskManagers(): Promise<RegisteredTaskManager[]> {
    return (await this.request('GET', '/taskmanagers', taskManagersSchema)).taskmanagers;
  }

  /** `PUT /links`: data-link overrides (`data-<consumerTm>-<producerTm>` → address) for jobs submitted afterwards. */
  setLinkOverrides(links: Readonly<Record<string, Address>>): Promise<LinksResponse> {
    return this.request('PUT', '/links', linksSchema, 'PUT /links', links);
  }

  links(): Promise<LinksResponse> {
    return this.request('GET', '/links', linksSchema);
  }

  overview(): Promise<JobManagerOverview> {
    return this.request('GET', '/overview', overviewSchema);
  }

  /** `POST /shutdown`: the JobManager tells every TaskManager to shut down, then stops. */
  shutdown(): Promise<{ shuttingDown: true }> {
    return this.request('POST', '/shutdown', shutdownSchema);
  }
}
