/**
 * The JobManager's REST contract: one zod schema per endpoint's response. The JobManager's handlers return these
 * types (job-manager-rest.ts, job-manager-rest-backend.ts) and rest-client.ts validates every response against
 * them, so a malformed answer is a {@link RestContractError} naming the endpoint and the field. The internal types
 * the answers are built from (JobDetails, CheckpointsSnapshot, …) are checked at compile time to equal the schemas.
 */
import { z } from 'zod';
import { FlowlabError } from '../../core/index.js';
import type { TaskMetricsReport } from '../job/index.js';
import type { CheckpointDetails, CheckpointsSnapshot } from './checkpoint-coordinator.js';
import type { JobDetails } from './job-execution.js';
import type { JobMetricsAggregate } from './job-metrics.js';
import { summarizeIssues } from './zod-issues.js';

const count = z.number().int().min(0);
const epochMs = z.number();
const jobState = z.enum(['CREATED', 'RUNNING', 'RESTARTING', 'FINISHED', 'FAILED', 'CANCELED']);
const taskState = z.enum(['DEPLOYING', 'RUNNING', 'FINISHED', 'FAILED', 'CANCELED']);
const operatorKind = z.enum(['source', 'map', 'flatMap', 'aggregate', 'sink']);
export const addressSchema = z.object({ host: z.string(), port: z.number().int() });

/** `GET /overview` */
export const overviewSchema = z.object({
  flowlab: z.object({ version: z.string() }),
  taskmanagers: count,
  slotsTotal: count,
  slotsAvailable: z.number().int(),
  jobs: z.record(jobState, count),
});

/** One entry of `GET /taskmanagers`. */
export const registeredTaskManagerSchema = z.object({
  id: z.string(),
  dataAddress: addressSchema,
  slots: count,
  slotsFree: z.number().int(),
  pid: z.number().int(),
  registeredAtMs: epochMs,
  lastHeartbeatMsAgo: z.number(),
  metricsUrl: z.string().optional(),
});

/** `GET /taskmanagers` */
export const taskManagersSchema = z.object({ taskmanagers: z.array(registeredTaskManagerSchema) });

/** `POST /jobs` */
export const jobSubmittedSchema = z.object({ jobId: z.string() });

/** `GET /jobs` */
export const jobListSchema = z.object({ jobs: z.array(z.object({ id: z.string(), name: z.string(), state: jobState })) });

/** `GET /jobs/:id` */
export const jobDetailsSchema = z.object({
  jobId: z.string(),
  name: z.string(),
  state: jobState,
  canceling: z.boolean(),
  failureReason: z.string().nullable(),
  startTimeMs: epochMs,
  endTimeMs: epochMs.nullable(),
  durationMs: z.number(),
  taskManagers: z.array(z.string()),
  restarts: count,
  restoredFromCheckpoint: z.number().int().nullable(),
  attempts: z.array(z.object({ attempt: count, restoredFromCheckpoint: z.number().int().nullable(), startTimeMs: epochMs, taskManagers: z.array(z.string()) })),
  failureHistory: z.array(z.object({ timestampMs: epochMs, attempt: count, reason: z.string(), restarted: z.boolean() })),
  vertices: z.array(
    z.object({
      id: z.string(),
      operator: z.string(),
      parallelism: count,
      subtasks: z.array(z.object({ subtaskIndex: count, state: taskState, taskManager: z.string(), slot: z.number().int(), attemptId: z.string(), error: z.string().optional() })),
    }),
  ),
});

/** `POST /jobs/:id/cancel` */
export const jobCancelSchema = z.object({ jobId: z.string(), state: jobState, canceling: z.boolean() });

const debloatSampleSchema = z.object({
  atMs: epochMs,
  throughputBytesPerSec: z.number(),
  buffersInUse: z.number(),
  emaBefore: z.number(),
  lastAnnouncedBefore: z.number(),
  newSize: z.number(),
  estimatedTimeToConsumeBuffersMs: z.number(),
  announced: z.boolean(),
});

