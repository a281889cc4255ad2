/**
 * The verdict on one scalar metric over repetitions, current runs against baseline runs.
 *
 * Flink's rule (flink-benchmarks regression_report_v2): a regression is a change for the worse by more than
 * max(4 %, 2σ). Here σ is the standard error of the difference of the two means (JMH's score error, which Flink
 * feeds in, is also an error of the mean), so the threshold rises for noisy metrics and falls as runs are added. No
 * threshold is tighter than the A/A noise floor. A verdict also needs Welch's t-test (unequal variances) to reject
 * "no difference" at `alpha`, and at least `minSamples` runs on each side.
 */
import { mean, sampleStandardDeviation } from 'simple-statistics';
import ttest2 from '@stdlib/stats-ttest2';
import type { Direction } from './gate-metrics.js';

export type Verdict = 'pass' | 'improvement' | 'regression' | 'inconclusive' | 'invalid';
export type InconclusiveBecause = 'too-noisy' | 'too-few-samples' | 'not-like-for-like';

export interface RuleOptions {
  /** Runs needed on each side before any verdict but `inconclusive`. @default 3 */
  readonly minSamples: number;
  /** Significance level of the test. @default 0.05 */
  readonly alpha: number;
  /** Smallest relative change that counts, % (Flink: 4). */
  readonly minChangePct: number;
  /** The A/A noise floor for this metric, %; 0 when unknown. */
  readonly floorPct: number;
  /** A gate whose noise threshold exceeds this cannot see a regression worth knowing: inconclusive, %. @default 25 */
  readonly maxThresholdPct: number;
}

export const DEFAULT_RULE_OPTIONS: Readonly<Omit<RuleOptions, 'floorPct'>> = Object.freeze({ minSamples: 3, alpha: 0.05, minChangePct: 4, maxThresholdPct: 25 });

export interface SampleSummary {
  readonly n: number;
  readonly mean: number | null;
  readonly stddev: number | null;
}

/** The outcome of one comparison; percentages are relative to the baseline's figure (+ = larger). */
export interface Comparison {
  readonly verdict: Verdict;
  readonly reason: string;
  readonly changePct: number | null;
  readonly ci95Pct: readonly [number, number] | null;
  readonly pValue: number | null;
  readonly thresholdPct: number | null;
  readonly thresholdFrom: string | null;
  readonly inconclusiveBecause?: InconclusiveBecause;
  /** Runs per side that would likely settle an inconclusive comparison. */
  readonly runsToSettle?: number;
}

/** Most runs ever suggested; beyond this the honest answer is "the metric is too noisy on this machine". */
export const MAX_RUNS_SUGGESTED = 100;

export function summarize(values: readonly number[]): SampleSummary {
  return { n: values.length, mean: values.length > 0 ? mean([...values]) : null, stddev: values.length > 1 ? sampleStandardDeviation([...values]) : null };
}

const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits;
export const pct = (v: number): string => `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v) < 10 ? Math.abs(v).toFixed(1) : Math.abs(v).toFixed(0)} %`;

/** Sample standard deviation, 0 for fewer than two values. */
function sd(values: readonly number[]): number {
  return values.length < 2 ? 0 : sampleStandardDeviation([...values]);
}

/** Welch's two-sided test of current − baseline; identical constant samples give p = 1, different constants p = 0. */
function welch(current: readonly number[], baseline: readonly number[], alpha: number): { pValue: number; ci: [number, number] } {
  const d = mean([...current]) - mean([...baseline]);
  const se = Math.sqrt(sd(current) ** 2 / current.length + sd(baseline) ** 2 / baseline.length);
  if (se === 0 || current.length < 2 || baseline.length < 2) return { pValue: d === 0 ? 1 : 0, ci: [d, d] };
  const t = ttest2([...current], [...baseline], { alpha, variance: 'unequal' });
  return { pValue: t.pValue, ci: [t.ci[0]!, t.ci[1]!] };
}

