/**
 * The JobManager's checkpoint coordinator for one job (spec §5.2): periodic triggers at the sources (ids from 1,
 * first after a random delay in [min-pause, interval], then every interval, respecting min-pause and
 * max-concurrent-checkpoints), acknowledgements from every subtask, completion (metadata written last by the
 * storage), abort on decline or expiry, tolerable failures, and statistics for REST and results. One coordinator
 * serves a job across restarts: `suspend()` while the job restarts (pending checkpoints are aborted without
 * counting as failures), `resume(tasks)` with the new attempt's tasks; checkpoint ids keep increasing. The last
 * {@link HISTORY} checkpoints keep their per-subtask figures (spec §6.3) for `GET /jobs/:id/checkpoints/:checkpointId`.
 */
import * as hdr from 'hdr-histogram-js';
import { SeededRandom, systemClock, type Clock, type Logger, type ResolvedConfig, type TimerHandle } from '../../core/index.js';
import { isStorageFailure, subtaskMetadataEntry, type CheckpointStorage } from '../checkpoint/index.js';
import type { CheckpointAckMetrics, JmToTm, TmToJm } from '../job/index.js';

export interface CheckpointTaskRef {
  vertexId: string;
  subtaskIndex: number;
  tmId: string;
  isSource: boolean;
}

export interface CheckpointCoordinatorOptions {
  jobId: string;
  config: ResolvedConfig;
  tasks: readonly CheckpointTaskRef[];
  storage: CheckpointStorage;
  send(tmId: string, message: JmToTm): void;
  /** Too many failed checkpoints: the job fails with this reason. */
  /** Fails the job; `restartable: false` when retrying cannot help (checkpoint storage refuses writes). */
  failJob(reason: string, restartable?: boolean): void;
  /** False while some task is not RUNNING (no checkpoint is triggered then). */
  allTasksRunning(): boolean;
  clock?: Clock;
  random?: SeededRandom;
  logger: Logger;
}

export type CheckpointStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

export interface CheckpointStats {
  id: number;
  status: CheckpointStatus;
  triggerTimestampMs: number;
  durationMs: number | null;
  acknowledged: number;
  total: number;
  stateBytes: number;
  persistedChannelStateBytes: number;
  maxAlignmentDurationMs: number;
  maxStartDelayMs: number;
  /** The slowest subtask's synchronous and asynchronous snapshot parts, ms. */
  maxSyncDurationMs: number;
  maxAsyncDurationMs: number;
  unaligned: boolean;
  failureReason?: string;
  path?: string;
}

/** One subtask's acknowledgement of a checkpoint (spec §6.3, per subtask). */
export interface CheckpointSubtaskStats extends CheckpointAckMetrics {
  vertexId: string;
  subtaskIndex: number;
  /** The TaskManager the subtask ran on. */
  taskManager: string;
  /** When the acknowledgement reached the JobManager, ms after the trigger. */
  acknowledgedAfterMs: number;
}

/** `GET /jobs/:id/checkpoints/:checkpointId`: one checkpoint with a row per acknowledging subtask. */
export interface CheckpointDetails extends CheckpointStats {
  /** Sorted by vertex, then subtask; all subtasks once COMPLETED, those that acknowledged before it failed otherwise. */
  subtasks: CheckpointSubtaskStats[];
}

/** Percentiles of one figure over completed checkpoints; `histogram` (HDR V2 compressed base64) is absent when empty. */
export interface CheckpointSummary {
  p50: number;
  p99: number;
  max: number;
  count: number;
  histogram?: string;
}

/** `GET /jobs/:id/checkpoints` body. */
export interface CheckpointsSnapshot {
  counts: { completed: number; failed: number; inProgress: number };
  latest: CheckpointStats | null;
  /** The last {@link HISTORY} checkpoints, newest first (without per-subtask figures). */
  history: CheckpointStats[];
  /** Over completed checkpoints: one value each (alignment and start delay: the slowest subtask's). */
  summary: {
    durationMs: CheckpointSummary;
    alignmentMs: CheckpointSummary;
    startDelayMs: CheckpointSummary;
    persistedBytes: CheckpointSummary;
    stateBytes: CheckpointSummary;
    /** @deprecated same as `durationMs.histogram` (an empty histogram when none completed); kept for older clients. */
    histogram: string;
  };
}

