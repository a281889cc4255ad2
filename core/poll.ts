/**
 * One poll-until-deadline loop: ask `probe` until it has an answer, and fail with a {@link WaitTimeoutError}
 * naming what was awaited once the deadline passes. Time comes from an injected {@link Clock} (real by default).
 */
import { FlowlabError, toError } from './errors.js';
import type { Clock } from './clock.js';

/** A wait ran out of time; `what` says what it waited for, `lastError` the probe's last failure (with `retryErrors`). */
export class WaitTimeoutError extends FlowlabError {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly lastError?: Error,
  ) {
    super('ERR_WAIT_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError.message})` : ''}`, lastError ? { cause: lastError } : undefined);
  }
}

export interface PollOptions {
  /** Give up this long after the first probe. */
  timeoutMs: number;
  /** Pause between two probes. @default 50 */
  intervalMs?: number;
  /** Treat a probe that throws as "not yet" (remembered for the timeout error) instead of failing at once. @default false */
  retryErrors?: boolean;
  /** Time source; the default uses real, ref'd timers (a pending wait keeps the process alive). */
  clock?: Clock;
}

/** An answer: anything but `undefined` or `false` ("not yet"). */
export type PollAnswer<T> = Exclude<T, undefined | false>;

/**
 * Calls `probe` until it returns something other than `undefined` or `false` and resolves with that; rejects with a
 * {@link WaitTimeoutError} naming `what` when `timeoutMs` has passed (the probe runs at least once).
 */
export async function pollUntil<T>(what: string, probe: () => T | Promise<T>, options: PollOptions): Promise<PollAnswer<T>> {
  const nowMs = options.clock ? () => options.clock!.nowMs() : () => performance.now();
  const sleep = options.clock
    ? (ms: number) => new Promise<void>((resolve) => options.clock!.setTimeout(resolve, ms))
    : (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const intervalMs = options.intervalMs ?? 50;
  const deadlineMs = nowMs() + options.timeoutMs;
  let lastError: Error | undefined;
  for (;;) {
    try {
      const answer = await probe();
      if (answer !== undefined && answer !== false) return answer as PollAnswer<T>;
    } catch (error) {
      if (!options.retryErrors) throw error;
      lastError = toError(error);
    }
    const leftMs = deadlineMs - nowMs();
    if (leftMs <= 0) throw new WaitTimeoutError(what, options.timeoutMs, lastError);
    await sleep(Math.min(intervalMs, leftMs));
  }
}
