import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../core/index.js';
import { AlignmentType, type CheckpointBarrier } from '../event/index.js';
import { CheckpointBarrierHandler, type AlignmentResult } from './checkpoint-barrier-handler.js';

function setup(channels: number) {
  const clock = new ManualClock();
  const log: string[] = [];
  const triggered: AlignmentResult[] = [];
  const handler = new CheckpointBarrierHandler(channels, clock, {
    triggerCheckpoint: (r) => {
      triggered.push(r);
      log.push(`trigger ${r.barrier.checkpointId}`);
    },
    abortCheckpoint: (id, reason) => log.push(`abort ${id} ${reason}`),
    resumeConsumption: (c) => log.push(`resume ${c}`),
  });
  const barrier = (id: number): CheckpointBarrier => ({ kind: 'barrier', checkpointId: id, timestampMs: clock.epochUs() / 1000, checkpointType: 0, alignment: AlignmentType.ALIGNED, alignedTimeoutMs: 0 });
  return { clock, log, triggered, handler, barrier };
}

test('aligned (§5.4): trigger after the last channel, then resume every blocked channel; alignment counts from the first barrier', () => {
  const { clock, log, triggered, handler, barrier } = setup(3);
  const b1 = barrier(1);
  handler.onBarrier(b1, 2);
  clock.advance(40);
  handler.onBarrier(b1, 0);
  assert.equal(handler.blockedChannels, 2);
  assert.deepEqual(log, []);
  clock.advance(10);
  handler.onBarrier(b1, 1);
  assert.deepEqual(log, ['trigger 1', 'resume 2', 'resume 0', 'resume 1']);
  assert.equal(triggered[0]!.alignmentDurationMs, 50);
  assert.equal(handler.pendingCheckpointId, undefined);
  log.length = 0;
  handler.onBarrier(b1, 1); // obsolete
  assert.deepEqual(log, ['resume 1']);
});

test('a newer barrier subsumes the pending checkpoint; a cancellation marker aborts; an ended channel counts as aligned', () => {
  const { log, handler, barrier } = setup(2);
  handler.onBarrier(barrier(1), 0);
  handler.onBarrier(barrier(2), 1);
  assert.deepEqual(log, ['resume 0', 'abort 1 checkpoint 1 subsumed by 2']);
  log.length = 0;
  handler.onCancellationMarker(2);
  assert.deepEqual(log, ['resume 1', 'abort 2 checkpoint 2 cancelled upstream']);
  log.length = 0;
  handler.onBarrier(barrier(3), 0);
  handler.onEndOfPartition(1);
  assert.deepEqual(log, ['trigger 3', 'resume 0']);
});

test('takePending (aligned-checkpoint timeout): hands over the barrier and blocked channels without abort or resume; later barriers of it are obsolete', () => {
  const { clock, log, handler, barrier } = setup(3);
  const b = barrier(4);
  handler.onBarrier(b, 1);
  clock.advance(25);
  const taken = handler.takePending();
  assert.equal(taken?.barrier.checkpointId, 4);
  assert.deepEqual(taken?.blockedChannels, [1]);
  assert.equal(taken?.alignmentDurationMs, 25);
  assert.deepEqual(log, [], 'the caller resumes; nothing is aborted');
  assert.equal(handler.takePending(), undefined);
  handler.onBarrier(b, 0);
  assert.deepEqual(log, ['resume 0'], 'a barrier of the switched checkpoint is obsolete for the aligned handler');
});
