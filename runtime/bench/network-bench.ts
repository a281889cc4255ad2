/**
 * `npm run bench:network`: flowlab's data plane between two OS processes on loopback, every figure a ratio against
 * a raw Node socket pipe measured in the same run on the same machine.
 *   (a) bytes/s, 1 channel, 32 KiB buffers, 1 KiB records, buffer timeout 100 ms ÷ raw pipe with 32 KiB writes
 *   (b) records/s, 100-byte records ÷ raw pipe writing the same records in 32 KiB batches (receiver parses them)
 *   (c) (a) with 100 channels on one connection ÷ (a)
 *   (d) p99 record latency at buffer timeout 0, light load ÷ raw 1-byte ping-pong p99 (round trip)
 *   (e) (a) over internal TLS (mutual authentication, a run-scoped pair) ÷ (a) in plaintext (spec S17)
 *   (f) (c) over internal TLS ÷ (c) in plaintext
 * Each case alternates baseline and flowlab runs (ABAB…, --rounds, default 3) and compares medians, so load from
 * other processes on a shared machine hits both sides alike.
 * Run it with `flowlab bench network` (flags there).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig, serializeConfig, type ConfigInput } from '../../core/index.js';
import type { WorkerParams, WorkerReport } from './bench-worker.js';
import { benchEnvironment, median, type BenchEnvironment } from './bench-common.js';
import { generateRunScopedPair } from '../security/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const WORKER = join(here, 'bench-worker.js');

export interface BenchOptions {
  durationMs: number;
  warmupMs: number;
  /** Alternating baseline/flowlab repetitions per case; the ratio is of the medians. */
  rounds: number;
  /** Cases to run (a, b, c, d, e, f); all when undefined. */
  only?: string[];
}

interface Worker {
  child: ChildProcess;
  next(): Promise<Record<string, unknown>>;
  send(message: unknown): void;
}

