/**
 * `npm run bench:network`: flowlab's data plane between two OS processes on loopback, every figure a ratio against
 * a raw Node socket pipe measured in the same run on the same machine.
 *   (a) bytes/s, 1 channel, 32 KiB buffers, 1 KiB records, buffer timeout 100 ms ÷ raw pipe with 32 KiB writes
 *   (b) records/s, 100-byte records ÷ raw pipe writing the same records in 32 KiB batches (receiver parses them)
 *   (c) (a) with 100 channels on one connection ÷ (a)
 *   (d) p99 record latency at buffer timeout 0, light load ÷ raw 1-byte ping-pong p99 (round trip)
 *   (e) (a) over internal TLS (mutual authentication, a run-scoped pair) ÷ (a) in plaintext (spec S17)
 *   (f) (c) over internal TLS ÷ (c) in plaintext
 *   (g) (a) with 1000 channels on one connection ÷ (a)
 * Throughput cases also report each side's CPU per MB (user + system), which load from other processes barely moves.
 * A case whose ratio misses its target by more than the run's own noise fails the command (a guard, issue 13).
 * Each case alternates baseline and flowlab runs (ABAB…, --rounds, default 3) and compares medians, so load from
 * other processes on a shared machine hits both sides alike.
 * Run it with `flowlab bench network` (flags there).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig, serializeConfig, type ConfigInput } from '../../core/index.js';
import type { WorkerParams, WorkerReport } from './bench-worker.js';
import { benchEnvironment, cpuSecondsOf, median, type BenchEnvironment } from './bench-common.js';
import { generateRunScopedPair } from '../security/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const WORKER = join(here, 'bench-worker.js');

export interface BenchOptions {
  durationMs: number;
  warmupMs: number;
  /** Alternating baseline/flowlab repetitions per case; the ratio is of the medians. */
  rounds: number;
  /** Cases to run (a … g); all when undefined. */
  only?: string[];
  /**
   * A case's target value on this machine instead of issue 13's (the comparison, ≥ or ≤, stays the case's own): a
   * suite scenario sets it where a target is known to be out of reach here, so its gate still catches regressions.
   */
  targets?: Readonly<Record<string, number>>;
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

/** The receiving side's window plus the sending side's CPU in the same window. */
export interface PipeReport extends WorkerReport {
  senderCpuUs: number;
  /** flowlab: the producer's socket writes in the window. */
  senderSocketWrites?: number;
}

/** Raw pipe: a source process that listens and a sink process that connects (as flowlab's consumer does); returns the sink's window. */
export async function rawPipe(recordBytes: number, o: BenchOptions): Promise<PipeReport> {
  const source = spawnWorker({ role: 'raw-source', recordBytes });
  const { port } = (await source.next()) as { port: number };
  const sink = spawnWorker({ role: 'raw-sink', recordBytes });
  await sink.next();
  sink.send({ cmd: 'start', port });
  await sleep(o.warmupMs);
  sink.send({ cmd: 'mark' });
  const sourceCpuAtMark = cpuSecondsOf(source.child.pid ?? 0);
  await sleep(o.durationMs);
  sink.send({ cmd: 'stop' });
  // read from /proc, not asked over IPC: a source that keeps the kernel's buffer full seldom yields to its event loop
  const senderCpuUs = (cpuSecondsOf(source.child.pid ?? 0) - sourceCpuAtMark) * 1e6;
  const { report } = (await sink.next()) as { report: WorkerReport };
  source.send({ cmd: 'stop' });
  await finish([sink, source]);
  return { ...report, senderCpuUs };
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
): Promise<PipeReport> {
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
  producer.send({ cmd: 'mark' });
  await sleep(o.durationMs);
  consumer.send({ cmd: 'stop' });
  const { report } = (await consumer.next()) as { report: WorkerReport };
  producer.send({ cmd: 'stop' });
  const sender = (await producer.next()) as { report: WorkerReport };
  await finish([consumer, producer]);
  return { ...report, senderCpuUs: sender.report.cpuUs, senderSocketWrites: sender.report.socketWrites ?? 0 };
}

