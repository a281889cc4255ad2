/**
 * The figures every format shows, derived once from the runs: runs grouped by scenario and variant (in the order they
 * first appear, so output is stable), medians over repetitions per phase, and each run's checks (invariants and
 * absolute gates).
 */
import type { GateInput, ReportResult, ReportRun } from './report-input.js';

export interface VariantGroup {
  readonly scenario: string;
  readonly variant: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Sorted by repetition. */
  readonly runs: readonly ReportRun[];
  readonly completed: readonly ReportResult[];
}

export interface ScenarioGroup {
  readonly name: string;
  readonly variants: readonly VariantGroup[];
  /** Swept field paths (empty for a scenario run as it is). */
  readonly sweptKeys: readonly string[];
}

/** A/A control variants are not a sweep. */
const CONTROL_VARIANTS = new Set(['A', 'B']);

export function groupRuns(runs: readonly ReportRun[]): ScenarioGroup[] {
  const scenarios = new Map<string, Map<string, ReportRun[]>>();
  for (const run of runs) {
    const variants = scenarios.get(run.scenario) ?? new Map<string, ReportRun[]>();
    scenarios.set(run.scenario, variants);
    const list = variants.get(run.variant) ?? [];
    variants.set(run.variant, list);
    list.push(run);
  }
  return [...scenarios].map(([name, variants]) => {
    const groups = [...variants].map(([variant, list]): VariantGroup => {
      const sorted = [...list].sort((a, b) => a.repetition - b.repetition);
      return {
        scenario: name,
        variant,
        parameters: sorted[0]?.parameters ?? {},
        runs: sorted,
        completed: sorted.flatMap((r) => (r.result && r.result.state === 'completed' ? [r.result] : [])),
      };
    });
    const sweptKeys = [...new Set(groups.filter((g) => !CONTROL_VARIANTS.has(g.variant)).flatMap((g) => Object.keys(g.parameters)))];
    return { name, variants: groups, sweptKeys };
  });
}

export function median(values: readonly (number | null | undefined)[]): number | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

export interface PhaseRow {
  readonly phase: string;
  readonly recordsPerSec: number | null;
  readonly p50Us: number | null;
  readonly p99Us: number | null;
  readonly p999Us: number | null;
}

export interface RecoveryFigure {
  readonly fault: number;
  readonly entry: string;
  /** Median over the runs that recovered; null when none did. */
  readonly timeToRecoverMs: number | null;
  readonly recovered: number;
  readonly runs: number;
  /** The first reason a run did not recover. */
  readonly reason?: string;
}

/** Medians over a variant's completed repetitions. */
export interface VariantFigures {
  readonly runs: number;
  readonly completed: number;
  readonly recordsPerSec: number | null;
  readonly p50Us: number | null;
  readonly p99Us: number | null;
  readonly p999Us: number | null;
  /** steady and the fault phases, in the order the runs list them (warm-up left out). */
  readonly phases: readonly PhaseRow[];
  readonly checkpoints: { readonly completed: number; readonly failed: number; readonly p50Ms: number | null; readonly p99Ms: number | null };
  /** The worst repetition's; null when a run did not complete (nothing to compare). */
  readonly lost: number | null;
  readonly duplicated: number | null;
  readonly recoveries: readonly RecoveryFigure[];
}

/** A network-bench case over a variant's runs: the median ratio and noise, and each run's verdict. */
export interface NetworkCaseRow {
  readonly name: string;
  readonly measure: string;
  readonly ratio: number | null;
  readonly noise: number | null;
  readonly target: string;
  readonly verdicts: readonly string[];
}

/** The network bench's cases of a variant's completed runs; empty for a job scenario. */
export function networkCaseRows(group: VariantGroup): NetworkCaseRow[] {
  const rows = group.completed.flatMap((d) => d.network?.rows ?? []);
  const names = [...new Set(rows.map((r) => r.name))];
  return names.map((name) => {
    const own = rows.filter((r) => r.name === name);
    return {
      name,
      measure: own[0]!.measure,
      ratio: median(own.map((r) => r.ratio)),
      noise: median(own.map((r) => r.noise)),
      target: own[0]!.target,
      verdicts: own.map((r) => r.verdict),
    };
  });
}

/** Table cells of {@link networkCaseRows}: case, measure, ratio, ± noise, target, each run's verdict. */
export const NETWORK_CASE_HEAD = ['case', 'measure', 'ratio', '± noise', 'target', 'verdict per run'] as const;
export function networkCaseCells(r: NetworkCaseRow): string[] {
  return [r.name, r.measure, r.ratio === null ? 'n/a' : r.ratio.toFixed(2), r.noise === null ? 'n/a' : r.noise.toFixed(2), r.target, r.verdicts.join(', ')];
}

