/**
 * Constructed report inputs for the reports' tests: every figure is fixed here (no clock, no machine), so golden
 * files compare exactly. Test support only; not exported from reports/index.ts.
 */
import * as hdr from 'hdr-histogram-js';
import type { BaselineVerdict, FaultInput, GateInput, PhaseFiguresInput, ReportInput, ReportResult, ReportRun, SuiteInfo } from './report-input.js';

/** A deterministic latency histogram: `count` samples spread from `fromUs` to `toUs` with a tail. */
export function latencyHistogram(count: number, fromUs: number, toUs: number): string {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  try {
    for (let i = 0; i < count; i++) {
      const q = i / count;
      h.recordValue(Math.round(fromUs + (toUs - fromUs) * q ** 6));
    }
    return hdr.encodeIntoCompressedBase64(h);
  } finally {
    h.destroy();
  }
}

function phase(name: string, startMs: number, endMs: number, recordsPerSec: number, p50Us: number, p99Us: number, histogram?: string): PhaseFiguresInput {
  return { name, startMs, endMs, throughput: { recordsPerSec, records: Math.round((recordsPerSec * (endMs - startMs)) / 1000) }, latencyUs: { p50: p50Us, p90: p99Us * 0.8, p99: p99Us, p999: null, max: p99Us * 2, count: 8_000, reasons: { p999: 'p99.9 needs ≥ 10,000 samples, have 8,000' }, ...(histogram ? { histogram } : {}) } };
}

interface DocOptions {
  readonly name: string;
  readonly recordsPerSec: number;
  readonly p99Us: number;
  readonly config?: Record<string, string>;
  readonly variant?: Record<string, unknown>;
  readonly repetition?: number;
  readonly faults?: FaultInput[];
  readonly gates?: GateInput[];
  readonly lost?: number | null;
  readonly checkpoints?: boolean;
  readonly histograms?: boolean;
  readonly state?: string;
  readonly ratePerSec?: number | 'unbounded';
}

const BASE_CONFIG = {
  'execution.buffer-timeout': '10 ms',
  'taskmanager.network.memory.buffers-per-channel': '2',
  'taskmanager.network.memory.floating-buffers-per-gate': '8',
  'taskmanager.memory.segment-size': '32kb',
};

export function resultDoc(o: DocOptions): ReportResult {
  const hist = (scale: number): string | undefined => (o.histograms ? latencyHistogram(2_000, 500 * scale, o.p99Us * 1.5 * scale) : undefined);
  const steady = phase('steady', 1_000, 9_000, o.recordsPerSec, o.p99Us / 10, o.p99Us, hist(1));
  const faultPhases = (o.faults ?? []).flatMap((f) => [
    phase(`fault-${f.index}-before`, 2_000, 3_000, o.recordsPerSec, o.p99Us / 10, o.p99Us, hist(1)),
    phase(`fault-${f.index}-during`, 3_000, 4_500, o.recordsPerSec / 4, o.p99Us, o.p99Us * 20, hist(8)),
    phase(`fault-${f.index}-after`, 4_500, 6_000, o.recordsPerSec * 1.1, o.p99Us / 5, o.p99Us * 4, hist(2)),
  ]);
  const history = o.checkpoints
    ? [1, 2, 3, 4].map((id) => ({ id, status: 'COMPLETED', durationMs: 40 + id * 10, unaligned: false, persistedChannelStateBytes: 0, stateBytes: 4_096, alignmentMs: 5 * id, startDelayMs: 3, syncMs: 2, asyncMs: 10 + id }))
    : [];
  const tasks = ['source#0', 'source#1', 'sink#0', 'sink#1'];
  return {
    schemaVersion: 2,
    flowlab: { version: '0.1.0', commit: 'abc1234' },
    state: o.state ?? 'completed',
    scenario: { name: o.name, description: `${o.name}: a constructed scenario for golden files` },
    ...(o.variant ? { variant: o.variant } : {}),
    repetition: o.repetition ?? 1,
    command: `flowlab suite suites/golden.yaml --filter ${o.name} --repetitions 1`,
    environment: { cpuModel: 'Test CPU @ 3.00GHz', cores: 2, memoryBytes: 8 * 1024 ** 3, os: 'Linux 6.1.0', node: 'v20.19.0' },
    seed: 42,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 10_000,
    config: { ...BASE_CONFIG, ...o.config },
    workload: { ratePerSec: o.ratePerSec ?? 5_000, recordSizeBytes: 100, durationMs: 8_000, warmupMs: 1_000 },
    topology: { preset: 'source-sink', parallelism: 2, taskManagers: 2 },
    calibration: { loopbackBytesPerSec: 2_000_000_000, loopbackRttUs: 40 },
    throughput: { recordsPerSec: o.recordsPerSec, bytesPerSec: o.recordsPerSec * 100 },
    latencyUs: steady.latencyUs!,
    checkpoints: o.checkpoints
      ? { completed: 4, failed: 0, durationMs: { p50: 60, p99: 80, max: 80, count: 4 }, history }
      : { completed: 0, failed: 0, durationMs: { p50: 0, p99: 0, max: 0, count: 0 }, history: [] },
    tasks: tasks.map((t, i) => ({ vertex: t.split('#')[0]!, subtask: Number(t.split('#')[1]), backPressuredTimeMsPerSecond: i < 2 ? 300 : 0, idleTimeMsPerSecond: i < 2 ? 100 : 600, busyTimeMsPerSecond: i < 2 ? 600 : 400 })),
    sink: { records: o.recordsPerSec * 8, lost: o.lost === undefined ? 0 : o.lost, duplicated: 0, outOfOrder: 0 },
    phases: [phase('warmup', 0, 1_000, o.recordsPerSec, o.p99Us / 10, o.p99Us), steady, ...faultPhases],
    faults: o.faults ?? [],
    gates: o.gates ?? [],
    timeseries: Array.from({ length: 10 }, (_, i) => ({
      tMs: (i + 1) * 1_000,
      recordsPerSec: i === 3 ? o.recordsPerSec / 4 : o.recordsPerSec,
      latencyP99Us: i === 3 ? o.p99Us * 20 : o.p99Us,
      maxBackPressuredTimeMsPerSecond: i === 3 ? 900 : 300,
      tasks: Object.fromEntries(tasks.map((t, k) => [t, { backPressuredTimeMsPerSecond: k < 2 && i === 3 ? 900 : k < 2 ? 300 : 0, idleTimeMsPerSecond: k < 2 ? 100 : 600 - i * 10, busyTimeMsPerSecond: k < 2 ? 600 : 400 + i * 10 }])),
    })),
  };
}

