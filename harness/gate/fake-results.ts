/**
 * Result documents built from known distributions, for the gate's unit tests (and for trying `flowlab gate` without
 * running a cluster): throughput per run drawn from a normal distribution, latency samples drawn from a log-normal
 * one into a real HDR histogram, task figures as given. Every document passes the result schema.
 */
import * as hdr from 'hdr-histogram-js';
import { SeededRandom } from '../../core/index.js';
import { NETWORK_BENCH_TARGETS, judge } from '../../runtime/index.js';
import { benchDocument } from '../bench-document.js';
import { networkRow, networkTargetOutcomes } from '../network-bench-run.js';
import { RESULT_SCHEMA_VERSION, resultDocumentSchema, type ResultDocument } from '../result-schema.js';

export interface FakeRun {
  readonly scenario?: string;
  readonly repetition?: number;
  readonly control?: 'A' | 'B';
  readonly recordsPerSec: number;
  /** Records/s per source, or unbounded. @default 100_000 */
  readonly ratePerSec?: number | 'unbounded';
  /** Latency samples (µs) of the steady phase; none: no histogram. */
  readonly latencyUs?: readonly number[];
  readonly state?: ResultDocument['state'];
  readonly lost?: number;
  readonly cpuModel?: string;
  readonly node?: string;
  readonly loopbackBytesPerSec?: number;
  readonly commit?: string;
  readonly startedAt?: string;
  /** vertex → busy / back-pressured ms per second. */
  readonly tasks?: Readonly<Record<string, { busy: number; backPressured: number; inPool?: number }>>;
  readonly gates?: ResultDocument['gates'];
}

export const RECORD_BYTES = 128;

/** A standard normal draw (Box–Muller) from a seeded source. */
export function normal(random: SeededRandom, meanValue: number, sd: number): number {
  return meanValue + sd * Math.sqrt(-2 * Math.log(1 - random.nextFloat())) * Math.cos(2 * Math.PI * random.nextFloat());
}

/** `count` log-normal latency samples (µs) with the given median and spread σ of the log. */
export function logNormalLatencies(random: SeededRandom, count: number, medianUs: number, sigma = 0.5): number[] {
  return Array.from({ length: count }, () => Math.max(1, Math.round(medianUs * Math.exp(normal(random, 0, sigma)))));
}

function histogramOf(samples: readonly number[]): string | undefined {
  if (samples.length === 0) return undefined;
  const h = hdr.build({ numberOfSignificantValueDigits: 3 });
  try {
    for (const v of samples) h.recordValue(v);
    return hdr.encodeIntoCompressedBase64(h);
  } finally {
    h.destroy();
  }
}

