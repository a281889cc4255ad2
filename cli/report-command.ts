/**
 * `flowlab report` and the report hooks of `flowlab suite` / `flowlab run --report`: reads a results folder (its
 * suite.json and every run's result.json) or result files, validates them, and hands plain data to reports/.
 */
import { appendFileSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { FlowlabError } from '../core/index.js';
import { reportBaselineOf, resultDocumentSchema, suiteIndexSchema, verdictDocumentSchema, type ResultDocument, type SuiteIndex } from '../harness/index.js';
import {
  DEFAULT_TUNING_GOAL,
  REPORT_FILES,
  buildTuningReport,
  groupRuns,
  parseConstraint,
  sweptScenarios,
  renderMarkdown,
  writeReports,
  type OptimizeGoal,
  type ReportFormat,
  type BaselineInput,
  type ReportInput,
  type ReportRun,
  type TuningGoal,
} from '../reports/index.js';

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new FlowlabError('ERR_REPORT_INPUT', `${path}: not a readable JSON file (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
}

function readResult(path: string): ResultDocument {
  const parsed = resultDocumentSchema.safeParse(readJson(path));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FlowlabError('ERR_REPORT_INPUT', `${path}: not a flowlab result document (schema version 2): ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
  }
  return parsed.data;
}

/** A lone result's variant label, as a suite names it (`buffer-timeout=0ms,buffers-per-channel=1`). */
function variantLabel(parameters: Readonly<Record<string, unknown>>): string {
  const entries = Object.entries(parameters);
  return entries.length === 0 ? 'base' : entries.map(([k, v]) => `${k.split('.').at(-1) ?? k}=${String(v)}`).join(',');
}

export function runFromResult(doc: ResultDocument, dir?: string): ReportRun {
  const name = doc.scenario?.['name'];
  const parameters = doc.variant ?? {};
  return { scenario: typeof name === 'string' ? name : doc.topology.preset, variant: variantLabel(parameters), parameters, repetition: doc.repetition ?? 1, state: doc.state, ...(doc.error !== undefined ? { error: doc.error } : {}), ...(dir !== undefined ? { dir } : {}), result: doc };
}

/** The suite index and every finished run's result of a suite folder. */
export function suiteReportInput(dir: string, index: SuiteIndex = suiteIndexSchema.parse(readJson(join(dir, 'suite.json')))): ReportInput {
  const runs: ReportRun[] = index.runs.map((r) => {
    const file = r.dir && r.files ? join(dir, r.dir, r.files.result) : undefined;
    const result = file && existsSync(file) ? readResult(file) : undefined;
    return { scenario: r.scenario, variant: r.variant, parameters: r.parameters, repetition: r.repetition, state: r.state, ...(r.error !== undefined ? { error: r.error } : {}), dir: r.dir, ...(result ? { result } : {}) };
  });
  return { title: index.suite, suite: index, runs };
}

/** A folder of a suite run; for a folder holding several (`results/smoke/`), the newest. */
function suiteFolder(dir: string): string | undefined {
  if (existsSync(join(dir, 'suite.json'))) return dir;
  const children = readdirSync(dir)
    .filter((c) => existsSync(join(dir, c, 'suite.json')))
    .sort();
  const newest = children.at(-1);
  return newest === undefined ? undefined : join(dir, newest);
}

/** Inputs: one results folder (suite or single run) or result.json files (several become one report). */
export function loadReportInput(inputs: readonly string[]): { input: ReportInput; folder: string | undefined } {
  if (inputs.length === 0) throw new FlowlabError('ERR_USAGE', 'name a results folder or result files');
  if (inputs.length === 1 && statSync(inputs[0]!).isDirectory()) {
    const dir = inputs[0]!;
    const suite = suiteFolder(dir);
    if (suite) return { input: suiteReportInput(suite), folder: suite };
    if (existsSync(join(dir, 'result.json'))) {
      const run = runFromResult(readResult(join(dir, 'result.json')), '.');
      return { input: { title: run.scenario, runs: [run] }, folder: dir };
    }
    throw new FlowlabError('ERR_REPORT_INPUT', `${dir}: neither a suite results folder (suite.json) nor a run folder (result.json)`);
  }
  const runs = inputs.map((path) => {
    const file = statSync(path).isDirectory() ? join(path, 'result.json') : path;
    return runFromResult(readResult(file), dirname(file));
  });
  return { input: { title: [...new Set(runs.map((r) => r.scenario))].join(', '), runs }, folder: undefined };
}

