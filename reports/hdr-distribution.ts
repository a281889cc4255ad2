/** Points of an HDR histogram's percentile distribution, as HdrHistogram's plotter draws it (x = 1/(1−q)). */
import * as hdr from 'hdr-histogram-js';

export interface PercentilePoint {
  /** 0 … 100. */
  readonly percentile: number;
  /** 1/(1 − q): the plotter's log-scale x axis. */
  readonly inverse: number;
  readonly value: number;
}

/** Points per decade of 1/(1−q). */
const TICKS_PER_DECADE = 10;

function decode(base64: string): hdr.Histogram | undefined {
  try {
    return hdr.decodeFromCompressedBase64(base64);
  } catch {
    return undefined;
  }
}

/**
 * q from 0 up in steps of 1/10 decade of 1/(1−q), while at least one sample stands behind the percentile
 * (1/(1−q) ≤ count), and the maximum as the last point. Empty for an empty or unreadable histogram.
 */
export function percentileDistribution(base64: string | undefined): PercentilePoint[] {
  const h = base64 ? decode(base64) : undefined;
  if (!h) return [];
  try {
    const count = h.totalCount;
    if (count === 0) return [];
    const points: PercentilePoint[] = [];
    for (let k = 0; ; k++) {
      const inverse = 10 ** (k / TICKS_PER_DECADE);
      if (inverse > count) break;
      const percentile = 100 * (1 - 1 / inverse);
      points.push({ percentile, inverse, value: Math.min(h.getValueAtPercentile(percentile), h.maxValue) });
    }
    points.push({ percentile: 100, inverse: Math.max(count, points.at(-1)?.inverse ?? 1), value: h.maxValue });
    return points;
  } finally {
    h.destroy();
  }
}

/** Up to `max` values spread evenly over the histogram's distribution (every sample when there are fewer). */
export function sampleValues(base64: string | undefined, max = 500): number[] {
  const h = base64 ? decode(base64) : undefined;
  if (!h) return [];
  try {
    const n = Math.min(h.totalCount, max);
    return Array.from({ length: n }, (_, i) => Math.min(h.getValueAtPercentile((100 * (i + 0.5)) / n), h.maxValue));
  } finally {
    h.destroy();
  }
}
