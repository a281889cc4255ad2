/**
 * The control plane between TaskManagers and the JobManager: newline-delimited JSON messages over one persistent
 * TCP connection per TaskManager (opened by the TaskManager, possibly through a `ctrl-<tm>` proxy).
 */
import type { SerializedConfig } from '../../core/index.js';
import type { ResultPartitionId } from '../partition/index.js';
import type { DebloatSample } from '../throughput/index.js';
import type { FlatMapParams, MapParams, OperatorKind, PartitionerKind, SinkParams, SourceParams } from './job-graph.js';

export interface Address {
  host: string;
  port: number;
}

/** A usable {@link Address}: a non-empty host and a port from 1 to 65535. */
export function isAddress(value: unknown): value is Address {
  if (typeof value !== 'object' || value === null) return false;
  const { host, port } = value as { host?: unknown; port?: unknown };
  return typeof host === 'string' && host !== '' && Number.isInteger(port) && (port as number) > 0 && (port as number) < 65_536;
}

export type TaskState = 'DEPLOYING' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'CANCELED';
/** CREATED → RUNNING (→ RESTARTING → RUNNING)* → FINISHED | FAILED | CANCELED. */
export type JobState = 'CREATED' | 'RUNNING' | 'RESTARTING' | 'FINISHED' | 'FAILED' | 'CANCELED';

export interface OutputDeployment {
  partitionId: ResultPartitionId;
  numSubpartitions: number;
  partitioner: PartitionerKind;
  maxParallelism: number;
  /** Downstream vertex, for naming. */
  to: string;
}

export interface InputChannelDeployment {
  partitionId: ResultPartitionId;
  subpartitionIndex: number;
  /** TaskManager id of the producer. */
  producerTm: string;
  /** Where to connect (the producer's data server, or a proxy in front of it). */
  address: Address;
}

export interface TaskDeployment {
  jobId: string;
  vertexId: string;
  operator: OperatorKind;
  subtaskIndex: number;
  parallelism: number;
  attemptId: string;
  source?: SourceParams;
  map?: MapParams;
  flatMap?: FlatMapParams;
  sink?: SinkParams;
  outputs: OutputDeployment[];
  input?: { from: string; channels: InputChannelDeployment[] };
  /** Restore the operator state of this subtask from a completed checkpoint before the task runs (a restarted job). */
  restore?: TaskRestore;
  /** The job's seed: partitioner and payload bytes derive from it (and the vertex and subtask). @default 0 */
  seed?: number;
}

/** Where a redeployed subtask's state is: the checkpoint id and the subtask's state handle from its `_metadata`. */
export interface TaskRestore {
  checkpointId: number;
  handle: { file: string; bytes: number; stateBytes: number; channelStateBytes: number };
}

export interface SinkReport {
  records: number;
  duplicated: number;
  outOfOrder: number;
  /** End-to-end latency from the intended emit time, HDR V2 compressed base64, µs; since the task started. */
  latencyHistogram: string;
  /**
   * Optional: records and latency histogram (HDR V2 compressed base64, µs, since the task started) per source
   * subtask, so a harness can attribute records to the link they came over.
   */
  bySource?: Array<{ sourceSubtask: number; records: number; latencyHistogram: string }>;
  /** Optional: the same latencies as cumulative counts at fixed bounds (runtime/metrics LATENCY_BUCKET_BOUNDS_US, then +Inf), for Prometheus. */
  latencyBuckets?: { cumulativeCounts: number[]; sumUs: number };
  /** Optional: count, Σ key and Σ keyHash32(key) mod 2^32 of the records this attempt received (HTTP ingest's proof of which records arrived). */
  keyDigest?: { records: number; keySum: number; keyHashSum: number };
}

