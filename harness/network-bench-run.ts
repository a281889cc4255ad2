/**
 * `flowlab bench network` as a result document (schema v2, its `network` section), so `flowlab gate` judges each
 * case's side-by-side ratio like any scenario figure: `network.ratio@<case>` against a baseline (direction from the
 * case's target: ≥ is higher-is-better, ≤ lower-is-better), and against the case's own target allowing the run's own
 * noise, which needs no baseline at all. A suite scenario with `network:` runs this instead of a job.
 */
import { toError } from '../core/index.js';
import { runNetworkBench, type BenchOptions, type BenchRow, type NetworkBenchResult } from '../runtime/index.js';
import { benchDocument } from './bench-document.js';
import type { NetworkBenchRowResult, ResultDocument } from './result-schema.js';

/** The gate metric of a case: `network.ratio@a`. */
export const NETWORK_RATIO_METRIC = 'network.ratio';

export interface NetworkScenarioOptions extends BenchOptions {
  readonly scenario?: string;
  readonly repetition?: number;
  readonly command?: string;
  readonly log?: (line: string) => void;
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** A bench row in the one row shape (`networkBenchRowSchema`): NaN becomes null, the target's op and value explicit. */
export function networkRow(r: BenchRow): NetworkBenchRowResult {
  const cpu = (c: { senderUs: number; receiverUs: number }) => ({ senderUs: finite(c.senderUs), receiverUs: finite(c.receiverUs) });
  return {
    name: r.name,
    measure: r.measure,
    flowlab: finite(r.flowlab),
    baseline: finite(r.baseline),
    ratio: finite(r.ratio),
    noise: Number.isFinite(r.noise) ? r.noise : 0,
    target: r.target,
    targetOp: r.targetOp,
    targetValue: r.targetValue,
    met: r.met,
    verdict: r.verdict,
    samples: { baseline: r.samples.baseline.map(finite), flowlab: r.samples.flowlab.map(finite) },
    ...(r.cpu ? { cpu: { flowlab: cpu(r.cpu.flowlab), baseline: cpu(r.cpu.baseline) } } : {}),
  };
}

/** What `flowlab bench network --out` writes: the bench's result with its rows in the result section's shape. */
export function networkBenchFile(result: NetworkBenchResult): Omit<NetworkBenchResult, 'rows'> & { rows: NetworkBenchRowResult[] } {
  return { ...result, rows: result.rows.map(networkRow) };
}

/** Each row's verdict against its own target, as the run's absolute gate outcomes (within noise passes, saying so). */
export function networkTargetOutcomes(rows: readonly NetworkBenchRowResult[]): NonNullable<ResultDocument['gates']> {
  return rows.map((r) => {
    const shown = r.ratio === null ? 'no ratio' : `${r.ratio.toFixed(2)} ± ${r.noise.toFixed(2)}`;
    const reason = r.verdict === 'met' ? `${shown} meets it` : r.verdict === 'within-noise' ? `${shown} misses it by less than its noise (this run cannot tell)` : `${shown} misses it by more than its noise`;
    return {
      gate: `${NETWORK_RATIO_METRIC} in ${r.name} ${r.target} (its target)`,
      metric: NETWORK_RATIO_METRIC,
      phase: r.name,
      op: r.targetOp,
      threshold: r.targetValue,
      value: r.ratio,
      verdict: r.verdict === 'missed' ? 'fail' : 'pass',
      reason,
    };
  });
}

/** Runs the bench's cases and returns one result document; a bench that throws gives an `errored` document. */
export async function runNetworkScenario(o: NetworkScenarioOptions): Promise<ResultDocument> {
  const started = new Date();
  const bench: BenchOptions = {
    durationMs: o.durationMs,
    warmupMs: o.warmupMs,
    rounds: o.rounds,
    ...(o.only ? { only: [...o.only] } : {}),
    ...(o.targets ? { targets: { ...o.targets } } : {}),
  };
  const scenario = {
    name: o.scenario ?? 'network',
    kind: 'network-bench',
    durationMs: o.durationMs,
    warmupMs: o.warmupMs,
    rounds: o.rounds,
    cases: o.only ?? null,
    ...(o.targets ? { targets: { ...o.targets } } : {}),
  };
  const common = { scenario, repetition: o.repetition, command: o.command, started };
  try {
    const result = await runNetworkBench(bench, o.log);
    const rows = result.rows.map(networkRow);
    return benchDocument({
      ...common,
      state: 'completed',
      sections: { network: { tool: 'flowlab bench network', durationMs: o.durationMs, warmupMs: o.warmupMs, rounds: o.rounds, rows }, gates: networkTargetOutcomes(rows) },
    });
  } catch (error) {
    return benchDocument({ ...common, state: 'errored', error: toError(error).message, sections: {} });
  }
}
