/**
 * `flowlab bench cluster|memory|checkpoint|debloat|chaos` (registered under `bench`, beside `network`): the component benchmarks beside `bench network`, with their options
 * parsed and checked by yargs (a bad number names its flag instead of becoming NaN).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Argv } from 'yargs';
import { FlowlabError } from '../core/index.js';
import { BENCH_GROUPS, runChaosBench, type BenchGroup } from '../chaos/index.js';
import { MICRO_CASE_NAMES, MICRO_SMOKE, renderMicroTable, runMicroBench, writeRunFiles } from '../harness/index.js';
import {
  DEFAULT_ALIGNED_TIMEOUT_MS,
  defaultDebloatCases,
  renderCheckpointBench,
  renderClusterBench,
  renderDebloatBench,
  renderMemoryBench,
  runCheckpointBench,
  runMemoryBench,
  runClusterBench,
  runDebloatBench,
  type CheckpointBenchMode,
} from '../runtime/index.js';

const CHECKPOINT_MODES: readonly CheckpointBenchMode[] = ['aligned', 'unaligned', 'timeout-sender', 'timeout-receiver', 'aligned-idle'];
const DEBLOAT_SHAPES = ['S10', 'S11', 'S13'] as const;
const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** A positive number from an optional flag (yargs gives NaN for text), else the fallback. */
export function positive(flag: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new FlowlabError('ERR_USAGE', `--${flag} takes a positive number, got ${String(value)}`);
  return value;
}

function integer(flag: string, value: number): number {
  if (!Number.isInteger(value)) throw new FlowlabError('ERR_USAGE', `--${flag} takes a whole number, got ${value}`);
  return value;
}

/** A comma-separated flag value, every item one of `allowed` (else a usage error naming the flag). */
export function list(flag: string, text: string, allowed: readonly string[], normalize: (s: string) => string = (s) => s): string[] {
  const items = text.split(',').map((s) => normalize(s.trim()));
  const unknown = items.filter((s) => !allowed.includes(s));
  if (unknown.length > 0) throw new FlowlabError('ERR_USAGE', `--${flag}: unknown ${unknown.join(', ')}; choose from ${allowed.join(', ')}`);
  return items;
}

