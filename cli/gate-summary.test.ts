/** The human rendering of a verdict: headline with the exit code, provenance, one table per scenario, the diagnosis and what was not judged. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verdictDocumentSchema, type VerdictDocument } from '../harness/index.js';
import { renderGateVerdict } from './gate-summary.js';

const doc: VerdictDocument = verdictDocumentSchema.parse({
  schemaVersion: 1,
  kind: 'flowlab-gate-verdict',
  verdict: 'regression',
  exitCode: 1,
  headline: 'regression: 1 of 5 gates (map-at-rate/base: throughput.recordsPerSec in steady −41 % (95 % CI −44 %…−38 %); map busy 160 → 990 ms/s)',
  createdAt: '2026-11-30T15:00:00.000Z',
  current: { sources: ['results/gate-e2e/2026-11-30T15-00-00Z'], runs: 3, commits: ['0123456789abcdef0123456789abcdef01234567'], environment: null, calibrated: false },
  baseline: { file: 'suites/baselines/gate-e2e.json', name: 'gate-e2e', source: 'measured', commit: 'fedcba9876543210fedcba9876543210fedcba98', createdAt: '2026-11-30T14:00:00.000Z', environment: null },
  likeForLike: { like: true, differences: [] },
  noiseFloor: { throughputPct: 2.5, latencyPct: 12, from: "the baseline's A/A control" },
  options: { minSamples: 3, alpha: 0.05, minChangePct: 4, latencyThresholdPct: 10, maxThresholdPct: 25, bootstrapIterations: 1000, seed: 1, failOnInconclusive: false },
  notes: [],
  counts: { pass: 3, improvement: 0, regression: 1, inconclusive: 1, invalid: 0 },
  scenarios: [
    {
      scenario: 'map-at-rate',
      variant: 'base',
      verdict: 'regression',
      runs: { current: 3, completed: 3, baseline: 3 },
      gates: [
        { gate: 'job completed', metric: 'state', phase: null, rule: 'invariant', method: 'invariant', direction: null, unit: null, verdict: 'pass', reason: '3 of 3 runs completed', current: null, baseline: null, changePct: null, ci95Pct: null, pValue: null, thresholdPct: null, thresholdFrom: null },
        {
          gate: 'throughput.recordsPerSec in steady',
          metric: 'throughput.recordsPerSec',
          phase: 'steady',
          rule: 'baseline',
          method: 'welch',
          direction: 'higher-is-better',
          unit: 'records/s',
          verdict: 'regression',
          reason: '−41 %',
          current: { n: 3, mean: 1770, stddev: 20 },
          baseline: { n: 3, mean: 3000, stddev: 5 },
          changePct: -41,
          ci95Pct: [-44, -38],
          pValue: 0.0001,
          thresholdPct: 4,
          thresholdFrom: '4 %',
          diagnosis: 'throughput.recordsPerSec in steady −41 % (95 % CI −44 %…−38 %); map busy 160 → 990 ms/s',
        },
        {
          gate: 'latencyUs.p99 in steady',
          metric: 'latencyUs.p99',
          phase: 'steady',
          rule: 'baseline',
          method: 'bootstrap',
          direction: 'lower-is-better',
          unit: 'µs',
          verdict: 'inconclusive',
          reason: 'too noisy: +20 % (95 % CI −5 %…+60 %)',
          current: { n: 3, mean: 12000, stddev: null },
          baseline: { n: 3, mean: 10000, stddev: null },
          changePct: 20,
          ci95Pct: [-5, 60],
          pValue: null,
          thresholdPct: 12,
          thresholdFrom: 'A/A noise floor',
          inconclusiveBecause: 'too-noisy',
          runsToSettle: 9,
        },
      ],
      skipped: [{ gate: 'latencyUs.p999 in steady', reason: 'the baseline has 13,500 samples; p99.9 needs ≥ 10,000' }],
      evidence: ['map busy 160 → 990 ms/s'],
    },
  ],
});

test('the verdict renders as a headline, provenance, a table, the diagnosis and what was not judged', () => {
  const text = renderGateVerdict(doc);
  const lines = text.split('\n');
  assert.match(lines[0]!, /^flowlab gate: REGRESSION \(exit 1\) — regression: 1 of 5 gates/);
  assert.equal(lines[1], 'results: results/gate-e2e/2026-11-30T15-00-00Z (3 runs, commit 0123456789ab)');
  assert.equal(lines[2], 'baseline: gate-e2e (measured, suites/baselines/gate-e2e.json, commit fedcba987654, 2026-11-30T14:00:00.000Z)');
  assert.equal(lines[3], 'like-for-like: yes');
  assert.match(lines[4]!, /^A\/A noise floor: throughput 2\.5 %, p99 12 %/);
  assert.ok(lines.includes('map-at-rate/base: REGRESSION (3 of 3 runs completed; baseline 3 runs)'));
  const row = lines.find((l) => l.startsWith('  throughput.recordsPerSec in steady'))!;
  assert.match(row, /REGRESSION\s+−41 %\s+−44 %…−38 %\s+4\.0 % \(4 %\)\s+p = < 0\.001; 3,000 → 1,770 records\/s$/);
  assert.match(lines.find((l) => l.startsWith('  latencyUs.p99 in steady'))!, /inconclusive .* → about 9 runs per side would settle it$/);
  assert.ok(lines.includes('  → REGRESSION: throughput.recordsPerSec in steady −41 % (95 % CI −44 %…−38 %); map busy 160 → 990 ms/s'));
  assert.ok(lines.includes('  not judged: latencyUs.p999 in steady: the baseline has 13,500 samples; p99.9 needs ≥ 10,000'));
  assert.equal(lines.at(-1), 'gates: 3 pass, 0 improvement, 1 regression, 1 inconclusive, 0 invalid');
});
