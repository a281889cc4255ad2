/**
 * Evaluates the published shapes of a suite (harness/shape-schema.ts) on its results: every check becomes rows of
 * predicted vs measured (one per variant, or one for the whole entry), each with a verdict. Validation of the
 * expressions and of the parameters they name runs when the suite is planned, so a typo fails before any run.
 */
import { parse, type MathNode } from 'mathjs';
import { linearRegression, median } from 'simple-statistics';
import { parseDurationMs, parseMemorySize } from '../core/index.js';
import type { ResultDocument } from './result-schema.js';
import { fieldPath, parseOverrideValue } from './scenario-loader.js';
import type { Shape, ShapeCheck, ShapeCheckOutcome, ShapeOutcome, ShapeRow, ShapeVar, SkippedShape } from './shape-schema.js';
import { formatPath } from './source-locations.js';

/** The run of a suite the evaluator reads: its entry, variant and swept parameters, and its result if it completed. */
export interface ShapeRun {
  readonly entry: number;
  readonly scenario: string;
  readonly variant: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly result: ResultDocument | undefined;
}

/** Field path as the suite plan keys parameters (`config.execution.buffer-timeout`, `workload.rate`). */
export function parameterKey(text: string): string {
  return formatPath(fieldPath(text));
}

/** A parameter value as a number: durations in ms, memory sizes in bytes, booleans 1 / 0; undefined when neither. */
export function numericValue(raw: unknown): number | undefined {
  const v = parseOverrideValue(raw);
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'string') return undefined;
  const text = v.trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  const ms = /^\d+(\.\d+)?\s*(ns|us|µs|ms|s|sec|secs|min|mins|h|d)$/i.test(text) ? parseDurationMs(text) : undefined;
  if (ms !== undefined) return ms;
  const bytes = parseMemorySize(text);
  return bytes !== undefined && Number.isFinite(bytes) ? bytes : undefined;
}

function sameValue(a: unknown, b: unknown): boolean {
  const x = numericValue(a);
  const y = numericValue(b);
  if (x !== undefined && y !== undefined) return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x));
  return String(parseOverrideValue(a)) === String(parseOverrideValue(b));
}

/** The free variables of an expression (function names excluded). */
export function expressionSymbols(expr: string): string[] {
  const node = parse(expr);
  const names = node
    .filter((n: MathNode, path: string, parent: MathNode | null) => n.type === 'SymbolNode' && !(parent?.type === 'FunctionNode' && path === 'fn'))
    .map((n) => (n as unknown as { name: string }).name);
  return [...new Set(names)];
}

const TASK_FIELDS = ['backPressuredTimeMsPerSecond', 'idleTimeMsPerSecond', 'busyTimeMsPerSecond', 'inPoolUsage', 'outPoolUsage', 'numRecordsIn', 'numRecordsOut', 'debloatedBufferSize', 'estimatedTimeToConsumeBuffersMs', 'accountedMsPerSecond'] as const;

/** Checks a metric path's form; returns a problem or undefined. */
export function metricPathProblem(path: string): string | undefined {
  const segs = path.split('.');
  if (segs[0] === 'tasks') {
    if (segs.length !== 3) return `tasks metrics are tasks.<vertex|*>.<field>, got "${path}"`;
    if (!(TASK_FIELDS as readonly string[]).includes(segs[2]!)) return `unknown task field "${segs[2]}"; one of ${TASK_FIELDS.join(', ')}`;
    return undefined;
  }
  if (segs[0] === 'phases' && segs.length < 3) return `phase metrics are phases.<name>.<figure>, e.g. phases.steady.latencyUs.p99, got "${path}"`;
  const roots = ['throughput', 'latencyUs', 'checkpoints', 'calibration', 'sink', 'harness', 'workload', 'phases', 'faults'];
  if (!roots.includes(segs[0]!)) return `unknown metric root "${segs[0]}"; one of ${roots.join(', ')}, tasks`;
  return undefined;
}

function aggregate(values: readonly number[], agg: 'min' | 'max' | 'mean' | 'sum'): number | null {
  if (values.length === 0) return null;
  if (agg === 'min') return Math.min(...values);
  if (agg === 'max') return Math.max(...values);
  const sum = values.reduce((a, b) => a + b, 0);
  return agg === 'sum' ? sum : sum / values.length;
}

