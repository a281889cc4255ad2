/**
 * Sleeps with sub-millisecond accuracy on the real clock: a Node timer for the bulk of the wait (Node timers
 * fire up to ~1 ms late), then `setImmediate` polling for the last stretch. With an injected clock (tests,
 * replay) only the clock's own timer is used.
 */
import { systemClock, type Clock, type TimerHandle } from '../core/index.js';

/** How early the coarse timer fires before the due time, so the poll can hit it precisely. */
const COARSE_TIMER_SLACK_MS = 1.5;

/** Runs `fn` once `delayMs` have passed on `clock`; cancel with the returned handle. */
export function preciseTimeout(clock: Clock, fn: () => void, delayMs: number): TimerHandle {
  if (clock !== systemClock) return clock.setTimeout(fn, delayMs);
  const dueMs = clock.nowMs() + delayMs;
  let cancelled = false;
  let coarse: TimerHandle | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const poll = (): void => {
    immediate = undefined;
    if (cancelled) return;
    if (clock.nowMs() >= dueMs) fn();
    else immediate = setImmediate(poll);
  };
  if (delayMs > COARSE_TIMER_SLACK_MS) {
    coarse = clock.setTimeout(() => {
      coarse = undefined;
      poll();
    }, delayMs - COARSE_TIMER_SLACK_MS);
  } else {
    immediate = setImmediate(poll);
  }
  return {
    cancel: () => {
      cancelled = true;
      coarse?.cancel();
      if (immediate !== undefined) clearImmediate(immediate);
    },
  };
}