/** Count, Σ key and Σ keyHash32(key) mod 2^32 of a set of records (HTTP ingest's proof of which records arrived). */
const keyDigestSchema = z.object({ records: count, keySum: z.number(), keyHashSum: z.number() });

const sinkReportSchema = z.object({
  records: count,
  duplicated: count,
  outOfOrder: count,
  latencyHistogram: z.string(),
  bySource: z.array(z.object({ sourceSubtask: count, records: count, latencyHistogram: z.string() })).optional(),
  latencyBuckets: z.object({ cumulativeCounts: z.array(count), sumUs: z.number() }).optional(),
  keyDigest: keyDigestSchema.optional(),
});

/** An HTTP ingest source subtask: where it listens and what it answered. */
const httpSourceReportSchema = z.object({
  host: z.string(),
  port: count,
  servingUntilMs: z.number(),
  requests: count,
  acceptedRequests: count,
  acceptedRecords: count,
  rejectedRequests: count,
  rejectedRecords: count,
  badRequests: count,
  queued: count,
  keyDigest: keyDigestSchema,
});

/** One subtask's figures, as a TaskManager reports them. */
export const taskMetricsReportSchema = z.object({
  vertexId: z.string(),
  subtaskIndex: count,
  attemptId: z.string().optional(),
  operator: operatorKind,
  state: taskState,
  numRecordsIn: z.number(),
  numRecordsOut: z.number(),
  numBytesIn: z.number(),
  numBytesOut: z.number(),
  numBuffersIn: z.number(),
  numBuffersOut: z.number(),
  backPressuredTimeMsPerSecond: z.number(),
  idleTimeMsPerSecond: z.number(),
  busyTimeMsPerSecond: z.number(),
  accumulateBackPressuredTimeMs: z.number(),
  accumulateIdleTimeMs: z.number(),
  accumulateBusyTimeMs: z.number(),
  isBackPressured: z.boolean(),
  inPoolUsage: z.number(),
  outPoolUsage: z.number(),
  inputExclusiveBuffersUsage: z.number(),
  inputFloatingBuffersUsage: z.number(),
  debloatedBufferSize: z.number().optional(),
  estimatedTimeToConsumeBuffersMs: z.number().optional(),
  debloatSamples: z.array(debloatSampleSchema).optional(),
  sink: sinkReportSchema.optional(),
  httpSource: httpSourceReportSchema.optional(),
});

/** Percentiles of the merged sink latency (µs) with the merged histogram (HDR V2 compressed base64). */
export const latencySummarySchema = z.object({ p50: z.number(), p90: z.number(), p99: z.number(), p999: z.number(), max: z.number(), count: count, histogram: z.string() });

export const jobMetricsAggregateSchema = z.object({
  sourceRecordsOut: z.number(),
  sinkRecordsIn: z.number(),
  sinkRecords: z.number(),
  sinkDuplicated: z.number(),
  sinkOutOfOrder: z.number(),
  undecodableHistograms: count,
  latencyUs: latencySummarySchema,
});

/** `GET /jobs/:id/metrics` */
export const jobMetricsSchema = z.object({
  jobId: z.string(),
  state: jobState,
  /** Latest report per subtask, with the reporting TaskManager and when it arrived (epoch ms). */
  tasks: z.array(taskMetricsReportSchema.extend({ taskManager: z.string(), receivedAtMs: epochMs })),
  aggregate: jobMetricsAggregateSchema,
});

const checkpointStatsSchema = z.object({
  id: z.number().int(),
  status: z.enum(['IN_PROGRESS', 'COMPLETED', 'FAILED']),
  triggerTimestampMs: epochMs,
  durationMs: z.number().nullable(),
  acknowledged: count,
  total: count,
  stateBytes: z.number(),
  persistedChannelStateBytes: z.number(),
  maxAlignmentDurationMs: z.number(),
  maxStartDelayMs: z.number(),
  maxSyncDurationMs: z.number(),
  maxAsyncDurationMs: z.number(),
  unaligned: z.boolean(),
  failureReason: z.string().optional(),
  path: z.string().optional(),
});

