/**
 * Change points in a series of nightly figures: E-divisive means (Matteson & James, 2014) with the significance test
 * Hunter / Apache Otava use instead of the permutation test — Student's t (here Welch's, unequal variances) between
 * the two segments — so the result is deterministic. The split that maximises the energy divergence between the
 * segments before and after it is kept when the test rejects "same mean" at `pValue` and the step is at least
 * `magnitudePct`; then each side is searched again (binary segmentation).
 */
import ttest2 from '@stdlib/stats-ttest2';
import { mean, sampleStandardDeviation } from 'simple-statistics';

export interface ChangePointOptions {
  /** Significance of each accepted change point (Otava's default: 0.001). */
  readonly pValue: number;
  /** Fewest points on each side of a change point. @default 3 */
  readonly minSegment: number;
  /** Smallest relative step that counts, %. @default 1 */
  readonly magnitudePct: number;
}

export const DEFAULT_CHANGE_POINT_OPTIONS: Readonly<ChangePointOptions> = Object.freeze({ pValue: 0.001, minSegment: 3, magnitudePct: 1 });

export interface ChangePoint {
  /** Index of the first point after the change. */
  readonly index: number;
  readonly meanBefore: number;
  readonly meanAfter: number;
  /** (after − before) ÷ |before|, %. */
  readonly changePct: number;
  readonly pValue: number;
}

/** Matteson & James's energy divergence of two samples (α = 1), scaled by mn ÷ (m + n). */
export function energyDivergence(x: readonly number[], y: readonly number[]): number {
  const m = x.length;
  const n = y.length;
  let between = 0;
  for (const a of x) for (const b of y) between += Math.abs(a - b);
  let within = 0;
  for (let i = 0; i < m; i++) for (let k = i + 1; k < m; k++) within += Math.abs(x[i]! - x[k]!);
  let withinY = 0;
  for (let i = 0; i < n; i++) for (let k = i + 1; k < n; k++) withinY += Math.abs(y[i]! - y[k]!);
  // the V-statistic form (every ordered pair, i = k included): ≥ 0, and 0 for identical samples
  const e = (2 * between) / (m * n) - (2 * within) / (m * m) - (2 * withinY) / (n * n);
  return ((m * n) / (m + n)) * e;
}

function welchP(x: readonly number[], y: readonly number[]): number {
  const se = Math.sqrt(sampleStandardDeviation([...x]) ** 2 / x.length + sampleStandardDeviation([...y]) ** 2 / y.length);
  if (se === 0) return mean([...x]) === mean([...y]) ? 1 : 0;
  return ttest2([...y], [...x], { variance: 'unequal' }).pValue;
}

/** Every change point of `series` (in index order). */
export function changePoints(series: readonly number[], options: ChangePointOptions = DEFAULT_CHANGE_POINT_OPTIONS): ChangePoint[] {
  const found: ChangePoint[] = [];
  const search = (lo: number, hi: number): void => {
    if (hi - lo < 2 * options.minSegment) return;
    let best = -Infinity;
    let at = -1;
    for (let t = lo + options.minSegment; t <= hi - options.minSegment; t++) {
      const q = energyDivergence(series.slice(lo, t), series.slice(t, hi));
      if (q > best) {
        best = q;
        at = t;
      }
    }
    if (at < 0) return;
    const before = series.slice(lo, at);
    const after = series.slice(at, hi);
    const p = welchP(before, after);
    const mb = mean([...before]);
    const ma = mean([...after]);
    const changePct = mb === 0 ? 0 : ((ma - mb) / Math.abs(mb)) * 100;
    if (p >= options.pValue || Math.abs(changePct) < options.magnitudePct) return;
    found.push({ index: at, meanBefore: mb, meanAfter: ma, changePct: Math.round(changePct * 100) / 100, pValue: p });
    search(lo, at);
    search(at, hi);
  };
  search(0, series.length);
  return found.sort((a, b) => a.index - b.index);
}