/** An HTTP ingest source subtask (`source.http`): where it listens and what it answered. */
export interface HttpSourceReport {
  host: string;
  /** 0 until the server is bound. */
  port: number;
  /** When it stops taking requests, epoch ms (its start + the source's durationMs); 0 before it starts. */
  servingUntilMs: number;
  requests: number;
  /** Requests answered 200: all their records are in the network buffers. */
  acceptedRequests: number;
  acceptedRecords: number;
  /** Requests answered 503 (back-pressured past the wait, or rejected at once): none of their records entered the stream. */
  rejectedRequests: number;
  rejectedRecords: number;
  /** Requests answered 4xx (malformed body, key out of range, too large). */
  badRequests: number;
  /** Requests waiting for the output now. */
  queued: number;
  /** Count, Σ key, Σ keyHash32(key) mod 2^32 of the accepted records. */
  keyDigest: { records: number; keySum: number; keyHashSum: number };
}

export interface TaskMetricsReport {
  vertexId: string;
  subtaskIndex: number;
  /** The execution attempt that reported; the JobManager drops reports of an attempt it replaced. */
  attemptId?: string;
  operator: OperatorKind;
  state: TaskState;
  numRecordsIn: number;
  numRecordsOut: number;
  numBytesIn: number;
  numBytesOut: number;
  numBuffersIn: number;
  numBuffersOut: number;
  backPressuredTimeMsPerSecond: number;
  idleTimeMsPerSecond: number;
  busyTimeMsPerSecond: number;
  accumulateBackPressuredTimeMs: number;
  accumulateIdleTimeMs: number;
  accumulateBusyTimeMs: number;
  isBackPressured: boolean;
  inPoolUsage: number;
  outPoolUsage: number;
  inputExclusiveBuffersUsage: number;
  inputFloatingBuffersUsage: number;
  /** Buffer debloating (only with `buffer-debloat.enabled`, tasks with an input): the last announced buffer size, bytes. */
  debloatedBufferSize?: number;
  /** Buffer debloating: the time the buffered input takes to consume at the measured throughput, per the last recalculation. */
  estimatedTimeToConsumeBuffersMs?: number;
  /** Buffer debloating: the input gate's last recalculations, oldest first (enough to recompute each one). */
  debloatSamples?: DebloatSample[];
  sink?: SinkReport;
  httpSource?: HttpSourceReport;
}

/** Per-subtask figures of one checkpoint (spec §5.2 CheckpointMetrics). */
export interface CheckpointAckMetrics {
  alignmentDurationMs: number;
  startDelayMs: number;
  syncDurationMs: number;
  asyncDurationMs: number;
  unaligned: boolean;
  stateBytes: number;
  persistedChannelStateBytes: number;
}

/** TaskManager → JobManager */
export type TmToJm =
  | {
      type: 'checkpoint-ack';
      jobId: string;
      checkpointId: number;
      vertexId: string;
      subtaskIndex: number;
      handle: { file: string; bytes: number; stateBytes: number; channelStateBytes: number };
      metrics: CheckpointAckMetrics;
    }
  | {
      type: 'checkpoint-decline';
      jobId: string;
      checkpointId: number;
      vertexId: string;
      subtaskIndex: number;
      reason: string;
      /** The state could not be written to checkpoint storage (counts against tolerable failures; never restarted). */
      storageFailure?: boolean;
    }
  | { type: 'register'; tmId: string; dataAddress: Address; slots: number; pid: number; metricsAddress?: Address }
  | { type: 'heartbeat'; tmId: string }
  | { type: 'task-state'; jobId: string; vertexId: string; subtaskIndex: number; attemptId?: string; state: TaskState; error?: string }
  | { type: 'metrics'; jobId: string; tasks: TaskMetricsReport[] };

/** JobManager → TaskManager */
export type JmToTm =
  | {
      type: 'trigger-checkpoint';
      jobId: string;
      checkpointId: number;
      timestampMs: number;
      /** Barriers start unaligned (priority). */
      unaligned?: boolean;
      /** Barriers start aligned and switch to unaligned this long after the trigger (`aligned-checkpoint-timeout`). */
      alignedTimeoutMs?: number;
    }
  | { type: 'checkpoint-complete'; jobId: string; checkpointId: number }
  | { type: 'registered'; config: SerializedConfig }
  | { type: 'deploy'; jobId: string; tasks: TaskDeployment[] }
  | { type: 'cancel'; jobId: string }
  | { type: 'shutdown' };
