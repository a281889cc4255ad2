/**
 * `npm run bench:checkpoint` (published shape S9): `source →rebalance→ map →rebalance→ slow sink` (busy-wait per
 * record; or the cost at the map) at parallelism 2 on two TaskManagers, unbounded sources so every exchange before
 * the slow operator is back-pressured, checkpoints
 * triggered over REST once backpressure has built up; checkpoint duration, alignment and persisted bytes per
 * per-record cost, aligned and unaligned side by side.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../core/index.js';
import { LocalCluster } from '../cluster/local-cluster.js';
import { presetJobGraph } from '../job/index.js';
import type { CheckpointView, JobManagerClient } from '../cluster/rest-client.js';
import { benchEnvironment, median, type BenchEnvironment } from './bench-common.js';

export interface CheckpointBenchOptions {
  /** Per-record map costs to compare (µs). */
  costsUs: number[];
  /** Checkpoints taken per cost. */
  checkpoints: number;
  /** Time for backpressure to build before the first checkpoint (ms). */
  settleMs: number;
  modes: CheckpointBenchMode[];
  /** `execution.checkpointing.aligned-checkpoint-timeout` of the timeout modes (ms). */
  alignedTimeoutMs?: number;
  /** Where the per-record cost is burnt: the sink (S9's setup: both exchanges back-pressured) or the map. @default 'sink' */
  costAt?: 'sink' | 'map';
}

/**
 * aligned; unaligned; `aligned-idle`: aligned without backpressure (S9: a few ms); `timeout-sender`: unaligned with an aligned-checkpoint timeout, switched at senders and
 * receivers (Flink 1.16+); `timeout-receiver`: the same timeout checked only where barriers arrive (Flink 1.14–1.15).
 */
export type CheckpointBenchMode = 'aligned' | 'unaligned' | 'timeout-sender' | 'timeout-receiver' | 'aligned-idle';

/** `aligned-idle`: aligned checkpoints with sources at this share of what the slow operator drains (no backpressure). */
export const IDLE_LOAD = 0.2;

export const DEFAULT_ALIGNED_TIMEOUT_MS = 10;

export interface CheckpointBenchRow {
  mode: CheckpointBenchMode;
  costUs: number;
  /** Records/s per source; 0 = unbounded (back-pressured). */
  ratePerSec: number;
  durationsMs: number[];
  medianDurationMs: number;
  maxAlignmentMs: number;
  /** Checkpoints that completed unaligned (switched, for the timeout modes). */
  unalignedCount: number;
  persistedBytes: number;
  stateBytes: number;
  recordsPerSec: number;
  error?: string;
}

export interface CheckpointBenchResult {
  benchmark: 'checkpoint';
  startedAt: string;
  environment: BenchEnvironment;
  options: CheckpointBenchOptions;
  rows: CheckpointBenchRow[];
  /** aligned median duration at the highest cost ÷ at the lowest (S9: grows with the per-record cost). */
  alignedGrowth: number;
  /** aligned ÷ unaligned median duration per cost (S9 asks for ≥ 10). */
  alignedOverUnaligned: Array<{ costUs: number; ratio: number }>;
  /** timeout mode median ÷ unaligned median per cost (S12: sender side within 3×, receiver side near aligned). */
  timeoutOverUnaligned: Array<{ mode: CheckpointBenchMode; costUs: number; ratio: number }>;
}

const MIN_RATE_WINDOW_MS = 2000;

/**
 * Records the sinks have received, and the oldest time (JobManager clock) among the sink reports that say so; waits
 * (up to 10 s) for every sink to have reported once.
 */