const perSec = (count: number, ms: number): number => (ms > 0 ? (count * 1000) / ms : 0);

/** CPU per MB moved (µs), sender and receiver: what a side spends, as opposed to what it waits. */
export interface CpuPerMegabyte {
  senderUs: number;
  receiverUs: number;
}

/** A case's target: the ratio must be at least (`>=`) or at most (`<=`) `value`. */
export interface BenchTarget {
  op: '>=' | '<=';
  value: number;
  /** Shown next to the target (e.g. a published figure it comes from). */
  note?: string;
}

/**
 * `met`: the ratio meets the target. `within-noise`: it misses by less than the run's own noise (half the range of the
 * per-round ratios), so this run cannot tell. `missed`: it misses by more — `flowlab bench network` exits 1.
 */
export type BenchVerdict = 'met' | 'within-noise' | 'missed';

export interface BenchRow {
  name: string;
  measure: string;
  flowlab: number;
  baseline: number;
  ratio: number;
  target: string;
  /** The target the verdict was judged against. */
  targetOp: BenchTarget['op'];
  targetValue: number;
  met: boolean;
  verdict: BenchVerdict;
  /** Half the range of the per-round ratios (flowlab ÷ baseline of the same round); 0 with one round. */
  noise: number;
  samples: { baseline: number[]; flowlab: number[] };
  /** Median CPU per MB of each side (throughput cases). */
  cpu?: { flowlab: CpuPerMegabyte; baseline: CpuPerMegabyte };
}

export interface NetworkBenchResult {
  benchmark: 'network';
  startedAt: string;
  environment: BenchEnvironment;
  options: BenchOptions;
  rows: BenchRow[];
}

interface Measured {
  figure: number;
  cpu?: CpuPerMegabyte;
}

interface Figures {
  baseline: Measured[];
  flowlab: Measured[];
}

/** Runs baseline and flowlab alternately `rounds` times (ABAB…) and keeps every figure. */
async function interleaved(rounds: number, baseline: () => Promise<Measured>, flowlab: () => Promise<Measured>): Promise<Figures> {
  const out: Figures = { baseline: [], flowlab: [] };
  for (let i = 0; i < rounds; i++) {
    out.baseline.push(await baseline());
    out.flowlab.push(await flowlab());
  }
  return out;
}

function cpuOf(r: PipeReport): CpuPerMegabyte {
  const mb = r.bytes / 1e6;
  return { senderUs: mb > 0 ? r.senderCpuUs / mb : NaN, receiverUs: mb > 0 ? r.cpuUs / mb : NaN };
}

const bytesPerSec = (r: PipeReport): Measured => ({ figure: perSec(r.bytes, r.elapsedMs), cpu: cpuOf(r) });
const recordsPerSec = (r: PipeReport): Measured => ({ figure: perSec(r.records, r.elapsedMs), cpu: cpuOf(r) });

function medianCpu(ms: readonly Measured[]): CpuPerMegabyte | undefined {
  const cpus = ms.flatMap((m) => (m.cpu ? [m.cpu] : []));
  if (cpus.length === 0) return undefined;
  return { senderUs: median(cpus.map((c) => c.senderUs)), receiverUs: median(cpus.map((c) => c.receiverUs)) };
}

/** The verdict of `ratio` against `target`, allowing the run's own `noise`. */
export function judge(ratio: number, noise: number, target: BenchTarget): BenchVerdict {
  const margin = target.op === '>=' ? ratio - target.value : target.value - ratio;
  if (!Number.isFinite(margin)) return 'missed';
  if (margin >= 0) return 'met';
  return -margin <= noise ? 'within-noise' : 'missed';
}

