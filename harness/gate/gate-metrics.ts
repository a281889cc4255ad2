/**
 * What a gate can compare, read out of one result document: scalar figures per run (throughput raw and as a ratio
 * to the run's loopback calibration, checkpoint percentiles, time to recover, harness CPU), the per-phase latency
 * HDR histograms (compared as distributions), the invariants, and the evidence a diagnosis quotes (per-vertex
 * back-pressured / busy / idle time and pool usage, checkpoint parts, the faults' measured effect).
 */
import type { ResultDocument } from '../result-schema.js';
import { metricReader } from '../job-run.js';
import type { GateMetric } from '../scenario-schema.js';

export type Direction = 'higher-is-better' | 'lower-is-better';

/** Scalar metrics judged over repetitions (Flink's rule plus Welch's t-test). */
export const SCALAR_METRICS = [
  'throughput.recordsPerSec',
  'throughput.calibrated',
  'checkpoints.durationMs.p50',
  'checkpoints.durationMs.p99',
  'checkpoints.alignmentMs.p99',
  'checkpoints.persistedBytes.p99',
  'recovery.timeToRecoverMs',
  'harness.cpuMsPerSecond',
  'micro.opsPerSec',
  'network.ratio',
] as const;
export type ScalarMetric = (typeof SCALAR_METRICS)[number];

/** Latency percentiles judged as distributions (bootstrap over the runs' HDR histograms). */
export const LATENCY_METRICS = ['latencyUs.p50', 'latencyUs.p90', 'latencyUs.p99', 'latencyUs.p999'] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

export const LATENCY_PERCENTS: Readonly<Record<LatencyMetric, number>> = Object.freeze({ 'latencyUs.p50': 50, 'latencyUs.p90': 90, 'latencyUs.p99': 99, 'latencyUs.p999': 99.9 });

export interface MetricSpec {
  readonly direction: Direction;
  readonly unit: string;
  /** Whether the metric belongs to a phase (`in phase steady`) or to the whole run. */
  readonly phased: boolean;
  /** Smallest absolute difference that means anything (the measurement's resolution), in `unit`. */
  readonly resolution: number;
}

export const METRIC_SPECS: Readonly<Record<ScalarMetric | LatencyMetric, MetricSpec>> = Object.freeze({
  'throughput.recordsPerSec': { direction: 'higher-is-better', unit: 'records/s', phased: true, resolution: 0 },
  'throughput.calibrated': { direction: 'higher-is-better', unit: '× loopback', phased: true, resolution: 0 },
  'checkpoints.durationMs.p50': { direction: 'lower-is-better', unit: 'ms', phased: false, resolution: 10 },
  'checkpoints.durationMs.p99': { direction: 'lower-is-better', unit: 'ms', phased: false, resolution: 10 },
  'checkpoints.alignmentMs.p99': { direction: 'lower-is-better', unit: 'ms', phased: false, resolution: 10 },
  'checkpoints.persistedBytes.p99': { direction: 'lower-is-better', unit: 'bytes', phased: false, resolution: 0 },
  // sinks report once a second, so a time to recover moves in steps of 1 s
  'recovery.timeToRecoverMs': { direction: 'lower-is-better', unit: 'ms', phased: true, resolution: 1000 },
  'harness.cpuMsPerSecond': { direction: 'lower-is-better', unit: 'ms/s', phased: false, resolution: 5 },
  // `flowlab bench micro`: the "phase" is the case name (micro.opsPerSec@serializer-100b)
  'micro.opsPerSec': { direction: 'higher-is-better', unit: 'ops/s', phased: true, resolution: 0 },
  // `flowlab bench network`: the "phase" is the case (network.ratio@a); a case's direction comes from its target's op
  'network.ratio': { direction: 'higher-is-better', unit: '× baseline', phased: true, resolution: 0 },
  'latencyUs.p50': { direction: 'lower-is-better', unit: 'µs', phased: true, resolution: 0 },
  'latencyUs.p90': { direction: 'lower-is-better', unit: 'µs', phased: true, resolution: 0 },
  'latencyUs.p99': { direction: 'lower-is-better', unit: 'µs', phased: true, resolution: 0 },
  'latencyUs.p999': { direction: 'lower-is-better', unit: 'µs', phased: true, resolution: 0 },
});

export function isLatencyMetric(metric: string): metric is LatencyMetric {
  return (LATENCY_METRICS as readonly string[]).includes(metric);
}

export function isScalarMetric(metric: string): metric is ScalarMetric {
  return (SCALAR_METRICS as readonly string[]).includes(metric);
}

/** `throughput.recordsPerSec@steady`; whole-run metrics have no phase (`harness.cpuMsPerSecond`). */
export function metricKey(metric: string, phase: string | null): string {
  return phase === null ? metric : `${metric}@${phase}`;
}