async function sinkSample(client: JobManagerClient, jobId: string, sinks: number): Promise<{ records: number; atMs: number }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const m = await client.metrics(jobId);
    const times = m.tasks.filter((t) => t.operator === 'sink' && t.receivedAtMs !== undefined).map((t) => t.receivedAtMs);
    if (times.length >= sinks) return { records: m.aggregate.sinkRecordsIn, atMs: Math.min(...times) };
    if (Date.now() > deadline) throw new Error(`only ${times.length} of ${sinks} sinks reported metrics within 10 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function measure(mode: CheckpointBenchMode, costUs: number, o: CheckpointBenchOptions): Promise<CheckpointBenchRow> {
  const dir = await mkdtemp(join(tmpdir(), 'flowlab-cpbench-'));
  const row: CheckpointBenchRow = { mode, costUs, ratePerSec: 0, durationsMs: [], medianDurationMs: NaN, maxAlignmentMs: 0, unalignedCount: 0, persistedBytes: 0, stateBytes: 0, recordsPerSec: 0 };
  try {
    const timeoutMode = mode === 'timeout-sender' || mode === 'timeout-receiver';
    const config = resolveConfig({
      'rest.port': 0,
      'taskmanager.numberOfTaskSlots': 2,
      'execution.checkpointing.dir': dir,
      'execution.checkpointing.unaligned': mode !== 'aligned' && mode !== 'aligned-idle',
      'execution.checkpointing.aligned-checkpoint-timeout': timeoutMode ? (o.alignedTimeoutMs ?? DEFAULT_ALIGNED_TIMEOUT_MS) : 0,
      'flowlab.checkpointing.aligned-checkpoint-timeout.sender-side': mode !== 'timeout-receiver',
      'execution.checkpointing.timeout': '60 s',
    });
    await using cluster = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore' });
    while ((await cluster.client.taskManagers()).length < 2) await new Promise((r) => setTimeout(r, 50));
    const cost = { costUs };
    const atMap = o.costAt === 'map';
    // 2 sources → 2 slow subtasks over rebalance: each slow subtask gets one source's rate
    const ratePerSec = mode === 'aligned-idle' ? Math.max(1, Math.round((IDLE_LOAD * 1e6) / Math.max(1, costUs))) : 0;
    row.ratePerSec = ratePerSec;
    const graph = presetJobGraph('source-map-sink', 2, { ratePerSec, durationMs: 600_000, keys: 256 }, atMap ? cost : {}, atMap ? {} : cost);
    const { jobId } = await cluster.client.submitJob(graph);
    await new Promise((r) => setTimeout(r, o.settleMs));
    const sinks = graph.vertices.find((v) => v.operator === 'sink')!.parallelism;
    const before = await sinkSample(cluster.client, jobId, sinks);
    for (let i = 0; i < o.checkpoints; i++) {
      const { checkpointId } = await cluster.client.triggerCheckpoint(jobId);
      let done: CheckpointView | undefined;
      while (!done) {
        await new Promise((r) => setTimeout(r, 20));
        done = (await cluster.client.checkpoints(jobId)).history.find((h) => h.id === checkpointId && h.status !== 'IN_PROGRESS');
      }
      if (done.status !== 'COMPLETED') throw new Error(`checkpoint ${checkpointId} failed: ${done.failureReason ?? ''}`);
      row.durationsMs.push(done.durationMs ?? NaN);
      row.maxAlignmentMs = Math.max(row.maxAlignmentMs, done.maxAlignmentDurationMs);
      if (done.unaligned) row.unalignedCount++;
      row.persistedBytes = Math.max(row.persistedBytes, done.persistedChannelStateBytes);
      row.stateBytes = Math.max(row.stateBytes, done.stateBytes);
    }
    // sinks report every second: measure over at least two reports, timed by when the JobManager received them
    let after = await sinkSample(cluster.client, jobId, sinks);
    for (let tries = 0; after.atMs - before.atMs < MIN_RATE_WINDOW_MS && tries < 40; tries++) {
      await new Promise((r) => setTimeout(r, 250));
      after = await sinkSample(cluster.client, jobId, sinks);
    }
    row.recordsPerSec = ((after.records - before.records) * 1000) / (after.atMs - before.atMs);
    row.medianDurationMs = median(row.durationsMs);
    await cluster.client.cancel(jobId).catch(() => undefined);
  } catch (error) {
    row.error = error instanceof Error ? error.message : String(error);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return row;
}

export async function runCheckpointBench(o: CheckpointBenchOptions, log: (line: string) => void = () => undefined): Promise<CheckpointBenchResult> {
  const rows: CheckpointBenchRow[] = [];
  for (const costUs of o.costsUs) {
    for (const mode of o.modes) {
      log(`${mode}, ${o.costAt ?? 'sink'} cost ${costUs} µs/record …`);
      rows.push(await measure(mode, costUs, o));
    }
  }
  const aligned = rows.filter((r) => r.mode === 'aligned' && !r.error);
  const lo = aligned.find((r) => r.costUs === Math.min(...o.costsUs));
  const hi = aligned.find((r) => r.costUs === Math.max(...o.costsUs));
  return {
    benchmark: 'checkpoint',
    startedAt: new Date().toISOString(),
    environment: benchEnvironment(),
    options: o,
    rows,
    alignedGrowth: lo && hi ? hi.medianDurationMs / lo.medianDurationMs : NaN,
    alignedOverUnaligned: o.costsUs.flatMap((costUs) => {
      const a = rows.find((r) => r.mode === 'aligned' && r.costUs === costUs && !r.error);
      const u = rows.find((r) => r.mode === 'unaligned' && r.costUs === costUs && !r.error);
      return a && u ? [{ costUs, ratio: a.medianDurationMs / u.medianDurationMs }] : [];
    }),
    timeoutOverUnaligned: o.costsUs.flatMap((costUs) => {
      const u = rows.find((r) => r.mode === 'unaligned' && r.costUs === costUs && !r.error);
      return rows
        .filter((r) => (r.mode === 'timeout-sender' || r.mode === 'timeout-receiver') && r.costUs === costUs && !r.error && u)
        .map((r) => ({ mode: r.mode, costUs, ratio: r.medianDurationMs / u!.medianDurationMs }));
    }),
  };
}

export function renderCheckpointBench(r: CheckpointBenchResult): string {
  return [
    `per-record cost at the ${r.options.costAt ?? 'sink'}`,
    '',
    '| mode | cost µs/record | checkpoint duration p50 (ms) | all (ms) | completed unaligned | max alignment (ms) | persisted channel state | records/s |',
    '|---|---|---|---|---|---|---|---|',
    ...r.rows.map((x) =>
      x.error
        ? `| ${x.mode} | ${x.costUs} | error: ${x.error} | | | | | |`
        : `| ${x.mode} | ${x.costUs} | ${x.medianDurationMs.toFixed(0)} | ${x.durationsMs.map((d) => d.toFixed(0)).join(', ')} | ${x.unalignedCount}/${x.durationsMs.length} | ${x.maxAlignmentMs.toFixed(0)} | ${x.persistedBytes} B | ${x.recordsPerSec.toFixed(0)} |`,
    ),
    '',
    `aligned duration at ${Math.max(...r.options.costsUs)} µs ÷ at ${Math.min(...r.options.costsUs)} µs: ${r.alignedGrowth.toFixed(2)} (S9: grows with the per-record cost)`,
    ...r.alignedOverUnaligned.map((x) => `aligned ÷ unaligned at ${x.costUs} µs: ${x.ratio.toFixed(1)} (S9 target ≥ 10)`),
    ...r.rows
      .filter((x) => x.mode === 'aligned-idle' && !x.error)
      .map((x) => `aligned without backpressure at ${x.costUs} µs (${x.ratePerSec} records/s per source): ${x.medianDurationMs.toFixed(0)} ms (S9: a few ms)`),
    ...r.timeoutOverUnaligned.map(
      (x) =>
        `${x.mode} (aligned-checkpoint-timeout ${r.options.alignedTimeoutMs ?? DEFAULT_ALIGNED_TIMEOUT_MS} ms) ÷ unaligned at ${x.costUs} µs: ${x.ratio.toFixed(1)} (S12: ${x.mode === 'timeout-sender' ? 'target ≤ 3' : 'receiver-only stays near aligned'})`,
    ),
  ].join('\n');
}
