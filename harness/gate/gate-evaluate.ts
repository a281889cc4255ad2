/**
 * `flowlab gate`: judges results (grouped by scenario and variant) against a baseline and against the invariants
 * and absolute gates that always apply, and returns the verdict document. Pure data in, data out: reading files is
 * results-input.ts / baseline.ts, printing is the CLI's.
 */
import { median } from 'simple-statistics';
import { compare, type GateOp } from '../absolute-gates.js';
import { guardedSummary, minSamplesFor } from '../percentile-guard.js';
import type { Baseline, BaselineEntry, BaselineScalar } from './baseline-schema.js';
import { diagnosisLine, evidenceOf } from './diagnosis.js';
import {
  LATENCY_PERCENTS,
  METRIC_SPECS,
  isLatencyMetric,
  isScalarMetric,
  metricKey,
  metricLabel,
  parseMetricKey,
  type LatencyMetric,
  type RunFigures,
} from './gate-metrics.js';
import { compareLatency, DEFAULT_BOOTSTRAP, mergeHistograms } from './latency-bootstrap.js';
import { noiseFloorOf } from './noise-floor.js';
import { compareScalar, DEFAULT_RULE_OPTIONS, pct, summarize, type Comparison } from './scalar-rule.js';
import { targetGates } from './target-gates.js';
import { VERDICTS, VERDICT_SCHEMA_VERSION, gateOf, type GateVerdict, type ScenarioVerdict, type VerdictDocument, type VerdictKind } from './verdict-schema.js';
import { baselineEntry, groupRuns } from './baseline.js';
import type { History } from './history.js';
import { holmAdjust, simultaneousLatency } from './holm.js';
import type { ShapeOutcome } from '../shape-schema.js';
import { SHAPE_SCALAR_PREFIX, shapeCheckValue } from './published-baseline.js';
import { NETWORK_RATIO_METRIC } from '../network-bench-run.js';

export interface GateOptions {
  /** Runs on each side before a verdict. @default 3 */
  readonly minSamples: number;
  /** @default 0.05 */
  readonly alpha: number;
  /** Flink's 4 %. */
  readonly minChangePct: number;
  /** Relative change of a latency percentile that counts, %. @default 10 */
  readonly latencyThresholdPct: number;
  /** Noise thresholds above this make a gate inconclusive, %. @default 25 */
  readonly maxThresholdPct: number;
  readonly bootstrapIterations: number;
  readonly seed: number;
  readonly failOnInconclusive: boolean;
  /** Only these baseline gates (`metric` or `metric@phase`); default: throughput, calibrated throughput, p50/p99/p99.9, checkpoints, recovery, harness CPU. */
  readonly metrics?: readonly string[] | undefined;
}

export const DEFAULT_GATE_OPTIONS: Readonly<GateOptions> = Object.freeze({
  ...DEFAULT_RULE_OPTIONS,
  latencyThresholdPct: DEFAULT_BOOTSTRAP.latencyThresholdPct,
  bootstrapIterations: DEFAULT_BOOTSTRAP.iterations,
  seed: DEFAULT_BOOTSTRAP.seed,
  failOnInconclusive: false,
});

export interface GateInput {
  readonly runs: readonly RunFigures[];
  readonly sources: readonly string[];
  readonly notes?: readonly string[];
  readonly baseline?: { readonly file: string; readonly document: Baseline } | undefined;
  readonly now?: Date;
  /** Change points across nights (`--history`); its verdicts count towards the overall one. */
  readonly history?: History | undefined;
  /** Published shapes evaluated by the suites judged (suite.json `shapes`): each check is a gate. */
  readonly shapes?: readonly ShapeOutcome[] | undefined;
}

const DEFAULT_LATENCY_PERCENTILES: readonly LatencyMetric[] = ['latencyUs.p50', 'latencyUs.p99', 'latencyUs.p999'];
const DEFAULT_SCALARS = new Set(['throughput.recordsPerSec@steady', 'throughput.calibrated@steady', 'checkpoints.durationMs.p99', 'checkpoints.alignmentMs.p99', 'checkpoints.persistedBytes.p99', 'harness.cpuMsPerSecond']);
const SEVERITY: Readonly<Record<VerdictKind, number>> = { pass: 0, improvement: 1, inconclusive: 2, regression: 3, invalid: 4 };