/** `throughput.recordsPerSec in steady` for people. */
export function metricLabel(metric: string, phase: string | null): string {
  return phase === null ? metric : `${metric} in ${phase}`;
}

export function parseMetricKey(key: string): { metric: string; phase: string | null } {
  const at = key.indexOf('@');
  return at < 0 ? { metric: key, phase: null } : { metric: key.slice(0, at), phase: key.slice(at + 1) };
}

/** Per-vertex task figures, averaged over the vertex's subtasks. */
export interface VertexFigures {
  readonly backPressuredTimeMsPerSecond: number;
  readonly busyTimeMsPerSecond: number;
  readonly idleTimeMsPerSecond: number;
  readonly inPoolUsage: number;
  readonly outPoolUsage: number;
}

export interface FaultFigures {
  readonly index: number;
  readonly entry: string;
  /** The toxic type, or the fault kind (partition, kill-taskmanager, …). */
  readonly kind: string;
  readonly link: string;
  readonly tookEffect: boolean | null;
  readonly recordsPerSecBefore: number | null;
  readonly recordsPerSecDuring: number | null;
}

/** A figure with a target of its own, judged allowing the run's own noise (`flowlab bench network`'s ratios). */
export interface RatioTarget {
  /** The scalar key, e.g. `network.ratio@d`. */
  readonly key: string;
  readonly metric: string;
  readonly phase: string;
  /** null: the run measured nothing (a miss). */
  readonly ratio: number | null;
  readonly noise: number;
  readonly op: '>=' | '<=';
  readonly value: number;
  /** The target as shown, e.g. `≥ 0.85`. */
  readonly shown: string;
}

/** `>=` targets are higher-is-better, `<=` lower-is-better. */
export function directionOfOp(op: '>=' | '<='): Direction {
  return op === '>=' ? 'higher-is-better' : 'lower-is-better';
}

/** Everything a gate reads from one run. */
export interface RunFigures {
  readonly scenario: string;
  /** `base` (control runs A and B are pooled as `base`: the same configuration), or the swept fields. */
  readonly variant: string;
  /** `A` or `B` for runs of the suite's A/A control. */
  readonly control: 'A' | 'B' | null;
  readonly repetition: number;
  readonly source: string;
  readonly state: ResultDocument['state'] | 'skipped';
  readonly error?: string;
  readonly commit: string | null;
  readonly version: string;
  readonly startedAt: string;
  /** Sources ran flat out (`rate: unbounded`): latency then measures back-pressure's queue. */
  readonly unboundedRate: boolean;
  readonly environment: ResultDocument['environment'];
  readonly calibration: ResultDocument['calibration'] | null;
  /** Scalar metric key → value (absent: no value in this run). */
  readonly scalars: Readonly<Record<string, number>>;
  /** Scalar keys whose direction is the run's own (a target's op), not the metric's. */
  readonly directions: Readonly<Record<string, Direction>>;
  /** Figures with targets of their own (network bench cases). */
  readonly targets: readonly RatioTarget[];
  /** Phase → HDR V2 compressed base64 of its latency (µs). */
  readonly latency: Readonly<Record<string, string>>;
  readonly lost: number | null;
  readonly duplicated: number;
  readonly absoluteGates: NonNullable<ResultDocument['gates']>;
  readonly vertices: Readonly<Record<string, VertexFigures>>;
  readonly faults: readonly FaultFigures[];
}

function vertexFigures(doc: ResultDocument): Record<string, VertexFigures> {
  const byVertex = new Map<string, ResultDocument['tasks']>();
  for (const t of doc.tasks) byVertex.set(t.vertex, [...(byVertex.get(t.vertex) ?? []), t]);
  const mean = (tasks: ResultDocument['tasks'], f: (t: ResultDocument['tasks'][number]) => number): number => tasks.reduce((s, t) => s + f(t), 0) / tasks.length;
  return Object.fromEntries(
    [...byVertex.entries()].map(([vertex, tasks]) => [
      vertex,
      {
        backPressuredTimeMsPerSecond: mean(tasks, (t) => t.backPressuredTimeMsPerSecond),
        busyTimeMsPerSecond: mean(tasks, (t) => t.busyTimeMsPerSecond),
        idleTimeMsPerSecond: mean(tasks, (t) => t.idleTimeMsPerSecond),
        inPoolUsage: mean(tasks, (t) => t.inPoolUsage),
        outPoolUsage: mean(tasks, (t) => t.outPoolUsage),
      },
    ]),
  );
}

