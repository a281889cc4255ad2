/**
 * Latency distributions compared through their stored HDR histograms: a bootstrap confidence interval of the
 * relative difference in a percentile (p50, p99, p99.9 …), current against baseline.
 *
 * Each bootstrap round resamples at two levels, so both sources of noise are in the interval: the runs (drawn with
 * replacement; run-to-run variation is usually the larger part) and, within each drawn run, its samples (a Poisson
 * bootstrap of every histogram bucket, as for large counts a multinomial resample is nearly Poisson per bucket).
 * With few runs the resampled spread of runs is too small by (n − 1) ÷ n, so the interval is widened by √(n ÷ (n − 1)).
 * A verdict is given only when the interval clears the threshold: regression when its lower end is above it,
 * improvement when its upper end is below minus it, pass when its upper end is at or below it.
 */
import * as hdr from 'hdr-histogram-js';
import { SeededRandom } from '../../core/index.js';
import { minSamplesFor } from '../percentile-guard.js';
import { MAX_RUNS_SUGGESTED, pct, type Comparison } from './scalar-rule.js';

/** One run's histogram as (value, count) buckets, values ascending (µs, the bucket's highest equivalent value). */
export interface Buckets {
  readonly values: Float64Array;
  readonly counts: Float64Array;
  readonly total: number;
}

export function bucketsOf(histogramBase64: string): Buckets {
  const h = hdr.decodeFromCompressedBase64(histogramBase64);
  try {
    const values: number[] = [];
    const counts: number[] = [];
    const it = (h as unknown as { recordedValuesIterator: { reset(): void; hasNext(): boolean; next(): { valueIteratedTo: number; countAtValueIteratedTo: number } } }).recordedValuesIterator;
    it.reset();
    while (it.hasNext()) {
      const v = it.next();
      values.push(v.valueIteratedTo);
      counts.push(v.countAtValueIteratedTo);
    }
    return { values: Float64Array.from(values), counts: Float64Array.from(counts), total: h.totalCount };
  } finally {
    h.destroy();
  }
}

/** Merges histograms (V2 compressed base64) into one, as HdrHistogram's `add()` does. */
export function mergeHistograms(histograms: readonly string[]): string | undefined {
  if (histograms.length === 0) return undefined;
  const merged = hdr.build({ numberOfSignificantValueDigits: 3 });
  try {
    for (const b64 of histograms) {
      const h = hdr.decodeFromCompressedBase64(b64);
      merged.add(h);
      h.destroy();
    }
    return merged.totalCount > 0 ? hdr.encodeIntoCompressedBase64(merged) : undefined;
  } finally {
    merged.destroy();
  }
}

/** HdrHistogram's getValueAtPercentile over a count array on a value grid. */
function percentileOf(grid: Float64Array, counts: Float64Array, total: number, percent: number): number {
  const wanted = Math.max(1, Math.ceil((percent / 100) * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!;
    if (seen >= wanted) return grid[i]!;
  }
  return grid[grid.length - 1] ?? 0;
}

function poisson(lambda: number, random: SeededRandom): number {
  if (lambda <= 0) return 0;
  if (lambda < 30) {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = random.nextFloat();
    while (p > limit) {
      k++;
      p *= random.nextFloat();
    }
    return k;
  }
  // normal approximation (Box–Muller) for large counts
  const z = Math.sqrt(-2 * Math.log(1 - random.nextFloat())) * Math.cos(2 * Math.PI * random.nextFloat());
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * z));
}

export interface BootstrapOptions {
  readonly iterations: number;
  readonly seed: number;
  /** Relative threshold, % (the larger of the gate's and the A/A noise floor). */
  readonly thresholdPct: number;
  readonly thresholdFrom: string;
  readonly minRuns: number;
}

export const DEFAULT_BOOTSTRAP = Object.freeze({ iterations: 1000, seed: 1, latencyThresholdPct: 10 });

/** Point estimate and bootstrap interval of `percentile(current) / percentile(baseline) − 1`, for several percentiles at once. */
function bootstrap(current: readonly Buckets[], baseline: readonly Buckets[], percents: readonly number[], options: BootstrapOptions): Array<{ point: number; lo: number; hi: number }> {
  const grid = Float64Array.from(new Set([...current, ...baseline].flatMap((b) => [...b.values]))).sort();
  const index = new Map<number, number>();
  grid.forEach((v, i) => index.set(v, i));
  const gridIndexes = (b: Buckets): Int32Array => Int32Array.from(b.values, (v) => index.get(v)!);
  const cur = current.map((b) => ({ b, at: gridIndexes(b) }));
  const base = baseline.map((b) => ({ b, at: gridIndexes(b) }));
  const pooled = (side: typeof cur): { counts: Float64Array; total: number } => {
    const counts = new Float64Array(grid.length);
    let total = 0;
    for (const { b, at } of side) for (let i = 0; i < at.length; i++) {
      counts[at[i]!]! += b.counts[i]!;
      total += b.counts[i]!;
    }
    return { counts, total };
  };
  const pc = pooled(cur);
  const pb = pooled(base);
  const points = percents.map((p) => percentileOf(grid, pc.counts, pc.total, p) / Math.max(percentileOf(grid, pb.counts, pb.total, p), 1) - 1);
  const random = new SeededRandom(options.seed);
  const draws: number[][] = percents.map(() => []);
  const resample = (side: typeof cur): { counts: Float64Array; total: number } => {
    const counts = new Float64Array(grid.length);
    let total = 0;
    for (let r = 0; r < side.length; r++) {
      const { b, at } = side[random.nextInt(side.length)]!;
      for (let i = 0; i < at.length; i++) {
        const k = poisson(b.counts[i]!, random);
        counts[at[i]!]! += k;
        total += k;
      }
    }
    return { counts, total };
  };
  for (let it = 0; it < options.iterations; it++) {
    const c = resample(cur);
    const b = resample(base);
    if (c.total === 0 || b.total === 0) continue;
    percents.forEach((p, k) => draws[k]!.push(percentileOf(grid, c.counts, c.total, p) / Math.max(percentileOf(grid, b.counts, b.total, p), 1) - 1));
  }
  // resampling n runs understates their spread by (n − 1) ÷ n (the bootstrap's variance of a mean); widen to undo it
  const runs = Math.min(current.length, baseline.length);
  const widen = runs > 1 ? Math.sqrt(runs / (runs - 1)) : 1;
  return percents.map((_, k) => {
    const sorted = draws[k]!.sort((a, b) => a - b);
    const q = (f: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(f * (sorted.length - 1))))] ?? 0;
    const point = points[k]!;
    return { point, lo: point - (point - q(0.025)) * widen, hi: point + (q(0.975) - point) * widen };
  });
}