export function worst(verdicts: readonly VerdictKind[]): VerdictKind {
  return verdicts.reduce<VerdictKind>((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a), 'pass');
}

function nodeMajor(version: string): string {
  return /^v?(\d+)/.exec(version)?.[1] ?? version;
}

/** CPU model, cores and Node major: when they differ, only the calibrated ratio is compared. */
export function likeForLike(current: RunFigures['environment'] | null, baseline: Baseline['environment']): { like: boolean; differences: string[] } {
  if (!current || !baseline) return { like: true, differences: [] };
  const differences: string[] = [];
  if (current.cpuModel !== baseline.cpuModel) differences.push(`CPU model: ${current.cpuModel} here, ${baseline.cpuModel} in the baseline`);
  if (current.cores !== baseline.cores) differences.push(`cores: ${current.cores} here, ${baseline.cores} in the baseline`);
  if (nodeMajor(current.node) !== nodeMajor(baseline.node)) differences.push(`Node: ${current.node} here, ${baseline.node} in the baseline`);
  return { like: differences.length === 0, differences };
}


function fromComparison(base: Pick<GateVerdict, 'gate' | 'metric' | 'phase' | 'rule' | 'method' | 'direction' | 'unit' | 'current' | 'baseline'>, c: Comparison): GateVerdict {
  return {
    ...base,
    verdict: c.verdict,
    reason: c.reason,
    changePct: c.changePct,
    ci95Pct: c.ci95Pct ? [c.ci95Pct[0], c.ci95Pct[1]] : null,
    pValue: c.pValue,
    thresholdPct: c.thresholdPct,
    thresholdFrom: c.thresholdFrom,
    ...(c.inconclusiveBecause ? { inconclusiveBecause: c.inconclusiveBecause } : {}),
    ...(c.runsToSettle !== undefined ? { runsToSettle: c.runsToSettle } : {}),
  };
}

/** Invariants (always on): every run completed; nothing lost or duplicated. */
function invariantGates(runs: readonly RunFigures[]): GateVerdict[] {
  const gates: GateVerdict[] = [];
  const failed = runs.filter((r) => r.state !== 'completed');
  gates.push(
    gateOf({
      gate: 'job completed',
      metric: 'state',
      rule: 'invariant',
      method: 'invariant',
      verdict: failed.length === 0 ? 'pass' : 'invalid',
      reason: failed.length === 0 ? `${runs.length} of ${runs.length} runs completed` : failed.map((r) => `rep ${r.repetition} ${r.state}${r.error ? `: ${r.error}` : ''}`).join('; '),
    }),
  );
  const completed = runs.filter((r) => r.state === 'completed');
  for (const [metric, read] of [
    ['sink.lost', (r: RunFigures) => r.lost],
    ['sink.duplicated', (r: RunFigures) => r.duplicated],
  ] as const) {
    const broken = completed.filter((r) => (read(r) ?? 0) !== 0);
    const unknown = completed.filter((r) => read(r) === null);
    gates.push(
      gateOf({
        gate: `${metric} == 0`,
        metric,
        rule: 'invariant',
        method: 'invariant',
        verdict: broken.length > 0 ? 'regression' : unknown.length > 0 ? 'invalid' : 'pass',
        reason:
          broken.length > 0
            ? `broken invariant: ${broken.map((r) => `rep ${r.repetition}: ${read(r)}`).join(', ')}`
            : unknown.length > 0
              ? `not verified in ${unknown.length} run(s)`
              : `0 in all ${completed.length} completed runs`,
        current: summarize(completed.map((r) => read(r) ?? 0)),
      }),
    );
  }
  return gates;
}

