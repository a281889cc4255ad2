import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from './clock.js';
import { WaitTimeoutError, pollUntil } from './poll.js';

/** Lets pending promise callbacks run (the poll loop awaits the probe between clock steps). */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('pollUntil', () => {
  it('resolves with the first answer, probing every interval on the injected clock', async () => {
    const clock = new ManualClock();
    const seenAtMs: number[] = [];
    const waiting = pollUntil('the third probe', () => (seenAtMs.push(clock.nowMs()), seenAtMs.length === 3 ? 'ok' : undefined), { timeoutMs: 1000, intervalMs: 100, clock });
    for (let i = 0; i < 3; i++) {
      await settle();
      clock.advance(100);
    }
    assert.equal(await waiting, 'ok');
    assert.deepEqual(seenAtMs, [0, 100, 200]);
  });

  it('treats false as not yet and fails after the deadline with a typed error naming what it waited for', async () => {
    const clock = new ManualClock();
    let probes = 0;
    const waiting = pollUntil('2 TaskManagers', () => (probes++, false), { timeoutMs: 250, intervalMs: 100, clock });
    const failed = assert.rejects(waiting, (error: unknown) => {
      assert.ok(error instanceof WaitTimeoutError);
      assert.equal(error.code, 'ERR_WAIT_TIMEOUT');
      assert.equal(error.what, '2 TaskManagers');
      assert.match(error.message, /timed out after 250 ms waiting for 2 TaskManagers/);
      return true;
    });
    for (let i = 0; i < 4; i++) {
      await settle();
      clock.advance(100);
    }
    await failed;
    assert.equal(probes, 4); // at 0, 100, 200 and the last one at 250
  });

  it('propagates a probe error at once unless retryErrors, which reports the last one on timeout', async () => {
    await assert.rejects(pollUntil('x', () => Promise.reject(new Error('boom')), { timeoutMs: 10_000 }), /boom/);
    const clock = new ManualClock();
    const waiting = pollUntil('the JobManager at 127.0.0.1:1', () => Promise.reject(new Error('ECONNREFUSED')), { timeoutMs: 100, intervalMs: 60, retryErrors: true, clock });
    const failed = assert.rejects(waiting, (error: unknown) => error instanceof WaitTimeoutError && error.lastError?.message === 'ECONNREFUSED' && /last error: ECONNREFUSED/.test(error.message));
    for (let i = 0; i < 3; i++) {
      await settle();
      clock.advance(60);
    }
    await failed;
  });

  it('keeps the process alive while it waits on real timers', async () => {
    let n = 0;
    assert.equal(await pollUntil('n to reach 3', () => ++n >= 3, { timeoutMs: 5000, intervalMs: 1 }), true);
  });
});
