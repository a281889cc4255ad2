/** Validation shared by the selectors. */
import { IllegalStateError, InvalidConfigError } from '../../../core/index.js';

/** Largest number of output channels (Flink's upper bound of max parallelism). */
const MAX_CHANNELS = 32_768;

/** Throws {@link InvalidConfigError} unless `n` is an integer in [1, 32768]. */
export function checkNumberOfChannels(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_CHANNELS) {
    throw new InvalidConfigError('parallelism', n, `a number of output channels between 1 and ${MAX_CHANNELS}`);
  }
}

export function notSetUp(kind: string): IllegalStateError {
  return new IllegalStateError(`${kind} channel selector used before setup(numberOfChannels)`);
}
