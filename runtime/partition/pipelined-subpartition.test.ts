import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataType, NetworkBuffer, type BufferRecycler } from '../buffer/index.js';
import { PipelinedSubpartition, QueuedBuffer, type SubpartitionAvailabilityListener } from './index.js';

const recycled: NetworkBuffer[] = [];
const recycler: BufferRecycler = { recycle: (b) => recycled.push(b) };

function data(bytes: number, finished: boolean, fill = 1): QueuedBuffer {
  const b = new NetworkBuffer(Buffer.alloc(64)).claim(recycler);
  b.segment.fill(fill, 0, bytes);
  b.size = bytes;
  return new QueuedBuffer(b, true, finished);
}

function event(type: DataType = DataType.EVENT_BUFFER, tag = 0): QueuedBuffer {
  const b = new NetworkBuffer(Buffer.alloc(4)).claim(recycler);
  b.segment.writeInt32BE(tag, 0);
  b.size = 4;
  b.dataType = type;
  return new QueuedBuffer(b, false, true);
}

function listen(s: PipelinedSubpartition): { data: number; priority: number } {
  const counts = { data: 0, priority: 0 };
  const listener: SubpartitionAvailabilityListener = {
    notifyDataAvailable: () => counts.data++,
    notifyPriorityEvent: () => counts.priority++,
  };
  s.setListener(listener);
  return counts;
}

/** Polls everything pollable; returns (dataType, length, backlog, seq) per poll and releases the buffers. */
function pollAll(s: PipelinedSubpartition): Array<{ type: DataType; length: number; backlog: number; seq: number; first: number }> {
  const out = [];
  for (let r = s.pollBuffer(); r; r = s.pollBuffer()) {
    out.push({ type: r.dataType, length: r.length, backlog: r.backlog, seq: r.sequenceNumber, first: r.buffer.segment[r.offset] ?? -1 });
    r.buffer.release();
  }
  return out;
}

test('backlog (§3.3): 0 when empty; the open buffer is excluded unless flushed or followed by an event', () => {
  const s = new PipelinedSubpartition(0);
  assert.equal(s.getBacklog(), 0);
  const open1 = data(10, false);
  s.add(open1);
  assert.equal(s.getBacklog(), 0, 'one open buffer: backlog 0 (FLINK-11082)');
  assert.equal(s.isDataAvailable(), false);
  s.finishBuffer(open1);
  assert.equal(s.getBacklog(), 1, 'finished');
  s.add(data(5, false));
  assert.equal(s.getBacklog(), 1, 'finished + open');
  s.flush();
  assert.equal(s.getBacklog(), 2, 'flush requested: the open buffer counts');
  s.add(event());
  assert.equal(s.getBacklog(), 2, 'events are not backlog; last element finished: all data counts');
});

test('backlog reported with each poll counts data still queued after it; events are not backlog', () => {
  const s = new PipelinedSubpartition(0);
  s.add(data(10, true, 1));
  s.add(data(10, true, 2));
  s.add(event());
  s.add(data(10, true, 3));
  s.add(data(7, false, 4));
  const polls = [];
  for (let i = 0; i < 4; i++) {
    const r = s.pollBuffer()!;
    polls.push({ type: r.dataType, backlog: r.backlog, first: r.buffer.segment[r.offset] });
    r.buffer.release();
  }
  assert.deepEqual(
    polls.map((p) => [p.type, p.backlog, p.first]),
    [
      [DataType.DATA_BUFFER, 2, 1], // buffer 2 and 3 (the open buffer 4 is not counted)
      [DataType.DATA_BUFFER, 1, 2],
      [DataType.EVENT_BUFFER, 1, 0],
      [DataType.DATA_BUFFER, 0, 3],
    ],
  );
  assert.equal(s.isDataAvailable(), false, 'the unflushed open buffer is not available');
  s.flush();
  const rest = pollAll(s);
  assert.deepEqual(rest.map((p) => [p.length, p.backlog, p.first]), [[7, 0, 4]]);
});

