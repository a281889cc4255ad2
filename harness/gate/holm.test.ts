/** Holm's step-down method over a verdict's Welch tests: strong effects survive, a lone p = 0.03 among ten tests does not. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { holmAdjust } from './holm.js';
import type { GateVerdict } from './verdict-schema.js';

function welchGate(name: string, pValue: number, verdict: GateVerdict['verdict']): GateVerdict {
  return {
    gate: name,
    metric: 'throughput.recordsPerSec',
    phase: 'steady',
    rule: 'baseline',
    method: 'welch',
    direction: 'higher-is-better',
    unit: 'records/s',
    verdict,
    reason: '−10 %',
    current: { n: 3, mean: 45_000, stddev: 2000 },
    baseline: { n: 3, mean: 50_000, stddev: 2000 },
    changePct: -10,
    ci95Pct: [-19, -1],
    pValue,
    thresholdPct: 4,
    thresholdFrom: '4 %',
  };
}

test('among ten tests a regression at p = 0.0001 stands and one at p = 0.03 becomes inconclusive with the runs that would settle it', () => {
  const strong = welchGate('a', 0.0001, 'regression');
  const weak = welchGate('b', 0.03, 'regression');
  const others = Array.from({ length: 8 }, (_, i) => welchGate(`pass-${i}`, 0.2 + i * 0.1, 'pass'));
  assert.equal(holmAdjust([weak, ...others, strong], 0.05), 10);
  assert.equal(strong.verdict, 'regression');
  assert.equal(weak.verdict, 'inconclusive');
  assert.equal(weak.inconclusiveBecause, 'too-noisy');
  assert.match(weak.reason, /not significant after Holm–Bonferroni over 10 tests \(needs p ≤ 0\.0056\)$/);
  assert.ok(weak.runsToSettle! > 3);
  assert.ok(others.every((g) => g.verdict === 'pass'));
});

test('a single test keeps its level', () => {
  const only = welchGate('a', 0.03, 'regression');
  holmAdjust([only], 0.05);
  assert.equal(only.verdict, 'regression');
});