interface Pending {
  id: number;
  triggerTimestampMs: number;
  triggeredAtMs: number;
  acks: Map<string, { handle: { file: string; bytes: number; stateBytes: number; channelStateBytes: number }; metrics: CheckpointAckMetrics; ref: CheckpointTaskRef }>;
  expiry: TimerHandle;
  stats: CheckpointStats;
}

/** Checkpoints kept in the history (with their per-subtask figures). */
const HISTORY = 10;
/** Largest size the bytes histograms track exactly (1 TiB); larger values are recorded as this. */
const MAX_TRACKED_BYTES = 2 ** 40;

function durationHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 24 * 3_600_000, numberOfSignificantValueDigits: 3 });
}

function bytesHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: MAX_TRACKED_BYTES, numberOfSignificantValueDigits: 3 });
}

function summarize(h: hdr.Histogram): CheckpointSummary {
  if (h.totalCount === 0) return { p50: 0, p99: 0, max: 0, count: 0 };
  // percentiles are their bucket's highest equivalent value, which can exceed the exact max
  const at = (percentile: number): number => Math.min(h.getValueAtPercentile(percentile), h.maxValue);
  return { p50: at(50), p99: at(99), max: h.maxValue, count: h.totalCount, histogram: hdr.encodeIntoCompressedBase64(h) };
}

/** The body for a job without a coordinator: zero counts, empty summaries. */
export function emptyCheckpointsSnapshot(): CheckpointsSnapshot {
  const empty = durationHistogram();
  const none = summarize(empty);
  return {
    counts: { completed: 0, failed: 0, inProgress: 0 },
    latest: null,
    history: [],
    summary: { durationMs: none, alignmentMs: none, startDelayMs: none, persistedBytes: none, stateBytes: none, histogram: hdr.encodeIntoCompressedBase64(empty) },
  };
}

export class CheckpointCoordinator {
  private readonly clock: Clock;
  private readonly random: SeededRandom;
  private lastId = 0;
  private retention: Promise<void> = Promise.resolve();
  private readonly pending = new Map<number, Pending>();
  private lastCompletionMs = -Infinity;
  private consecutiveFailures = 0;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private suspended = false;
  private tasks: readonly CheckpointTaskRef[];
  completed = 0;
  failed = 0;
  readonly history: CheckpointStats[] = [];
  /** Per-subtask figures of each checkpoint in {@link history}, by id. */
  private readonly subtasks = new Map<number, CheckpointSubtaskStats[]>();
  /** Durations of completed checkpoints, ms (at least 1). */
  readonly durationMs = durationHistogram();
  /** The slowest subtask's alignment per completed checkpoint, ms (at least 1). */
  readonly alignmentMs = durationHistogram();
  /** The longest subtask start delay per completed checkpoint, ms (at least 1). */
  readonly startDelayMs = durationHistogram();
  /** In-flight data persisted per completed checkpoint, bytes (0 for aligned ones). */
  readonly persistedBytes = bytesHistogram();
  /** State size per completed checkpoint, bytes. */
  readonly stateBytes = bytesHistogram();
  latestCompleted: CheckpointStats | undefined;

  constructor(private readonly o: CheckpointCoordinatorOptions) {
    this.clock = o.clock ?? systemClock;
    this.random = o.random ?? new SeededRandom(1);
    this.tasks = o.tasks;
  }

  /** Where this job's checkpoints are stored (the restore source after a failure). */
  get storage(): CheckpointStorage {
    return this.o.storage;
  }

  get intervalMs(): number | null {
    return this.o.config['execution.checkpointing.interval'];
  }

