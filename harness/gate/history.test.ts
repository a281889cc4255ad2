/**
 * Change points across nights: E-divisive means finds a step where it happened, a slow drift that no single night
 * would flag is reported with the commit where it began, and a flat noisy series has none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../core/index.js';
import { changePoints, energyDivergence } from './change-points.js';
import { fakeResult, normal } from './fake-results.js';
import { runFigures } from './gate-metrics.js';
import { analyzeHistory } from './history.js';
import { evaluateGates, DEFAULT_GATE_OPTIONS } from './gate-evaluate.js';
import type { ResultSet } from './results-input.js';

const OPTIONS = { pValue: 0.001, minSegment: 3, magnitudePct: 1, minChangePct: 4 };

test('the energy divergence is 0 for identical samples and grows with the distance between them', () => {
  assert.equal(energyDivergence([1, 2, 3], [1, 2, 3]), 0);
  assert.ok(energyDivergence([1, 2, 3], [11, 12, 13]) > energyDivergence([1, 2, 3], [2, 3, 4]));
});

test('a step of −10 % after night 12 of 24 is found at night 12; a flat series has no change point', () => {
  const random = new SeededRandom(1);
  const step = Array.from({ length: 24 }, (_, i) => normal(random, i < 12 ? 50_000 : 45_000, 500));
  const found = changePoints(step, OPTIONS);
  assert.equal(found.length, 1);
  assert.equal(found[0]!.index, 12);
  assert.ok(Math.abs(found[0]!.changePct + 10) < 2, `${found[0]!.changePct}`);
  assert.ok(found[0]!.pValue < 0.001);
  const flat = Array.from({ length: 24 }, () => normal(random, 50_000, 1000));
  assert.deepEqual(changePoints(flat, OPTIONS), []);
});

function nights(values: readonly number[]): ResultSet[] {
  return values.map((v, night) => {
    const commit = `${String(night).padStart(2, '0')}`.padEnd(40, 'a');
    const startedAt = new Date(Date.UTC(2026, 10, 1 + night, 2)).toISOString();
    const runs = [0, 1, 2].map((rep) => runFigures(fakeResult({ repetition: rep + 1, recordsPerSec: v * (1 + (rep - 1) * 0.005), commit, startedAt }), `night-${night}/rep-${rep + 1}`));
    return { source: `results/nightly/night-${night}`, suite: null, runs, startedAt, commit };
  });
}

test('a slow drift (−1 % a night from night 10, never 4 % in one night) is a regression naming the commit where it began', () => {
  const random = new SeededRandom(2);
  const values = Array.from({ length: 30 }, (_, i) => normal(random, 50_000 * (1 - 0.01 * Math.max(0, i - 9)), 250));
  for (let i = 1; i < values.length; i++) assert.ok(Math.abs(values[i]! / values[i - 1]! - 1) < 0.04, 'no night-to-night step reaches 4 %');
  const history = analyzeHistory(nights(values), OPTIONS);
  const s = history.series.find((x) => x.metric === 'throughput.recordsPerSec' && x.phase === 'steady')!;
  assert.equal(s.verdict, 'regression', s.reason);
  assert.ok(s.changePoints.length >= 1);
  assert.ok(s.changePoints.every((c) => c.worse));
  const began = s.changePoints[0]!;
  assert.ok(began.index >= 10 && began.index <= 16, `began at night ${began.index}`);
  assert.equal(began.commit, `${String(began.index).padStart(2, '0')}`.padEnd(40, 'a'));
  assert.match(s.reason, new RegExp(`^−\\d+ % since ${began.commit.slice(0, 12)} \\(2026-11-\\d\\dT02:00:00.000Z\\)`));
  const doc = evaluateGates({ runs: [], sources: [], history }, DEFAULT_GATE_OPTIONS);
  assert.equal(doc.verdict, 'regression');
  assert.equal(doc.exitCode, 1);
  assert.match(doc.headline, /^regression across 30 nights: pipeline\/base throughput.recordsPerSec in steady −\d+ % since/);
});

test('a flat history passes, and a short one is inconclusive', () => {
  const random = new SeededRandom(3);
  const flat = analyzeHistory(nights(Array.from({ length: 12 }, () => normal(random, 50_000, 400))), OPTIONS);
  assert.ok(flat.series.every((s) => s.verdict === 'pass'), flat.series.map((s) => s.reason).join('; '));
  const short = analyzeHistory(nights([50_000, 49_000, 40_000]), OPTIONS);
  assert.ok(short.series.every((s) => s.verdict === 'inconclusive'));
  assert.match(short.series[0]!.reason, /3 night\(s\); a change point needs ≥ 3 on each side/);
});
