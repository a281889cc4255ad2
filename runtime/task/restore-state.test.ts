import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pollUntil, systemClock } from '../../core/index.js';
import { newId16, type ResultPartitionId } from '../partition/index.js';
import { sinkDeployment, startPair, type Pair } from '../test-support/network-fixture.js';
import { DEFAULT_SOURCE_PARAMS, type SourceParams, type TaskDeployment } from '../job/index.js';
import { RECORD_HEADER_BYTES, RECORD_INTENDED_EMIT_TIME_OFFSET, RECORD_SOURCE_SUBTASK_OFFSET, RecordView } from '../record/index.js';
import { writeSafeLongBE, RECORD_KEY_OFFSET, RECORD_SEQUENCE_OFFSET } from '../record/record-layout.js';
import { OneInputTask } from './one-input-task.js';
import { SourceTask } from './source-task.js';
import { VerifyingSink } from './verifying-sink.js';
import { AggregateProcessor, type RecordProcessor } from './record-processor.js';
import { StateReader, StateWriter } from './operator-state.js';
import { TaskRestoreError, type StreamTask, type TaskCheckpoint, type TaskContext } from './stream-task.js';

interface Seen {
  key: number;
  sequence: number;
  sourceSubtask: number;
  size: number;
}

/** Remembers every record it gets, in order. */
class RecordingProcessor implements RecordProcessor {
  readonly seen: Seen[] = [];
  process(r: RecordView): boolean {
    this.seen.push({ key: r.key, sequence: r.sequence, sourceSubtask: r.sourceSubtask, size: r.bodySize });
    return true;
  }
  snapshot(): void {}
  restore(): void {}
}

function view(key: number, sequence: number, sourceSubtask = 0): RecordView {
  const buf = Buffer.alloc(RECORD_HEADER_BYTES);
  writeSafeLongBE(buf, RECORD_KEY_OFFSET, key);
  writeSafeLongBE(buf, RECORD_SEQUENCE_OFFSET, sequence);
  buf.writeInt32BE(sourceSubtask, RECORD_SOURCE_SUBTASK_OFFSET);
  buf.writeDoubleBE(systemClock.epochUs(), RECORD_INTENDED_EMIT_TIME_OFFSET);
  return new RecordView().set(buf, 0, RECORD_HEADER_BYTES);
}

const params: SourceParams = { ...DEFAULT_SOURCE_PARAMS, ratePerSec: 5000, durationMs: 600, keys: 16, recordSize: { min: 40, max: 90 }, seed: 11 };

interface Pipeline {
  source: SourceTask;
  recorder: RecordingProcessor;
  /** Resolves when source and sink finished. */
  done: Promise<void>;
}

/** Source subtask 1 of 2 into a recording sink over a real connection; restored from `restore` if given. */
async function startPipeline(
  pair: Pair,
  restore: { checkpointId: number; operator: { kind: string; data: Uint8Array } } | undefined,
  onCheckpoint: (task: StreamTask, cp: TaskCheckpoint, recorder: RecordingProcessor) => void = () => undefined,
  sourceParams: SourceParams = params,
): Promise<Pipeline> {
  const partitionId: ResultPartitionId = { dataSetId: newId16(), partitionIndex: 1, attemptId: newId16() };
  const recorder = new RecordingProcessor();
  const context = (deployment: TaskDeployment, env: Pair['producer'], tmId: string): TaskContext => ({
    deployment,
    env,
    tmId,
    clock: systemClock,
    onStateChange: () => undefined,
    onCheckpoint: (t, cp) => onCheckpoint(t, cp, recorder),
  });
  const source = new SourceTask(
    context(
      {
        jobId: 'j',
        vertexId: 'source',
        operator: 'source',
        subtaskIndex: 1,
        parallelism: 2,
        attemptId: newId16(),
        source: sourceParams,
        outputs: [{ partitionId, numSubpartitions: 1, partitioner: 'forward', maxParallelism: 128, to: 'sink' }],
      },
      pair.producer,
      'tm-a',
    ),
  );
  const sink = new OneInputTask(
    context(sinkDeployment(pair, [partitionId]), pair.consumer, 'tm-b'),
    recorder,
  );
  source.createOutputs();
  if (restore) source.restore(restore.checkpointId, restore.operator);
  await Promise.all([source.start(), sink.start()]);
  const done = (async () => {
    await pollUntil('source and sink to finish', () => source.state !== 'RUNNING' && sink.state !== 'RUNNING', { timeoutMs: 10_000, intervalMs: 10 });
    assert.equal(source.state, 'FINISHED');
    assert.equal(sink.state, 'FINISHED');
    source.releaseResources();
    sink.releaseResources();
  })();
  return { source, recorder, done };
}