/** Scalar figures of a completed run, keyed by {@link metricKey}. */
function scalarFigures(doc: ResultDocument): Record<string, number> {
  const read = metricReader(doc);
  const out: Record<string, number> = {};
  for (const phase of doc.phases) {
    if (phase.name === 'warmup') continue;
    out[metricKey('throughput.recordsPerSec', phase.name)] = phase.throughput.recordsPerSec;
    if (doc.calibration.loopbackBytesPerSec > 0 && phase.name === 'steady') {
      out[metricKey('throughput.calibrated', phase.name)] = doc.throughput.bytesPerSec / doc.calibration.loopbackBytesPerSec;
    }
  }
  for (const fault of doc.faults) {
    if (fault.recovery?.recovered) out[metricKey('recovery.timeToRecoverMs', `fault-${fault.index}-after`)] = fault.recovery.timeToRecoverMs;
  }
  const whole: GateMetric[] = ['checkpoints.durationMs.p50', 'checkpoints.durationMs.p99', 'checkpoints.alignmentMs.p99', 'checkpoints.persistedBytes.p99', 'harness.cpuMsPerSecond'];
  for (const metric of whole) {
    const { value } = read(metric, 'steady');
    if (value !== null) out[metric] = value;
  }
  for (const c of doc.micro?.cases ?? []) if (c.state === 'completed') out[metricKey('micro.opsPerSec', c.name)] = c.opsPerSec;
  for (const t of ratioTargets(doc)) if (t.ratio !== null) out[t.key] = t.ratio;
  return out;
}

/** The network bench's rows as figures with their own targets. */
function ratioTargets(doc: ResultDocument): RatioTarget[] {
  return (doc.network?.rows ?? []).map((r) => ({
    key: metricKey('network.ratio', r.name),
    metric: 'network.ratio',
    phase: r.name,
    ratio: r.ratio,
    noise: r.noise,
    op: r.targetOp,
    value: r.targetValue,
    shown: r.target,
  }));
}

/** The swept fields as the suite names a variant (`rate=1000,buffer-timeout=0ms`); control runs are `base`. */
export function variantOf(doc: ResultDocument): { variant: string; control: 'A' | 'B' | null } {
  const params = doc.variant ?? {};
  const control = params['control'];
  if (control === 'A' || control === 'B') return { variant: 'base', control };
  const entries = Object.entries(params);
  if (entries.length === 0) return { variant: 'base', control: null };
  return { variant: entries.map(([k, v]) => `${k.split('.').at(-1) ?? k}=${String(v)}`).join(','), control: null };
}

/** Reads the figures of one run; `source` says where it came from (shown in verdicts). */
export function runFigures(doc: ResultDocument, source: string, placed?: { scenario: string; variant: string; repetition: number }): RunFigures {
  const own = variantOf(doc);
  const scenarioName = typeof doc.scenario?.['name'] === 'string' ? doc.scenario['name'] : 'run';
  const completed = doc.state === 'completed';
  return {
    scenario: placed?.scenario ?? scenarioName,
    variant: placed ? (own.control !== null ? 'base' : placed.variant) : own.variant,
    control: own.control,
    repetition: placed?.repetition ?? doc.repetition ?? 1,
    source,
    state: doc.state,
    ...(doc.error !== undefined ? { error: doc.error } : {}),
    commit: doc.flowlab.commit,
    version: doc.flowlab.version,
    startedAt: doc.startedAt,
    unboundedRate: doc.workload.ratePerSec === 'unbounded',
    environment: doc.environment,
    calibration: doc.calibration.loopbackBytesPerSec > 0 ? doc.calibration : null,
    scalars: completed ? scalarFigures(doc) : {},
    directions: Object.fromEntries(ratioTargets(doc).map((t) => [t.key, directionOfOp(t.op)])),
    targets: completed ? ratioTargets(doc) : [],
    latency: completed ? Object.fromEntries(doc.phases.flatMap((p) => (p.latencyUs?.histogram ? [[p.name, p.latencyUs.histogram]] : []))) : {},
    lost: doc.sink.lost,
    duplicated: doc.sink.duplicated,
    absoluteGates: doc.gates ?? [],
    vertices: vertexFigures(doc),
    faults: doc.faults.map((f) => ({
      index: f.index,
      entry: f.entry,
      kind: f.toxic ?? f.kind,
      link: f.link,
      tookEffect: f.measured.tookEffect,
      recordsPerSecBefore: f.measured.job?.recordsPerSecBefore ?? null,
      recordsPerSecDuring: f.measured.job?.recordsPerSecDuring ?? null,
    })),
  };
}

/** `scenario/variant`: the key runs are grouped by and baselines are stored under. */
export function groupKey(r: { scenario: string; variant: string }): string {
  return `${r.scenario}/${r.variant}`;
}
