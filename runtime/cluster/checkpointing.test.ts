import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointStorage } from '../checkpoint/index.js';
import { LocalCluster } from './local-cluster.js';
import { TOPOLOGY_PRESETS, presetJobGraph } from '../job/index.js';
import type { JobManagerClient } from './rest-client.js';
import { awaitJobEnd, awaitTaskManagers, until, testClusterConfig } from '../test-support/cluster-fixture.js';


const finished = (client: JobManagerClient, jobId: string) => awaitJobEnd(client, jobId, 30_000);

test('periodic aligned checkpoints complete on every preset, with _metadata written, and exactly-once holds', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flowlab-cp-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const config = testClusterConfig(dir, { 'execution.checkpointing.interval': '250 ms', 'state.checkpoints.num-retained': 2 });
  await using cluster = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore' });
  await awaitTaskManagers(cluster.client, 2);
  for (const preset of TOPOLOGY_PRESETS) {
    const graph = presetJobGraph(preset, 2, { ratePerSec: 10_000, durationMs: 2000, keys: 64 });
    const { jobId } = await cluster.client.submitJob(graph);
    const job = await finished(cluster.client, jobId);
    assert.equal(job.state, 'FINISHED', `${preset}: ${job.failureReason ?? ''}`);
    const cps = await cluster.client.checkpoints(jobId);
    assert.ok(cps.counts.completed >= 2, `${preset}: completed ${cps.counts.completed} (failed ${cps.counts.failed}: ${cps.history.map((h) => h.failureReason).join('; ')})`);
    const latest = cps.latest!;
    assert.equal(latest.acknowledged, latest.total);
    assert.equal(latest.unaligned, false);
    const storage = new CheckpointStorage({ root: dir, jobId, numRetained: 2 });
    const onDisk = await storage.latestCompleted();
    // the coordinator updates its view after the storage has finalized, so the disk may be one checkpoint ahead
    assert.ok(onDisk && onDisk.checkpointId >= latest.id, `${preset}: the latest completed checkpoint (${latest.id}) is on disk with its _metadata (${onDisk?.checkpointId})`);
    assert.equal(onDisk.subtasks.length, latest.total);
    // completed ones (with _metadata); retention runs just after each completion, so give the last one a moment
    const completedDirs = async (): Promise<string[]> => {
      const kept = [];
      for (const name of (await readdir(join(dir, jobId))).filter((n) => n.startsWith('chk-'))) {
        if ((await readdir(join(dir, jobId, name)).catch((): string[] => [])).includes('_metadata')) kept.push(name);
      }
      return kept;
    };
    await until(`${preset}: retention keeps at most 2 completed`, async () => ((await completedDirs()).length <= 2 ? true : undefined), 5000).catch(async () => {
      assert.fail(`${preset}: retention keeps at most 2 completed (${(await completedDirs()).join(',')})`);
    });
    const { aggregate } = await cluster.client.metrics(jobId);
    assert.equal(aggregate.sinkRecordsIn, aggregate.sourceRecordsOut, `${preset}: no record lost or duplicated across checkpoints`);
    assert.equal(aggregate.sinkDuplicated, 0);
  }
});

test('a checkpoint can be triggered over REST; one that cannot be taken is refused with 409', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flowlab-cp-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const config = testClusterConfig(dir);
  await using cluster = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore' });
  await awaitTaskManagers(cluster.client, 2);
  const { jobId } = await cluster.client.submitJob(presetJobGraph('keyby-aggregate', 2, { ratePerSec: 5000, durationMs: 3000, keys: 64 }));
  const { checkpointId } = await until('a triggered checkpoint', async () => cluster.client.triggerCheckpoint(jobId).catch(() => undefined));
  assert.equal(checkpointId, 1);
  await until('checkpoint 1 to complete', async () => ((await cluster.client.checkpoints(jobId)).counts.completed === 1 ? true : undefined));
  const job = await finished(cluster.client, jobId);
  assert.equal(job.state, 'FINISHED');
  await assert.rejects(cluster.client.triggerCheckpoint(jobId), (e: unknown) => (e as { status?: number }).status === 409);
});

test('unaligned checkpoints persist in-flight data and finish faster than aligned ones under backpressure', async () => {
  const { runCheckpointBench } = await import('../bench/checkpoint-bench.js');
  const r = await runCheckpointBench({ costsUs: [200], checkpoints: 2, settleMs: 1500, modes: ['aligned', 'unaligned'] });
  const aligned = r.rows.find((x) => x.mode === 'aligned')!;
  const unaligned = r.rows.find((x) => x.mode === 'unaligned')!;
  assert.equal(aligned.error, undefined);
  assert.equal(unaligned.error, undefined);
  assert.ok(unaligned.persistedBytes > 10_000, `unaligned checkpoints persist in-flight data (${unaligned.persistedBytes} B)`);
  assert.ok(
    unaligned.medianDurationMs < aligned.medianDurationMs,
    `unaligned (${unaligned.medianDurationMs.toFixed(0)} ms) must finish before aligned (${aligned.medianDurationMs.toFixed(0)} ms) under a slow map`,
  );

});
