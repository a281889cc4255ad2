/**
 * Sample-size guard for percentiles: a percentile q (a fraction) is reported only from at least `10 / (1 − q)`
 * samples (p50: 20, p90: 100, p99: 1,000, p99.9: 10,000), so that about ten samples lie above it. From fewer
 * samples it is `null` with a reason, never a number.
 */
import * as hdr from 'hdr-histogram-js';
import { FlowlabError } from '../core/index.js';

/** Samples expected above a reported percentile. */
const SAMPLES_ABOVE = 10;
/** Relative slack when rounding `10 / (1 − q)`: 1 − 0.9 is 0.09999999999999998 in binary floating point. */
const FLOAT_SLACK = 1e-9;
const PERCENT = 100;

/** The guarded percentiles of {@link guardedSummary}. */
export type GuardedPercentileKey = 'p50' | 'p90' | 'p99' | 'p999';

const SUMMARY_PERCENTS: Readonly<Record<GuardedPercentileKey, number>> = Object.freeze({ p50: 50, p90: 90, p99: 99, p999: 99.9 });

/** A percentile, or `null` and why. */
export interface GuardedValue {
  readonly value: number | null;
  /** Set when `value` is null, e.g. `p99.9 needs ≥ 10,000 samples, have 2,345`. */
  readonly reason?: string;
}

/** A latency histogram's summary with each percentile guarded; values in the histogram's unit (µs for flowlab). */
export interface GuardedSummary {
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly p999: number | null;
  /** The largest recorded value; null only when nothing was recorded. */
  readonly max: number | null;
  readonly count: number;
  /** Why each null percentile is null; absent when every percentile has a value. */
  readonly reasons?: Partial<Record<GuardedPercentileKey, string>>;
}

/** The histogram surface the guard needs (any hdr-histogram-js `Histogram` satisfies it). */
export interface PercentileSource {
  readonly totalCount: number;
  getValueAtPercentile(percent: number): number;
}

/**
 * Fewest samples that give percentile `q` (a fraction in (0, 1), e.g. 0.99): `ceil(10 / (1 − q))`, with float
 * error absorbed so that 0.9 gives 100 and 0.99 gives exactly 1,000.
 */
export function minSamplesFor(q: number): number {
  if (!Number.isFinite(q) || q <= 0 || q >= 1) {
    throw new FlowlabError('ERR_INVALID_ARGUMENT', `percentile must be a fraction strictly between 0 and 1 (e.g. 0.99), got ${q}`);
  }
  const raw = SAMPLES_ABOVE / (1 - q);
  const nearest = Math.round(raw);
  return Math.abs(raw - nearest) <= FLOAT_SLACK * nearest ? nearest : Math.ceil(raw);
}

/** Percentile `percent` (HdrHistogram's convention: 99.9 for p99.9) of `h`, or null with a reason when `h` holds too few samples. */
export function guardedPercentile(h: PercentileSource, percent: number): GuardedValue {
  const needed = minSamplesFor(percent / PERCENT);
  if (h.totalCount < needed) {
    return { value: null, reason: `p${percent} needs ≥ ${formatCount(needed)} samples, have ${formatCount(h.totalCount)}` };
  }
  return { value: h.getValueAtPercentile(percent) };
}

/** Guarded p50/p90/p99/p99.9 plus max and count of a V2 compressed base64 histogram (missing = empty). */
export function guardedSummary(histogramBase64: string | undefined): GuardedSummary {
  const h = histogramBase64 === undefined ? undefined : hdr.decodeFromCompressedBase64(histogramBase64);
  try {
    const source: PercentileSource = h ?? { totalCount: 0, getValueAtPercentile: () => 0 };
    const values: Partial<Record<GuardedPercentileKey, number | null>> = {};
    const reasons: Partial<Record<GuardedPercentileKey, string>> = {};
    for (const [key, percent] of Object.entries(SUMMARY_PERCENTS) as Array<[GuardedPercentileKey, number]>) {
      const guarded = guardedPercentile(source, percent);
      values[key] = guarded.value;
      if (guarded.reason !== undefined) reasons[key] = guarded.reason;
    }
    const count = source.totalCount;
    return {
      p50: values.p50 ?? null,
      p90: values.p90 ?? null,
      p99: values.p99 ?? null,
      p999: values.p999 ?? null,
      max: h !== undefined && count > 0 ? h.maxValue : null,
      count,
      ...(Object.keys(reasons).length > 0 ? { reasons } : {}),
    };
  } finally {
    h?.destroy();
  }
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
