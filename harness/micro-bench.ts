/**
 * `flowlab bench micro`: the per-component cases of runtime/ and chaos/ timed with tinybench, written as a result
 * document (schema v2, its `micro` section), so `flowlab gate` and `flowlab baseline save` judge each case's
 * operations per second like any scenario figure (`micro.opsPerSec@<case>`). Each case runs once and checks its own
 * output before it is timed: a case whose output is wrong is `errored`, never timed.
 */
import { createRequire } from 'node:module';
import { Bench } from 'tinybench';
import { toError, type MicroCase } from '../core/index.js';
import { chunkQueueCase } from '../chaos/index.js';
import { runtimeMicroCases } from '../runtime/index.js';
import { benchDocument } from './bench-document.js';
import type { MicroCaseResult, ResultDocument } from './result-schema.js';

export interface MicroBenchOptions {
  /** Measuring time per case, ms. @default 1000 */
  readonly timeMs?: number;
  /** Warm-up time per case, ms. @default 200 */
  readonly warmupMs?: number;
  /** Only these case names (all when absent). */
  readonly only?: readonly string[];
  /** The cases to run (default: {@link microCases}); tests pass their own. */
  readonly cases?: readonly MicroCase[];
  readonly scenario?: string;
  readonly repetition?: number;
  readonly command?: string;
  readonly onCase?: (result: MicroCaseResult) => void;
}

/** Smoke mode (CI): enough samples to prove the plumbing in a few seconds for all cases. */
export const MICRO_SMOKE = Object.freeze({ timeMs: 60, warmupMs: 10 });

/** Every case, in a stable order (runtime's, then the chaos server's). */
export function microCases(): MicroCase[] {
  return [...runtimeMicroCases(), chunkQueueCase()];
}

export { MICRO_CASE_NAMES } from './micro-case-names.js';

function tinybenchVersion(): string {
  try {
    return (createRequire(import.meta.url)('tinybench/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const NS_PER_MS = 1e6;

async function timeCase(c: MicroCase, timeMs: number, warmupMs: number): Promise<MicroCaseResult> {
  const base = { name: c.name, operation: c.operation, opsPerRun: c.opsPerRun };
  const failed = (error: unknown): MicroCaseResult => ({ ...base, state: 'errored', error: toError(error).message, samples: 0, opsPerSec: 0, meanNs: 0, p50Ns: 0, p99Ns: 0, rmePct: 0 });
  try {
    c.run();
    c.check();
  } catch (error) {
    return failed(error);
  }
  const bench = new Bench({ time: timeMs, warmupTime: warmupMs, warmup: warmupMs > 0 });
  bench.add(c.name, () => c.run());
  await bench.run();
  const result = bench.tasks[0]!.result;
  if (result.state === 'errored') return failed(result.error);
  if (result.state !== 'completed') return failed(new Error(`tinybench ended the case ${result.state}`));
  const { latency } = result;
  const perOp = (ms: number): number => (ms * NS_PER_MS) / c.opsPerRun;
  return {
    ...base,
    state: 'completed',
    samples: latency.samplesCount,
    opsPerSec: latency.mean > 0 ? (1000 / latency.mean) * c.opsPerRun : 0,
    meanNs: perOp(latency.mean),
    p50Ns: perOp(latency.p50),
    p99Ns: perOp(latency.p99),
    rmePct: latency.rme,
  };
}

/** Runs the cases one after another and returns one result document (state `errored` if any case failed). */
export async function runMicroBench(options: MicroBenchOptions = {}): Promise<ResultDocument> {
  const timeMs = options.timeMs ?? 1000;
  const warmupMs = options.warmupMs ?? 200;
  const all = options.cases ?? microCases();
  const unknown = (options.only ?? []).filter((n) => !all.some((c) => c.name === n));
  if (unknown.length > 0) throw new Error(`unknown micro case ${unknown.join(', ')}; cases: ${all.map((c) => c.name).join(', ')}`);
  const chosen = options.only ? all.filter((c) => options.only!.includes(c.name)) : all;
  const started = new Date();
  const cases: MicroCaseResult[] = [];
  try {
    for (const c of chosen) {
      const result = await timeCase(c, timeMs, warmupMs);
      cases.push(result);
      options.onCase?.(result);
    }
  } finally {
    for (const c of all) c.dispose?.();
  }
  const errored = cases.filter((c) => c.state === 'errored');
  return benchDocument({
    state: errored.length > 0 ? 'errored' : 'completed',
    error: errored.length > 0 ? errored.map((c) => `${c.name}: ${c.error ?? 'errored'}`).join('; ') : undefined,
    scenario: { name: options.scenario ?? 'micro', kind: 'micro', timeMs, warmupMs, cases: chosen.map((c) => c.name) },
    repetition: options.repetition,
    command: options.command,
    started,
    sections: { micro: { tool: `tinybench ${tinybenchVersion()}`, timeMs, warmupMs, cases } },
  });
}

function formatNs(ns: number): string {
  return ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(1)} ns`;
}

/** The table for people: one row per case. */
export function renderMicroTable(doc: ResultDocument): string {
  const cases = doc.micro?.cases ?? [];
  const rows = [['case', 'ops/s', 'mean/op', 'p99/op', '±rme', 'samples', 'operation']];
  for (const c of cases) {
    if (c.state === 'errored') rows.push([c.name, 'ERRORED', '', '', '', '', c.error ?? '']);
    else rows.push([c.name, Math.round(c.opsPerSec).toLocaleString('en-US'), formatNs(c.meanNs), formatNs(c.p99Ns), `${c.rmePct.toFixed(2)} %`, String(c.samples), c.operation]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 || i === r.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd()).join('\n');
}
