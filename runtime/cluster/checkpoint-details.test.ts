import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { LocalCluster } from './local-cluster.js';
import { presetJobGraph } from '../job/index.js';
import { RestError, type CheckpointsView, type JobManagerClient } from './rest-client.js';
import { checkpointDetailsSchema } from './rest-contract.js';
import { awaitJobEnd, awaitTaskManagers, testClusterConfig } from '../test-support/cluster-fixture.js';

/** Runs a short keyBy job with checkpoints every 150 ms on a fresh two-TaskManager cluster; `check` sees it ended. */
async function withCheckpointedJob(unaligned: boolean, check: (client: JobManagerClient, jobId: string, subtasks: string[]) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'flowlab-cpdetails-'));
  try {
    const config = testClusterConfig(dir, { 'execution.checkpointing.interval': '150 ms', 'execution.checkpointing.unaligned': unaligned });
    await using cluster = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore' });
    await awaitTaskManagers(cluster.client, 2);
    const graph = presetJobGraph('keyby-aggregate', 2, { ratePerSec: 10_000, durationMs: 2000, keys: 64 });
    const { jobId } = await cluster.client.submitJob(graph);
    const job = await awaitJobEnd(cluster.client, jobId, 30_000);
    assert.equal(job.state, 'FINISHED', job.failureReason ?? undefined);
    const subtasks = graph.vertices.flatMap((v) => Array.from({ length: v.parallelism }, (_, i) => `${v.id}#${i}`)).sort();
    await check(cluster.client, jobId, subtasks);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every completed checkpoint's details: one row per subtask with sane figures that add up to the checkpoint's. */
async function checkDetails(client: JobManagerClient, jobId: string, subtasks: string[], unaligned: boolean): Promise<CheckpointsView> {
  const view = await client.checkpoints(jobId);
  const completed = view.history.filter((h) => h.status === 'COMPLETED');
  assert.ok(completed.length >= 1, `completed ${view.counts.completed} (failed: ${view.history.map((h) => h.failureReason).join('; ')})`);
  assert.ok(view.history.every((h) => !('subtasks' in h)), 'the overview carries no per-subtask rows');
  const taskManagers = new Set((await client.taskManagers()).map((tm) => tm.id));
  for (const stats of completed) {
    const details = await client.checkpointDetails(jobId, stats.id);
    assert.deepEqual({ ...details, subtasks: undefined }, { ...stats, subtasks: undefined }, 'the details repeat the overview entry');
    assert.deepEqual(details.subtasks.map((s) => `${s.vertexId}#${s.subtaskIndex}`), subtasks, `checkpoint ${stats.id}: one row per subtask`);
    for (const s of details.subtasks) {
      const where = `checkpoint ${stats.id} ${s.vertexId}#${s.subtaskIndex}`;
      assert.ok(taskManagers.has(s.taskManager), `${where}: runs on a registered TaskManager (${s.taskManager})`);
      assert.ok(s.acknowledgedAfterMs >= 0 && s.acknowledgedAfterMs <= stats.durationMs!, `${where}: acked ${s.acknowledgedAfterMs} ms after the trigger, within ${stats.durationMs} ms`);
      for (const figure of [s.alignmentDurationMs, s.startDelayMs, s.syncDurationMs, s.asyncDurationMs, s.stateBytes, s.persistedChannelStateBytes]) assert.ok(figure >= 0, where);
      assert.equal(s.unaligned, unaligned, `${where}: unaligned flag`);
    }
    assert.equal(details.subtasks.reduce((sum, s) => sum + s.stateBytes, 0), stats.stateBytes);
    assert.equal(details.subtasks.reduce((sum, s) => sum + s.persistedChannelStateBytes, 0), stats.persistedChannelStateBytes);
    assert.equal(Math.max(...details.subtasks.map((s) => s.startDelayMs)), stats.maxStartDelayMs);
  }
  return view;
}

test('GET /jobs/:id/checkpoints/:checkpointId returns a row per subtask of an aligned checkpoint; summaries cover start delay and sizes', async () => {
  await withCheckpointedJob(false, async (client, jobId, subtasks) => {
    const view = await checkDetails(client, jobId, subtasks, false);
    const persisted = await Promise.all(view.history.filter((h) => h.status === 'COMPLETED').map(async (h) => (await client.checkpointDetails(jobId, h.id)).subtasks.map((s) => s.persistedChannelStateBytes)));
    assert.deepEqual(new Set(persisted.flat()), new Set([0]), 'every aligned subtask persists no in-flight data (spec §6.3)');
    const { summary, counts } = view;
    for (const [name, s] of [['durationMs', summary.durationMs], ['alignmentMs', summary.alignmentMs], ['startDelayMs', summary.startDelayMs], ['persistedBytes', summary.persistedBytes], ['stateBytes', summary.stateBytes]] as const) {
      assert.equal(s.count, counts.completed, name);
      assert.ok(s.p50 <= s.p99 && s.p99 <= s.max, `${name}: ${JSON.stringify(s)}`);
      const decoded = hdr.decodeFromCompressedBase64(s.histogram!);
      assert.equal(decoded.totalCount, counts.completed, `${name} histogram`);
      decoded.destroy();
    }
    assert.equal(summary.persistedBytes.max, 0, 'aligned checkpoints persist no in-flight data');
    assert.ok(summary.stateBytes.p50 > 0, 'every checkpoint holds some operator state');

    const notKept = await client.checkpointDetails(jobId, 999_999).catch((e: unknown) => e);
    assert.ok(notKept instanceof RestError && notKept.status === 404 && notKept.code === 'ERR_CHECKPOINT_NOT_FOUND', String(notKept));
    assert.match(notKept.message, /Checkpoint 999999 .* not in the checkpoint history \(ids \d+-\d+\)/);
    const noJob = await client.checkpointDetails('0123', 1).catch((e: unknown) => e);
    assert.ok(noJob instanceof RestError && noJob.status === 404 && noJob.code === 'ERR_JOB_NOT_FOUND', String(noJob));
    for (const bad of ['abc', '-1', '1.5']) {
      const rejected = await client.request('GET', `/jobs/${jobId}/checkpoints/${bad}`, checkpointDetailsSchema).catch((e: unknown) => e);
      assert.ok(rejected instanceof RestError && rejected.status === 400 && rejected.code === 'ERR_BAD_REQUEST', `${bad}: ${String(rejected)}`);
    }
  });
});

test('every subtask of an unaligned checkpoint reports it as unaligned', async () => {
  await withCheckpointedJob(true, async (client, jobId, subtasks) => {
    await checkDetails(client, jobId, subtasks, true);
  });
});
