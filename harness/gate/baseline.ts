/**
 * Baselines: built from completed runs (grouped by scenario and variant, control runs A and B pooled), written as
 * JSON, and read back with validation. A baseline keeps what a later gate needs to judge noise: every run's value,
 * every run's histogram, and the A/A noise floor of the suite it came from.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { median } from 'simple-statistics';
import { guardedSummary } from '../percentile-guard.js';
import { formatPath } from '../source-locations.js';
import { BASELINE_SCHEMA_VERSION, baselineSchema, type Baseline, type BaselineEntry } from './baseline-schema.js';
import { GateDocumentError, GateInputError } from './gate-errors.js';
import { METRIC_SPECS, groupKey, isScalarMetric, parseMetricKey, type RunFigures, type VertexFigures } from './gate-metrics.js';
import { mergeHistograms } from './latency-bootstrap.js';
import { noiseFloorOf } from './noise-floor.js';
import { summarize } from './scalar-rule.js';
import type { ResultSet } from './results-input.js';

/** Completed runs grouped by `scenario/variant`, in a stable order. */
export function groupRuns(runs: readonly RunFigures[]): Map<string, RunFigures[]> {
  const groups = new Map<string, RunFigures[]>();
  for (const r of runs) groups.set(groupKey(r), [...(groups.get(groupKey(r)) ?? []), r]);
  return groups;
}

function meanVertices(runs: readonly RunFigures[]): Record<string, VertexFigures> {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.vertices)))].sort();
  return Object.fromEntries(
    names.map((name) => {
      const rows = runs.flatMap((r) => (r.vertices[name] ? [r.vertices[name]] : []));
      const avg = (f: (v: VertexFigures) => number): number => Math.round((rows.reduce((s, v) => s + f(v), 0) / rows.length) * 1000) / 1000;
      return [
        name,
        {
          backPressuredTimeMsPerSecond: avg((v) => v.backPressuredTimeMsPerSecond),
          busyTimeMsPerSecond: avg((v) => v.busyTimeMsPerSecond),
          idleTimeMsPerSecond: avg((v) => v.idleTimeMsPerSecond),
          inPoolUsage: avg((v) => v.inPoolUsage),
          outPoolUsage: avg((v) => v.outPoolUsage),
        },
      ];
    }),
  );
}

/** The baseline figures of one group of completed runs. */
export function baselineEntry(runs: readonly RunFigures[]): BaselineEntry {
  const first = runs[0]!;
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.scalars)))].sort();
  const scalars: BaselineEntry['scalars'] = {};
  for (const key of keys) {
    const { metric, phase } = parseMetricKey(key);
    if (!isScalarMetric(metric)) continue;
    const samples = runs.flatMap((r) => (r.scalars[key] === undefined ? [] : [r.scalars[key]]));
    const s = summarize(samples);
    const spec = METRIC_SPECS[metric];
    const direction = runs.find((r) => r.directions[key])?.directions[key] ?? spec.direction;
    scalars[key] = { metric, phase, unit: spec.unit, direction, samples, n: s.n, mean: s.mean!, stddev: s.stddev };
  }
  const phases = [...new Set(runs.flatMap((r) => Object.keys(r.latency)))].sort();
  const latency: BaselineEntry['latency'] = {};
  for (const phase of phases) {
    const histograms = runs.flatMap((r) => (r.latency[phase] ? [r.latency[phase]] : []));
    const merged = mergeHistograms(histograms);
    if (merged === undefined) continue;
    const summary = guardedSummary(merged);
    latency[phase] = { count: summary.count, merged, runs: histograms, p50: summary.p50, p90: summary.p90, p99: summary.p99, p999: summary.p999 };
  }
  return { scenario: first.scenario, variant: first.variant, runs: runs.length, scalars, latency, vertices: meanVertices(runs) };
}

function medianOf(values: number[]): number {
  return values.length === 0 ? 0 : median(values);
}

/** A measured baseline from result sets (their completed runs); refuses when a run errored unless `allowErrored`. */
export function buildBaseline(sets: readonly ResultSet[], options: { name: string; createdAt?: Date; allowErrored?: boolean }): Baseline {
  const all = sets.flatMap((s) => s.runs);
  const failed = all.filter((r) => r.state !== 'completed' && r.state !== 'skipped');
  if (failed.length > 0 && !options.allowErrored) {
    throw new GateInputError('<results>', `${failed.length} run(s) did not complete (${failed.map((r) => `${groupKey(r)} rep ${r.repetition}: ${r.state}${r.error ? `, ${r.error}` : ''}`).join('; ')}); a baseline is made of completed runs only (--allow-errored leaves them out)`);
  }
  const completed = all.filter((r) => r.state === 'completed');
  if (completed.length === 0) throw new GateInputError('<results>', 'no completed run to make a baseline from');
  const first = completed[0]!;
  const calibrated = completed.flatMap((r) => (r.calibration ? [r.calibration] : []));
  const suite = sets.find((s) => s.suite !== null)?.suite ?? null;
  const scenarios: Baseline['scenarios'] = {};
  for (const [key, runs] of groupRuns(completed)) scenarios[key] = baselineEntry(runs);
  return {
    schemaVersion: BASELINE_SCHEMA_VERSION,
    kind: 'flowlab-baseline',
    name: options.name,
    source: 'measured',
    createdAt: (options.createdAt ?? new Date()).toISOString(),
    recordedFrom: { suite: suite?.suite ?? null, paths: sets.map((s) => s.source), startedAt: sets[0]?.startedAt ?? null },
    flowlab: { version: first.version, commit: first.commit },
    environment: first.environment,
    calibration: calibrated.length === 0 ? null : { loopbackBytesPerSec: medianOf(calibrated.map((c) => c.loopbackBytesPerSec)), loopbackRttUs: medianOf(calibrated.map((c) => c.loopbackRttUs)) },
    noiseFloor: noiseFloorOf(completed),
    scenarios,
  };
}

/** Writes a baseline atomically (a temporary file renamed), creating the folder. */
export function saveBaseline(file: string, baseline: Baseline): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(baselineSchema.parse(baseline), null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** Reads and validates a baseline; a bad one fails naming the file and field. */
export function loadBaseline(file: string): Baseline {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new GateInputError('--baseline', `${file} is not readable JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  const parsed = baselineSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new GateDocumentError(file, formatPath(issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))), `${issue.message} (not a flowlab baseline, schemaVersion ${BASELINE_SCHEMA_VERSION})`);
  }
  return parsed.data;
}
