// Hostile or confused consumers on the data port (issue 14, defects 3 and 7): a second reader for a subpartition
// is refused as Flink refuses it, and credit for a receiver that never requested a partition fails the connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataType } from '../buffer/index.js';
import { newId16 } from '../partition/index.js';
import { eventually, lengthPrefixed } from '../test-support/network-fixture.js';
import { addCreditFrame, connectRaw } from '../test-support/raw-peer.js';
import { startEnvironment } from '../test-support/environment.js';
import { MessageId, decodeErrorResponse, encodePartitionRequest, encodeReceiverOnly } from './index.js';

const SEGMENT = 4096;

test('a second PartitionRequest for a subpartition already being read, on another connection, gets a typed error; the first reader keeps its data and credit', async () => {
  await using producer = await startEnvironment({ 'taskmanager.memory.segment-size': '4kb', 'execution.buffer-timeout': '-1' });
  const partition = producer.createResultPartition({ numSubpartitions: 1 });
  await using first = await connectRaw(producer.dataAddress);
  const firstId = newId16();
  await first.write(encodePartitionRequest({ partitionId: partition.id, subpartitionIndex: 0, receiverId: firstId, initialCredit: 2 }));
  await eventually(() => producer.server.stats.readers === 1, 5000, 'the first reader');

  await using second = await connectRaw(producer.dataAddress);
  const secondId = newId16();
  await second.write(encodePartitionRequest({ partitionId: partition.id, subpartitionIndex: 0, receiverId: secondId, initialCredit: 2 }));
  await eventually(() => second.frames.some((f) => f.id === MessageId.ERROR_RESPONSE), 5000, 'an ErrorResponse to the newcomer');
  const refusal = decodeErrorResponse(second.frames.find((f) => f.id === MessageId.ERROR_RESPONSE)!.body);
  assert.equal(refusal.error.code, 'ERR_SUBPARTITION_CONSUMED');
  assert.equal(refusal.receiverId, secondId);
  assert.match(refusal.error.message, /can only be consumed once/);

  for (const fill of [1, 2]) partition.emitRecord(lengthPrefixed(SEGMENT - 4, fill), SEGMENT, 0);
  await eventually(() => first.bufferResponses().filter((f) => f.dataType === DataType.DATA_BUFFER).length === 2, 5000, 'the first reader gets both buffers');
  assert.equal(second.bufferResponses().length, 0);
  assert.equal(producer.server.stats.readers, 1);
});

for (const [name, frame] of [
  ['AddCredit', (id: string) => addCreditFrame(3, id)],
  ['ResumeConsumption', (id: string) => encodeReceiverOnly(MessageId.RESUME_CONSUMPTION, id)],
] as const) {
  test(`${name} for a receiver that never requested a partition fails that connection with a typed error`, async () => {
    await using producer = await startEnvironment();
    const errors: Error[] = [];
    producer.server.on('connection-error', (error: Error) => errors.push(error));
    await using client = await connectRaw(producer.dataAddress);
    const stranger = newId16();
    await client.write(frame(stranger));
    await eventually(() => client.closed, 5000, 'the connection to close');
    const reply = client.frames.find((f) => f.id === MessageId.ERROR_RESPONSE);
    assert.ok(reply, 'an ErrorResponse before the close');
    const { error } = decodeErrorResponse(reply.body);
    assert.equal(error.code, 'ERR_UNKNOWN_RECEIVER');
    assert.match(error.message, new RegExp(stranger));
    assert.equal(errors[0]?.name, 'ProtocolError');

    // the server keeps serving others
    const partition = producer.createResultPartition({ numSubpartitions: 1 });
    await using other = await connectRaw(producer.dataAddress);
    await other.write(encodePartitionRequest({ partitionId: partition.id, subpartitionIndex: 0, receiverId: newId16(), initialCredit: 1 }));
    await eventually(() => producer.server.stats.readers === 1, 5000, 'a reader on a new connection');
  });
}

test('AddCredit that arrives while the PartitionRequest waits for its partition is kept, not refused', async () => {
  await using producer = await startEnvironment({ 'taskmanager.memory.segment-size': '4kb', 'execution.buffer-timeout': '-1' });
  await using client = await connectRaw(producer.dataAddress);
  const receiverId = newId16();
  const partitionId = { dataSetId: newId16(), partitionIndex: 0, attemptId: newId16() };
  await client.write(encodePartitionRequest({ partitionId, subpartitionIndex: 0, receiverId, initialCredit: 0 }));
  await client.write(addCreditFrame(2, receiverId));
  const partition = producer.createResultPartition({ numSubpartitions: 1, id: partitionId });
  await eventually(() => producer.server.stats.readers === 1, 5000, 'the reader');
  for (const fill of [1, 2]) partition.emitRecord(lengthPrefixed(SEGMENT - 4, fill), SEGMENT, 0);
  await eventually(() => client.bufferResponses().filter((f) => f.dataType === DataType.DATA_BUFFER).length === 2, 5000, 'two buffers on the early credit');
  assert.equal(client.closed, false);
});
