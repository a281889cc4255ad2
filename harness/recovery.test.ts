import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlowlabError } from '../core/index.js';
import { timeToRecover, type RecoverySample } from './recovery.js';

const before = { recordsPerSec: 10_000, p99Us: 2_000 };
const HEAL_MS = 10_000;

/** Per-second samples ending at 1 s … `seconds` s; `figures(second)` gives that second's throughput and p99. */
function series(seconds: number, figures: (second: number) => [number, number | null]): RecoverySample[] {
  return Array.from({ length: seconds }, (_, i) => {
    const [recordsPerSec, p99Us] = figures(i + 1);
    return { tMs: (i + 1) * 1000, recordsPerSec, p99Us };
  });
}

/** Faulted until the heal, then `good` from second `recoveredAt` on. */
function healedAt(recoveredAtSecond: number): RecoverySample[] {
  return series(20, (s) => (s * 1000 <= HEAL_MS ? [1_000, 50_000] : s >= recoveredAtSecond ? [10_100, 2_100] : [6_000, 9_000]));
}

describe('timeToRecover', () => {
  it('recovers immediately: the first second after the heal is good', () => {
    assert.deepEqual(timeToRecover(healedAt(11), HEAL_MS, before), { recovered: true, timeToRecoverMs: 1_000, atMs: 11_000 });
  });

  it('recovers after 3 s', () => {
    assert.deepEqual(timeToRecover(healedAt(13), HEAL_MS, before), { recovered: true, timeToRecoverMs: 3_000, atMs: 13_000 });
  });

  it('measures from the heal to the end of the first good second when the heal is mid-second', () => {
    assert.deepEqual(timeToRecover(healedAt(11), 10_400, before), { recovered: true, timeToRecoverMs: 600, atMs: 11_000 });
  });

  it('never recovers', () => {
    const result = timeToRecover(healedAt(99), HEAL_MS, before);
    assert.deepEqual(result, { recovered: false, reason: 'not recovered by the end of the run (10 samples checked, up to 10000 ms after the heal)' });
  });

  it('a fault with no samples after the heal', () => {
    assert.deepEqual(timeToRecover(healedAt(11), 20_000, before), { recovered: false, reason: 'no samples after the heal' });
    assert.deepEqual(timeToRecover([], HEAL_MS, before), { recovered: false, reason: 'no samples after the heal' });
  });

  it('throughput must be within 5 % either way: a backlog drained at +6 % is not yet recovered', () => {
    const samples = series(14, (s) => (s <= 10 ? [0, null] : s <= 12 ? [10_600, 1_000] : [10_500, 1_000]));
    assert.deepEqual(timeToRecover(samples, HEAL_MS, before), { recovered: true, timeToRecoverMs: 3_000, atMs: 13_000 });
    const low = series(14, (s) => (s <= 12 ? [9_499, 1_000] : [9_500, 1_000]));
    assert.deepEqual(timeToRecover(low, HEAL_MS, before), { recovered: true, timeToRecoverMs: 3_000, atMs: 13_000 });
  });

  it('p99 must be at most 1.2 × before (lower is fine)', () => {
    const samples = series(14, (s) => [10_000, s <= 12 ? 2_401 : 2_400]);
    assert.deepEqual(timeToRecover(samples, HEAL_MS, before), { recovered: true, timeToRecoverMs: 3_000, atMs: 13_000 });
    const fast = series(11, () => [10_000, 10]);
    assert.deepEqual(timeToRecover(fast, HEAL_MS, before), { recovered: true, timeToRecoverMs: 1_000, atMs: 11_000 });
  });

  it('without a p99 before, throughput alone decides', () => {
    const samples = series(12, (s) => [s <= 11 ? 5_000 : 10_000, 99_999]);
    assert.deepEqual(timeToRecover(samples, HEAL_MS, { recordsPerSec: 10_000, p99Us: null }), { recovered: true, timeToRecoverMs: 2_000, atMs: 12_000 });
  });

  it('a second without a p99 cannot show recovery when before had one, and the reason says so', () => {
    const samples = series(13, (s) => [10_000, s <= 12 ? null : 1_000]);
    assert.deepEqual(timeToRecover(samples, HEAL_MS, before), { recovered: true, timeToRecoverMs: 3_000, atMs: 13_000 });
    const never = series(12, () => [10_000, null]);
    const result = timeToRecover(never, HEAL_MS, before);
    assert.equal(result.recovered, false);
    assert.match(result.recovered ? '' : result.reason, /^not recovered by the end of the run \(2 samples checked, up to 2000 ms after the heal; 2 had throughput back but no p99\)$/);
  });

  it('accepts samples in any order', () => {
    assert.deepEqual(timeToRecover(healedAt(13).reverse(), HEAL_MS, before), { recovered: true, timeToRecoverMs: 3_000, atMs: 13_000 });
  });

  it('rejects a non-finite heal time or baseline', () => {
    const isInvalid = (e: unknown): boolean => e instanceof FlowlabError && e.code === 'ERR_INVALID_ARGUMENT';
    assert.throws(() => timeToRecover([], Number.NaN, before), isInvalid);
    assert.throws(() => timeToRecover([], HEAL_MS, { recordsPerSec: Number.POSITIVE_INFINITY, p99Us: null }), isInvalid);
  });
});
