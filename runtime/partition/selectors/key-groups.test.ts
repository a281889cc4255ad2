import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  assignToKeyGroup,
  computeOperatorIndexForKeyGroup,
  defaultMaxParallelism,
  javaLongHashCode,
  murmurHash,
  roundUpToPowerOfTwo,
} from './index.js';

/** Flink's MathUtils.murmurHash written over BigInt with explicit 32-bit masking: the slow reference. */
function referenceMurmurHash(code: number): number {
  const M = 0xffff_ffffn;
  const mul = (a: bigint, b: bigint): bigint => (a * b) & M;
  const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (32n - r))) & M;
  let k = BigInt(code) & M;
  k = mul(k, 0xcc9e2d51n);
  k = rotl(k, 15n);
  k = mul(k, 0x1b873593n);
  k = rotl(k, 13n);
  k = (k * 5n + 0xe6546b64n) & M;
  k ^= 4n;
  k ^= k >> 16n;
  k = mul(k, 0x85ebca6bn);
  k ^= k >> 13n;
  k = mul(k, 0xc2b2ae35n);
  k ^= k >> 16n;
  const signed = Number(BigInt.asIntN(32, k));
  if (signed >= 0) return signed;
  return signed !== -2_147_483_648 ? -signed : 0;
}

/** Java's Long.hashCode over BigInt. */
function referenceLongHashCode(value: number): number {
  const v = BigInt.asUintN(64, BigInt(value));
  return Number(BigInt.asIntN(32, v ^ (v >> 32n)));
}

describe('key groups (Flink KeyGroupRangeAssignment / MathUtils)', () => {
  // Expected values from Flink's algorithm run on a JVM (java.lang.Long.hashCode + MathUtils.murmurHash).
  it('matches JVM values of Long.hashCode, murmurHash, key group and channel', () => {
    const cases: [key: number, hash: number, murmur: number, kg128: number, ch4of128: number, kg32768: number, ch3of32768: number][] = [
      [0, 0, 593_689_054, 94, 2, 31_198, 2],
      [1, 1, 68_075_478, 86, 2, 16_342, 1],
      [2, 2, 1_085_422_463, 127, 3, 15_231, 1],
      [42, 42, 1_134_849_565, 29, 0, 28_189, 2],
      [1000, 1000, 3_506_311, 7, 0, 135, 0],
      [4_294_967_295, -1, 1_982_413_648, 80, 2, 15_184, 1],
      [4_294_967_296, 1, 68_075_478, 86, 2, 16_342, 1],
      [123_456_789_012_345, -2_045_923_535, 1_706_327_101, 61, 1, 31_805, 2],
      [9_007_199_254_740_991, -2_097_152, 226_258_121, 73, 2, 27_849, 2],
    ];
    for (const [key, hash, murmur, kg128, ch4, kg32768, ch3] of cases) {
      assert.equal(javaLongHashCode(key), hash, `Long.hashCode(${key})`);
      assert.equal(murmurHash(hash), murmur, `murmurHash(${hash})`);
      assert.equal(assignToKeyGroup(key, 128), kg128);
      assert.equal(computeOperatorIndexForKeyGroup(128, 4, kg128), ch4);
      assert.equal(assignToKeyGroup(key, 32_768), kg32768);
      assert.equal(computeOperatorIndexForKeyGroup(32_768, 3, kg32768), ch3);
    }
    assert.equal(murmurHash(-2_147_483_648), 1_718_298_732);
    assert.equal(murmurHash(2_147_483_647), 1_653_689_534);
  });

  it('agrees with a BigInt reference for every int and every safe long', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }), (code) => {
        const hash = murmurHash(code);
        assert.equal(hash, referenceMurmurHash(code));
        assert.ok(hash >= 0 && Number.isInteger(hash));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (value) => {
        assert.equal(javaLongHashCode(value), referenceLongHashCode(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('rounds up to powers of two and derives the default max parallelism', () => {
    assert.deepEqual([0, 1, 2, 3, 5, 128, 129, 32_767].map(roundUpToPowerOfTwo), [0, 1, 2, 4, 8, 128, 256, 32_768]);
    const expected: [number, number][] = [
      [1, 128],
      [85, 128], // 85 + 42 = 127
      [86, 256], // 86 + 43 = 129
      [100, 256],
      [200, 512],
      [1000, 2048],
      [21_845, 32_768],
      [30_000, 32_768], // 45000 rounds to 65536, capped
    ];
    for (const [p, maxP] of expected) assert.equal(defaultMaxParallelism(p), maxP, `p=${p}`);
  });
});
