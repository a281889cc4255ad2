/**
 * The comparative tuning report of a sweep: the variants ranked for a goal, the Pareto frontier over throughput, p99
 * latency, checkpoint duration and network memory, and the Flink configuration block of the recommended variant.
 */
import { FlowlabError, parseDurationMs, parseMemorySize } from '../core/index.js';
import { median, type ScenarioGroup, type VariantGroup } from './figures.js';
import type { OptimizeGoal, ReportResult, TuningGoal } from './report-input.js';

export const OPTIMIZE_GOALS: readonly OptimizeGoal[] = ['throughput', 'latency', 'checkpoint'];
export const DEFAULT_TUNING_GOAL: TuningGoal = { optimize: 'latency', constraints: [] };
/** Throughputs within this fraction of each other count as equal (run-to-run noise on a shared machine). */
export const THROUGHPUT_TIE = 0.02;

/** A constraint that does not parse: `p99 < 50ms`, `throughput >= 20000`, `checkpoint < 2s`, `memory <= 64kb`. */
export class TuningConstraintError extends FlowlabError {
  constructor(
    readonly constraint: string,
    reason: string,
  ) {
    super('ERR_TUNING_CONSTRAINT', `constraint "${constraint}": ${reason} (e.g. "p99 < 50ms", "throughput >= 20000", "checkpoint < 2s", "memory <= 64kb")`);
  }
}

type ConstraintMetric = 'throughput' | 'p50' | 'p99' | 'p999' | 'checkpoint' | 'memory';
const CONSTRAINT_METRICS: readonly ConstraintMetric[] = ['throughput', 'p50', 'p99', 'p999', 'checkpoint', 'memory'];
type Op = '<' | '<=' | '>' | '>=';

export interface Constraint {
  readonly text: string;
  readonly metric: ConstraintMetric;
  readonly op: Op;
  /** In the row's unit: records/s, µs (latency), ms (checkpoint), bytes (memory). */
  readonly threshold: number;
}

export function parseConstraint(text: string): Constraint {
  const m = /^\s*([a-z0-9.]+)\s*(<=|>=|<|>)\s*(.+?)\s*$/i.exec(text);
  if (!m) throw new TuningConstraintError(text, 'expected <metric> <op> <value>');
  const metric = m[1]!.toLowerCase().replace('p99.9', 'p999') as ConstraintMetric;
  if (!CONSTRAINT_METRICS.includes(metric)) throw new TuningConstraintError(text, `unknown metric "${m[1]!}"; one of ${CONSTRAINT_METRICS.join(', ')}`);
  const raw = m[3]!;
  let threshold: number | undefined;
  if (metric === 'throughput') threshold = Number(raw.replace(/[_,]/g, '').replace(/\s*(records\/s|\/s)$/, ''));
  else if (metric === 'memory') threshold = parseMemorySize(raw);
  else {
    const ms = parseDurationMs(raw);
    threshold = ms === undefined ? undefined : metric === 'checkpoint' ? ms : ms * 1000;
  }
  if (threshold === undefined || !Number.isFinite(threshold)) throw new TuningConstraintError(text, `"${raw}" is not a ${metric === 'throughput' ? 'number of records/s' : metric === 'memory' ? 'memory size' : 'duration with a unit'}`);
  return { text: text.trim(), metric, op: m[2] as Op, threshold };
}

export interface TuningRow {
  readonly variant: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly runs: number;
  /** Medians over the completed repetitions. */
  readonly recordsPerSec: number | null;
  readonly p50Us: number | null;
  readonly p99Us: number | null;
  readonly p999Us: number | null;
  readonly checkpointP99Ms: number | null;
  /** (buffers-per-channel + floating-buffers-per-gate) × segment-size: a channel's buffers plus its gate's floating ones. */
  readonly networkMemoryBytes: number | null;
  readonly pareto: boolean;
  /** Constraints this variant fails. */
  readonly violates: readonly string[];
  /** Flink keys of the swept fields → resolved values (Flink notation). */
  readonly flinkConfig: Readonly<Record<string, string>>;
  /** 1-based rank for the goal; feasible variants first. */
  rank: number;
}

