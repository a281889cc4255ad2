// The real clock's timers at any size: Node clamps delays over 2^31-1 ms to 1 ms (issue 14, defect 1).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from './clock.js';

/** Node's own timer limit. */
const MAX_NODE_TIMER_MS = 2 ** 31 - 1;

const THIRTY_DAYS_MS = 30 * 86_400_000;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describe('systemClock', () => {
  it('does not fire a timeout longer than 2^31-1 ms early, and Node warns of no overflow', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    const fired: number[] = [];
    const handles = [MAX_NODE_TIMER_MS + 1, 3e9, THIRTY_DAYS_MS, Infinity].map((ms) => systemClock.setTimeout(() => fired.push(ms), ms));
    const interval = systemClock.setInterval(() => fired.push(-1), 25 * 86_400_000);
    try {
      await sleep(100);
      assert.deepEqual(fired, []);
      assert.ok(!warnings.includes('TimeoutOverflowWarning'), `warnings: ${warnings.join(', ')}`);
    } finally {
      for (const h of handles) h.cancel();
      interval.cancel();
      process.off('warning', onWarning);
    }
  });

  it('still fires short timeouts and intervals, and cancel stops them', async () => {
    const fired: string[] = [];
    systemClock.setTimeout(() => fired.push('t'), 1);
    const cancelled = systemClock.setTimeout(() => fired.push('cancelled'), 5);
    cancelled.cancel();
    let ticks = 0;
    const interval = systemClock.setInterval(() => void ticks++, 2);
    await sleep(60);
    interval.cancel();
    assert.deepEqual(fired, ['t']);
    assert.ok(ticks >= 2);
  });
});
