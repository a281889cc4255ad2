/**
 * `npm run bench:cluster`: the `source-sink` job (parallelism 2, rebalance: each sink reads one local and one
 * remote channel) across two TaskManager processes, unbounded sources, against the raw socket pipe of
 * `bench:network` measured in the same run (ABAB…, medians), plus CPU seconds per process.
 */
import { resolveConfig, type ConfigInput } from '../../core/index.js';
import { LocalCluster } from '../cluster/local-cluster.js';
import { presetJobGraph } from '../job/index.js';
import type { JobManagerClient, JobMetrics } from '../cluster/rest-client.js';
import { rawPipe, type BenchOptions } from './network-bench.js';
import { benchEnvironment, cpuSecondsOf, median, type BenchEnvironment } from './bench-common.js';

export interface ClusterBenchOptions extends BenchOptions {
  recordBytes: number;
  /**
   * Source and sink parallelism. 1 puts the sink in its own slot sharing group, so the one channel crosses from one
   * TaskManager to the other (issue 13's product-level case); 2 gives each sink one local and one remote channel.
   * @default 2
   */
  parallelism?: number;
  config?: ConfigInput;
}

/** Issue 13's product-level target: source-sink at parallelism 1 across two TaskManagers ÷ raw pipe, bytes/s. */
export const CLUSTER_BENCH_TARGET = 0.7;

export interface ProcessCpu {
  process: string;
  cpuSeconds: number;
}

export interface ClusterBenchResult {
  benchmark: 'cluster';
  startedAt: string;
  environment: BenchEnvironment;
  options: ClusterBenchOptions;
  flowlab: { recordsPerSec: number; bytesPerSec: number; samples: Array<{ recordsPerSec: number; bytesPerSec: number }> };
  rawPipe: { recordsPerSec: number; bytesPerSec: number; samples: Array<{ recordsPerSec: number; bytesPerSec: number }> };
  ratios: { records: number; bytes: number };
  /** CPU seconds per process over the last flowlab round (whole round, start to stop). */
  cpu: ProcessCpu[];
  exactlyOnce: { lost: number; duplicated: number };
  /** TaskManager of each source and sink subtask in the last round. */
  placement: { source: string[]; sink: string[] };
}


async function sinkTotals(client: JobManagerClient, jobId: string): Promise<{ records: number; bytes: number; metrics: JobMetrics }> {
  const metrics = await client.metrics(jobId);
  const bytes = metrics.tasks.filter((t) => t.operator === 'sink').reduce((s, t) => s + t.numBytesIn, 0);
  return { records: metrics.aggregate.sinkRecordsIn, bytes, metrics };
}

interface RoundResult {
  recordsPerSec: number;
  bytesPerSec: number;
  cpu: ProcessCpu[];
  lost: number;
  duplicated: number;
  placement: { source: string[]; sink: string[] };
}

async function flowlabRound(o: ClusterBenchOptions): Promise<RoundResult> {
  const config = resolveConfig({ 'rest.port': 0, 'taskmanager.numberOfTaskSlots': 1, ...(o.config ?? {}) });
  await using cluster = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore' });
  await cluster.client.awaitTaskManagers(2);
  const parallelism = o.parallelism ?? 2;
  const graph = presetJobGraph('source-sink', parallelism, {
    ratePerSec: 0,
    durationMs: o.warmupMs + o.durationMs + 500,
    keys: 1024,
    recordSize: { min: o.recordBytes - 4, max: o.recordBytes - 4 },
  });
  // one slot per TaskManager: a sink in its own group lands on the other TaskManager, so its channel is remote
  if (parallelism === 1) for (const v of graph.vertices) if (v.operator === 'sink') v.slotSharingGroup = 'sink';
  const { jobId } = await cluster.client.submitJob(graph);
  await new Promise((r) => setTimeout(r, o.warmupMs));
  const a = await sinkTotals(cluster.client, jobId);
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, o.durationMs));
  const b = await sinkTotals(cluster.client, jobId);
  const elapsed = Date.now() - t0;
  for (;;) {
    const job = await cluster.client.job(jobId);
    if (job.state !== 'RUNNING' && job.state !== 'CREATED') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const final = await cluster.client.metrics(jobId);
  const cpu = cluster.processes.map((p) => ({ process: p.id, cpuSeconds: cpuSecondsOf(p.pid) }));
  const placedOn = (operator: string): string[] => final.tasks.filter((t) => t.operator === operator).map((t) => t.taskManager ?? '?');
  return {
    placement: { source: placedOn('source'), sink: placedOn('sink') },
    recordsPerSec: ((b.records - a.records) * 1000) / elapsed,
    bytesPerSec: ((b.bytes - a.bytes) * 1000) / elapsed,
    cpu,
    lost: final.aggregate.sourceRecordsOut - final.aggregate.sinkRecordsIn,
    duplicated: final.aggregate.sinkDuplicated,
  };
}

