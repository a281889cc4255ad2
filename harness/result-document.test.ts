import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TaskMetricsReport } from '../runtime/index.js';
import { PoolUsageSampler, taskRows } from './result-document.js';

/** A finished-looking report: the sampler and the rows only read state, pool usages and the time totals. */
function report(vertexId: string, state: TaskMetricsReport['state'], inPoolUsage: number, outPoolUsage: number): TaskMetricsReport {
  const counters = ['numRecordsIn', 'numRecordsOut', 'numBytesIn', 'numBytesOut', 'numBuffersIn', 'numBuffersOut', 'inputExclusiveBuffersUsage', 'inputFloatingBuffersUsage'] as const;
  const times = { backPressuredTimeMsPerSecond: 0, idleTimeMsPerSecond: 0, busyTimeMsPerSecond: 1000, accumulateBackPressuredTimeMs: 0, accumulateIdleTimeMs: 0, accumulateBusyTimeMs: 4000 };
  return { vertexId, subtaskIndex: 0, operator: 'sink', state, isBackPressured: false, inPoolUsage, outPoolUsage, ...times, ...Object.fromEntries(counters.map((k) => [k, 0])) } as TaskMetricsReport;
}

test('task rows show pool usage averaged over the samples taken while each task ran, not the drained final value', () => {
  const pools = new PoolUsageSampler();
  pools.add([report('sink', 'RUNNING', 1, 0), report('map', 'RUNNING', 0.2, 0.9)]);
  pools.add([report('sink', 'RUNNING', 0.5, 0), report('map', 'RUNNING', 0.4, 0.7)]);
  pools.add([report('sink', 'FINISHED', 0, 0)]); // not running: not sampled
  const rows = taskRows([report('sink', 'FINISHED', 0, 0), report('map', 'FINISHED', 0, 0.1), report('source', 'FINISHED', 0, 0.3)], pools.means());
  const byVertex = new Map(rows.map((r) => [r.vertex, r]));
  assert.equal(byVertex.get('sink')?.inPoolUsage, 0.75);
  assert.ok(Math.abs((byVertex.get('map')?.outPoolUsage ?? 0) - 0.8) < 1e-9);
  assert.equal(byVertex.get('source')?.outPoolUsage, 0.3, 'a task never sampled running keeps its final value');
  assert.equal(byVertex.get('sink')?.busyTimeMsPerSecond, 1000);
});
