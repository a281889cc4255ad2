/**
 * `npm run bench:debloat` (published shapes S10, S11, S13): S9's `source →rebalance→ map →rebalance→ slow sink` at
 * parallelism 2 on two TaskManagers with unbounded sources, checkpoints triggered over REST once backpressure (and the
 * debloated sizes) have settled. Every figure comes from this one run, side by side:
 *
 * - S10: aligned checkpoint duration with debloating (target 300 ms, period 200 ms) against S9's figures without it,
 *   at two per-record costs 5× apart and at a very slow sink where the 256 B floor binds; every logged recalculation
 *   recomputed from its inputs; changes under the threshold not announced.
 * - S11: persisted channel state of unaligned checkpoints with and without debloating, against 32 KiB ÷ debloated size.
 * - S13: `source → flatMap (one input → several 256 B buffers) → slow sink`, buffers debloated to 256 B, unaligned
 *   checkpoints with 5 overdraft buffers against 0.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, type ConfigInput } from '../../core/index.js';
import { LocalCluster } from '../cluster/local-cluster.js';
import { presetJobGraph, type FlatMapParams, type JobGraphSpec } from '../job/index.js';
import type { CheckpointView, JobManagerClient, JobMetrics } from '../cluster/rest-client.js';
import { bufferDebloatConfiguration, type BufferDebloatConfiguration, type DebloatSample } from '../throughput/index.js';
import { benchEnvironment, median, type BenchEnvironment } from './bench-common.js';
import { debloatChecks, fmt } from './debloat-checks.js';

export type DebloatShape = 'S10' | 'S11' | 'S13';

export interface DebloatCase {
  /** Stable key, e.g. `s10-on-1000`. */
  id: string;
  shape: DebloatShape;
  unaligned: boolean;
  debloat: boolean;
  sinkCostUs: number;
  /** S13: a flat map between source and sink instead of S9's map. */
  flatMap?: FlatMapParams;
  /** Flink keys on top of the case's defaults. */
  config?: ConfigInput;
  /** Checkpoints of this case (default: the bench's). */
  checkpoints?: number;
}

export interface DebloatBenchOptions {
  cases: DebloatCase[];
  /** Checkpoints per case, one after the other. */
  checkpoints: number;
  /** Time for backpressure to build before anything is measured (ms). */
  settleMs: number;
  /** With debloating: how long to wait at most for the sizes to settle after `settleMs` (ms). */
  maxConvergeMs: number;
  /**
   * With debloating, one checkpoint first that is not counted: the buffers cut at earlier, larger sizes are still
   * queued when the sizes have settled (at a floor-bound 20 ms sink, for ~10 s), and an aligned barrier drains them.
   */
  warmupCheckpoint: boolean;
  /** `buffer-debloat.target` of the S10/S11 debloat cases (ms). */
  targetMs: number;
}

export interface DebloatCaseResult {
  case: DebloatCase;
  durationsMs: number[];
  medianDurationMs: number;
  unalignedCount: number;
  persistedBytes: number[];
  medianPersistedBytes: number;
  /** Mean debloated size over the subtasks with an input, sampled before each checkpoint (bytes). */
  meanDebloatedBytes: number;
  /** Smallest debloated size any subtask reported before a checkpoint. */
  minDebloatedBytes: number;
  /**
   * Bytes per finished output buffer of the tasks with an output, over a window without checkpoints just before them
   * (barriers finish buffers early): the size buffers were actually cut at.
   */
  bytesPerBufferOut: number;
  /** Duration of the uncounted warm-up checkpoint, if one was taken (ms). */
  warmupDurationMs?: number;
  /**
   * Per vertex with an input, over the recalculations logged while checkpoints were taken: Σ(size in effect × buffers in
   * use) ÷ Σ throughput, in ms — the gates' estimatedTimeToConsumeBuffersMs as a ratio of sums, so that a period in which
   * a slow task took no buffer at all (throughput 0) does not make it infinite.
   */
  estimatedTimeMsByVertex: Record<string, number>;
  /** Every recalculation logged by the gates during the case (deduplicated). */
  samples: Array<DebloatSample & { task: string }>;
  recordsPerSec: number;
  error?: string;
}

