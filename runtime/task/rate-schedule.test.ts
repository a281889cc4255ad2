import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { RateSegment } from '../job/index.js';
import { RateSchedule } from './rate-schedule.js';

const sumMs = (segments: readonly RateSegment[]): number => segments.reduce((s, x) => s + x.durationMs, 0);
const scheduleOf = (segments: RateSegment[]): RateSchedule => new RateSchedule(segments, sumMs(segments));
const near = (actual: number, expected: number, what: string, toleranceUs = 1e-6): void =>
  assert.ok(Math.abs(actual - expected) <= toleranceUs, `${what}: ${actual} µs, expected ${expected} µs`);

test('steps: record i is due when the cumulative rate reaches i + 1; a rate of 0 emits nothing', () => {
  // 1000/s for 1 s, nothing for 1 s, 4000/s for 1 s
  const s = scheduleOf([
    { durationMs: 1000, fromPerSec: 1000, toPerSec: 1000 },
    { durationMs: 1000, fromPerSec: 0, toPerSec: 0 },
    { durationMs: 1000, fromPerSec: 4000, toPerSec: 4000 },
  ]);
  assert.equal(s.totalRecords, 5000);
  near(s.dueOffsetUs(0), 1_000, 'record 0');
  near(s.dueOffsetUs(499), 500_000, 'record 499');
  near(s.dueOffsetUs(999), 1_000_000, 'record 999, the last of the first step');
  near(s.dueOffsetUs(1000), 2_000_250, 'record 1000, the first after the pause');
  near(s.dueOffsetUs(4999), 3_000_000, 'record 4999, at the end');
});

test('ramps: the quadratic is solved exactly, up and down', () => {
  // 0 → 1000/s over 2 s: N(t) = 250 t²
  const up = scheduleOf([{ durationMs: 2000, fromPerSec: 0, toPerSec: 1000 }]);
  assert.equal(up.totalRecords, 1000);
  near(up.dueOffsetUs(0), Math.sqrt(1 / 250) * 1e6, 'record 0');
  near(up.dueOffsetUs(249), 1_000_000, 'record 249: N(1 s) = 250');
  near(up.dueOffsetUs(999), 2_000_000, 'record 999: N(2 s) = 1000');
  // 2000 → 0/s over 1 s: N(t) = 2000 t − 1000 t²
  const down = scheduleOf([{ durationMs: 1000, fromPerSec: 2000, toPerSec: 0 }]);
  assert.equal(down.totalRecords, 1000);
  near(down.dueOffsetUs(749), 500_000, 'record 749: N(0.5 s) = 750');
  near(down.dueOffsetUs(999), 1_000_000, 'record 999: the double root at the end');
  // a pause, a ramp 1000 → 3000/s over 1 s (N = 1000 τ + 1000 τ²), a step at 3000/s
  const mixed = scheduleOf([
    { durationMs: 500, fromPerSec: 0, toPerSec: 0 },
    { durationMs: 1000, fromPerSec: 1000, toPerSec: 3000 },
    { durationMs: 500, fromPerSec: 3000, toPerSec: 3000 },
  ]);
  assert.equal(mixed.totalRecords, 3500);
  near(mixed.dueOffsetUs(0), 500_000 + ((Math.sqrt(1 + 4 / 1000) - 1) / 2) * 1e6, 'record 0, just after the pause');
  near(mixed.dueOffsetUs(749), 1_000_000, 'record 749: τ² + τ = 0.75 at τ = 0.5 s');
  near(mixed.dueOffsetUs(1999), 1_500_000, 'record 1999: the end of the ramp');
  near(mixed.dueOffsetUs(2000), 1_500_000 + 1e6 / 3000, 'record 2000, on the step');
});

test('the record count is floor(N(duration)), also when the float sum lands just below an integer', () => {
  assert.equal(scheduleOf([{ durationMs: 1000, fromPerSec: 2.5, toPerSec: 2.5 }]).totalRecords, 2);
  assert.equal(scheduleOf([{ durationMs: 1000, fromPerSec: 0, toPerSec: 0 }]).totalRecords, 0);
  // 0.7 + 0.2 + 0.1 = 0.9999999999999999 in doubles
  const tenths = scheduleOf([
    { durationMs: 100, fromPerSec: 7, toPerSec: 7 },
    { durationMs: 100, fromPerSec: 2, toPerSec: 2 },
    { durationMs: 100, fromPerSec: 1, toPerSec: 1 },
  ]);
  assert.equal(tenths.totalRecords, 1);
  assert.ok(tenths.dueOffsetUs(0) <= 300_000 + 1e-6, 'the one record is due within the duration');
  // the last segment ends at durationMs even when the durations are a fraction of a millisecond off
  assert.equal(new RateSchedule([{ durationMs: 999.5, fromPerSec: 1000, toPerSec: 1000 }], 1000).totalRecords, 1000);
});

test('a lower index after higher ones (a restore) gets the same due time as a fresh schedule', () => {
  const segments: RateSegment[] = [
    { durationMs: 300, fromPerSec: 100, toPerSec: 5000 },
    { durationMs: 300, fromPerSec: 0, toPerSec: 0 },
    { durationMs: 400, fromPerSec: 5000, toPerSec: 5000 },
  ];
  const walked = scheduleOf(segments);
  for (let i = 0; i < walked.totalRecords; i++) walked.dueOffsetUs(i);
  const fresh = scheduleOf(segments);
  for (const i of [10, 700, 2, 2999, 0]) assert.equal(walked.dueOffsetUs(i), fresh.dueOffsetUs(i), `record ${i}`);
});

/** The simple reference: N(t) straight from the segment list (µs since the start). */
function referenceN(segments: readonly RateSegment[], tUs: number): number {
  let n = 0;
  let startUs = 0;
  for (const seg of segments) {
    const lengthUs = seg.durationMs * 1000;
    const tau = Math.min(Math.max(0, tUs - startUs), lengthUs) / 1e6;
    const slope = (seg.toPerSec - seg.fromPerSec) / (lengthUs / 1e6);
    n += seg.fromPerSec * tau + (slope * tau * tau) / 2;
    startUs += lengthUs;
  }
  return n;
}

test('property: record i is due when the reference N(t) reaches i + 1 and not 1 µs earlier; due times never decrease', () => {
  const segment = fc.record({
    durationMs: fc.integer({ min: 1, max: 1000 }),
    fromPerSec: fc.integer({ min: 0, max: 300 }),
    toPerSec: fc.integer({ min: 0, max: 300 }),
  });
  fc.assert(
    fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), (segments) => {
      const s = scheduleOf(segments);
      assert.equal(s.totalRecords, Math.floor(referenceN(segments, sumMs(segments) * 1000) + 1e-9));
      let previous = 0;
      for (let i = 0; i < s.totalRecords; i++) {
        const due = s.dueOffsetUs(i);
        assert.ok(due >= previous, `record ${i} due at ${due} before record ${i - 1} at ${previous}`);
        assert.ok(due <= s.durationUs + 1e-6, `record ${i} due after the end`);
        assert.ok(referenceN(segments, due) >= i + 1 - 1e-6, `record ${i} due at ${due} µs, before N reaches ${i + 1}`);
        assert.ok(referenceN(segments, due - 1) < i + 1, `record ${i} due at ${due} µs, but N reached ${i + 1} 1 µs earlier`);
        previous = due;
      }
    }),
    { numRuns: 100 },
  );
});
