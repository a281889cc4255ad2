import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InsufficientBuffersError, ManualClock } from '../../core/index.js';
import { BufferRequestTimeoutError, NetworkBufferPool, type LocalBufferPool, type NetworkBuffer } from './index.js';

const SEGMENT = 256;

function insufficientMessage(required: number, available: number, total: number, segment: number): string {
  return (
    `Insufficient number of network buffers: required ${required}, but only ${available} available. ` +
    `The total number of network buffers is currently set to ${total} of ${segment} bytes each. ` +
    `You can increase this number by setting the configuration keys 'taskmanager.memory.network.fraction', ` +
    `'taskmanager.memory.network.min', and 'taskmanager.memory.network.max'.`
  );
}

type Op =
  | { kind: 'create'; min: number; extra: number; unbounded: boolean }
  | { kind: 'destroy'; pick: number }
  | { kind: 'request'; pick: number; channel: number }
  | { kind: 'recycle'; pick: number }
  | { kind: 'unpooled'; count: number }
  | { kind: 'recycleUnpooled'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), min: fc.nat(12), extra: fc.nat(20), unbounded: fc.boolean() }),
  fc.record({ kind: fc.constant('destroy' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('request' as const), pick: fc.nat(), channel: fc.integer({ min: -1, max: 2 }) }),
  fc.record({ kind: fc.constant('request' as const), pick: fc.nat(), channel: fc.integer({ min: -1, max: 2 }) }),
  fc.record({ kind: fc.constant('recycle' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('unpooled' as const), count: fc.nat(8) }),
  fc.record({ kind: fc.constant('recycleUnpooled' as const), pick: fc.nat() }),
);

interface ModelPool {
  pool: LocalBufferPool;
  min: number;
  max: number;
  out: NetworkBuffer[];
  alive: boolean;
}

function checkInvariants(global: NetworkBufferPool, pools: ModelPool[], unpooled: NetworkBuffer[][]): void {
  const live = pools.filter((p) => p.alive);
  const exclusive = unpooled.reduce((n, s) => n + s.length, 0);
  const required = live.reduce((n, p) => n + p.min, 0) + exclusive;
  assert.equal(global.stats.requiredSegments, required, 'required = Σ live minimums + exclusive segments');
  let sizes = 0;
  for (const p of live) {
    assert.ok(p.pool.poolSize >= p.min && p.pool.poolSize <= p.max, `pool size ${p.pool.poolSize} outside [${p.min}, ${p.max}]`);
    sizes += p.pool.poolSize;
  }
  assert.ok(sizes <= global.totalSegments - exclusive, `Σ pool sizes ${sizes} > total ${global.totalSegments} − exclusive ${exclusive}`);
  // redistribution hands out every spare segment when the pools can take them
  const spare = global.totalSegments - required;
  const resizable = live.filter((p) => p.max > p.min);
  const excess = resizable.reduce((n, p) => n + Math.min(spare, p.max - p.min), 0);
  if (spare > 0 && excess >= spare) {
    const distributed = resizable.reduce((n, p) => n + p.pool.poolSize - p.min, 0);
    assert.equal(distributed, spare, 'all spare segments are distributed');
  }
  // conservation: every segment is in the global deque, owned by a pool (incl. destroyed ones still holding
  // segments), or handed out as exclusive
  let owned = 0;
  for (const p of pools) owned += p.pool.stats.requestedSegments + p.pool.stats.overdraftSegments;
  assert.equal(global.availableSegments + owned + exclusive, global.totalSegments, 'segments are conserved');
}

test('NetworkBufferPool: random create/destroy/request/recycle/unpooled sequences keep the 1.x invariants and leak nothing', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 64 }), fc.array(opArb, { maxLength: 60 }), async (total, ops) => {
      const global = new NetworkBufferPool({ numBuffers: total, segmentSizeBytes: SEGMENT });
      const pools: ModelPool[] = [];
      const unpooled: NetworkBuffer[][] = [];
      for (const op of ops) {
        const live = pools.filter((p) => p.alive);
        const required = live.reduce((n, p) => n + p.min, 0) + unpooled.reduce((n, s) => n + s.length, 0);
        switch (op.kind) {
          case 'create': {
            const max = op.unbounded ? Number.MAX_SAFE_INTEGER : op.min + op.extra;
            if (required + op.min > total) {
              assert.throws(
                () => global.createBufferPool({ min: op.min, max }),
                (e: unknown) =>
                  e instanceof InsufficientBuffersError &&
                  e.code === 'ERR_INSUFFICIENT_BUFFERS' &&
                  e.message === insufficientMessage(op.min, total - required, total, SEGMENT),
              );
            } else {
              const pool = global.createBufferPool({ min: op.min, max, numSubpartitions: 3, maxBuffersPerChannel: 4, maxOverdraftBuffers: 1 });
              pools.push({ pool, min: op.min, max, out: [], alive: true });
            }
            break;
          }
          case 'destroy': {
            const p = live[op.pick % Math.max(1, live.length)];
            if (p) {
              p.pool.destroy();
              p.alive = false;
            }
            break;
          }
          case 'request': {
            const p = live[op.pick % Math.max(1, live.length)];
            const b = p?.pool.requestBuffer(op.channel);
            if (p && b) {
              assert.equal(b.references, 1);
              p.out.push(b);
            }
            break;
          }
          case 'recycle': {
            const withOut = pools.filter((p) => p.out.length > 0);
            const p = withOut[op.pick % Math.max(1, withOut.length)];
            if (p) p.out.splice(op.pick % p.out.length, 1)[0]!.release();
            break;
          }
          case 'unpooled': {
            if (required + op.count > total) {
              await assert.rejects(global.requestUnpooledSegments(op.count), (e: unknown) => {
                return e instanceof InsufficientBuffersError && e.message === insufficientMessage(op.count, total - required, total, SEGMENT);
              });
            } else if (op.count <= global.availableSegments) {
              // physically free now: no waiting involved
              const segments = await global.requestUnpooledSegments(op.count);
              assert.equal(segments.length, op.count);
              assert.equal(new Set(segments).size, op.count);
              unpooled.push(segments);
            }
            break;
          }
          case 'recycleUnpooled': {
            const i = op.pick % Math.max(1, unpooled.length);
            const segments = unpooled.splice(i, 1)[0];
            if (segments) global.recycleUnpooledSegments(segments);
            break;
          }
        }
        checkInvariants(global, pools, unpooled);
      }
      // leak check: release everything, every segment is home
      for (const p of pools) for (const b of p.out.splice(0)) b.release();
      for (const p of pools) if (p.alive) p.pool.destroy();
      for (const s of unpooled.splice(0)) global.recycleUnpooledSegments(s);
      assert.equal(global.availableSegments, global.totalSegments);
      assert.equal(global.stats.requiredSegments, 0);
    }),
    { numRuns: 300 },
  );
});

