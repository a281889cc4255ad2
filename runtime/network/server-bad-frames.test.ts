import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../core/index.js';
import { newId16 } from '../partition/index.js';
import { drain, lengthPrefixed, startPair } from '../test-support/network-fixture.js';
import { bufferResponseFrame, connectRaw, rawFrame, type RawPeer } from '../test-support/raw-peer.js';
import { within } from '../test-support/environment.js';
import { MAGIC_NUMBER, MessageId, decodeErrorResponse, encodeIntAndReceiver, encodePartitionRequest } from './index.js';

interface BadCase {
  name: string;
  bytes: (partitionRequest: Buffer, receiverId: string) => Buffer;
  code: RegExp;
}

const cases: BadCase[] = [
  { name: 'wrong magic', bytes: () => rawFrame(25, 0x12345678, MessageId.CANCEL_PARTITION_REQUEST, Buffer.alloc(16)), code: /^ERR_BAD_MAGIC$/ },
  { name: 'unknown message id', bytes: () => rawFrame(9, MAGIC_NUMBER, 42, Buffer.alloc(0)), code: /^ERR_UNKNOWN_MESSAGE$/ },
  {
    name: 'a BufferResponse sent to the server (wrong direction)',
    bytes: (_, id) => bufferResponseFrame(id, 0, 0, 0, 1, Buffer.alloc(8)),
    code: /^ERR_UNKNOWN_MESSAGE$/,
  },
  {
    name: 'truncated body (AddCredit with a 10-byte body)',
    bytes: () => rawFrame(9 + 10, MAGIC_NUMBER, MessageId.ADD_CREDIT, Buffer.alloc(10)),
    code: /^ERR_TRUNCATED_FRAME$/,
  },
  {
    name: 'truncated body after a valid PartitionRequest',
    bytes: (request) => Buffer.concat([request, rawFrame(9 + 3, MAGIC_NUMBER, MessageId.RESUME_CONSUMPTION, Buffer.alloc(3))]),
    code: /^ERR_TRUNCATED_FRAME$/,
  },
  {
    name: 'negative frame length',
    bytes: () => rawFrame(-100, MAGIC_NUMBER, MessageId.TASK_EVENT_REQUEST, Buffer.alloc(0)),
    code: /^ERR_(FRAME_LENGTH|TRUNCATED_FRAME)$/,
  },
  { name: 'garbage (an HTTP request)', bytes: () => Buffer.from('GET / HTTP/1.1\r\nHost: flowlab\r\n\r\n'), code: /^ERR_[A-Z_]+$/ },
  { name: 'AddCredit of 0', bytes: (request, id) => Buffer.concat([request, encodeIntAndReceiver(MessageId.ADD_CREDIT, 0, id)]), code: /^ERR_BAD_CREDIT$/ },
];

test('bad frames close only the offending connection; a healthy connection on the same server keeps receiving data', async () => {
  await using pair = await startPair({ 'execution.buffer-timeout': '0' });
  const { producer } = pair;
  const partition = producer.createResultPartition({ numSubpartitions: 2 });
  // the healthy consumer reads subpartition 0 through a real gate
  const gate = pair.consumer.createInputGate('healthy', [{ partitionId: partition.id, subpartitionIndex: 0, producer: producer.dataAddress }]);
  await gate.setup();
  const errors: Array<{ error: Error; connection: string }> = [];
  producer.server.on('connection-error', (error: Error, connection: string) => errors.push({ error, connection }));

  let expectedBytes = 0;
  const sendAndReceive = async (fill: number): Promise<void> => {
    const record = lengthPrefixed(200, fill);
    expectedBytes += record.length;
    partition.emitRecord(record, record.length, 0);
    const got = await drain(gate, (d) => d.data[0]!.length >= record.length, { timeoutMs: 10_000 });
    assert.deepEqual(got.data[0], record, 'healthy channel got its record');
  };
  await sendAndReceive(0);

  for (const [i, bad] of cases.entries()) {
    const errorsBefore = errors.length;
    const peer: RawPeer = await connectRaw(producer.dataAddress);
    const localPort = peer.socket.localPort!;
    try {
      const receiverId = newId16();
      const request = encodePartitionRequest({ partitionId: partition.id, subpartitionIndex: 1, receiverId, initialCredit: 2 });
      await peer.write(bad.bytes(request, receiverId)).catch(() => undefined);
      await within(peer.whenClosed, 10_000, `server to close the connection after ${bad.name}`);
      // anything the server sent before closing is an ErrorResponse for the whole connection
      for (const frame of peer.frames.filter((f) => f.id !== MessageId.BUFFER_RESPONSE)) {
        assert.equal(frame.id, MessageId.ERROR_RESPONSE, bad.name);
        const { error, receiverId: target } = decodeErrorResponse(frame.body);
        assert.match(error.code, bad.code, bad.name);
        assert.equal(target, undefined, 'connection-wide error');
      }
      assert.equal(errors.length, errorsBefore + 1, `one connection-error for ${bad.name}`);
      const reported = errors[errors.length - 1]!;
      assert.ok(reported.error instanceof ProtocolError, `${bad.name}: ProtocolError, got ${String(reported.error)}`);
      assert.match(reported.error.code, bad.code, bad.name);
      assert.ok(reported.connection.includes(`:${localPort} `), 'the error names the bad connection');
    } finally {
      await peer.close();
    }
    // the healthy connection is unaffected
    await sendAndReceive(i + 1);
    assert.equal(gate.channels[0]!.failure, undefined);
  }
  assert.equal(pair.consumer.connections.size, 1);
  assert.ok(expectedBytes > 0);
  assert.equal(partition.subpartitions[1]!.isReleased, false, 'a bad reader on subpartition 1 does not release the partition');
});
