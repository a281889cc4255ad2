/** Building blocks of the result document (schema in result-schema.ts): task rows, pool usage means, checkpoints. */
import type { CheckpointsView, TaskMetricsReport } from '../runtime/index.js';
import type { checkpointsSectionSchema, ResultDocument } from './result-schema.js';
import type { z } from 'zod';

export { RESULT_SCHEMA_VERSION, type ResultDocument, type RunState } from './result-schema.js';

/** p50, p99, max and count over completed checkpoints; `histogram` (HDR V2 compressed base64) is absent when none completed. */
export type CheckpointSummary = CheckpointsView['summary']['durationMs'];

/**
 * The run's checkpoints (DESIGN.md §6), as the JobManager reports them at the end of the run. With checkpointing off
 * (`execution.checkpointing.interval` unset) the counts are 0 and the summaries empty.
 */
export type CheckpointsSection = z.infer<typeof checkpointsSectionSchema>;

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
      alignmentMs: h.maxAlignmentDurationMs,
      startDelayMs: h.maxStartDelayMs,
      syncMs: h.maxSyncDurationMs,
      asyncMs: h.maxAsyncDurationMs,
      ...(h.failureReason !== undefined ? { failureReason: h.failureReason } : {}),
    });
  }
  return { completed: view.counts.completed, failed: view.counts.failed, durationMs, alignmentMs, startDelayMs, persistedBytes, stateBytes, history };
}
