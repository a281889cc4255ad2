import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDebloatCases, renderDebloatBench, runDebloatBench } from './debloat-bench.js';

test('bench:debloat smoke mode: one aligned checkpoint with debloating, every logged recalculation recomputed', async () => {
  const cases = defaultDebloatCases({ targetMs: 300, costsUs: [40, 200] }).filter((c) => c.id === 's10-on-40');
  assert.equal(cases.length, 1);
  const r = await runDebloatBench({ cases, checkpoints: 1, settleMs: 1000, maxConvergeMs: 1000, warmupCheckpoint: false, targetMs: 300 });
  const row = r.results[0]!;
  assert.equal(row.error, undefined, row.error);
  assert.equal(row.durationsMs.length, 1);
  assert.ok(row.samples.length > 0, 'recalculations were logged');
  assert.ok(row.meanDebloatedBytes >= 256 && row.meanDebloatedBytes <= 32_768);
  const formula = r.checks.find((c) => c.figure.startsWith('every logged recalculation'));
  assert.ok(formula?.pass, JSON.stringify(formula));
  assert.match(renderDebloatBench(r), /s10-on-40/);
});
