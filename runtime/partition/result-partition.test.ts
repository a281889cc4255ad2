import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IllegalStateError, ManualClock } from '../../core/index.js';
import { DataType, NetworkBufferPool } from '../buffer/index.js';
import { ResultPartition, newId16, type PipelinedSubpartition } from './index.js';

const SEGMENT = 256;
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function record(bodyLength: number, fill: number): Buffer {
  const b = Buffer.alloc(4 + bodyLength, fill);
  b.writeInt32BE(bodyLength, 0);
  return b;
}

function setup(options: { bufferTimeoutMs: number; numSubpartitions?: number; poolSize?: number; overdraft?: number; clock?: ManualClock }) {
  const global = new NetworkBufferPool({ numBuffers: 64, segmentSizeBytes: SEGMENT });
  const n = options.numSubpartitions ?? 1;
  const size = options.poolSize ?? 16;
  const pool = global.createBufferPool({ min: size, max: size, numSubpartitions: n, maxBuffersPerChannel: 10, maxOverdraftBuffers: options.overdraft ?? 0 });
  const partition = new ResultPartition({
    id: { dataSetId: newId16(), partitionIndex: 0, attemptId: newId16() },
    numSubpartitions: n,
    pool,
    bufferTimeoutMs: options.bufferTimeoutMs,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return { global, pool, partition };
}

/** Everything the reader can take now, concatenated (data only). */
function readAll(s: PipelinedSubpartition): Buffer {
  const parts: Buffer[] = [];
  while (s.isDataAvailable()) {
    const r = s.pollBuffer();
    if (!r) break;
    if (r.dataType === DataType.DATA_BUFFER) parts.push(Buffer.from(r.buffer.segment.subarray(r.offset, r.offset + r.length)));
    r.buffer.release();
  }
  return Buffer.concat(parts);
}

test('bufferTimeoutMs 0 flushes after every record: data is available at once', () => {
  const { partition, global } = setup({ bufferTimeoutMs: 0 });
  const r = record(10, 3);
  partition.emitRecord(r, r.length, 0);
  const s = partition.subpartitions[0]!;
  assert.equal(s.isDataAvailable(), true);
  assert.deepEqual(readAll(s), r);
  partition.emitRecord(r, r.length, 0);
  assert.deepEqual(readAll(s), r, 'and again for the next record in the same buffer');
  partition.release();
  assert.equal(global.availableSegments, global.totalSegments);
});

test('bufferTimeoutMs -1 never flushes a partial buffer: only full buffers and events become available', () => {
  const clock = new ManualClock();
  const { partition, global } = setup({ bufferTimeoutMs: -1, clock });
  const s = partition.subpartitions[0]!;
  const small = record(50, 1);
  partition.emitRecord(small, small.length, 0);
  partition.emitRecord(small, small.length, 0);
  clock.advance(60_000);
  assert.equal(s.isDataAvailable(), false, 'a partial buffer is never flushed by time');
  // 108 bytes written; a 200-byte record fills the first buffer (256) and spills into a second
  const big = record(196, 2);
  partition.emitRecord(big, big.length, 0);
  assert.equal(s.isDataAvailable(), true, 'the full buffer is available');
  const first = readAll(s);
  assert.equal(first.length, SEGMENT, 'only the full buffer, not the partial one behind it');
  clock.advance(60_000);
  assert.equal(s.isDataAvailable(), false);
  partition.broadcastEvent(Buffer.from([0, 0, 0, 0]), DataType.EVENT_BUFFER);
  assert.equal(s.isDataAvailable(), true, 'an event flushes');
  const rest = readAll(s);
  assert.deepEqual(Buffer.concat([first, rest]), Buffer.concat([small, small, big]));
  partition.release();
  assert.equal(global.availableSegments, global.totalSegments);
});

test('bufferTimeoutMs > 0 flushes on the injected clock; a tick with no new writes leaves idle subpartitions alone', () => {
  const clock = new ManualClock();
  const { partition, global } = setup({ bufferTimeoutMs: 100, numSubpartitions: 3, clock });
  const flushes = [0, 0, 0];
  partition.subpartitions.forEach((s, i) => {
    const original = s.flush.bind(s);
    s.flush = () => {
      flushes[i]!++;
      original();
    };
  });
  const r = record(20, 9);
  partition.emitRecord(r, r.length, 0);
  partition.emitRecord(r, r.length, 2);
  clock.advance(99);
  assert.equal(partition.subpartitions[0]!.isDataAvailable(), false, 'not before the timeout');
  clock.advance(1);
  assert.equal(partition.subpartitions[0]!.isDataAvailable(), true, 'flushed by the flusher tick');
  assert.equal(partition.subpartitions[2]!.isDataAvailable(), true);
  assert.deepEqual(flushes, [1, 0, 1], 'subpartition 1 was never written: not flushed');
  assert.deepEqual(readAll(partition.subpartitions[0]!), r);
  assert.deepEqual(readAll(partition.subpartitions[2]!), r);
  clock.advance(500);
  assert.deepEqual(flushes, [1, 0, 1], 'ticks without writes do nothing');
  partition.emitRecord(r, r.length, 1);
  clock.advance(100);
  assert.deepEqual(flushes, [1, 1, 1]);
  assert.deepEqual(readAll(partition.subpartitions[1]!), r);
  partition.release();
  clock.advance(1000);
  assert.deepEqual(flushes, [1, 1, 1], 'the flusher stops on release');
  assert.equal(global.availableSegments, global.totalSegments);
});

test('hard backpressure: a record larger than the remaining pool is held, and completes as buffers are recycled', async () => {
  const { partition, pool, global } = setup({ bufferTimeoutMs: -1, poolSize: 2 });
  const s = partition.subpartitions[0]!;
  const big = record(1000, 0);
  for (let i = 4; i < big.length; i++) big[i] = i & 0xff;
  assert.equal(partition.emitRecord(big, big.length, 0), false, 'the record does not fit in 2 buffers');
  assert.equal(partition.isHardBackPressured, true);
  assert.equal(partition.isAvailable(), false);
  assert.throws(() => partition.emitRecord(big, big.length, 0), IllegalStateError, 'no emit while a record is pending');
  let fired = 0;
  partition.onAvailable(() => fired++);
  const received: Buffer[] = [];
  for (let round = 0; round < 20 && fired === 0; round++) {
    assert.equal(fired, 0);
    if (!partition.isHardBackPressured) s.flush(); // the tail of the record sits in an open buffer
    const r = s.pollBuffer();
    if (r) {
      received.push(Buffer.from(r.buffer.segment.subarray(r.offset, r.offset + r.length)));
      if (partition.isHardBackPressured) assert.equal(partition.isAvailable(), false, 'unavailable while the record is pending');
      r.buffer.release();
    }
    await tick();
  }
  assert.equal(fired, 1, 'onAvailable fired once the record was complete and a buffer was free');
  assert.equal(partition.isHardBackPressured, false);
  assert.equal(partition.isAvailable(), true);
  s.flush();
  for (let r = s.pollBuffer(); r; r = s.pollBuffer()) {
    received.push(Buffer.from(r.buffer.segment.subarray(r.offset, r.offset + r.length)));
    r.buffer.release();
  }
  assert.deepEqual(Buffer.concat(received), big, 'the record arrives whole and in order');
  assert.equal(pool.stats.overdraftSegments, 0);
  partition.release();
  assert.equal(global.availableSegments, global.totalSegments);
});

test('overdraft: a record may borrow beyond the pool size; the partition is unavailable until the overdraft returns', () => {
  const { partition, pool, global } = setup({ bufferTimeoutMs: -1, poolSize: 2, overdraft: 3 });
  const big = record(1000, 7); // 4 segments of 256
  assert.equal(partition.emitRecord(big, big.length, 0), false, 'completed with overdraft, but the pool is now unavailable');
  assert.equal(partition.isHardBackPressured, false, 'not pending: overdraft covered it');
  assert.equal(pool.stats.overdraftSegments, 2);
  const s = partition.subpartitions[0]!;
  s.flush();
  const got: Buffer[] = [];
  for (let r = s.pollBuffer(); r; r = s.pollBuffer()) {
    got.push(Buffer.from(r.buffer.segment.subarray(r.offset, r.offset + r.length)));
    r.buffer.release();
  }
  assert.deepEqual(Buffer.concat(got), big);
  assert.equal(pool.stats.overdraftSegments, 0);
  partition.release();
  assert.equal(global.availableSegments, global.totalSegments);
});
