import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigInput } from '../../core/index.js';
import { LocalCluster } from './local-cluster.js';
import { TOPOLOGY_PRESETS, presetJobGraph } from '../job/index.js';
import type { JobManagerClient } from './rest-client.js';
import { awaitJobEnd, awaitTaskManagers, testClusterConfig } from '../test-support/cluster-fixture.js';


const finished = (client: JobManagerClient, jobId: string) => awaitJobEnd(client, jobId, 30_000);

/** Runs every preset on a fresh two-TaskManager cluster with `checkpointing`; checkpoints complete, exactly-once holds. */
async function everyPreset(checkpointing: ConfigInput, check: (preset: string, history: Array<{ status: string; unaligned: boolean; persistedChannelStateBytes: number }>) => void): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'flowlab-cpmodes-'));
  try {
    const config = testClusterConfig(dir, { 'execution.checkpointing.interval': '200 ms', ...checkpointing });
    await using cluster = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore' });
    await awaitTaskManagers(cluster.client, 2);
    for (const preset of TOPOLOGY_PRESETS) {
      const { jobId } = await cluster.client.submitJob(presetJobGraph(preset, 2, { ratePerSec: 20_000, durationMs: 1500, keys: 64 }));
      const job = await finished(cluster.client, jobId);
      assert.equal(job.state, 'FINISHED', `${preset}: ${job.failureReason ?? ''}`);
      const cps = await cluster.client.checkpoints(jobId);
      assert.ok(cps.counts.completed >= 2, `${preset}: completed ${cps.counts.completed} (failed ${cps.counts.failed}: ${cps.history.map((h) => h.failureReason).join('; ')})`);
      check(preset, cps.history);
      const { aggregate } = await cluster.client.metrics(jobId);
      assert.equal(aggregate.sinkRecordsIn, aggregate.sourceRecordsOut, `${preset}: lost 0`);
      assert.equal(aggregate.sinkDuplicated, 0, `${preset}: duplicated 0`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('unaligned checkpoints complete on every preset, and exactly-once holds', async () => {
  await everyPreset({ 'execution.checkpointing.unaligned': true }, (preset, history) => {
    assert.ok(
      history.filter((h) => h.status === 'COMPLETED').every((h) => h.unaligned),
      `${preset}: every completed checkpoint is unaligned`,
    );
  });
});

test('with an aligned-checkpoint timeout, checkpoints complete on every preset (aligned or switched), and exactly-once holds', async () => {
  await everyPreset({ 'execution.checkpointing.unaligned': true, 'execution.checkpointing.aligned-checkpoint-timeout': '5 ms' }, () => undefined);
});

test('the aligned-checkpoint timeout switches a backpressured checkpoint to unaligned; the sender-side switch beats receiver-only', async () => {
  const { runCheckpointBench } = await import('../bench/checkpoint-bench.js');
  const r = await runCheckpointBench({ costsUs: [200], checkpoints: 2, settleMs: 1500, modes: ['timeout-sender', 'timeout-receiver'], alignedTimeoutMs: 10 });
  const sender = r.rows.find((x) => x.mode === 'timeout-sender')!;
  const receiver = r.rows.find((x) => x.mode === 'timeout-receiver')!;
  assert.equal(sender.error, undefined);
  assert.equal(receiver.error, undefined);
  assert.equal(sender.unalignedCount, sender.durationsMs.length, 'every checkpoint past the timeout completes unaligned');
  assert.ok(sender.persistedBytes > 10_000, `switched checkpoints persist in-flight data (${sender.persistedBytes} B)`);
  assert.ok(
    sender.medianDurationMs < receiver.medianDurationMs,
    `barriers converted at the sender (${sender.medianDurationMs.toFixed(0)} ms) finish before barriers that must first drain out of a backpressured sender (${receiver.medianDurationMs.toFixed(0)} ms)`,
  );
});
