import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../core/index.js';
import type { RecordSizeBucket } from '../job/index.js';
import { RecordSizeSampler } from './record-size-sampler.js';

const buckets: RecordSizeBucket[] = [
  { min: 64, max: 64, weight: 6 },
  { min: 200, max: 1000, weight: 3 },
  { min: 16_384, max: 65_536, weight: 1 },
];

test('sizes fall in the buckets, with frequencies near the weights and sizes spread over each range', () => {
  const sampler = new RecordSizeSampler(buckets);
  const random = new SeededRandom(42).fork('source-0'); // how a source derives its generator
  const draws = 20_000;
  const counts = [0, 0, 0];
  let smallest = Infinity;
  let largest = 0;
  for (let n = 0; n < draws; n++) {
    const size = sampler.sample(random);
    const k = buckets.findIndex((b) => size >= b.min && size <= b.max);
    assert.ok(k >= 0, `size ${size} is in no bucket`);
    counts[k]!++;
    if (k === 1) {
      smallest = Math.min(smallest, size);
      largest = Math.max(largest, size);
    }
  }
  const totalWeight = buckets.reduce((s, b) => s + b.weight, 0);
  buckets.forEach((b, k) => {
    const expected = (draws * b.weight) / totalWeight;
    // 5 standard deviations of a binomial count: never flaky, still catches a wrong table
    const sd = Math.sqrt(expected * (1 - b.weight / totalWeight));
    assert.ok(Math.abs(counts[k]! - expected) < 5 * sd, `bucket ${k}: ${counts[k]} draws, expected about ${expected}`);
  });
  assert.ok(smallest < 220 && largest > 980, `the 200–1000 bucket spans its range (${smallest}–${largest})`);
});

test('the same seed gives the same sizes, and a generator restored from its state continues identically', () => {
  const sampler = new RecordSizeSampler(buckets);
  const a = new SeededRandom(7);
  const b = new SeededRandom(7);
  const first = Array.from({ length: 100 }, () => sampler.sample(a));
  assert.deepEqual(Array.from({ length: 100 }, () => sampler.sample(b)), first);
  const state = a.getState();
  const next = Array.from({ length: 100 }, () => sampler.sample(a));
  const restored = new SeededRandom(1);
  restored.setState(state);
  assert.deepEqual(Array.from({ length: 100 }, () => sampler.sample(restored)), next);
});

test('a {min, max} range as one bucket draws exactly as the source always has: nothing when fixed, one nextInt when uniform', () => {
  const fixed = RecordSizeSampler.uniform({ min: 100, max: 100 });
  const r = new SeededRandom(3);
  const before = r.getState();
  assert.equal(fixed.sample(r), 100);
  assert.deepEqual(r.getState(), before, 'a fixed size consumes no randomness');
  const uniform = RecordSizeSampler.uniform({ min: 40, max: 90 });
  const [x, y] = [new SeededRandom(9), new SeededRandom(9)];
  for (let n = 0; n < 1000; n++) assert.equal(uniform.sample(x), 40 + y.nextInt(51));
});
