import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as hdr from 'hdr-histogram-js';
import { FlowlabError } from '../core/index.js';
import { guardedPercentile, guardedSummary, minSamplesFor } from './percentile-guard.js';

/** A histogram of `count` values 1..count µs, as V2 compressed base64. */
function encodedRamp(count: number): string {
  const h = hdr.build({ numberOfSignificantValueDigits: 3 });
  try {
    for (let v = 1; v <= count; v++) h.recordValue(v);
    return hdr.encodeIntoCompressedBase64(h);
  } finally {
    h.destroy();
  }
}

function withCount(totalCount: number): { totalCount: number; getValueAtPercentile(p: number): number } {
  return { totalCount, getValueAtPercentile: (p) => p * 10 };
}

describe('minSamplesFor', () => {
  it('is 10 / (1 − q), exactly at the usual percentiles despite float error', () => {
    assert.equal(minSamplesFor(0.5), 20);
    assert.equal(minSamplesFor(0.9), 100);
    assert.equal(minSamplesFor(0.99), 1_000);
    assert.equal(minSamplesFor(0.999), 10_000);
    assert.equal(minSamplesFor(0.9999), 100_000);
    assert.equal(minSamplesFor(0.75), 40);
  });

  it('rounds up between integers', () => {
    assert.equal(minSamplesFor(0.97), 334); // 333.33…
    assert.equal(minSamplesFor(0.1), 12); // 11.11…
  });

  it('rejects anything that is not a fraction in (0, 1)', () => {
    for (const q of [0, 1, 99, -0.5, Number.NaN]) {
      assert.throws(() => minSamplesFor(q), (e: unknown) => e instanceof FlowlabError && e.code === 'ERR_INVALID_ARGUMENT', String(q));
    }
  });
});

describe('guardedPercentile', () => {
  it('needs 1,000 samples for p99: 999 is null with a reason, 1,000 is a value', () => {
    assert.deepEqual(guardedPercentile(withCount(999), 99), { value: null, reason: 'p99 needs ≥ 1,000 samples, have 999' });
    assert.deepEqual(guardedPercentile(withCount(1_000), 99), { value: 990 });
  });

  it('at the other boundaries: p50 20, p90 100, p99.9 10,000', () => {
    assert.deepEqual(guardedPercentile(withCount(19), 50), { value: null, reason: 'p50 needs ≥ 20 samples, have 19' });
    assert.deepEqual(guardedPercentile(withCount(20), 50), { value: 500 });
    assert.deepEqual(guardedPercentile(withCount(99), 90), { value: null, reason: 'p90 needs ≥ 100 samples, have 99' });
    assert.deepEqual(guardedPercentile(withCount(100), 90), { value: 900 });
    assert.deepEqual(guardedPercentile(withCount(2_345), 99.9), { value: null, reason: 'p99.9 needs ≥ 10,000 samples, have 2,345' });
    assert.deepEqual(guardedPercentile(withCount(9_999), 99.9).value, null);
    assert.deepEqual(guardedPercentile(withCount(10_000), 99.9), { value: 999 });
  });

  it('reads a real histogram', () => {
    const h = hdr.build();
    try {
      for (let v = 1; v <= 1_000; v++) h.recordValue(v);
      assert.equal(guardedPercentile(h, 99).value, h.getValueAtPercentile(99));
      assert.equal(guardedPercentile(h, 99.9).value, null);
    } finally {
      h.destroy();
    }
  });
});

describe('guardedSummary', () => {
  it('999 samples: p50 and p90 only; max and count always', () => {
    const s = guardedSummary(encodedRamp(999));
    assert.equal(s.count, 999);
    assert.equal(s.max, 999);
    assert.ok(s.p50 !== null && Math.abs(s.p50 - 500) <= 1, String(s.p50));
    assert.ok(s.p90 !== null && Math.abs(s.p90 - 899) <= 1, String(s.p90));
    assert.equal(s.p99, null);
    assert.equal(s.p999, null);
    assert.deepEqual(s.reasons, { p99: 'p99 needs ≥ 1,000 samples, have 999', p999: 'p99.9 needs ≥ 10,000 samples, have 999' });
  });

  it('1,000 samples: p99 appears', () => {
    const s = guardedSummary(encodedRamp(1_000));
    assert.ok(s.p99 !== null && Math.abs(s.p99 - 990) <= 1, String(s.p99));
    assert.equal(s.p999, null);
    assert.deepEqual(Object.keys(s.reasons ?? {}), ['p999']);
  });

  it('10,000 samples: every percentile, no reasons', () => {
    const s = guardedSummary(encodedRamp(10_000));
    assert.equal(s.count, 10_000);
    assert.ok(s.p999 !== null && Math.abs(s.p999 - 9_990) <= 10, String(s.p999));
    assert.equal(s.reasons, undefined);
    assert.ok(!('reasons' in s));
  });

  it('an empty or missing histogram has count 0 and no max', () => {
    for (const s of [guardedSummary(undefined), guardedSummary(encodedRamp(0))]) {
      assert.equal(s.count, 0);
      assert.equal(s.max, null);
      assert.deepEqual([s.p50, s.p90, s.p99, s.p999], [null, null, null, null]);
      assert.equal(s.reasons?.p50, 'p50 needs ≥ 20 samples, have 0');
    }
  });
});
