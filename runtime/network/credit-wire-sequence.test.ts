/**
 * The credit protocol on the wire, frame by frame, for a scripted exchange (issue 13): speed work on the data plane
 * (coalescing credit writes, batching buffers into one writev) may change how frames share socket writes, never
 * which frames are sent. Each side runs for real against a raw peer that records every frame it receives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataType } from '../buffer/index.js';
import { newId16 } from '../partition/index.js';
import { eventually, lengthPrefixed } from '../test-support/network-fixture.js';
import { addCreditFrame, bufferResponseFrame, connectRaw, RawServer, type RawFrame } from '../test-support/raw-peer.js';
import { settle, startEnvironment } from '../test-support/environment.js';
import { MAX_READER_FRAMES_PER_WRITE, MESSAGE_NAMES, MessageId, decodePartitionRequest, encodePartitionRequest } from './index.js';

const SEGMENT = 4096;

/** One frame as a line: the message, the channel it addresses (by index) and its number. */
function describe(frame: RawFrame, channelOf: (receiverId: string) => number): string {
  const name = MESSAGE_NAMES[frame.id] ?? `id ${frame.id}`;
  switch (frame.id) {
    case MessageId.PARTITION_REQUEST: {
      const r = decodePartitionRequest(frame.body);
      return `${name} ch${channelOf(r.receiverId)} subpartition ${r.subpartitionIndex} credit ${r.initialCredit}`;
    }
    case MessageId.ADD_CREDIT:
      return `${name} ch${channelOf(frame.body.toString('hex', 4, 20))} ${frame.body.readInt32BE(0)}`;
    case MessageId.CANCEL_PARTITION_REQUEST:
    case MessageId.RESUME_CONSUMPTION:
      return `${name} ch${channelOf(frame.body.toString('hex', 0, 16))}`;
    case MessageId.BUFFER_RESPONSE: {
      const receiver = frame.body.toString('hex', 0, 16);
      const sequence = frame.body.readInt32BE(20);
      const backlog = frame.body.readInt32BE(24);
      const dataType = frame.body[28]!;
      return `${name} ch${channelOf(receiver)} seq ${sequence} backlog ${backlog} type ${dataType}`;
    }
    default:
      return name;
  }
}

test('consumer side: the frames a gate of two channels sends for a scripted producer are unchanged', async () => {
  await using consumer = await startEnvironment({ 'taskmanager.memory.segment-size': '4kb' });
  await using raw = await RawServer.start();
  const partitionId = { dataSetId: newId16(), partitionIndex: 0, attemptId: newId16() };
  const gate = consumer.createInputGate('g', [
    { partitionId, subpartitionIndex: 0, producer: raw.address },
    { partitionId, subpartitionIndex: 1, producer: raw.address },
  ]);
  await gate.setup();
  await eventually(() => raw.peers[0]?.partitionRequests().length === 2, 5000, 'two PartitionRequests');
  const peer = raw.peers[0]!;
  const ids = gate.channels.map((c) => ('receiverId' in c ? (c.receiverId as string) : ''));
  const channelOf = (receiverId: string): number => ids.indexOf(receiverId);
  const sent = [0, 0];
  const send = (channel: number, backlog: number): Promise<void> =>
    peer.write(bufferResponseFrame(ids[channel]!, channel, sent[channel]!++, backlog, DataType.DATA_BUFFER, Buffer.alloc(100, channel)));
  const credit = (channel: number): number => peer.announcedCredit(ids[channel]!);

  // ch0 reports backlog 3: it needs 5 buffers, holds 1 exclusive → 4 floating (the floating pool has 8)
  await send(0, 3);
  await eventually(() => credit(0) === 4, 5000, 'ch0 credit 4');
  // ch1 reports backlog 6: it needs 8, holds 1 → asks 7, the pool has 4 left → 4, and it waits for more
  await send(1, 6);
  await eventually(() => credit(1) === 4, 5000, 'ch1 credit 4');
  // the task consumes ch0's buffer: ch0 has one more than it needs, so a floating buffer goes back and on to ch1
  const first = gate.pollNext()!;
  assert.equal(gate.lastChannel, 0);
  first.release();
  await eventually(() => credit(1) === 5, 5000, 'ch1 credit 5');
  // the task consumes ch1's buffer: its exclusive buffer returns as one credit
  const second = gate.pollNext()!;
  assert.equal(gate.lastChannel, 1);
  second.release();
  await eventually(() => credit(1) === 6, 5000, 'ch1 credit 6');
  // backlog 0 on ch0: it lands in a floating buffer; consumed, that buffer goes on to ch1, still short
  await send(0, 0);
  await eventually(() => gate.hasData, 5000, 'ch0 data');
  gate.pollNext()!.release();
  await eventually(() => credit(1) === 7, 5000, 'ch1 credit 7');
  assert.equal(credit(0), 4, 'ch0 gained nothing after backlog 0');
  await settle(100);
  gate.release();
  await eventually(() => peer.frames.filter((f) => f.id === MessageId.CANCEL_PARTITION_REQUEST).length === 2, 5000, 'two cancels');
  await settle(50);

  assert.deepEqual(
    peer.frames.map((f) => describe(f, channelOf)),
    [
      'PartitionRequest ch0 subpartition 0 credit 2',
      'PartitionRequest ch1 subpartition 1 credit 2',
      'AddCredit ch0 4',
      'AddCredit ch1 4',
      'AddCredit ch1 1',
      'AddCredit ch1 1',
      'AddCredit ch1 1',
      'CancelPartitionRequest ch0',
      'CancelPartitionRequest ch1',
    ],
  );
});

