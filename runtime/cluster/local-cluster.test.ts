import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../core/index.js';
import { LocalCluster } from './local-cluster.js';
import { TOPOLOGY_PRESETS, presetJobGraph } from '../job/index.js';
import type { JobManagerClient } from './rest-client.js';

const config = resolveConfig({
  'rest.port': 0,
  'taskmanager.numberOfTaskSlots': 2,
  'taskmanager.memory.network.min': '32mb',
  'taskmanager.memory.network.max': '32mb',
  'heartbeat.interval': '200 ms',
  'heartbeat.timeout': '2 s',
  'execution.buffer-timeout': '10 ms',
});

async function waitForState(client: JobManagerClient, jobId: string, states: string[], timeoutMs = 30_000): Promise<{ state: string; failureReason: string | null }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.job(jobId);
    if (states.includes(job.state)) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function registered(cluster: LocalCluster, n: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await cluster.client.taskManagers()).length < n) {
    if (Date.now() > deadline) throw new Error('TaskManagers did not register');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('every topology preset on two TaskManager processes delivers each record exactly once', async () => {
  await using cluster = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore' });
  await registered(cluster, 2);
  for (const preset of TOPOLOGY_PRESETS) {
    const graph = presetJobGraph(preset, 2, { ratePerSec: 20_000, durationMs: 1200, keys: 64, seed: 7 }, { costUs: 0 });
    const { jobId } = await cluster.client.submitJob(graph);
    const job = await waitForState(cluster.client, jobId, ['FINISHED', 'FAILED', 'CANCELED']);
    assert.equal(job.state, 'FINISHED', `${preset}: ${job.failureReason ?? ''}`);
    const { aggregate } = await cluster.client.metrics(jobId);
    assert.ok(aggregate.sourceRecordsOut > 1000, `${preset}: sources emitted ${aggregate.sourceRecordsOut}`);
    assert.equal(aggregate.sinkRecordsIn, aggregate.sourceRecordsOut, `${preset}: every record reaches the sink once`);
    assert.equal(aggregate.sinkDuplicated, 0, `${preset}: duplicates`);
    // one FIFO path per (source subtask, key) keeps order; two rebalance hops (source-map-sink) may legitimately reorder
    if (preset !== 'source-map-sink') assert.equal(aggregate.sinkOutOfOrder, 0, `${preset}: out of order`);
    assert.ok(aggregate.latencyUs.count === aggregate.sinkRecordsIn, `${preset}: one latency sample per record`);
  }
});

test('a killed TaskManager fails the running job with its name in the reason', async () => {
  await using cluster = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore' });
  await registered(cluster, 2);
  const graph = presetJobGraph('keyby-aggregate', 2, { ratePerSec: 5000, durationMs: 60_000, keys: 64 });
  const { jobId } = await cluster.client.submitJob(graph);
  await waitForState(cluster.client, jobId, ['RUNNING']);
  await new Promise((r) => setTimeout(r, 500));
  cluster.killTaskManager('tm-1');
  const job = await waitForState(cluster.client, jobId, ['FAILED'], 15_000);
  assert.match(job.failureReason ?? '', /tm-1/);
});
