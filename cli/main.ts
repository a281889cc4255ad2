#!/usr/bin/env node
/**
 * The `flowlab` command line. The only place that parses argv and prints for humans; progress goes to stderr,
 * `--json` writes only the result to stdout.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CONFIG_KEYS, FlowlabError, parseDurationMs, parseKeyValuePairs, resolveConfig } from '../core/index.js';
import { LocalCluster, TOPOLOGY_PRESETS, renderBenchTable, runNetworkBench, type TopologyPreset } from '../runtime/index.js';
import { startToxiproxyServer } from '../chaos/index.js';
import { JobRun, parseFaultTimeline, prepareRun, type ProgressEvent, type RunOptions } from '../harness/index.js';
import { renderSummary } from './summary.js';

async function benchNetwork(args: { smoke: boolean; duration?: number; warmup?: number; rounds?: number; only?: string; out: string; json: boolean }): Promise<void> {
  const result = await runNetworkBench(
    {
      durationMs: (args.duration ?? (args.smoke ? 0.3 : 5)) * 1000,
      warmupMs: (args.warmup ?? (args.smoke ? 0.2 : 1)) * 1000,
      rounds: args.rounds ?? (args.smoke ? 1 : 3),
      ...(args.only ? { only: args.only.split(',').map((s) => s.trim()) } : {}),
    },
    (line) => process.stderr.write(`${line}\n`),
  );
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  console.log(renderBenchTable(result));
  console.log(`\nEach figure is the median of ${result.options.rounds} alternating runs; written to ${args.out}`);
}

function listConfig(): void {
  for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
    const shown = (spec.format as (v: unknown) => string)(spec.default);
    console.log(`${key}\n    default: ${shown}\n    ${spec.description}\n`);
  }
}

function durationOption(name: string, value: string): number {
  const ms = parseDurationMs(value);
  if (ms === undefined || ms < 0) throw new FlowlabError('ERR_USAGE', `--${name} takes a duration such as 20s or 500ms, got ${JSON.stringify(value)}`);
  return ms;
}

interface RunArgs {
  'task-managers': number;
  slots?: number;
  parallelism: number;
  topology: string;
  rate: string;
  'record-size': number;
  keys: number;
  'key-distribution': string;
  'map-cost-us': number;
  'sink-cost-us': number;
  duration: string;
  warmup: string;
  seed: number;
  D: string[];
  json: boolean;
  out?: string;
  calibrate: boolean;
  deploy: string;
  chaos: boolean;
  fault: string[];
}

function runOptions(args: RunArgs): RunOptions {
  if (args.deploy !== 'local') throw new FlowlabError('ERR_USAGE', `--deploy ${args.deploy} is not available yet: only local runs in this version`);
  const faults = parseFaultTimeline(args.fault); // a bad entry fails here, naming the field
  if (!(TOPOLOGY_PRESETS as readonly string[]).includes(args.topology)) {
    throw new FlowlabError('ERR_USAGE', `--topology must be one of ${TOPOLOGY_PRESETS.join(', ')}, got ${JSON.stringify(args.topology)}`);
  }
  const rate = args.rate === 'unbounded' ? 0 : Number(args.rate);
  if (!Number.isFinite(rate) || rate < 0) throw new FlowlabError('ERR_USAGE', `--rate takes records/s per source subtask or "unbounded", got ${JSON.stringify(args.rate)}`);
  if (args['key-distribution'] !== 'uniform' && args['key-distribution'] !== 'zipf') {
    throw new FlowlabError('ERR_USAGE', `--key-distribution must be uniform or zipf, got ${JSON.stringify(args['key-distribution'])}`);
  }
  const config: Record<string, string | number> = parseKeyValuePairs(args.D);
  if (args.slots !== undefined) config['taskmanager.numberOfTaskSlots'] = args.slots;
  else if (config['taskmanager.numberOfTaskSlots'] === undefined) {
    config['taskmanager.numberOfTaskSlots'] = Math.max(1, Math.ceil(args.parallelism / args['task-managers']));
  }
  return {
    taskManagers: args['task-managers'],
    parallelism: args.parallelism,
    topology: args.topology as TopologyPreset,
    ratePerSec: rate,
    recordSizeBytes: args['record-size'],
    keys: args.keys,
    keyDistribution: args['key-distribution'],
    mapCostUs: args['map-cost-us'],
    sinkCostUs: args['sink-cost-us'],
    durationMs: durationOption('duration', args.duration),
    warmupMs: durationOption('warmup', args.warmup),
    seed: args.seed,
    config: config,
    calibrate: args.calibrate,
    chaos: args.chaos || faults.length > 0,
    faults,
  };
}

function liveLine(p: ProgressEvent): string {
  const rate = p.recordsPerSec >= 1000 ? `${(p.recordsPerSec / 1000).toFixed(1)}k` : p.recordsPerSec.toFixed(0);
  const bp = p.busiest ? `${p.busiest.task} ${(p.busiest.backPressuredTimeMsPerSecond / 10).toFixed(0)}% backpressured` : 'no tasks yet';
  return `[${(p.elapsedMs / 1000).toFixed(0).padStart(3)}s] ${p.state.padEnd(8)} ${rate.padStart(7)} records/s | busiest: ${bp} | p99 ${(p.latencyP99Us / 1000).toFixed(1)} ms`;
}

async function run(args: RunArgs): Promise<void> {
  const options = runOptions(args);
  prepareRun(options); // a bad key or graph fails here, before any process starts
  const jobRun = new JobRun(options);
  const tty = process.stderr.isTTY;
  jobRun.on('phase', (phase: string) => process.stderr.write(`flowlab: ${phase}\n`));
  jobRun.on('log', (line: string) => process.stderr.write(`${tty ? '\r\x1b[K' : ''}flowlab: ${line}\n`));
  jobRun.on('progress', (p: ProgressEvent) => process.stderr.write(tty ? `\r${liveLine(p)}\x1b[K` : `${liveLine(p)}\n`));
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write('\nflowlab: stopping every process …\n');
    void jobRun.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const result = await jobRun.execute();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (tty) process.stderr.write('\n');
  if (args.out) {
    mkdirSync(args.out, { recursive: true });
    writeFileSync(join(args.out, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  }
  if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else console.log(renderSummary(result));
  if (result.state !== 'completed') process.exitCode = interrupted ? 130 : 1;
}

async function clusterStart(args: { 'task-managers': number; D: string[]; 'rest-port'?: number }): Promise<void> {
  const config = resolveConfig(parseKeyValuePairs(args.D));
  const cluster = await LocalCluster.start({ taskManagers: args['task-managers'], config, restPort: args['rest-port'] ?? config['rest.port'] });
  console.log(`JobManager REST  http://${cluster.jobManager.rest.host}:${cluster.jobManager.rest.port}  (pid ${cluster.jobManager.pid})`);
  for (const tm of cluster.taskManagers) console.log(`TaskManager ${tm.id}  data ${tm.data.host}:${tm.data.port}  (pid ${tm.pid})`);
  console.log('Ctrl-C stops every process.');
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    for (const p of cluster.processes) p.child.once('exit', stop);
  });
  await cluster.stop();
}

async function chaosServe(args: { host: string; port: number; seed?: number }): Promise<void> {
  const server = await startToxiproxyServer({ host: args.host, port: args.port, ...(args.seed !== undefined ? { seed: args.seed } : {}) });
  console.log(`Toxiproxy-compatible API on ${server.url} (seed ${server.seed}); Ctrl-C stops it.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.stop();
}

export async function main(argv: string[]): Promise<void> {
  await yargs(argv)
    .scriptName('flowlab')
    .usage('$0 <command> [options]')
    .command(
      'bench network',
      "flowlab's data plane between two processes on loopback vs a raw socket pipe (ratios)",
      (y) =>
        y
          .option('smoke', { type: 'boolean', default: false, describe: 'tiny durations, one round (CI)' })
          .option('duration', { type: 'number', describe: 'measured seconds per run (default 5)' })
          .option('warmup', { type: 'number', describe: 'warm-up seconds per run (default 1)' })
          .option('rounds', { type: 'number', describe: 'alternating baseline/flowlab runs per case (default 3)' })
          .option('only', { type: 'string', describe: 'cases to run, e.g. a,d' })
          .option('out', { type: 'string', default: join('bench-results', 'network.json'), describe: 'result JSON file' })
          .option('json', { type: 'boolean', default: false, describe: 'print only the result JSON to stdout' }),
      (args) => benchNetwork(args),
    )
    .command(
      'run',
      'start a local cluster, run one job, print a summary (default: keyby-aggregate on 2 TaskManagers for ~20 s)',
      (y) =>
        y
          .option('task-managers', { type: 'number', default: 2, describe: 'TaskManager processes' })
          .option('slots', { type: 'number', describe: 'slots per TaskManager (default: enough for the parallelism)' })
          .option('parallelism', { type: 'number', default: 2, describe: 'parallelism of every vertex (fan-in: of the sources)' })
          .option('topology', { type: 'string', default: 'keyby-aggregate', describe: TOPOLOGY_PRESETS.join(' | ') })
          .option('rate', { type: 'string', default: 'unbounded', describe: 'records/s per source subtask, or unbounded' })
          .option('record-size', { type: 'number', default: 100, describe: 'record bytes (header 28 + payload)' })
          .option('keys', { type: 'number', default: 1024, describe: 'key space' })
          .option('key-distribution', { type: 'string', default: 'uniform', describe: 'uniform | zipf' })
          .option('map-cost-us', { type: 'number', default: 0, describe: 'CPU µs per record in map (source-map-sink)' })
          .option('sink-cost-us', { type: 'number', default: 0, describe: 'CPU µs per record in the sink (a slow sink, spec S9)' })
          .option('duration', { type: 'string', default: '18s', describe: 'measured time after the warm-up' })
          .option('warmup', { type: 'string', default: '2s', describe: 'warm-up excluded from the figures' })
          .option('seed', { type: 'number', default: 42, describe: 'seed for keys, sizes and partitioners' })
          .option('D', { type: 'string', array: true, default: [] as string[], describe: 'Flink config key=value (repeatable)' })
          .option('json', { type: 'boolean', default: false, describe: 'print only the result document (JSON) to stdout' })
          .option('out', { type: 'string', describe: 'also write result.json into this folder' })
          .option('calibrate', { type: 'boolean', default: true, describe: 'measure raw loopback throughput and RTT first' })
          .option('deploy', { type: 'string', default: 'local', describe: 'local (containers, compose: later)' })
          .option('chaos', { type: 'boolean', default: false, describe: 'route every TaskManager link through Toxiproxy (TOXIPROXY_URL, else embedded)' })
          .option('fault', {
            type: 'string',
            array: true,
            default: [] as string[],
            describe:
              "fault timeline entry, repeatable; implies --chaos. e.g. 'at=5s,duration=3s,link=data-tm-1-*,stream=downstream,toxic=latency,latency=50,jitter=5', " +
              "'at=4s,duration=2s,link=data-*,partition' (rate 0 both ways), 'partition-hard' (proxies disabled), 'at=6s,kill-taskmanager=tm-1', 'at=8s,restart-taskmanager=tm-1'",
          }),
      (args) => run(args as unknown as RunArgs),
    )
    .command(
      'cluster start',
      'run a JobManager and TaskManagers in the foreground (REST on 127.0.0.1)',
      (y) =>
        y
          .option('task-managers', { type: 'number', default: 2 })
          .option('rest-port', { type: 'number', describe: 'default: rest.port (8081); 0 for any free port' })
          .option('D', { type: 'string', array: true, default: [] as string[], describe: 'Flink config key=value (repeatable)' }),
      (args) => clusterStart(args),
    )
    .command(
      'chaos serve',
      'the embedded Toxiproxy-compatible server on its own',
      (y) =>
        y
          .option('host', { type: 'string', default: '127.0.0.1' })
          .option('port', { type: 'number', default: 8474 })
          .option('seed', { type: 'number', describe: 'seed for toxicity draws' }),
      (args) => chaosServe(args),
    )
    .command('config', 'list every Flink config key flowlab understands, with defaults', {}, () => listConfig())
    .demandCommand(1, 'Name a command; see --help.')
    .strict()
    .fail((message, error, y) => {
      if (error instanceof FlowlabError) {
        process.stderr.write(`flowlab: ${error.message}\n`);
        process.exit(2);
      }
      if (error) throw error;
      y.showHelp();
      process.stderr.write(`\nflowlab: ${message}\n`);
      process.exit(2);
    })
    .help()
    .parseAsync();
}

main(hideBin(process.argv)).catch((error: unknown) => {
  process.stderr.write(`flowlab: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