export interface DebloatCheck {
  shape: DebloatShape;
  figure: string;
  model: string;
  measured: string;
  criterion: string;
  pass: boolean;
}

export interface DebloatBenchResult {
  benchmark: 'debloat';
  startedAt: string;
  environment: BenchEnvironment;
  options: DebloatBenchOptions;
  results: DebloatCaseResult[];
  checks: DebloatCheck[];
}

const BYTES_OUT_WINDOW_MS = 2200;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The default case list: S10 (off/on at 200 and 1000 µs, on at 20 ms), S11 (UC off/on at 200 µs), S13 (overdraft 0/5). */
export function defaultDebloatCases(
  options: { targetMs: number; costsUs?: [number, number]; floorCostUs?: number; s13CostUs?: number; s13Checkpoints?: number; s13Rounds?: number } = { targetMs: 300 },
): DebloatCase[] {
  const [lo, hi] = options.costsUs ?? [200, 1000];
  const floor = options.floorCostUs ?? 20_000;
  const s13Cost = options.s13CostUs ?? 10_000;
  // the stall a barrier meets depends on where in a step it arrives, and the shared machine's load drifts: the two
  // variants alternate (ABAB…) and their checkpoints are pooled
  const s13Checkpoints = options.s13Checkpoints ?? 5;
  const s13Rounds = options.s13Rounds ?? 3;
  const target = { 'taskmanager.network.memory.buffer-debloat.target': options.targetMs };
  // one input → 40 records of 28 B (32 B with the length) = 1280 B ≈ 5 buffers of 256 B: what 5 overdraft buffers absorb;
  // small records make each of those buffers worth 8 records of the slow sink
  const flatMap: FlatMapParams = { fanOut: 40, recordSize: 28, costUs: 0 };
  // S13: buffers debloated to the 256 B floor from the start (starting size 256 B, a target no throughput here reaches)
  const at256: ConfigInput = { 'taskmanager.memory.starting-segment-size': '256b', 'taskmanager.network.memory.buffer-debloat.target': '1 ms' };
  return [
    { id: `s10-off-${lo}`, shape: 'S10', unaligned: false, debloat: false, sinkCostUs: lo },
    { id: `s10-off-${hi}`, shape: 'S10', unaligned: false, debloat: false, sinkCostUs: hi },
    { id: `s10-on-${lo}`, shape: 'S10', unaligned: false, debloat: true, sinkCostUs: lo, config: target },
    { id: `s10-on-${hi}`, shape: 'S10', unaligned: false, debloat: true, sinkCostUs: hi, config: target },
    { id: `s10-on-${floor}`, shape: 'S10', unaligned: false, debloat: true, sinkCostUs: floor, config: target },
    { id: `s11-off-${lo}`, shape: 'S11', unaligned: true, debloat: false, sinkCostUs: lo },
    { id: `s11-on-${lo}`, shape: 'S11', unaligned: true, debloat: true, sinkCostUs: lo, config: target },
    ...Array.from({ length: s13Rounds }, (_, round) =>
      [0, 5].map(
        (overdraft): DebloatCase => ({
          id: `s13-overdraft-${overdraft}-r${round + 1}`,
          shape: 'S13',
          unaligned: true,
          debloat: true,
          sinkCostUs: s13Cost,
          flatMap,
          checkpoints: s13Checkpoints,
          config: { ...at256, 'taskmanager.network.memory.max-overdraft-buffers-per-gate': overdraft },
        }),
      ),
    ).flat(),
  ];
}

