/**
 * Vega-Lite specifications of the HTML report's charts, built from plain data. Rendering them (to SVG, in Node) is
 * svg.ts's job; every function here is pure and returns null when there is nothing to draw.
 */
import { formatNumber, phaseLabel } from './figures.js';
import { percentileDistribution, sampleValues } from './hdr-distribution.js';
import type { FaultInput, RateSweepInput, ReportResult } from './report-input.js';
import type { TuningReport } from './tuning.js';

/** A Vega-Lite top-level spec (kept loose here; vega-lite validates it when compiling). */
export type ChartSpec = Record<string, unknown>;

const WIDTH = 640;
const HEIGHT = 180;
const PHASE_COLORS = { before: '#9ecae1', during: '#fc9272', after: '#a1d99b' } as const;

const seconds = (ms: number): number => Math.round(ms) / 1000;

/** The measured effect of a fault, one line: what the probe and the sinks saw, and the recovery. */
export function faultEffect(f: FaultInput): string {
  const parts: string[] = [];
  if (f.error) parts.push(`error: ${f.error}`);
  const probe = f.measured.probes?.find((p) => p.addedLatencyMs !== undefined || p.achievedBytesPerSec !== undefined);
  if (probe?.addedLatencyMs !== undefined) parts.push(`+${formatNumber(probe.addedLatencyMs, 1)} ms RTT on ${probe.link}`);
  else if (probe?.achievedBytesPerSec !== undefined) parts.push(`${formatNumber(probe.achievedBytesPerSec / 1000)} kB/s on ${probe.link}`);
  const job = f.measured.job;
  if (job && job.recordsPerSecBefore !== null && job.recordsPerSecDuring !== null) parts.push(`${formatNumber(Math.round(job.recordsPerSecBefore))} → ${formatNumber(Math.round(job.recordsPerSecDuring))} records/s`);
  if (f.measured.tookEffect === false) parts.push('no measurable effect');
  if (f.recovery) parts.push(f.recovery.recovered ? `recovered in ${formatNumber(f.recovery.timeToRecoverMs / 1000, 1)} s` : 'not recovered');
  return parts.join(', ');
}

/** Throughput and p99 over time, fault phases shaded, each fault marked with its measured effect. */
export function timeseriesSpec(doc: ReportResult): ChartSpec | null {
  if (doc.timeseries.length < 2) return null;
  const values = doc.timeseries.map((s) => ({ t: seconds(s.tMs), recordsPerSec: Math.round(s.recordsPerSec), p99Ms: s.latencyP99Us / 1000 }));
  const phases = doc.phases
    .map((p) => ({ phase: p.name, kind: /-(before|during|after)$/.exec(p.name)?.[1], start: seconds(p.startMs), end: seconds(p.endMs) }))
    .filter((p) => p.kind !== undefined && p.end > p.start)
    .map((p) => ({ ...p, label: phaseLabel(p.phase) }));
  const faults = doc.faults
    .filter((f) => f.appliedAtMs !== null)
    .map((f) => ({ t: seconds(f.appliedAtMs!), label: `fault ${f.index}: ${f.kind} ${f.link}`, effect: faultEffect(f) }));
  const shade = (): ChartSpec => ({
    data: { values: phases },
    mark: { type: 'rect', opacity: 0.35 },
    encoding: {
      x: { field: 'start', type: 'quantitative' },
      x2: { field: 'end' },
      color: { field: 'kind', type: 'nominal', title: 'fault phase', scale: { domain: Object.keys(PHASE_COLORS), range: Object.values(PHASE_COLORS) } },
      tooltip: [{ field: 'label' }],
    },
  });
  const marks = (withText: boolean): ChartSpec[] =>
    faults.length === 0
      ? []
      : [
          { data: { values: faults }, mark: { type: 'rule', color: '#b30000', strokeDash: [4, 2] }, encoding: { x: { field: 't', type: 'quantitative' }, tooltip: [{ field: 'label' }, { field: 'effect' }] } },
          ...(withText
            ? [
                { data: { values: faults }, mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, dy: 2, fontSize: 10, color: '#b30000' }, encoding: { x: { field: 't', type: 'quantitative' }, y: { value: 2 }, text: { field: 'label' } } },
                { data: { values: faults }, mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, dy: 14, fontSize: 10, color: '#444' }, encoding: { x: { field: 't', type: 'quantitative' }, y: { value: 2 }, text: { field: 'effect' } } },
              ]
            : []),
        ];
  const x = { field: 't', type: 'quantitative', title: 's after job submission' };
  const panel = (field: string, title: string, color: string, withText: boolean): ChartSpec => ({
    width: WIDTH,
    height: HEIGHT,
    layer: [...(phases.length > 0 ? [shade()] : []), { data: { values }, mark: { type: 'line', color, point: { size: 12, color } }, encoding: { x, y: { field, type: 'quantitative', title }, tooltip: [{ field: 't' }, { field }] } }, ...marks(withText)],
  });
  return { vconcat: [panel('recordsPerSec', 'records/s (sinks)', '#1f77b4', true), panel('p99Ms', 'p99 latency, ms (cumulative)', '#d62728', false)] };
}