test('sequence numbers start at 0 and increase by one per polled buffer or event', () => {
  const s = new PipelinedSubpartition(3);
  s.add(event());
  s.add(data(1, true));
  const d2 = data(2, false);
  s.add(d2);
  s.flush();
  const first = pollAll(s);
  s.finishBuffer(d2); // an event closes the open buffer first
  const open = data(0, false);
  s.add(event(DataType.EVENT_BUFFER, 8));
  s.add(open);
  open.buffer.size = 3;
  s.flush();
  const second = pollAll(s);
  assert.deepEqual([...first, ...second].map((p) => p.seq), [0, 1, 2, 3, 4]);
});

test('data availability: notified once when the first finished buffer arrives, and on flush of an open buffer', () => {
  const s = new PipelinedSubpartition(0);
  const counts = listen(s);
  const open = data(10, false);
  s.add(open);
  assert.equal(counts.data, 0, 'an open buffer is not available');
  s.finishBuffer(open);
  assert.equal(counts.data, 1);
  assert.equal(s.isDataAvailable(), true);
  s.add(data(10, true));
  assert.equal(counts.data, 1, 'already available: no second notification');
  pollAll(s);
  const open2 = data(4, false);
  s.add(open2);
  assert.equal(counts.data, 1);
  s.flush();
  assert.equal(counts.data, 2, 'flush makes the partial buffer available');
  const polled = pollAll(s);
  assert.deepEqual(polled.map((p) => p.length), [4]);
  assert.equal(s.isDataAvailable(), false, 'flush is cleared once drained');
  open2.buffer.size = 9;
  assert.equal(s.isDataAvailable(), false, 'new bytes after the flush wait for the next flush');
  s.flush();
  assert.deepEqual(pollAll(s).map((p) => p.length), [5], 'reading continues where the last slice stopped');
});

test('priority events go after existing priority elements and before all data, and return the overtaken data', () => {
  const s = new PipelinedSubpartition(0);
  const counts = listen(s);
  const d1 = data(10, true, 1);
  const d2 = data(10, true, 2);
  s.add(d1);
  s.add(event(DataType.EVENT_BUFFER, 7));
  s.add(d2);
  const overtaken1 = s.addPriorityEvent(event(DataType.PRIORITIZED_EVENT_BUFFER, 100));
  assert.deepEqual(overtaken1, [d1, d2], 'data buffers behind it (not the event)');
  assert.equal(counts.priority, 1, 'the reader is told about the priority event');
  const overtaken2 = s.addPriorityEvent(event(DataType.PRIORITIZED_EVENT_BUFFER, 101));
  assert.deepEqual(overtaken2, [d1, d2]);
  assert.deepEqual(drainLabels(s), ['p100', 'p101', 'd1', 'e7', 'd2']);
});

function drainLabels(s: PipelinedSubpartition): string[] {
  const seen: string[] = [];
  for (let x = s.pollBuffer(); x; x = s.pollBuffer()) {
    const tag = x.dataType === DataType.DATA_BUFFER ? x.buffer.segment[x.offset]! : x.buffer.segment.readInt32BE(x.offset);
    const prefix = x.dataType === DataType.DATA_BUFFER ? 'd' : x.dataType === DataType.PRIORITIZED_EVENT_BUFFER ? 'p' : 'e';
    seen.push(`${prefix}${tag}`);
    x.buffer.release();
  }
  return seen;
}

test('priority event order survives polling in between (third event after the second)', () => {
  const s = new PipelinedSubpartition(0);
  s.add(data(3, true, 9));
  s.addPriorityEvent(event(DataType.PRIORITIZED_EVENT_BUFFER, 1));
  s.addPriorityEvent(event(DataType.PRIORITIZED_EVENT_BUFFER, 2));
  const first = s.pollBuffer()!;
  assert.equal(first.buffer.segment.readInt32BE(0), 1);
  first.buffer.release();
  s.addPriorityEvent(event(DataType.PRIORITIZED_EVENT_BUFFER, 3));
  assert.deepEqual(drainLabels(s), ['p2', 'p3', 'd9']);
});

