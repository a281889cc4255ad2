import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../core/index.js';
import { DataType } from '../buffer/index.js';
import { MAGIC_NUMBER, MessageId, encodeErrorResponse } from '../network/index.js';
import { newId16 } from '../partition/index.js';
import { eventually } from '../test-support/network-fixture.js';
import { bufferResponseFrame, rawFrame, RawServer, type RawPeer } from '../test-support/raw-peer.js';
import { startEnvironment, within } from '../test-support/environment.js';
import type { NetworkEnvironment } from '../shuffle/index.js';
import type { SingleInputGate } from './index.js';

interface Rig {
  consumer: NetworkEnvironment;
  raw: RawServer;
  gate: SingleInputGate;
  peer: RawPeer;
  /** receiver id of the channel reading subpartition i */
  receiver: [string, string];
  [Symbol.asyncDispose](): Promise<void>;
}

/** A real consumer gate with two channels (subpartitions 0 and 1) to a raw server playing the producer. */
async function rig(): Promise<Rig> {
  const consumer = await startEnvironment({ 'taskmanager.memory.segment-size': '4kb' });
  const raw = await RawServer.start();
  const partitionId = { dataSetId: newId16(), partitionIndex: 0, attemptId: newId16() };
  const gate = consumer.createInputGate('g', [
    { partitionId, subpartitionIndex: 0, producer: raw.address },
    { partitionId, subpartitionIndex: 1, producer: raw.address },
  ]);
  await gate.setup();
  await eventually(() => raw.peers.length === 1 && raw.peers[0]!.partitionRequests().length === 2, 5000, 'two PartitionRequests');
  assert.equal(raw.peers.length, 1, 'both channels share one TCP connection');
  assert.equal(consumer.connections.size, 1);
  const peer = raw.peers[0]!;
  const requests = peer.partitionRequests();
  const receiver: [string, string] = [
    requests.find((r) => r.subpartitionIndex === 0)!.receiverId,
    requests.find((r) => r.subpartitionIndex === 1)!.receiverId,
  ];
  assert.equal(gate.channels[0]!.receiverId, receiver[0]);
  return {
    consumer,
    raw,
    gate,
    peer,
    receiver,
    async [Symbol.asyncDispose]() {
      await consumer.stop();
      await raw.stop();
    },
  };
}

function dataFrame(receiverId: string, subpartition: number, seq: number, backlog: number, fill: number): Buffer {
  return bufferResponseFrame(receiverId, subpartition, seq, backlog, DataType.DATA_BUFFER, Buffer.alloc(100, fill));
}

/** Takes everything the gate has, per channel (releasing the buffers). */
function takeData(gate: SingleInputGate): Buffer[][] {
  const out: Buffer[][] = gate.channels.map(() => []);
  for (let b = gate.pollNext(); b; b = gate.pollNext()) {
    out[gate.lastChannel]!.push(Buffer.from(b.segment.subarray(0, b.size)));
    b.release();
  }
  return out;
}

function assertCode(error: Error | undefined, code: string): asserts error is ProtocolError {
  assert.ok(error instanceof ProtocolError, `expected a ProtocolError, got ${String(error)}`);
  assert.equal(error.code, code);
}

test('data beyond the granted credit fails that channel with ERR_NO_CREDIT; the other channel on the connection is unaffected', async () => {
  await using r = await rig();
  const [a, b] = [r.gate.channels[0]!, r.gate.channels[1]!];
  // flood channel A: far more data buffers (backlog 0) than its 2 exclusive + 8 floating buffers can take
  const flood = Array.from({ length: 30 }, (_, seq) => dataFrame(r.receiver[0], 0, seq, 0, 1));
  await r.peer.write(Buffer.concat(flood));
  await eventually(() => a.failure !== undefined, 5000, 'channel A to fail');
  assertCode(a.failure, 'ERR_NO_CREDIT');
  assert.equal(a.failure.channel, r.receiver[0], 'the error names the channel');
  assert.equal(a.isReleased, true);
  // the consumer cancels A's partition request on the same connection
  await eventually(
    () => r.peer.frames.some((f) => f.id === MessageId.CANCEL_PARTITION_REQUEST && f.body.toString('hex') === r.receiver[0]),
    5000,
    'CancelPartitionRequest for A',
  );
  // channel B still works on the same connection
  await r.peer.write(Buffer.concat([dataFrame(r.receiver[1], 1, 0, 0, 7), dataFrame(r.receiver[1], 1, 1, 0, 8)]));
  await eventually(() => b.queuedBuffers === 2, 5000, 'B to receive its two buffers');
  const got = takeData(r.gate);
  assert.deepEqual(got[1], [Buffer.alloc(100, 7), Buffer.alloc(100, 8)]);
  assert.equal(b.failure, undefined);
  assert.equal(r.peer.closed, false, 'the connection stays open');
  assert.equal(r.consumer.connections.size, 1);
});