export interface HdrSeries {
  readonly label: string;
  readonly histogram: string | undefined;
  readonly baseline?: boolean;
}

/** HDR percentile distribution: x = 1/(1−q) on a log scale labelled as percentiles, one line per series. */
export function hdrSpec(series: readonly HdrSeries[], unit: 'us' = 'us'): ChartSpec | null {
  const values = series.flatMap((s) => percentileDistribution(s.histogram).map((p) => ({ series: s.label, source: s.baseline ? 'baseline' : 'this run', inverse: p.inverse, percentile: p.percentile, ms: unit === 'us' ? p.value / 1000 : p.value })));
  if (values.length === 0) return null;
  const maxInverse = Math.max(...values.map((v) => v.inverse));
  const ticks = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000].filter((t) => t <= maxInverse * 1.01);
  return {
    width: WIDTH,
    height: 240,
    data: { values },
    mark: { type: 'line', point: { size: 10 } },
    encoding: {
      x: {
        field: 'inverse',
        type: 'quantitative',
        title: 'percentile',
        scale: { type: 'log' },
        axis: { values: ticks, labelExpr: "datum.value <= 1 ? '0%' : format(100 - 100 / datum.value, '.4~f') + '%'" },
      },
      y: { field: 'ms', type: 'quantitative', title: 'latency, ms' },
      color: { field: 'series', type: 'nominal', title: null },
      ...(series.some((s) => s.baseline) ? { strokeDash: { field: 'source', type: 'nominal', title: null, scale: { domain: ['this run', 'baseline'], range: [[1, 0], [6, 3]] } } } : {}),
      tooltip: [{ field: 'series' }, { field: 'percentile', format: '.3f' }, { field: 'ms', format: '.2f' }],
    },
  };
}

const CHECKPOINT_PARTS = ['start delay', 'alignment', 'sync', 'async', 'rest (ack, metadata)'] as const;

/** Checkpoint durations per checkpoint split into start delay / alignment / sync / async, and their histogram. */
export function checkpointSpec(doc: ReportResult): ChartSpec | null {
  const history = doc.checkpoints.history.filter((h) => h.durationMs !== null).sort((a, b) => a.id - b.id);
  if (history.length === 0) return null;
  const bars = history.flatMap((h) => {
    const total = h.durationMs ?? 0;
    const parts = [h.startDelayMs ?? 0, h.alignmentMs ?? 0, h.syncMs ?? 0, h.asyncMs ?? 0];
    const known = parts.reduce((s, v) => s + v, 0);
    const scale = known > total && known > 0 ? total / known : 1;
    const split = [...parts.map((v) => v * scale), Math.max(0, total - known * scale)];
    return split.map((ms, i) => ({ id: h.id, part: CHECKPOINT_PARTS[i]!, order: i, ms, status: h.status, unaligned: h.unaligned }));
  });
  const durations = doc.checkpoints.durationMs.histogram ? sampleValues(doc.checkpoints.durationMs.histogram) : history.map((h) => h.durationMs ?? 0);
  return {
    hconcat: [
      {
        width: 420,
        height: 200,
        title: 'per checkpoint (the slowest subtask’s parts)',
        data: { values: bars },
        mark: 'bar',
        encoding: {
          x: { field: 'id', type: 'ordinal', title: 'checkpoint' },
          y: { field: 'ms', type: 'quantitative', stack: 'zero', title: 'duration, ms' },
          color: { field: 'part', type: 'nominal', sort: [...CHECKPOINT_PARTS], scale: { domain: [...CHECKPOINT_PARTS] }, title: null },
          order: { field: 'order' },
          tooltip: [{ field: 'id' }, { field: 'part' }, { field: 'ms', format: '.1f' }, { field: 'unaligned' }],
        },
      },
      {
        width: 220,
        height: 200,
        title: `duration histogram (${doc.checkpoints.completed} completed)`,
        data: { values: durations.map((ms) => ({ ms })) },
        mark: { type: 'bar', color: '#6a51a3' },
        encoding: { x: { field: 'ms', type: 'quantitative', bin: { maxbins: 20 }, title: 'duration, ms' }, y: { aggregate: 'count', type: 'quantitative', title: 'checkpoints' } },
      },
    ],
  };
}

