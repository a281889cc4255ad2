/**
 * Figures with a target of their own (`flowlab bench network`'s side-by-side ratios, `network.ratio@<case>`), judged
 * without any baseline: the median ratio over the runs against the case's target, allowing the noise of the runs
 * themselves — the larger of a run's own noise (half the range of its per-round ratios, median over the runs) and half
 * the range of the runs' ratios. The bench's rule (`judge`), applied to all the runs of a scenario and variant.
 */
import { median } from 'simple-statistics';
import { judge } from '../../runtime/index.js';
import { directionOfOp, metricLabel, type RatioTarget, type RunFigures } from './gate-metrics.js';
import { summarize } from './scalar-rule.js';
import { gateOf, type GateVerdict } from './verdict-schema.js';

const halfRange = (values: readonly number[]): number => (values.length < 2 ? 0 : (Math.max(...values) - Math.min(...values)) / 2);
const fixed = (v: number): string => v.toFixed(2);

/** One gate per target key found in the completed runs: pass (met), inconclusive (within noise) or regression (missed). */
export function targetGates(runs: readonly RunFigures[]): GateVerdict[] {
  const byKey = new Map<string, RatioTarget[]>();
  for (const r of runs) if (r.state === 'completed') for (const t of r.targets) byKey.set(t.key, [...(byKey.get(t.key) ?? []), t]);
  return [...byKey.values()].map((targets) => {
    const first = targets[0]!;
    const gate = `${metricLabel(first.metric, first.phase)} ${first.shown} (its target)`;
    const ratios = targets.flatMap((t) => (t.ratio === null ? [] : [t.ratio]));
    const base = { gate, metric: first.metric, phase: first.phase, rule: 'absolute' as const, method: 'absolute' as const, direction: directionOfOp(first.op), unit: '× baseline', current: summarize(ratios) };
    const unmeasured = targets.length - ratios.length;
    if (ratios.length === 0) return gateOf({ ...base, verdict: 'regression', reason: `no ratio in any of ${targets.length} run(s): a side measured nothing` });
    const ratio = median(ratios);
    const noise = Math.max(median(targets.map((t) => t.noise)), halfRange(ratios));
    const verdict = judge(ratio, noise, { op: first.op, value: first.value });
    const runsNote = `${ratios.length > 1 ? `median of ${ratios.length} runs (${ratios.map(fixed).join(', ')})` : '1 run'}${unmeasured > 0 ? `; ${unmeasured} run(s) measured nothing` : ''}`;
    const shown = `${fixed(ratio)} ± ${fixed(noise)}`;
    if (verdict === 'met') return gateOf({ ...base, verdict: 'pass', reason: `${shown} meets ${first.shown}; ${runsNote}` });
    if (verdict === 'within-noise') {
      return gateOf({ ...base, verdict: 'inconclusive', inconclusiveBecause: 'too-noisy', reason: `${shown} misses ${first.shown} by less than its noise: these runs cannot tell; ${runsNote}` });
    }
    return gateOf({ ...base, verdict: 'regression', reason: `${shown} misses ${first.shown} by more than its noise; ${runsNote}` });
  });
}
