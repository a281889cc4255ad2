/**
 * `flowlab bench memory` (issue 13): memory of TaskManagers held under full backpressure. source-sink at parallelism 1
 * across two TaskManager processes, an unbounded source and a slow sink, for `durationMs` (60 s by default). Every
 * sample reads each TaskManager's resident set (VmRSS in /proc) and its network buffer gauges from its own Prometheus
 * endpoint. Passes when no TaskManager's RSS exceeds its network memory plus a fixed margin and the buffers in use
 * never exceed the pool.
 */
import { readFileSync } from 'node:fs';
import { resolveConfig, type ConfigInput } from '../../core/index.js';
import { LocalCluster } from '../cluster/local-cluster.js';
import { presetJobGraph } from '../job/index.js';
import { numberOfNetworkBuffers } from '../buffer/index.js';
import { benchEnvironment, type BenchEnvironment } from './bench-common.js';

/** What a TaskManager may use beyond its network memory: the Node runtime, code, heap and socket buffers. */
export const MEMORY_MARGIN_BYTES = 192 * 1024 * 1024;
const SAMPLE_INTERVAL_MS = 500;

export interface MemoryBenchOptions {
  durationMs: number;
  /** Sink cost per record, µs: slow enough that the source is back-pressured all the time. */
  sinkCostUs: number;
  config?: ConfigInput;
}

export interface TaskManagerMemory {
  id: string;
  networkMemoryBytes: number;
  totalSegments: number;
  rssAtStartBytes: number;
  maxRssBytes: number;
  /** Largest `UsedMemorySegments` seen. */
  maxUsedSegments: number;
  samples: number;
}

export interface MemoryBenchResult {
  benchmark: 'memory';
  startedAt: string;
  environment: BenchEnvironment;
  options: MemoryBenchOptions;
  marginBytes: number;
  taskManagers: TaskManagerMemory[];
  /** Share of the source's time spent back-pressured over the run (its accumulated counters). */
  sourceBackPressuredFraction: number;
  pass: boolean;
}

/** Resident set size of a process in bytes (Linux /proc); NaN elsewhere. */
export function rssBytesOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** One gauge of a Prometheus text exposition, or NaN. */
function gauge(text: string, name: string): number {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : NaN;
}

export async function runMemoryBench(o: MemoryBenchOptions, log: (line: string) => void = () => undefined): Promise<MemoryBenchResult> {
  const startedAt = new Date().toISOString();
  const config = resolveConfig({ 'rest.port': 0, 'taskmanager.numberOfTaskSlots': 1, ...(o.config ?? {}) });
  const networkMemoryBytes = numberOfNetworkBuffers(config) * config['taskmanager.memory.segment-size'];
  await using cluster = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore' });
  const registered = await cluster.client.awaitTaskManagers(2);
  const tms = cluster.taskManagers.map((tm) => ({
    info: tm,
    metricsUrl: registered.find((r) => r.id === tm.id)?.metricsUrl,
    row: { id: tm.id, networkMemoryBytes, totalSegments: 0, rssAtStartBytes: rssBytesOf(tm.pid), maxRssBytes: 0, maxUsedSegments: 0, samples: 0 },
  }));
  const graph = presetJobGraph('source-sink', 1, { ratePerSec: 0, durationMs: o.durationMs + 1000, keys: 1024, recordSize: { min: 1020, max: 1020 } }, {}, { costUs: o.sinkCostUs });
  for (const v of graph.vertices) if (v.operator === 'sink') v.slotSharingGroup = 'sink';
  log(`source-sink across two TaskManagers, sink ${o.sinkCostUs} µs/record, ${o.durationMs / 1000} s …`);
  const { jobId } = await cluster.client.submitJob(graph);
  const end = Date.now() + o.durationMs;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, SAMPLE_INTERVAL_MS));
    for (const tm of tms) {
      const rss = rssBytesOf(tm.info.pid);
      if (Number.isFinite(rss)) tm.row.maxRssBytes = Math.max(tm.row.maxRssBytes, rss);
      if (tm.metricsUrl) {
        const text = await (await fetch(tm.metricsUrl)).text();
        tm.row.totalSegments = gauge(text, 'flink_taskmanager_Status_Shuffle_Netty_TotalMemorySegments');
        tm.row.maxUsedSegments = Math.max(tm.row.maxUsedSegments, gauge(text, 'flink_taskmanager_Status_Shuffle_Netty_UsedMemorySegments'));
      }
      tm.row.samples++;
    }
  }
  const metrics = await cluster.client.metrics(jobId);
  const source = metrics.tasks.find((t) => t.operator === 'source');
  await cluster.client.cancel(jobId).catch(() => undefined);
  const rows = tms.map((t) => t.row);
  const pass = rows.every((r) => r.maxRssBytes <= r.networkMemoryBytes + MEMORY_MARGIN_BYTES && r.maxUsedSegments <= r.totalSegments && r.totalSegments > 0);
  return {
    benchmark: 'memory',
    startedAt,
    environment: benchEnvironment(),
    options: o,
    marginBytes: MEMORY_MARGIN_BYTES,
    taskManagers: rows,
    sourceBackPressuredFraction: source
      ? source.accumulateBackPressuredTimeMs / (source.accumulateBackPressuredTimeMs + source.accumulateBusyTimeMs + source.accumulateIdleTimeMs)
      : NaN,
    pass,
  };
}

export function renderMemoryBench(r: MemoryBenchResult): string {
  const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return [
    `source back-pressured ${(100 * r.sourceBackPressuredFraction).toFixed(1)} % of the run; margin allowed ${mib(r.marginBytes)}`,
    '',
    '| TaskManager | network memory | RSS at start | max RSS | max RSS − network memory | buffers used (max) / pool | within |',
    '|---|---|---|---|---|---|---|',
    ...r.taskManagers.map(
      (t) =>
        `| ${t.id} | ${mib(t.networkMemoryBytes)} | ${mib(t.rssAtStartBytes)} | ${mib(t.maxRssBytes)} | ${mib(t.maxRssBytes - t.networkMemoryBytes)} | ${t.maxUsedSegments} / ${t.totalSegments} | ${t.maxRssBytes <= t.networkMemoryBytes + r.marginBytes && t.maxUsedSegments <= t.totalSegments ? 'yes' : 'NO'} |`,
    ),
  ].join('\n');
}
