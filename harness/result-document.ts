/** The result document of one run (DESIGN.md §6): one JSON object, `schemaVersion` first. */
import type { CheckpointsView, LatencySummary, TaskMetricsReport } from '../runtime/index.js';
import type { PlacedProxy } from './chaos-placement.js';
import type { FaultRecord } from './fault-runner.js';

export const RESULT_SCHEMA_VERSION = 1;

export type RunState = 'completed' | 'errored' | 'aborted';

/** p50, p99, max and count over completed checkpoints; `histogram` (HDR V2 compressed base64) is absent when none completed. */
export type CheckpointSummary = CheckpointsView['summary']['durationMs'];

/**
 * The run's checkpoints (DESIGN.md §6), as the JobManager reports them at the end of the run. With checkpointing off
 * (`execution.checkpointing.interval` unset) the counts are 0 and the summaries empty.
 */
export interface CheckpointsSection {
  completed: number;
  /** Declined, expired or not finished when the job ended. */
  failed: number;
  durationMs: CheckpointSummary;
  /** The slowest subtask's alignment per checkpoint. */
  alignmentMs: CheckpointSummary;
  /** The longest subtask start delay per checkpoint. */
  startDelayMs: CheckpointSummary;
  /** In-flight data persisted per checkpoint (0 for aligned ones). */
  persistedBytes: CheckpointSummary;
  stateBytes: CheckpointSummary;
  /** The last completed or failed checkpoints (the JobManager keeps 10), newest first. */
  history: Array<{
    id: number;
    status: 'COMPLETED' | 'FAILED';
    /** null for a failed checkpoint. */
    durationMs: number | null;
    unaligned: boolean;
    persistedChannelStateBytes: number;
    stateBytes: number;
    failureReason?: string;
  }>;
  /** Set when the figures could not be fetched from the JobManager (the section then holds zeros). */
  error?: string;
}

export interface ResultDocument {
  schemaVersion: number;
  flowlab: { version: string; commit: string | null };
  state: RunState;
  error?: string;
  environment: { cpuModel: string; cores: number; memoryBytes: number; os: string; node: string };
  seed: number;
  startedAt: string;
  durationMs: number;
  /** Every resolved Flink key, in Flink notation. */
  config: Record<string, string>;
  workload: {
    ratePerSec: number | 'unbounded';
    recordSizeBytes: number;
    keys: number;
    keyDistribution: 'uniform' | 'zipf';
    durationMs: number;
    warmupMs: number;
    mapCostUs: number;
    sinkCostUs: number;
  };
  topology: { preset: string; parallelism: number; taskManagers: number; slotsPerTaskManager: number; vertices: Array<{ id: string; operator: string; parallelism: number }> };
  calibration: { loopbackBytesPerSec: number; loopbackRttUs: number };
  throughput: { recordsPerSec: number; bytesPerSec: number };
  latencyUs: LatencySummary;
  checkpoints: CheckpointsSection;
  tasks: Array<{
    vertex: string;
    subtask: number;
    backPressuredTimeMsPerSecond: number;
    idleTimeMsPerSecond: number;
    busyTimeMsPerSecond: number;
    inPoolUsage: number;
    outPoolUsage: number;
    numRecordsIn: number;
    numRecordsOut: number;
    /** Buffer debloating (tasks with an input, when enabled): the size last announced upstream, bytes, as of the task's last report. */
    debloatedBufferSize?: number;
    /** Buffer debloating: estimated time to consume the buffered input, ms, as of the task's last report. */
    estimatedTimeToConsumeBuffersMs?: number;
  }>;
  sink: { records: number; lost: number | null; duplicated: number; outOfOrder: number };
  phases: Array<{ name: string; startMs: number; endMs: number; throughput: { recordsPerSec: number }; latencyUs?: LatencySummary }>;
  /** Each fault of the timeline: planned and actual times, matched links, measured effect. */
  faults: FaultRecord[];
  /** With `--chaos`: the Toxiproxy used and every proxy placed (`ctrl-<tm>`, `data-<consumer>-<producer>`, `probe-…`). */
  chaos?: { toxiproxyUrl: string; embedded: boolean; proxies: PlacedProxy[] };
  /** `links`: sink records/s per link (`data-<sinkTm>-<sourceTm>`, or `local-<tm>` for same-TaskManager channels). */
  timeseries: Array<{ tMs: number; recordsPerSec: number; latencyP99Us: number; maxBackPressuredTimeMsPerSecond: number; links?: Record<string, number> }>;
}