const partition: FaultInput = {
  index: 0,
  entry: 'at=3s,duration=1500ms,link=data-tm-1-tm-0,partition',
  kind: 'partition',
  link: 'data-tm-1-tm-0',
  at: 3_000,
  until: 4_500,
  appliedAtMs: 3_010,
  removedAtMs: 4_512,
  measured: { tookEffect: true, probes: [{ link: 'data-tm-1-tm-0', achievedBytesPerSec: 0, baselineBytesPerSec: 50_000_000 }], job: { recordsPerSecBefore: 8_000, recordsPerSecDuring: 2_000 } },
  recovery: { recovered: true, timeToRecoverMs: 1_250, atMs: 5_762 },
};

function run(doc: ReportResult, variant: string, parameters: Record<string, unknown> = {}): ReportRun {
  const name = doc.scenario?.['name'] as string;
  return { scenario: name, variant, parameters, repetition: doc.repetition ?? 1, state: doc.state, dir: `runs/${name}/${variant}/rep-${doc.repetition ?? 1}`, result: doc };
}

const gate = (g: string, metric: string, phaseName: string, op: string, threshold: number, value: number | null, verdict: GateInput['verdict'], reason?: string): GateInput => ({
  gate: g,
  metric,
  phase: phaseName,
  op,
  threshold,
  value,
  verdict,
  ...(reason ? { reason } : {}),
});

const SWEEP = [
  { timeout: '0ms', buffers: 1, rps: 10_000, p99: 4_000 },
  { timeout: '0ms', buffers: 4, rps: 10_050, p99: 9_000 },
  { timeout: '100ms', buffers: 1, rps: 10_020, p99: 120_000 },
  { timeout: '100ms', buffers: 4, rps: 12_000, p99: 150_000 },
];

