/**
 * Injected time. Components take a {@link Clock} so timer logic is testable with {@link ManualClock} and a
 * chaos run replays; the default is {@link systemClock}.
 */
import { performance } from 'node:perf_hooks';

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Monotonic milliseconds (fractional), for measuring intervals. */
  nowMs(): number;
  /** Wall-clock microseconds since the Unix epoch, comparable across processes on one machine. */
  epochUs(): number;
  /** Runs `fn` once after `delayMs`. */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  /** Runs `fn` every `periodMs` until cancelled. */
  setInterval(fn: () => void, periodMs: number): TimerHandle;
}

const originUs = performance.timeOrigin * 1000;

/** Node's timers hold at most 2^31-1 ms; a longer delay becomes 1 ms (with a TimeoutOverflowWarning). */
export const MAX_NODE_TIMER_MS = 2 ** 31 - 1;

/**
 * A Node timer for any delay: delays past {@link MAX_NODE_TIMER_MS} are waited in steps, so `30d` waits
 * 30 days instead of 1 ms. `Infinity` never fires. Unref'd, so it never keeps a process alive alone.
 */
function longTimeout(fn: () => void, delayMs: number): TimerHandle {
  const dueMs = performance.now() + Math.max(0, delayMs);
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  const arm = (): void => {
    if (cancelled) return;
    const leftMs = dueMs - performance.now();
    if (leftMs > MAX_NODE_TIMER_MS) {
      timer = setTimeout(arm, MAX_NODE_TIMER_MS);
    } else {
      timer = setTimeout(fn, Math.max(0, leftMs));
    }
    timer.unref();
  };
  arm();
  return {
    cancel: () => {
      cancelled = true;
      clearTimeout(timer);
    },
  };
}

/** The real clock: `performance.now()` and Node timers (unref'd, so they never keep a process alive alone). */
export const systemClock: Clock = {
  nowMs: () => performance.now(),
  epochUs: () => originUs + performance.now() * 1000,
  setTimeout(fn, delayMs) {
    return longTimeout(fn, delayMs);
  },
  setInterval(fn, periodMs) {
    if (periodMs <= MAX_NODE_TIMER_MS) {
      const t = setInterval(fn, periodMs);
      t.unref();
      return { cancel: () => clearInterval(t) };
    }
    let current: TimerHandle | undefined;
    let cancelled = false;
    const tick = (): void => {
      if (cancelled) return;
      current = longTimeout(tick, periodMs);
      fn();
    };
    current = longTimeout(tick, periodMs);
    return {
      cancel: () => {
        cancelled = true;
        current?.cancel();
      },
    };
  },
};

interface ManualTimer {
  due: number;
  period: number | undefined;
  fn: () => void;
  cancelled: boolean;
}

/** A clock that only moves when told to; timers fire in due order during {@link ManualClock.advance}. */
export class ManualClock implements Clock {
  private now: number;
  private readonly epochBaseUs: number;
  private timers: ManualTimer[] = [];

  constructor(startMs = 0, epochBaseUs = 1_700_000_000_000_000) {
    this.now = startMs;
    this.epochBaseUs = epochBaseUs;
  }

  nowMs(): number {
    return this.now;
  }

  epochUs(): number {
    return this.epochBaseUs + this.now * 1000;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    return this.add(fn, delayMs, undefined);
  }

  setInterval(fn: () => void, periodMs: number): TimerHandle {
    return this.add(fn, periodMs, Math.max(periodMs, 1e-9));
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const next = this.timers.filter((t) => !t.cancelled).sort((a, b) => a.due - b.due)[0];
      if (!next || next.due > target) break;
      this.now = next.due;
      if (next.period === undefined) next.cancelled = true;
      else next.due += next.period;
      next.fn();
    }
    this.timers = this.timers.filter((t) => !t.cancelled);
    this.now = target;
  }

  private add(fn: () => void, delayMs: number, period: number | undefined): TimerHandle {
    const timer: ManualTimer = { due: this.now + delayMs, period, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }
}