test('a sequence gap fails only that channel with ERR_SEQUENCE', async () => {
  await using r = await rig();
  const [a, b] = [r.gate.channels[0]!, r.gate.channels[1]!];
  await r.peer.write(Buffer.concat([dataFrame(r.receiver[0], 0, 0, 0, 1), dataFrame(r.receiver[0], 0, 2, 0, 2)]));
  await eventually(() => a.failure !== undefined, 5000, 'channel A to fail');
  assertCode(a.failure, 'ERR_SEQUENCE');
  assert.match(a.failure.message, /expected buffer with sequence number 1, but received 2/);
  await r.peer.write(Buffer.concat([dataFrame(r.receiver[1], 1, 0, 0, 5), dataFrame(r.receiver[1], 1, 1, 0, 6)]));
  await eventually(() => b.queuedBuffers === 2, 5000, 'B to receive its two buffers');
  assert.deepEqual(takeData(r.gate)[1], [Buffer.alloc(100, 5), Buffer.alloc(100, 6)]);
  assert.equal(b.failure, undefined);
  assert.equal(r.peer.closed, false);
});

test('wrong magic fails the whole connection with ERR_BAD_MAGIC', async () => {
  await using r = await rig();
  await r.peer.write(dataFrame(r.receiver[1], 1, 0, 0, 1)); // B gets one good buffer first
  await eventually(() => r.gate.channels[1]!.queuedBuffers === 1, 5000, 'a good buffer');
  await r.peer.write(rawFrame(9 + 20, MAGIC_NUMBER ^ 1, MessageId.BACKLOG_ANNOUNCEMENT, Buffer.alloc(20)));
  await eventually(() => r.gate.channels.every((c) => c.failure !== undefined), 5000, 'both channels to fail');
  for (const c of r.gate.channels) assertCode(c.failure, 'ERR_BAD_MAGIC');
  assertCode(r.gate.failure, 'ERR_BAD_MAGIC');
  await within(r.peer.whenClosed, 5000, 'the consumer to close the connection');
  await eventually(() => r.consumer.connections.size === 0, 5000, 'the connection to be forgotten');
  // every buffer of the failed channels goes home once the gate is released
  r.gate.release();
  await eventually(() => r.consumer.globalPool.availableSegments === r.consumer.globalPool.totalSegments, 5000, 'buffers home');
});

test('an ErrorResponse addressed to one channel fails only that channel', async () => {
  await using r = await rig();
  await r.peer.write(encodeErrorResponse({ code: 'ERR_PARTITION_NOT_FOUND', message: 'gone' }, r.receiver[0]));
  await eventually(() => r.gate.channels[0]!.failure !== undefined, 5000, 'channel A to fail');
  assertCode(r.gate.channels[0]!.failure, 'ERR_PARTITION_NOT_FOUND');
  await r.peer.write(dataFrame(r.receiver[1], 1, 0, 0, 3));
  await eventually(() => r.gate.channels[1]!.queuedBuffers === 1, 5000, 'B still receives');
  assert.equal(r.gate.channels[1]!.failure, undefined);
});

test(
  'a BufferResponse with an unknown data type ordinal is a protocol error, not an event for the task',
  async () => {
    await using r = await rig();
    await r.peer.write(bufferResponseFrame(r.receiver[0], 0, 0, 0, 42, Buffer.alloc(4)));
    await r.peer.write(dataFrame(r.receiver[1], 1, 0, 0, 3));
    await eventually(() => r.gate.channels[1]!.queuedBuffers === 1 || r.gate.channels[1]!.failure !== undefined, 5000, 'B to settle');
    const delivered: number[] = [];
    for (let b = r.gate.pollNext(); b; b = r.gate.pollNext()) {
      delivered.push(b.dataType);
      b.release();
    }
    assert.ok(
      delivered.every((t) => t !== 42),
      `the task must never see data type 42 (got ${delivered.join(',')})`,
    );
    assert.ok(r.gate.channels[0]!.failure instanceof ProtocolError, 'channel A (or its connection) fails with a ProtocolError');
  },
);
