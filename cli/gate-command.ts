/** `flowlab gate` and `flowlab baseline save`: flags, reading files through the harness, printing and exit codes. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { Argv } from 'yargs';
import {
  DEFAULT_CHANGE_POINT_OPTIONS,
  DEFAULT_GATE_OPTIONS,
  GateInputError,
  LATENCY_METRICS,
  SCALAR_METRICS,
  analyzeHistory,
  buildBaseline,
  evaluateGates,
  loadBaseline,
  loadCurrentResults,
  loadResultSets,
  planSuite,
  publishedBaseline,
  saveBaseline,
  type Baseline,
  type GateOptions,
} from '../harness/index.js';
import { renderBaselineSaved, renderGateVerdict } from './gate-summary.js';

export function gateOptions<T>(y: Argv<T>) {
  return y
    .option('baseline', { type: 'string', describe: 'a baseline file (flowlab baseline save); without it only invariants and absolute gates are judged' })
    .option('history', { type: 'string', describe: 'a folder of many suite results: look for change points across nights (E-divisive means)' })
    .option('json', { type: 'boolean', default: false, describe: 'print only the verdict document (JSON) to stdout' })
    .option('out', { type: 'string', describe: 'also write the verdict document to this file' })
    .option('fail-on-inconclusive', { type: 'boolean', default: false, describe: 'exit 1 when the verdict is inconclusive' })
    .option('metric', { type: 'string', array: true, describe: 'judge only these baseline gates: metric or metric@phase, e.g. latencyUs.p999@steady (repeatable)' })
    .option('min-samples', { type: 'number', default: DEFAULT_GATE_OPTIONS.minSamples, describe: 'runs needed on each side for a verdict' })
    .option('alpha', { type: 'number', default: DEFAULT_GATE_OPTIONS.alpha, describe: "significance level of Welch's t-test" })
    .option('min-change', { type: 'number', default: DEFAULT_GATE_OPTIONS.minChangePct, describe: 'smallest relative change of a scalar that counts, % (Flink: 4)' })
    .option('latency-threshold', { type: 'number', default: DEFAULT_GATE_OPTIONS.latencyThresholdPct, describe: 'smallest relative change of a latency percentile that counts, %' })
    .option('max-threshold', { type: 'number', default: DEFAULT_GATE_OPTIONS.maxThresholdPct, describe: 'a gate whose noise threshold exceeds this is inconclusive, %' })
    .option('bootstrap', { type: 'number', default: DEFAULT_GATE_OPTIONS.bootstrapIterations, describe: 'bootstrap rounds for latency intervals' })
    .option('seed', { type: 'number', default: DEFAULT_GATE_OPTIONS.seed, describe: 'seed of the bootstrap (verdicts replay exactly)' })
    .option('p-value', { type: 'number', default: DEFAULT_CHANGE_POINT_OPTIONS.pValue, describe: '--history: significance of a change point' })
    .option('min-segment', { type: 'number', default: DEFAULT_CHANGE_POINT_OPTIONS.minSegment, describe: '--history: fewest nights on each side of a change point' });
}

function positive(args: Record<string, unknown>, flag: string, { integer = false, max = Infinity } = {}): number {
  const v = args[flag] as number;
  if (!Number.isFinite(v) || v <= 0 || v > max || (integer && !Number.isInteger(v))) throw new GateInputError(`--${flag}`, `expected ${integer ? 'an integer' : 'a number'} > 0${max < Infinity ? ` and ≤ ${max}` : ''}, got ${String(args[flag])}`);
  return v;
}

function atLeastTwo(args: Record<string, unknown>): number {
  const v = args['min-samples'] as number;
  if (!Number.isInteger(v) || v < 2) throw new GateInputError('--min-samples', `expected an integer ≥ 2 (a spread needs two runs), got ${String(v)}`);
  return v;
}

function metricsFrom(given: string[] | undefined): string[] | undefined {
  const known: readonly string[] = [...SCALAR_METRICS, ...LATENCY_METRICS];
  for (const m of given ?? []) {
    const metric = m.split('@')[0]!;
    if (!known.includes(metric)) throw new GateInputError('--metric', `unknown metric ${JSON.stringify(metric)}: one of ${known.join(', ')} (optionally @<phase>)`);
  }
  return given;
}

function optionsFrom(args: Record<string, unknown>): GateOptions {
  const seed = args['seed'] as number;
  if (!Number.isInteger(seed) || seed < 0) throw new GateInputError('--seed', `expected an integer ≥ 0, got ${String(seed)}`);
  return {
    minSamples: atLeastTwo(args),
    alpha: positive(args, 'alpha', { max: 0.5 }),
    minChangePct: positive(args, 'min-change'),
    latencyThresholdPct: positive(args, 'latency-threshold'),
    maxThresholdPct: positive(args, 'max-threshold'),
    bootstrapIterations: positive(args, 'bootstrap', { integer: true }),
    seed,
    failOnInconclusive: args['fail-on-inconclusive'] as boolean,
    metrics: metricsFrom(args['metric'] as string[] | undefined),
  };
}

export async function gate(args: Record<string, unknown>): Promise<void> {
  const options = optionsFrom(args);
  const given = (args['results'] as string[] | undefined) ?? [];
  const historyDir = args['history'] as string | undefined;
  if (given.length === 0 && historyDir === undefined) throw new GateInputError('<results>', 'name a results folder or result files (or --history <folder>)');
  const baselineFile = args['baseline'] as string | undefined;
  const baseline = baselineFile === undefined ? undefined : { file: baselineFile, document: loadBaseline(baselineFile) };
  let history;
  let current: ReturnType<typeof loadCurrentResults> = { runs: [], sets: [], notes: [] };
  if (historyDir !== undefined) {
    const sets = loadResultSets([historyDir], '--history');
    history = analyzeHistory(sets, { pValue: positive(args, 'p-value', { max: 0.5 }), minSegment: positive(args, 'min-segment', { integer: true }), magnitudePct: DEFAULT_CHANGE_POINT_OPTIONS.magnitudePct, minChangePct: options.minChangePct });
    // the newest night is judged as one gate run too, unless results were named
    if (given.length === 0 && sets.length > 0) current = { runs: [...sets.at(-1)!.runs], sets: [sets.at(-1)!], notes: [`judging the newest night of ${historyDir}: ${sets.at(-1)!.source}`] };
  }
  if (given.length > 0) current = loadCurrentResults(given);
  const doc = evaluateGates({ runs: current.runs, sources: current.sets.map((s) => s.source), notes: current.notes, baseline, history, shapes: current.sets.flatMap((s) => s.suite?.shapes ?? []) }, options);
  const out = args['out'] as string | undefined;
  if (out) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
  }
  if (args['json']) process.stdout.write(`${JSON.stringify(doc)}\n`);
  else console.log(renderGateVerdict(doc));
  process.exitCode = doc.exitCode;
}

/** `flowlab suite --baseline <file>`: the baseline is read before anything runs, so a bad file fails at once. */
export function suiteBaseline(file: string | undefined): { file: string; document: Baseline } | undefined {
  return file === undefined ? undefined : { file, document: loadBaseline(file) };
}

