import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { resolveConfig } from '../../core/index.js';
import { BufferDebloater, bufferDebloatConfiguration, recomputeSample, skipUpdate, type BufferDebloatConfiguration } from './buffer-debloater.js';
import { BufferSizeEma } from './buffer-size-ema.js';

const KiB = 1024;

function debloatConfig(extra: Record<string, unknown> = {}): BufferDebloatConfiguration {
  const c = bufferDebloatConfiguration(resolveConfig({ 'taskmanager.network.memory.buffer-debloat.enabled': true, ...extra }));
  assert.ok(c);
  return c;
}

test('no debloater when buffer-debloat.enabled is false (the default)', () => {
  assert.equal(bufferDebloatConfiguration(resolveConfig()), undefined);
});

test("the spec's worked example: defaults, 32 KiB start, N = 20, T = 100 KiB/s", () => {
  const d = new BufferDebloater(debloatConfig({ 'taskmanager.memory.starting-segment-size': '32kb' }));
  assert.equal(d.debloatedBufferSize, 32_768);
  // per-buffer desire = 102400 × 1000 / 1000 / 20 = 5120; alpha = 2/21
  // 32768 + (5120 − 32768)·2/21 = 30134.857 → 30135, then 27752.49, 25597.49, 23646.86
  const steps = [1, 2, 3, 4].map(() => d.recalculate(100 * KiB, 20));
  assert.deepEqual(
    steps.map((s) => s.newSize),
    [30135, 27752, 25597, 23647],
  );
  // |Δ| < floor(32768 × 25 %) = 8192 for the first three: not announced; 32768 − 23647 = 9121 is
  assert.deepEqual(
    steps.map((s) => s.announced),
    [false, false, false, true],
  );
  assert.equal(d.debloatedBufferSize, 23_647);
  // 23647 × 20 × 1000 / 102400 ms, kept for every step, announced or not
  assert.ok(Math.abs(d.estimatedTimeToConsumeBuffersMs - 4618.55) < 0.01, String(d.estimatedTimeToConsumeBuffersMs));
  assert.ok(Math.abs(steps[0]!.estimatedTimeToConsumeBuffersMs - (30135 * 20 * 1000) / 102_400) < 1e-9);
});

test('the EMA warms up from the starting size: growth at most ×2 per sample, so ~9.5 % per period with 20 samples', () => {
  const d = new BufferDebloater(debloatConfig()); // starts at 1 KiB
  assert.equal(d.debloatedBufferSize, 1024);
  // 10 MB/s over 1 buffer wants the whole segment; the instant value is capped at 2 × last
  // 1024 + (2048 − 1024)·2/21 = 1121.52; 1121.52 + 1121.52·2/21 = 1228.34; × 23/21 again = 1345.32
  const s = [1, 2, 3].map(() => d.recalculate(10_000_000, 1));
  assert.deepEqual(
    s.map((x) => x.newSize),
    [1122, 1228, 1345],
  );
  // 1122 − 1024 = 98 and 1228 − 1024 = 204 are below floor(1024 × 25 %) = 256; 1345 − 1024 = 321 is not
  assert.deepEqual(
    s.map((x) => x.announced),
    [false, false, true],
  );
  let steps = 3;
  while (d.debloatedBufferSize < 32 * KiB && steps < 100) {
    d.recalculate(10_000_000, 1);
    steps++;
  }
  assert.equal(d.debloatedBufferSize, 32 * KiB, 'reaches the segment size and announces it (max is never skipped)');
  assert.ok(steps >= 36 && steps <= 40, `1 KiB → 32 KiB at ≤ ×23/21 per step takes ~37 steps, took ${steps}`);
});