export function variantFigures(group: VariantGroup): VariantFigures {
  const docs = group.completed;
  const phaseNames: string[] = [];
  for (const d of docs) for (const p of d.phases) if (p.name !== 'warmup' && !phaseNames.includes(p.name)) phaseNames.push(p.name);
  const phases = phaseNames.map((name): PhaseRow => {
    const rows = docs.flatMap((d) => d.phases.filter((p) => p.name === name));
    return {
      phase: name,
      recordsPerSec: median(rows.map((p) => p.throughput.recordsPerSec)),
      p50Us: median(rows.map((p) => p.latencyUs?.p50)),
      p99Us: median(rows.map((p) => p.latencyUs?.p99)),
      p999Us: median(rows.map((p) => p.latencyUs?.p999)),
    };
  });
  const faultCount = Math.max(0, ...docs.map((d) => d.faults.length));
  const recoveries: RecoveryFigure[] = [];
  for (let i = 0; i < faultCount; i++) {
    const faults = docs.flatMap((d) => d.faults.filter((f) => f.index === i));
    const recovered = faults.flatMap((f) => (f.recovery?.recovered ? [f.recovery.timeToRecoverMs] : []));
    const notRecovered = faults.find((f) => f.recovery && !f.recovery.recovered);
    recoveries.push({
      fault: i,
      entry: faults[0]?.entry ?? '',
      timeToRecoverMs: median(recovered),
      recovered: recovered.length,
      runs: faults.filter((f) => f.recovery !== undefined).length,
      ...(notRecovered?.recovery && !notRecovered.recovery.recovered ? { reason: notRecovered.recovery.reason } : {}),
    });
  }
  const withCheckpoints = docs.filter((d) => d.checkpoints.completed > 0);
  const incomplete = group.runs.some((r) => r.state !== 'completed');
  const worst = (values: (number | null)[]): number | null => (incomplete || values.some((v) => v === null) || values.length === 0 ? null : Math.max(...(values as number[])));
  return {
    runs: group.runs.length,
    completed: docs.length,
    recordsPerSec: median(docs.map((d) => d.throughput.recordsPerSec)),
    p50Us: median(docs.map((d) => d.latencyUs.p50)),
    p99Us: median(docs.map((d) => d.latencyUs.p99)),
    p999Us: median(docs.map((d) => d.latencyUs.p999)),
    phases,
    checkpoints: {
      completed: docs.reduce((s, d) => s + d.checkpoints.completed, 0),
      failed: docs.reduce((s, d) => s + d.checkpoints.failed, 0),
      p50Ms: median(withCheckpoints.map((d) => d.checkpoints.durationMs.p50)),
      p99Ms: median(withCheckpoints.map((d) => d.checkpoints.durationMs.p99)),
    },
    lost: worst(docs.map((d) => d.sink.lost)),
    duplicated: worst(docs.map((d) => d.sink.duplicated)),
    recoveries,
  };
}

export type CheckVerdict = 'pass' | 'fail' | 'invalid';

/** One invariant or gate checked on one run: a JUnit testcase, a row of the checks table. */
export interface RunCheck {
  readonly name: string;
  readonly kind: 'invariant' | 'gate';
  readonly verdict: CheckVerdict;
  /** Why it failed or could not be evaluated. */
  readonly message?: string;
}

function gateMessage(g: GateInput): string {
  if (g.verdict === 'invalid') return g.reason ?? 'could not be evaluated';
  return `${g.metric} in phase ${g.phase} was ${g.value === null ? 'n/a' : formatNumber(g.value, 2)}, gate ${g.op} ${formatNumber(g.threshold, 2)}${g.reason ? ` (${g.reason})` : ''}`;
}

/** The invariants (completed, lost = 0, duplicated = 0) and the absolute gates of one run, in that order. */
export function runChecks(run: ReportRun): RunCheck[] {
  const doc = run.result;
  const checks: RunCheck[] = [];
  const completed = run.state === 'completed' && doc?.state === 'completed';
  checks.push(completed ? { name: 'completed', kind: 'invariant', verdict: 'pass' } : { name: 'completed', kind: 'invariant', verdict: 'fail', message: `run ${run.state}${run.error ?? doc?.error ? `: ${run.error ?? doc?.error ?? ''}` : ''}` });
  const lost = doc?.sink.lost ?? null;
  checks.push(
    lost === null
      ? { name: 'lost = 0', kind: 'invariant', verdict: 'invalid', message: 'not counted: the run did not complete' }
      : lost === 0
        ? { name: 'lost = 0', kind: 'invariant', verdict: 'pass' }
        : { name: 'lost = 0', kind: 'invariant', verdict: 'fail', message: `${formatNumber(lost)} records emitted by the sources never reached a sink` },
  );
  const duplicated = doc?.sink.duplicated;
  checks.push(
    duplicated === undefined
      ? { name: 'duplicated = 0', kind: 'invariant', verdict: 'invalid', message: 'no result' }
      : duplicated === 0
        ? { name: 'duplicated = 0', kind: 'invariant', verdict: 'pass' }
        : { name: 'duplicated = 0', kind: 'invariant', verdict: 'fail', message: `${formatNumber(duplicated)} records reached a sink more than once` },
  );
  for (const g of doc?.gates ?? []) checks.push({ name: g.gate, kind: 'gate', verdict: g.verdict, ...(g.verdict === 'pass' ? {} : { message: gateMessage(g) }) });
  return checks;
}

/** A stable label of a phase (`fault-0-during` → `fault 0 during`). */
export function phaseLabel(phase: string): string {
  return phase.replace(/^fault-(\d+)-/, 'fault $1 ');
}

export function formatNumber(v: number, digits = 0): string {
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** µs as ms with 2 significant decimals below 10 ms, else 1; `n/a` for null. */
export function formatUsAsMs(us: number | null | undefined): string {
  if (us === null || us === undefined) return 'n/a';
  const ms = us / 1000;
  return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return 'n/a';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${formatNumber(ms)} ms`;
}

export function formatBytes(bytes: number): string {
  const units: [string, number][] = [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ];
  for (const [unit, factor] of units) if (bytes >= factor) return `${formatNumber(bytes / factor, 1)} ${unit}`;
  return `${bytes} B`;
}

/** The representative run of a variant for detail charts: its first completed repetition, else its first run. */
export function representative(group: VariantGroup): ReportResult | undefined {
  return group.completed[0] ?? group.runs.find((r) => r.result)?.result;
}