/** The recommendation of each sweep, for the terminal. */
export function tuningLines(input: ReportInput): string[] {
  const lines: string[] = [];
  for (const g of sweptScenarios(groupRuns(input.runs))) {
    const t = buildTuningReport(g, input.tuning);
    lines.push(t.yaml ? `Recommended for ${g.name} (optimize ${t.goal.optimize}${t.goal.constraints.length ? `, ${t.goal.constraints.join(', ')}` : ''}):\n${t.yaml}` : `No recommendation for ${g.name}: ${t.reason ?? ''}`);
  }
  return lines;
}

/** The verdicts `flowlab gate` (or `suite --baseline`) left in a suite folder, if any. */
function gateVerdictsIn(dir: string): BaselineInput | undefined {
  const file = join(dir, 'gate.json');
  if (!existsSync(file)) return undefined;
  const parsed = verdictDocumentSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.success && parsed.data.baseline ? reportBaselineOf(parsed.data) : undefined;
}

/** Writes every format into the suite folder and appends the Markdown to $GITHUB_STEP_SUMMARY when set. */
export async function writeSuiteReports(dir: string, index: SuiteIndex): Promise<string[]> {
  const verdicts = gateVerdictsIn(dir);
  const input = { ...suiteReportInput(dir, index), ...(verdicts ? { baseline: verdicts } : {}) };
  await writeReports(input, dir);
  const summary = process.env['GITHUB_STEP_SUMMARY'];
  if (summary) appendFileSync(summary, renderMarkdown(input));
  return [`reports: ${join(dir, REPORT_FILES.html)} (also ${REPORT_FILES.md}, ${REPORT_FILES.junit}, ${REPORT_FILES.json})${summary ? `; Markdown appended to ${summary}` : ''}`, ...tuningLines(input)];
}

/** `flowlab run --report <dir>`: the reports of one run. */
export async function writeRunReports(dir: string, doc: ResultDocument): Promise<string> {
  const run = runFromResult(doc);
  await writeReports({ title: run.scenario, runs: [run] }, dir);
  return `reports: ${join(dir, REPORT_FILES.html)} (also ${REPORT_FILES.md}, ${REPORT_FILES.junit}, ${REPORT_FILES.json})`;
}

export interface ReportArgs {
  readonly inputs: readonly string[];
  readonly formats: readonly ReportFormat[];
  readonly out: string | undefined;
  readonly optimize: OptimizeGoal;
  readonly constraints: readonly string[];
  readonly baseline: string | undefined;
}

/** `flowlab report`: returns the lines to print (paths written, recommendations). */
export async function reportCommand(args: ReportArgs): Promise<string[]> {
  for (const c of args.constraints) parseConstraint(c);
  const tuning: TuningGoal = { ...DEFAULT_TUNING_GOAL, optimize: args.optimize, constraints: args.constraints };
  const { input, folder } = loadReportInput(args.inputs);
  const baseline = args.baseline ? loadReportInput([args.baseline]).input : undefined;
  const verdicts = folder ? gateVerdictsIn(folder) : undefined;
  const baselineInput: BaselineInput | undefined =
    verdicts || baseline ? { ...(verdicts ?? {}), label: baseline && args.baseline ? basename(resolve(args.baseline)) : (verdicts?.label ?? 'baseline'), ...(baseline ? { runs: baseline.runs } : {}) } : undefined;
  const full: ReportInput = { ...input, tuning, ...(baselineInput ? { baseline: baselineInput } : {}) };
  const out = args.out ?? folder ?? 'report';
  const written = await writeReports(full, out, args.formats);
  return [...Object.values(written).map((p) => `wrote ${p}`), ...tuningLines(full)];
}
