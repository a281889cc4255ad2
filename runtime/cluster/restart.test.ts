import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../core/index.js';
import { CheckpointStorage, METADATA_FILE_NAME } from '../checkpoint/index.js';
import { LocalCluster } from './local-cluster.js';
import { presetJobGraph } from '../job/index.js';
import type { JobDetails } from './rest-client.js';
import { awaitJobEnd, awaitTaskManagers, until, testClusterConfig } from '../test-support/cluster-fixture.js';

const RATE_PER_SEC = 3000;
const DURATION_MS = 4000;
const PARALLELISM = 2;


let dir: string;
let cluster: LocalCluster;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowlab-restart-'));
  const config = testClusterConfig(dir, {
    'execution.checkpointing.interval': '300 ms',
    'state.checkpoints.num-retained': 3,
    // a frozen TaskManager is declared lost after 2 s without a heartbeat
    'heartbeat.interval': '200 ms',
    'heartbeat.timeout': '2 s',
    // restart-strategy unset: fixed-delay because checkpointing is enabled
    'restart-strategy.fixed-delay.delay': '1 s',
  });
  cluster = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore' });
  await registered(2);
});

after(async () => {
  await cluster.stop();
  await rm(dir, { recursive: true, force: true });
});

const registered = (n: number): Promise<void> => awaitTaskManagers(cluster.client, n);

async function submitAndAwaitCheckpoints(minCompleted: number): Promise<string> {
  const graph = presetJobGraph('keyby-aggregate', PARALLELISM, { ratePerSec: RATE_PER_SEC, durationMs: DURATION_MS, keys: 64, seed: 3 });
  const { jobId } = await cluster.client.submitJob(graph);
  await until(`${minCompleted} completed checkpoints`, async () => ((await cluster.client.checkpoints(jobId)).counts.completed >= minCompleted ? true : undefined), 20_000);
  return jobId;
}

const awaitEnd = (jobId: string): Promise<JobDetails> => awaitJobEnd(cluster.client, jobId);

/** The sink proves exactly-once across the restart, and the restored sources ended at the original logical end. */
async function assertExactlyOnce(jobId: string): Promise<void> {
  const { aggregate } = await cluster.client.metrics(jobId);
  assert.equal(aggregate.sourceRecordsOut, PARALLELISM * RATE_PER_SEC * (DURATION_MS / 1000), 'the restored sources end at the same record as the original would');
  assert.equal(aggregate.sinkRecordsIn, aggregate.sourceRecordsOut, 'lost 0');
  assert.equal(aggregate.sinkDuplicated, 0, 'duplicated 0');
  assert.equal(aggregate.sinkOutOfOrder, 0, 'out of order 0 (keyBy: one path per key)');
}

test('a killed TaskManager restarts the job on the survivor from the latest checkpoint, and the sink proves exactly-once', async () => {
  const jobId = await submitAndAwaitCheckpoints(1);
  cluster.killTaskManager('tm-1');
  const job = await awaitEnd(jobId);
  assert.equal(job.state, 'FINISHED', job.failureReason ?? '');
  assert.equal(job.restarts, 1);
  assert.ok((job.restoredFromCheckpoint ?? 0) >= 1, `restored from checkpoint ${String(job.restoredFromCheckpoint)}`);
  assert.equal(job.attempts?.length, 2);
  assert.deepEqual(job.attempts?.[1]?.taskManagers, ['tm-0'], 'the new attempt runs on the surviving TaskManager');
  assert.match(job.failureHistory?.[0]?.reason ?? '', /tm-1/);
  assert.equal(job.failureHistory?.[0]?.restarted, true);
  await assertExactlyOnce(jobId);
  const cps = await cluster.client.checkpoints(jobId);
  assert.ok(cps.latest && cps.latest.id > (job.restoredFromCheckpoint ?? 0), 'checkpoint ids keep increasing after the restart');
});

test('a checkpoint whose _metadata is truncated is never restored from: the job restores from the previous one', async () => {
  await cluster.restartTaskManager('tm-1');
  await registered(2);
  const jobId = await submitAndAwaitCheckpoints(2);
  cluster.killTaskManager('tm-1');
  // the restart waits 1 s (fixed delay): corrupt the newest complete checkpoint before it reads the storage
  await until('RESTARTING', async () => ((await cluster.client.job(jobId)).state === 'RESTARTING' ? true : undefined), 5_000, 20);
  await new Promise((r) => setTimeout(r, 100)); // a checkpoint finalizing at the kill writes its _metadata by now
  const storage = new CheckpointStorage({ root: dir, jobId, numRetained: 3, logger: createLogger('restart-test', 'error') });
  const newest = await storage.latestCompleted();
  assert.ok(newest && newest.checkpointId >= 2, `newest complete checkpoint ${String(newest?.checkpointId)}`);
  const metadata = join(newest.dir, METADATA_FILE_NAME);
  await truncate(metadata, Math.floor((await readFile(metadata)).length / 2));
  const previous = await storage.latestCompleted();
  assert.ok(previous && previous.checkpointId < newest.checkpointId);

  const job = await awaitEnd(jobId);
  assert.equal(job.state, 'FINISHED', job.failureReason ?? '');
  assert.equal(job.restarts, 1);
  assert.equal(job.restoredFromCheckpoint, previous.checkpointId, `not the truncated checkpoint ${newest.checkpointId}`);
  await assertExactlyOnce(jobId);
});

test('a TaskManager that stops heartbeating (frozen with SIGSTOP) is lost; the job restarts from the latest checkpoint and stays exactly-once', async () => {
  await cluster.restartTaskManager('tm-1');
  await registered(2);
  const jobId = await submitAndAwaitCheckpoints(1);
  cluster.killTaskManager('tm-1', 'SIGSTOP');
  try {
    const job = await awaitEnd(jobId);
    assert.equal(job.state, 'FINISHED', job.failureReason ?? '');
    assert.equal(job.restarts, 1);
    assert.match(job.failureHistory?.[0]?.reason ?? '', /tm-1 lost: no heartbeat/);
    assert.ok((job.restoredFromCheckpoint ?? 0) >= 1);
    await assertExactlyOnce(jobId);
  } finally {
    cluster.killTaskManager('tm-1', 'SIGKILL');
  }
});