/** A suite with a steady scenario (2 repetitions, checkpoints), a partition with recovery and gates, a 2×2 sweep, a skipped run, a rate sweep and an A/A control. */
export function goldenInput(options: { baseline?: boolean; histograms?: boolean } = {}): ReportInput {
  const histograms = options.histograms ?? false;
  const runs: ReportRun[] = [
    run(resultDoc({ name: 'steady', recordsPerSec: 10_000, p99Us: 8_000, checkpoints: true, histograms, gates: [gate('sink.lost == 0', 'sink.lost', 'steady', '==', 0, 0, 'pass')] }), 'base'),
    run(resultDoc({ name: 'steady', recordsPerSec: 10_400, p99Us: 9_000, checkpoints: true, histograms, repetition: 2, gates: [gate('sink.lost == 0', 'sink.lost', 'steady', '==', 0, 0, 'pass')] }), 'base'),
    run(
      resultDoc({
        name: 'partition',
        recordsPerSec: 8_000,
        p99Us: 12_000,
        histograms,
        faults: [partition],
        gates: [
          gate('recovery.timeToRecoverMs < 1s in phase fault-0-after', 'recovery.timeToRecoverMs', 'fault-0-after', '<', 1_000, 1_250, 'fail'),
          gate('latencyUs.p999 < 50ms in phase steady', 'latencyUs.p999', 'steady', '<', 50_000, null, 'invalid', 'p99.9 needs ≥ 10,000 samples, have 8,000'),
        ],
      }),
      'base',
    ),
    ...SWEEP.map((s, i) => {
      const parameters = { 'config.execution.buffer-timeout': s.timeout, 'config.taskmanager.network.memory.buffers-per-channel': s.buffers };
      const doc = resultDoc({
        name: 'buffers',
        ratePerSec: 'unbounded',
        recordsPerSec: s.rps,
        p99Us: s.p99,
        histograms,
        variant: parameters,
        lost: i === 3 ? 17 : 0,
        config: { 'execution.buffer-timeout': s.timeout === '0ms' ? '0 ms' : '100 ms', 'taskmanager.network.memory.buffers-per-channel': String(s.buffers) },
      });
      return run(doc, `buffer-timeout=${s.timeout},buffers-per-channel=${s.buffers}`, parameters);
    }),
    { scenario: 'buffers', variant: 'buffer-timeout=100ms,buffers-per-channel=4', parameters: { 'config.execution.buffer-timeout': '100ms', 'config.taskmanager.network.memory.buffers-per-channel': 4 }, repetition: 2, state: 'skipped', dir: null },
  ];
  const suite: SuiteInfo = {
    suite: 'golden',
    description: 'A constructed suite for golden files',
    file: 'suites/golden.yaml',
    state: 'interrupted',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    flowlab: { version: '0.1.0', commit: 'abc1234' },
    environment: { cpuModel: 'Test CPU @ 3.00GHz', cores: 2, memoryBytes: 8 * 1024 ** 3, os: 'Linux 6.1.0', node: 'v20.19.0' },
    control: { scenario: 'steady', recordsPerSec: { a: 10_000, b: 10_150, diffPct: 1.5 }, p99Us: { a: 8_000, b: 8_400, diffPct: 5 } },
    rateSweeps: [
      {
        scenario: 'rates',
        fixed: {},
        steps: [
          { ratePerSubtask: 1_000, intendedRecordsPerSec: 2_000, achievedRecordsPerSec: 2_000, achievedRatio: 1, p99Us: 2_000, sustainable: true },
          { ratePerSubtask: 4_000, intendedRecordsPerSec: 8_000, achievedRecordsPerSec: 7_990, achievedRatio: 0.999, p99Us: 3_000, sustainable: true },
          { ratePerSubtask: 16_000, intendedRecordsPerSec: 32_000, achievedRecordsPerSec: 20_000, achievedRatio: 0.625, p99Us: 900_000, sustainable: false, why: 'achieved 62.5 % of intended' },
        ],
        sustainableRatePerSubtask: 4_000,
      },
    ],
  };
  const verdicts: BaselineVerdict[] = [
    { scenario: 'steady', metric: 'throughput.recordsPerSec', phase: 'steady', baseline: 10_100, value: 10_200, deltaPct: 1, ci: { lowPct: -1.5, highPct: 3.2, level: 0.95 }, verdict: 'pass' },
    {
      scenario: 'partition',
      metric: 'latencyUs.p99',
      phase: 'fault-0-after',
      baseline: 30_000,
      value: 48_000,
      deltaPct: 60,
      ci: { lowPct: 41.2, highPct: 80.5, level: 0.95 },
      verdict: 'regression',
      diagnosis: 'p99 after the heal of data-tm-1-tm-0 is 60 % higher: the backlog drains slower (sink busy 100 % for 1.2 s)',
    },
  ];
  return { title: 'golden', suite, runs, ...(options.baseline ? { baseline: { label: 'suites/baselines/golden.json', verdicts } } : {}) };
}