/** Half the range of the per-round ratios: how much this run's own repetitions disagree. */
export function ratioNoise(baseline: readonly number[], flowlab: readonly number[]): number {
  const ratios = flowlab.map((f, i) => f / baseline[i]!).filter((r) => Number.isFinite(r));
  if (ratios.length < 2) return 0;
  return (Math.max(...ratios) - Math.min(...ratios)) / 2;
}

function row(name: string, measure: string, figures: Figures, target: BenchTarget): BenchRow {
  const samples = { baseline: figures.baseline.map((m) => m.figure), flowlab: figures.flowlab.map((m) => m.figure) };
  const flowlab = median(samples.flowlab);
  const baseline = median(samples.baseline);
  const ratio = flowlab / baseline;
  const noise = ratioNoise(samples.baseline, samples.flowlab);
  const verdict = judge(ratio, noise, target);
  const flowlabCpu = medianCpu(figures.flowlab);
  const baselineCpu = medianCpu(figures.baseline);
  return {
    name,
    measure,
    flowlab,
    baseline,
    ratio,
    target: `${target.op === '>=' ? '≥' : '≤'} ${target.value}${target.note ? ` (${target.note})` : ''}`,
    targetOp: target.op,
    targetValue: target.value,
    met: verdict === 'met',
    verdict,
    noise,
    samples,
    ...(flowlabCpu && baselineCpu ? { cpu: { flowlab: flowlabCpu, baseline: baselineCpu } } : {}),
  };
}

/** Targets of issue 13 (and S17 for TLS). */
export const NETWORK_BENCH_TARGETS: Readonly<Record<string, BenchTarget>> = {
  a: { op: '>=', value: 0.85 },
  b: { op: '>=', value: 0.9 },
  c: { op: '>=', value: 0.8 },
  d: { op: '<=', value: 1.5 },
  e: { op: '>=', value: 0.2, note: 'S17: 0.2–0.8, JDK SSL 0.25' },
  f: { op: '>=', value: 0.2, note: 'S17: 0.2–0.8, JDK SSL 0.25' },
  g: { op: '>=', value: 0.8 },
};

/** Warm-up of the latency case (d): its record path runs 1000 times a second, so V8 needs longer to optimize it. */
const LATENCY_WARMUP_MS = 3000;

export const NETWORK_BENCH_CASES = ['a', 'b', 'c', 'd', 'e', 'f', 'g'] as const;

