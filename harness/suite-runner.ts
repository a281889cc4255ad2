/**
 * Runs a planned suite into a results folder `<out>/<suite>/<UTC timestamp>/`: one folder per run
 * (`runs/<scenario>/<variant>/rep-<k>/`, see results-folder.ts) and `suite.json`, the index, rewritten after every
 * run so an interrupted suite keeps what finished. The engine emits events; the CLI prints them.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { environmentFingerprint, flowlabVersion } from '../core/index.js';
import { toError } from '../core/index.js';
import { JobRun, type ProgressEvent } from './job-run.js';
import { writeRunFiles } from './results-folder.js';
import { MICRO_CASE_NAMES, runMicroBench } from './micro-bench.js';
import { runNetworkScenario } from './network-bench-run.js';
import { NETWORK_BENCH_CASES } from '../runtime/index.js';
import type { ResultDocument } from './result-schema.js';
import { analyzeControl, analyzeRateSweeps } from './suite-analysis.js';
import { evaluateShapes } from './shape-model.js';
import type { PlannedRun, SuitePlan } from './suite-plan.js';
import { SUITE_INDEX_VERSION, type SuiteIndex, type SuiteRunRecord } from './suite-schema.js';

/** Seconds a run takes beyond its workload (cluster start, calibration, drain, stop), for the ETA before any run ended. */
const RUN_OVERHEAD_MS = 4_000;
/** A network bench worker pair's start and stop, for the ETA. */
const BENCH_PROCESS_START_MS = 400;

export interface SuiteRunOptions {
  /** Parent of the results folder. */
  readonly out: string;
  readonly bail?: boolean;
  /** Recorded in suite.json. */
  readonly filter?: string | undefined;
  readonly repetitions?: number | undefined;
  /** The command that reruns a scenario, per run (recorded in each result). */
  readonly commandFor?: (run: PlannedRun) => string;
}

export interface SuiteProgress {
  readonly index: number;
  readonly total: number;
  readonly run: PlannedRun;
  readonly elapsedMs: number;
  /** Estimated time left for the whole suite, ms. */
  readonly etaMs: number;
}

function folderName(text: string): string {
  return text.replace(/[^A-Za-z0-9._=-]+/g, '_');
}

function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

function summaryOf(doc: ResultDocument): SuiteRunRecord['summary'] {
  return {
    recordsPerSec: Math.round(doc.throughput.recordsPerSec),
    p99Us: doc.latencyUs.p99,
    lost: doc.sink.lost,
    duplicated: doc.sink.duplicated,
    gatesFailed: (doc.gates ?? []).filter((g) => g.verdict === 'fail').length,
    harnessCpuMsPerSecond: doc.harness?.cpuMsPerSecond ?? null,
    ...(doc.network ? { ratios: Object.fromEntries(doc.network.rows.map((r) => [r.name, r.ratio])) } : {}),
  };
}

/**
 * Events: `run-start` (SuiteProgress), `run-end` (SuiteProgress & { record }), `progress` (ProgressEvent of the
 * current run), `log` (string).
 */
export class SuiteRunner extends EventEmitter {
  private current: JobRun | undefined;
  private stopping = false;
  /** The results folder, once `execute()` created it. */
  dir = '';

  constructor(
    readonly plan: SuitePlan,
    readonly options: SuiteRunOptions,
  ) {
    super();
  }

  /** Stops the current run (it ends `aborted`) and skips the rest; `execute()` then writes the index and returns. */
  async interrupt(): Promise<void> {
    this.stopping = true;
    await this.current?.abort();
  }