const TASK_METRICS = [
  ['backPressuredTimeMsPerSecond', 'back-pressured'],
  ['busyTimeMsPerSecond', 'busy'],
  ['idleTimeMsPerSecond', 'idle'],
] as const;

/** Per-task back-pressured / busy / idle ms per second over time (task × time heat maps). */
export function taskHeatmapSpec(doc: ReportResult): ChartSpec | null {
  if (doc.timeseries.length < 2) return null;
  const perTask = doc.timeseries.some((s) => s.tasks && Object.keys(s.tasks).length > 0);
  // a sample describes the second before it: its cell spans from the previous sample
  const values = doc.timeseries.flatMap((s, i) => {
    const t1 = seconds(s.tMs);
    const t0 = i === 0 ? Math.max(0, t1 - 1) : seconds(doc.timeseries[i - 1]!.tMs);
    if (!perTask) return [{ t0, t1, task: 'busiest task', metric: 'back-pressured', msPerSecond: s.maxBackPressuredTimeMsPerSecond }];
    return Object.entries(s.tasks ?? {}).flatMap(([task, m]) => TASK_METRICS.map(([key, metric]) => ({ t0, t1, task, metric, msPerSecond: m[key] })));
  });
  if (values.length === 0) return null;
  return {
    data: { values },
    facet: { row: { field: 'metric', type: 'nominal', title: null, sort: TASK_METRICS.map(([, m]) => m) } },
    spec: {
      width: WIDTH,
      height: { step: 16 },
      mark: 'rect',
      encoding: {
        x: { field: 't0', type: 'quantitative', title: 's after job submission' },
        x2: { field: 't1' },
        y: { field: 'task', type: 'nominal', title: null },
        color: { field: 'msPerSecond', type: 'quantitative', title: 'ms/s', scale: { domain: [0, 1000], scheme: 'orangered' } },
        tooltip: [{ field: 'task' }, { field: 'metric' }, { field: 't0', title: 's' }, { field: 'msPerSecond', format: '.0f' }],
      },
    },
  };
}

export interface SweepPoint {
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly recordsPerSec: number | null;
  readonly p99Us: number | null;
}

/** For each swept parameter: throughput and p99 against it, one line per combination of the others. */
export function sweepSpec(keys: readonly string[], points: readonly SweepPoint[]): ChartSpec | null {
  if (keys.length === 0 || points.length < 2) return null;
  const short = (k: string): string => k.split('.').at(-1) ?? k;
  const rows = keys.map((key) => {
    const others = keys.filter((k) => k !== key);
    const order = [...new Set(points.map((p) => String(p.parameters[key])))];
    const values = points.map((p) => ({
      x: String(p.parameters[key]),
      others: others.length === 0 ? 'all' : others.map((k) => `${short(k)}=${String(p.parameters[k])}`).join(', '),
      recordsPerSec: p.recordsPerSec,
      p99Ms: p.p99Us === null ? null : p.p99Us / 1000,
    }));
    const chart = (field: string, title: string): ChartSpec => ({
      width: 300,
      height: 180,
      data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'x', type: 'ordinal', sort: order, title: key },
        y: { field, type: 'quantitative', title },
        color: { field: 'others', type: 'nominal', title: others.map(short).join(', ') || null },
        tooltip: [{ field: 'x', title: key }, { field: 'others' }, { field, format: '.2f' }],
      },
    });
    return { hconcat: [chart('recordsPerSec', 'records/s (median)'), chart('p99Ms', 'p99, ms (median)')], resolve: { scale: { color: 'independent' } } };
  });
  return { vconcat: rows };
}

