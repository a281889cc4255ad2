import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../core/index.js';
import { newId16, type ResultPartitionId } from '../partition/index.js';
import { eventually, startPair } from '../test-support/network-fixture.js';
import { DEFAULT_SOURCE_PARAMS, type TaskDeployment } from '../job/index.js';
import { OneInputTask } from './one-input-task.js';
import { MapProcessor } from './record-processor.js';
import { SourceTask } from './source-task.js';
import type { TaskCheckpoint, TaskContext } from './stream-task.js';

test('an unaligned barrier is taken by a task whose output has no buffer left (it waits for no record of its own)', async () => {
  await using pair = await startPair({ 'execution.buffer-timeout': '5 ms' });
  const checkpoints: Array<{ task: string; cp: TaskCheckpoint }> = [];
  const context = (deployment: TaskDeployment, env: typeof pair.producer, tmId: string): TaskContext => ({
    deployment,
    env,
    tmId,
    clock: systemClock,
    onStateChange: () => undefined,
    onCheckpoint: (t, cp) => checkpoints.push({ task: t.deployment.vertexId, cp }),
  });
  const sourceOut: ResultPartitionId = { dataSetId: newId16(), partitionIndex: 0, attemptId: newId16() };
  // the map's output is never consumed: once its pool is full, the map waits for output for good
  const mapOut: ResultPartitionId = { dataSetId: newId16(), partitionIndex: 0, attemptId: newId16() };
  const source = new SourceTask(
    context(
      {
        jobId: 'j',
        vertexId: 'source',
        operator: 'source',
        subtaskIndex: 0,
        parallelism: 1,
        attemptId: newId16(),
        source: { ...DEFAULT_SOURCE_PARAMS, ratePerSec: 0, durationMs: 60_000, keys: 16 },
        outputs: [{ partitionId: sourceOut, numSubpartitions: 1, partitioner: 'forward', maxParallelism: 128, to: 'map' }],
      },
      pair.producer,
      'tm-a',
    ),
  );
  const map = new OneInputTask(
    context(
      {
        jobId: 'j',
        vertexId: 'map',
        operator: 'map',
        subtaskIndex: 0,
        parallelism: 1,
        attemptId: newId16(),
        map: { costUs: 0 },
        outputs: [{ partitionId: mapOut, numSubpartitions: 1, partitioner: 'forward', maxParallelism: 128, to: 'sink' }],
        input: { from: 'source', channels: [{ partitionId: sourceOut, subpartitionIndex: 0, producerTm: 'tm-a', address: pair.producer.dataAddress }] },
      },
      pair.consumer,
      'tm-b',
    ),
    new MapProcessor(0, () => systemClock.nowMs()),
  );
  try {
    source.createOutputs();
    map.createOutputs();
    await Promise.all([source.start(), map.start()]);
    await eventually(() => map.metrics.snapshot().isBackPressured || map.report().outPoolUsage >= 1, 5_000, 'the map to run out of output buffers');
    await new Promise((r) => setTimeout(r, 200)); // the source fills the map's input behind it
    source.triggerCheckpoint(1, Date.now(), true);
    await eventually(() => checkpoints.some((c) => c.task === 'map'), 5_000, "the map's part of the unaligned checkpoint");
    const mapCp = checkpoints.find((c) => c.task === 'map')!.cp;
    assert.equal(mapCp.unaligned, true);
    const persisted = (parts: Array<{ chunks: Uint8Array[] }>): number => parts.reduce((n, p) => n + p.chunks.reduce((m, c) => m + c.byteLength, 0), 0);
    assert.ok(persisted(mapCp.outputSubpartitions) > 0, 'the queued output the barrier overtook is channel state');
    assert.equal(map.state, 'RUNNING');
  } finally {
    source.cancel();
    map.cancel();
  }
});
