/** What every benchmark shares: medians of repeated figures and the machine's fingerprint. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { environmentFingerprint, type EnvironmentFingerprint } from '../../core/index.js';

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The machine a benchmark ran on: the same fingerprint results and suites record. */
export type BenchEnvironment = EnvironmentFingerprint;

export const benchEnvironment = environmentFingerprint;

let clockTicks: number | undefined;
/** utime + stime of a process in seconds, from /proc (Linux); NaN elsewhere. */
export function cpuSecondsOf(pid: number): number {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return NaN;
  }
}