test('producer side: the frames a data server sends for a scripted consumer are unchanged', async () => {
  await using producer = await startEnvironment({ 'taskmanager.memory.segment-size': '4kb', 'execution.buffer-timeout': '-1' });
  const partition = producer.createResultPartition({ numSubpartitions: 2 });
  await using client = await connectRaw(producer.dataAddress);
  const ids = [newId16(), newId16()];
  const channelOf = (receiverId: string): number => ids.indexOf(receiverId);
  const responses = (): number => client.frames.filter((f) => f.id === MessageId.BUFFER_RESPONSE).length;

  for (const [i, receiverId] of ids.entries()) {
    await client.write(encodePartitionRequest({ partitionId: partition.id, subpartitionIndex: i, receiverId, initialCredit: 1 }));
  }
  await eventually(() => producer.server.stats.readers === 2, 5000, 'two readers');
  // three full buffers per subpartition, written alternately
  for (let n = 0; n < 3; n++) {
    for (const sub of [0, 1]) {
      const record = lengthPrefixed(SEGMENT - 4, 10 * sub + n);
      partition.emitRecord(record, record.length, sub);
    }
  }
  await eventually(() => responses() === 2, 5000, 'one buffer per channel (credit 1 each)');
  await settle(100);
  await client.write(addCreditFrame(2, ids[1]!));
  await eventually(() => responses() === 4, 5000, 'ch1 drains after AddCredit 2');
  await settle(50);
  await client.write(addCreditFrame(1, ids[0]!));
  await eventually(() => responses() === 5, 5000, 'ch0 sends one more');
  await settle(100);

  assert.deepEqual(
    client.frames.map((f) => describe(f, channelOf)),
    [
      'BufferResponse ch0 seq 0 backlog 2 type 1',
      'BufferResponse ch1 seq 0 backlog 2 type 1',
      'BufferResponse ch1 seq 1 backlog 1 type 1',
      'BufferResponse ch1 seq 2 backlog 0 type 1',
      'BufferResponse ch0 seq 1 backlog 1 type 1',
    ],
  );
});

test('producer side: a channel given more credit than one write carries sends a current backlog (the task refills between writes)', async () => {
  await using producer = await startEnvironment({ 'taskmanager.memory.segment-size': '4kb', 'execution.buffer-timeout': '-1' });
  const partition = producer.createResultPartition({ numSubpartitions: 1 });
  await using client = await connectRaw(producer.dataAddress);
  const receiverId = newId16();
  const backlogs = (): number[] => client.frames.filter((f) => f.id === MessageId.BUFFER_RESPONSE).map((f) => f.body.readInt32BE(24));
  // a task that keeps the subpartition full: whenever the pool has a buffer again, it writes until it has none
  let n = 0;
  const fill = (): void => {
    if (partition.isReleased) return; // the environment is stopping
    for (;;) {
      const record = lengthPrefixed(SEGMENT - 4, n++);
      if (!partition.emitRecord(record, record.length, 0)) break;
    }
    partition.onAvailable(fill);
  };
  fill();
  await client.write(encodePartitionRequest({ partitionId: partition.id, subpartitionIndex: 0, receiverId, initialCredit: 1 }));
  await eventually(() => backlogs().length === 1, 5000, 'the first buffer (initial credit 1)');
  await settle(100);
  const queued = backlogs()[0]!;
  assert.ok(queued >= 8, `the pool of 10 buffers is full behind the first one (backlog ${queued})`);
  // one AddCredit for more buffers than a reader may put into one write
  await client.write(addCreditFrame(12, receiverId));
  await eventually(() => backlogs().length === 13, 5000, '12 more buffers');
  await settle(50);
  const after = backlogs().slice(1);
  // sent in one batch, the frames would count down to 0 (the backlog left after the batch, before the task refills),
  // and the receiver would ask for floating buffers for half the queue on average; refilled between writes, every
  // frame reports at least half of it
  assert.ok(Math.min(...after) >= queued / 2, `backlogs after AddCredit 12: ${after.join(', ')} (queued ${queued}, share per write ${MAX_READER_FRAMES_PER_WRITE})`);
});
