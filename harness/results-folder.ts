/**
 * The files of one run in a results folder (documented in docs/results.md): the result document, an HDR percentile
 * distribution per phase, an HDR interval log of 1 s intervals tagged by phase, and the time series as CSV.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHgrm, renderHlog } from './hdr-files.js';
import type { LatencyInterval } from './job-run.js';
import type { ResultDocument } from './result-schema.js';

/** File names inside a run folder. */
export const RUN_FILES = {
  result: 'result.json',
  hlog: 'latency.hlog',
  timeseries: 'timeseries.csv',
  hgrm: (phase: string): string => `latency-${phase}.hgrm`,
} as const;

export interface RunFiles {
  readonly result: string;
  readonly hlog: string | null;
  readonly timeseries: string;
  /** Phase name → file, for phases that had latency samples. */
  readonly hgrm: Readonly<Record<string, string>>;
}

/** Writes one run's files into `dir` (created); returns their names relative to `dir`. */
export function writeRunFiles(dir: string, doc: ResultDocument, intervals: readonly LatencyInterval[]): RunFiles {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, RUN_FILES.result), `${JSON.stringify(doc, null, 2)}\n`);
  const hgrm: Record<string, string> = {};
  for (const phase of doc.phases) {
    const histogram = phase.latencyUs?.histogram;
    if (!histogram) continue;
    const name = RUN_FILES.hgrm(phase.name);
    writeFileSync(join(dir, name), renderHgrm(histogram));
    hgrm[phase.name] = name;
  }
  const withData = intervals.filter((i): i is LatencyInterval & { histogram: string } => i.histogram !== undefined);
  let hlog: string | null = null;
  if (withData.length > 0) {
    // interval times are ms after the job's submission, which is the log's StartTime
    const startTimeMsEpoch = Date.parse(doc.jobSubmittedAt ?? doc.startedAt);
    writeFileSync(join(dir, RUN_FILES.hlog), renderHlog(withData.map((i) => ({ startMs: i.startMs, endMs: i.endMs, tag: i.tag, histogram: i.histogram })), { startTimeMsEpoch }));
    hlog = RUN_FILES.hlog;
  }
  writeFileSync(join(dir, RUN_FILES.timeseries), timeseriesCsv(doc));
  return { result: RUN_FILES.result, hlog, timeseries: RUN_FILES.timeseries, hgrm };
}

/** `tMs,recordsPerSec,latencyP99Us,maxBackPressuredTimeMsPerSecond[,link:<name>…]`, one row per 1 s sample. */
export function timeseriesCsv(doc: ResultDocument): string {
  const links = [...new Set(doc.timeseries.flatMap((t) => Object.keys(t.links ?? {})))].sort();
  const head = ['tMs', 'recordsPerSec', 'latencyP99Us', 'maxBackPressuredTimeMsPerSecond', ...links.map((l) => `link:${l}`)];
  const rows = doc.timeseries.map((t) => [t.tMs, Math.round(t.recordsPerSec), t.latencyP99Us, Math.round(t.maxBackPressuredTimeMsPerSecond), ...links.map((l) => t.links?.[l] ?? '')].join(','));
  return `${[head.join(','), ...rows].join('\n')}\n`;
}