/** The scenarios' absolute gates (evaluated per run when it ran) judged on the median over runs. */
function absoluteGates(runs: readonly RunFigures[]): GateVerdict[] {
  const completed = runs.filter((r) => r.state === 'completed');
  const texts = [...new Set(completed.flatMap((r) => r.absoluteGates.map((g) => g.gate)))];
  return texts.flatMap((text) => {
    const outcomes = completed.flatMap((r) => r.absoluteGates.filter((g) => g.gate === text));
    const first = outcomes[0]!;
    if (first.metric === 'sink.lost' || first.metric === 'sink.duplicated') return []; // the invariants say it
    if (first.metric === NETWORK_RATIO_METRIC) return []; // targetGates judges them with their noise
    const values = outcomes.flatMap((o) => (o.value === null ? [] : [o.value]));
    const phase = first.metric.startsWith('latencyUs.') || first.metric.startsWith('throughput.recordsPerSec') || first.metric.startsWith('recovery.') ? first.phase : null;
    const base = { gate: text, metric: first.metric, phase, rule: 'absolute' as const, method: 'absolute' as const, unit: null, direction: null };
    if (values.length === 0) return [gateOf({ ...base, verdict: 'inconclusive', inconclusiveBecause: 'too-few-samples', reason: first.reason ?? 'no value in any run' })];
    const m = median(values);
    const failing = outcomes.filter((o) => o.verdict === 'fail').length;
    const ok = compare(m, first.op as GateOp, first.threshold);
    const note = failing > 0 && ok ? `; fails in ${failing} of ${outcomes.length} runs` : '';
    return [gateOf({ ...base, verdict: ok ? 'pass' : 'regression', reason: `median ${m} ${ok ? 'meets' : 'misses'} ${first.op} ${first.threshold}${note}`, current: summarize(values) })];
  });
}

interface Floors {
  readonly throughputPct: number;
  readonly latencyPct: number;
}

/** A published shape's checks as gates: a failed check is a regression, one without data is invalid; a skipped shape is listed, not judged. */
function shapeVerdicts(shapes: readonly ShapeOutcome[], baseline: Baseline | undefined, options: GateOptions): ScenarioVerdict[] {
  return shapes.map((s) => {
    const gates = s.checks.filter((c) => c.judged).map((c) => {
      const rows = c.rows.filter((r) => r.verdict !== 'pass');
      const why = rows.map((r) => `${r.variant ?? 'all variants'}: measured ${r.measured ?? 'n/a'}${r.predicted !== null ? `, predicted ${r.predicted}` : ''}${r.reason ? ` (${r.reason})` : ''}`).join('; ');
      return gateOf({
        gate: `${s.id}: ${c.name}`,
        metric: c.measured,
        rule: 'published',
        method: 'published',
        unit: c.unit,
        verdict: c.verdict === 'pass' ? 'pass' : c.verdict === 'fail' ? 'regression' : 'invalid',
        reason: `${c.verdict === 'pass' ? `${c.rows.length} of ${c.rows.length} rows meet` : 'misses'} the model${c.published ? ` (published ${c.published.value}, ${c.published.source})` : ''}${why ? `: ${why}` : ''}; source: ${s.source}`,
      });
    });
    // against a published baseline (flowlab baseline published): the measured value vs the publication's figure
    const entry = s.scenario === null ? undefined : baseline?.scenarios[`${s.scenario}/${s.id}`];
    for (const [key, scalar] of Object.entries(entry?.scalars ?? {})) {
      if (!key.startsWith(SHAPE_SCALAR_PREFIX)) continue;
      const value = shapeCheckValue(shapes, s.scenario!, s.id, key.slice(SHAPE_SCALAR_PREFIX.length));
      gates.push({ ...publishedGate(key, scalar, value === null ? [] : [value], scalar.tolerancePct ?? options.minChangePct), gate: `${s.id}: ${scalar.metric} against the published figure` });
    }
    if (s.verdict === 'no-data' && gates.length === 0) gates.push(gateOf({ gate: `${s.id}: ${s.title}`, metric: s.id, rule: 'published', method: 'published', verdict: 'invalid', reason: s.reason ?? 'no data' }));
    return {
      scenario: s.scenario ?? 'published shapes',
      variant: s.id,
      verdict: s.verdict === 'skipped' ? 'pass' : worst(gates.map((g) => g.verdict)),
      runs: { current: 0, completed: 0, baseline: null },
      gates,
      skipped: s.verdict === 'skipped' ? [{ gate: `${s.id}: ${s.title}`, reason: s.reason ?? 'cannot run here' }] : [],
      evidence: [],
    };
  });
}

