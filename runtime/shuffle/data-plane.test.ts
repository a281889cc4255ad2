import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataType } from '../buffer/index.js';
import { encodeEvent } from '../event/index.js';
import { connectGate, drain, eventually, lengthPrefixed, startPair } from '../test-support/network-fixture.js';

test('records cross a real socket in order, across buffer boundaries, and every buffer returns', async () => {
  await using pair = await startPair({ 'taskmanager.memory.segment-size': '4kb', 'execution.buffer-timeout': '5 ms' });
  const partition = pair.producer.createResultPartition({ numSubpartitions: 2 });
  const gate = await connectGate(pair, partition);
  const expected: Buffer[][] = [[], []];
  let emitted = 0;
  const total = 600;
  const sent = [0, 0];
  const done = { emitting: true };
  const drained = drain(gate, (d) => !done.emitting && d.data.every((b, i) => b.length >= sent[i]!), { timeoutMs: 20_000 });
  await new Promise<void>((resolve) => {
    const emitSome = (): void => {
      while (emitted < total) {
        const target = emitted % 2;
        const record = lengthPrefixed(emitted % 7 === 0 ? 9000 : 100 + (emitted % 300), emitted & 0xff);
        expected[target]!.push(record);
        sent[target]! += record.length;
        emitted++;
        if (!partition.emitRecord(record, record.length, target)) {
          partition.onAvailable(emitSome);
          return;
        }
      }
      partition.flushAll();
      done.emitting = false;
      resolve();
    };
    emitSome();
  });
  partition.flushAll(); // wakes the drain's last check
  const got = await drained;
  assert.deepEqual(got.data[0], Buffer.concat(expected[0]!));
  assert.deepEqual(got.data[1], Buffer.concat(expected[1]!));
  // every buffer goes home once both ends are released
  gate.release();
  partition.release();
  await eventually(() => pair.consumer.globalPool.availableSegments === pair.consumer.globalPool.totalSegments, 5000, 'consumer buffers');
  await eventually(() => pair.producer.globalPool.availableSegments === pair.producer.globalPool.totalSegments, 5000, 'producer buffers');
});

test('events reach the consumer without credit and in order with data', async () => {
  await using pair = await startPair({ 'execution.buffer-timeout': '-1' });
  const partition = pair.producer.createResultPartition({ numSubpartitions: 1 });
  const gate = await connectGate(pair, partition);
  const record = lengthPrefixed(50, 7);
  partition.emitRecord(record, record.length, 0);
  partition.broadcastEvent(encodeEvent({ kind: 'end-of-partition' }), DataType.EVENT_BUFFER);
  const got = await drain(gate, (d) => d.events.length === 1);
  assert.deepEqual(got.data[0], record);
  assert.equal(got.events[0]!.type, DataType.EVENT_BUFFER);
  assert.deepEqual(got.events[0]!.bytes, encodeEvent({ kind: 'end-of-partition' }));
});
