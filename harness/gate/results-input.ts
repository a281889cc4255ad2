/**
 * Reads what `flowlab gate` and `flowlab baseline save` are given: a suite's results folder (its `suite.json` and
 * the runs it lists), a folder of suite folders (the newest, or all of them for history), a `flowlab run --out`
 * folder, or result.json files. Every document is validated; a bad one fails naming the file and the field.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { resultDocumentSchema, type ResultDocument } from '../result-schema.js';
import { suiteIndexSchema, type SuiteIndex } from '../suite-schema.js';
import { formatPath } from '../source-locations.js';
import { GateInputError } from './gate-errors.js';
import { runFigures, type RunFigures } from './gate-metrics.js';

/** One night's (or one call's) results: the runs of one suite folder, or loose result files. */
export interface ResultSet {
  /** The suite folder or the files, as given. */
  readonly source: string;
  readonly suite: SuiteIndex | null;
  readonly runs: readonly RunFigures[];
  readonly startedAt: string;
  readonly commit: string | null;
}

function readJson(file: string, flag: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new GateInputError(flag, `${file} is not readable JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
}

function readResult(file: string, flag: string): ResultDocument {
  const parsed = resultDocumentSchema.safeParse(readJson(file, flag));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new GateInputError(flag, `${file} is not a flowlab result document (schemaVersion 2): ${formatPath(issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)))}: ${issue.message}`);
  }
  return parsed.data;
}

function readSuite(dir: string, flag: string): ResultSet {
  const parsed = suiteIndexSchema.safeParse(readJson(join(dir, 'suite.json'), flag));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new GateInputError(flag, `${join(dir, 'suite.json')} is not a suite index: ${formatPath(issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)))}: ${issue.message}`);
  }
  const suite = parsed.data;
  const runs: RunFigures[] = [];
  for (const run of suite.runs) {
    const placed = { scenario: run.scenario, variant: run.variant === 'A' || run.variant === 'B' ? 'base' : run.variant, repetition: run.repetition };
    const file = run.dir && run.files ? join(dir, run.dir, run.files.result) : null;
    if (file && existsSync(file)) {
      runs.push(runFigures(readResult(file, flag), file, placed));
      continue;
    }
    // a run that never wrote a result (skipped, or it threw before the document existed)
    runs.push({
      ...placed,
      control: run.variant === 'A' || run.variant === 'B' ? run.variant : null,
      source: join(dir, run.dir ?? `runs/${run.scenario}/${run.variant}/rep-${run.repetition}`),
      state: run.state === 'skipped' ? 'skipped' : run.state,
      ...(run.error !== undefined ? { error: run.error } : {}),
      commit: suite.flowlab.commit,
      version: suite.flowlab.version,
      startedAt: suite.startedAt,
      unboundedRate: false,
      environment: suite.environment,
      calibration: null,
      scalars: {},
      directions: {},
      targets: [],
      latency: {},
      lost: null,
      duplicated: 0,
      absoluteGates: [],
      vertices: {},
      faults: [],
    });
  }
  return { source: dir, suite, runs, startedAt: suite.startedAt, commit: suite.flowlab.commit };
}

/** Every folder under `dir` (itself included) that holds a suite.json, depth-first, at most `depth` levels down. */
function suiteFolders(dir: string, depth = 4): string[] {
  if (existsSync(join(dir, 'suite.json'))) return [dir];
  if (depth === 0) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => suiteFolders(join(dir, e.name), depth - 1));
}

/**
 * Every result set under the given paths: each suite folder found (for history), or the loose result files and
 * `flowlab run --out` folders together as one set.
 */
export function loadResultSets(paths: readonly string[], flag = '<results>'): ResultSet[] {
  if (paths.length === 0) throw new GateInputError(flag, 'name a results folder (results/<suite>/<timestamp>) or result.json files');
  const sets: ResultSet[] = [];
  const loose: RunFigures[] = [];
  for (const given of paths) {
    const path = resolve(given);
    if (!existsSync(path)) throw new GateInputError(flag, `${given} does not exist`);
    if (statSync(path).isDirectory()) {
      const suites = suiteFolders(path);
      if (suites.length > 0) {
        sets.push(...suites.map((d) => readSuite(d, flag)));
        continue;
      }
      const file = join(path, 'result.json');
      if (!existsSync(file)) throw new GateInputError(flag, `${given} holds neither a suite.json (a suite's results folder) nor a result.json`);
      loose.push(runFigures(readResult(file, flag), file));
    } else if (basename(path) === 'suite.json') {
      sets.push(readSuite(resolve(path, '..'), flag));
    } else {
      loose.push(runFigures(readResult(path, flag), path));
    }
  }
  if (loose.length > 0) {
    const first = [...loose].sort((a, b) => a.startedAt.localeCompare(b.startedAt))[0]!;
    sets.push({ source: paths.join(' '), suite: null, runs: loose, startedAt: first.startedAt, commit: first.commit });
  }
  return sets.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/**
 * The results one gate judges: all loose files and suite folders given, except that a folder holding several suite
 * runs (results/nightly/) contributes only its newest. `notes` says what was left out.
 */
export function loadCurrentResults(paths: readonly string[], flag = '<results>'): { runs: RunFigures[]; sets: ResultSet[]; notes: string[] } {
  const notes: string[] = [];
  const chosen: ResultSet[] = [];
  for (const given of paths) {
    const sets = loadResultSets([given], flag);
    const suites = sets.filter((s) => s.suite !== null);
    if (suites.length > 1) {
      // the newest run of each suite (sets are in start order)
      const newest = new Map(suites.map((s) => [s.suite!.suite, s]));
      notes.push(`${given} holds ${suites.length} suite runs; judging the newest of each suite: ${[...newest.values()].map((s) => s.source).join(', ')} (--history looks across them)`);
      chosen.push(...newest.values(), ...sets.filter((s) => s.suite === null));
    } else chosen.push(...sets);
  }
  return { runs: chosen.flatMap((s) => s.runs), sets: chosen, notes };
}