function floorFor(metric: string, floors: Floors): number {
  if (metric.startsWith('throughput.')) return floors.throughputPct;
  if (metric.startsWith('latencyUs.')) return floors.latencyPct;
  return 0;
}

function scalarSamples(runs: readonly RunFigures[], key: string): number[] {
  return runs.flatMap((r) => (r.state === 'completed' && r.scalars[key] !== undefined ? [r.scalars[key]] : []));
}

function publishedGate(key: string, entry: BaselineScalar, current: number[], tolerance: number): GateVerdict {
  const { metric, phase } = parseMetricKey(key);
  const base = { gate: metricLabel(metric, phase), metric, phase, rule: 'published' as const, method: 'published' as const, direction: entry.direction, unit: entry.unit, baseline: summarize(entry.samples), current: summarize(current) };
  if (current.length === 0) return gateOf({ ...base, verdict: 'invalid', reason: 'the current runs have no value for it' });
  const value = entry.mean;
  const m = summarize(current).mean!;
  const changePct = value === 0 ? 0 : ((m - value) / Math.abs(value)) * 100;
  const worsePct = entry.direction === 'higher-is-better' ? -changePct : changePct;
  const verdict: VerdictKind = worsePct > tolerance ? 'regression' : worsePct < -tolerance ? 'improvement' : 'pass';
  return gateOf({ ...base, verdict, changePct: Math.round(changePct * 100) / 100, thresholdPct: tolerance, thresholdFrom: 'tolerance', reason: `${pct(changePct)} against the published ${value} ${entry.unit}${entry.reference ? ` (${entry.reference})` : ''}; tolerance ${tolerance} %` });
}

interface GroupContext {
  readonly options: GateOptions;
  readonly floors: Floors;
  readonly floorFrom: string;
  readonly like: boolean;
  readonly differences: readonly string[];
  readonly published: boolean;
}

/** Which baseline gates to judge for one scenario/variant: the explicit `--metric`s, or the defaults the baseline supports. */
function selectGates(entry: BaselineEntry, options: GateOptions, unbounded: boolean): { scalars: string[]; latency: Array<{ phase: string; metrics: LatencyMetric[] }>; skipped: ScenarioVerdict['skipped'] } {
  const skipped: ScenarioVerdict['skipped'] = [];
  if (options.metrics && options.metrics.length > 0) {
    const scalars: string[] = [];
    const latency = new Map<string, LatencyMetric[]>();
    for (const wanted of options.metrics) {
      const { metric, phase } = parseMetricKey(wanted);
      if (isLatencyMetric(metric)) latency.set(phase ?? 'steady', [...(latency.get(phase ?? 'steady') ?? []), metric]);
      else scalars.push(METRIC_SPECS[metric as keyof typeof METRIC_SPECS]?.phased ? metricKey(metric, phase ?? 'steady') : metric);
    }
    return { scalars, latency: [...latency.entries()].map(([phase, metrics]) => ({ phase, metrics })), skipped };
  }
  const scalars = Object.keys(entry.scalars).filter((key) => {
    const s = entry.scalars[key]!;
    if (!(DEFAULT_SCALARS.has(key) || s.metric === 'recovery.timeToRecoverMs' || s.metric === 'micro.opsPerSec' || s.metric === NETWORK_RATIO_METRIC)) return false;
    if (s.metric === 'throughput.calibrated' && !unbounded) {
      skipped.push({ gate: metricLabel(s.metric, s.phase), reason: 'a fixed rate: throughput is the rate, and dividing it by the loopback calibration only adds the calibration’s noise' });
      return false;
    }
    if (s.metric.startsWith('checkpoints.') && s.mean === 0) {
      skipped.push({ gate: metricLabel(s.metric, s.phase), reason: 'the baseline figure is 0 (no such work in this scenario)' });
      return false;
    }
    return true;
  });
  if (unbounded) {
    for (const phase of Object.keys(entry.latency).filter((p) => p === 'steady' || /^fault-\d+-during$/.test(p))) {
      skipped.push({ gate: `latency in ${phase}`, reason: 'unbounded sources: latency is the queue that back-pressure builds (buffer sizes), not the network stack’s; pass --metric latencyUs.p99@' + phase + ' to judge it anyway' });
    }
  }
  const latency = Object.entries(unbounded ? {} : entry.latency)
    .filter(([phase]) => phase === 'steady' || /^fault-\d+-during$/.test(phase))
    .map(([phase, l]) => ({
      phase,
      metrics: DEFAULT_LATENCY_PERCENTILES.filter((m) => {
        const needed = minSamplesFor(LATENCY_PERCENTS[m] / 100);
        if (l.count >= needed) return true;
        skipped.push({ gate: metricLabel(m, phase), reason: `the baseline has ${l.count.toLocaleString('en-US')} samples; p${LATENCY_PERCENTS[m]} needs ≥ ${needed.toLocaleString('en-US')} (pass --metric ${m}@${phase} to judge it anyway)` });
        return false;
      }),
    }))
    .filter((l) => l.metrics.length > 0);
  return { scalars, latency, skipped };
}