const r2 = (v: number): number => Math.round(v * 100) / 100;

/**
 * Compares latency percentiles (`percents`, HdrHistogram's convention: 99.9) of current runs against baseline runs,
 * each run given as its phase histogram. One comparison per percent.
 */
export function compareLatency(current: readonly string[], baseline: readonly string[], percents: readonly number[], options: BootstrapOptions): Comparison[] {
  const none = { changePct: null, ci95Pct: null, pValue: null, thresholdPct: options.thresholdPct, thresholdFrom: options.thresholdFrom };
  if (current.length < options.minRuns || baseline.length < options.minRuns) {
    const short = current.length < options.minRuns ? `the current results have ${current.length} run(s)` : `the baseline has ${baseline.length} run(s)`;
    return percents.map(() => ({ ...none, verdict: 'inconclusive', inconclusiveBecause: 'too-few-samples', runsToSettle: options.minRuns, reason: `too few samples: ${short} with this phase, a verdict needs ≥ ${options.minRuns} on each side` }));
  }
  const cur = current.map(bucketsOf);
  const base = baseline.map(bucketsOf);
  const curTotal = cur.reduce((s, b) => s + b.total, 0);
  const baseTotal = base.reduce((s, b) => s + b.total, 0);
  const guarded = percents.map((p) => {
    const needed = minSamplesFor(p / 100);
    if (curTotal >= needed && baseTotal >= needed) return null;
    const [side, have, runs] = curTotal < needed ? ['current', curTotal, cur.length] : ['baseline', baseTotal, base.length];
    const perRun = Math.max(1, have / runs);
    return {
      ...none,
      verdict: 'inconclusive' as const,
      inconclusiveBecause: 'too-few-samples' as const,
      runsToSettle: Math.min(Math.ceil(needed / perRun), MAX_RUNS_SUGGESTED),
      reason: `too few samples: p${p} needs ≥ ${needed.toLocaleString('en-US')} samples on each side, the ${side} has ${have.toLocaleString('en-US')}`,
    };
  });
  const open = percents.filter((_, k) => guarded[k] === null);
  const intervals = open.length > 0 ? bootstrap(cur, base, open, options) : [];
  return percents.map((p, k): Comparison => {
    const g = guarded[k];
    if (g) return g;
    const { point, lo, hi } = intervals[open.indexOf(p)]!;
    return latencyVerdict(point * 100, lo * 100, hi * 100, options.thresholdPct, options.thresholdFrom, cur.length);
  });
}

/**
 * The verdict on a latency percentile from its change and interval (%): regression when the interval's lower end is
 * above the threshold, improvement when its upper end is below minus it, pass when its upper end is at or below it,
 * else inconclusive with the runs that would narrow it enough (it narrows about as 1/√runs).
 */
export function latencyVerdict(changePct: number, loPct: number, hiPct: number, t: number, thresholdFrom: string, runs: number, level = '95 % CI'): Comparison {
  const figures = { changePct: r2(changePct), ci95Pct: [r2(loPct), r2(hiPct)] as const, pValue: null, thresholdPct: r2(t), thresholdFrom };
  const stated = `${pct(changePct)} (${level} ${pct(loPct)}…${pct(hiPct)}; threshold ${t.toFixed(1)} % from ${thresholdFrom})`;
  if (loPct > t) return { ...figures, verdict: 'regression', reason: stated };
  if (hiPct < -t) return { ...figures, verdict: 'improvement', reason: stated };
  if (hiPct <= t) return { ...figures, verdict: 'pass', reason: stated };
  const halfWidth = (hiPct - loPct) / 2;
  const margin = Math.abs(changePct - t);
  const needed = margin > 0 ? Math.ceil(runs * (halfWidth / margin) ** 2) : MAX_RUNS_SUGGESTED;
  return {
    ...figures,
    verdict: 'inconclusive',
    inconclusiveBecause: 'too-noisy',
    runsToSettle: Math.min(Math.max(needed, runs + 1), MAX_RUNS_SUGGESTED),
    reason: `too noisy: ${stated}; the interval straddles the threshold`,
  };
}
