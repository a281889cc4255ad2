/**
 * A job's metrics as the JobManager sees them: the latest {@link TaskMetricsReport} per subtask, and an aggregate
 * over sources and sinks with the sinks' latency histograms merged (HDR V2 compressed base64, µs).
 */
import * as hdr from 'hdr-histogram-js';
import type { Logger } from '../../core/index.js';
import type { TaskMetricsReport } from '../job/index.js';

export interface LatencySummaryUs {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  count: number;
  /** The merged histogram, HDR V2 compressed base64. */
  histogram: string;
}

export interface JobMetricsAggregate {
  /** Σ numRecordsOut over source subtasks. */
  sourceRecordsOut: number;
  /** Σ numRecordsIn over sink subtasks. */
  sinkRecordsIn: number;
  /** Σ sink.records (records the sinks verified). */
  sinkRecords: number;
  sinkDuplicated: number;
  sinkOutOfOrder: number;
  /** Sinks whose latency histogram could not be decoded (left out of `latencyUs`). */
  undecodableHistograms: number;
  latencyUs: LatencySummaryUs;
}

/** One subtask's latest report with where and when it came from. */
export interface StoredTaskReport {
  readonly tmId: string;
  /** Epoch milliseconds when the JobManager received it. */
  readonly receivedAtMs: number;
  readonly report: TaskMetricsReport;
}

/** The latest report per subtask of one job. */
export class JobMetricsStore {
  private readonly latest = new Map<string, StoredTaskReport>();

  update(tmId: string, receivedAtMs: number, report: TaskMetricsReport): void {
    this.latest.set(`${report.vertexId}#${report.subtaskIndex}`, { tmId, receivedAtMs, report });
  }

  private readonly retired: string[] = [];

  /** Forgets every report (a restarted job: the old attempt's figures must not mix with the new one's). */
  clear(): void {
    this.latest.clear();
  }

  /**
   * The attempt is being replaced (restart): its counters go (the next attempt's restored counters continue from the
   * checkpoint), but its sinks' latency histograms, as last reported, are kept for the job's latency.
   */
  retireAttempt(): void {
    for (const { report } of this.latest.values()) {
      if (report.operator === 'sink' && report.sink?.latencyHistogram) this.retired.push(report.sink.latencyHistogram);
    }
    this.latest.clear();
  }

  /** Sink latency histograms (HDR V2 compressed base64) of replaced attempts, as they last reported them. */
  get retiredLatencyHistograms(): readonly string[] {
    return this.retired;
  }

  /** Reports sorted by vertex id, then subtask index. */
  reports(): StoredTaskReport[] {
    return [...this.latest.values()].sort(
      (a, b) => a.report.vertexId.localeCompare(b.report.vertexId) || a.report.subtaskIndex - b.report.subtaskIndex,
    );
  }
}

/**
 * Sums source and sink counters and merges every sink's latency histogram, plus `earlierLatency` (histograms of
 * replaced attempts): latency covers every record any attempt's sinks received, so records replayed after a restore
 * count once per delivery, while the counters are the current attempt's (restored from the checkpoint).
 */
export function aggregateJobMetrics(reports: readonly TaskMetricsReport[], logger?: Logger, earlierLatency: readonly string[] = []): JobMetricsAggregate {
  let sourceRecordsOut = 0;
  let sinkRecordsIn = 0;
  let sinkRecords = 0;
  let sinkDuplicated = 0;
  let sinkOutOfOrder = 0;
  let undecodableHistograms = 0;
  const merged = hdr.build({ numberOfSignificantValueDigits: 3 });
  try {
    for (const r of reports) {
      if (r.operator === 'source') sourceRecordsOut += r.numRecordsOut;
      if (r.operator !== 'sink') continue;
      sinkRecordsIn += r.numRecordsIn;
      if (!r.sink) continue;
      sinkRecords += r.sink.records;
      sinkDuplicated += r.sink.duplicated;
      sinkOutOfOrder += r.sink.outOfOrder;
      if (!r.sink.latencyHistogram) continue;
      let decoded: hdr.Histogram | undefined;
      try {
        decoded = hdr.decodeFromCompressedBase64(r.sink.latencyHistogram);
        merged.add(decoded);
      } catch (error) {
        undecodableHistograms++;
        logger?.warn('cannot decode a sink latency histogram', { vertex: r.vertexId, subtask: r.subtaskIndex, error: String(error) });
      } finally {
        decoded?.destroy();
      }
    }
    for (const encoded of earlierLatency) {
      let decoded: hdr.Histogram | undefined;
      try {
        decoded = hdr.decodeFromCompressedBase64(encoded);
        merged.add(decoded);
      } catch {
        undecodableHistograms++;
      } finally {
        decoded?.destroy();
      }
    }
    return {
      sourceRecordsOut,
      sinkRecordsIn,
      sinkRecords,
      sinkDuplicated,
      sinkOutOfOrder,
      undecodableHistograms,
      latencyUs: summarizeLatency(merged),
    };
  } finally {
    merged.destroy();
  }
}

function summarizeLatency(h: hdr.Histogram): LatencySummaryUs {
  const count = h.totalCount;
  const at = (percentile: number): number => (count === 0 ? 0 : h.getValueAtPercentile(percentile));
  return {
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    max: count === 0 ? 0 : h.maxValue,
    count,
    histogram: hdr.encodeIntoCompressedBase64(h),
  };
}