test('a source restored from its checkpoint emits exactly the records the original emitted after it, and ends at the same record', async () => {
  await using pair = await startPair({ 'execution.buffer-timeout': '5 ms' });
  let snapshot: TaskCheckpoint['operator'] | undefined;
  let mark = -1;
  const original = await startPipeline(pair, undefined, (task, cp, recorder) => {
    if (task.deployment.operator === 'source') snapshot = cp.operator;
    else mark = recorder.seen.length; // the barrier follows exactly the records emitted before the snapshot
  });
  await new Promise((r) => setTimeout(r, 200));
  original.source.triggerCheckpoint(1, Date.now());
  await original.done;
  assert.ok(snapshot, 'the source took its snapshot');
  assert.ok(mark > 0 && mark < original.recorder.seen.length, `the checkpoint fell inside the run (record ${mark} of ${original.recorder.seen.length})`);
  assert.equal(original.source.emitted, (params.ratePerSec * params.durationMs) / 1000, 'the record count is fixed by rate × duration');

  const restored = await startPipeline(pair, { checkpointId: 1, operator: snapshot });
  assert.equal(restored.source.restoredFromCheckpoint, 1);
  await restored.done;
  assert.deepEqual(restored.recorder.seen, original.recorder.seen.slice(mark), 'same keys, sequence numbers and sizes after the checkpoint');
  assert.equal(restored.source.emitted, original.source.emitted, 'same logical end');
  assert.equal(restored.source.report().numRecordsOut, original.source.report().numRecordsOut, 'the restored source counts from the checkpoint');
});

test('with a rate schedule (a step, a ramp, a pause) and a size distribution, a restored source emits the same records and ends at the same one', async () => {
  await using pair = await startPair({ 'execution.buffer-timeout': '5 ms' });
  const scheduled: SourceParams = {
    ...params,
    durationMs: 800,
    // 3000/s for 250 ms (750 records), 1000 → 8000/s over 300 ms (1350), nothing for the last 250 ms
    rateSchedule: [
      { durationMs: 250, fromPerSec: 3000, toPerSec: 3000 },
      { durationMs: 300, fromPerSec: 1000, toPerSec: 8000 },
      { durationMs: 250, fromPerSec: 0, toPerSec: 0 },
    ],
    recordSizeDistribution: [
      { min: 28, max: 60, weight: 3 },
      { min: 500, max: 2000, weight: 1 },
    ],
  };
  let snapshot: TaskCheckpoint['operator'] | undefined;
  let mark = -1;
  const original = await startPipeline(
    pair,
    undefined,
    (task, cp, recorder) => {
      if (task.deployment.operator === 'source') snapshot = cp.operator;
      else mark = recorder.seen.length;
    },
    scheduled,
  );
  await new Promise((r) => setTimeout(r, 350)); // about the middle of the ramp
  original.source.triggerCheckpoint(1, Date.now());
  await original.done;
  assert.ok(snapshot, 'the source took its snapshot');
  assert.ok(mark > 0 && mark < original.recorder.seen.length, `the checkpoint fell inside the run (record ${mark} of ${original.recorder.seen.length})`);
  assert.equal(original.source.emitted, 2100, 'the record count is floor(N(duration)): 750 + 1350');
  assert.ok(original.recorder.seen.some((r) => r.size >= 500) && original.recorder.seen.every((r) => r.size <= 60 || (r.size >= 500 && r.size <= 2000)), 'sizes from the buckets');

  const restored = await startPipeline(pair, { checkpointId: 1, operator: snapshot }, undefined, scheduled);
  await restored.done;
  assert.deepEqual(restored.recorder.seen, original.recorder.seen.slice(mark), 'same keys, sequence numbers and sizes after the checkpoint');
  assert.equal(restored.source.emitted, original.source.emitted, 'same logical end');
});

