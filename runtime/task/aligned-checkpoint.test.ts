import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pollUntil, systemClock } from '../../core/index.js';
import { newId16, type ResultPartitionId } from '../partition/index.js';
import { sinkDeployment, startPair } from '../test-support/network-fixture.js';
import { DEFAULT_SOURCE_PARAMS, type TaskDeployment, type TaskState } from '../job/index.js';
import { OneInputTask } from './one-input-task.js';
import { SourceTask } from './source-task.js';
import { VerifyingSink } from './verifying-sink.js';
import type { StreamTask, TaskCheckpoint, TaskContext } from './stream-task.js';

test('aligned checkpoint: the sink snapshots only after barriers from every channel, blocking the early one', async () => {
  await using pair = await startPair({ 'execution.buffer-timeout': '5 ms' });
  const dataSetId = newId16();
  const partitionIds: ResultPartitionId[] = [0, 1].map((i) => ({ dataSetId, partitionIndex: i, attemptId: newId16() }));
  const checkpoints: Array<{ task: string; cp: TaskCheckpoint }> = [];
  const declined: string[] = [];
  const states = new Map<string, TaskState>();
  const context = (deployment: TaskDeployment, env: typeof pair.producer, tmId: string): TaskContext => ({
    deployment,
    env,
    tmId,
    clock: systemClock,
    onStateChange: (t: StreamTask, s: TaskState) => states.set(t.name, s),
    onCheckpoint: (t: StreamTask, cp: TaskCheckpoint) => checkpoints.push({ task: t.deployment.vertexId, cp }),
    onCheckpointDeclined: (t: StreamTask, id: number, reason: string) => declined.push(`${t.name} ${id} ${reason}`),
  });
  const sources = [0, 1].map(
    (i) =>
      new SourceTask(
        context(
          {
            jobId: 'j',
            vertexId: 'source',
            operator: 'source',
            subtaskIndex: i,
            parallelism: 2,
            attemptId: newId16(),
            source: { ...DEFAULT_SOURCE_PARAMS, ratePerSec: 4000, durationMs: 1500, keys: 16 },
            outputs: [{ partitionId: partitionIds[i]!, numSubpartitions: 1, partitioner: 'rebalance', maxParallelism: 128, to: 'sink' }],
          },
          pair.producer,
          'tm-a',
        ),
      ),
  );
  const sinkProcessor = new VerifyingSink(() => systemClock.epochUs());
  const sink = new OneInputTask(
    context(sinkDeployment(pair, partitionIds), pair.consumer, 'tm-b'),
    sinkProcessor,
  );
  for (const s of sources) s.createOutputs();
  await Promise.all([...sources.map((s) => s.start()), sink.start()]);
  await new Promise((r) => setTimeout(r, 300));
  sources[0]!.triggerCheckpoint(1, Date.now());
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(
    checkpoints.map((c) => c.task),
    ['source'],
    'only source 0 has checkpointed; the sink waits for source 1’s barrier',
  );
  const receivedWhileBlocked = sinkProcessor.records;
  sources[1]!.triggerCheckpoint(1, Date.now());
  await pollUntil('the sink to complete checkpoint 1', () => checkpoints.some((c) => c.task === 'sink'), { timeoutMs: 5000, intervalMs: 10, detail: () => `declined: ${declined.join('; ')}` });
  const sinkCp = checkpoints.find((c) => c.task === 'sink');
  assert.ok(sinkCp, `the sink completes checkpoint 1 (declined: ${declined.join('; ')})`);
  assert.equal(sinkCp.cp.checkpointId, 1);
  assert.ok(sinkCp.cp.alignmentDurationMs >= 150, `alignment lasted from the first to the second barrier (${sinkCp.cp.alignmentDurationMs} ms)`);
  assert.ok(receivedWhileBlocked > 0);
  await pollUntil('every task to finish', () => ![...sources, sink].some((t) => t.state === 'RUNNING'), { timeoutMs: 10_000, intervalMs: 20 });
  assert.equal(sink.state, 'FINISHED');
  const emitted = sources.reduce((n, s) => n + s.emitted, 0);
  assert.equal(sinkProcessor.records, emitted, 'every record once, across the blocked period');
  assert.equal(sinkProcessor.duplicated + sinkProcessor.outOfOrder, 0);
  assert.equal(declined.length, 0);
  for (const t of [...sources, sink]) t.releaseResources();
});
