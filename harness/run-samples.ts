/**
 * The 1 s metric samples of a run, kept so that any window (a fault's before/during/after) can be evaluated
 * afterwards: sink records and the merged latency histogram, overall and per link. A record's link is known
 * from the sink's per-source-subtask figures: it came over `data-<sink TM>-<source TM>`, or over a local
 * channel (`local-<tm>`) when both run on one TaskManager.
 */
import * as hdr from 'hdr-histogram-js';
import type { JobMetrics, LatencySummary } from '../runtime/index.js';

interface Cumulative {
  /** When these figures were current: ms after job start (the sink report's arrival at the JobManager). */
  asOfMs: number;
  records: number;
  /** HDR V2 compressed base64 of the cumulative latency, µs. */
  latency: string | undefined;
}

export interface RunSample {
  readonly tMs: number;
  readonly total: Cumulative;
  readonly links: ReadonlyMap<string, Cumulative>;
}

/** Figures of one window of the run. */
export interface WindowFigures {
  readonly startMs: number;
  readonly endMs: number;
  readonly records: number;
  readonly recordsPerSec: number;
  /** Percentiles without the histogram (unguarded; see percentile-guard.ts for reporting). */
  readonly latencyUs: LatencySummary;
  /** HDR V2 compressed base64 of the window's latency, µs; undefined when it has no records. */
  readonly latencyHistogram: string | undefined;
}

export function linkOfRecord(sinkTm: string, sourceTm: string): string {
  return sinkTm === sourceTm ? `local-${sinkTm}` : `data-${sinkTm}-${sourceTm}`;
}

/** Cumulative per-link records and latency from one metrics response (sinks' `bySource`). */
export function perLinkFromMetrics(metrics: JobMetrics, t0EpochMs: number, fallbackMs: number): Map<string, Cumulative> {
  const tmOfSource = new Map<number, string>();
  for (const t of metrics.tasks) if (t.operator === 'source' && t.taskManager) tmOfSource.set(t.subtaskIndex, t.taskManager);
  const grouped = new Map<string, { records: number; histograms: string[]; asOfMs: number }>();
  for (const t of metrics.tasks) {
    if (t.operator !== 'sink' || !t.sink?.bySource || !t.taskManager) continue;
    for (const s of t.sink.bySource) {
      const sourceTm = tmOfSource.get(s.sourceSubtask);
      if (!sourceTm) continue;
      const link = linkOfRecord(t.taskManager, sourceTm);
      const asOfMs = t.receivedAtMs !== undefined ? t.receivedAtMs - t0EpochMs : fallbackMs;
      const entry = grouped.get(link) ?? { records: 0, histograms: [], asOfMs };
      entry.asOfMs = Math.min(entry.asOfMs, asOfMs);
      entry.records += s.records;
      entry.histograms.push(s.latencyHistogram);
      grouped.set(link, entry);
    }
  }
  const out = new Map<string, Cumulative>();
  for (const [link, g] of grouped) out.set(link, { asOfMs: g.asOfMs, records: g.records, latency: merge(g.histograms) });
  return out;
}

function merge(encoded: readonly string[]): string | undefined {
  if (encoded.length === 0) return undefined;
  if (encoded.length === 1) return encoded[0];
  const merged = hdr.build({ numberOfSignificantValueDigits: 3 });
  try {
    for (const e of encoded) {
      const h = hdr.decodeFromCompressedBase64(e);
      merged.add(h);
      h.destroy();
    }
    return hdr.encodeIntoCompressedBase64(merged);
  } finally {
    merged.destroy();
  }
}

export function summarizeHistogram(h: hdr.Histogram | undefined): LatencySummary {
  if (!h || h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, count: 0 };
  return {
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.maxValue,
    count: h.totalCount,
    histogram: hdr.encodeIntoCompressedBase64(h),
  };
}

export class RunSamples {
  readonly samples: RunSample[] = [];

  add(sample: RunSample): void {
    this.samples.push(sample);
  }

  /** Link names seen so far (data and local). */
  links(): string[] {
    const names = new Set<string>();
    for (const s of this.samples) for (const l of s.links.keys()) names.add(l);
    return [...names].sort();
  }

  /**
   * Records that arrived between `fromMs` and `toMs` (the whole run, or one link). Sinks report once a second, so
   * each end snaps to the report nearest to it (the window's own `startMs`/`endMs` say where it landed). With
   * `endNotAfter`, the end snaps to the last report at or before `toMs` instead: a fault's `before` window must not
   * reach a report taken after the fault (one that follows a restart carries counters that started again from 0).
   * Undefined when both ends snap to the same report.
   */
  window(fromMs: number, toMs: number, link?: string, options: { endNotAfter?: boolean } = {}): WindowFigures | undefined {
    const figures: Cumulative[] = [{ asOfMs: 0, records: 0, latency: undefined }];
    for (const s of this.samples) {
      const c = link === undefined ? s.total : s.links.get(link);
      if (!c) continue;
      // a later sample with the same report time carries newer figures from a sink that reported in between
      if (c.asOfMs > figures.at(-1)!.asOfMs) figures.push(c);
      else if (c.asOfMs === figures.at(-1)!.asOfMs && figures.length > 1) figures[figures.length - 1] = c;
    }
    const nearest = (ms: number): Cumulative => figures.reduce((best, c) => (Math.abs(c.asOfMs - ms) < Math.abs(best.asOfMs - ms) ? c : best));
    const a = nearest(fromMs);
    const b = options.endNotAfter ? (figures.filter((c) => c.asOfMs <= toMs).at(-1) ?? figures[0]!) : nearest(toMs);
    if (b.asOfMs <= a.asOfMs) return undefined;
    // a restarted job's sink counters start again from 0: count the new attempt's records
    const records = b.records >= a.records ? b.records - a.records : b.records;
    let latencyUs: LatencySummary;
    let hb = b.latency ? hdr.decodeFromCompressedBase64(b.latency) : undefined;
    try {
      if (hb && a.latency) {
        const ha = hdr.decodeFromCompressedBase64(a.latency);
        try {
          hb.subtract(ha);
        } catch {
          // a restarted job's sinks start new histograms, which hold only the latest attempt's records
          hb.destroy();
          hb = hdr.decodeFromCompressedBase64(b.latency!);
        }
        ha.destroy();
      }
      latencyUs = summarizeHistogram(hb);
    } finally {
      hb?.destroy();
    }
    const { histogram, ...compact } = latencyUs;
    return { startMs: a.asOfMs, endMs: b.asOfMs, records, recordsPerSec: (records * 1000) / (b.asOfMs - a.asOfMs), latencyUs: compact, latencyHistogram: histogram };
  }
}
