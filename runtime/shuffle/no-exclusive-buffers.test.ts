import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RemoteInputChannel } from '../consumer/index.js';
import { connectGate, drain, eventually, lengthPrefixed, startPair } from '../test-support/network-fixture.js';

test('buffers-per-channel 0: all credit comes from floating buffers via BacklogAnnouncement, and data still flows', async () => {
  await using pair = await startPair({ 'taskmanager.memory.segment-size': '4kb', 'execution.buffer-timeout': '5 ms', 'taskmanager.network.memory.buffers-per-channel': 0 });
  const partition = pair.producer.createResultPartition({ numSubpartitions: 2 });
  const gate = await connectGate(pair, partition);
  assert.ok(gate.channels.every((c) => c instanceof RemoteInputChannel && c.initialCredit === 0));
  const sent = [0, 0];
  const expected: Buffer[][] = [[], []];
  const drained = drain(gate, (d) => d.data.every((b, i) => b.length >= sent[i]!) && sent[1]! > 0, { timeoutMs: 20_000 });
  for (let i = 0; i < 300; i++) {
    if (!partition.isAvailable()) await new Promise<void>((resolve) => partition.onAvailable(resolve));
    const target = i % 2;
    const r = lengthPrefixed(i % 9 === 0 ? 6000 : 40 + (i % 400), i & 0xff);
    expected[target]!.push(r);
    sent[target]! += r.length;
    partition.emitRecord(r, r.length, target);
  }
  partition.flushAll();
  const got = await drained;
  assert.deepEqual(got.data[0], Buffer.concat(expected[0]!));
  assert.deepEqual(got.data[1], Buffer.concat(expected[1]!));
  gate.release();
  partition.release();
  await eventually(() => pair.consumer.globalPool.availableSegments === pair.consumer.globalPool.totalSegments, 5000, 'consumer buffers home');
});
