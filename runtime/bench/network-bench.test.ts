import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judge, ratioNoise, renderBenchTable, runNetworkBench } from './network-bench.js';

test('bench:network smoke mode runs every case in real processes and yields finite ratios', async () => {
  const result = await runNetworkBench({ durationMs: 250, warmupMs: 150, rounds: 1 });
  assert.deepEqual(
    result.rows.map((r) => r.name),
    ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
  );
  for (const row of result.rows) {
    assert.ok(Number.isFinite(row.ratio) && row.ratio > 0, `case ${row.name} ratio ${row.ratio}`);
    assert.ok(row.flowlab > 0 && row.baseline > 0, `case ${row.name} figures`);
  }
  assert.match(renderBenchTable(result), /\| a \| bytes\/s/);
  const a = result.rows.find((r) => r.name === 'a')!;
  assert.ok(a.cpu && a.cpu.flowlab.senderUs > 0 && a.cpu.flowlab.receiverUs > 0 && a.cpu.baseline.receiverUs > 0, 'CPU per MB of each side');
});

test('the guard: a ratio short of its target by more than the run\'s noise is missed, by less is within noise', () => {
  assert.equal(judge(0.9, 0, { op: '>=', value: 0.85 }), 'met');
  assert.equal(judge(0.8, 0.1, { op: '>=', value: 0.85 }), 'within-noise');
  assert.equal(judge(0.6, 0.1, { op: '>=', value: 0.85 }), 'missed');
  assert.equal(judge(1.6, 0.05, { op: '<=', value: 1.5 }), 'missed');
  assert.equal(judge(1.52, 0.05, { op: '<=', value: 1.5 }), 'within-noise');
  assert.equal(judge(NaN, 1, { op: '<=', value: 1.5 }), 'missed');
  // per-round ratios 0.5, 0.7, 0.6: noise is half their range
  assert.ok(Math.abs(ratioNoise([10, 10, 10], [5, 7, 6]) - 0.1) < 1e-12);
  assert.equal(ratioNoise([10], [5]), 0);
});