/**
 * Judges a finished suite's folder with the default options (against a baseline, and its published shapes); writes
 * `gate.json` beside `suite.json`; returns the exit code.
 */
export function gateSuiteFolder(dir: string, baseline: { file: string; document: Baseline } | undefined, print: boolean): number {
  const current = loadCurrentResults([dir]);
  const doc = evaluateGates({ runs: current.runs, sources: [dir], notes: current.notes, baseline, shapes: current.sets.flatMap((s) => s.suite?.shapes ?? []) }, DEFAULT_GATE_OPTIONS);
  writeFileSync(join(dir, 'gate.json'), `${JSON.stringify(doc, null, 2)}\n`);
  if (print) console.log(`\n${renderGateVerdict(doc)}\n\nverdict: ${join(dir, 'gate.json')}`);
  return doc.exitCode;
}

/** `flowlab baseline published <suite> --to <file>`: the suite's published figures as a `published` baseline. */
export async function baselinePublished(args: Record<string, unknown>): Promise<void> {
  const to = args['to'] as string;
  if (extname(to) !== '.json') throw new GateInputError('--to', `a baseline is a .json file, got ${to}`);
  const plan = planSuite(args['suite'] as string);
  const baseline = publishedBaseline(plan, (args['name'] as string | undefined) ?? plan.suite.name);
  const figures = Object.values(baseline.scenarios).reduce((n, e) => n + Object.keys(e.scalars).length, 0);
  if (figures === 0) throw new GateInputError('<suite>', `${plan.file} has no shape check with a published figure (checks[].published)`);
  saveBaseline(to, baseline);
  console.log(`baseline ${to}: ${figures} published figures of ${Object.keys(baseline.scenarios).length} shapes (source: published)`);
}

export async function baselineSave(args: Record<string, unknown>): Promise<void> {
  const to = args['to'] as string;
  if (extname(to) !== '.json') throw new GateInputError('--to', `a baseline is a .json file, got ${to}`);
  const sets = loadResultSets(args['results'] as string[]);
  const suiteName = sets.find((s) => s.suite !== null)?.suite?.suite;
  const name = (args['name'] as string | undefined) ?? suiteName ?? basename(to, '.json');
  const baseline = buildBaseline(sets, { name, allowErrored: args['allow-errored'] as boolean });
  saveBaseline(to, baseline);
  console.log(renderBaselineSaved(to, baseline));
}