/** A rate sweep's latency–throughput curve with the knee (the highest sustainable step) marked. */
export function rateSweepSpec(sweep: RateSweepInput): ChartSpec | null {
  const values = sweep.steps.filter((s) => s.p99Us !== null).map((s) => ({ achieved: Math.round(s.achievedRecordsPerSec), intended: Math.round(s.intendedRecordsPerSec), p99Ms: (s.p99Us ?? 0) / 1000, rate: s.ratePerSubtask, sustainable: s.sustainable ? 'sustainable' : 'not sustainable', knee: s.ratePerSubtask === sweep.sustainableRatePerSubtask }));
  if (values.length < 2) return null;
  const knee = values.filter((v) => v.knee);
  return {
    width: WIDTH,
    height: 240,
    layer: [
      { data: { values }, mark: { type: 'line', color: '#888' }, encoding: { x: { field: 'achieved', type: 'quantitative', title: 'achieved records/s' }, y: { field: 'p99Ms', type: 'quantitative', title: 'p99, ms (log scale)', scale: { type: 'log' } }, order: { field: 'rate' } } },
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x: { field: 'achieved', type: 'quantitative' },
          y: { field: 'p99Ms', type: 'quantitative' },
          color: { field: 'sustainable', type: 'nominal', scale: { domain: ['sustainable', 'not sustainable'], range: ['#2ca02c', '#d62728'] }, title: null },
          tooltip: [{ field: 'rate', title: 'rate per subtask' }, { field: 'intended' }, { field: 'achieved' }, { field: 'p99Ms', format: '.2f' }],
        },
      },
      ...(knee.length > 0
        ? [
            { data: { values: knee }, mark: { type: 'point', shape: 'diamond', size: 220, stroke: '#000', strokeWidth: 2, fill: null }, encoding: { x: { field: 'achieved', type: 'quantitative' }, y: { field: 'p99Ms', type: 'quantitative' } } },
            { data: { values: knee }, mark: { type: 'text', dy: -16, fontWeight: 'bold' }, encoding: { x: { field: 'achieved', type: 'quantitative' }, y: { field: 'p99Ms', type: 'quantitative' }, text: { value: 'knee' } } },
          ]
        : []),
    ],
  };
}

/** The tuning variants in throughput × p99, the Pareto frontier highlighted and the recommendation marked. */
export function paretoSpec(t: TuningReport): ChartSpec | null {
  const values = t.rows
    .filter((r) => r.recordsPerSec !== null && r.p99Us !== null)
    .map((r) => ({ variant: r.variant, rank: r.rank, recordsPerSec: Math.round(r.recordsPerSec!), p99Ms: r.p99Us! / 1000, memoryKiB: (r.networkMemoryBytes ?? 0) / 1024, frontier: r.pareto ? 'Pareto frontier' : 'dominated', recommended: r === t.recommended }));
  if (values.length < 2) return null;
  const recommended = values.filter((v) => v.recommended);
  return {
    width: WIDTH,
    height: 260,
    layer: [
      {
        data: { values },
        mark: { type: 'point', filled: true, opacity: 0.85 },
        encoding: {
          x: { field: 'p99Ms', type: 'quantitative', title: 'p99, ms', scale: { zero: false } },
          y: { field: 'recordsPerSec', type: 'quantitative', title: 'records/s', scale: { zero: false } },
          color: { field: 'frontier', type: 'nominal', scale: { domain: ['Pareto frontier', 'dominated'], range: ['#d95f02', '#bbbbbb'] }, title: null },
          size: { field: 'memoryKiB', type: 'quantitative', title: 'network memory, KiB' },
          tooltip: [{ field: 'rank' }, { field: 'variant' }, { field: 'recordsPerSec' }, { field: 'p99Ms', format: '.2f' }, { field: 'memoryKiB' }],
        },
      },
      {
        data: { values: values.filter((v) => v.frontier === 'Pareto frontier') },
        mark: { type: 'text', dx: 8, align: 'left', fontSize: 10 },
        encoding: { x: { field: 'p99Ms', type: 'quantitative' }, y: { field: 'recordsPerSec', type: 'quantitative' }, text: { field: 'rank', format: 'd' } },
      },
      ...(recommended.length > 0
        ? [{ data: { values: recommended }, mark: { type: 'point', shape: 'diamond', size: 300, stroke: '#000', strokeWidth: 2, fill: null }, encoding: { x: { field: 'p99Ms', type: 'quantitative' }, y: { field: 'recordsPerSec', type: 'quantitative' } } }]
        : []),
    ],
  };
}
