import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderCheckpointBench, runCheckpointBench } from './checkpoint-bench.js';

test('bench:checkpoint smoke mode takes aligned checkpoints under backpressure at two costs', async () => {
  const r = await runCheckpointBench({ costsUs: [10, 40], checkpoints: 1, settleMs: 600, modes: ['aligned'] });
  assert.equal(r.rows.length, 2);
  for (const row of r.rows) {
    assert.equal(row.error, undefined);
    assert.equal(row.durationsMs.length, 1);
    assert.ok(row.medianDurationMs > 0 && row.stateBytes > 0, JSON.stringify(row)); // records/s needs windows longer than the 1 s metrics report
  }
  assert.ok(Number.isFinite(r.alignedGrowth));
  assert.match(renderCheckpointBench(r), /aligned/);
});
