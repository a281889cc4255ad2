/**
 * The sink records runs of equivalent latencies (one HDR bucket) as one count; the histogram must be exactly the one
 * recording every value gives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as hdr from 'hdr-histogram-js';
import { LatencyRecorder } from './verifying-sink.js';

const build = (): hdr.Histogram => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });

test('runs of equivalent values give the histogram of recording each value', () => {
  // values in runs around a level, as records that left and arrived together do, across bucket widths 1 … 2^20
  const run = fc.record({ level: fc.integer({ min: 1, max: 2_000_000_000 }), spread: fc.integer({ min: 0, max: 40 }), length: fc.integer({ min: 1, max: 50 }) });
  fc.assert(
    fc.property(fc.array(run, { minLength: 1, maxLength: 30 }), fc.integer(), (runs, seed) => {
      const expected = build();
      const recorder = new LatencyRecorder(build());
      let x = seed;
      for (const r of runs) {
        for (let i = 0; i < r.length; i++) {
          x = (Math.imul(x, 1103515245) + 12345) | 0;
          const value = Math.max(1, r.level + ((x >>> 8) % (r.spread + 1)));
          expected.recordValue(value);
          recorder.record(value);
        }
      }
      const actual = recorder.histogram;
      assert.equal(actual.totalCount, expected.totalCount);
      assert.equal(hdr.encodeIntoCompressedBase64(actual), hdr.encodeIntoCompressedBase64(expected));
      for (const p of [0, 50, 99, 99.9, 100]) assert.equal(actual.getValueAtPercentile(p), expected.getValueAtPercentile(p));
    }),
    { numRuns: 200 },
  );
});

test('a histogram read mid-run holds the values recorded so far, and recording goes on after', () => {
  const recorder = new LatencyRecorder(build());
  for (let i = 0; i < 5; i++) recorder.record(5000);
  assert.equal(recorder.histogram.totalCount, 5);
  recorder.record(5001);
  recorder.record(90_000);
  assert.equal(recorder.histogram.totalCount, 7);
  const reference = build();
  for (const v of [5000, 5000, 5000, 5000, 5000, 5001, 90_000]) reference.recordValue(v);
  assert.equal(hdr.encodeIntoCompressedBase64(recorder.histogram), hdr.encodeIntoCompressedBase64(reference));
});
