import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newId16 } from '../partition/index.js';
import { eventually } from '../test-support/network-fixture.js';
import { connectRaw } from '../test-support/raw-peer.js';
import { startEnvironment } from '../test-support/environment.js';
import { MessageId, decodeErrorResponse, encodePartitionRequest } from './index.js';

test('a PartitionRequest for an unknown subpartition gets an ErrorResponse for that receiver', async () => {
  await using producer = await startEnvironment();
  const partition = producer.createResultPartition({ numSubpartitions: 1 });
  await using client = await connectRaw(producer.dataAddress);
  const receiverId = newId16();
  await client.write(encodePartitionRequest({ partitionId: partition.id, subpartitionIndex: 5, receiverId, initialCredit: 2 }));
  await eventually(() => client.frames.length > 0, 5000, 'an ErrorResponse');
  const frame = client.frames[0]!;
  assert.equal(frame.id, MessageId.ERROR_RESPONSE);
  const { error, receiverId: target } = decodeErrorResponse(frame.body);
  assert.equal(error.code, 'ERR_BAD_SUBPARTITION');
  assert.equal(target, receiverId);
  assert.equal(client.closed, false, 'a per-channel error keeps the connection');
});

test(
  'a second PartitionRequest with the same receiver id is refused even when both arrive in one segment',
  async () => {
    await using producer = await startEnvironment();
    const partition = producer.createResultPartition({ numSubpartitions: 1 });
    await using client = await connectRaw(producer.dataAddress);
    const receiverId = newId16();
    const request = encodePartitionRequest({ partitionId: partition.id, subpartitionIndex: 0, receiverId, initialCredit: 2 });
    await client.write(Buffer.concat([request, request]));
    await eventually(() => producer.server.stats.readers >= 1, 5000, 'a reader');
    await eventually(() => client.frames.some((f) => f.id === MessageId.ERROR_RESPONSE), 2000, 'ERR_DUPLICATE_RECEIVER').catch(() => undefined);
    const errors = client.frames.filter((f) => f.id === MessageId.ERROR_RESPONSE).map((f) => decodeErrorResponse(f.body).error.code);
    assert.deepEqual(errors, ['ERR_DUPLICATE_RECEIVER']);
  },
);
