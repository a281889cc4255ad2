import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCluster } from './local-cluster.js';
import { presetJobGraph } from '../job/index.js';
import { awaitJobEnd, awaitTaskManagers, until, testClusterConfig } from '../test-support/cluster-fixture.js';

// over what the keyBy pipeline drains on a shared machine: queues stay full, so every unaligned checkpoint
// persists in-flight data on both exchanges
const RATE_PER_SEC = 40_000;
const DURATION_MS = 3000;
const PARALLELISM = 2;


let dir: string;
let cluster: LocalCluster;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowlab-restart-uc-'));
  const config = testClusterConfig(dir, {
    'execution.buffer-timeout': '50 ms',
    'execution.checkpointing.interval': '200 ms',
    'execution.checkpointing.unaligned': true,
    'state.checkpoints.num-retained': 3,
    'restart-strategy.fixed-delay.delay': '500 ms',
  });
  cluster = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore' });
  await awaitTaskManagers(cluster.client, 2);
});

after(async () => {
  await cluster.stop();
  await rm(dir, { recursive: true, force: true });
});

test('killed mid-run, a job restores from an unaligned checkpoint: channel state is replayed and the sink proves exactly-once', async () => {
  const graph = presetJobGraph('keyby-aggregate', PARALLELISM, { ratePerSec: RATE_PER_SEC, durationMs: DURATION_MS, keys: 64, seed: 5 });
  const { jobId } = await cluster.client.submitJob(graph);
  // wait for a completed unaligned checkpoint that holds in-flight data, then kill a TaskManager
  await until(
    'a completed unaligned checkpoint with channel state',
    async () => ((await cluster.client.checkpoints(jobId)).history.some((h) => h.status === 'COMPLETED' && h.unaligned && h.persistedChannelStateBytes > 0) ? true : undefined),
    20_000,
    20,
  );
  cluster.killTaskManager('tm-1');
  const job = await awaitJobEnd(cluster.client, jobId, 60_000);
  assert.equal(job.state, 'FINISHED', job.failureReason ?? '');
  assert.equal(job.restarts, 1);
  const restoredId = job.restoredFromCheckpoint ?? 0;
  assert.ok(restoredId >= 1, `restored from checkpoint ${String(job.restoredFromCheckpoint)}`);
  const restored = (await cluster.client.checkpoints(jobId)).history.find((h) => h.id === restoredId);
  if (restored) {
    assert.ok(restored.unaligned, `checkpoint ${restoredId} was unaligned`);
    assert.ok(restored.persistedChannelStateBytes > 0, `checkpoint ${restoredId} persisted channel state`);
  }
  const { aggregate } = await cluster.client.metrics(jobId);
  assert.equal(aggregate.sourceRecordsOut, PARALLELISM * RATE_PER_SEC * (DURATION_MS / 1000), 'the restored sources end at the same record as the original would');
  assert.equal(aggregate.sinkDuplicated, 0, 'duplicated 0');
  assert.equal(aggregate.sinkOutOfOrder, 0, 'out of order 0 (keyBy: one path per key)');
  assert.equal(aggregate.sinkRecordsIn, aggregate.sourceRecordsOut, 'lost 0');
});