function spawnWorker(params: Partial<WorkerParams> & Pick<WorkerParams, 'role'>): Worker {
  const full: WorkerParams = { recordBytes: 0, ratePerSec: 0, channels: 1, config: serializeConfig(resolveConfig({})), ...params };
  const execArgv = process.env['FLOWLAB_BENCH_PROFILE_DIR'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['FLOWLAB_BENCH_PROFILE_DIR']}`] : [];
  const child = fork(WORKER, [JSON.stringify(full)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const inbox: Record<string, unknown>[] = [];
  const waiting: Array<(m: Record<string, unknown>) => void> = [];
  child.on('message', (m: Record<string, unknown>) => {
    const w = waiting.shift();
    if (w) w(m);
    else inbox.push(m);
  });
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) for (const w of waiting.splice(0)) w({ error: `worker ${params.role} exited with ${code}` });
  });
  return {
    child,
    next: () =>
      new Promise((resolve, reject) => {
        const m = inbox.shift();
        if (m) resolve(m);
        else
          waiting.push((msg) => {
            if (typeof msg['error'] === 'string') reject(new Error(msg['error']));
            else resolve(msg);
          });
      }),
    send: (message) => child.send(message as object),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function finish(workers: Worker[]): Promise<void> {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.child.exitCode !== null) return resolve();
          const t = setTimeout(() => {
            w.child.kill('SIGKILL');
            resolve();
          }, 3000);
          w.child.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
        }),
    ),
  );
}

/** Raw pipe: a sink process and a source process; returns the sink's window. */
export async function rawPipe(recordBytes: number, o: BenchOptions): Promise<WorkerReport> {
  const sink = spawnWorker({ role: 'raw-sink', recordBytes });
  const { port } = (await sink.next()) as { port: number };
  const source = spawnWorker({ role: 'raw-source', recordBytes });
  await source.next();
  source.send({ cmd: 'start', port });
  await sleep(o.warmupMs);
  sink.send({ cmd: 'mark' });
  await sleep(o.durationMs);
  sink.send({ cmd: 'stop' });
  const { report } = (await sink.next()) as { report: WorkerReport };
  source.send({ cmd: 'stop' });
  await finish([sink, source]);
  return report;
}

export async function rawPingPong(o: BenchOptions): Promise<WorkerReport> {
  const pong = spawnWorker({ role: 'raw-pong' });
  const { port } = (await pong.next()) as { port: number };
  const ping = spawnWorker({ role: 'raw-ping' });
  await ping.next();
  ping.send({ cmd: 'start', port });
  await sleep(o.warmupMs);
  ping.send({ cmd: 'mark' });
  await sleep(o.durationMs);
  ping.send({ cmd: 'stop' });
  const { report } = (await ping.next()) as { report: WorkerReport };
  pong.send({ cmd: 'stop' });
  await finish([ping, pong]);
  return report;
}

/** flowlab: producer and consumer TaskManager network stacks in two processes. */
export async function runtimePipe(
  spec: { recordBytes: number; channels: number; ratePerSec: number; config: ConfigInput; latency?: boolean },
  o: BenchOptions,
): Promise<WorkerReport> {
  const config = serializeConfig(resolveConfig(spec.config));
  const base = { recordBytes: spec.recordBytes, channels: spec.channels, ratePerSec: spec.ratePerSec, config, latency: spec.latency ?? false };
  const producer = spawnWorker({ role: 'producer', ...base });
  const { port, partitionId } = (await producer.next()) as { port: number; partitionId: unknown };
  const consumer = spawnWorker({ role: 'consumer', ...base });
  await consumer.next();
  consumer.send({ cmd: 'start', port, partitionId });
  await consumer.next(); // gate set up
  producer.send({ cmd: 'start' });
  await sleep(o.warmupMs);
  consumer.send({ cmd: 'mark' });
  await sleep(o.durationMs);
  consumer.send({ cmd: 'stop' });
  const { report } = (await consumer.next()) as { report: WorkerReport };
  producer.send({ cmd: 'stop' });
  await producer.next();
  await finish([consumer, producer]);
  return report;
}

const perSec = (count: number, ms: number): number => (ms > 0 ? (count * 1000) / ms : 0);

export interface BenchRow {
  name: string;
  measure: string;
  flowlab: number;
  baseline: number;
  ratio: number;
  target: string;
  met: boolean;
  samples: { baseline: number[]; flowlab: number[] };
}

export interface NetworkBenchResult {
  benchmark: 'network';
  startedAt: string;
  environment: BenchEnvironment;
  options: BenchOptions;
  rows: BenchRow[];
}

/** Runs baseline and flowlab alternately `rounds` times (ABAB…) and keeps every figure. */
async function interleaved(rounds: number, baseline: () => Promise<number>, flowlab: () => Promise<number>): Promise<{ baseline: number[]; flowlab: number[] }> {
  const out = { baseline: [] as number[], flowlab: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    out.baseline.push(await baseline());
    out.flowlab.push(await flowlab());
  }
  return out;
}

function row(name: string, measure: string, figures: { baseline: number[]; flowlab: number[] }, target: string, met: (ratio: number) => boolean): BenchRow {
  const flowlab = median(figures.flowlab);
  const baseline = median(figures.baseline);
  const ratio = flowlab / baseline;
  return { name, measure, flowlab, baseline, ratio, target, met: met(ratio), samples: figures };
}

export async function runNetworkBench(o: BenchOptions, log: (line: string) => void = () => undefined): Promise<NetworkBenchResult> {
  const rows: BenchRow[] = [];
  const startedAt = new Date().toISOString();
  const throughputConfig: ConfigInput = { 'taskmanager.memory.segment-size': '32kb', 'execution.buffer-timeout': '100 ms' };
  const want = (name: string): boolean => o.only === undefined || o.only.includes(name);

  let aFigures: { baseline: number[]; flowlab: number[] } | undefined;
  if (want('a') || want('c')) {
    log('(a) raw pipe with 32 KiB writes vs flowlab, 1 channel, 1 KiB records …');
    aFigures = await interleaved(
      o.rounds,
      async () => {
        const r = await rawPipe(0, o);
        return perSec(r.bytes, r.elapsedMs);
      },
      async () => {
        const r = await runtimePipe({ recordBytes: 1024, channels: 1, ratePerSec: 0, config: throughputConfig }, o);
        return perSec(r.bytes, r.elapsedMs);
      },
    );
    if (want('a')) rows.push(row('a', 'bytes/s, 1 channel, 1 KiB records ÷ raw pipe', aFigures, '≥ 0.85', (r) => r >= 0.85));
  }
  if (want('b')) {
    log('(b) raw pipe with batched 100-byte records vs flowlab …');
    const figures = await interleaved(
      o.rounds,
      async () => {
        const r = await rawPipe(100, o);
        return perSec(r.records, r.elapsedMs);
      },
      async () => {
        const r = await runtimePipe({ recordBytes: 100, channels: 1, ratePerSec: 0, config: throughputConfig }, o);
        return perSec(r.records, r.elapsedMs);
      },
    );
    rows.push(row('b', 'records/s, 100-byte records ÷ raw pipe', figures, '≥ 0.5', (r) => r >= 0.5));
  }
  if (want('c') && aFigures) {
    log('(c) flowlab, 100 channels on one connection vs 1 channel …');
    const single = aFigures.flowlab;
    const hundred: number[] = [];
    for (let i = 0; i < o.rounds; i++) {
      const r = await runtimePipe({ recordBytes: 1024, channels: 100, ratePerSec: 0, config: throughputConfig }, o);
      hundred.push(perSec(r.bytes, r.elapsedMs));
    }
    rows.push(row('c', 'bytes/s, 100 channels ÷ 1 channel (a)', { baseline: single, flowlab: hundred }, '≥ 0.8', (r) => r >= 0.8));
  }
  if (want('d')) {
    log('(d) raw 1-byte ping-pong vs flowlab at buffer timeout 0, 1000 records/s …');
    const figures = await interleaved(
      o.rounds,
      async () => (await rawPingPong(o)).latencyUs?.p99 ?? NaN,
      async () =>
        (
          await runtimePipe(
            { recordBytes: 100, channels: 1, ratePerSec: 1000, latency: true, config: { 'execution.buffer-timeout': '0 ms' } },
            o,
          )
        ).latencyUs?.p99 ?? NaN,
    );
    rows.push(row('d', 'p99 record latency µs (timeout 0) ÷ ping-pong p99 round trip', figures, '≤ 3', (r) => r <= 3));
  }
  if (want('e') || want('f')) {
    await using pair = await generateRunScopedPair();
    const tlsConfig: ConfigInput = { ...throughputConfig, 'security.ssl.internal.enabled': true, ...pair.config };
    for (const [name, channels] of [
      ['e', 1],
      ['f', 100],
    ] as const) {
      if (!want(name)) continue;
      log(`(${name}) flowlab over internal TLS vs plaintext, ${channels} channel${channels > 1 ? 's' : ''}, 1 KiB records …`);
      const figures = await interleaved(
        o.rounds,
        async () => {
          const r = await runtimePipe({ recordBytes: 1024, channels, ratePerSec: 0, config: throughputConfig }, o);
          return perSec(r.bytes, r.elapsedMs);
        },
        async () => {
          const r = await runtimePipe({ recordBytes: 1024, channels, ratePerSec: 0, config: tlsConfig }, o);
          return perSec(r.bytes, r.elapsedMs);
        },
      );
      // S17: Flink's JDK SSL ran at 0.25-0.27 of plaintext; a ratio above the range is no failure
      rows.push(row(name, `bytes/s over TLS ÷ plaintext, ${channels} channel${channels > 1 ? 's' : ''}`, figures, '≥ 0.2 (S17: 0.2–0.8, JDK SSL 0.25)', (r) => r >= 0.2));
    }
  }

  return {
    benchmark: 'network',
    startedAt,
    environment: benchEnvironment(),
    options: o,
    rows,
  };
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (Math.abs(n) >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

export function renderBenchTable(result: NetworkBenchResult): string {
  const lines = ['| case | measure | flowlab | baseline | ratio | target | met |', '|---|---|---|---|---|---|---|'];
  for (const r of result.rows) {
    lines.push(`| ${r.name} | ${r.measure} | ${formatNumber(r.flowlab)} | ${formatNumber(r.baseline)} | ${r.ratio.toFixed(2)} | ${r.target} | ${r.met ? 'yes' : 'NO'} |`);
  }
  return lines.join('\n');
}