function baselineGates(runs: readonly RunFigures[], entry: BaselineEntry, ctx: GroupContext): { gates: GateVerdict[]; skipped: ScenarioVerdict['skipped'] } {
  const { options } = ctx;
  const completed = runs.filter((r) => r.state === 'completed');
  const unbounded = completed.length > 0 && completed.every((r) => r.unboundedRate);
  const selection = selectGates(entry, options, unbounded);
  const skipped = [...selection.skipped];
  const gates: GateVerdict[] = [];
  // across machines the calibrated ratio is the one comparison left: judge it (or say why it cannot be) even when the baseline lacks it
  if (!ctx.like && !options.metrics?.length && !selection.scalars.includes('throughput.calibrated@steady')) {
    selection.scalars.push('throughput.calibrated@steady');
    skipped.splice(0, skipped.length, ...skipped.filter((k) => k.gate !== 'throughput.calibrated in steady'));
  }
  const ruleOptions = (metric: string) => ({ minSamples: options.minSamples, alpha: options.alpha, minChangePct: options.minChangePct, maxThresholdPct: options.maxThresholdPct, floorPct: floorFor(metric, ctx.floors) });
  for (const key of selection.scalars) {
    const { metric, phase } = parseMetricKey(key);
    const label = metricLabel(metric, phase);
    const b = entry.scalars[key];
    // a network ratio is flowlab ÷ a baseline measured in the same run on the same machine, like the calibrated throughput
    if (!ctx.like && metric !== 'throughput.calibrated' && metric !== NETWORK_RATIO_METRIC) {
      skipped.push({ gate: label, reason: `not like-for-like (${ctx.differences.join('; ')}): only calibrated throughput and same-run ratios are compared` });
      continue;
    }
    if (!isScalarMetric(metric)) {
      gates.push(gateOf({ gate: label, metric, phase, rule: 'baseline', method: 'welch', verdict: 'invalid', reason: `unknown metric ${metric}` }));
      continue;
    }
    const spec = METRIC_SPECS[metric];
    // a network ratio's direction is its case's (≥ target: higher is better; ≤: lower), recorded with the runs
    const direction = runs.find((r) => r.directions[key])?.directions[key] ?? b?.direction ?? spec.direction;
    const current = scalarSamples(runs, key);
    const shared = { gate: label, metric, phase, rule: 'baseline' as const, method: 'welch' as const, direction, unit: spec.unit, current: summarize(current), baseline: b ? summarize(b.samples) : null };
    if (!b) {
      const why = metric === 'throughput.calibrated' ? 'the baseline has no calibrated throughput (recorded with calibrate: false)' : `the baseline has no ${label}`;
      gates.push(gateOf({ ...shared, verdict: metric === 'throughput.calibrated' && !ctx.like ? 'inconclusive' : 'invalid', ...(metric === 'throughput.calibrated' && !ctx.like ? { inconclusiveBecause: 'not-like-for-like' as const } : {}), reason: why }));
      continue;
    }
    if (ctx.published || b.tolerancePct !== undefined) {
      gates.push(publishedGate(key, b, current, b.tolerancePct ?? options.minChangePct));
      continue;
    }
    const completedRuns = runs.filter((r) => r.state === 'completed').length;
    if (metric === 'recovery.timeToRecoverMs' && current.length < completedRuns && b.n >= entry.runs) {
      // every baseline run recovered; some current runs never did: that is worse than any time to recover
      gates.push(gateOf({ ...shared, verdict: 'regression', reason: `did not recover in ${completedRuns - current.length} of ${completedRuns} runs; every baseline run recovered (mean ${Math.round(b.mean)} ms)` }));
      continue;
    }
    if (current.length === 0) {
      const why = metric === 'throughput.calibrated' ? 'the current runs were not calibrated (calibrate: false)' : 'none of the current runs has a value (no checkpoint completed, or the fault did not recover)';
      gates.push(gateOf({ ...shared, verdict: metric === 'throughput.calibrated' ? 'inconclusive' : 'invalid', ...(metric === 'throughput.calibrated' ? { inconclusiveBecause: 'not-like-for-like' as const } : {}), reason: why }));
      continue;
    }
    gates.push(fromComparison(shared, compareScalar(current, b.samples, direction, spec.resolution, ruleOptions(metric))));
  }
  for (const { phase, metrics } of selection.latency) {
    if (!ctx.like) {
      for (const m of metrics) skipped.push({ gate: metricLabel(m, phase), reason: `not like-for-like (${ctx.differences.join('; ')}): latency depends on the machine` });
      continue;
    }
    const b = entry.latency[phase];
    const current = runs.flatMap((r) => (r.state === 'completed' && r.latency[phase] ? [r.latency[phase]] : []));
    if (!b) {
      for (const m of metrics) gates.push(gateOf({ gate: metricLabel(m, phase), metric: m, phase, rule: 'baseline', method: 'bootstrap', verdict: 'invalid', reason: `the baseline has no latency histogram for phase ${phase}` }));
      continue;
    }
    const floor = floorFor('latencyUs.', ctx.floors);
    const threshold = Math.max(options.latencyThresholdPct, floor);
    const comparisons = compareLatency(current, b.runs, metrics.map((m) => LATENCY_PERCENTS[m]), {
      iterations: options.bootstrapIterations,
      seed: options.seed,
      thresholdPct: threshold,
      thresholdFrom: floor > options.latencyThresholdPct ? 'A/A noise floor' : 'latency threshold',
      minRuns: options.minSamples,
    });
    const percentileOf = (m: LatencyMetric, hist: string[]): number | null => (hist.length === 0 ? null : quickPercentile(hist, LATENCY_PERCENTS[m]));
    metrics.forEach((m, k) => {
      const spec = METRIC_SPECS[m];
      gates.push(
        fromComparison(
          {
            gate: metricLabel(m, phase),
            metric: m,
            phase,
            rule: 'baseline',
            method: 'bootstrap',
            direction: spec.direction,
            unit: spec.unit,
            current: { n: current.length, mean: percentileOf(m, current), stddev: null },
            baseline: { n: b.runs.length, mean: b[m.slice('latencyUs.'.length) as 'p50' | 'p90' | 'p99' | 'p999'], stddev: null },
          },
          comparisons[k]!,
        ),
      );
    });
  }
  return { gates, skipped };
}