test('a task refuses state of another operator, a truncated snapshot, and a restore after it started', async () => {
  await using pair = await startPair();
  let snapshot: TaskCheckpoint['operator'] | undefined;
  const run = await startPipeline(pair, undefined, (task, cp) => {
    if (task.deployment.operator === 'source') snapshot = cp.operator;
  });
  run.source.triggerCheckpoint(3, Date.now());
  assert.ok(snapshot);
  assert.throws(() => run.source.restore(3, snapshot!), (e: unknown) => e instanceof TaskRestoreError && /not DEPLOYING/.test(e.message));
  await run.done;
  const fresh = (await startPipeline(pair, { checkpointId: 3, operator: snapshot })).done;
  await fresh;
  const sinkState = { kind: 'sink', data: snapshot.data };
  await assert.rejects(startPipeline(pair, { checkpointId: 3, operator: sinkState }), (e: unknown) => e instanceof TaskRestoreError && /sink operator/.test(e.message));
  const truncated = { kind: 'source', data: snapshot.data.subarray(0, snapshot.data.length - 5) };
  await assert.rejects(startPipeline(pair, { checkpointId: 3, operator: truncated }), (e: unknown) => e instanceof TaskRestoreError && e.code === 'ERR_TASK_RESTORE');
});

test('aggregate state round trip: restored counts equal the original and continue identically', () => {
  const original = new AggregateProcessor();
  for (let i = 0; i < 500; i++) original.process(view((i * 7) % 40, i), undefined);
  const out = new StateWriter();
  original.snapshot(out);
  const bytes = out.toBytes();
  const restored = new AggregateProcessor();
  restored.restore(new StateReader(bytes));
  assert.equal(restored.distinctKeys, original.distinctKeys);
  for (let key = 0; key < 40; key++) assert.equal(restored.countOf(key), original.countOf(key));
  for (const p of [original, restored]) for (let i = 0; i < 100; i++) p.process(view(1000 + (i % 3), i), undefined);
  const [a, b] = [new StateWriter(), new StateWriter()];
  original.snapshot(a);
  restored.snapshot(b);
  assert.deepEqual(b.toBytes(), a.toBytes(), 'identical state after the same further records (incl. a grown key table)');
});

test('sink state round trip: counters and last-seen tables continue, so a replayed record is a duplicate and the next one is not', () => {
  const original = new VerifyingSink(() => systemClock.epochUs());
  for (let seq = 0; seq < 10; seq++) for (const key of [3, 5]) original.process(view(key, seq, 0), undefined);
  original.process(view(9, 0, 2), undefined);
  original.process(view(9, 0, 2), undefined); // a duplicate before the checkpoint
  const out = new StateWriter();
  original.snapshot(out);
  const restored = new VerifyingSink(() => systemClock.epochUs());
  restored.restore(new StateReader(out.toBytes()));
  assert.deepEqual([restored.records, restored.duplicated, restored.outOfOrder], [original.records, original.duplicated, original.outOfOrder]);
  assert.equal(restored.lastSequenceOf(0, 5), 9);
  assert.equal(restored.lastSequenceOf(1, 5), -1, 'source subtask 1 was never seen');
  assert.equal(restored.lastSequenceOf(2, 9), 0);
  const again = new StateWriter();
  restored.snapshot(again);
  assert.deepEqual(again.toBytes(), out.toBytes());
  restored.process(view(5, 10, 0), undefined);
  assert.equal(restored.duplicated, 1, 'the next sequence number is not a duplicate');
  restored.process(view(5, 10, 0), undefined);
  assert.equal(restored.duplicated, 2, 'a record already seen before the checkpoint counts as a duplicate');
  restored.process(view(7, 0, 1), undefined);
  assert.equal(restored.records, original.records + 3);
  assert.equal(restored.latencyUs.totalCount, 3, 'latency covers this attempt only');
});
