import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMemoryBench, runMemoryBench } from './memory-bench.js';

test('bench memory (smoke): under backpressure each TaskManager reports its RSS and pool gauges, buffers in use within the pool', async () => {
  const r = await runMemoryBench({ durationMs: 2500, sinkCostUs: 200 });
  assert.equal(r.taskManagers.length, 2);
  for (const tm of r.taskManagers) {
    assert.ok(tm.samples >= 3, `${tm.id} sampled`);
    assert.ok(tm.maxRssBytes > 0 && tm.rssAtStartBytes > 0, `${tm.id} RSS read`);
    assert.ok(tm.totalSegments > 0, `${tm.id} pool gauge read`);
    assert.ok(tm.maxUsedSegments > 0 && tm.maxUsedSegments <= tm.totalSegments, `${tm.id}: ${tm.maxUsedSegments} of ${tm.totalSegments}`);
  }
  assert.ok(r.sourceBackPressuredFraction > 0.5, `source back-pressured ${r.sourceBackPressuredFraction}`);
  assert.match(renderMemoryBench(r), /max RSS/);
});
