import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderBenchTable, runNetworkBench } from './network-bench.js';

test('bench:network smoke mode runs every case in real processes and yields finite ratios', async () => {
  const result = await runNetworkBench({ durationMs: 250, warmupMs: 150, rounds: 1 });
  assert.deepEqual(
    result.rows.map((r) => r.name),
    ['a', 'b', 'c', 'd', 'e', 'f'],
  );
  for (const row of result.rows) {
    assert.ok(Number.isFinite(row.ratio) && row.ratio > 0, `case ${row.name} ratio ${row.ratio}`);
    assert.ok(row.flowlab > 0 && row.baseline > 0, `case ${row.name} figures`);
  }
  assert.match(renderBenchTable(result), /\| a \| bytes\/s/);
});
