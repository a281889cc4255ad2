import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../core/index.js';
import { awaitJobEnd, awaitTaskManagers } from '../test-support/cluster-fixture.js';
import { presetJobGraph } from '../job/index.js';
import { LocalCluster } from './local-cluster.js';
import { requiredSlots } from './scheduler.js';

test('source and sink in different slot sharing groups on 2 TaskManagers × 1 slot: records cross TaskManagers, exactly once', async () => {
  const config = resolveConfig({
    'rest.port': 0,
    'taskmanager.numberOfTaskSlots': 1,
    'taskmanager.memory.network.min': '32mb',
    'taskmanager.memory.network.max': '32mb',
    'execution.buffer-timeout': '10 ms',
  });
  await using cluster = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore' });
  await awaitTaskManagers(cluster.client, 2);
  const graph = presetJobGraph('source-sink', 1, {
    durationMs: 1500,
    // 2000/s for 0.5 s (1000 records), then 2000 → 6000/s over 1 s (4000 records)
    rateSchedule: [
      { durationMs: 500, fromPerSec: 2000, toPerSec: 2000 },
      { durationMs: 1000, fromPerSec: 2000, toPerSec: 6000 },
    ],
    recordSizeDistribution: [
      { min: 28, max: 64, weight: 4 },
      { min: 1024, max: 4096, weight: 1 },
    ],
    keys: 64,
    seed: 5,
  });
  graph.vertices[0]!.slotSharingGroup = 'sources';
  graph.vertices[1]!.slotSharingGroup = 'sinks';
  assert.equal(requiredSlots(graph), 2);

  const { jobId } = await cluster.client.submitJob(graph);
  const job = await awaitJobEnd(cluster.client, jobId);
  assert.equal(job.state, 'FINISHED', job.failureReason ?? '');

  const { tasks, aggregate } = await cluster.client.metrics(jobId);
  const source = tasks.find((t) => t.vertexId === 'source');
  const sink = tasks.find((t) => t.vertexId === 'sink');
  assert.ok(source?.taskManager && sink?.taskManager, 'both tasks reported with their TaskManager');
  assert.notEqual(source.taskManager, sink.taskManager, 'different slot sharing groups never share a slot: the exchange is remote');
  const placed = job.vertices?.map((v) => v.subtasks[0]!.taskManager);
  assert.deepEqual(placed, [source.taskManager, sink.taskManager], 'job details agree');
  assert.equal(aggregate.sourceRecordsOut, 5000, 'the schedule fixes the record count');
  assert.equal(aggregate.sinkRecordsIn, aggregate.sourceRecordsOut);
  assert.equal(aggregate.sinkRecords, aggregate.sourceRecordsOut, 'none lost');
  assert.equal(aggregate.sinkDuplicated, 0);
  assert.equal(aggregate.sinkOutOfOrder, 0);
  // 5000 records of at least 28 bytes, a fifth of them ≥ 1 KiB, all over the network connection
  assert.ok(sink.numBytesIn > 5000 * 28 + 500 * 1024, `sink read ${sink.numBytesIn} bytes`);
  assert.ok(sink.numBytesIn >= source.numBytesOut, 'every byte sent arrived (plus the end-of-partition event)');
});