export async function runNetworkBench(o: BenchOptions, log: (line: string) => void = () => undefined): Promise<NetworkBenchResult> {
  const rows: BenchRow[] = [];
  const startedAt = new Date().toISOString();
  const throughputConfig: ConfigInput = { 'taskmanager.memory.segment-size': '32kb', 'execution.buffer-timeout': '100 ms' };
  const want = (name: string): boolean => o.only === undefined || o.only.includes(name);
  const target = (name: string): BenchTarget => {
    const own = NETWORK_BENCH_TARGETS[name]!;
    const value = o.targets?.[name];
    return value === undefined || value === own.value ? own : { op: own.op, value, note: `set for this machine; issue 13: ${own.value}` };
  };
  const flowlabPipe = async (recordBytes: number, channels: number, config = throughputConfig): Promise<PipeReport> =>
    runtimePipe({ recordBytes, channels, ratePerSec: 0, config }, o);

  let aFigures: Figures | undefined;
  if (want('a') || want('c') || want('g')) {
    log('(a) raw pipe with 32 KiB writes vs flowlab, 1 channel, 1 KiB records …');
    aFigures = await interleaved(
      o.rounds,
      async () => bytesPerSec(await rawPipe(0, o)),
      async () => bytesPerSec(await flowlabPipe(1024, 1)),
    );
    if (want('a')) rows.push(row('a', 'bytes/s, 1 channel, 1 KiB records ÷ raw pipe', aFigures, target('a')));
  }
  if (want('b')) {
    log('(b) raw pipe with batched 100-byte records vs flowlab …');
    const figures = await interleaved(
      o.rounds,
      async () => recordsPerSec(await rawPipe(100, o)),
      async () => recordsPerSec(await flowlabPipe(100, 1)),
    );
    rows.push(row('b', 'records/s, 100-byte records ÷ raw pipe', figures, target('b')));
  }
  // (c) and (g): many channels on one connection against (a)'s single channel, round by round
  for (const [name, channels] of [
    ['c', 100],
    ['g', 1000],
  ] as const) {
    if (!want(name) || !aFigures) continue;
    log(`(${name}) flowlab, ${channels} channels on one connection vs 1 channel …`);
    const many: Measured[] = [];
    for (let i = 0; i < o.rounds; i++) many.push(bytesPerSec(await flowlabPipe(1024, channels)));
    rows.push(row(name, `bytes/s, ${channels} channels ÷ 1 channel (a)`, { baseline: aFigures.flowlab, flowlab: many }, target(name)));
  }
  if (want('d')) {
    log('(d) raw 1-byte ping-pong vs flowlab at buffer timeout 0, 1000 records/s …');
    // at 1000 records/s a 1 s warm-up has run the record path only a thousand times, before V8 optimizes it: both sides
    // warm up for up to 3 s (never longer than they measure), so the case compares steady states
    const lo: BenchOptions = { ...o, warmupMs: Math.max(o.warmupMs, Math.min(LATENCY_WARMUP_MS, o.durationMs)) };
    const figures = await interleaved(
      o.rounds,
      async () => ({ figure: (await rawPingPong(lo)).latencyUs?.p99 ?? NaN }),
      async () => ({
        figure:
          (await runtimePipe({ recordBytes: 100, channels: 1, ratePerSec: 1000, latency: true, config: { 'execution.buffer-timeout': '0 ms' } }, lo)).latencyUs
            ?.p99 ?? NaN,
      }),
    );
    rows.push(row('d', 'p99 record latency µs (timeout 0) ÷ ping-pong p99 round trip', figures, target('d')));
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
        async () => bytesPerSec(await flowlabPipe(1024, channels)),
        async () => bytesPerSec(await flowlabPipe(1024, channels, tlsConfig)),
      );
      // S17: Flink's JDK SSL ran at 0.25-0.27 of plaintext; a ratio above the range is no failure
      rows.push(row(name, `bytes/s over TLS ÷ plaintext, ${channels} channel${channels > 1 ? 's' : ''}`, figures, target(name)));
    }
  }
  rows.sort((x, y) => x.name.localeCompare(y.name));

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
  const verdicts: Record<BenchVerdict, string> = { met: 'yes', 'within-noise': 'within noise', missed: 'NO' };
  const lines = ['| case | measure | flowlab | baseline | ratio | ± noise | target | met |', '|---|---|---|---|---|---|---|---|'];
  for (const r of result.rows) {
    lines.push(
      `| ${r.name} | ${r.measure} | ${formatNumber(r.flowlab)} | ${formatNumber(r.baseline)} | ${r.ratio.toFixed(2)} | ${r.noise.toFixed(2)} | ${r.target} | ${verdicts[r.verdict]} |`,
    );
  }
  const cpuRows = result.rows.filter((r) => r.cpu);
  if (cpuRows.length > 0) {
    lines.push('', '| case | CPU µs per MB: flowlab sender | flowlab receiver | baseline sender | baseline receiver |', '|---|---|---|---|---|');
    for (const r of cpuRows) {
      const c = r.cpu!;
      lines.push(`| ${r.name} | ${c.flowlab.senderUs.toFixed(0)} | ${c.flowlab.receiverUs.toFixed(0)} | ${c.baseline.senderUs.toFixed(0)} | ${c.baseline.receiverUs.toFixed(0)} |`);
    }
  }
  return lines.join('\n');
}
