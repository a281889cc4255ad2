/**
 * Verdicts on constructed results from known distributions (seeded): a clear regression with its diagnosis, a clear
 * improvement, a noisy case that must be inconclusive, a too-short case, a sample-size-guarded percentile, a
 * not-like-for-like environment, latency distributions that moved, invariants, errored runs and missing figures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../core/index.js';
import { buildBaseline } from './baseline.js';
import type { Baseline } from './baseline-schema.js';
import { evaluateGates, DEFAULT_GATE_OPTIONS, type GateOptions } from './gate-evaluate.js';
import { runFigures, type RunFigures } from './gate-metrics.js';
import { fakeResult, logNormalLatencies, normal, type FakeRun } from './fake-results.js';
import type { ResultSet } from './results-input.js';
import { verdictDocumentSchema, type GateVerdict, type VerdictDocument } from './verdict-schema.js';

const OPTIONS: GateOptions = { ...DEFAULT_GATE_OPTIONS, bootstrapIterations: 400 };

interface Side {
  readonly runs: number;
  readonly meanRps: number;
  readonly sdRps: number;
  readonly latencyMedianUs?: number;
  readonly latencySamples?: number;
  readonly seed: number;
  readonly extra?: Partial<FakeRun>;
  /** Exact records/s per run instead of draws. */
  readonly values?: readonly number[];
}

function runs(side: Side): RunFigures[] {
  const random = new SeededRandom(side.seed);
  return Array.from({ length: side.runs }, (_, i) =>
    runFigures(
      fakeResult({
        repetition: i + 1,
        recordsPerSec: side.values?.[i] ?? normal(random, side.meanRps, side.sdRps),
        ...(side.latencyMedianUs ? { latencyUs: logNormalLatencies(random, side.latencySamples ?? 5000, side.latencyMedianUs * (1 + normal(random, 0, 0.02))) } : {}),
        ...side.extra,
      }),
      `run-${i + 1}`,
    ),
  );
}

function set(rs: RunFigures[], source = 'baseline-results'): ResultSet {
  return { source, suite: null, runs: rs, startedAt: rs[0]!.startedAt, commit: rs[0]!.commit };
}

function judge(baselineSide: Side, currentSide: Side, options: GateOptions = OPTIONS): VerdictDocument {
  const baseline = buildBaseline([set(runs(baselineSide))], { name: 'test', createdAt: new Date('2026-11-30T00:00:00Z') });
  const doc = evaluateGates({ runs: runs(currentSide), sources: ['current'], baseline: { file: 'baseline.json', document: baseline }, now: new Date('2026-11-30T01:00:00Z') }, options);
  verdictDocumentSchema.parse(doc);
  return doc;
}

function gate(doc: VerdictDocument, name: string): GateVerdict {
  const g = doc.scenarios[0]!.gates.find((x) => x.gate === name);
  assert.ok(g, `gate ${name} among ${doc.scenarios[0]!.gates.map((x) => x.gate).join(', ')}`);
  return g;
}

const THROUGHPUT = 'throughput.recordsPerSec in steady';

