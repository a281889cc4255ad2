/** The result document of one run (DESIGN.md §6): one JSON object, `schemaVersion` first. */
import type { LatencySummary, TaskMetricsReport } from '../runtime/index.js';
import type { PlacedProxy } from './chaos-placement.js';
import type { FaultRecord } from './fault-runner.js';

export const RESULT_SCHEMA_VERSION = 1;

export type RunState = 'completed' | 'errored' | 'aborted';

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
  };
  topology: { preset: string; parallelism: number; taskManagers: number; slotsPerTaskManager: number; vertices: Array<{ id: string; operator: string; parallelism: number }> };
  calibration: { loopbackBytesPerSec: number; loopbackRttUs: number };
  throughput: { recordsPerSec: number; bytesPerSec: number };
  latencyUs: LatencySummary;
  checkpoints: { completed: number; failed: number };
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

/** Task rows for the result, from the final per-subtask reports; time shares are averages over each task's life. */
export function taskRows(reports: readonly TaskMetricsReport[]): ResultDocument['tasks'] {
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
      inPoolUsage: r.inPoolUsage,
      outPoolUsage: r.outPoolUsage,
      numRecordsIn: r.numRecordsIn,
      numRecordsOut: r.numRecordsOut,
      };
    });
}
