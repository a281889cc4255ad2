/**
 * One `flowlab run`: calibrate the machine (raw loopback throughput and RTT), start a local cluster, submit the job,
 * sample its metrics every second (emitting `progress` events), wait until it ends, and build the result document.
 * The engine only emits events; printers subscribe.
 */
import { EventEmitter } from 'node:events';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem, type, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import { CONFIG_KEYS, InvalidConfigError, resolveConfig, toError, type ConfigInput, type ResolvedConfig } from '../core/index.js';
import {
  LocalCluster,
  checkNetworkBuffers,
  presetJobGraph,
  rawPingPong,
  rawPipe,
  validateJobGraph,
  type JobGraphSpec,
  type JobMetrics,
  type LatencySummary,
  type TopologyPreset,
} from '../runtime/index.js';
import { RESULT_SCHEMA_VERSION, taskRows, type ResultDocument } from './result-document.js';

const SAMPLE_INTERVAL_MS = 1000;
const CALIBRATION = { durationMs: 400, warmupMs: 150 };

export interface RunOptions {
  taskManagers: number;
  parallelism: number;
  topology: TopologyPreset;
  /** Records per second per source subtask; 0 = unbounded. */
  ratePerSec: number;
  recordSizeBytes: number;
  keys: number;
  keyDistribution: 'uniform' | 'zipf';
  mapCostUs: number;
  durationMs: number;
  warmupMs: number;
  seed: number;
  /** Flink keys (`-D`). */
  config: ConfigInput;
  calibrate: boolean;
}

export interface ProgressEvent {
  elapsedMs: number;
  recordsPerSec: number;
  latencyP99Us: number;
  busiest: { task: string; backPressuredTimeMsPerSecond: number } | undefined;
  state: string;
}

/** Validates options into a resolved config and job graph before anything starts. */
export function prepareRun(options: RunOptions): { config: ResolvedConfig; graph: JobGraphSpec } {
  const config = resolveConfig({ 'rest.port': 0, ...options.config });
  const graph = validateJobGraph(
    presetJobGraph(
      options.topology,
      options.parallelism,
      {
        ratePerSec: options.ratePerSec,
        durationMs: options.warmupMs + options.durationMs,
        keys: options.keys,
        keyDistribution: options.keyDistribution,
        recordSize: { min: options.recordSizeBytes, max: options.recordSizeBytes },
        seed: options.seed,
      },
      { costUs: options.mapCostUs },
    ),
  );
  checkNetworkBuffers(graph, config, options.taskManagers);
  const slotsNeeded = Math.max(...graph.vertices.map((v) => v.parallelism));
  const slots = options.taskManagers * config['taskmanager.numberOfTaskSlots'];
  if (slotsNeeded > slots) {
    throw new InvalidConfigError(
      'taskmanager.numberOfTaskSlots',
      config['taskmanager.numberOfTaskSlots'],
      `at least ${Math.ceil(slotsNeeded / options.taskManagers)} (parallelism ${slotsNeeded} on ${options.taskManagers} TaskManagers)`,
    );
  }
  return { config, graph };
}

function flowlabVersion(): { version: string; commit: string | null } {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  let version = '0.0.0';
  try {
    version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // packaged without package.json
  }
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    commit = null;
  }
  return { version, commit };
}

function decode(base64: string | undefined): hdr.Histogram | undefined {
  return base64 ? hdr.decodeFromCompressedBase64(base64) : undefined;
}

function summarize(h: hdr.Histogram | undefined): LatencySummary {
  if (!h || h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, count: 0 };
  return {
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.maxValue,
    count: h.totalCount,
    histogram: hdr.encodeIntoCompressedBase64(h),
  };
}

/** Events: `phase` (string), `progress` (ProgressEvent), `log` (string). */
export class JobRun extends EventEmitter {
  private cluster: LocalCluster | undefined;
  private aborted = false;

  constructor(readonly options: RunOptions) {
    super();
  }

  /** Stops the cluster; the run ends as `aborted`. */
  async abort(): Promise<void> {
    this.aborted = true;
    await this.cluster?.stop();
  }

  async execute(): Promise<ResultDocument> {
    const { config, graph } = prepareRun(this.options);
    const started = Date.now();
    const startedAt = new Date(started).toISOString();
    const cpu = cpus();
    const doc: ResultDocument = {
      schemaVersion: RESULT_SCHEMA_VERSION,
      flowlab: flowlabVersion(),
      state: 'completed',
      environment: { cpuModel: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryBytes: totalmem(), os: `${type()} ${release()}`, node: process.version },
      seed: this.options.seed,
      startedAt,
      durationMs: 0,
      config: Object.fromEntries(Object.entries(CONFIG_KEYS).map(([k, spec]) => [k, (spec.format as (v: unknown) => string)(config[k as keyof ResolvedConfig])])),
      workload: {
        ratePerSec: this.options.ratePerSec > 0 ? this.options.ratePerSec : 'unbounded',
        recordSizeBytes: this.options.recordSizeBytes,
        keys: this.options.keys,
        keyDistribution: this.options.keyDistribution,
        durationMs: this.options.durationMs,
        warmupMs: this.options.warmupMs,
        mapCostUs: this.options.mapCostUs,
      },
      topology: {
        preset: this.options.topology,
        parallelism: this.options.parallelism,
        taskManagers: this.options.taskManagers,
        slotsPerTaskManager: config['taskmanager.numberOfTaskSlots'],
        vertices: graph.vertices.map((v) => ({ id: v.id, operator: v.operator, parallelism: v.parallelism })),
      },
      calibration: { loopbackBytesPerSec: 0, loopbackRttUs: 0 },
      throughput: { recordsPerSec: 0, bytesPerSec: 0 },
      latencyUs: summarize(undefined),
      checkpoints: { completed: 0, failed: 0 },
      tasks: [],
      sink: { records: 0, lost: null, duplicated: 0, outOfOrder: 0 },
      phases: [],
      faults: [],
      timeseries: [],
    };
    try {
      if (this.options.calibrate) {
        this.emit('phase', 'calibrating loopback');
        const pipe = await rawPipe(0, { ...CALIBRATION, rounds: 1 });
        const ping = await rawPingPong({ ...CALIBRATION, rounds: 1 });
        doc.calibration = { loopbackBytesPerSec: (pipe.bytes * 1000) / pipe.elapsedMs, loopbackRttUs: ping.latencyUs?.p50 ?? 0 };
      }
      this.emit('phase', `starting ${this.options.taskManagers} TaskManagers`);
      this.cluster = await LocalCluster.start({ taskManagers: this.options.taskManagers, config, restPort: config['rest.port'] });
      await this.waitForTaskManagers(this.cluster);
      const { jobId } = await this.cluster.client.submitJob(graph);
      this.emit('phase', `running ${graph.name} (job ${jobId})`);
      await this.observe(this.cluster, jobId, doc, Date.now());
    } catch (error) {
      doc.state = this.aborted ? 'aborted' : 'errored';
      doc.error = toError(error).message;
    } finally {
      await this.cluster?.stop();
      doc.durationMs = Date.now() - started;
    }
    return doc;
  }

