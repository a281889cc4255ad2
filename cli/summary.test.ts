import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResultDocument } from '../harness/index.js';
import { renderSummary } from './summary.js';

type Checkpoints = ResultDocument['checkpoints'];
const none = { p50: 0, p99: 0, max: 0, count: 0 };
const noCheckpoints: Checkpoints = { completed: 0, failed: 0, durationMs: none, alignmentMs: none, startDelayMs: none, persistedBytes: none, stateBytes: none, history: [] };

/** A small completed run with the given checkpoints section. */
function result(checkpoints: Checkpoints): ResultDocument {
  const latencyUs = { p50: 1000, p90: 2000, p99: 3000, p999: 4000, max: 5000, count: 10 };
  return {
    schemaVersion: 2,
    flowlab: { version: '0.0.0', commit: null },
    state: 'completed',
    environment: { cpuModel: 'cpu', cores: 2, memoryBytes: 1, os: 'os', node: 'v20' },
    seed: 1,
    startedAt: '2024-01-01T00:00:00.000Z',
    durationMs: 1000,
    config: {},
    workload: { ratePerSec: 1000, recordSizeBytes: 100, keys: 1, keyDistribution: 'uniform', durationMs: 1000, warmupMs: 0, mapCostUs: 0, sinkCostUs: 0 },
    topology: { preset: 'keyby-aggregate', parallelism: 1, taskManagers: 1, slotsPerTaskManager: 1, vertices: [] },
    calibration: { loopbackBytesPerSec: 0, loopbackRttUs: 0 },
    throughput: { recordsPerSec: 1000, bytesPerSec: 100_000 },
    latencyUs,
    checkpoints,
    tasks: [],
    sink: { records: 1000, lost: 0, duplicated: 0, outOfOrder: 0 },
    phases: [],
    faults: [],
    timeseries: [],
  };
}

test('the summary has two checkpoint lines when checkpoints were triggered', () => {
  const text = renderSummary(
    result({
      ...noCheckpoints,
      completed: 12,
      failed: 1,
      durationMs: { p50: 40, p99: 180, max: 185, count: 12 },
      alignmentMs: { p50: 3, p99: 20, max: 21, count: 12 },
      startDelayMs: { p50: 1, p99: 5, max: 5, count: 12 },
      persistedBytes: { p50: 1_234_567, p99: 9_000_000, max: 9_100_000, count: 12 },
      stateBytes: { p50: 8_257, p99: 8_300, max: 8_300, count: 12 },
    }),
  );
  const lines = text.split('\n').filter((l) => l.startsWith('checkpoint'));
  assert.deepEqual(lines, [
    'checkpoints: 12 completed, 1 failed, duration p50 40 ms, p99 180 ms, max 185 ms',
    'checkpoint alignment max 21 ms, start delay max 5 ms, persisted in-flight data p50 1.2 MB (max 9.1 MB), state p50 8.3 kB',
  ]);
});

test('the summary has no checkpoint line without checkpoints, one line when none completed or the figures are missing', () => {
  const lines = (c: Checkpoints): string[] => renderSummary(result(c)).split('\n').filter((l) => l.startsWith('checkpoint'));
  assert.deepEqual(lines(noCheckpoints), []);
  assert.deepEqual(lines({ ...noCheckpoints, failed: 2 }), ['checkpoints: 0 completed, 2 failed']);
  assert.deepEqual(lines({ ...noCheckpoints, error: 'checkpoint figures could not be fetched from the JobManager: no answer within 5000 ms' }), [
    'checkpoints: checkpoint figures could not be fetched from the JobManager: no answer within 5000 ms',
  ]);
});

test('with buffer debloating the task table has a column for the debloated size and the time to consume; without, none', () => {
  const row = { backPressuredTimeMsPerSecond: 0, idleTimeMsPerSecond: 0, busyTimeMsPerSecond: 1000, inPoolUsage: 0, outPoolUsage: 0, numRecordsIn: 10, numRecordsOut: 10 };
  const doc = result(noCheckpoints);
  doc.tasks = [
    { vertex: 'sink', subtask: 0, ...row, debloatedBufferSize: 4230, estimatedTimeToConsumeBuffersMs: 301.4 },
    { vertex: 'source', subtask: 0, ...row },
  ];
  const lines = renderSummary(doc).split('\n');
  const header = lines.find((l) => l.startsWith('task'))!;
  assert.match(header, /debloated buffer \/ time to consume$/);
  assert.match(lines.find((l) => l.startsWith('sink#0'))!, /4,230 B \/ 301 ms$/);
  assert.match(lines.find((l) => l.startsWith('source#0'))!, / -$/);
  doc.tasks = doc.tasks.map(({ debloatedBufferSize: _s, estimatedTimeToConsumeBuffersMs: _e, ...t }) => t);
  assert.doesNotMatch(renderSummary(doc), /debloated/);
});