  /** Starts periodic checkpoints if `execution.checkpointing.interval` is set. */
  start(): void {
    const interval = this.intervalMs;
    if (interval === null || this.stopped || this.suspended) return;
    const minPause = this.o.config['execution.checkpointing.min-pause'];
    const firstDelay = minPause + this.random.nextFloat() * Math.max(0, interval - minPause);
    this.schedule(firstDelay);
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.suspended) return;
    this.timer = this.clock.setTimeout(() => {
      this.periodicTrigger();
    }, delayMs);
  }

  private periodicTrigger(): void {
    const interval = this.intervalMs!;
    const minPause = this.o.config['execution.checkpointing.min-pause'];
    const sinceCompletion = this.clock.nowMs() - this.lastCompletionMs;
    if (sinceCompletion < minPause) {
      this.schedule(minPause - sinceCompletion);
      return;
    }
    this.triggerCheckpoint();
    this.schedule(interval);
  }

  /** Triggers one checkpoint now; returns its id, or undefined if not possible (too many pending, tasks not running). */
  triggerCheckpoint(): number | undefined {
    if (this.stopped || this.suspended) return undefined;
    if (this.pending.size >= this.o.config['execution.checkpointing.max-concurrent-checkpoints']) return undefined;
    if (!this.o.allTasksRunning()) return undefined;
    const id = ++this.lastId;
    const triggerTimestampMs = Math.round(this.clock.epochUs() / 1000);
    const stats: CheckpointStats = {
      id,
      status: 'IN_PROGRESS',
      triggerTimestampMs,
      durationMs: null,
      acknowledged: 0,
      total: this.tasks.length,
      stateBytes: 0,
      persistedChannelStateBytes: 0,
      maxAlignmentDurationMs: 0,
      maxStartDelayMs: 0,
      maxSyncDurationMs: 0,
      maxAsyncDurationMs: 0,
      unaligned: false,
    };
    const expiry = this.clock.setTimeout(() => this.abort(id, `checkpoint ${id} expired before completing (execution.checkpointing.timeout)`, true), this.o.config['execution.checkpointing.timeout']);
    this.pending.set(id, { id, triggerTimestampMs, triggeredAtMs: this.clock.nowMs(), acks: new Map(), expiry, stats });
    this.remember(stats);
    const sourceTms = new Set(this.tasks.filter((t) => t.isSource).map((t) => t.tmId));
    // spec §5.1: with unaligned checkpoints, a positive aligned-checkpoint-timeout starts them aligned
    const alignedTimeoutMs = this.o.config['execution.checkpointing.unaligned'] ? this.o.config['execution.checkpointing.aligned-checkpoint-timeout'] : 0;
    const unaligned = this.o.config['execution.checkpointing.unaligned'] && alignedTimeoutMs === 0;
    for (const tm of sourceTms) {
      this.o.send(tm, { type: 'trigger-checkpoint', jobId: this.o.jobId, checkpointId: id, timestampMs: triggerTimestampMs, unaligned, alignedTimeoutMs });
    }
    return id;
  }

  /**
   * An acknowledgement or decline from TaskManager `fromTmId`. Only the TaskManager the subtask is deployed on
   * may speak for it; anything else is logged and ignored (a stray or spoofed message must not fail a checkpoint).
   */
  receive(message: Extract<TmToJm, { type: 'checkpoint-ack' | 'checkpoint-decline' }>, fromTmId: string): void {
    const p = this.pending.get(message.checkpointId);
    if (!p) return; // late message for an aborted or subsumed checkpoint
    const ref = this.tasks.find((t) => t.vertexId === message.vertexId && t.subtaskIndex === message.subtaskIndex);
    if (!ref || ref.tmId !== fromTmId) {
      this.o.logger.warn(`ignoring ${message.type} from a TaskManager that does not run the subtask`, {
        from: fromTmId,
        runsOn: ref?.tmId,
        vertexId: message.vertexId,
        subtaskIndex: message.subtaskIndex,
        checkpointId: message.checkpointId,
      });
      return;
    }
    if (message.type === 'checkpoint-decline') {
      const reason = `checkpoint ${p.id} declined by ${message.vertexId} subtask ${message.subtaskIndex}: ${message.reason}`;
      this.abort(p.id, reason, this.o.allTasksRunning(), message.storageFailure === true);
      return;
    }
    const key = `${message.vertexId}/${message.subtaskIndex}`;
    if (p.acks.has(key)) return;
    p.acks.set(key, { handle: message.handle, metrics: message.metrics, ref });
    const m = message.metrics;
    this.subtasks.get(p.id)?.push({
      vertexId: ref.vertexId,
      subtaskIndex: ref.subtaskIndex,
      taskManager: ref.tmId,
      acknowledgedAfterMs: Math.max(0, this.clock.nowMs() - p.triggeredAtMs),
      // picked one by one: the message is JSON from another process, the REST rows keep a fixed shape
      alignmentDurationMs: m.alignmentDurationMs,
      startDelayMs: m.startDelayMs,
      syncDurationMs: m.syncDurationMs,
      asyncDurationMs: m.asyncDurationMs,
      unaligned: m.unaligned,
      stateBytes: m.stateBytes,
      persistedChannelStateBytes: m.persistedChannelStateBytes,
    });
    const s = p.stats;
    s.acknowledged = p.acks.size;
    s.stateBytes += message.metrics.stateBytes;
    s.persistedChannelStateBytes += message.metrics.persistedChannelStateBytes;
    s.maxAlignmentDurationMs = Math.max(s.maxAlignmentDurationMs, message.metrics.alignmentDurationMs);
    s.maxStartDelayMs = Math.max(s.maxStartDelayMs, message.metrics.startDelayMs);
    s.maxSyncDurationMs = Math.max(s.maxSyncDurationMs, message.metrics.syncDurationMs);
    s.maxAsyncDurationMs = Math.max(s.maxAsyncDurationMs, message.metrics.asyncDurationMs);
    s.unaligned ||= message.metrics.unaligned;
    if (p.acks.size === this.tasks.length) void this.complete(p);
  }

  private async complete(p: Pending): Promise<void> {
    p.expiry.cancel();
    this.pending.delete(p.id);
    const completedTimestampMs = Math.round(this.clock.epochUs() / 1000);
    try {
      const finalized = await this.o.storage.writeMetadata(p.id, {
        schemaVersion: 1,
        jobId: this.o.jobId,
        checkpointId: p.id,
        triggerTimestampMs: p.triggerTimestampMs,
        completedTimestampMs,
        unaligned: p.stats.unaligned,
        subtasks: [...p.acks.values()].map((a) => subtaskMetadataEntry(a.ref.vertexId, a.ref.subtaskIndex, a.handle)),
      });
      p.stats.path = finalized.dir;
    } catch (error) {
      this.recordFailure(p.stats, `checkpoint ${p.id} could not be finalized: ${error instanceof Error ? error.message : String(error)}`, true, isStorageFailure(error));
      return;
    }
    const duration = Math.max(0, this.clock.nowMs() - p.triggeredAtMs);
    // complete once `_metadata` is durable; deleting what retention drops is housekeeping and runs after, in order
    this.retention = this.retention.then(() =>
      this.o.storage.applyRetention().then(
        () => undefined,
        (error: unknown) => this.o.logger.warn('checkpoint retention failed', { error: String(error) }),
      ),
    );
    p.stats.status = 'COMPLETED';
    p.stats.durationMs = duration;
    this.completed++;
    this.consecutiveFailures = 0;
    this.lastCompletionMs = this.clock.nowMs();
    this.latestCompleted = p.stats;
    this.durationMs.recordValue(Math.max(1, Math.round(duration)));
    this.alignmentMs.recordValue(Math.max(1, Math.round(p.stats.maxAlignmentDurationMs)));
    this.startDelayMs.recordValue(Math.max(1, Math.round(p.stats.maxStartDelayMs)));
    // bytes may be 0 (HDR records 0 exactly): an aligned checkpoint persists no in-flight data
    this.persistedBytes.recordValue(Math.min(MAX_TRACKED_BYTES, p.stats.persistedChannelStateBytes));
    this.stateBytes.recordValue(Math.min(MAX_TRACKED_BYTES, p.stats.stateBytes));
    // older pending checkpoints are subsumed
    for (const older of [...this.pending.values()].filter((q) => q.id < p.id)) this.abort(older.id, `subsumed by checkpoint ${p.id}`, false);
    const tms = new Set(this.tasks.map((t) => t.tmId));
    for (const tm of tms) this.o.send(tm, { type: 'checkpoint-complete', jobId: this.o.jobId, checkpointId: p.id });
    this.o.logger.info('checkpoint completed', { id: p.id, durationMs: Math.round(duration), stateBytes: p.stats.stateBytes });
  }

  private abort(id: number, reason: string, countsAsFailure: boolean, storageFailure = false): void {
    const p = this.pending.get(id);
    if (!p) return;
    p.expiry.cancel();
    this.pending.delete(id);
    void this.o.storage.discard(id).catch(() => undefined);
    this.recordFailure(p.stats, reason, countsAsFailure, storageFailure);
  }

  private recordFailure(stats: CheckpointStats, reason: string, countsAsFailure: boolean, storageFailure = false): void {
    stats.status = 'FAILED';
    stats.failureReason = reason;
    stats.durationMs = null;
    this.failed++;
    this.o.logger.warn('checkpoint failed', { id: stats.id, reason });
    if (!countsAsFailure || this.stopped || this.suspended) return;
    this.consecutiveFailures++;
    const tolerable = this.o.config['execution.checkpointing.tolerable-failed-checkpoints'];
    if (this.consecutiveFailures > tolerable) {
      if (storageFailure) {
        // a restart would fail the same way, forever: fail the job, naming the storage
        this.o.failJob(`Exceeded checkpoint tolerable failure threshold (${tolerable}): checkpoint storage failed, the job is not restarted: ${reason}`, false);
      } else {
        this.o.failJob(`Exceeded checkpoint tolerable failure threshold (${tolerable}): ${reason}`);
      }
    }
  }

  private remember(stats: CheckpointStats): void {
    this.history.unshift(stats);
    this.subtasks.set(stats.id, []);
    for (const dropped of this.history.splice(HISTORY)) this.subtasks.delete(dropped.id);
  }

  /** The job is restarting: stop triggering and abort pending checkpoints (not counted as failures). */
  suspend(reason: string): void {
    if (this.stopped || this.suspended) return;
    this.suspended = true;
    this.timer?.cancel();
    for (const id of [...this.pending.keys()]) this.abort(id, `aborted: ${reason}`, false);
  }

  /** The job runs again with a new attempt's tasks: periodic checkpoints start over (ids keep increasing). */
  resume(tasks: readonly CheckpointTaskRef[]): void {
    if (this.stopped) return;
    this.tasks = tasks;
    this.suspended = false;
    this.timer?.cancel();
    this.start();
  }

  /** Stops triggering; pending checkpoints are abandoned (not counted as failures). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.timer?.cancel();
    for (const id of [...this.pending.keys()]) this.abort(id, 'job ended', false);
  }

  /** `GET /jobs/:id/checkpoints` body. */
  snapshot(): CheckpointsSnapshot {
    return {
      counts: { completed: this.completed, failed: this.failed, inProgress: this.pending.size },
      latest: this.latestCompleted ?? null,
      history: this.history,
      summary: {
        durationMs: summarize(this.durationMs),
        alignmentMs: summarize(this.alignmentMs),
        startDelayMs: summarize(this.startDelayMs),
        persistedBytes: summarize(this.persistedBytes),
        stateBytes: summarize(this.stateBytes),
        histogram: hdr.encodeIntoCompressedBase64(this.durationMs),
      },
    };
  }

  /** One checkpoint of the history with its per-subtask figures; undefined when the id is not (or no longer) there. */
  details(checkpointId: number): CheckpointDetails | undefined {
    const stats = this.history.find((s) => s.id === checkpointId);
    const subtasks = this.subtasks.get(checkpointId);
    if (!stats || !subtasks) return undefined;
    const sorted = [...subtasks].sort((a, b) => a.vertexId.localeCompare(b.vertexId) || a.subtaskIndex - b.subtaskIndex);
    return { ...stats, subtasks: sorted };
  }
}
