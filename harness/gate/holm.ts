/**
 * Family-wise error control over the tests of one verdict. Scalars: a nightly gate runs dozens of Welch tests, and at
 * α = 0.05 each, some would fire on noise alone every night. Holm's step-down method (Holm 1979) keeps the chance of
 * any false verdict among them at α: sorted by p, the i-th smallest (0-based) of m must be ≤ α ÷ (m − i), and the
 * first that is not stops the rest. A regression or improvement that does not survive becomes inconclusive.
 * Latency intervals: widened to simultaneous ones (Bonferroni over the m latency gates, in the normal
 * approximation: half-widths × z(1 − α ÷ 2m) ÷ z(1 − α ÷ 2)) and judged again.
 */
import { probit } from 'simple-statistics';
import { latencyVerdict } from './latency-bootstrap.js';
import { MAX_RUNS_SUGGESTED } from './scalar-rule.js';
import type { GateVerdict } from './verdict-schema.js';

/** Runs per side for a two-sided test at `alpha` to see the observed difference (normal approximation). */
function runsFor(g: GateVerdict, alpha: number): number | undefined {
  const c = g.current;
  const b = g.baseline;
  if (!c || !b || c.mean === null || b.mean === null || c.stddev === null || b.stddev === null || c.mean === b.mean) return undefined;
  const z = probit(1 - alpha / 2);
  // at least one run more than now: the normal approximation is optimistic for few runs
  return Math.min(Math.max(Math.floor((z ** 2 * (c.stddev ** 2 + b.stddev ** 2)) / (c.mean - b.mean) ** 2) + 1, c.n + 1), MAX_RUNS_SUGGESTED);
}

/** Applies Holm's method to every baseline gate judged by Welch's test (in place); returns how many tests it covered. */
export function holmAdjust(gates: readonly GateVerdict[], alpha: number): number {
  const tested = gates.filter((g) => g.rule === 'baseline' && g.method === 'welch' && g.pValue !== null).sort((a, b) => a.pValue! - b.pValue!);
  const m = tested.length;
  let rejecting = true;
  tested.forEach((g, i) => {
    const level = alpha / (m - i);
    if (rejecting && g.pValue! <= level) return;
    rejecting = false;
    if (g.verdict !== 'regression' && g.verdict !== 'improvement') return;
    const runs = runsFor(g, level);
    g.verdict = 'inconclusive';
    g.inconclusiveBecause = 'too-noisy';
    g.reason = `too noisy: ${g.reason}; not significant after Holm–Bonferroni over ${m} tests (needs p ≤ ${level.toPrecision(2)})`;
    if (runs !== undefined) g.runsToSettle = runs;
  });
  return m;
}

/** Widens every bootstrap interval of the verdict to a simultaneous one over all of them and judges it again (in place). */
export function simultaneousLatency(gates: GateVerdict[], alpha: number): number {
  const boot = gates.filter((g) => g.method === 'bootstrap' && g.ci95Pct !== null && g.changePct !== null && g.thresholdPct !== null);
  const m = boot.length;
  if (m < 2) return m;
  const k = probit(1 - alpha / (2 * m)) / probit(1 - alpha / 2);
  for (const g of boot) {
    const c = g.changePct!;
    const lo = c - (c - g.ci95Pct![0]) * k;
    const hi = c + (g.ci95Pct![1] - c) * k;
    const judged = latencyVerdict(c, lo, hi, g.thresholdPct!, g.thresholdFrom ?? 'latency threshold', g.current?.n ?? 1, `simultaneous 95 % CI over ${m}`);
    g.verdict = judged.verdict;
    g.reason = judged.reason;
    g.ci95Pct = [judged.ci95Pct![0], judged.ci95Pct![1]];
    delete g.inconclusiveBecause;
    delete g.runsToSettle;
    if (judged.inconclusiveBecause) g.inconclusiveBecause = judged.inconclusiveBecause;
    if (judged.runsToSettle !== undefined) g.runsToSettle = judged.runsToSettle;
  }
  return m;
}