/** Compares scalar samples (one value per run). */
export function compareScalar(current: readonly number[], baseline: readonly number[], direction: Direction, resolution: number, options: RuleOptions): Comparison {
  const none = { changePct: null, ci95Pct: null, pValue: null, thresholdPct: null, thresholdFrom: null };
  if (current.length < options.minSamples || baseline.length < options.minSamples) {
    const short = current.length < options.minSamples ? `the current results have ${current.length} run(s)` : `the baseline has ${baseline.length} run(s)`;
    return {
      ...none,
      verdict: 'inconclusive',
      inconclusiveBecause: 'too-few-samples',
      runsToSettle: options.minSamples,
      reason: `too few samples: ${short}, a verdict needs ≥ ${options.minSamples} on each side`,
    };
  }
  const mB = mean([...baseline]);
  const mC = mean([...current]);
  const sB = sd(baseline);
  const sC = sd(current);
  const d = mC - mB;
  const worse = direction === 'higher-is-better' ? -d : d;
  const base = Math.abs(mB);
  const { pValue, ci } = welch(current, baseline, options.alpha);
  if (base === 0) {
    if (Math.abs(d) <= resolution) return { ...none, pValue, verdict: 'pass', reason: 'baseline and current are both 0' };
    const verdict = pValue < options.alpha ? (worse > 0 ? 'regression' : 'improvement') : 'inconclusive';
    return { ...none, pValue, verdict, reason: `baseline 0, current ${round(mC)} (p = ${round(pValue, 3)})`, ...(verdict === 'inconclusive' ? { inconclusiveBecause: 'too-noisy' as const } : {}) };
  }
  const changePct = (d / base) * 100;
  const worsePct = (worse / base) * 100;
  const twoSigmaPct = ((2 * Math.sqrt(sB ** 2 / baseline.length + sC ** 2 / current.length)) / base) * 100;
  const parts: Array<[number, string]> = [
    [options.minChangePct, `${options.minChangePct} %`],
    [twoSigmaPct, '2σ'],
    [options.floorPct, 'A/A noise floor'],
  ];
  const [thresholdPct, thresholdFrom] = parts.reduce((a, b) => (b[0] > a[0] ? b : a));
  const ci95Pct: [number, number] = [round((ci[0] / base) * 100), round((ci[1] / base) * 100)];
  const figures = { changePct: round(changePct), ci95Pct, pValue: round(pValue, 4), thresholdPct: round(thresholdPct), thresholdFrom };
  const stated = `${pct(changePct)} (95 % CI ${pct(ci95Pct[0])}…${pct(ci95Pct[1])}, p = ${pValue < 0.001 ? '< 0.001' : pValue.toFixed(3)}; threshold ${thresholdPct.toFixed(1)} % from ${thresholdFrom})`;
  if (Math.abs(d) <= resolution) return { ...figures, verdict: 'pass', reason: `${stated}: within the measurement's resolution` };
  if (Math.abs(worsePct) > thresholdPct && pValue < options.alpha) {
    return { ...figures, verdict: worsePct > 0 ? 'regression' : 'improvement', reason: stated };
  }
  const fixedPct = Math.max(options.minChangePct, options.floorPct);
  if (worsePct > fixedPct) {
    // worse by more than the fixed threshold, but within 2σ or not significant: more runs would tell
    // the smallest n per side with 2σ(n) = 2√((s₁² + s₂²) ÷ n) below |d|
    const needed = Math.floor((4 * (sB ** 2 + sC ** 2)) / d ** 2) + 1;
    return {
      ...figures,
      verdict: 'inconclusive',
      inconclusiveBecause: 'too-noisy',
      runsToSettle: Math.min(Math.max(needed, options.minSamples, Math.max(current.length, baseline.length) + 1), MAX_RUNS_SUGGESTED),
      reason: `too noisy: ${stated}; worse than ${fixedPct.toFixed(1)} % but not beyond 2σ at p < ${options.alpha}`,
    };
  }
  const noisePct = Math.max(twoSigmaPct, options.floorPct);
  if (noisePct > options.maxThresholdPct) {
    const needed = Math.floor((4 * (sB ** 2 + sC ** 2)) / ((options.maxThresholdPct / 100) * base) ** 2) + 1;
    return {
      ...figures,
      verdict: 'inconclusive',
      inconclusiveBecause: 'too-noisy',
      ...(twoSigmaPct >= options.floorPct ? { runsToSettle: Math.min(Math.max(needed, current.length + 1), MAX_RUNS_SUGGESTED) } : {}),
      reason: `too noisy: ${stated}; a regression smaller than ${noisePct.toFixed(0)} % would go unseen (limit ${options.maxThresholdPct} %)`,
    };
  }
  return { ...figures, verdict: 'pass', reason: stated };
}