function write(out: string, result: unknown): void {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwritten: ${out}`);
}

export function benchCommands(y: Argv): Argv {
  return y
    .command(
      'micro',
      'per-component micro-benchmarks (tinybench): serializer, deserializer, frames, buffer pools, credit, key groups, HDR, chaos chunk queue; result documents flowlab gate judges',
      (c) =>
        c
          .option('smoke', { type: 'boolean', default: false, describe: `${MICRO_SMOKE.timeMs} ms per case (CI)` })
          .option('time', { type: 'number', describe: 'measuring ms per case (default 1000)' })
          .option('warmup', { type: 'number', describe: 'warm-up ms per case (default 200)' })
          .option('only', { type: 'string', describe: MICRO_CASE_NAMES.join(', ') })
          .option('repetitions', { type: 'number', describe: 'result documents to write, one per repetition (default 1; gates need ≥ 3 a side)' })
          .option('out', { type: 'string', default: join('bench-results', 'micro'), describe: 'folder: rep-<k>/result.json' })
          .option('json', { type: 'boolean', default: false, describe: 'print only the last result document to stdout' }),
      async (a) => {
        const only = a.only === undefined ? undefined : list('only', a.only, MICRO_CASE_NAMES);
        const repetitions = positive('repetitions', a.repetitions, 1);
        if (!Number.isInteger(repetitions)) throw new FlowlabError('ERR_USAGE', `--repetitions takes a whole number, got ${repetitions}`);
        const timeMs = positive('time', a.time, a.smoke ? MICRO_SMOKE.timeMs : 1000);
        const warmupMs = a.warmup === 0 ? 0 : positive('warmup', a.warmup, a.smoke ? MICRO_SMOKE.warmupMs : 200);
        let errored = 0;
        for (let rep = 1; rep <= repetitions; rep++) {
          const doc = await runMicroBench({
            timeMs,
            warmupMs,
            ...(only ? { only } : {}),
            repetition: rep,
            command: `flowlab bench micro --time ${timeMs} --warmup ${warmupMs}${a.only ? ` --only ${a.only}` : ''}`,
            onCase: (r) => log(`  ${r.name}: ${r.state === 'completed' ? `${Math.round(r.opsPerSec).toLocaleString('en-US')} ops/s ±${r.rmePct.toFixed(2)} %` : `ERRORED ${r.error ?? ''}`}`),
          });
          if (doc.state !== 'completed') errored++;
          const dir = join(a.out, `rep-${rep}`);
          writeRunFiles(dir, doc, []);
          if (a.json) {
            if (rep === repetitions) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
          } else {
            console.log(`\nrepetition ${rep} of ${repetitions}\n${renderMicroTable(doc)}\n\nwritten: ${join(dir, 'result.json')}`);
          }
        }
        if (errored > 0) {
          log(`${errored} of ${repetitions} repetitions had a case whose check failed or that threw`);
          process.exitCode = 1;
        }
      },
    )
    .command(
      'chaos',
      'the embedded Toxiproxy-compatible server: throughput, added latency and bandwidth through a proxy',
      (c) =>
        c
          .option('smoke', { type: 'boolean', default: false, describe: 'tiny durations (CI)' })
          .option('only', { type: 'string', describe: BENCH_GROUPS.join(', ') })
          .option('out', { type: 'string', default: join('bench-results', 'chaos.json') }),
      async (a) => {
        const only = a.only === undefined ? undefined : (list('only', a.only, BENCH_GROUPS) as BenchGroup[]);
        await runChaosBench({ smoke: a.smoke, outFile: a.out, ...(only ? { only } : {}) });
      },
    )
    .command(
      'cluster',
      'source-sink on two TaskManager processes vs the raw pipe in the same run, with CPU seconds per process',
      (c) =>
        c
          .option('smoke', { type: 'boolean', default: false, describe: 'tiny durations, one round (CI)' })
          .option('duration', { type: 'number', describe: 'measured seconds per run (default 5)' })
          .option('warmup', { type: 'number', describe: 'warm-up seconds per run (default 1.5)' })
          .option('rounds', { type: 'number', describe: 'alternating runs (default 2)' })
          .option('record-bytes', { type: 'number', describe: 'record body bytes (default 100)' })
          .option('parallelism', { type: 'number', describe: 'source and sink parallelism; 1 forces the channel across the TaskManagers (default 2)' })
          .option('out', { type: 'string', default: join('bench-results', 'cluster.json') }),
      async (a) => {
        const result = await runClusterBench(
          {
            durationMs: positive('duration', a.duration, a.smoke ? 0.5 : 5) * 1000,
            warmupMs: positive('warmup', a.warmup, a.smoke ? 0.5 : 1.5) * 1000,
            rounds: positive('rounds', a.rounds, a.smoke ? 1 : 2),
            recordBytes: positive('record-bytes', a['record-bytes'], 100),
            parallelism: integer('parallelism', positive('parallelism', a.parallelism, 2)),
          },
          log,
        );
        console.log(renderClusterBench(result));
        write(a.out, result);
      },
    )
    .command(
      'memory',
      'TaskManager RSS and network buffers in use under full backpressure (source-sink across two TaskManagers, slow sink)',
      (c) =>
        c
          .option('smoke', { type: 'boolean', default: false, describe: 'a few seconds (CI)' })
          .option('duration', { type: 'number', describe: 'seconds under backpressure (default 60)' })
          .option('sink-cost', { type: 'number', describe: 'sink µs per record (default 200)' })
          .option('out', { type: 'string', default: join('bench-results', 'memory.json') }),
      async (a) => {
        const result = await runMemoryBench(
          { durationMs: positive('duration', a.duration, a.smoke ? 3 : 60) * 1000, sinkCostUs: positive('sink-cost', a['sink-cost'], 200) },
          log,
        );
        console.log(renderMemoryBench(result));
        write(a.out, result);
        if (!result.pass) process.exitCode = 1;
      },
    )
    .command(
      'checkpoint',
      'aligned vs unaligned (and the aligned-timeout variants) under backpressure at S9’s per-record costs',
      (c) =>
        c
          .option('smoke', { type: 'boolean', default: false })
          .option('costs', { type: 'string', describe: 'µs per record, comma-separated (default 200,1000)' })
          .option('checkpoints', { type: 'number', describe: 'checkpoints per row (default 3)' })
          .option('settle', { type: 'number', describe: 'seconds of backpressure before the first checkpoint (default 3)' })
          .option('modes', { type: 'string', default: CHECKPOINT_MODES.join(','), describe: CHECKPOINT_MODES.join(' | ') })
          .option('aligned-timeout', { type: 'number', describe: `ms (default ${DEFAULT_ALIGNED_TIMEOUT_MS})` })
          .option('cost-at', { choices: ['sink', 'map'] as const, default: 'sink' as const })
          .option('out', { type: 'string', default: join('bench-results', 'checkpoint.json') }),
      async (a) => {
        const costsUs = (a.costs ?? (a.smoke ? '20,60' : '200,1000')).split(',').map((s, i) => positive(`costs[${i}]`, Number(s), 1));
        const result = await runCheckpointBench(
          {
            costsUs,
            checkpoints: positive('checkpoints', a.checkpoints, a.smoke ? 1 : 3),
            settleMs: positive('settle', a.settle, a.smoke ? 0.8 : 3) * 1000,
            modes: list('modes', a.modes, CHECKPOINT_MODES) as CheckpointBenchMode[],
            alignedTimeoutMs: positive('aligned-timeout', a['aligned-timeout'], DEFAULT_ALIGNED_TIMEOUT_MS),
            costAt: a['cost-at'],
          },
          log,
        );
        console.log(renderCheckpointBench(result));
        write(a.out, result);
      },
    )
    .command(
      'debloat',
      'buffer debloating: S10, S11 and S13 of the spec with pass/fail, every figure in one run',
      (c) =>
        c
          .option('smoke', { type: 'boolean', default: false })
          .option('only', { type: 'string', default: 's10,s11,s13', describe: 's10, s11, s13' })
          .option('checkpoints', { type: 'number', describe: 'checkpoints per case (default 3)' })
          .option('settle', { type: 'number', describe: 'seconds before the first checkpoint (default 4)' })
          .option('target', { type: 'number', describe: 'debloat target, ms (default 300)' })
          .option('out', { type: 'string', default: join('bench-results', 'debloat.json') }),
      async (a) => {
        const shapes = list('only', a.only, DEBLOAT_SHAPES, (s) => s.toUpperCase());
        const targetMs = positive('target', a.target, 300);
        const all = a.smoke
          ? defaultDebloatCases({ targetMs, costsUs: [50, 250], floorCostUs: 5000, s13CostUs: 1000, s13Checkpoints: 1, s13Rounds: 1 })
          : defaultDebloatCases({ targetMs });
        const result = await runDebloatBench(
          {
            cases: all.filter((c) => shapes.includes(c.shape)),
            checkpoints: positive('checkpoints', a.checkpoints, a.smoke ? 1 : 3),
            settleMs: positive('settle', a.settle, a.smoke ? 1.5 : 4) * 1000,
            maxConvergeMs: a.smoke ? 3000 : 20_000,
            warmupCheckpoint: !a.smoke,
            targetMs,
          },
          log,
        );
        console.log(renderDebloatBench(result));
        write(a.out, result);
        const failed = result.checks.filter((c) => !c.pass).length + result.results.filter((r) => r.error).length;
        if (failed > 0 && !a.smoke) console.log(`\n${failed} check(s) failed or errored`);
      },
    );
}