/** Mean buffer-pool usage of one subtask over the run's 1 s samples (key `vertex#subtask`). */
export type PoolUsageMeans = ReadonlyMap<string, { inPoolUsage: number; outPoolUsage: number }>;

/** Accumulates each RUNNING subtask's pool usage per sample, for {@link taskRows}. */
export class PoolUsageSampler {
  private readonly sums = new Map<string, { inPool: number; outPool: number; n: number }>();

  add(reports: readonly TaskMetricsReport[]): void {
    for (const r of reports) {
      if (r.state !== 'RUNNING') continue;
      const key = `${r.vertexId}#${r.subtaskIndex}`;
      const sum = this.sums.get(key) ?? { inPool: 0, outPool: 0, n: 0 };
      sum.inPool += r.inPoolUsage;
      sum.outPool += r.outPoolUsage;
      sum.n++;
      this.sums.set(key, sum);
    }
  }

  means(): PoolUsageMeans {
    return new Map([...this.sums].map(([key, s]) => [key, { inPoolUsage: s.inPool / s.n, outPoolUsage: s.outPool / s.n }]));
  }
}

/**
 * Task rows for the result, from the final per-subtask reports; time shares are averages over each task's life, pool
 * usages the mean of the 1 s samples taken while the task ran (a final report shows drained pools), or the final
 * value for a task never sampled running.
 */
export function taskRows(reports: readonly TaskMetricsReport[], poolMeans: PoolUsageMeans = new Map()): ResultDocument['tasks'] {
  return [...reports]
    .sort((a, b) => a.vertexId.localeCompare(b.vertexId) || a.subtaskIndex - b.subtaskIndex)
    .map((r) => {
      // averages over the task's life from the accumulated totals (the live gauges need 5 s windows to fill)
      const lifeMs = r.accumulateBackPressuredTimeMs + r.accumulateIdleTimeMs + r.accumulateBusyTimeMs;
      const perSecond = (ms: number, live: number): number => (lifeMs > 0 ? (ms / lifeMs) * 1000 : live);
      return {
      vertex: r.vertexId,
      subtask: r.subtaskIndex,
      backPressuredTimeMsPerSecond: perSecond(r.accumulateBackPressuredTimeMs, r.backPressuredTimeMsPerSecond),
      idleTimeMsPerSecond: perSecond(r.accumulateIdleTimeMs, r.idleTimeMsPerSecond),
      busyTimeMsPerSecond: perSecond(r.accumulateBusyTimeMs, r.busyTimeMsPerSecond),
      inPoolUsage: poolMeans.get(`${r.vertexId}#${r.subtaskIndex}`)?.inPoolUsage ?? r.inPoolUsage,
      outPoolUsage: poolMeans.get(`${r.vertexId}#${r.subtaskIndex}`)?.outPoolUsage ?? r.outPoolUsage,
      numRecordsIn: r.numRecordsIn,
      numRecordsOut: r.numRecordsOut,
      ...(r.debloatedBufferSize !== undefined ? { debloatedBufferSize: r.debloatedBufferSize } : {}),
      ...(r.estimatedTimeToConsumeBuffersMs !== undefined ? { estimatedTimeToConsumeBuffersMs: r.estimatedTimeToConsumeBuffersMs } : {}),
      };
    });
}

/** The checkpoints section of a run that took none (or whose figures could not be fetched). */
export function emptyCheckpoints(): CheckpointsSection {
  const none: CheckpointSummary = { p50: 0, p99: 0, max: 0, count: 0 };
  return { completed: 0, failed: 0, durationMs: none, alignmentMs: none, startDelayMs: none, persistedBytes: none, stateBytes: none, history: [] };
}

/** The checkpoints section from the JobManager's `GET /jobs/:id/checkpoints`. */
export function checkpointsSection(view: CheckpointsView): CheckpointsSection {
  const { durationMs, alignmentMs, startDelayMs, persistedBytes, stateBytes } = view.summary;
  const history: CheckpointsSection['history'] = [];
  for (const h of view.history) {
    if (h.status === 'IN_PROGRESS') continue;
    history.push({
      id: h.id,
      status: h.status,
      durationMs: h.durationMs,
      unaligned: h.unaligned,
      persistedChannelStateBytes: h.persistedChannelStateBytes,
      stateBytes: h.stateBytes,
      ...(h.failureReason !== undefined ? { failureReason: h.failureReason } : {}),
    });
  }
  return { completed: view.counts.completed, failed: view.counts.failed, durationMs, alignmentMs, startDelayMs, persistedBytes, stateBytes, history };
}