/** A numeric figure of one result document; null when absent. */
export function metricOf(doc: ResultDocument, path: string, agg: 'min' | 'max' | 'mean' | 'sum' = 'max'): number | null {
  const segs = path.split('.');
  if (segs[0] === 'tasks') {
    const [, vertex, field] = segs;
    const values = doc.tasks
      .filter((t) => vertex === '*' || t.vertex === vertex)
      .map((t) => (field === 'accountedMsPerSecond' ? t.idleTimeMsPerSecond + t.busyTimeMsPerSecond + t.backPressuredTimeMsPerSecond : (t as Record<string, unknown>)[field!]))
      .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    return aggregate(values, agg);
  }
  let at: unknown = doc;
  let rest = segs;
  if (segs[0] === 'phases') {
    at = doc.phases.find((p) => p.name === segs[1]);
    rest = segs.slice(2);
  } else if (segs[0] === 'faults' && /^\d+$/.test(segs[1] ?? '')) {
    at = doc.faults[Number(segs[1])];
    rest = segs.slice(2);
  }
  for (const s of rest) {
    // a checkpoint summary of no checkpoint holds zeros, not durations: none completed is no data, never 0 ms
    if (at !== null && typeof at === 'object' && (at as { count?: unknown }).count === 0 && segs[0] === 'checkpoints') return null;
    at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[s] : undefined;
  }
  return typeof at === 'number' && Number.isFinite(at) ? at : null;
}

/** A parameter of a run that is not swept: its resolved Flink key, else its scenario field. */
function runParameter(doc: ResultDocument, key: string): unknown {
  if (key.startsWith('config.')) {
    const flinkKey = key.slice('config.'.length);
    return doc.config[flinkKey] ?? (doc.scenario?.['config'] as Record<string, unknown> | undefined)?.[flinkKey];
  }
  let at: unknown = doc.scenario;
  for (const s of fieldPath(key)) at = at !== null && typeof at === 'object' ? (at as Record<string | number, unknown>)[s] : undefined;
  return at;
}

type Context = Readonly<Record<string, unknown>>;

class EntryEvaluator {
  private readonly sweptKeys: string[];
  private readonly variants: Array<{ variant: string; parameters: Record<string, unknown> }>;

  constructor(
    private readonly shape: Shape,
    private readonly runs: readonly ShapeRun[],
  ) {
    this.sweptKeys = [...new Set(runs.flatMap((r) => Object.keys(r.parameters)))];
    const seen = new Map<string, Record<string, unknown>>();
    for (const r of runs) if (!seen.has(r.variant)) seen.set(r.variant, { ...r.parameters });
    this.variants = [...seen.entries()].map(([variant, parameters]) => ({ variant, parameters }));
  }

  private dependsOnVariant(v: ShapeVar): boolean {
    if (typeof v === 'number') return false;
    if ('param' in v) return this.sweptKeys.includes(parameterKey(v.param));
    if ('table' in v) return true;
    const fixed = new Set(Object.keys(v.where ?? {}).map(parameterKey));
    const free = this.sweptKeys.filter((k) => !fixed.has(k) && !('slope' in v && k === parameterKey(v.x)));
    return free.length > 0;
  }

  /** Runs whose parameters (swept, else resolved from the result) equal the constraints. */
  private matching(constraints: Context, except?: string): ShapeRun[] {
    const valueOf = (r: ShapeRun, k: string): unknown => (k in r.parameters ? r.parameters[k] : r.result ? runParameter(r.result, k) : undefined);
    return this.runs.filter((r) => Object.entries(constraints).every(([k, val]) => k === except || sameValue(valueOf(r, k), val)));
  }

  private completed(runs: readonly ShapeRun[]): ResultDocument[] {
    return runs.flatMap((r) => (r.result?.state === 'completed' ? [r.result] : []));
  }

  private constraints(context: Context, where: Readonly<Record<string, unknown>> | undefined): Context {
    const out: Record<string, unknown> = { ...context };
    for (const [k, val] of Object.entries(where ?? {})) out[parameterKey(k)] = val;
    return out;
  }

  private medianMetric(docs: readonly ResultDocument[], metric: string, agg: 'min' | 'max' | 'mean' | 'sum'): number | null {
    const values = docs.map((d) => metricOf(d, metric, agg)).filter((x): x is number => x !== null);
    return values.length === 0 ? null : median(values);
  }

