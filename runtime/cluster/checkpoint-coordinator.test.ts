import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { ManualClock, createLogger, resolveConfig } from '../../core/index.js';
import { CheckpointStorage } from '../checkpoint/index.js';
import { deterministicSnapshot } from '../checkpoint/test-snapshots.js';
import { CheckpointCoordinator, type CheckpointTaskRef } from './checkpoint-coordinator.js';
import type { CheckpointAckMetrics } from '../job/index.js';
import { until } from '../test-support/cluster-fixture.js';

const JOB_ID = 'job-1';
const quiet = createLogger('checkpoint-coordinator-test', 'error');
const TASKS: CheckpointTaskRef[] = [
  { vertexId: 'source', subtaskIndex: 0, tmId: 'tm-1', isSource: true },
  { vertexId: 'sink', subtaskIndex: 1, tmId: 'tm-1', isSource: false },
  { vertexId: 'sink', subtaskIndex: 0, tmId: 'tm-2', isSource: false },
];
const ALIGNED: CheckpointAckMetrics = { alignmentDurationMs: 0, startDelayMs: 0, syncDurationMs: 1, asyncDurationMs: 2, unaligned: false, stateBytes: 100, persistedChannelStateBytes: 0 };
const FIVE_GB = 5_000_000_000;

/** A coordinator over real checkpoint storage in a temp directory, on a manual clock, with no periodic triggers. */
async function started(): Promise<{ coordinator: CheckpointCoordinator; storage: CheckpointStorage; clock: ManualClock } & AsyncDisposable> {
  const root = await mkdtemp(join(tmpdir(), 'flowlab-coordinator-test-'));
  const storage = new CheckpointStorage({ root, jobId: JOB_ID, numRetained: 2, logger: quiet });
  const clock = new ManualClock();
  const coordinator = new CheckpointCoordinator({
    jobId: JOB_ID,
    config: resolveConfig({ 'execution.checkpointing.dir': root, 'execution.checkpointing.tolerable-failed-checkpoints': 100 }),
    tasks: TASKS,
    storage,
    send: () => undefined,
    failJob: (reason) => assert.fail(`the job must not fail: ${reason}`),
    allTasksRunning: () => true,
    clock,
    logger: quiet,
  });
  return {
    coordinator,
    storage,
    clock,
    [Symbol.asyncDispose]: async () => {
      coordinator.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Writes the subtask's state file, then acknowledges with `metrics`. */
async function ack(h: { coordinator: CheckpointCoordinator; storage: CheckpointStorage }, checkpointId: number, ref: CheckpointTaskRef, metrics: Partial<CheckpointAckMetrics> = {}): Promise<void> {
  const handle = await h.storage.writeSubtaskState(checkpointId, ref.vertexId, ref.subtaskIndex, deterministicSnapshot(ref.vertexId, ref.subtaskIndex, 16, 1));
  h.coordinator.receive({ type: 'checkpoint-ack', jobId: JOB_ID, checkpointId, vertexId: ref.vertexId, subtaskIndex: ref.subtaskIndex, handle, metrics: { ...ALIGNED, ...metrics } }, ref.tmId);
}

function completion(coordinator: CheckpointCoordinator, id: number): Promise<true> {
  return until(`checkpoint ${id} to complete`, async () => (coordinator.details(id)?.status === 'COMPLETED' ? true : undefined), 5_000, 5);
}

async function completeOne(h: Awaited<ReturnType<typeof started>>): Promise<number> {
  const id = h.coordinator.triggerCheckpoint()!;
  for (const ref of TASKS) await ack(h, id, ref);
  await completion(h.coordinator, id);
  return id;
}

test('the coordinator keeps per-subtask figures of every checkpoint in its history, and summarizes start delay and sizes', async () => {
  await using h = await started();
  const { coordinator, clock } = h;

  const first = coordinator.triggerCheckpoint()!;
  clock.advance(5);
  await ack(h, first, TASKS[0]!, { startDelayMs: 3 });
  clock.advance(10);
  await ack(h, first, TASKS[1]!, { alignmentDurationMs: 7, startDelayMs: 4 });
  await ack(h, first, TASKS[2]!, { unaligned: true, persistedChannelStateBytes: FIVE_GB, stateBytes: 200, syncDurationMs: 6, asyncDurationMs: 9 });
  await completion(coordinator, first);

  const details = coordinator.details(first)!;
  assert.equal(details.status, 'COMPLETED');
  assert.equal(details.durationMs, 15);
  assert.deepEqual(
    details.subtasks.map((s) => [s.vertexId, s.subtaskIndex, s.taskManager, s.acknowledgedAfterMs]),
    [
      ['sink', 0, 'tm-2', 15],
      ['sink', 1, 'tm-1', 15],
      ['source', 0, 'tm-1', 5],
    ],
    'one row per subtask, sorted by vertex and subtask, with the ack time after the trigger',
  );
  assert.deepEqual(details.subtasks[0], {
    vertexId: 'sink',
    subtaskIndex: 0,
    taskManager: 'tm-2',
    acknowledgedAfterMs: 15,
    alignmentDurationMs: 0,
    startDelayMs: 0,
    syncDurationMs: 6,
    asyncDurationMs: 9,
    unaligned: true,
    stateBytes: 200,
    persistedChannelStateBytes: FIVE_GB,
  });
  assert.equal(details.maxStartDelayMs, 4);
  assert.equal(details.persistedChannelStateBytes, FIVE_GB);
  assert.equal('subtasks' in coordinator.snapshot().history[0]!, false, 'the checkpoints overview stays without per-subtask rows');

  // a declined checkpoint keeps the rows of the subtasks that acknowledged before
  const declined = coordinator.triggerCheckpoint()!;
  await ack(h, declined, TASKS[0]!);
  coordinator.receive({ type: 'checkpoint-decline', jobId: JOB_ID, checkpointId: declined, vertexId: 'sink', subtaskIndex: 0, reason: 'test' }, 'tm-2');
  const failed = coordinator.details(declined)!;
  assert.equal(failed.status, 'FAILED');
  assert.deepEqual(failed.subtasks.map((s) => `${s.vertexId}#${s.subtaskIndex}`), ['source#0']);

  const { summary } = coordinator.snapshot();
  assert.deepEqual({ ...summary.startDelayMs, histogram: undefined }, { p50: 4, p99: 4, max: 4, count: 1, histogram: undefined });
  assert.ok(Math.abs(summary.persistedBytes.max - FIVE_GB) / FIVE_GB < 0.001, `multi-GB sizes fit the bytes histogram (max ${summary.persistedBytes.max})`);
  assert.equal(summary.stateBytes.p50, 400);

  // ten more completed checkpoints push the first two (and their rows) out of the history
  let last = 0;
  for (let i = 0; i < 10; i++) last = await completeOne(h);
  assert.equal(last, 12);
  assert.equal(coordinator.history.length, 10);
  assert.equal(coordinator.details(first), undefined);
  assert.equal(coordinator.details(declined), undefined);
  assert.equal(coordinator.details(last)!.subtasks.length, TASKS.length);

  const after = coordinator.snapshot().summary;
  assert.equal(after.durationMs.count, 11);
  assert.equal(after.persistedBytes.p50, 0, 'aligned checkpoints record 0 persisted bytes, not 1');
  for (const [name, s] of Object.entries(after)) {
    if (typeof s === 'string') continue;
    assert.equal(s.count, 11, name);
    const decoded = hdr.decodeFromCompressedBase64(s.histogram!);
    assert.equal(decoded.totalCount, 11, `${name} histogram`);
    decoded.destroy();
  }
});

test('with no completed checkpoint the summaries are empty and carry no histogram', async () => {
  await using h = await started();
  const { counts, summary, latest } = h.coordinator.snapshot();
  assert.deepEqual(counts, { completed: 0, failed: 0, inProgress: 0 });
  assert.equal(latest, null);
  assert.deepEqual(summary.persistedBytes, { p50: 0, p99: 0, max: 0, count: 0 });
  assert.deepEqual(summary.startDelayMs, { p50: 0, p99: 0, max: 0, count: 0 });
  assert.equal(hdr.decodeFromCompressedBase64(summary.histogram).totalCount, 0);
  assert.equal(h.coordinator.details(1), undefined);
});
