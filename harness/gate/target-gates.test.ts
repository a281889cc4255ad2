/**
 * The network bench's ratios in the gate, on result documents with known ratios: each case against its own target
 * allowing the runs' noise (no baseline needed: a miss fails the gate, within noise is inconclusive), and
 * network.ratio@<case> against a baseline with the direction of the case's target (d: ≤ 1.5, lower is better).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBaseline } from './baseline.js';
import { evaluateGates, DEFAULT_GATE_OPTIONS } from './gate-evaluate.js';
import { runFigures, type RunFigures } from './gate-metrics.js';
import { fakeNetworkResult, type FakeNetworkCase } from './fake-results.js';
import { reportBaselineOf } from './report-verdicts.js';
import { analyzeHistory } from './history.js';
import type { ResultSet } from './results-input.js';
import { verdictDocumentSchema, type GateVerdict, type VerdictDocument } from './verdict-schema.js';

/** One run per entry: case → ratio and noise. */
function runs(perRun: readonly Readonly<Record<string, FakeNetworkCase>>[], cpuModel?: string): RunFigures[] {
  return perRun.map((cases, i) => runFigures(fakeNetworkResult({ repetition: i + 1, cases, ...(cpuModel ? { cpuModel } : {}) }), `run-${i + 1}`));
}

function gateWithoutBaseline(current: RunFigures[], options = DEFAULT_GATE_OPTIONS): VerdictDocument {
  return verdictDocumentSchema.parse(evaluateGates({ runs: current, sources: ['current'], now: new Date('2026-11-30T01:00:00Z') }, options));
}

function find(doc: VerdictDocument, gate: string): GateVerdict {
  const g = doc.scenarios.flatMap((s) => s.gates).find((x) => x.gate === gate);
  assert.ok(g, `${gate} among ${doc.scenarios.flatMap((s) => s.gates.map((x) => x.gate)).join(', ')}`);
  return g;
}

test('a ratio that misses its target by more than the runs’ noise fails the gate without a baseline; one that meets it passes', () => {
  const missed = gateWithoutBaseline(runs([{ a: { ratio: 0.6, noise: 0.02 } }, { a: { ratio: 0.62, noise: 0.03 } }, { a: { ratio: 0.59, noise: 0.01 } }]));
  const a = find(missed, 'network.ratio in a ≥ 0.85 (its target)');
  assert.equal(a.verdict, 'regression');
  assert.equal(a.rule, 'absolute');
  assert.equal(a.direction, 'higher-is-better');
  assert.match(a.reason, /0\.60 ± 0\.02 misses ≥ 0\.85 by more than its noise; median of 3 runs \(0\.60, 0\.62, 0\.59\)/);
  assert.equal(missed.verdict, 'regression');
  assert.equal(missed.exitCode, 1);
  // the per-run outcomes stored in the documents are left to this rule (no second, noise-blind gate from them)
  assert.equal(missed.scenarios[0]!.gates.filter((g) => g.metric === 'network.ratio').length, 1);

  const met = gateWithoutBaseline(runs([{ a: { ratio: 0.9 }, d: { ratio: 1.2 } }, { a: { ratio: 0.88 }, d: { ratio: 1.3 } }, { a: { ratio: 0.93 }, d: { ratio: 1.25 } }]));
  assert.equal(find(met, 'network.ratio in a ≥ 0.85 (its target)').verdict, 'pass');
  const d = find(met, 'network.ratio in d ≤ 1.5 (its target)');
  assert.equal(d.verdict, 'pass');
  assert.equal(d.direction, 'lower-is-better');
  assert.equal(met.exitCode, 0);
});

test('a ≤ target (d) is missed from above, and the spread of the runs counts as noise', () => {
  const high = gateWithoutBaseline(runs([{ d: { ratio: 1.85, noise: 0.1 } }, { d: { ratio: 1.9, noise: 0.1 } }, { d: { ratio: 1.8, noise: 0.1 } }]));
  assert.equal(find(high, 'network.ratio in d ≤ 1.5 (its target)').verdict, 'regression');
  assert.equal(high.exitCode, 1);
  // each run's own noise is 0, but the runs disagree by ± 0.3: a median of 1.6 is within that of 1.5
  const spread = gateWithoutBaseline(runs([{ d: { ratio: 1.3 } }, { d: { ratio: 1.6 } }, { d: { ratio: 1.9 } }]));
  const d = find(spread, 'network.ratio in d ≤ 1.5 (its target)');
  assert.equal(d.verdict, 'inconclusive');
  assert.equal(d.inconclusiveBecause, 'too-noisy');
  assert.match(d.reason, /1\.60 ± 0\.30 misses ≤ 1\.5 by less than its noise/);
});