  async execute(): Promise<SuiteIndex> {
    const started = new Date();
    this.dir = join(this.options.out, this.plan.suite.name, timestamp(started));
    mkdirSync(this.dir, { recursive: true });
    const index: SuiteIndex = {
      schemaVersion: SUITE_INDEX_VERSION,
      suite: this.plan.suite.name,
      description: this.plan.suite.description,
      file: this.plan.file,
      state: 'running',
      startedAt: started.toISOString(),
      finishedAt: null,
      flowlab: flowlabVersion(),
      environment: environmentFingerprint(),
      options: { filter: this.options.filter ?? null, bail: this.options.bail ?? false, repetitions: this.options.repetitions ?? null },
      runs: this.plan.runs.map((run, i) => ({
        index: i,
        scenario: run.scenario,
        variant: run.variant,
        parameters: { ...run.parameters },
        repetition: run.repetition,
        repetitions: run.repetitions,
        state: 'skipped',
        dir: null,
        files: null,
        summary: null,
      })),
      rateSweeps: [],
      shapes: [],
    };
    this.writeIndex(index);
    const results = new Map<number, ResultDocument>();
    const plannedMs = (r: PlannedRun): number => {
      const { micro, network } = r.loaded.scenario;
      if (micro) return (micro.cases?.length ?? MICRO_CASE_NAMES.length) * (micro.time + micro.warmup);
      // every case alternates a baseline and a flowlab run per round, each with two process starts
      if (network) return (network.cases?.length ?? NETWORK_BENCH_CASES.length) * network.rounds * 2 * (network.duration + network.warmup + BENCH_PROCESS_START_MS);
      return r.loaded.options.warmupMs + r.loaded.options.durationMs + RUN_OVERHEAD_MS;
    };
    let spentMs = 0;
    let spentPlannedMs = 0;
    let bailed = false;
    for (let i = 0; i < this.plan.runs.length && !this.stopping && !bailed; i++) {
      const run = this.plan.runs[i]!;
      const remainingPlanned = this.plan.runs.slice(i).reduce((sum, r) => sum + plannedMs(r), 0);
      const pace = spentPlannedMs > 0 ? spentMs / spentPlannedMs : 1;
      const progress = { index: i, total: this.plan.runs.length, run, elapsedMs: Date.now() - started.getTime(), etaMs: remainingPlanned * pace };
      this.emit('run-start', progress);
      const runStarted = Date.now();
      const rel = join('runs', folderName(run.scenario), folderName(run.variant), `rep-${run.repetition}`);
      const bench = this.benchOf(run);
      if (bench) {
        await this.runBench(bench, index.runs[i]!, rel, results, i);
        if (index.runs[i]!.state !== 'completed' && this.options.bail) bailed = true;
        spentMs += Date.now() - runStarted;
        spentPlannedMs += plannedMs(run);
        this.writeIndex(index);
        this.emit('run-end', { ...progress, elapsedMs: Date.now() - started.getTime(), record: index.runs[i]! });
        continue;
      }
      const job = new JobRun({
        ...run.loaded.options,
        gates: run.loaded.gates,
        variant: run.parameters,
        repetition: run.repetition,
        ...(this.options.commandFor ? { command: this.options.commandFor(run) } : {}),
      });
      this.current = job;
      job.on('progress', (p: ProgressEvent) => this.emit('progress', p));
      job.on('log', (line: string) => this.emit('log', line));
      const record = index.runs[i]!;
      try {
        const doc = await job.execute();
        results.set(i, doc);
        const files = writeRunFiles(join(this.dir, rel), doc, job.intervals);
        Object.assign(record, { state: doc.state, dir: rel, files, summary: summaryOf(doc), ...(doc.error !== undefined ? { error: doc.error } : {}) });
        if (doc.state !== 'completed' && this.options.bail) bailed = true;
      } catch (error) {
        Object.assign(record, { state: 'errored', error: toError(error).message });
        if (this.options.bail) bailed = true;
      } finally {
        this.current = undefined;
      }
      spentMs += Date.now() - runStarted;
      spentPlannedMs += plannedMs(run);
      this.writeIndex(index);
      this.emit('run-end', { ...progress, elapsedMs: Date.now() - started.getTime(), record });
    }
    const control = analyzeControl(this.plan, results);
    if (control) index.control = control;
    index.rateSweeps = analyzeRateSweeps(this.plan, results);
    index.shapes = evaluateShapes(
      this.plan.shapes.map((shape, i) => ({ scenario: this.plan.runs.find((r) => r.entry === i)?.scenario ?? `entry ${i + 1}`, shape })),
      this.plan.suite.skipped,
      this.plan.runs.map((r, i) => ({ entry: r.entry, scenario: r.scenario, variant: r.variant, parameters: r.parameters, result: results.get(i) })),
    );
    index.state = this.stopping ? 'interrupted' : bailed ? 'bailed' : 'completed';
    index.finishedAt = new Date().toISOString();
    this.writeIndex(index);
    return index;
  }

  /** A scenario with `micro:` or `network:` runs that benchmark in this process (and its workers) instead of a job. */
  private benchOf(run: PlannedRun): (() => Promise<ResultDocument>) | undefined {
    const { micro, network } = run.loaded.scenario;
    const placed = { scenario: run.scenario, repetition: run.repetition, ...(this.options.commandFor ? { command: this.options.commandFor(run) } : {}) };
    if (micro) {
      return () =>
        runMicroBench({
          ...placed,
          timeMs: micro.time,
          warmupMs: micro.warmup,
          ...(micro.cases ? { only: micro.cases } : {}),
          onCase: (c) => this.emit('log', `${c.name}: ${c.state === 'completed' ? `${Math.round(c.opsPerSec).toLocaleString('en-US')} ops/s` : `errored: ${c.error ?? ''}`}`),
        });
    }
    if (network) {
      return () =>
        runNetworkScenario({
          ...placed,
          durationMs: network.duration,
          warmupMs: network.warmup,
          rounds: network.rounds,
          ...(network.cases ? { only: network.cases } : {}),
          ...(network.targets ? { targets: network.targets } : {}),
          log: (line) => this.emit('log', line),
        });
    }
    return undefined;
  }

  private async runBench(produce: () => Promise<ResultDocument>, record: SuiteRunRecord, rel: string, results: Map<number, ResultDocument>, i: number): Promise<void> {
    const run = this.plan.runs[i]!;
    try {
      const doc = await produce();
      doc.variant = { ...run.parameters };
      results.set(i, doc);
      const files = writeRunFiles(join(this.dir, rel), doc, []);
      Object.assign(record, { state: doc.state, dir: rel, files, summary: summaryOf(doc), ...(doc.error !== undefined ? { error: doc.error } : {}) });
    } catch (error) {
      Object.assign(record, { state: 'errored', error: toError(error).message });
    }
  }

  /** Written to a temporary file and renamed, so a reader never sees half an index. */
  private writeIndex(index: SuiteIndex): void {
    const path = join(this.dir, 'suite.json');
    writeFileSync(`${path}.tmp`, `${JSON.stringify(index, null, 2)}\n`);
    renameSync(`${path}.tmp`, path);
  }
}
