import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataType } from '../buffer/index.js';
import { RemoteInputChannel } from '../consumer/index.js';
import { encodeEvent } from '../event/index.js';
import { newId16 } from '../partition/index.js';
import { eventually, lengthPrefixed } from '../test-support/network-fixture.js';
import { addCreditFrame, bufferResponseFrame, connectRaw, RawServer } from '../test-support/raw-peer.js';
import { settle, startEnvironment } from '../test-support/environment.js';
import { MessageId, encodePartitionRequest } from './index.js';

const SEGMENT = 4096;

test('sender: never a data BufferResponse without credit; events still flow; sequence numbers start at 0', async () => {
  await using producer = await startEnvironment({ 'taskmanager.memory.segment-size': '4kb', 'execution.buffer-timeout': '-1' });
  const partition = producer.createResultPartition({ numSubpartitions: 1 });
  await using client = await connectRaw(producer.dataAddress);
  const receiverId = newId16();
  await client.write(encodePartitionRequest({ partitionId: partition.id, subpartitionIndex: 0, receiverId, initialCredit: 1 }));
  await eventually(() => producer.server.stats.readers === 1, 5000, 'reader registered');

  const cancel = encodeEvent({ kind: 'cancel-checkpoint', checkpointId: 1 });
  partition.broadcastEvent(cancel, DataType.EVENT_BUFFER);
  const records = [1, 2, 3, 4, 5].map((fill) => lengthPrefixed(SEGMENT - 4, fill)); // one full buffer each
  for (const r of records) partition.emitRecord(r, r.length, 0);
  const sub = partition.subpartitions[0]!;

  const dataFrames = () => client.bufferResponses().filter((f) => f.dataType === DataType.DATA_BUFFER);
  await eventually(() => dataFrames().length === 1, 5000, 'one data buffer');
  await settle(150);
  assert.equal(dataFrames().length, 1, 'credit 1: exactly one data buffer, however long we wait');
  assert.equal(sub.queueLength, 4, 'the rest waits in the subpartition');

  // a priority event overtakes the queued data and needs no credit
  const barrier = encodeEvent({ kind: 'cancel-checkpoint', checkpointId: 2 });
  partition.broadcastEvent(barrier, DataType.PRIORITIZED_EVENT_BUFFER, true);
  await eventually(() => client.bufferResponses().length === 3, 5000, 'the priority event');
  assert.equal(dataFrames().length, 1);

  await client.write(addCreditFrame(2, receiverId));
  await eventually(() => dataFrames().length === 3, 5000, 'two more data buffers after AddCredit(2)');
  await settle(150);
  assert.equal(dataFrames().length, 3, 'exactly the credit granted');
  assert.equal(sub.queueLength, 2);

  const frames = client.bufferResponses();
  assert.deepEqual(
    frames.map((f) => f.sequenceNumber),
    frames.map((_, i) => i),
    'sequence numbers 0, 1, 2, … in arrival order',
  );
  assert.deepEqual(
    frames.map((f) => [f.dataType, f.backlog]),
    [
      [DataType.EVENT_BUFFER, 5],
      [DataType.DATA_BUFFER, 4],
      [DataType.PRIORITIZED_EVENT_BUFFER, 4],
      [DataType.DATA_BUFFER, 3],
      [DataType.DATA_BUFFER, 2],
    ],
    'backlog = data buffers still queued after this one',
  );
  assert.ok(frames.every((f) => f.receiverId === receiverId && f.subpartitionId === 0 && !f.isCompressed));
  assert.deepEqual(frames[0]!.payload, cancel);
  assert.deepEqual(frames[2]!.payload, barrier);
  assert.deepEqual(
    frames.filter((f) => f.dataType === DataType.DATA_BUFFER).map((f) => f.payload),
    records.slice(0, 3),
  );
  assert.equal(client.closed, false);
});

test('receiver: reported backlog turns into floating credit (AddCredit on the wire) and sender credit matches receiver buffers', async () => {
  await using consumer = await startEnvironment({ 'taskmanager.memory.segment-size': '4kb' });
  await using raw = await RawServer.start();
  const partitionId = { dataSetId: newId16(), partitionIndex: 0, attemptId: newId16() };
  const gate = consumer.createInputGate('g', [{ partitionId, subpartitionIndex: 0, producer: raw.address }]);
  await gate.setup();
  await eventually(() => raw.peers[0]?.partitionRequests().length === 1, 5000, 'PartitionRequest');
  const peer = raw.peers[0]!;
  const request = peer.partitionRequests()[0]!;
  assert.equal(request.initialCredit, 2, 'initial credit = exclusive buffers per channel');
  assert.deepEqual(request.partitionId, partitionId);
  const receiverId = request.receiverId;
  const channel = gate.channels[0];
  assert.ok(channel instanceof RemoteInputChannel);
  const receiverAvailable = (): number => channel.initialCredit - channel.usedExclusiveBuffers + channel.idleFloatingBuffers;

  let sent = 0;
  const send = (backlog: number): Promise<void> => peer.write(bufferResponseFrame(receiverId, 0, sent++, backlog, DataType.DATA_BUFFER, Buffer.alloc(100, sent)));
  await send(5);
  // backlog 5 + initial credit 2 buffers required; one exclusive is in use → 6 floating requested and announced
  await eventually(() => peer.announcedCredit(receiverId) === 6, 5000, 'AddCredit totalling 6');
  const senderCredit = (): number => request.initialCredit + peer.announcedCredit(receiverId) - sent;
  assert.equal(senderCredit(), receiverAvailable(), 'sender credit = buffers the receiver holds for it');
  for (const backlog of [4, 3, 2, 1, 0]) await send(backlog);
  await eventually(() => channel.queuedBuffers === 6, 5000, 'all six buffers queued');
  await settle(100);
  assert.equal(peer.announcedCredit(receiverId), 6, 'backlog shrank: no more credit');
  assert.equal(channel.failure, undefined);
  assert.equal(senderCredit(), receiverAvailable());
  assert.equal(senderCredit(), 2, 'back to the initial credit');
  assert.ok(peer.frames.every((f) => f.id === MessageId.PARTITION_REQUEST || f.id === MessageId.ADD_CREDIT));
  // consuming returns credit only while the sender has backlog; the data arrive intact
  for (let b = gate.pollNext(); b; b = gate.pollNext()) {
    assert.equal(b.size, 100);
    b.release();
  }
  await settle(50);
  assert.equal(senderCredit(), receiverAvailable(), 'still consistent after the task recycled everything');
  gate.release();
  await eventually(() => consumer.globalPool.availableSegments === consumer.globalPool.totalSegments, 5000, 'consumer buffers home');
});
