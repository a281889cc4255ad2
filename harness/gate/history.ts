/**
 * `flowlab gate --history <dir>`: one point per night (suite run) and scenario/variant/metric — the mean over the
 * night's repetitions, or the percentile of its merged latency histogram — in the order the nights ran, searched for
 * change points. A slow drift that never trips one night's threshold still shows as a step between the segments
 * before and after it; the finding names the commit of the first night after the change (for a drift split into
 * several worsening steps, the first of them: where it began).
 */
import { z } from 'zod';
import { guardedSummary } from '../percentile-guard.js';
import { changePoints, type ChangePointOptions } from './change-points.js';
import { METRIC_SPECS, groupKey, isScalarMetric, metricLabel, parseMetricKey, type Direction } from './gate-metrics.js';
import { mergeHistograms } from './latency-bootstrap.js';
import type { ResultSet } from './results-input.js';
import { pct } from './scalar-rule.js';

const HISTORY_LATENCY = [
  ['latencyUs.p50', 'p50'],
  ['latencyUs.p99', 'p99'],
] as const;

export const historySeriesSchema = z.object({
  scenario: z.string(),
  variant: z.string(),
  metric: z.string(),
  phase: z.string().nullable(),
  direction: z.enum(['higher-is-better', 'lower-is-better']),
  points: z.array(z.object({ startedAt: z.string(), commit: z.string().nullable(), source: z.string(), value: z.number() })),
  changePoints: z.array(
    z.object({ index: z.number(), startedAt: z.string(), commit: z.string().nullable(), meanBefore: z.number(), meanAfter: z.number(), changePct: z.number(), pValue: z.number(), worse: z.boolean() }),
  ),
  verdict: z.enum(['pass', 'improvement', 'regression', 'inconclusive']),
  reason: z.string(),
});

export const historySchema = z.object({
  nights: z.number(),
  method: z.string(),
  pValue: z.number(),
  minSegment: z.number(),
  magnitudePct: z.number(),
  minChangePct: z.number(),
  series: z.array(historySeriesSchema),
});

export type HistorySeries = z.infer<typeof historySeriesSchema>;
export type History = z.infer<typeof historySchema>;

interface Point {
  readonly startedAt: string;
  readonly commit: string | null;
  readonly source: string;
  readonly value: number;
}

/** Series of per-night figures keyed by `scenario/variant|metric key`. */
function seriesOf(sets: readonly ResultSet[]): Map<string, { scenario: string; variant: string; key: string; points: Point[]; direction?: Direction }> {
  const out = new Map<string, { scenario: string; variant: string; key: string; points: Point[]; direction?: Direction }>();
  const add = (scenario: string, variant: string, key: string, point: Point, direction?: Direction): void => {
    const id = `${scenario}/${variant}|${key}`;
    const s = out.get(id) ?? { scenario, variant, key, points: [], ...(direction ? { direction } : {}) };
    s.points.push(point);
    out.set(id, s);
  };
  for (const set of sets) {
    const groups = new Map<string, typeof set.runs>();
    for (const r of set.runs) if (r.state === 'completed') groups.set(groupKey(r), [...(groups.get(groupKey(r)) ?? []), r]);
    for (const runs of groups.values()) {
      const { scenario, variant } = runs[0]!;
      const at = { startedAt: set.startedAt, commit: set.commit ?? runs[0]!.commit, source: set.source };
      for (const key of new Set(runs.flatMap((r) => Object.keys(r.scalars)))) {
        const values = runs.flatMap((r) => (r.scalars[key] === undefined ? [] : [r.scalars[key]]));
        add(scenario, variant, key, { ...at, value: values.reduce((a, b) => a + b, 0) / values.length }, runs.find((r) => r.directions[key])?.directions[key]);
      }
      const merged = mergeHistograms(runs.flatMap((r) => (r.latency['steady'] ? [r.latency['steady']] : [])));
      if (merged !== undefined) {
        const summary = guardedSummary(merged);
        for (const [metric, field] of HISTORY_LATENCY) {
          const v = summary[field];
          if (v !== null) add(scenario, variant, `${metric}@steady`, { ...at, value: v });
        }
      }
    }
  }
  return out;
}

/** Change points per series and a verdict on the latest one (see the module comment). */
export function analyzeHistory(sets: readonly ResultSet[], options: ChangePointOptions & { minChangePct: number }): History {
  const series: HistorySeries[] = [];
  for (const s of seriesOf(sets).values()) {
    const { metric, phase } = parseMetricKey(s.key);
    const direction: Direction = s.direction ?? (isScalarMetric(metric) || metric.startsWith('latencyUs.') ? METRIC_SPECS[metric as keyof typeof METRIC_SPECS].direction : 'lower-is-better');
    const values = s.points.map((p) => p.value);
    const found = changePoints(values, options).map((c) => ({
      index: c.index,
      startedAt: s.points[c.index]!.startedAt,
      commit: s.points[c.index]!.commit,
      meanBefore: c.meanBefore,
      meanAfter: c.meanAfter,
      changePct: c.changePct,
      pValue: c.pValue,
      worse: direction === 'higher-is-better' ? c.changePct < 0 : c.changePct > 0,
    }));
    let verdict: HistorySeries['verdict'] = 'pass';
    let reason = found.length === 0 ? `no change point in ${values.length} nights` : '';
    if (values.length < 2 * options.minSegment) {
      verdict = 'inconclusive';
      reason = `${values.length} night(s); a change point needs ≥ ${options.minSegment} on each side`;
    } else if (found.length > 0) {
      // the latest run of change points in one direction: a drift shows as several steps the same way
      const last = found.at(-1)!;
      let began = found.length - 1;
      while (began > 0 && found[began - 1]!.worse === last.worse) began--;
      const start = found[began]!;
      const total = start.meanBefore === 0 ? 0 : ((last.meanAfter - start.meanBefore) / Math.abs(start.meanBefore)) * 100;
      const big = Math.abs(total) >= options.minChangePct;
      verdict = big ? (last.worse ? 'regression' : 'improvement') : 'pass';
      const steps = found.length - began;
      reason = `${pct(total)} since ${start.commit?.slice(0, 12) ?? 'an unknown commit'} (${start.startedAt})${steps > 1 ? ` over ${steps} steps` : ''}: ${start.meanBefore.toPrecision(4)} → ${last.meanAfter.toPrecision(4)}${big ? '' : ` (under ${options.minChangePct} %)`}`;
    }
    series.push({ scenario: s.scenario, variant: s.variant, metric, phase, direction, points: s.points, changePoints: found, verdict, reason });
  }
  return {
    nights: sets.length,
    method: "E-divisive means (energy statistic, α = 1) with Welch's t-test as the significance test, binary segmentation",
    pValue: options.pValue,
    minSegment: options.minSegment,
    magnitudePct: options.magnitudePct,
    minChangePct: options.minChangePct,
    series: series.sort((a, b) => `${a.scenario}/${a.variant}|${metricLabel(a.metric, a.phase)}`.localeCompare(`${b.scenario}/${b.variant}|${metricLabel(b.metric, b.phase)}`)),
  };
}
