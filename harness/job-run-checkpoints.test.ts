import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { JobManagerClient } from '../runtime/index.js';
import { JobRun, fetchCheckpoints, type RunOptions } from './job-run.js';
import { emptyCheckpoints } from './result-document.js';

const base: RunOptions = {
  taskManagers: 2,
  parallelism: 2,
  topology: 'keyby-aggregate',
  ratePerSec: 5_000,
  recordSizeBytes: 100,
  keys: 64,
  keyDistribution: 'uniform',
  mapCostUs: 0,
  durationMs: 1500,
  warmupMs: 0,
  seed: 1,
  config: { 'execution.buffer-timeout': '10 ms' },
  calibrate: false,
};

test('a run with checkpointing reports its checkpoints in the result document', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flowlab-run-cp-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const result = await new JobRun({ ...base, config: { ...base.config, 'execution.checkpointing.interval': '200 ms', 'execution.checkpointing.dir': dir } }).execute();
  assert.equal(result.state, 'completed', result.error);
  const cp = result.checkpoints;
  assert.equal(cp.error, undefined);
  assert.ok(cp.completed > 0, `completed ${cp.completed}`);
  for (const [name, summary] of Object.entries({ durationMs: cp.durationMs, alignmentMs: cp.alignmentMs, startDelayMs: cp.startDelayMs, persistedBytes: cp.persistedBytes, stateBytes: cp.stateBytes })) {
    assert.equal(summary.count, cp.completed, name);
    const decoded = hdr.decodeFromCompressedBase64(summary.histogram!);
    try {
      assert.equal(decoded.totalCount, cp.completed, `${name}: the histogram holds every completed checkpoint`);
    } finally {
      decoded.destroy();
    }
  }
  assert.ok(cp.durationMs.p50 > 0 && cp.durationMs.p50 <= cp.durationMs.max);
  const completed = cp.history.filter((h) => h.status === 'COMPLETED');
  assert.ok(completed.length > 0 && completed.length <= cp.completed);
  assert.ok(completed.every((h) => h.durationMs !== null && !h.unaligned && h.stateBytes > 0), JSON.stringify(completed));
  assert.deepEqual(cp.history.map((h) => h.id), [...cp.history.map((h) => h.id)].sort((a, b) => b - a), 'newest first');
});

test('a run without checkpointing has zero counts and empty summaries', async () => {
  const result = await new JobRun({ ...base, durationMs: 500 }).execute();
  assert.equal(result.state, 'completed', result.error);
  const none = { p50: 0, p99: 0, max: 0, count: 0 };
  assert.deepEqual(result.checkpoints, { completed: 0, failed: 0, durationMs: none, alignmentMs: none, startDelayMs: none, persistedBytes: none, stateBytes: none, history: [] });
});

test('checkpoint figures that cannot be fetched are recorded as an error in the section, not thrown', async () => {
  // a JobManager address where nothing listens any more
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port: closedPort } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  const refused = await fetchCheckpoints(new JobManagerClient({ host: '127.0.0.1', port: closedPort }), 'job');
  assert.match(refused.error ?? '', /^checkpoint figures could not be fetched from the JobManager: /);
  assert.deepEqual({ ...refused, error: undefined }, { ...emptyCheckpoints(), error: undefined });

  // a JobManager that accepts the request and never answers
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = silent.address() as AddressInfo;
    const unanswered = await fetchCheckpoints(new JobManagerClient({ host: '127.0.0.1', port }), 'job', 100);
    assert.match(unanswered.error ?? '', /no answer within 100 ms/);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});
