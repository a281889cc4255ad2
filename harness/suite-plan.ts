/**
 * Loading a suite: every scenario (file or inline), every sweep variant and the A/A control are resolved and
 * validated before anything starts, then ordered for an interleaved run (A B C A B C …, so a shared machine's
 * drift hits every variant alike).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FlowlabError, toError } from '../core/index.js';
import { describeIssues, inFileOrder } from './schema-issues.js';
import { fieldPath, loadScenario, parseOverrideValue, type FieldOverride, type LoadedScenario } from './scenario-loader.js';
import { suiteSchema, type Suite, type SuiteEntry } from './suite-schema.js';
import { parameterKey, shapeProblems } from './shape-model.js';
import { shapeSchema, type Shape } from './shape-schema.js';
import { FileValidationError, SourceFile, formatPath, type FileIssue, type PathSegment } from './source-locations.js';

/** One run of the plan. */
export interface PlannedRun {
  readonly scenario: string;
  /** `base`, `A`/`B` (control) or the swept fields, e.g. `rate=1000,buffer-timeout=0ms`. */
  readonly variant: string;
  /** Swept field paths and values. */
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly repetition: number;
  readonly repetitions: number;
  readonly loaded: LoadedScenario;
  /** The entry it comes from (0-based), for rate-sweep grouping. */
  readonly entry: number;
  /** Whether `workload.rate` is one of the swept fields. */
  readonly rateSwept: boolean;
}

export interface SuitePlan {
  readonly file: string;
  readonly suite: Suite;
  readonly runs: readonly PlannedRun[];
  /** Per entry: the published shape it reproduces (read from its file where the entry names one). */
  readonly shapes: ReadonlyArray<Shape | undefined>;
}

export interface SuiteOptions {
  /** Only scenarios or variants whose `scenario/variant` contains this text. */
  readonly filter?: string | undefined;
  /** Overrides every scenario's (and entry's) repetitions. */
  readonly repetitions?: number | undefined;
  /** `--set` overrides for every scenario. */
  readonly overrides?: readonly FieldOverride[];
}

/** Short label of a swept field: the last path segment (`rate`, `buffer-timeout`), or the whole path on a clash. */
function labels(paths: readonly string[]): Map<string, string> {
  const short = (p: string): string => {
    const segs = fieldPath(p);
    const last = String(segs.at(-1));
    return segs[0] === 'config' ? last.split('.').at(-1)! : last;
  };
  const out = new Map<string, string>();
  for (const p of paths) {
    const s = short(p);
    out.set(p, paths.filter((q) => short(q) === s).length > 1 ? p : s);
  }
  return out;
}

