import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataType, type NetworkBuffer } from '../buffer/index.js';
import { encodeEvent } from '../event/index.js';
import { connectGate, drain, eventually, lengthPrefixed, startPair } from '../test-support/network-fixture.js';

test('leak: after a full data-plane run, release and stop, every segment of both global pools is home', async () => {
  await using pair = await startPair({ 'taskmanager.memory.segment-size': '4kb', 'execution.buffer-timeout': '5 ms' });
  const partition = pair.producer.createResultPartition({ numSubpartitions: 3 });
  const gate = await connectGate(pair, partition);

  const sent = [0, 0, 0];
  const emitAll = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      if (!partition.isAvailable()) await new Promise<void>((resolve) => partition.onAvailable(resolve));
      const target = i % 3;
      const r = lengthPrefixed(i % 11 === 0 ? 10_000 : 30 + (i % 500), i & 0xff);
      sent[target]! += r.length;
      partition.emitRecord(r, r.length, target);
    }
  };
  const firstHalf = drain(gate, (d) => d.data.every((b, i) => b.length >= sent[i]!) && sent[0]! > 0, { timeoutMs: 30_000 });
  await emitAll(600);
  partition.flushAll();
  await firstHalf;

  // events, a priority event, and data the consumer still holds when everything is torn down
  partition.broadcastEvent(encodeEvent({ kind: 'cancel-checkpoint', checkpointId: 1 }), DataType.EVENT_BUFFER);
  partition.broadcastEvent(encodeEvent({ kind: 'cancel-checkpoint', checkpointId: 2 }), DataType.PRIORITIZED_EVENT_BUFFER, true);
  const held: NetworkBuffer[] = [];
  await emitAll(60);
  partition.flushAll();
  await drain(gate, (d) => d.events.length >= 6 && held.length >= 3, {
    timeoutMs: 10_000,
    hold: (b) => {
      if (b.dataType !== DataType.DATA_BUFFER || held.length >= 3) return false;
      held.push(b);
      return true;
    },
  });
  // leave data queued on both sides: sender queue and the consumer's received buffers
  await emitAll(30);
  partition.flushAll();

  gate.release();
  partition.release();
  await pair.consumer.stop();
  await pair.producer.stop();
  for (const b of held) b.release(); // the task returns its buffers after the gate is gone

  for (const [name, env] of [
    ['consumer', pair.consumer],
    ['producer', pair.producer],
  ] as const) {
    const pool = env.globalPool;
    // socket write callbacks may still be settling right after stop()
    await eventually(() => pool.availableSegments === pool.totalSegments, 2000, `${name}: every segment returned`).catch(() => undefined);
    assert.equal(pool.availableSegments, pool.totalSegments, `${name}: every segment returned (${pool.stats.usedSegments} missing)`);
    assert.equal(pool.stats.requiredSegments, 0, `${name}: no reservation left`);
  }
});