function jobGraph(c: DebloatCase): JobGraphSpec {
  const source = { ratePerSec: 0, durationMs: 600_000, keys: 256 };
  if (!c.flatMap) return presetJobGraph('source-map-sink', 2, source, {}, { costUs: c.sinkCostUs });
  return {
    name: 'source-flatmap-sink',
    vertices: [
      { id: 'source', operator: 'source', parallelism: 2, source },
      { id: 'flatMap', operator: 'flatMap', parallelism: 2, flatMap: c.flatMap },
      { id: 'sink', operator: 'sink', parallelism: 2, sink: { costUs: c.sinkCostUs } },
    ],
    edges: [
      { from: 'source', to: 'flatMap', partitioner: 'rebalance' },
      { from: 'flatMap', to: 'sink', partitioner: 'rebalance' },
    ],
  };
}

type Task = JobMetrics['tasks'][number];
const withInput = (m: JobMetrics): Task[] => m.tasks.filter((t) => t.operator !== 'source');

/** Every task with an input reports an estimate near the target, or sits at the floor. */
function converged(m: JobMetrics, c: BufferDebloatConfiguration): boolean {
  const tasks = withInput(m);
  return (
    tasks.length > 0 &&
    tasks.every((t) => {
      const size = t.debloatedBufferSize;
      const est = t.estimatedTimeToConsumeBuffersMs;
      if (size === undefined || est === undefined || (t.debloatSamples?.length ?? 0) < 5) return false;
      return size <= c.minBufferSize || (est > c.targetMs / 1.5 && est < c.targetMs * 1.5);
    })
  );
}

/** Σ numBytesOut and numBuffersOut over the tasks with an output. */
function bytesOut(m: JobMetrics): { bytes: number; buffers: number } {
  let bytes = 0;
  let buffers = 0;
  for (const t of m.tasks) {
    if (t.operator === 'sink') continue;
    bytes += t.numBytesOut;
    buffers += t.numBuffersOut;
  }
  return { bytes, buffers };
}

async function sinkRecords(client: JobManagerClient, jobId: string): Promise<{ records: number; atMs: number }> {
  const m = await client.metrics(jobId);
  const times = m.tasks.filter((t) => t.operator === 'sink' && t.receivedAtMs !== undefined).map((t) => t.receivedAtMs);
  return { records: m.aggregate.sinkRecordsIn, atMs: times.length > 0 ? Math.min(...times) : Date.now() };
}

