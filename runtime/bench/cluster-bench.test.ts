import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderClusterBench, runClusterBench } from './cluster-bench.js';

test('bench:cluster smoke mode measures flowlab and the raw pipe in one run', async () => {
  const r = await runClusterBench({ durationMs: 500, warmupMs: 500, rounds: 1, recordBytes: 100 });
  assert.ok(r.flowlab.recordsPerSec > 0 && r.rawPipe.recordsPerSec > 0);
  assert.ok(Number.isFinite(r.ratios.records) && r.ratios.records > 0);
  assert.equal(r.cpu.length, 3, 'JobManager and two TaskManagers');
  assert.ok(r.cpu.every((c) => c.cpuSeconds > 0), JSON.stringify(r.cpu));
  assert.equal(r.exactlyOnce.lost, 0);
  assert.equal(r.exactlyOnce.duplicated, 0);
  assert.match(renderClusterBench(r), /records\/s/);
});

test('bench:cluster at parallelism 1 puts source and sink on different TaskManagers (the product-level case of issue 13)', async () => {
  const r = await runClusterBench({ durationMs: 500, warmupMs: 500, rounds: 1, recordBytes: 1024, parallelism: 1 });
  assert.equal(r.placement.source.length, 1);
  assert.equal(r.placement.sink.length, 1);
  assert.notEqual(r.placement.source[0], r.placement.sink[0], JSON.stringify(r.placement));
  assert.ok(r.flowlab.bytesPerSec > 0 && Number.isFinite(r.ratios.bytes));
  assert.equal(r.exactlyOnce.lost, 0);
  assert.equal(r.exactlyOnce.duplicated, 0);
  assert.match(renderClusterBench(r), /target \(issue 13\)/);
});