function percentile(sorted: readonly number[], q: number): number | null {
  return sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export function fakeResult(run: FakeRun): ResultDocument {
  const latency = [...(run.latencyUs ?? [])].sort((a, b) => a - b);
  const histogram = histogramOf(latency);
  const summary = {
    p50: percentile(latency, 0.5),
    p90: percentile(latency, 0.9),
    p99: latency.length >= 1000 ? percentile(latency, 0.99) : null,
    p999: latency.length >= 10_000 ? percentile(latency, 0.999) : null,
    max: latency.at(-1) ?? null,
    count: latency.length,
    ...(histogram ? { histogram } : {}),
  };
  const tasks = Object.entries(run.tasks ?? { source: { busy: 300, backPressured: 0 }, map: { busy: 400, backPressured: 0 }, sink: { busy: 200, backPressured: 0 } }).map(([vertex, t]) => ({
    vertex,
    subtask: 0,
    backPressuredTimeMsPerSecond: t.backPressured,
    busyTimeMsPerSecond: t.busy,
    idleTimeMsPerSecond: Math.max(0, 1000 - t.busy - t.backPressured),
    inPoolUsage: t.inPool ?? 0.1,
    outPoolUsage: 0.1,
    numRecordsIn: 1000,
    numRecordsOut: 1000,
  }));
  const empty = { p50: 0, p99: 0, max: 0, count: 0 };
  const doc: ResultDocument = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    flowlab: { version: '0.1.0', commit: run.commit ?? 'c0ffee0000000000000000000000000000000000' },
    state: run.state ?? 'completed',
    ...(run.state === 'errored' ? { error: 'TaskManager tm-1 exited' } : {}),
    scenario: { name: run.scenario ?? 'pipeline' },
    ...(run.control ? { variant: { control: run.control } } : {}),
    repetition: run.repetition ?? 1,
    environment: { cpuModel: run.cpuModel ?? 'AMD EPYC', cores: 2, memoryBytes: 25e9, os: 'Linux', node: run.node ?? 'v20.20.2' },
    seed: 42,
    startedAt: run.startedAt ?? '2026-11-30T12:00:00.000Z',
    durationMs: 10_000,
    config: {},
    workload: { ratePerSec: run.ratePerSec ?? 100_000, recordSizeBytes: RECORD_BYTES - 28, keys: 1024, keyDistribution: 'uniform', durationMs: 8000, warmupMs: 2000, mapCostUs: 0, sinkCostUs: 0 },
    topology: { preset: 'source-map-sink', parallelism: 1, taskManagers: 2, slotsPerTaskManager: 1, vertices: tasks.map((t) => ({ id: t.vertex, operator: t.vertex, parallelism: 1 })) },
    calibration: { loopbackBytesPerSec: run.loopbackBytesPerSec ?? 0, loopbackRttUs: run.loopbackBytesPerSec ? 40 : 0 },
    harness: { cpuMsPerSecond: 10, wallMs: 10_000 },
    throughput: { recordsPerSec: run.recordsPerSec, bytesPerSec: run.recordsPerSec * RECORD_BYTES },
    latencyUs: summary,
    checkpoints: { completed: 0, failed: 0, durationMs: empty, alignmentMs: empty, startDelayMs: empty, persistedBytes: empty, stateBytes: empty, history: [] },
    tasks,
    sink: { records: run.recordsPerSec * 8, lost: run.state === 'errored' ? null : (run.lost ?? 0), duplicated: 0, outOfOrder: 0 },
    phases: [
      { name: 'warmup', startMs: 0, endMs: 2000, throughput: { recordsPerSec: run.recordsPerSec } },
      { name: 'steady', startMs: 2000, endMs: 10_000, throughput: { recordsPerSec: run.recordsPerSec, records: run.recordsPerSec * 8 }, latencyUs: summary },
    ],
    faults: [],
    ...(run.gates ? { gates: run.gates } : {}),
    timeseries: [],
  };
  return resultDocumentSchema.parse(doc);
}

/** One case of a fake `flowlab bench network` run: its ratio (null: a side measured nothing) and the run's noise. */
export interface FakeNetworkCase {
  readonly ratio: number | null;
  readonly noise?: number;
}

/** A network-bench result document (its `network` section and per-run target outcomes) with the given ratios. */
export function fakeNetworkResult(run: { readonly repetition?: number; readonly cases: Readonly<Record<string, FakeNetworkCase>>; readonly cpuModel?: string }): ResultDocument {
  const rows = Object.entries(run.cases).map(([name, c]) => {
    const target = NETWORK_BENCH_TARGETS[name]!;
    const noise = c.noise ?? 0;
    const verdict = judge(c.ratio ?? NaN, noise, target);
    return networkRow({
      name,
      measure: `case ${name}`,
      flowlab: c.ratio === null ? NaN : c.ratio * 1000,
      baseline: 1000,
      ratio: c.ratio ?? NaN,
      target: `${target.op === '>=' ? '≥' : '≤'} ${target.value}`,
      targetOp: target.op,
      targetValue: target.value,
      met: verdict === 'met',
      verdict,
      noise,
      samples: { baseline: [1000], flowlab: [c.ratio === null ? NaN : c.ratio * 1000] },
    });
  });
  const doc = benchDocument({
    state: 'completed',
    scenario: { name: 'network-bench', kind: 'network-bench' },
    repetition: run.repetition ?? 1,
    started: new Date('2026-11-30T12:00:00.000Z'),
    sections: { network: { tool: 'flowlab bench network', durationMs: 1500, warmupMs: 500, rounds: 2, rows }, gates: networkTargetOutcomes(rows) },
  });
  return resultDocumentSchema.parse({
    ...doc,
    flowlab: { version: '0.1.0', commit: 'c0ffee0000000000000000000000000000000000' },
    environment: { cpuModel: run.cpuModel ?? 'AMD EPYC', cores: 2, memoryBytes: 25e9, os: 'Linux', node: 'v20.20.2' },
    durationMs: 40_000,
  });
}