const checkpointSummarySchema = z.object({ p50: z.number(), p99: z.number(), max: z.number(), count: count, histogram: z.string().optional() });

/** `GET /jobs/:id/checkpoints` */
export const checkpointsSchema = z.object({
  counts: z.object({ completed: count, failed: count, inProgress: count }),
  latest: checkpointStatsSchema.nullable(),
  history: z.array(checkpointStatsSchema),
  summary: z.object({
    durationMs: checkpointSummarySchema,
    alignmentMs: checkpointSummarySchema,
    startDelayMs: checkpointSummarySchema,
    persistedBytes: checkpointSummarySchema,
    stateBytes: checkpointSummarySchema,
    histogram: z.string(),
  }),
});

/** `GET /jobs/:id/checkpoints/:checkpointId` */
export const checkpointDetailsSchema = checkpointStatsSchema.extend({
  subtasks: z.array(
    z.object({
      vertexId: z.string(),
      subtaskIndex: count,
      taskManager: z.string(),
      acknowledgedAfterMs: z.number(),
      alignmentDurationMs: z.number(),
      startDelayMs: z.number(),
      syncDurationMs: z.number(),
      asyncDurationMs: z.number(),
      unaligned: z.boolean(),
      stateBytes: z.number(),
      persistedChannelStateBytes: z.number(),
    }),
  ),
});

/** `POST /jobs/:id/checkpoints` */
export const checkpointTriggeredSchema = z.object({ jobId: z.string(), checkpointId: z.number().int() });

/** `GET /links` and `PUT /links` */
export const linksSchema = z.object({ links: z.record(z.string(), addressSchema) });

/** `POST /shutdown` */
export const shutdownSchema = z.object({ shuttingDown: z.literal(true) });

/** Every error response: `{ "error": message, "code": CODE }`. */
export const errorBodySchema = z.object({ error: z.string(), code: z.string() });

export type JobManagerOverview = z.output<typeof overviewSchema>;
export type RegisteredTaskManager = z.output<typeof registeredTaskManagerSchema>;
export type JobListResponse = z.output<typeof jobListSchema>;
export type JobCancelResponse = z.output<typeof jobCancelSchema>;
export type JobMetricsResponse = z.output<typeof jobMetricsSchema>;
export type JobCheckpointsResponse = z.output<typeof checkpointsSchema>;
export type JobCheckpointDetailsResponse = z.output<typeof checkpointDetailsSchema>;
export type CheckpointTriggeredResponse = z.output<typeof checkpointTriggeredSchema>;
export type LinksResponse = z.output<typeof linksSchema>;
export type LatencySummary = z.output<typeof latencySummarySchema>;

/** A response that does not match its schema: names the endpoint and each bad field. */
export class RestContractError extends FlowlabError {
  constructor(
    /** e.g. `GET /jobs/:id` */
    readonly endpoint: string,
    /** Dotted paths of the bad fields, e.g. `vertices.0.subtasks.1.state`. */
    readonly fields: string[],
    detail: string,
  ) {
    super('ERR_REST_CONTRACT', `${endpoint}: the JobManager's response does not match the REST contract: ${detail}`);
  }
}

/** Validates `body` against `schema`; a mismatch is a {@link RestContractError} naming `endpoint` and the fields. */
export function parseResponse<S extends z.ZodType>(endpoint: string, schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const { fields, detail } = summarizeIssues(parsed.error, '(body)');
  throw new RestContractError(endpoint, fields, detail);
}

/** True when A and B are assignable both ways. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compile-time: the types the JobManager builds its answers from are exactly the contract's. */
export const CONTRACT_MATCHES_RUNTIME_TYPES: [
  Same<z.output<typeof jobDetailsSchema>, JobDetails>,
  Same<z.output<typeof taskMetricsReportSchema>, TaskMetricsReport>,
  Same<z.output<typeof jobMetricsAggregateSchema>, JobMetricsAggregate>,
  Same<z.output<typeof checkpointsSchema>, CheckpointsSnapshot>,
  Same<z.output<typeof checkpointDetailsSchema>, CheckpointDetails>,
] = [true, true, true, true, true];
