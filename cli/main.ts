#!/usr/bin/env node
/**
 * The `flowlab` command line. The only place that parses argv and prints for humans; progress goes to stderr,
 * `--json` writes only the result to stdout.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CONFIG_KEYS, FlowlabError, parseKeyValuePairs, resolveConfig } from '../core/index.js';
import { LocalCluster, NETWORK_BENCH_CASES, renderBenchTable, runNetworkBench } from '../runtime/index.js';
import { startToxiproxyServer } from '../chaos/index.js';
import {
  FileValidationError,
  JobRun,
  SourceFile,
  SuiteRunner,
  loadScenario,
  loadScenarioFile,
  networkBenchFile,
  planSuite,
  writeRunFiles,
  type LoadedScenario,
  type ProgressEvent,
  type SuiteProgress,
  type SuiteRunRecord,
} from '../harness/index.js';
import { OPTIMIZE_GOALS, parseReportFormats, type OptimizeGoal } from '../reports/index.js';
import { reportCommand, writeRunReports, writeSuiteReports } from './report-command.js';
import { baselinePublished, baselineSave, gate, gateOptions, gateSuiteFolder, suiteBaseline } from './gate-command.js';
import { benchCommands, list, positive } from './bench-commands.js';
import { runFlagOptions, runOverrides } from './run-flags.js';
import { renderSuiteSummary, renderSummary } from './summary.js';
import { checkTaskManagersFlag } from './cluster-flags.js';
import { jobManagerCommand, taskManagerCommand } from './process-commands.js';

async function benchNetwork(args: { smoke: boolean; duration?: number; warmup?: number; rounds?: number; only?: string; out: string; json: boolean }): Promise<void> {
  const result = await runNetworkBench(
    {
      durationMs: positive('duration', args.duration, args.smoke ? 0.3 : 5) * 1000,
      warmupMs: positive('warmup', args.warmup, args.smoke ? 0.2 : 1) * 1000,
      rounds: positive('rounds', args.rounds, args.smoke ? 1 : 3),
      ...(args.only ? { only: list('only', args.only, NETWORK_BENCH_CASES) } : {}),
    },
    (line) => process.stderr.write(`${line}\n`),
  );
  mkdirSync(dirname(args.out), { recursive: true });
  // the rows in the result section's shape (networkBenchRowSchema): one row format for this file and for suites
  writeFileSync(args.out, `${JSON.stringify(networkBenchFile(result), null, 2)}\n`);
  // the guard: a ratio below its target by more than the run's own noise fails the command (smoke runs are too short to judge)
  const missed = args.smoke ? [] : result.rows.filter((r) => r.verdict === 'missed');
  if (missed.length > 0) process.exitCode = 1;
  if (args.json) {
    process.stdout.write(`${JSON.stringify(networkBenchFile(result))}\n`);
    return;
  }
  console.log(renderBenchTable(result));
  console.log(`\nEach figure is the median of ${result.options.rounds} alternating runs; ± noise is half the range of the per-round ratios; written to ${args.out}`);
  if (missed.length > 0) console.log(`\nMissed beyond noise: ${missed.map((r) => `(${r.name}) ${r.ratio.toFixed(2)} vs ${r.target}`).join(', ')}`);
}

function listConfig(): void {
  for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
    const shown = (spec.format as (v: unknown) => string)(spec.default);
    console.log(`${key}\n    default: ${shown}\n    ${spec.description}\n`);
  }
}

function liveLine(p: ProgressEvent): string {
  const rate = p.recordsPerSec >= 1000 ? `${(p.recordsPerSec / 1000).toFixed(1)}k` : p.recordsPerSec.toFixed(0);
  const bp = p.busiest ? `${p.busiest.task} ${(p.busiest.backPressuredTimeMsPerSecond / 10).toFixed(0)}% backpressured` : 'no tasks yet';
  return `[${(p.elapsedMs / 1000).toFixed(0).padStart(3)}s] ${p.state.padEnd(8)} ${rate.padStart(7)} records/s | busiest: ${bp} | p99 ${(p.latencyP99Us / 1000).toFixed(1)} ms`;
}

/** A shell-quoted command line, for the result's `command` (how to rerun it). */
function commandLine(args: readonly string[]): string {
  return ['flowlab', ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Loads the scenario file (or the flags alone) with every override; a bad field fails here, before anything starts. */
function scenarioFromArgs(args: Record<string, unknown>): LoadedScenario {
  const overrides = runOverrides(args);
  const file = args['scenario'] as string | undefined;
  if (file !== undefined) return loadScenarioFile(file, overrides);
  return loadScenario(SourceFile.fromObject('(flags)', { name: 'run', description: 'flowlab run from command-line flags' }), overrides);
}

/** Runs `work`; the first SIGINT or SIGTERM meanwhile says `message` and calls `stop` (the work then ends early). */
async function untilDone<T>(work: () => Promise<T>, message: string, stop: (signal: NodeJS.Signals) => Promise<void>): Promise<{ result: T; interrupted: boolean }> {
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\nflowlab: ${message}\n`);
    void stop(signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return { result: await work(), interrupted };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function run(args: Record<string, unknown>): Promise<void> {
  const loaded = scenarioFromArgs(args);
  for (const bench of ['micro', 'network'] as const) {
    if (loaded.scenario[bench]) throw new FlowlabError('ERR_USAGE', `${loaded.file}: ${bench}: scenarios run no job; use flowlab suite (a suite entry) or flowlab bench ${bench}`);
  }
  const out = args['out'] as string | undefined;
  const jobRun = new JobRun({ ...loaded.options, gates: loaded.gates, command: commandLine(hideBin(process.argv)), ...(out ? { logsDir: join(out, 'logs') } : {}) });
  const tty = process.stderr.isTTY;
  jobRun.on('phase', (phase: string) => process.stderr.write(`flowlab: ${phase}\n`));
  jobRun.on('log', (line: string) => process.stderr.write(`${tty ? '\r\x1b[K' : ''}flowlab: ${line}\n`));
  jobRun.on('progress', (p: ProgressEvent) => process.stderr.write(tty ? `\r${liveLine(p)}\x1b[K` : `${liveLine(p)}\n`));
  const { result, interrupted } = await untilDone(() => jobRun.execute(), 'stopping every process …', (signal) => jobRun.abort(`interrupted by ${signal}`));
  if (tty) process.stderr.write('\n');
  if (out) {
    writeRunFiles(out, result, jobRun.intervals);
    process.stderr.write(`flowlab: result, .hgrm per phase, .hlog, timeseries.csv and the processes' logs/ written to ${out}\n`);
  }
  const reportDir = args['report'] as string | undefined;
  if (reportDir) process.stderr.write(`flowlab: ${await writeRunReports(reportDir, result)}\n`);
  if (args['json']) process.stdout.write(`${JSON.stringify(result)}\n`);
  else console.log(renderSummary(result));
  if (result.state !== 'completed') process.exitCode = interrupted ? 130 : 1;
}

function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

async function suite(args: Record<string, unknown>): Promise<void> {
  const repetitions = args['repetitions'] as number | undefined;
  if (repetitions !== undefined && (!Number.isInteger(repetitions) || repetitions < 1)) throw new FlowlabError('ERR_USAGE', `--repetitions takes an integer ≥ 1, got ${String(repetitions)}`);
  const overrides = runOverrides({ set: args['set'] });
  const baseline = suiteBaseline(args['baseline'] as string | undefined);
  const plan = planSuite(args['suite'] as string, { filter: args['filter'] as string | undefined, repetitions, overrides });
  const runner = new SuiteRunner(plan, {
    out: args['out'] as string,
    bail: args['bail'] as boolean,
    filter: args['filter'] as string | undefined,
    repetitions,
    commandFor: (r) => commandLine(['suite', args['suite'] as string, '--filter', `${r.scenario}/${r.variant}`, '--repetitions', '1']),
  });
  const tty = process.stderr.isTTY;
  let head = '';
  runner.on('run-start', (p: SuiteProgress) => {
    head = `[${p.index + 1}/${p.total}] ${p.run.scenario} ${p.run.variant} · rep ${p.run.repetition}/${p.run.repetitions} · elapsed ${formatDuration(p.elapsedMs)} · ETA ${formatDuration(p.etaMs)}`;
    process.stderr.write(`${tty ? '\r\x1b[K' : ''}flowlab: ${head}\n`);
  });
  runner.on('progress', (p: ProgressEvent) => {
    if (tty) process.stderr.write(`\r  ${liveLine(p)}\x1b[K`);
  });
  runner.on('run-end', (p: SuiteProgress & { record: SuiteRunRecord }) => {
    const r = p.record;
    const ratios = r.summary?.ratios;
    const what = ratios
      ? `ratios ${Object.entries(ratios).map(([name, v]) => `${name} ${v === null ? 'n/a' : v.toFixed(2)}`).join(', ')}; ${r.summary!.gatesFailed} missed beyond noise`
      : r.summary
        ? `${Math.round(r.summary.recordsPerSec).toLocaleString('en-US')} records/s, p99 ${r.summary.p99Us === null ? 'n/a' : `${(r.summary.p99Us / 1000).toFixed(1)} ms`}, lost ${r.summary.lost ?? 'n/a'}`
        : '';
    process.stderr.write(`${tty ? '\r\x1b[K' : ''}flowlab:   ${r.state}${r.error ? `: ${r.error}` : ''}${what ? ` · ${what}` : ''}\n`);
  });
  const { result: index, interrupted } = await untilDone(() => runner.execute(), 'interrupted: stopping the current run, keeping every finished result …', () => runner.interrupt());
  if (args['json']) process.stdout.write(`${JSON.stringify(index)}\n`);
  else console.log(renderSuiteSummary(index, runner.dir));
  // the gate first: its verdicts (gate.json) go into the reports
  const judge = (baseline !== undefined || index.shapes.length > 0) && !interrupted;
  const gateExit = judge ? gateSuiteFolder(runner.dir, baseline, !args['json']) : 0;
  try {
    for (const line of await writeSuiteReports(runner.dir, index)) process.stderr.write(`flowlab: ${line}\n`);
  } catch (error) {
    process.stderr.write(`flowlab: reports could not be written (the results are kept): ${error instanceof Error ? error.message : String(error)}\n`);
  }
  if (interrupted) process.exitCode = 130;
  else if (index.state === 'bailed') process.exitCode = 1;
  else process.exitCode = gateExit;
}

async function clusterStart(args: { 'task-managers': number; D: string[]; 'rest-port'?: number }): Promise<void> {
  checkTaskManagersFlag(args['task-managers']);
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
    .command('bench', 'component benchmarks: network, micro, cluster, checkpoint, debloat, chaos (every figure a ratio or a pass/fail, measured in one run)', (bench) =>
      benchCommands(
        bench.command(
          'network',
          "flowlab's data plane between two processes on loopback vs a raw socket pipe (ratios)",
          (y) =>
            y
              .option('smoke', { type: 'boolean', default: false, describe: 'tiny durations, one round (CI)' })
              .option('duration', { type: 'number', describe: 'measured seconds per run (default 5)' })
              .option('warmup', { type: 'number', describe: 'warm-up seconds per run (default 1)' })
              .option('rounds', { type: 'number', describe: 'alternating baseline/flowlab runs per case (default 3)' })
              .option('only', { type: 'string', describe: `cases to run, e.g. a,d (${NETWORK_BENCH_CASES.join(', ')})` })
              .option('out', { type: 'string', default: join('bench-results', 'network.json'), describe: 'result JSON file' })
              .option('json', { type: 'boolean', default: false, describe: 'print only the result JSON to stdout' }),
          (args) => benchNetwork(args),
        ),
      ).demandCommand(1, 'Name a benchmark: network, micro, cluster, checkpoint, debloat or chaos.'),
    )
    .command(
      'run [scenario]',
      'start a local cluster, run one job or scenario file, print a summary (default: keyby-aggregate on 2 TaskManagers for ~20 s)',
      (y) =>
        y
          .positional('scenario', { type: 'string', describe: 'a scenario file (YAML or JSON); flags override its fields' })
          .options(runFlagOptions())
          .option('D', { type: 'string', array: true, describe: 'Flink config key=value (repeatable) [config.<key>]' })
          .option('fault', {
            type: 'string',
            array: true,
            describe:
              "fault timeline entry, repeatable; implies --chaos [faults]. e.g. 'at=5s,duration=3s,link=data-tm-1-*,stream=downstream,toxic=latency,latency=50,jitter=5', " +
              "'at=4s,duration=2s,link=data-*,partition' (rate 0 both ways), 'partition-hard' (proxies disabled), 'at=6s,kill-taskmanager=tm-1', 'at=8s,restart-taskmanager=tm-1'",
          })
          .option('set', { type: 'string', array: true, describe: 'override any scenario field: --set workload.rate=5000 (repeatable)' })
          .option('json', { type: 'boolean', default: false, describe: 'print only the result document (JSON) to stdout' })
          .option('out', { type: 'string', describe: 'write result.json, latency-<phase>.hgrm, latency.hlog and timeseries.csv into this folder' })
          .option('report', { type: 'string', describe: 'write report.md, report.html, junit.xml and report.json into this folder' }),
      (args) => run(args as Record<string, unknown>),
    )
    .command(
      'suite <suite>',
      'run the scenarios and sweeps of a suite file, interleaved, into <out>/<suite>/<UTC timestamp>/',
      (y) =>
        y
          .positional('suite', { type: 'string', demandOption: true, describe: 'a suite file (YAML or JSON)' })
          .option('out', { type: 'string', default: 'results', describe: 'parent folder of the results folder' })
          .option('filter', { type: 'string', describe: 'only scenarios/variants whose "scenario/variant" contains this text' })
          .option('repetitions', { type: 'number', describe: 'runs of every scenario and variant (overrides the files)' })
          .option('bail', { type: 'boolean', default: false, describe: 'stop at the first run that does not complete (exit 1)' })
          .option('set', { type: 'string', array: true, describe: 'override a field of every scenario: --set workload.duration=5s' })
          .option('baseline', { type: 'string', describe: 'then judge the results against this baseline (flowlab gate): gate.json in the results folder, exit code of the verdict' })
          .option('json', { type: 'boolean', default: false, describe: 'print only suite.json to stdout' }),
      (args) => suite(args as Record<string, unknown>),
    )
    .command(
      'report <inputs..>',
      'render Markdown, HTML (charts), JUnit XML and JSON reports from a results folder or result files',
      (y) =>
        y
          .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'a suite results folder (or its parent: the newest run), a run folder, or result.json files' })
          .option('format', { type: 'string', default: 'md,html,junit,json', describe: 'comma-separated: md, html, junit, json' })
          .option('out', { type: 'string', describe: 'output folder (default: the results folder; for result files ./report)' })
          .option('optimize', { choices: OPTIMIZE_GOALS, default: 'latency', describe: 'the tuning report recommends the best variant of a sweep for this goal' })
          .option('constraint', { type: 'string', array: true, default: [] as string[], describe: "tuning constraint, repeatable: 'p99 < 50ms', 'throughput >= 20000', 'checkpoint < 2s', 'memory <= 64kb'" })
          .option('baseline', { type: 'string', describe: 'a results folder or result file drawn as the baseline (dashed) in percentile charts' }),
      async (args) => {
        const lines = await reportCommand({ inputs: args.inputs, formats: parseReportFormats(args.format), out: args.out, optimize: args.optimize as OptimizeGoal, constraints: args.constraint, baseline: args.baseline });
        for (const line of lines) console.log(line);
      },
    )
    .command(
      'gate [results..]',
      'judge results against a baseline (and the invariants and absolute gates): pass, improvement, regression, inconclusive or invalid; exit 0, 1 or 2',
      (y) => gateOptions(y.positional('results', { type: 'string', array: true, describe: 'a suite results folder (results/<suite>/<timestamp>), a folder of them (the newest is judged), or result.json files' })),
      (args) => gate(args as Record<string, unknown>),
    )
    .command('baseline', 'store a baseline: from results (save) or from a suite’s published figures (published)', (y) =>
      y
        .command(
          'save <results..>',
          'store a baseline with provenance from a suite results folder or result files',
          (b) =>
            b
              .positional('results', { type: 'string', array: true, demandOption: true, describe: 'a suite results folder or result.json files' })
              .option('to', { type: 'string', demandOption: true, describe: 'the baseline file to write, e.g. suites/baselines/nightly.json' })
              .option('name', { type: 'string', describe: 'the baseline’s name (default: the suite’s name, else the file name)' })
              .option('allow-errored', { type: 'boolean', default: false, describe: 'leave out runs that did not complete instead of refusing' }),
          (args) => baselineSave(args as Record<string, unknown>),
        )
        .command(
          'published <suite>',
          "store the published figures of a suite's shapes (spec §8) as a baseline marked published, with each figure's source",
          (b) =>
            b
              .positional('suite', { type: 'string', demandOption: true, describe: 'a suite file with shape entries, e.g. suites/published.yaml' })
              .option('to', { type: 'string', demandOption: true, describe: 'the baseline file to write, e.g. suites/baselines/published.json' })
              .option('name', { type: 'string', describe: 'the baseline’s name (default: the suite’s name)' }),
          (args) => baselinePublished(args as Record<string, unknown>),
        )
        .demandCommand(1, 'name what to do: baseline save <results…> or baseline published <suite>'),
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
    .command(jobManagerCommand)
    .command(taskManagerCommand)
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
      if (error instanceof FileValidationError) {
        process.stderr.write(`flowlab: ${error.issues.length === 1 ? 'a field is' : `${error.issues.length} fields are`} not valid; nothing was started:\n${error.message}\n`);
        process.exit(2);
      }
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