export interface TuningReport {
  readonly scenario: string;
  readonly goal: TuningGoal;
  readonly sweptKeys: readonly string[];
  /** Ranked. */
  readonly rows: readonly TuningRow[];
  readonly recommended: TuningRow | null;
  /** Why nothing is recommended. */
  readonly reason?: string;
  /** The Flink configuration (YAML) of the recommended variant. */
  readonly yaml: string | null;
}

const BUFFERS_PER_CHANNEL = 'taskmanager.network.memory.buffers-per-channel';
const FLOATING_PER_GATE = 'taskmanager.network.memory.floating-buffers-per-gate';
const SEGMENT_SIZE = 'taskmanager.memory.segment-size';

function networkMemory(doc: ReportResult | undefined): number | null {
  if (!doc) return null;
  const buffers = Number(doc.config[BUFFERS_PER_CHANNEL]);
  const floating = Number(doc.config[FLOATING_PER_GATE] ?? 0);
  const segment = parseMemorySize(doc.config[SEGMENT_SIZE] ?? '');
  if (!Number.isFinite(buffers) || !Number.isFinite(floating) || segment === undefined) return null;
  return (buffers + floating) * segment;
}

/** A swept field path that is a Flink key (`config.<key>` or a bare key the result's config knows). */
export function flinkKeyOf(path: string, config: Readonly<Record<string, string>>): string | null {
  const key = path.startsWith('config.') ? path.slice('config.'.length) : path;
  return key in config ? key : null;
}

/**
 * Throughput as ranked: at a fixed rate, capped at the intended rate (rate × parallelism), since records/s above it
 * are a backlog catching up, not headroom.
 */
export function rankedThroughput(doc: ReportResult): number {
  const rate = doc.workload.ratePerSec;
  return rate === 'unbounded' ? doc.throughput.recordsPerSec : Math.min(doc.throughput.recordsPerSec, rate * doc.topology.parallelism);
}

function rowOf(group: VariantGroup, constraints: readonly Constraint[]): Omit<TuningRow, 'pareto' | 'rank'> {
  const docs = group.completed;
  const first = docs[0] ?? group.runs.find((r) => r.result)?.result;
  const withCheckpoints = docs.filter((d) => d.checkpoints.completed > 0);
  const flinkConfig: Record<string, string> = {};
  for (const path of Object.keys(group.parameters)) {
    const key = first ? flinkKeyOf(path, first.config) : null;
    if (key && first) flinkConfig[key] = first.config[key]!;
  }
  const row = {
    variant: group.variant,
    parameters: group.parameters,
    runs: docs.length,
    recordsPerSec: median(docs.map(rankedThroughput)),
    p50Us: median(docs.map((d) => d.latencyUs.p50)),
    p99Us: median(docs.map((d) => d.latencyUs.p99)),
    p999Us: median(docs.map((d) => d.latencyUs.p999)),
    checkpointP99Ms: median(withCheckpoints.map((d) => d.checkpoints.durationMs.p99)),
    networkMemoryBytes: networkMemory(first),
    flinkConfig,
  };
  const value = (c: Constraint): number | null =>
    ({ throughput: row.recordsPerSec, p50: row.p50Us, p99: row.p99Us, p999: row.p999Us, checkpoint: row.checkpointP99Ms, memory: row.networkMemoryBytes })[c.metric];
  const violates = constraints.filter((c) => {
    const v = value(c);
    if (v === null) return true;
    return c.op === '<' ? !(v < c.threshold) : c.op === '<=' ? !(v <= c.threshold) : c.op === '>' ? !(v > c.threshold) : !(v >= c.threshold);
  });
  return { ...row, violates: docs.length === 0 ? ['no completed run'] : violates.map((c) => c.text) };
}

type Objective = (r: Omit<TuningRow, 'pareto' | 'rank'>) => number;
const worst = (v: number | null, sign: 1 | -1): number => (v === null ? sign * Infinity : v);
/** Each objective as "smaller is better". */
const OBJECTIVES: Record<'throughput' | 'p99' | 'checkpoint' | 'memory', Objective> = {
  throughput: (r) => -worst(r.recordsPerSec, -1),
  p99: (r) => worst(r.p99Us, 1),
  checkpoint: (r) => worst(r.checkpointP99Ms, 1),
  memory: (r) => worst(r.networkMemoryBytes, 1),
};

