/** What every benchmark shares: medians of repeated figures and the machine's fingerprint. */
import { environmentFingerprint, type EnvironmentFingerprint } from '../../core/index.js';

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The machine a benchmark ran on: the same fingerprint results and suites record. */
export type BenchEnvironment = EnvironmentFingerprint;

export const benchEnvironment = environmentFingerprint;
