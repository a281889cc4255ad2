/**
 * The A/A noise floor: a suite's control scenario runs as two identical variants, A and B, interleaved; how far
 * their medians land apart is what this machine does to one configuration from run to run. No gate threshold is
 * tighter than it.
 */
import { median } from 'simple-statistics';
import type { RunFigures } from './gate-metrics.js';
import { metricKey } from './gate-metrics.js';
import type { NoiseFloor } from './baseline-schema.js';
import { guardedSummary } from '../percentile-guard.js';

function relativeGapPct(a: readonly number[], b: readonly number[]): number | null {
  if (a.length === 0 || b.length === 0) return null;
  const ma = median([...a]);
  const mb = median([...b]);
  return ma + mb === 0 ? null : Math.round((Math.abs(ma - mb) / ((ma + mb) / 2)) * 10_000) / 100;
}

function p99Of(histogram: string | undefined): number | null {
  return histogram === undefined ? null : guardedSummary(histogram).p99;
}

/** The noise floor of the control runs among `runs` (completed runs marked A and B), or null without a control. */
export function noiseFloorOf(runs: readonly RunFigures[]): NoiseFloor | null {
  const control = runs.filter((r) => r.control !== null && r.state === 'completed');
  if (control.length === 0) return null;
  const scenario = control[0]!.scenario;
  const side = (ab: 'A' | 'B'): RunFigures[] => control.filter((r) => r.control === ab && r.scenario === scenario);
  const a = side('A');
  const b = side('B');
  const rate = (rs: RunFigures[]): number[] => rs.flatMap((r) => (r.scalars[metricKey('throughput.recordsPerSec', 'steady')] === undefined ? [] : [r.scalars[metricKey('throughput.recordsPerSec', 'steady')]!]));
  const p99 = (rs: RunFigures[]): number[] => rs.flatMap((r) => {
    const v = p99Of(r.latency['steady']);
    return v === null ? [] : [v];
  });
  return { scenario, runsPerVariant: Math.min(a.length, b.length), throughputPct: relativeGapPct(rate(a), rate(b)), latencyPct: relativeGapPct(p99(a), p99(b)) };
}