function compareObjective(name: keyof typeof OBJECTIVES, a: Omit<TuningRow, 'pareto' | 'rank'>, b: Omit<TuningRow, 'pareto' | 'rank'>): number {
  const x = OBJECTIVES[name](a);
  const y = OBJECTIVES[name](b);
  if (name === 'throughput' && Number.isFinite(x) && Number.isFinite(y) && Math.abs(x - y) <= THROUGHPUT_TIE * Math.max(Math.abs(x), Math.abs(y))) return 0;
  return x === y ? 0 : x < y ? -1 : 1;
}

export function buildTuningReport(scenario: ScenarioGroup, goal: TuningGoal = DEFAULT_TUNING_GOAL): TuningReport {
  const constraints = goal.constraints.map(parseConstraint);
  const base = scenario.variants.filter((v) => v.variant !== 'A' && v.variant !== 'B').map((v) => rowOf(v, constraints));
  const hasCheckpoints = base.some((r) => r.checkpointP99Ms !== null);
  const objectives: (keyof typeof OBJECTIVES)[] = ['throughput', 'p99', ...(hasCheckpoints ? (['checkpoint'] as const) : []), 'memory'];
  const dominated = (r: (typeof base)[number]): boolean =>
    base.some((o) => o !== r && objectives.every((k) => compareObjective(k, o, r) <= 0) && objectives.some((k) => compareObjective(k, o, r) < 0));
  const order: (keyof typeof OBJECTIVES)[] =
    goal.optimize === 'throughput' ? ['throughput', 'p99', 'memory'] : goal.optimize === 'latency' ? ['p99', 'throughput', 'memory'] : ['checkpoint', 'p99', 'throughput', 'memory'];
  const rows: TuningRow[] = base.map((r) => ({ ...r, pareto: r.runs > 0 && !dominated(r), rank: 0 }));
  rows.sort((a, b) => {
    const feasible = Number(a.violates.length > 0) - Number(b.violates.length > 0);
    if (feasible !== 0) return feasible;
    for (const k of order) {
      const c = compareObjective(k, a, b);
      if (c !== 0) return c;
    }
    return a.variant < b.variant ? -1 : a.variant > b.variant ? 1 : 0;
  });
  rows.forEach((r, i) => (r.rank = i + 1));
  const recommended = rows.find((r) => r.violates.length === 0) ?? null;
  let reason: string | undefined;
  if (goal.optimize === 'checkpoint' && !hasCheckpoints) reason = 'no variant completed a checkpoint (turn on execution.checkpointing.interval)';
  else if (!recommended) reason = rows.length === 0 ? 'no variants' : `no variant meets ${goal.constraints.join(' and ')}`;
  const chosen = reason === undefined ? recommended : null;
  return {
    scenario: scenario.name,
    goal,
    sweptKeys: scenario.sweptKeys,
    rows,
    recommended: chosen,
    ...(reason !== undefined ? { reason } : {}),
    yaml: chosen ? configYaml(scenario.name, goal, chosen) : null,
  };
}

/** The Flink configuration block (config.yaml keys) of a variant, with the swept fields that are not Flink keys as comments. */
export function configYaml(scenario: string, goal: TuningGoal, row: TuningRow): string {
  const lines = [`# flowlab: ${scenario}, variant ${row.variant}; goal: ${goal.optimize}${goal.constraints.length > 0 ? ` with ${goal.constraints.join(', ')}` : ''}`];
  for (const [key, value] of Object.entries(row.flinkConfig)) lines.push(`${key}: ${value}`);
  for (const [path, value] of Object.entries(row.parameters)) if (!(path.replace(/^config\./, '') in row.flinkConfig)) lines.push(`# ${path}: ${String(value)} (not a Flink key)`);
  return lines.join('\n');
}

/** The field a rate sweep varies; its scenarios get the latency–throughput curve and knee instead of a ranking. */
export const RATE_FIELD = 'workload.rate';

/** The scenarios a tuning report applies to: swept over more than one variant, and not over the rate. */
export function sweptScenarios(groups: readonly ScenarioGroup[]): ScenarioGroup[] {
  return groups.filter((g) => g.sweptKeys.length > 0 && !g.sweptKeys.includes(RATE_FIELD) && g.variants.filter((v) => v.variant !== 'A' && v.variant !== 'B').length > 1);
}