export async function runClusterBench(o: ClusterBenchOptions, log: (line: string) => void = () => undefined): Promise<ClusterBenchResult> {
  const startedAt = new Date().toISOString();
  const flow: Array<{ recordsPerSec: number; bytesPerSec: number }> = [];
  const raw: Array<{ recordsPerSec: number; bytesPerSec: number }> = [];
  let last: RoundResult | undefined;
  for (let i = 0; i < o.rounds; i++) {
    log(`round ${i + 1}/${o.rounds}: raw pipe with ${o.recordBytes}-byte records …`);
    const r = await rawPipe(o.recordBytes, o);
    raw.push({ recordsPerSec: (r.records * 1000) / r.elapsedMs, bytesPerSec: (r.bytes * 1000) / r.elapsedMs });
    log(`round ${i + 1}/${o.rounds}: flowlab source-sink on two TaskManagers …`);
    last = await flowlabRound(o);
    flow.push({ recordsPerSec: last.recordsPerSec, bytesPerSec: last.bytesPerSec });
  }
  const flowlab = { recordsPerSec: median(flow.map((f) => f.recordsPerSec)), bytesPerSec: median(flow.map((f) => f.bytesPerSec)), samples: flow };
  const rawPipeFigures = { recordsPerSec: median(raw.map((f) => f.recordsPerSec)), bytesPerSec: median(raw.map((f) => f.bytesPerSec)), samples: raw };
  return {
    benchmark: 'cluster',
    startedAt,
    environment: benchEnvironment(),
    options: o,
    flowlab,
    rawPipe: rawPipeFigures,
    ratios: { records: flowlab.recordsPerSec / rawPipeFigures.recordsPerSec, bytes: flowlab.bytesPerSec / rawPipeFigures.bytesPerSec },
    cpu: last?.cpu ?? [],
    exactlyOnce: { lost: last?.lost ?? NaN, duplicated: last?.duplicated ?? NaN },
    placement: last?.placement ?? { source: [], sink: [] },
  };
}

export function renderClusterBench(r: ClusterBenchResult): string {
  const f = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(1));
  return [
    `source-sink, parallelism ${r.options.parallelism ?? 2} on two TaskManagers${(r.options.parallelism ?? 2) === 1 ? ' (the channel crosses them)' : ''}`,
    '',
    '| measure | flowlab (2 TMs) | raw pipe | ratio |',
    '|---|---|---|---|',
    `| records/s (${r.options.recordBytes}-byte records) | ${f(r.flowlab.recordsPerSec)} | ${f(r.rawPipe.recordsPerSec)} | ${r.ratios.records.toFixed(2)} |`,
    `| bytes/s | ${f(r.flowlab.bytesPerSec)} | ${f(r.rawPipe.bytesPerSec)} | ${r.ratios.bytes.toFixed(2)} |`,
    ...((r.options.parallelism ?? 2) === 1 ? ['', `bytes/s ratio target (issue 13): ≥ ${CLUSTER_BENCH_TARGET}: ${r.ratios.bytes >= CLUSTER_BENCH_TARGET ? 'met' : 'NOT met'}`] : []),
    '',
    '| process | CPU seconds (last round) |',
    '|---|---|',
    ...r.cpu.map((c) => `| ${c.process} | ${c.cpuSeconds.toFixed(2)} |`),
    '',
    `exactly-once in the last round: lost ${r.exactlyOnce.lost}, duplicated ${r.exactlyOnce.duplicated}`,
  ].join('\n');
}