function quickPercentile(histograms: string[], percent: number): number | null {
  const merged = mergeHistograms(histograms);
  if (merged === undefined) return null;
  const s = guardedSummary(merged);
  return percent === 50 ? s.p50 : percent === 90 ? s.p90 : percent === 99 ? s.p99 : s.p999;
}

/**
 * The A/A control judged by the same rules, B against A, without a noise floor (the floor is made of exactly this
 * difference): if the gate flags two identical configurations tonight, its other verdicts deserve suspicion.
 */
function controlCheck(runs: readonly RunFigures[], options: GateOptions): VerdictDocument['controlCheck'] {
  const control = runs.filter((r) => r.control !== null && r.state === 'completed');
  const a = control.filter((r) => r.control === 'A');
  const b = control.filter((r) => r.control === 'B');
  if (a.length < options.minSamples || b.length < options.minSamples) return undefined;
  const ctx: GroupContext = { options, floors: { throughputPct: 0, latencyPct: 0 }, floorFrom: 'none', like: true, differences: [], published: false };
  const { gates } = baselineGates(b, baselineEntry(a), ctx);
  holmAdjust(gates, options.alpha);
  simultaneousLatency(gates, options.alpha);
  const flagged = gates.filter((g) => g.verdict === 'regression' || g.verdict === 'improvement');
  return {
    scenario: a[0]!.scenario,
    runsPerVariant: Math.min(a.length, b.length),
    verdict: worst(gates.map((g) => g.verdict)),
    flagged: flagged.map((g) => `${g.gate}: ${g.verdict} ${g.reason}`),
    gates: gates.length,
  };
}