async function measureCase(c: DebloatCase, o: DebloatBenchOptions): Promise<DebloatCaseResult> {
  const dir = await mkdtemp(join(tmpdir(), 'flowlab-debloat-bench-'));
  const r: DebloatCaseResult = {
    case: c,
    durationsMs: [],
    medianDurationMs: NaN,
    unalignedCount: 0,
    persistedBytes: [],
    medianPersistedBytes: NaN,
    meanDebloatedBytes: NaN,
    minDebloatedBytes: NaN,
    bytesPerBufferOut: NaN,
    estimatedTimeMsByVertex: {},
    samples: [],
    recordsPerSec: 0,
  };
  const seen = new Set<string>();
  const sizes: number[] = [];
  let phaseStartMs = Infinity;
  const collect = (m: JobMetrics): void => {
    for (const t of withInput(m)) {
      for (const s of t.debloatSamples ?? []) {
        const key = `${t.vertexId}#${t.subtaskIndex}#${t.attemptId ?? ''}#${s.atMs}`;
        if (seen.has(key)) continue;
        seen.add(key);
        r.samples.push({ ...s, task: `${t.vertexId}#${t.subtaskIndex}` });
      }
    }
  };
  try {
    const config = resolveConfig({
      'rest.port': 0,
      'taskmanager.numberOfTaskSlots': 2,
      'execution.checkpointing.dir': dir,
      'execution.checkpointing.unaligned': c.unaligned,
      'execution.checkpointing.timeout': '180 s',
      'taskmanager.network.memory.buffer-debloat.enabled': c.debloat,
      ...c.config,
    });
    const debloat = bufferDebloatConfiguration(config);
    await using cluster = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore' });
    while ((await cluster.client.taskManagers()).length < 2) await sleep(50);
    const { jobId } = await cluster.client.submitJob(jobGraph(c));
    await sleep(o.settleMs);
    if (debloat) {
      const deadline = Date.now() + o.maxConvergeMs;
      for (;;) {
        const m = await cluster.client.metrics(jobId);
        collect(m);
        if (converged(m, debloat) || Date.now() > deadline) break;
        await sleep(250);
      }
    }
    const checkpoint = async (): Promise<CheckpointView> => {
      const { checkpointId } = await cluster.client.triggerCheckpoint(jobId);
      let done: CheckpointView | undefined;
      while (!done) {
        await sleep(20);
        done = (await cluster.client.checkpoints(jobId)).history.find((h) => h.id === checkpointId && h.status !== 'IN_PROGRESS');
      }
      if (done.status !== 'COMPLETED') throw new Error(`checkpoint ${checkpointId} failed: ${done.failureReason ?? ''}`);
      return done;
    };
    if (debloat && o.warmupCheckpoint) r.warmupDurationMs = (await checkpoint()).durationMs ?? NaN;
    // reports come every second: a window of a little more than two
    const outBefore = bytesOut(await cluster.client.metrics(jobId));
    await sleep(BYTES_OUT_WINDOW_MS);
    const outAfter = bytesOut(await cluster.client.metrics(jobId));
    r.bytesPerBufferOut = (outAfter.bytes - outBefore.bytes) / (outAfter.buffers - outBefore.buffers);
    const before = await sinkRecords(cluster.client, jobId);
    phaseStartMs = Date.now();
    for (let i = 0; i < (c.checkpoints ?? o.checkpoints); i++) {
      const m = await cluster.client.metrics(jobId);
      collect(m);
      for (const t of withInput(m)) if (t.debloatedBufferSize !== undefined) sizes.push(t.debloatedBufferSize);
      const done = await checkpoint();
      r.durationsMs.push(done.durationMs ?? NaN);
      r.persistedBytes.push(done.persistedChannelStateBytes);
      if (done.unaligned) r.unalignedCount++;
    }
    collect(await cluster.client.metrics(jobId));
    let after = await sinkRecords(cluster.client, jobId);
    for (let tries = 0; after.atMs - before.atMs < 2000 && tries < 20; tries++) {
      await sleep(250);
      after = await sinkRecords(cluster.client, jobId);
    }
    r.recordsPerSec = after.atMs > before.atMs ? ((after.records - before.records) * 1000) / (after.atMs - before.atMs) : NaN;
    await cluster.client.cancel(jobId).catch(() => undefined);
  } catch (error) {
    r.error = error instanceof Error ? error.message : String(error);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  r.medianDurationMs = median(r.durationsMs);
  r.medianPersistedBytes = median(r.persistedBytes);
  r.meanDebloatedBytes = sizes.length > 0 ? sizes.reduce((a, b) => a + b, 0) / sizes.length : NaN;
  r.minDebloatedBytes = sizes.length > 0 ? Math.min(...sizes) : NaN;
  r.estimatedTimeMsByVertex = estimatedTimeByVertex(r.samples, phaseStartMs);
  return r;
}

/** See {@link DebloatCaseResult.estimatedTimeMsByVertex}; all samples if none was logged after `sinceMs`. */
function estimatedTimeByVertex(samples: DebloatCaseResult['samples'], sinceMs: number): Record<string, number> {
  const inPhase = samples.filter((s) => s.atMs >= sinceMs);
  const sums = new Map<string, { bytes: number; throughput: number }>();
  for (const s of inPhase.length > 0 ? inPhase : samples) {
    const vertex = s.task.split('#')[0]!;
    const sum = sums.get(vertex) ?? { bytes: 0, throughput: 0 };
    sum.bytes += (s.announced ? s.newSize : s.lastAnnouncedBefore) * Math.max(1, s.buffersInUse);
    sum.throughput += s.throughputBytesPerSec;
    sums.set(vertex, sum);
  }
  return Object.fromEntries([...sums].map(([v, x]) => [v, (x.bytes * 1000) / Math.max(1, x.throughput)]));
}

export async function runDebloatBench(o: DebloatBenchOptions, log: (line: string) => void = () => undefined): Promise<DebloatBenchResult> {
  const results: DebloatCaseResult[] = [];
  for (const c of o.cases) {
    log(`${c.id}: ${c.unaligned ? 'unaligned' : 'aligned'}, debloat ${c.debloat ? 'on' : 'off'}, sink ${c.sinkCostUs} µs/record …`);
    const r = await measureCase(c, o);
    log(`  ${r.error ? `error: ${r.error}` : `checkpoints ${r.durationsMs.map((d) => d.toFixed(0)).join(', ')} ms, debloated ≈ ${fmt(r.meanDebloatedBytes)} B`}`);
    results.push(r);
  }
  return { benchmark: 'debloat', startedAt: new Date().toISOString(), environment: benchEnvironment(), options: o, results, checks: debloatChecks(results, o.targetMs) };
}

export function renderDebloatBench(r: DebloatBenchResult): string {
  const caseRow = (x: DebloatCaseResult): string => {
    const c = x.case;
    const est = Object.entries(x.estimatedTimeMsByVertex)
      .map(([v, ms]) => `${v} ${fmt(ms)}`)
      .join(', ');
    const mode = `${c.unaligned ? 'UC' : 'AC'}${c.debloat ? ', debloat' : ''}${c.flatMap ? `, flatMap ×${c.flatMap.fanOut}` : ''}${c.config?.['taskmanager.network.memory.max-overdraft-buffers-per-gate'] !== undefined ? `, overdraft ${String(c.config['taskmanager.network.memory.max-overdraft-buffers-per-gate'])}` : ''}`;
    if (x.error) return `| ${c.id} | ${mode} | ${c.sinkCostUs} | error: ${x.error} | | | | | | |`;
    const warmup = x.warmupDurationMs !== undefined ? ` (warm-up ${fmt(x.warmupDurationMs)})` : '';
    return `| ${c.id} | ${mode} | ${c.sinkCostUs} | ${fmt(x.medianDurationMs)} | ${x.durationsMs.map((d) => fmt(d)).join(', ')}${warmup} | ${fmt(x.medianPersistedBytes)} | ${c.debloat ? `${fmt(x.meanDebloatedBytes)} (min ${fmt(x.minDebloatedBytes)})` : '-'} | ${fmt(x.bytesPerBufferOut)} | ${est || '-'} | ${fmt(x.recordsPerSec)} |`;
  };
  return [
    `S9 topology (source →rebalance→ map →rebalance→ slow sink, parallelism 2, 2 TaskManagers, unbounded sources); debloat target ${r.options.targetMs} ms, period 200 ms, samples 20, threshold 25 %`,
    '',
    '| case | mode | sink µs/record | checkpoint p50 (ms) | all (ms) | persisted channel state p50 (B) | announced size (B) | bytes per buffer out | est. time to consume per gate (ms) | records/s |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...r.results.map(caseRow),
    '',
    '| shape | figure | model | measured | criterion | pass |',
    '|---|---|---|---|---|---|',
    ...r.checks.map((c) => `| ${c.shape} | ${c.figure} | ${c.model} | ${c.measured} | ${c.criterion} | ${c.pass ? 'PASS' : 'FAIL'} |`),
    '',
    'One size per input gate, announced to all of its channels (Flink 1.15+): the sink and map gates here each read a local and a remote channel with one size; inputs of different rates would share it (the tuning guide\'s multiple-inputs limitation).',
  ].join('\n');
}
