import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetworkBufferPool, type BufferListener, type NetworkBuffer } from './index.js';

const SEGMENT = 256;
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('LocalBufferPool: a subpartition reaching max-buffers-per-channel makes the pool unavailable until it recycles', () => {
  const global = new NetworkBufferPool({ numBuffers: 20, segmentSizeBytes: SEGMENT });
  const pool = global.createBufferPool({ min: 10, max: 10, numSubpartitions: 2, maxBuffersPerChannel: 3 });
  const ch0 = [pool.requestBuffer(0)!, pool.requestBuffer(0)!];
  const ch1 = [pool.requestBuffer(1)!, pool.requestBuffer(1)!];
  assert.equal(pool.isAvailable(), true, 'two per channel is below the cap');
  ch0.push(pool.requestBuffer(0)!);
  assert.equal(pool.buffersOf(0), 3);
  assert.equal(pool.isAvailable(), false, 'channel 0 at its cap: whole pool unavailable though 5 segments are free');
  assert.equal(pool.stats.unavailableSubpartitions, 1);
  ch1.pop()!.release();
  assert.equal(pool.isAvailable(), false, 'a recycle on another channel does not lift the cap');
  ch0.pop()!.release();
  assert.equal(pool.isAvailable(), true);
  assert.equal(pool.stats.unavailableSubpartitions, 0);
  for (const b of [...ch0, ...ch1]) b.release();
  pool.destroy();
  assert.equal(global.availableSegments, global.totalSegments);
});

test('LocalBufferPool: overdraft segments go beyond the pool size up to the limit; the pool is unavailable while one is out', () => {
  const global = new NetworkBufferPool({ numBuffers: 10, segmentSizeBytes: SEGMENT });
  const pool = global.createBufferPool({ min: 2, max: 2, maxOverdraftBuffers: 2 });
  const normal = [pool.requestBuffer()!, pool.requestBuffer()!];
  assert.equal(pool.isAvailable(), false, 'pool size exhausted');
  const od1 = pool.requestBuffer();
  const od2 = pool.requestBuffer();
  assert.ok(od1 && od2, 'overdraft segments are handed out beyond the pool size');
  assert.equal(pool.stats.overdraftSegments, 2);
  assert.equal(pool.requestBuffer(), null, 'but not beyond the overdraft limit');
  assert.equal(global.availableSegments, 6);
  // overdraft segments go back to the global pool first
  normal.pop()!.release();
  assert.equal(pool.stats.overdraftSegments, 1);
  assert.equal(global.availableSegments, 7);
  assert.equal(pool.isAvailable(), false, 'unavailable while an overdraft segment is out');
  od1.release();
  assert.equal(pool.stats.overdraftSegments, 0);
  assert.equal(global.availableSegments, 8);
  od2.release();
  assert.equal(pool.isAvailable(), true, 'no overdraft out and a segment is free');
  normal.pop()!.release();
  pool.destroy();
  assert.equal(global.availableSegments, global.totalSegments);
});

test('LocalBufferPool: onAvailable fires as an event after a recycle, not before', async () => {
  const global = new NetworkBufferPool({ numBuffers: 4, segmentSizeBytes: SEGMENT });
  const pool = global.createBufferPool({ min: 1, max: 1 });
  const held = pool.requestBuffer()!;
  assert.equal(pool.isAvailable(), false);
  let fired = 0;
  pool.onAvailable(() => fired++);
  await tick();
  await tick();
  assert.equal(fired, 0, 'not available yet');
  held.release();
  await tick();
  assert.equal(fired, 1, 'fired once by the recycle');
  pool.requestBuffer()!.release();
  await tick();
  assert.equal(fired, 1, 'one-shot');
  pool.destroy();
  assert.equal(global.availableSegments, global.totalSegments);
});

test('LocalBufferPool: onAvailable fires when the global pool frees a segment a growing pool may take', async () => {
  const global = new NetworkBufferPool({ numBuffers: 4, segmentSizeBytes: SEGMENT });
  const pool = global.createBufferPool({ min: 1, max: 4 });
  const exclusive = await global.requestUnpooledSegments(3);
  const mine = pool.requestBuffer()!;
  assert.equal(pool.isAvailable(), false);
  let fired = 0;
  pool.onAvailable(() => fired++);
  await tick();
  assert.equal(fired, 0);
  global.recycleUnpooledSegments(exclusive);
  await tick();
  assert.equal(fired, 1, 'pool grew and a global segment became free');
  mine.release();
  pool.destroy();
  assert.equal(global.availableSegments, global.totalSegments);
});

test('LocalBufferPool: buffer listeners receive recycled buffers; a refusing listener leaves the buffer in the pool', () => {
  const global = new NetworkBufferPool({ numBuffers: 4, segmentSizeBytes: SEGMENT });
  const pool = global.createBufferPool({ min: 1, max: 1 });
  const held = pool.requestBuffer()!;
  const got: NetworkBuffer[] = [];
  const accepting: BufferListener = {
    notifyBufferAvailable: (b) => {
      got.push(b);
      return true;
    },
  };
  let refusedCalls = 0;
  const refusing: BufferListener = {
    notifyBufferAvailable: () => {
      refusedCalls++;
      return false;
    },
  };
  assert.equal(pool.addBufferListener(refusing), true);
  assert.equal(pool.addBufferListener(accepting), true);
  held.release();
  assert.equal(refusedCalls, 1);
  assert.equal(got.length, 1);
  assert.equal(got[0], held, 'the very buffer that was recycled');
  assert.equal(got[0].references, 1, 'handed over with one reference');
  assert.equal(pool.stats.availableSegments, 0);
  // with a free buffer, registration is refused (the caller should request instead)
  got[0].release();
  assert.equal(pool.stats.availableSegments, 1);
  assert.equal(pool.addBufferListener(accepting), false);
  // a listener that refuses leaves the segment in the pool
  const again = pool.requestBuffer()!;
  assert.equal(pool.addBufferListener(refusing), true);
  again.release();
  assert.equal(refusedCalls, 2);
  assert.equal(pool.stats.availableSegments, 1);
  pool.destroy();
  assert.equal(global.availableSegments, global.totalSegments);
});