  /** The value of a var for a context (a variant's parameters, or none), or why it has none. */
  resolve(name: string, context: Context): { value: number } | { missing: string } {
    const v = this.shape.vars[name]!;
    if (typeof v === 'number') return { value: v };
    if ('param' in v) {
      const key = parameterKey(v.param);
      const raw = key in context ? context[key] : this.completed(this.matching(context)).map((d) => runParameter(d, key)).find((x) => x !== undefined);
      const n = numericValue(raw);
      return n === undefined ? { missing: `${name}: parameter ${key} ${raw === undefined ? 'is not set in any completed run' : `is not a number (${JSON.stringify(raw)})`}` } : { value: n };
    }
    if ('table' in v) {
      const key = parameterKey(v.table);
      const entry = Object.entries(v.values).find(([k]) => sameValue(k, context[key]));
      return entry ? { value: entry[1] } : { missing: `${name}: no value for ${key}=${String(context[key])}` };
    }
    if ('metric' in v) {
      const where = this.constraints(context, v.where);
      const docs = this.completed(this.matching(where));
      const value = this.medianMetric(docs, v.metric, v.agg);
      if (value !== null) return { value };
      const at = Object.entries(where).map(([k, x]) => `${k}=${String(x)}`).join(',') || 'this entry';
      return { missing: docs.length === 0 ? `${name}: no completed run with ${at}` : `${name}: ${v.metric} is null in every run with ${at}` };
    }
    const xKey = parameterKey(v.x);
    const where = this.constraints(context, v.where);
    const points: Array<[number, number]> = [];
    const selected = new Set(this.matching(where, xKey).map((r) => r.variant));
    for (const variant of this.variants) {
      if (!selected.has(variant.variant)) continue;
      const x = numericValue(variant.parameters[xKey]);
      const y = this.medianMetric(this.completed(this.runs.filter((r) => r.variant === variant.variant)), v.slope, v.agg);
      if (x !== undefined && y !== null) points.push([x, y]);
    }
    if (new Set(points.map(([x]) => x)).size < 2) return { missing: `${name}: a slope needs completed runs at two or more values of ${xKey} (have ${points.length})` };
    return { value: linearRegression(points).m };
  }

  private evaluate(expr: string, context: Context): { value: number } | { missing: string } {
    const scope: Record<string, number> = {};
    for (const name of expressionSymbols(expr)) {
      const r = this.resolve(name, context);
      if ('missing' in r) return r;
      scope[name] = r.value;
    }
    const value: unknown = parse(expr).compile().evaluate(scope);
    return typeof value === 'number' && Number.isFinite(value) ? { value } : { missing: `${expr} is not a finite number (${String(value)})` };
  }

  check(check: ShapeCheck): ShapeCheckOutcome {
    const symbols = [...expressionSymbols(check.measured), ...(check.predicted ? expressionSymbols(check.predicted) : [])];
    const perVariant = symbols.some((s) => this.dependsOnVariant(this.shape.vars[s]!)) || check.x !== undefined;
    const contexts: Array<{ variant: string | null; parameters: Record<string, unknown> }> = perVariant ? this.variants : [{ variant: null, parameters: {} }];
    const xKey = check.x !== undefined ? parameterKey(check.x) : undefined;
    const rows: ShapeRow[] = contexts.map(({ variant, parameters }) => {
      const measured = this.evaluate(check.measured, parameters);
      const predicted = check.predicted !== undefined ? this.evaluate(check.predicted, parameters) : undefined;
      const m = 'value' in measured ? measured.value : null;
      const p = predicted && 'value' in predicted ? predicted.value : null;
      const ratio = m !== null && p !== null && p !== 0 ? m / p : null;
      const x = xKey !== undefined ? (numericValue(parameters[xKey]) ?? null) : null;
      const base = { variant, parameters, x, measured: m, predicted: p, ratio };
      if ('missing' in measured) return { ...base, verdict: 'no-data' as const, reason: measured.missing };
      const failures: string[] = [];
      if (check.tolerance !== undefined) {
        if (predicted && 'missing' in predicted) return { ...base, verdict: 'no-data' as const, reason: predicted.missing };
        if (ratio === null) return { ...base, verdict: 'no-data' as const, reason: 'the prediction is 0' };
        if (ratio < check.tolerance[0] || ratio > check.tolerance[1]) failures.push(`measured ÷ predicted = ${ratio.toFixed(3)}, outside [${check.tolerance.join(', ')}]`);
      }
      if (check.min !== undefined && m! < check.min) failures.push(`${round(m!)} < min ${check.min}`);
      if (check.max !== undefined && m! > check.max) failures.push(`${round(m!)} > max ${check.max}`);
      return failures.length > 0 ? { ...base, verdict: 'fail' as const, reason: failures.join('; ') } : { ...base, verdict: 'pass' as const };
    });
    return {
      name: check.name,
      measured: check.measured,
      predicted: check.predicted ?? null,
      tolerance: check.tolerance ?? null,
      min: check.min ?? null,
      max: check.max ?? null,
      published: check.published ?? null,
      x: xKey ?? null,
      unit: check.unit ?? null,
      judged: check.tolerance !== undefined || check.min !== undefined || check.max !== undefined,
      verdict: worst(rows.map((r) => r.verdict)),
      rows,
    };
  }
}

