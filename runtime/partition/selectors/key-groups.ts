/**
 * Key-group math of Flink's `KeyGroupRangeAssignment` and `MathUtils` (spec §3.4), in 32-bit wrap-around integer
 * arithmetic (`Math.imul`, `| 0`) so the results equal Flink's for the same key.
 */

/** Flink's `KeyGroupRangeAssignment.DEFAULT_LOWER_BOUND_MAX_PARALLELISM`. */
export const DEFAULT_LOWER_BOUND_MAX_PARALLELISM = 128;
/** Flink's `KeyGroupRangeAssignment.UPPER_BOUND_MAX_PARALLELISM` (2^15). */
export const UPPER_BOUND_MAX_PARALLELISM = 32_768;

const TWO_POW_32 = 4_294_967_296;

/**
 * Java's `Long.hashCode(value)` = `(int)(value ^ (value >>> 32))` for a safe integer (negative ones included), from
 * its high and low 32-bit words without BigInt.
 */
export function javaLongHashCode(value: number): number {
  const high = Math.floor(value / TWO_POW_32) | 0;
  const low = value >>> 0;
  return (high ^ low) | 0;
}

/** Flink's `MathUtils.murmurHash(int)`: a non-negative int32. */
export function murmurHash(code: number): number {
  let k = Math.imul(code | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  k = (k << 13) | (k >>> 19);
  k = (Math.imul(k, 5) + 0xe6546b64) | 0;
  k ^= 4;
  k = bitMix(k);
  if (k >= 0) return k;
  return k !== -2_147_483_648 ? -k : 0;
}

/** Flink's `MathUtils.bitMix(int)` (murmur3's fmix32). */
export function bitMix(value: number): number {
  let x = value | 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x;
}

/** Flink's `MathUtils.roundUpToPowerOfTwo(int)` for 0 ≤ x ≤ 2^30 (0 stays 0). */
export function roundUpToPowerOfTwo(x: number): number {
  let v = (x | 0) - 1;
  v |= v >> 1;
  v |= v >> 2;
  v |= v >> 4;
  v |= v >> 8;
  v |= v >> 16;
  return v + 1;
}

/** Flink's default max parallelism for an operator of parallelism `p`: `min(max(roundUp2(p + p/2), 128), 32768)`. */
export function defaultMaxParallelism(parallelism: number): number {
  const p = parallelism | 0;
  return Math.min(
    Math.max(roundUpToPowerOfTwo(p + Math.trunc(p / 2)), DEFAULT_LOWER_BOUND_MAX_PARALLELISM),
    UPPER_BOUND_MAX_PARALLELISM,
  );
}

/** `KeyGroupRangeAssignment.assignToKeyGroup` for a long key: `murmurHash(Long.hashCode(key)) % maxParallelism`. */
export function assignToKeyGroup(key: number, maxParallelism: number): number {
  return murmurHash(javaLongHashCode(key)) % maxParallelism;
}

/** `KeyGroupRangeAssignment.computeOperatorIndexForKeyGroup`: `keyGroup × parallelism / maxParallelism` (integer). */
export function computeOperatorIndexForKeyGroup(maxParallelism: number, parallelism: number, keyGroup: number): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}