test('an aligned barrier blocks the subpartition until resumeConsumption; backlog reads 0 meanwhile', () => {
  for (const type of [DataType.ALIGNED_CHECKPOINT_BARRIER, DataType.TIMEOUTABLE_ALIGNED_CHECKPOINT_BARRIER, DataType.RECOVERY_COMPLETION]) {
    const s = new PipelinedSubpartition(0);
    const counts = listen(s);
    s.add(event(type, 1));
    s.add(data(10, true, 5));
    s.add(data(10, true, 6));
    const barrier = s.pollBuffer()!;
    assert.equal(barrier.dataType, type);
    assert.equal(barrier.backlog, 0, 'reported backlog is 0 once blocked');
    barrier.buffer.release();
    assert.equal(s.isBlocked, true);
    assert.equal(s.pollBuffer(), null);
    assert.equal(s.isDataAvailable(), false);
    assert.equal(s.getBacklog(), 0);
    const before = counts.data;
    s.resumeConsumption();
    assert.equal(s.isBlocked, false);
    assert.equal(counts.data, before + 1, 'resume notifies the reader');
    assert.deepEqual(pollAll(s).map((p) => [p.first, p.backlog]), [
      [5, 1],
      [6, 0],
    ]);
  }
  // an unaligned (plain event) barrier does not block
  const s = new PipelinedSubpartition(0);
  s.add(event(DataType.EVENT_BUFFER, 1));
  s.add(data(1, true));
  assert.equal(pollAll(s).length, 2);
});

test('release drops queued buffers back to their owners', () => {
  recycled.length = 0;
  const s = new PipelinedSubpartition(0);
  s.add(data(1, true));
  s.add(data(1, false));
  s.add(event());
  s.release();
  assert.equal(recycled.length, 3);
  assert.equal(s.pollBuffer(), null);
  s.add(data(1, true));
  assert.equal(recycled.length, 4, 'an add after release is recycled at once');
});

test('convertToPriority (aligned-checkpoint timeout, sender side): the queued aligned barrier jumps ahead as a priority event, returning the data it overtook; once sent, nothing converts', () => {
  const s = new PipelinedSubpartition(0);
  const counts = listen(s);
  s.add(data(10, true, 1));
  s.add(data(20, true, 2));
  const barrier = event(DataType.TIMEOUTABLE_ALIGNED_CHECKPOINT_BARRIER, 7);
  let dequeued = 0;
  barrier.onDequeued = () => dequeued++;
  s.add(barrier);
  s.add(data(30, true, 3)); // written after the barrier: not overtaken
  const overtaken = s.convertToPriority(barrier, event(DataType.PRIORITIZED_EVENT_BUFFER, 8));
  assert.deepEqual(overtaken?.map((q) => q.buffer.size), [10, 20]);
  assert.equal(counts.priority, 1);
  assert.equal(s.hasPriorityHead(), true);
  const polled = pollAll(s);
  assert.deepEqual(
    polled.map((p) => [p.type, p.length]),
    [
      [DataType.PRIORITIZED_EVENT_BUFFER, 4],
      [DataType.DATA_BUFFER, 10],
      [DataType.DATA_BUFFER, 20],
      [DataType.DATA_BUFFER, 30],
    ],
    'the priority barrier goes first, the overtaken data still goes out, and nothing blocks the subpartition',
  );
  assert.equal(s.isBlocked, false);
  assert.equal(dequeued, 0, 'the converted barrier never left the queue as itself');

  const t = new PipelinedSubpartition(1);
  listen(t);
  const sent = event(DataType.TIMEOUTABLE_ALIGNED_CHECKPOINT_BARRIER, 9);
  let sentCount = 0;
  sent.onDequeued = () => sentCount++;
  t.add(sent);
  const first = t.pollBuffer()!;
  first.buffer.release();
  assert.equal(sentCount, 1, 'onDequeued fires when the reader takes the barrier');
  assert.equal(t.isBlocked, true, 'an aligned barrier that went out blocks until resumed');
  assert.equal(t.convertToPriority(sent, event(DataType.PRIORITIZED_EVENT_BUFFER, 10)), undefined);
});
