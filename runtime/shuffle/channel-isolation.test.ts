import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResultPartition } from '../partition/index.js';
import { drain, eventually, lengthPrefixed, startPair } from '../test-support/network-fixture.js';
import { settle } from '../test-support/environment.js';

const SEGMENT = 4096;

/** Emits `records` to `target`, waiting for availability between records (the writer's backpressure contract). */
async function emitAll(partition: ResultPartition, records: readonly Buffer[], target: number): Promise<void> {
  for (const r of records) {
    if (!partition.isAvailable()) await new Promise<void>((resolve) => partition.onAvailable(resolve));
    partition.emitRecord(r, r.length, target);
  }
}

test('a stalled channel does not stall another channel multiplexed on the same TCP connection', async () => {
  await using pair = await startPair({ 'taskmanager.memory.segment-size': '4kb', 'execution.buffer-timeout': '5 ms' });
  const partition = pair.producer.createResultPartition({ numSubpartitions: 2 });
  const address = pair.producer.dataAddress;
  const gateA = pair.consumer.createInputGate('A', [{ partitionId: partition.id, subpartitionIndex: 0, producer: address }]);
  const gateB = pair.consumer.createInputGate('B', [{ partitionId: partition.id, subpartitionIndex: 1, producer: address }]);
  await gateA.setup();
  await gateB.setup();
  assert.equal(pair.consumer.connections.size, 1, 'same producer ⇒ one TCP connection');
  assert.equal(pair.producer.server.stats.connections, 1);

  // A: 15 full buffers; its receiver holds at most 2 exclusive + 8 floating, and nobody drains gate A
  const recordsA = Array.from({ length: 15 }, (_, i) => lengthPrefixed(SEGMENT - 4, i));
  await emitAll(partition, recordsA, 0);
  const subA = partition.subpartitions[0]!;
  const channelA = gateA.channels[0]!;
  await eventually(() => channelA.queuedBuffers + subA.queueLength === 15 && subA.queueLength > 0, 10_000, 'channel A to stall');
  const stalledAt = { queued: channelA.queuedBuffers, sender: subA.queueLength };

  // B: many records of mixed sizes, drained as they come, all while A stays stalled
  const recordsB = Array.from({ length: 400 }, (_, i) => lengthPrefixed(i % 10 === 0 ? 9000 : 50 + ((i * 37) % 700), i & 0xff));
  const totalB = recordsB.reduce((n, r) => n + r.length, 0);
  const drainedB = drain(gateB, (d) => d.data[0]!.length >= totalB, { timeoutMs: 30_000 });
  await emitAll(partition, recordsB, 1);
  partition.flush(1);
  const gotB = await drainedB;
  assert.deepEqual(gotB.data[0], Buffer.concat(recordsB), 'B received all its records in order');

  assert.equal(channelA.failure, undefined);
  assert.equal(channelA.queuedBuffers, stalledAt.queued, 'A is still stalled (nothing drained it)');
  assert.equal(subA.queueLength, stalledAt.sender, 'and its sender side did not move');
  assert.equal(pair.consumer.connections.size, 1);

  // A's data was only held back by credit: draining A now delivers everything intact
  await settle(10);
  const gotA = await drain(gateA, (d) => d.data[0]!.length >= 15 * SEGMENT, { timeoutMs: 10_000 });
  assert.deepEqual(gotA.data[0], Buffer.concat(recordsA));
});
