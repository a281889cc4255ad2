import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as hdr from 'hdr-histogram-js';
import { JobMetricsStore, aggregateJobMetrics } from './job-metrics.js';
import type { TaskMetricsReport } from '../job/index.js';
import { taskReport } from '../test-support/task-report.js';

function sinkReport(subtask: number, records: number, latenciesUs: number[]): TaskMetricsReport {
  const h = hdr.build({ numberOfSignificantValueDigits: 3 });
  for (const v of latenciesUs) h.recordValue(v);
  const latencyHistogram = hdr.encodeIntoCompressedBase64(h);
  h.destroy();
  return taskReport('sink', subtask, 'sink', {
    numRecordsIn: records,
    sink: { records, duplicated: 0, outOfOrder: 0, latencyHistogram, bySource: [] },
  });
}

test('a restart retires the attempt: counters restart from the new attempt, latency keeps every attempt’s samples', () => {
  const store = new JobMetricsStore();
  store.update('tm-0', 1, sinkReport(0, 3, [100, 200, 300]));
  store.update('tm-1', 1, sinkReport(1, 2, [50_000, 60_000]));
  store.retireAttempt();
  assert.equal(store.reports().length, 0);
  store.update('tm-0', 2, sinkReport(0, 4, [400])); // restored counters continue; one record received so far
  const agg = aggregateJobMetrics(
    store.reports().map((s) => s.report),
    undefined,
    store.retiredLatencyHistograms,
  );
  assert.equal(agg.sinkRecordsIn, 4, 'counters are the current attempt’s');
  assert.equal(agg.latencyUs.count, 6, 'latency has the 5 samples of the replaced attempt and the new one');
  assert.ok(agg.latencyUs.max >= 59_000, 'the slow samples from before the failure are kept');
  const fresh = aggregateJobMetrics(store.reports().map((s) => s.report));
  assert.equal(fresh.latencyUs.count, 1);
  assert.equal(aggregateJobMetrics([], undefined, ['not base64 at all']).undecodableHistograms, 1);
});