test('the floor: the size stops at min-segment-size, and reaching it is announced even below the threshold', () => {
  const d = new BufferDebloater(debloatConfig({ 'taskmanager.memory.starting-segment-size': '300b' }));
  // nearly no throughput: the instant value is 0; 300 − 300·2/21 = 271.43 → 271 (|Δ| 29 < floor(75): skipped)
  const first = d.recalculate(10, 20);
  assert.equal(first.newSize, 271);
  assert.equal(first.announced, false);
  // 271.43 − 271.43·2/21 = 245.58 → clamped to 256: |Δ| 44 < 75, but at the floor it is announced
  const second = d.recalculate(10, 20);
  assert.equal(second.newSize, 256);
  assert.equal(second.announced, true);
  assert.equal(d.debloatedBufferSize, 256);
  const third = d.recalculate(10, 20);
  assert.equal(third.newSize, 256);
  assert.equal(third.announced, false, 'unchanged: not announced again');
  // the estimate grows beyond the target once the floor binds: 256 × 20 × 1000 / 10 ms
  assert.equal(d.estimatedTimeToConsumeBuffersMs, 512_000);
});

test('threshold: a change below threshold-percentages of the last announced size is not announced', () => {
  const c = { minBufferSize: 256, maxBufferSize: 32_768, thresholdPercentages: 25 };
  assert.equal(skipUpdate(10_000, 10_000, c), true, 'equal');
  assert.equal(skipUpdate(7501, 10_000, c), true, '2499 < 2500');
  assert.equal(skipUpdate(7500, 10_000, c), false, '2500 ≥ 2500');
  assert.equal(skipUpdate(12_499, 10_000, c), true);
  assert.equal(skipUpdate(12_500, 10_000, c), false);
  assert.equal(skipUpdate(32_768, 30_000, c), false, 'max is always announced');
  assert.equal(skipUpdate(256, 300, c), false, 'min is always announced');
  assert.equal(skipUpdate(10_001, 10_000, { ...c, thresholdPercentages: 0 }), false, '0 %: every change');
  // in the debloater: 100 % threshold announces only min and max
  const d = new BufferDebloater(debloatConfig({ 'taskmanager.network.memory.buffer-debloat.threshold-percentages': 100, 'taskmanager.memory.starting-segment-size': '16kb' }));
  for (let i = 0; i < 10; i++) assert.equal(d.recalculate(1000 * KiB, 100).announced, false);
  assert.equal(d.debloatedBufferSize, 16 * KiB);
});

test('target and buffers in use: size = throughput × target / buffers (N = 0 counts as 1)', () => {
  // with samples = 1, alpha = 1: the EMA is the instant value (still capped at 2 × last)
  const d = new BufferDebloater(debloatConfig({ 'taskmanager.network.memory.buffer-debloat.samples': 1, 'taskmanager.network.memory.buffer-debloat.target': '300 ms', 'taskmanager.memory.starting-segment-size': '32kb' }));
  // B22's log line: 26,195 B/s × 0.3 s / 4 buffers = 1964.6 → floor(7858 / 4) = 1964
  assert.equal(d.recalculate(26_195, 4).newSize, 1964);
  // 32,804 B/s, 8 buffers: floor(9841 / 8) = 1230 (B22: 1,230 B)
  assert.equal(d.recalculate(32_804, 8).newSize, 1230);
  // 25,314 B/s, 25 buffers: floor(7594 / 25) = 303 (B22: 303 B)
  assert.equal(d.recalculate(25_314, 25).newSize, 303);
  // no buffers in use counts as one: floor(3000 × 0.3) = 900 but ≤ 2 × 303
  assert.equal(d.recalculate(3000, 0).newSize, 606);
});

test('recomputeSample (the formula written out) agrees with the debloater on every step (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 0, max: 100 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 50_000_000 }), fc.integer({ min: 0, max: 500 })), { minLength: 1, maxLength: 40 }),
      (samples, threshold, steps) => {
        const c = debloatConfig({ 'taskmanager.network.memory.buffer-debloat.samples': samples, 'taskmanager.network.memory.buffer-debloat.threshold-percentages': threshold });
        const d = new BufferDebloater(c);
        for (const [t, n] of steps) {
          const s = d.recalculate(t, n);
          const r = recomputeSample(s, c);
          assert.equal(r.newSize, s.newSize);
          assert.equal(r.announced, s.announced);
          assert.ok(s.newSize >= c.minBufferSize && s.newSize <= c.maxBufferSize);
        }
      },
    ),
  );
});

test('BufferSizeEma clamps its starting value into [min, max]', () => {
  assert.equal(new BufferSizeEma(100, 32_768, 256, 20).value, 256);
  assert.equal(new BufferSizeEma(1e9, 32_768, 256, 20).value, 32_768);
});
