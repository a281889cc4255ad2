/**
 * What a suite says beyond its runs: the A/A control's noise floor, and for rate sweeps the latency–throughput
 * curve and its knee (spec S18: the highest rate whose achieved throughput is ≥ 99 % of intended and whose p99 does
 * not grow across the steady phase, last third ≤ 1.2 × first third).
 */
import { median } from 'simple-statistics';
import type { ResultDocument } from './result-schema.js';
import type { SuitePlan } from './suite-plan.js';
import type { RateSweep, SuiteIndex } from './suite-schema.js';

/** Achieved ÷ intended at or above this is keeping up. */
export const SUSTAINABLE_ACHIEVED_RATIO = 0.99;
/** p99 of the steady phase's last third above this multiple of its first third means a backlog is building. */
export const SUSTAINABLE_P99_GROWTH = 1.2;

function medianOrNull(values: ReadonlyArray<number | null | undefined>): number | null {
  const known = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return known.length === 0 ? null : median(known);
}

function diffPct(a: number | null, b: number | null): number | null {
  if (a === null || b === null || a + b === 0) return null;
  return Math.round((Math.abs(a - b) / ((a + b) / 2)) * 10_000) / 100;
}

/** Medians of the control's A and B runs (completed ones) and their relative difference. */
export function analyzeControl(plan: SuitePlan, results: ReadonlyMap<number, ResultDocument>): SuiteIndex['control'] | undefined {
  const control = plan.suite.control;
  if (control === undefined) return undefined;
  const of = (variant: string): ResultDocument[] =>
    plan.runs.flatMap((r, i) => (r.scenario === control && r.variant === variant && results.get(i)?.state === 'completed' ? [results.get(i)!] : []));
  const a = of('A');
  const b = of('B');
  const aRate = medianOrNull(a.map((d) => d.throughput.recordsPerSec));
  const bRate = medianOrNull(b.map((d) => d.throughput.recordsPerSec));
  const aP99 = medianOrNull(a.map((d) => d.latencyUs.p99));
  const bP99 = medianOrNull(b.map((d) => d.latencyUs.p99));
  return {
    scenario: control,
    runsPerVariant: Math.min(a.length, b.length),
    recordsPerSec: { a: aRate, b: bRate, diffPct: diffPct(aRate, bRate) },
    p99Us: { a: aP99, b: bP99, diffPct: diffPct(aP99, bP99) },
  };
}

function sourceSubtasks(doc: ResultDocument): number {
  return doc.topology.vertices.filter((v) => v.operator === 'source').reduce((sum, v) => sum + v.parallelism, 0);
}

/** One curve per rate-swept entry and combination of its other swept fields, steps in rate order, with the knee. */
export function analyzeRateSweeps(plan: SuitePlan, results: ReadonlyMap<number, ResultDocument>): RateSweep[] {
  const curves = new Map<string, { scenario: string; fixed: Record<string, unknown>; byRate: Map<number, ResultDocument[]> }>();
  plan.runs.forEach((run, i) => {
    if (!run.rateSwept) return;
    const doc = results.get(i);
    const rate = run.parameters['workload.rate'];
    if (!doc || doc.state !== 'completed' || typeof rate !== 'number') return;
    const fixed = Object.fromEntries(Object.entries(run.parameters).filter(([k]) => k !== 'workload.rate'));
    const key = `${run.entry}|${JSON.stringify(fixed)}`;
    const curve = curves.get(key) ?? { scenario: run.scenario, fixed, byRate: new Map<number, ResultDocument[]>() };
    curve.byRate.set(rate, [...(curve.byRate.get(rate) ?? []), doc]);
    curves.set(key, curve);
  });
  return [...curves.values()].map(({ scenario, fixed, byRate }) => {
    const steps = [...byRate.entries()]
      .sort(([a], [b]) => a - b)
      .map(([rate, docs]) => {
        const intended = rate * sourceSubtasks(docs[0]!);
        const achieved = medianOrNull(docs.map((d) => d.throughput.recordsPerSec)) ?? 0;
        const steady = docs.map((d) => d.phases.find((p) => p.name === 'steady'));
        const first = medianOrNull(steady.map((p) => p?.trend?.p99FirstThirdUs));
        const last = medianOrNull(steady.map((p) => p?.trend?.p99LastThirdUs));
        const ratio = intended > 0 ? achieved / intended : 0;
        const why: string[] = [];
        if (ratio < SUSTAINABLE_ACHIEVED_RATIO) why.push(`achieved ${(ratio * 100).toFixed(1)} % of intended`);
        if (first === null || last === null) why.push('p99 trend unknown (too few samples per third)');
        else if (last > first * SUSTAINABLE_P99_GROWTH) why.push(`p99 grew ${(last / first).toFixed(2)}× across the steady phase`);
        return {
          ratePerSubtask: rate,
          intendedRecordsPerSec: intended,
          achievedRecordsPerSec: Math.round(achieved),
          achievedRatio: Math.round(ratio * 1000) / 1000,
          p99Us: medianOrNull(docs.map((d) => d.latencyUs.p99)),
          p99FirstThirdUs: first,
          p99LastThirdUs: last,
          sustainable: why.length === 0,
          ...(why.length > 0 ? { why: why.join('; ') } : {}),
        };
      });
    const sustainable = steps.filter((s) => s.sustainable).at(-1)?.ratePerSubtask ?? null;
    const failedBelowKnee = sustainable === null ? [] : steps.filter((s) => !s.sustainable && s.ratePerSubtask < sustainable).map((s) => s.ratePerSubtask);
    return { scenario, fixed, steps, sustainableRatePerSubtask: sustainable, failedBelowKnee };
  });
}
