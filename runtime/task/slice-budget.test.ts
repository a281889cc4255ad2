import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../core/index.js';
import { SliceBudget } from './slice-budget.js';

/** Records run in one slice until it is spent or `available` records are done (input drained). */
function slice(budget: SliceBudget, clock: ManualClock, costMs: number, available: number): number {
  budget.begin();
  for (let n = 1; n <= available; n++) {
    clock.advance(costMs);
    if (budget.spent()) return n;
  }
  return available;
}

test('expensive records yield after one record, even when every slice ends with the input drained', () => {
  const clock = new ManualClock();
  const budget = new SliceBudget(clock);
  // a 25 ms sink whose input holds only 5 records at a time (small debloated buffers)
  for (let i = 0; i < 10; i++) assert.equal(slice(budget, clock, 25, 5), 1);
});

test('cheap records read the clock rarely and still yield after about 2 ms', () => {
  const clock = new ManualClock();
  const budget = new SliceBudget(clock);
  slice(budget, clock, 0.001, 10); // calibrates
  const n = slice(budget, clock, 0.001, 1_000_000);
  assert.ok(n > 1000 && n < 4000, `${n} records of 1 µs in a 2 ms slice`);
});