function headlineOf(verdict: VerdictKind, scenarios: readonly ScenarioVerdict[], history: History | undefined): string {
  const all = scenarios.flatMap((s) => s.gates.map((g) => ({ s, g })));
  const hits = all.filter(({ g }) => g.verdict === verdict);
  const drift = history?.series.find((s) => s.verdict === verdict && verdict !== 'pass');
  if (hits.length === 0 && drift) return `${verdict} across ${history!.nights} nights: ${drift.scenario}/${drift.variant} ${metricLabel(drift.metric, drift.phase)} ${drift.reason}`;
  if (verdict === 'pass') return `pass: ${all.length} gates over ${scenarios.length} scenario(s), no regression`;
  const first = hits[0];
  const what = first ? `${first.s.scenario}/${first.s.variant}: ${first.g.diagnosis ?? `${first.g.gate} — ${first.g.reason}`}` : '';
  return `${verdict}: ${hits.length} of ${all.length} gates${what ? ` (${what}${hits.length > 1 ? ', …' : ''})` : ''}`;
}

/** Judges the current runs; see the module comment. */
export function evaluateGates(input: GateInput, options: GateOptions = DEFAULT_GATE_OPTIONS): VerdictDocument {
  const baseline = input.baseline?.document ?? null;
  const completed = input.runs.filter((r) => r.state === 'completed');
  const environment = completed[0]?.environment ?? input.runs[0]?.environment ?? null;
  const lfl = baseline ? likeForLike(environment, baseline.environment) : { like: true, differences: [] };
  const currentFloor = noiseFloorOf(input.runs);
  const baseFloor = baseline?.noiseFloor ?? null;
  const floors: Floors = {
    throughputPct: Math.max(currentFloor?.throughputPct ?? 0, baseFloor?.throughputPct ?? 0),
    latencyPct: Math.max(currentFloor?.latencyPct ?? 0, baseFloor?.latencyPct ?? 0),
  };
  const floorFrom = currentFloor && baseFloor ? 'the larger of the current and the baseline A/A control' : currentFloor ? 'the current A/A control' : baseFloor ? "the baseline's A/A control" : 'none';
  const notes = [...(input.notes ?? [])];
  if (!baseline) notes.push('no --baseline: only the invariants and the scenarios’ absolute gates were judged');
  if (!lfl.like) notes.push(`not like-for-like (${lfl.differences.join('; ')}): only throughput as a ratio to each run’s loopback calibration is compared with the baseline`);
  const ctx: GroupContext = { options, floors, floorFrom, like: lfl.like, differences: lfl.differences, published: baseline?.source === 'published' };
  const scenarios: ScenarioVerdict[] = [];
  const groups = groupRuns(input.runs);
  const judgedGroups = [...groups.entries()].map(([key, runs]) => {
    const entry = baseline?.scenarios[key];
    const gates = [...invariantGates(runs), ...absoluteGates(runs), ...targetGates(runs)];
    let skipped: ScenarioVerdict['skipped'] = [];
    if (baseline && !entry) {
      gates.push(gateOf({ gate: 'baseline figures', metric: 'baseline', rule: 'baseline', method: baseline.source === 'published' ? 'published' : 'welch', verdict: 'invalid', reason: `the baseline has no ${key} (it has: ${Object.keys(baseline.scenarios).join(', ') || 'nothing'})` }));
    } else if (entry) {
      const judged = baselineGates(runs, entry, ctx);
      gates.push(...judged.gates);
      skipped = judged.skipped;
    }
    return { runs, entry, gates, skipped };
  });
  const tests = holmAdjust(judgedGroups.flatMap((g) => g.gates), options.alpha);
  const intervals = simultaneousLatency(judgedGroups.flatMap((g) => g.gates), options.alpha);
  if (tests > 1) notes.push(`${tests} Welch tests: significance is Holm–Bonferroni-adjusted so that noise alone gives a false verdict among them at most ${options.alpha * 100} % of the time`);
  if (intervals > 1) notes.push(`${intervals} latency intervals: simultaneous 95 % intervals (Bonferroni over all of them)`);
  for (const { runs, entry, gates, skipped } of judgedGroups) {
    const evidence = evidenceOf(runs, entry);
    for (const g of gates) if ((g.verdict === 'regression' || g.verdict === 'improvement') && g.rule !== 'invariant') g.diagnosis = diagnosisLine(g, runs, evidence);
    const first = runs[0]!;
    scenarios.push({
      scenario: first.scenario,
      variant: first.variant,
      verdict: worst(gates.map((g) => g.verdict)),
      runs: { current: runs.length, completed: runs.filter((r) => r.state === 'completed').length, baseline: entry?.runs ?? null },
      gates,
      skipped,
      evidence,
    });
  }
  if (baseline) {
    const shapeKeys = new Set((input.shapes ?? []).map((s) => `${s.scenario}/${s.id}`));
    const missing = Object.keys(baseline.scenarios).filter((k) => !groups.has(k) && !shapeKeys.has(k));
    if (missing.length > 0) notes.push(`in the baseline but not in these results (not judged): ${missing.join(', ')}`);
  }
  scenarios.push(...shapeVerdicts(input.shapes ?? [], baseline ?? undefined, options));
  if (input.runs.length === 0) notes.push('no runs to judge');
  const check = controlCheck(input.runs, options);
  if (check && check.flagged.length > 0) notes.push(`the A/A control (${check.scenario}, B against A, no floor) was flagged by ${check.flagged.length} of ${check.gates} gates: this machine was noisy tonight; the floor of ${floors.throughputPct} % / ${floors.latencyPct} % is what keeps that out of the verdicts`);
  const historyVerdicts = input.history?.series.map((s) => s.verdict) ?? [];
  const verdict = input.runs.length === 0 && !input.history && (input.shapes ?? []).length === 0 ? 'invalid' : worst([...scenarios.map((s) => s.verdict), ...historyVerdicts]);
  const exitCode = verdict === 'invalid' ? 2 : verdict === 'regression' ? 1 : verdict === 'inconclusive' && options.failOnInconclusive ? 1 : 0;
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, scenarios.flatMap((s) => s.gates).filter((g) => g.verdict === v).length])) as Record<VerdictKind, number>;
  return {
    schemaVersion: VERDICT_SCHEMA_VERSION,
    kind: 'flowlab-gate-verdict',
    verdict,
    exitCode,
    headline: headlineOf(verdict, scenarios, input.history),
    createdAt: (input.now ?? new Date()).toISOString(),
    current: {
      sources: [...input.sources],
      runs: input.runs.length,
      commits: [...new Set(input.runs.map((r) => r.commit))],
      environment,
      calibrated: completed.some((r) => r.calibration !== null),
    },
    baseline:
      baseline && input.baseline
        ? {
            file: input.baseline.file,
            name: baseline.name,
            source: baseline.source,
            ...(baseline.reference !== undefined ? { reference: baseline.reference } : {}),
            commit: baseline.flowlab.commit,
            createdAt: baseline.createdAt,
            environment: baseline.environment,
          }
        : null,
    likeForLike: lfl,
    noiseFloor: currentFloor || baseFloor ? { throughputPct: floors.throughputPct, latencyPct: floors.latencyPct, from: floorFrom } : null,
    options: {
      minSamples: options.minSamples,
      alpha: options.alpha,
      minChangePct: options.minChangePct,
      latencyThresholdPct: options.latencyThresholdPct,
      maxThresholdPct: options.maxThresholdPct,
      bootstrapIterations: options.bootstrapIterations,
      seed: options.seed,
      failOnInconclusive: options.failOnInconclusive,
    },
    notes,
    counts,
    scenarios,
    ...(check ? { controlCheck: check } : {}),
    ...(input.history ? { history: input.history } : {}),
  };
}