test('a clear regression: −20 % throughput over 5 runs each is a regression (exit 1) with a diagnosis naming the task', () => {
  const slowMap = { tasks: { source: { busy: 200, backPressured: 700 }, map: { busy: 980, backPressured: 0, inPool: 0.95 }, sink: { busy: 150, backPressured: 0 } } };
  const doc = judge({ runs: 5, meanRps: 50_000, sdRps: 500, seed: 1 }, { runs: 5, meanRps: 40_000, sdRps: 500, seed: 2, extra: slowMap });
  const g = gate(doc, THROUGHPUT);
  assert.equal(g.verdict, 'regression');
  assert.equal(g.method, 'welch');
  assert.ok(g.changePct! < -15 && g.changePct! > -25, `change ${g.changePct}`);
  assert.ok(g.pValue! < 0.001);
  assert.equal(g.thresholdFrom, '4 %');
  assert.ok(g.ci95Pct![1] < -4, 'the interval clears the threshold');
  assert.match(g.diagnosis!, /^throughput\.recordsPerSec in steady −2\d % \(95 % CI −\d+ %…−\d+ %\); map busy 400 → 980 ms\/s; source back-pressured 0 → 700 ms\/s; map in-pool 10 → 95 %$/);
  assert.equal(doc.verdict, 'regression');
  assert.equal(doc.exitCode, 1);
  assert.match(doc.headline, /^regression: 1 of \d+ gates \(pipeline\/base: throughput/);
});

test('a clear improvement: +20 % throughput is an improvement (exit 0)', () => {
  const doc = judge({ runs: 5, meanRps: 50_000, sdRps: 500, seed: 1 }, { runs: 5, meanRps: 60_000, sdRps: 500, seed: 3 });
  assert.equal(gate(doc, THROUGHPUT).verdict, 'improvement');
  assert.equal(doc.verdict, 'improvement');
  assert.equal(doc.exitCode, 0);
});

test('a small change inside max(4 %, 2σ) passes', () => {
  const doc = judge({ runs: 5, meanRps: 50_000, sdRps: 500, seed: 1 }, { runs: 5, meanRps: 49_500, sdRps: 500, seed: 4 });
  assert.equal(gate(doc, THROUGHPUT).verdict, 'pass');
  assert.equal(doc.exitCode, 0);
});

test('a noisy case is inconclusive (too noisy), says how many runs would settle it, and fails only with --fail-on-inconclusive', () => {
  // −12 % on average, but runs scatter by ±16 %: beyond 4 %, not beyond 2σ (26 %)
  const base = { runs: 3, meanRps: 0, sdRps: 0, seed: 5, values: [50_000, 42_000, 58_000] };
  const cur = { runs: 3, meanRps: 0, sdRps: 0, seed: 6, values: [44_000, 36_000, 52_000] };
  const doc = judge(base, cur);
  const g = gate(doc, THROUGHPUT);
  assert.equal(g.verdict, 'inconclusive', g.reason);
  assert.equal(g.inconclusiveBecause, 'too-noisy');
  assert.equal(g.thresholdFrom, '2σ');
  assert.equal(g.runsToSettle, 15, 'the smallest n with 2σ(n) < |d|: n > 4(s₁² + s₂²) ÷ d² = 4 × 2 × 8,000² ÷ 6,000² ≈ 14.2');
  assert.match(g.reason, /^too noisy: /);
  assert.equal(doc.verdict, 'inconclusive');
  assert.equal(doc.exitCode, 0);
  assert.equal(judge(base, cur, { ...OPTIONS, failOnInconclusive: true }).exitCode, 1);
});

test('too few samples: 2 current runs give no verdict, and say that 3 are needed', () => {
  const doc = judge({ runs: 5, meanRps: 50_000, sdRps: 500, seed: 1 }, { runs: 2, meanRps: 30_000, sdRps: 500, seed: 7, latencyMedianUs: 2000 });
  const g = gate(doc, THROUGHPUT);
  assert.equal(g.verdict, 'inconclusive');
  assert.equal(g.inconclusiveBecause, 'too-few-samples');
  assert.equal(g.runsToSettle, 3);
  assert.match(g.reason, /the current results have 2 run\(s\), a verdict needs ≥ 3 on each side/);
});

test('a sample-size-guarded percentile: p99.9 from 9,000 samples is not judged by default and inconclusive when asked for', () => {
  const base = { runs: 3, meanRps: 50_000, sdRps: 500, seed: 8, latencyMedianUs: 2000, latencySamples: 3000 };
  const cur = { runs: 3, meanRps: 50_000, sdRps: 500, seed: 9, latencyMedianUs: 2000, latencySamples: 3000 };
  const byDefault = judge(base, cur);
  assert.ok(!byDefault.scenarios[0]!.gates.some((g) => g.metric === 'latencyUs.p999'));
  assert.match(byDefault.scenarios[0]!.skipped.find((s) => s.gate === 'latencyUs.p999 in steady')!.reason, /the baseline has 9,000 samples; p99\.9 needs ≥ 10,000/);
  const asked = judge(base, cur, { ...OPTIONS, metrics: ['latencyUs.p999@steady', 'latencyUs.p99@steady'] });
  const p999 = gate(asked, 'latencyUs.p999 in steady');
  assert.equal(p999.verdict, 'inconclusive');
  assert.equal(p999.inconclusiveBecause, 'too-few-samples');
  assert.equal(p999.runsToSettle, 4, '4 runs of 3,000 samples reach 10,000');
  assert.match(p999.reason, /p99\.9 needs ≥ 10,000 samples on each side, the current has 9,000/);
  assert.equal(gate(asked, 'latencyUs.p99 in steady').verdict, 'pass');
});

test('latency distributions: a 40 % slower p50/p99 is a regression whose bootstrap interval clears the threshold; an unchanged one passes', () => {
  const base = { runs: 4, meanRps: 50_000, sdRps: 300, seed: 10, latencyMedianUs: 2000 };
  const slower = judge(base, { runs: 4, meanRps: 50_000, sdRps: 300, seed: 11, latencyMedianUs: 2800 });
  for (const name of ['latencyUs.p50 in steady', 'latencyUs.p99 in steady']) {
    const g = gate(slower, name);
    assert.equal(g.method, 'bootstrap');
    assert.equal(g.verdict, 'regression', `${name}: ${g.reason}`);
    assert.ok(g.ci95Pct![0] > 10, `${name}: lower end ${g.ci95Pct![0]} above the 10 % threshold`);
    assert.ok(g.changePct! > 30 && g.changePct! < 50, `${name}: ${g.changePct}`);
  }
  const same = judge(base, { runs: 4, meanRps: 50_000, sdRps: 300, seed: 12, latencyMedianUs: 2000 });
  assert.equal(gate(same, 'latencyUs.p50 in steady').verdict, 'pass');
  assert.equal(gate(same, 'latencyUs.p99 in steady').verdict, 'pass');
  assert.equal(same.exitCode, 0);
});

test('the bootstrap is seeded: the same inputs give the same interval', () => {
  const base = { runs: 3, meanRps: 50_000, sdRps: 300, seed: 13, latencyMedianUs: 2000 };
  const cur = { runs: 3, meanRps: 50_000, sdRps: 300, seed: 14, latencyMedianUs: 2100 };
  assert.deepEqual(gate(judge(base, cur), 'latencyUs.p99 in steady').ci95Pct, gate(judge(base, cur), 'latencyUs.p99 in steady').ci95Pct);
});

test('not like-for-like: another CPU model compares only throughput ÷ loopback calibration, and says so', () => {
  // the other machine is twice as fast on loopback and in raw throughput: the calibrated ratio is unchanged
  const base = { runs: 3, meanRps: 50_000, sdRps: 300, seed: 15, latencyMedianUs: 2000, extra: { loopbackBytesPerSec: 1e9 } };
  const cur = { runs: 3, meanRps: 100_000, sdRps: 600, seed: 16, latencyMedianUs: 1000, extra: { loopbackBytesPerSec: 2e9, cpuModel: 'Intel Xeon' } };
  const doc = judge(base, cur);
  assert.equal(doc.likeForLike.like, false);
  assert.match(doc.likeForLike.differences[0]!, /CPU model: Intel Xeon here, AMD EPYC in the baseline/);
  const judged = doc.scenarios[0]!.gates.filter((g) => g.rule === 'baseline').map((g) => g.gate);
  assert.deepEqual(judged, ['throughput.calibrated in steady']);
  assert.equal(gate(doc, 'throughput.calibrated in steady').verdict, 'pass');
  assert.ok(doc.scenarios[0]!.skipped.some((s) => s.gate === THROUGHPUT && /not like-for-like/.test(s.reason)));
  assert.ok(doc.notes.some((n) => /not like-for-like/.test(n)));
  // the same machine, the calibrated ratio 20 % lower: a regression there too
  const slower = judge(base, { ...cur, meanRps: 80_000, sdRps: 500 });
  assert.equal(gate(slower, 'throughput.calibrated in steady').verdict, 'regression');
  // without calibration on either side there is nothing comparable: inconclusive, not a pass
  const uncalibrated = judge({ ...base, extra: {} }, { ...cur, extra: { cpuModel: 'Intel Xeon' } });
  const g = gate(uncalibrated, 'throughput.calibrated in steady');
  assert.equal(g.verdict, 'inconclusive');
  assert.equal(g.inconclusiveBecause, 'not-like-for-like');
});

test('the A/A noise floor raises the threshold: no gate is tighter than the control', () => {
  const control = (seed: number, aMean: number, bMean: number): RunFigures[] => {
    const random = new SeededRandom(seed);
    return ['A', 'B', 'A', 'B', 'A', 'B'].map((ab, i) =>
      runFigures(fakeResult({ repetition: Math.floor(i / 2) + 1, control: ab as 'A' | 'B', recordsPerSec: normal(random, ab === 'A' ? aMean : bMean, 200) }), `run-${i}`),
    );
  };
  const baseline = buildBaseline([set(control(17, 50_000, 50_000))], { name: 'aa' });
  // the current A/A runs land 10 % apart: a −8 % change is then within the noise
  const doc = evaluateGates({ runs: control(18, 48_000, 44_000), sources: ['current'], baseline: { file: 'b.json', document: baseline } }, OPTIONS);
  assert.ok(doc.noiseFloor!.throughputPct! > 8);
  const g = doc.scenarios[0]!.gates.find((x) => x.gate === THROUGHPUT)!;
  assert.equal(g.thresholdFrom, 'A/A noise floor');
  assert.notEqual(g.verdict, 'regression');
  // the control judged by the gate's own rules, B against A without the floor: the 9 % gap is flagged there
  assert.equal(doc.controlCheck?.scenario, 'pipeline');
  assert.equal(doc.controlCheck?.runsPerVariant, 3);
  assert.equal(doc.controlCheck?.verdict, 'regression');
  assert.match(doc.controlCheck.flagged[0]!, /^throughput\.recordsPerSec in steady: regression −\d/);
  assert.ok(doc.notes.some((n) => /the A\/A control \(pipeline, B against A, no floor\) was flagged/.test(n)));
});

test('invariants are always on: a lost record is a regression (exit 1), an errored run is invalid (exit 2), even without a baseline', () => {
  const lost = evaluateGates({ runs: runs({ runs: 3, meanRps: 50_000, sdRps: 300, seed: 19, extra: { lost: 3 } }), sources: ['x'] }, OPTIONS);
  assert.equal(lost.verdict, 'regression');
  assert.equal(lost.exitCode, 1);
  assert.match(gate(lost, 'sink.lost == 0').reason, /broken invariant: rep 1: 3/);
  assert.ok(lost.notes.some((n) => /no --baseline/.test(n)));
  const errored = evaluateGates({ runs: runs({ runs: 3, meanRps: 50_000, sdRps: 300, seed: 20, extra: { state: 'errored' } }), sources: ['x'] }, OPTIONS);
  assert.equal(errored.verdict, 'invalid');
  assert.equal(errored.exitCode, 2);
  assert.match(gate(errored, 'job completed').reason, /rep 1 errored: TaskManager tm-1 exited/);
});

test("a scenario's absolute gates are judged on the median over runs", () => {
  const gates = (value: number): FakeRun['gates'] => [{ gate: 'latencyUs.p99 < 50ms in phase steady', metric: 'latencyUs.p99', phase: 'steady', op: '<', threshold: 50_000, value, verdict: value < 50_000 ? 'pass' : 'fail' }];
  const make = (values: number[]): RunFigures[] => values.map((v, i) => runFigures(fakeResult({ repetition: i + 1, recordsPerSec: 1000, gates: gates(v) }), `r${i}`));
  const oneBad = evaluateGates({ runs: make([40_000, 60_000, 41_000]), sources: ['x'] }, OPTIONS);
  assert.equal(gate(oneBad, 'latencyUs.p99 < 50ms in phase steady').verdict, 'pass');
  assert.match(gate(oneBad, 'latencyUs.p99 < 50ms in phase steady').reason, /fails in 1 of 3 runs/);
  const mostlyBad = evaluateGates({ runs: make([55_000, 60_000, 41_000]), sources: ['x'] }, OPTIONS);
  assert.equal(gate(mostlyBad, 'latencyUs.p99 < 50ms in phase steady').verdict, 'regression');
});

test('a baseline without the scenario is invalid input (exit 2), naming what it has', () => {
  const baseline = buildBaseline([set(runs({ runs: 3, meanRps: 50_000, sdRps: 300, seed: 21, extra: { scenario: 'other' } }))], { name: 'b' });
  const doc = evaluateGates({ runs: runs({ runs: 3, meanRps: 50_000, sdRps: 300, seed: 22 }), sources: ['x'], baseline: { file: 'b.json', document: baseline } }, OPTIONS);
  assert.equal(doc.exitCode, 2);
  assert.match(gate(doc, 'baseline figures').reason, /the baseline has no pipeline\/base \(it has: other\/base\)/);
  assert.ok(doc.notes.some((n) => /in the baseline but not in these results/.test(n)));
});

test('a published figure is a baseline too: a mean worse than it by more than its tolerance is a regression', () => {
  const published = (tolerancePct: number): Baseline => ({
    schemaVersion: 1,
    kind: 'flowlab-baseline',
    name: 'published-shape',
    source: 'published',
    reference: 'shared/spec/published-figures.md §8',
    createdAt: '2026-11-30T00:00:00.000Z',
    recordedFrom: { suite: null, paths: [], startedAt: null },
    flowlab: { version: '0.1.0', commit: null },
    environment: null,
    calibration: null,
    noiseFloor: null,
    scenarios: {
      'pipeline/base': {
        scenario: 'pipeline',
        variant: 'base',
        runs: 0,
        scalars: { 'throughput.recordsPerSec@steady': { metric: 'throughput.recordsPerSec', phase: 'steady', unit: 'records/s', direction: 'higher-is-better', samples: [50_000], n: 1, mean: 50_000, stddev: null, tolerancePct, reference: 'a model figure' } },
        latency: {},
        vertices: {},
      },
    },
  });
  const current = runs({ runs: 3, meanRps: 0, sdRps: 0, seed: 23, values: [35_000, 36_000, 34_000] });
  const worse = evaluateGates({ runs: current, sources: ['x'], baseline: { file: 'p.json', document: published(20) } }, OPTIONS);
  const g = gate(worse, THROUGHPUT);
  assert.equal(g.rule, 'published');
  assert.equal(g.verdict, 'regression');
  assert.equal(g.thresholdFrom, 'tolerance');
  assert.match(g.reason, /^−30 % against the published 50000 records\/s \(a model figure\); tolerance 20 %$/);
  assert.equal(worse.baseline?.source, 'published');
  const within = evaluateGates({ runs: current, sources: ['x'], baseline: { file: 'p.json', document: published(40) } }, OPTIONS);
  assert.equal(gate(within, THROUGHPUT).verdict, 'pass');
});

test('a fault that no longer recovers is a regression of its time to recover', () => {
  const withFault = (recovered: boolean[], seed: number): RunFigures[] => {
    const random = new SeededRandom(seed);
    return recovered.map((ok, i) => {
      const figures = runFigures(fakeResult({ repetition: i + 1, recordsPerSec: normal(random, 50_000, 300) }), `r${i}`);
      return { ...figures, scalars: { ...figures.scalars, ...(ok ? { 'recovery.timeToRecoverMs@fault-0-after': 1000 + 10 * i } : {}) } };
    });
  };
  const baseline = buildBaseline([set(withFault([true, true, true], 24))], { name: 'b' });
  const doc = evaluateGates({ runs: withFault([true, false, false], 25), sources: ['x'], baseline: { file: 'b.json', document: baseline } }, OPTIONS);
  const g = gate(doc, 'recovery.timeToRecoverMs in fault-0-after');
  assert.equal(g.verdict, 'regression');
  assert.match(g.reason, /^did not recover in 2 of 3 runs; every baseline run recovered \(mean 1010 ms\)$/);
  assert.equal(doc.exitCode, 1);
});

test('unbounded sources: throughput raw and calibrated are judged, latency (back-pressure’s queue) is not by default; a fixed rate skips the calibrated ratio', () => {
  const unbounded = { ratePerSec: 'unbounded' as const, loopbackBytesPerSec: 1e9 };
  const doc = judge({ runs: 3, meanRps: 50_000, sdRps: 300, seed: 26, latencyMedianUs: 2000, extra: unbounded }, { runs: 3, meanRps: 50_000, sdRps: 300, seed: 27, latencyMedianUs: 4000, extra: unbounded });
  const judged = doc.scenarios[0]!.gates.filter((g) => g.rule === 'baseline').map((g) => g.gate);
  assert.ok(judged.includes(THROUGHPUT) && judged.includes('throughput.calibrated in steady'), judged.join(', '));
  assert.ok(!judged.some((g) => g.startsWith('latencyUs.')));
  assert.match(doc.scenarios[0]!.skipped.find((k) => k.gate === 'latency in steady')!.reason, /^unbounded sources: latency is the queue that back-pressure builds/);
  const fixed = judge({ runs: 3, meanRps: 50_000, sdRps: 300, seed: 26, extra: { loopbackBytesPerSec: 1e9 } }, { runs: 3, meanRps: 50_000, sdRps: 300, seed: 27, extra: { loopbackBytesPerSec: 1e9 } });
  assert.ok(!fixed.scenarios[0]!.gates.some((g) => g.gate === 'throughput.calibrated in steady'));
  assert.match(fixed.scenarios[0]!.skipped.find((k) => k.gate === 'throughput.calibrated in steady')!.reason, /^a fixed rate: throughput is the rate/);
});