test('NetworkBufferPool: pools with equal caps each get the same share of the spare segments ± 1', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 200 }), (k, min, spareExtra) => {
      const total = k * min + spareExtra;
      if (total < 1) return;
      const global = new NetworkBufferPool({ numBuffers: total, segmentSizeBytes: SEGMENT });
      const pools = Array.from({ length: k }, () => global.createBufferPool({ min, max: Number.MAX_SAFE_INTEGER }));
      const shares = pools.map((p) => p.poolSize - min);
      assert.equal(
        shares.reduce((a, b) => a + b, 0),
        spareExtra,
        'every spare segment is handed out',
      );
      assert.ok(Math.max(...shares) - Math.min(...shares) <= 1, `shares ${shares.join(',')} differ by more than 1`);
      for (const p of pools) p.destroy();
      assert.equal(global.stats.requiredSegments, 0);
    }),
  );
});

test('NetworkBufferPool: exact Flink message when a pool minimum or exclusive buffers cannot be guaranteed', async () => {
  const global = new NetworkBufferPool({ numBuffers: 10, segmentSizeBytes: 32_768 });
  const a = global.createBufferPool({ min: 6, max: 20 });
  assert.throws(() => global.createBufferPool({ min: 5, max: 5 }), {
    name: 'InsufficientBuffersError',
    message:
      'Insufficient number of network buffers: required 5, but only 4 available. The total number of network buffers is currently ' +
      "set to 10 of 32768 bytes each. You can increase this number by setting the configuration keys 'taskmanager.memory.network.fraction', " +
      "'taskmanager.memory.network.min', and 'taskmanager.memory.network.max'.",
  });
  await assert.rejects(global.requestUnpooledSegments(5), { message: insufficientMessage(5, 4, 10, 32_768) });
  // a failed attempt reserves nothing
  assert.equal(global.stats.requiredSegments, 6);
  const ok = await global.requestUnpooledSegments(4);
  assert.equal(ok.length, 4);
  assert.equal(a.poolSize, 6, 'the pool shrank to its minimum to make room for exclusive segments');
  global.recycleUnpooledSegments(ok);
  assert.equal(a.poolSize, 10, 'and grows back when they return');
  a.destroy();
  assert.equal(global.availableSegments, 10);
});

test('NetworkBufferPool: exclusive request waits for segments held by a shrinking pool, times out via the clock and reverts', async () => {
  const clock = new ManualClock();
  const global = new NetworkBufferPool({ numBuffers: 4, segmentSizeBytes: SEGMENT, requestTimeoutMs: 1000, clock });
  const pool = global.createBufferPool({ min: 1, max: 4 });
  const held = [pool.requestBuffer()!, pool.requestBuffer()!, pool.requestBuffer()!, pool.requestBuffer()!];
  assert.equal(global.availableSegments, 0);
  // one of the held segments is returned during the wait: the request completes
  const first = global.requestUnpooledSegments(1);
  held.pop()!.release();
  const got = await first;
  assert.equal(got.length, 1);
  global.recycleUnpooledSegments(got);
  // nobody returns a segment: the clock runs out
  const second = global.requestUnpooledSegments(3);
  const rejected = assert.rejects(second, (e: unknown) => e instanceof BufferRequestTimeoutError && /timeout which is 1000ms/.test((e as Error).message));
  for (let t = 0; t < 5; t++) {
    await new Promise((r) => setImmediate(r));
    clock.advance(500);
  }
  await rejected;
  assert.equal(global.stats.requiredSegments, 1, 'the reservation was reverted');
  for (const b of held.slice(0, 3)) b.release();
  pool.destroy();
  assert.equal(global.availableSegments, global.totalSegments);
});
