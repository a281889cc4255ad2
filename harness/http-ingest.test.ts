/**
 * kind: http on real processes through the harness: autocannon drives the HTTP sources; every record the sources
 * accepted reaches the sinks exactly once (the sinks' key digest), none of a 503 does, and a slow sink produces 503s.
 * Bad kind: http scenarios fail before anything starts, naming the field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobRun } from './job-run.js';
import { loadScenario } from './scenario-loader.js';
import { resultDocumentSchema } from './result-schema.js';
import { FileValidationError, SourceFile } from './source-locations.js';

const scenario = (sinkCostUs: number): string => `
name: http-test
description: HTTP ingest through the harness
cluster: { taskManagers: 2 }
config:
  execution.buffer-timeout: 5 ms
  taskmanager.memory.segment-size: 4kb
  taskmanager.network.memory.buffers-per-channel: 2
  taskmanager.network.memory.floating-buffers-per-gate: 2
job: { topology: source-sink, parallelism: 1, sinkCostUs: ${sinkCostUs} }
workload:
  kind: http
  http: { rate: 400, connections: 16, recordsPerRequest: 25, wait: 20ms, retryAfter: 3s }
  recordSize: 100
  keys: 4096
  warmup: 500ms
  duration: 2500ms
calibrate: false`;

test('kind: http with a slow sink: 503s with the load, and the sinks hold exactly the records the sources accepted', async () => {
  const loaded = loadScenario(SourceFile.parse('http-test.yaml', scenario(600)));
  const doc = resultDocumentSchema.parse(await new JobRun(loaded.options).execute());
  assert.equal(doc.state, 'completed', doc.error);
  const ingest = doc.ingest!;
  assert.ok(ingest.status.ok2xx > 0, JSON.stringify(ingest.status));
  assert.ok(ingest.status.unavailable503 > 0, `a 600 µs sink behind 10,000 records/s must push back: ${JSON.stringify(ingest.status)}`);
  assert.deepEqual(ingest.delivery, { exactlyOnce: true });
  assert.equal(ingest.records.atSinks, ingest.records.acceptedBySources);
  // a 503 rejects all of its records (requests in flight when the load stopped were answered to nobody)
  assert.ok(ingest.records.rejectedBySources >= ingest.status.unavailable503 * 25 && ingest.records.rejectedBySources % 25 === 0, JSON.stringify(ingest.records));
  assert.ok(ingest.records.acceptedByClient <= ingest.records.acceptedBySources);
  assert.equal(doc.sink.lost, 0);
  assert.equal(doc.sink.duplicated, 0);
  assert.equal(ingest.latencyUs.count, ingest.status.ok2xx + ingest.status.unavailable503 + ingest.status.other);
  assert.ok(ingest.latencyUs.histogram && doc.latencyUs.histogram, 'client and end-to-end histograms side by side');
});

test('kind: http scenarios that cannot hold exactly-once or lack the load fail before anything starts, naming the field', () => {
  const bad = (text: string): string => {
    try {
      loadScenario(SourceFile.parse('bad.yaml', text));
    } catch (error) {
      if (error instanceof FileValidationError) return error.message;
      throw error;
    }
    return assert.fail('expected a validation error');
  };
  const base = scenario(0);
  assert.match(bad(`${base}\nfaults: [{ kind: kill-taskmanager, at: 1s, taskManager: tm-1 }]`), /faults\[0\]: kill-taskmanager with kind: http/);
  assert.match(bad(base.replace('  http: { rate: 400, connections: 16, recordsPerRequest: 25, wait: 20ms, retryAfter: 3s }\n', '')), /workload\.kind: kind: http needs workload\.http/);
  assert.match(bad(base.replace('  recordSize: 100', '  recordSize: 100\n  rate: 5000')), /workload\.rate: does not apply to kind: http/);
  assert.match(bad(base.replace('  kind: http\n', '')), /workload\.http: applies to kind: http only/);
});
