/**
 * Absolute gates of a scenario (`latencyUs.p99 < 50ms in phase steady`): parsed and checked when the file is
 * loaded, evaluated against one result. Baseline-relative gates and verdicts over repetitions belong to
 * `flowlab gate`; this is the simple case the scenario file can state on its own.
 */
import { FlowlabError, parseDurationMs } from '../core/index.js';
import { GATE_METRICS, GATE_OPS, type GateMetric, type ScenarioGate } from './scenario-schema.js';

export type GateOp = (typeof GATE_OPS)[number];

/** A gate with its threshold in the metric's own unit. */
export interface AbsoluteGate {
  readonly text: string;
  readonly metric: GateMetric;
  readonly op: GateOp;
  readonly threshold: number;
  readonly phase: string;
}

/** Outcome of one gate on one run. `invalid`: the metric has no value there (too few samples, no such phase). */
export interface GateOutcome {
  readonly gate: string;
  readonly metric: GateMetric;
  readonly phase: string;
  readonly op: GateOp;
  readonly threshold: number;
  readonly value: number | null;
  readonly verdict: 'pass' | 'fail' | 'invalid';
  readonly reason?: string;
}

export class GateSyntaxError extends FlowlabError {
  constructor(message: string) {
    super('ERR_INVALID_GATE', message);
  }
}

const GATE_TEXT = /^\s*([\w.]+)\s*(<=|>=|==|<|>)\s*([^\s]+(?:\s*[a-zµ]+)?)\s*(?:in\s+phase\s+([\w.-]+))?\s*$/i;

function thresholdIn(metric: GateMetric, raw: number | string): number {
  if (typeof raw === 'number') return raw;
  const plain = Number(raw.replace(/_/g, ''));
  if (raw.trim() !== '' && Number.isFinite(plain)) return plain;
  const unit = metric.endsWith('Us') || /Us\./.test(metric) ? 'us' : /Ms(\.|$)/.test(metric) ? 'ms' : undefined;
  const ms = parseDurationMs(raw);
  if (unit === undefined || ms === undefined) {
    throw new GateSyntaxError(`threshold ${JSON.stringify(raw)} of ${metric}: expected a number${unit ? ' or a duration such as 50ms' : ''}`);
  }
  return unit === 'us' ? ms * 1000 : ms;
}

/** Parses a gate (text or object); throws {@link GateSyntaxError} saying what is wrong. */
export function parseGate(gate: ScenarioGate): AbsoluteGate {
  if (typeof gate !== 'string') {
    return { text: `${gate.metric} ${gate.op} ${gate.value} in phase ${gate.phase}`, metric: gate.metric, op: gate.op, threshold: thresholdIn(gate.metric, gate.value), phase: gate.phase };
  }
  const m = GATE_TEXT.exec(gate);
  if (!m) throw new GateSyntaxError(`expected "<metric> <op> <value> [in phase <phase>]", e.g. "latencyUs.p99 < 50ms in phase steady"`);
  const metric = m[1]!;
  if (!(GATE_METRICS as readonly string[]).includes(metric)) throw new GateSyntaxError(`unknown metric ${JSON.stringify(metric)}: one of ${GATE_METRICS.join(', ')}`);
  const op = m[2] as GateOp;
  const phase = m[4] ?? 'steady';
  return { text: gate.trim(), metric: metric as GateMetric, op, threshold: thresholdIn(metric as GateMetric, m[3]!.replace(/\s+/g, '')), phase };
}

export function compare(value: number, op: GateOp, threshold: number): boolean {
  switch (op) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '==':
      return value === threshold;
  }
}

/** The figures a gate can read from one run: the value of a metric in a phase, or null with the reason. */
export type MetricReader = (metric: GateMetric, phase: string) => { value: number | null; reason?: string };

export function evaluateGate(gate: AbsoluteGate, read: MetricReader): GateOutcome {
  const { value, reason } = read(gate.metric, gate.phase);
  const base = { gate: gate.text, metric: gate.metric, phase: gate.phase, op: gate.op, threshold: gate.threshold, value };
  if (value === null) return { ...base, verdict: 'invalid', reason: reason ?? 'no value' };
  return { ...base, verdict: compare(value, gate.op, gate.threshold) ? 'pass' : 'fail' };
}