function shown(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Every combination of the matrix, plus include, minus exclude. */
export function expandSweep(sweep: NonNullable<SuiteEntry['sweep']>): Array<Record<string, unknown>> {
  let combos: Array<Record<string, unknown>> = [{}];
  for (const [path, values] of Object.entries(sweep.matrix)) {
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [path]: v })));
  }
  const matches = (combo: Record<string, unknown>, pattern: Record<string, unknown>): boolean => Object.entries(pattern).every(([k, v]) => shown(combo[k]) === shown(v));
  // exclude trims the matrix; include entries are run as given
  const all = [...combos.filter((c) => !sweep.exclude.some((x) => matches(c, x))), ...sweep.include.map((c) => ({ ...c }))];
  const seen = new Set<string>();
  return all.filter((c) => {
    const key = JSON.stringify(Object.entries(c).map(([k, v]) => [k, shown(v)]).sort(([a], [b]) => String(a).localeCompare(String(b))));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The same problem found in several variants (a bad suite-wide `set`) is reported once. */
function unique(issues: readonly FileIssue[]): FileIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.file}|${i.line}|${i.column}|${i.path}|${i.origin ?? ''}|${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Reads, validates and plans a suite; throws {@link FileValidationError} listing every problem, before any run. */
export function planSuite(file: string, options: SuiteOptions = {}): SuitePlan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new FlowlabError('ERR_USAGE', `cannot read suite ${file}: ${toError(error).message}`);
  }
  const source = SourceFile.parse(file, text);
  const data = source.toJS();
  const parsed = suiteSchema.safeParse(data);
  if (!parsed.success) throw new FileValidationError(inFileOrder(describeIssues(source, suiteSchema, parsed.error.issues, data)));
  const suite = parsed.data;
  const issues: FileIssue[] = [];
  const variants: Array<Omit<PlannedRun, 'repetition'>> = [];
  const where = (path: readonly PathSegment[]): string => {
    const l = source.locate(path, '');
    return `${file}:${l.line}:${l.column} ${formatPath(path)}`;
  };
  const fromSuite = (entries: Record<string, unknown>, at: readonly PathSegment[]): FieldOverride[] =>
    Object.entries(entries).map(([k, v]) => ({ path: k, value: v, origin: where([...at, k]) }));

  suite.scenarios.forEach((entry, i) => {
    let base: SourceFile;
    try {
      base = entry.path !== undefined ? SourceFile.parse(resolve(dirname(file), entry.path), readFileSync(resolve(dirname(file), entry.path), 'utf8')) : source.sub(['scenarios', i, 'scenario']);
    } catch (error) {
      if (error instanceof FileValidationError) issues.push(...error.issues);
      else issues.push(source.locate(['scenarios', i, 'path'], `cannot read ${entry.path}: ${toError(error).message}`));
      return;
    }
    const common = [...fromSuite(suite.set, ['set']), ...fromSuite(entry.set, ['scenarios', i, 'set']), ...(options.overrides ?? [])];
    const combos = entry.sweep ? expandSweep(entry.sweep) : [{}];
    const names = labels([...new Set(combos.flatMap((c) => Object.keys(c)))]);
    for (const combo of combos) {
      const sweepOverrides = Object.entries(combo).map(([k, v]) => ({ path: k, value: v, origin: where(['scenarios', i, 'sweep']) }));
      let loaded: LoadedScenario;
      try {
        loaded = loadScenario(base.clone(), [...common, ...sweepOverrides]);
      } catch (error) {
        if (error instanceof FileValidationError) issues.push(...error.issues);
        else if (error instanceof FlowlabError) issues.push(source.locate(['scenarios', i], error.message));
        else throw error;
        continue;
      }
      const variant = Object.keys(combo).length === 0 ? 'base' : Object.entries(combo).map(([k, v]) => `${names.get(k)}=${shown(v)}`).join(',');
      const rateSwept = Object.keys(combo).some((k) => formatPath(fieldPath(k)) === 'workload.rate');
      const repetitions = options.repetitions ?? entry.repetitions ?? suite.repetitions ?? loaded.scenario.repetitions;
      const parameters = Object.fromEntries(Object.entries(combo).map(([k, v]) => [formatPath(fieldPath(k)), parseOverrideValue(v)]));
      if (suite.control === loaded.scenario.name && entry.sweep === undefined) {
        for (const ab of ['A', 'B']) variants.push({ scenario: loaded.scenario.name, variant: ab, parameters: { control: ab }, repetitions, loaded, entry: i, rateSwept: false });
      } else {
        variants.push({ scenario: loaded.scenario.name, variant, parameters, repetitions, loaded, entry: i, rateSwept });
      }
    }
  });
  const shapes = suite.scenarios.map((entry, i): Shape | undefined => {
    if (entry.shape === undefined) return undefined;
    // a shape file's problems point into that file; an inline shape's into the suite
    const named = typeof entry.shape === 'string' ? { file: entry.shape, checks: undefined } : 'file' in entry.shape ? entry.shape : undefined;
    const loaded = named ? readShapeFile(resolve(dirname(file), named.file), source, i, issues) : { shape: entry.shape as Shape, file: source, at: ['scenarios', i, 'shape'] as PathSegment[] };
    if (!loaded) return undefined;
    if (named?.checks) {
      const names = loaded.shape.checks.map((c) => c.name);
      named.checks.forEach((n, k) => {
        if (!names.includes(n)) issues.push(source.locate(['scenarios', i, 'shape', 'checks', k], `${named.file} has no check named "${n}" (it has: ${names.join('; ')})`));
      });
      loaded.shape = { ...loaded.shape, checks: loaded.shape.checks.filter((c) => named.checks.includes(c.name)) };
    }
    const swept = entry.sweep ? [...new Set([...Object.keys(entry.sweep.matrix), ...entry.sweep.include.flatMap((c) => Object.keys(c))])].map(parameterKey) : [];
    for (const [path, message] of shapeProblems(loaded.shape, swept)) issues.push(loaded.file.locate([...loaded.at, ...path], message));
    return loaded.shape;
  });
  const shapeIds = [...shapes.flatMap((sh) => (sh ? [sh.id] : [])), ...suite.skipped.map((s) => s.id)];
  shapeIds.forEach((id, k) => {
    if (shapeIds.indexOf(id) !== k) issues.push(source.locate(['skipped'], `shape ${id} appears more than once (entries and skipped)`));
  });
  if (suite.control !== undefined && !variants.some((v) => v.variant === 'A')) {
    issues.push(source.locate(['control'], `no scenario named "${suite.control}" without a sweep in this suite (scenarios: ${[...new Set(variants.map((v) => v.scenario))].join(', ')})`));
  }
  const ids = new Map<string, number>();
  for (const v of variants) ids.set(`${v.scenario}/${v.variant}`, (ids.get(`${v.scenario}/${v.variant}`) ?? 0) + 1);
  for (const [id, n] of ids) if (n > 1) issues.push(source.locate(['scenarios'], `scenario "${id}" appears ${n} times: scenario names (and variants) must be unique in a suite`));
  if (issues.length > 0) throw new FileValidationError(inFileOrder(unique(issues)));

  const selected = options.filter ? variants.filter((v) => `${v.scenario}/${v.variant}`.includes(options.filter!)) : variants;
  if (selected.length === 0) throw new FlowlabError('ERR_USAGE', `--filter ${JSON.stringify(options.filter)} matches none of: ${variants.map((v) => `${v.scenario}/${v.variant}`).join(', ')}`);
  const runs: PlannedRun[] = [];
  const most = Math.max(...selected.map((v) => v.repetitions));
  for (let r = 1; r <= most; r++) for (const v of selected) if (r <= v.repetitions) runs.push({ ...v, repetition: r });
  return { file, suite, runs, shapes };
}

/** Reads a shape file named by a suite entry; its problems are reported with the shape file's own lines. */
function readShapeFile(path: string, suiteSource: SourceFile, entry: number, issues: FileIssue[]): { shape: Shape; file: SourceFile; at: PathSegment[] } | undefined {
  let shapeSource: SourceFile;
  try {
    shapeSource = SourceFile.parse(path, readFileSync(path, 'utf8'));
  } catch (error) {
    if (error instanceof FileValidationError) issues.push(...error.issues);
    else issues.push(suiteSource.locate(['scenarios', entry, 'shape'], `cannot read shape file ${path}: ${toError(error).message}`));
    return undefined;
  }
  const data = shapeSource.toJS();
  const parsed = shapeSchema.safeParse(data);
  if (!parsed.success) {
    issues.push(...describeIssues(shapeSource, shapeSchema, parsed.error.issues, data));
    return undefined;
  }
  return { shape: parsed.data, file: shapeSource, at: [] };
}