function round(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

function worst(verdicts: ReadonlyArray<'pass' | 'fail' | 'no-data'>): 'pass' | 'fail' | 'no-data' {
  if (verdicts.includes('fail')) return 'fail';
  if (verdicts.length === 0 || verdicts.includes('no-data')) return 'no-data';
  return 'pass';
}

/** Every shape of a suite, evaluated on its runs; skipped shapes listed with their reasons, in shape order. */
export function evaluateShapes(entries: ReadonlyArray<{ readonly scenario: string; readonly shape?: Shape | undefined }>, skipped: readonly SkippedShape[], runs: readonly ShapeRun[]): ShapeOutcome[] {
  const out: ShapeOutcome[] = [];
  entries.forEach((entry, i) => {
    if (!entry.shape) return;
    const mine = runs.filter((r) => r.entry === i);
    const base = { id: entry.shape.id, title: entry.shape.title, source: entry.shape.source, scenario: entry.scenario };
    if (mine.length === 0) {
      out.push({ ...base, verdict: 'skipped', reason: 'no run of this entry was planned (--filter)', checks: [] });
      return;
    }
    const evaluator = new EntryEvaluator(entry.shape, mine);
    const checks = entry.shape.checks.map((c) => evaluator.check(c));
    const verdict = worst(checks.filter((c) => c.judged).map((c) => c.verdict));
    const missing = checks.flatMap((c) => c.rows.filter((r) => r.verdict === 'no-data').map((r) => r.reason ?? 'no data'));
    out.push({
      ...base,
      verdict,
      ...(verdict === 'no-data' ? { reason: missing[0] ?? 'no data' } : {}),
      checks,
    });
  });
  for (const s of skipped) out.push({ id: s.id, title: s.title, source: 'spec §8', scenario: null, verdict: 'skipped', reason: s.reason, checks: [] });
  return out.sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
}

/**
 * Plan-time checks of a shape against the entry's swept fields: expressions parse and name only declared vars;
 * `where`, `x`, `table` and slope keys are swept fields of this entry; metric paths have a known form. Returns
 * problems as [path under the shape, message].
 */
export function shapeProblems(shape: Shape, sweptKeys: readonly string[]): Array<[Array<string | number>, string]> {
  const problems: Array<[Array<string | number>, string]> = [];
  const swept = new Set(sweptKeys);
  const sweptList = sweptKeys.length > 0 ? sweptKeys.join(', ') : 'none';
  const needSwept = (path: Array<string | number>, text: string): void => {
    let key: string;
    try {
      key = parameterKey(text);
    } catch (error) {
      problems.push([path, `not a field path: ${error instanceof Error ? error.message : String(error)}`]);
      return;
    }
    if (!swept.has(key)) problems.push([path, `${key} is not swept by this entry (swept: ${sweptList})`]);
  };
  for (const [name, v] of Object.entries(shape.vars)) {
    if (typeof v === 'number') continue;
    if ('table' in v) needSwept(['vars', name, 'table'], v.table);
    if ('slope' in v) needSwept(['vars', name, 'x'], v.x);
    if ('where' in v) for (const k of Object.keys(v.where ?? {})) needSwept(['vars', name, 'where', k], k);
    const metric = 'metric' in v ? v.metric : 'slope' in v ? v.slope : undefined;
    const problem = metric !== undefined ? metricPathProblem(metric) : undefined;
    if (problem) problems.push([['vars', name, 'metric' in v ? 'metric' : 'slope'], problem]);
  }
  if (!shape.checks.some((c) => c.tolerance !== undefined || c.min !== undefined || c.max !== undefined)) problems.push([['checks'], 'a shape needs at least one check with a criterion (tolerance, min or max); the others are shown, not judged']);
  shape.checks.forEach((c, i) => {
    for (const field of ['measured', 'predicted'] as const) {
      const expr = c[field];
      if (expr === undefined) continue;
      try {
        for (const s of expressionSymbols(expr)) if (!(s in shape.vars)) problems.push([['checks', i, field], `"${s}" is not one of the vars (${Object.keys(shape.vars).join(', ') || 'none declared'})`]);
      } catch (error) {
        problems.push([['checks', i, field], `not an expression: ${error instanceof Error ? error.message : String(error)}`]);
      }
    }
    if (c.x !== undefined) needSwept(['checks', i, 'x'], c.x);
  });
  return problems;
}