  private async waitForTaskManagers(cluster: LocalCluster): Promise<void> {
    const deadline = Date.now() + 15_000;
    while ((await cluster.client.taskManagers()).length < this.options.taskManagers) {
      if (Date.now() > deadline) throw new Error('TaskManagers did not register within 15 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async observe(cluster: LocalCluster, jobId: string, doc: ResultDocument, t0: number): Promise<void> {
    const warmupEndMs = this.options.warmupMs;
    let warmup: { records: number; bytes: number; latency: hdr.Histogram | undefined; tMs: number } | undefined;
    let previous = { tMs: 0, records: 0 };
    let last: JobMetrics | undefined;
    for (;;) {
      await new Promise((r) => setTimeout(r, SAMPLE_INTERVAL_MS));
      const tMs = Date.now() - t0;
      const [job, metrics] = await Promise.all([cluster.client.job(jobId), cluster.client.metrics(jobId)]);
      last = metrics;
      const sinkRecords = metrics.aggregate.sinkRecordsIn;
      const rate = ((sinkRecords - previous.records) * 1000) / Math.max(1, tMs - previous.tMs);
      previous = { tMs, records: sinkRecords };
      let busiest: ProgressEvent['busiest'];
      for (const t of metrics.tasks) {
        if (!busiest || t.backPressuredTimeMsPerSecond > busiest.backPressuredTimeMsPerSecond) {
          busiest = { task: `${t.vertexId}#${t.subtaskIndex}`, backPressuredTimeMsPerSecond: t.backPressuredTimeMsPerSecond };
        }
      }
      doc.timeseries.push({ tMs, recordsPerSec: rate, latencyP99Us: metrics.aggregate.latencyUs.p99, maxBackPressuredTimeMsPerSecond: busiest?.backPressuredTimeMsPerSecond ?? 0 });
      this.emit('progress', { elapsedMs: tMs, recordsPerSec: rate, latencyP99Us: metrics.aggregate.latencyUs.p99, busiest, state: job.state } satisfies ProgressEvent);
      if (!warmup && tMs >= warmupEndMs) {
        warmup = { records: sinkRecords, bytes: sinkBytes(metrics), latency: decode(metrics.aggregate.latencyUs.histogram), tMs };
      }
      if (job.state === 'FAILED' || job.state === 'CANCELED') {
        doc.state = 'errored';
        doc.error = `job ${job.state.toLowerCase()}: ${job.failureReason ?? 'no reason given'}`;
        break;
      }
      if (job.state === 'FINISHED') break;
    }
    const final = last;
    doc.tasks = taskRows(final.tasks);
    const agg = final.aggregate;
    doc.sink = {
      records: agg.sinkRecordsIn,
      lost: doc.state === 'completed' ? Math.max(0, agg.sourceRecordsOut - agg.sinkRecordsIn) : null,
      duplicated: agg.sinkDuplicated,
      outOfOrder: agg.sinkOutOfOrder,
    };
    const endMs = Date.now() - t0;
    const total = decode(agg.latencyUs.histogram);
    const measured = total && warmup?.latency ? subtract(total, warmup.latency) : total;
    doc.latencyUs = summarize(measured);
    const windowStart = warmup?.tMs ?? 0;
    const windowMs = Math.max(1, endMs - windowStart);
    doc.throughput = {
      recordsPerSec: ((agg.sinkRecordsIn - (warmup?.records ?? 0)) * 1000) / windowMs,
      bytesPerSec: ((sinkBytes(final) - (warmup?.bytes ?? 0)) * 1000) / windowMs,
    };
    doc.phases = [
      { name: 'warmup', startMs: 0, endMs: windowStart, throughput: { recordsPerSec: ((warmup?.records ?? 0) * 1000) / Math.max(1, windowStart) } },
      { name: 'measured', startMs: windowStart, endMs, throughput: { recordsPerSec: doc.throughput.recordsPerSec }, latencyUs: doc.latencyUs },
    ];
  }
}

function sinkBytes(metrics: JobMetrics): number {
  return metrics.tasks.filter((t) => t.operator === 'sink').reduce((sum, t) => sum + t.numBytesIn, 0);
}

function subtract(total: hdr.Histogram, before: hdr.Histogram): hdr.Histogram {
  const copy = hdr.decodeFromCompressedBase64(hdr.encodeIntoCompressedBase64(total));
  copy.subtract(before);
  return copy;
}