test('within noise is inconclusive: exit 0, or 1 with --fail-on-inconclusive; a case with no ratio is a miss', () => {
  const current = runs([{ b: { ratio: 0.86, noise: 0.15 } }, { b: { ratio: 0.84, noise: 0.1 } }, { b: { ratio: 0.88, noise: 0.12 } }]);
  const doc = gateWithoutBaseline(current);
  assert.equal(find(doc, 'network.ratio in b ≥ 0.9 (its target)').verdict, 'inconclusive');
  assert.equal(doc.exitCode, 0);
  assert.equal(gateWithoutBaseline(current, { ...DEFAULT_GATE_OPTIONS, failOnInconclusive: true }).exitCode, 1);

  const nothing = gateWithoutBaseline(runs([{ d: { ratio: null } }, { d: { ratio: null } }]));
  const d = find(nothing, 'network.ratio in d ≤ 1.5 (its target)');
  assert.equal(d.verdict, 'regression');
  assert.match(d.reason, /no ratio in any of 2 run\(s\)/);
});

test('against a baseline, network.ratio@<case> takes its direction from the case’s target: d rising is a regression, a rising is an improvement', () => {
  const before = runs([
    { a: { ratio: 0.6 }, d: { ratio: 1.2 } },
    { a: { ratio: 0.61 }, d: { ratio: 1.21 } },
    { a: { ratio: 0.59 }, d: { ratio: 1.19 } },
  ]);
  const baseline = buildBaseline([{ source: 'before', suite: null, runs: before, startedAt: before[0]!.startedAt, commit: before[0]!.commit }], { name: 'network', createdAt: new Date('2026-11-30T00:00:00Z') });
  const scalars = baseline.scenarios['network-bench/base']!.scalars;
  assert.equal(scalars['network.ratio@d']!.direction, 'lower-is-better');
  assert.equal(scalars['network.ratio@a']!.direction, 'higher-is-better');
  assert.deepEqual(scalars['network.ratio@d']!.samples, [1.2, 1.21, 1.19]);

  const after = runs([
    { a: { ratio: 0.8 }, d: { ratio: 1.45 } },
    { a: { ratio: 0.81 }, d: { ratio: 1.44 } },
    { a: { ratio: 0.79 }, d: { ratio: 1.46 } },
  ]);
  const doc = verdictDocumentSchema.parse(evaluateGates({ runs: after, sources: ['after'], baseline: { file: 'network.json', document: baseline } }));
  const d = find(doc, 'network.ratio in d');
  assert.equal(d.rule, 'baseline');
  assert.equal(d.direction, 'lower-is-better');
  assert.equal(d.verdict, 'regression', d.reason);
  assert.equal(find(doc, 'network.ratio in a').verdict, 'improvement');
  // d still meets its own target (1.45 ≤ 1.5): only the baseline sees that it got worse
  assert.equal(find(doc, 'network.ratio in d ≤ 1.5 (its target)').verdict, 'pass');
  assert.equal(doc.exitCode, 1);
  // the reports' baseline table shows both ratios
  const shown = reportBaselineOf(doc).verdicts!.filter((v) => v.metric === 'network.ratio').map((v) => `${v.phase} ${v.verdict}`);
  assert.deepEqual(shown.sort(), ['a improvement', 'd regression']);

  // on another machine the same-run ratios are still compared (as the calibrated throughput is)
  const elsewhere = runs([{ a: { ratio: 0.6 }, d: { ratio: 1.2 } }, { a: { ratio: 0.6 }, d: { ratio: 1.2 } }, { a: { ratio: 0.6 }, d: { ratio: 1.2 } }], 'Intel Xeon');
  const other = verdictDocumentSchema.parse(evaluateGates({ runs: elsewhere, sources: ['elsewhere'], baseline: { file: 'network.json', document: baseline } }));
  assert.equal(other.likeForLike.like, false);
  assert.equal(find(other, 'network.ratio in d').verdict, 'pass');
});

test('across nights, a network ratio’s direction is its case’s: d stepping up is worse, a stepping up is better', () => {
  const sets: ResultSet[] = Array.from({ length: 12 }, (_, night) => {
    const later = night >= 6;
    const commit = String(night).padStart(2, '0').padEnd(40, 'b');
    const startedAt = new Date(Date.UTC(2026, 10, 1 + night, 2)).toISOString();
    const wobble = (rep: number): number => 1 + (rep - 1) * 0.004;
    const nightRuns = runs([0, 1, 2].map((rep) => ({ a: { ratio: (later ? 0.8 : 0.6) * wobble(rep) }, d: { ratio: (later ? 1.45 : 1.2) * wobble(rep) } }))).map((r) => ({ ...r, commit, startedAt }));
    return { source: `night-${night}`, suite: null, runs: nightRuns, startedAt, commit };
  });
  const history = analyzeHistory(sets, { pValue: 0.001, minSegment: 3, magnitudePct: 1, minChangePct: 4 });
  const series = (phase: string) => history.series.find((s) => s.metric === 'network.ratio' && s.phase === phase)!;
  assert.equal(series('d').direction, 'lower-is-better');
  assert.equal(series('d').verdict, 'regression', series('d').reason);
  assert.equal(series('a').direction, 'higher-is-better');
  assert.equal(series('a').verdict, 'improvement', series('a').reason);
});
