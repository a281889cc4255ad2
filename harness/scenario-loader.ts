/**
 * Loading a scenario: parse the file (YAML or JSON), apply overrides (`--set path=value`, flags), validate with the
 * schema, then check what needs several fields at once — Flink keys, the job graph, buffers, slots, fault entries,
 * gates — and lower it to the options of one run. Every problem is reported with `file:line:column` and its path
 * before any process starts.
 */
import { readFileSync } from 'node:fs';
import { CONFIG_KEYS, FlowlabError, InsufficientBuffersError, InvalidConfigError, SeededRandom, toError } from '../core/index.js';
import { InvalidJobGraphError, type JobGraphSpec } from '../runtime/index.js';
import { parseGate, GateSyntaxError, type AbsoluteGate } from './absolute-gates.js';
import { FaultTimelineError, parseFault, type FaultSpec } from './fault-timeline.js';
import { prepareRun, type RunOptions } from './job-run.js';
import { DeployerUnavailableError, deployerFor } from './deploy/index.js';
import { describeIssues, inFileOrder } from './schema-issues.js';
import { scenarioSchema, type Scenario, type ScenarioFault } from './scenario-schema.js';
import { FileValidationError, SourceFile, parsePath, type FileIssue, type PathSegment } from './source-locations.js';

/** An override of one field: a path (`workload.rate`) and a value (YAML text or a value), and where it came from. */
export interface FieldOverride {
  readonly path: string | readonly PathSegment[];
  readonly value: unknown;
  /** `--set workload.rate=5000`, `--rate`. */
  readonly origin: string;
  /** Append to the list at `path` instead of replacing it (`--fault`). */
  readonly append?: boolean;
  /** Take a string value as it is instead of reading it as YAML (`-D`, `--fault`). */
  readonly literal?: boolean;
}

/** A scenario ready to run: the resolved fields, the run options derived from them, and its gates. */
export interface LoadedScenario {
  readonly file: string;
  readonly scenario: Scenario;
  readonly options: RunOptions;
  readonly gates: readonly AbsoluteGate[];
}

/** A flag's or `--set`'s text as YAML reads it (`5000` a number, `10s` a string, `[a, b]` a list); other values as given. */
export function parseOverrideValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return SourceFile.parse('--set', `v: ${value}`).toJS()['v'];
  } catch {
    return value;
  }
}

/** Reads and loads a scenario file. */
export function loadScenarioFile(file: string, overrides: readonly FieldOverride[] = []): LoadedScenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new FlowlabError('ERR_USAGE', `cannot read scenario ${file}: ${toError(error).message}`);
  }
  return loadScenario(SourceFile.parse(file, text), overrides);
}

/** Validates a parsed scenario file (with overrides) and lowers it to run options; throws {@link FileValidationError}. */
export function loadScenario(source: SourceFile, overrides: readonly FieldOverride[] = []): LoadedScenario {
  for (const o of overrides) {
    const path = typeof o.path === 'string' ? fieldPath(o.path) : o.path;
    const value = o.literal ? o.value : parseOverrideValue(o.value);
    if (o.append) source.append(path, value, o.origin);
    else source.set(path, value, o.origin);
  }
  const data = source.toJS();
  const parsed = scenarioSchema.safeParse(data);
  if (!parsed.success) throw new FileValidationError(inFileOrder(describeIssues(source, scenarioSchema, parsed.error.issues, data)));
  const scenario = parsed.data;
  const issues: FileIssue[] = [];
  const at = (path: readonly PathSegment[], message: string): void => void issues.push(source.locate(path, message));

  try {
    deployerFor(scenario.cluster.deploy);
  } catch (error) {
    if (!(error instanceof DeployerUnavailableError)) throw error;
    at(['cluster', 'deploy'], error.missing);
  }
  const slotsKey = scenario.config['taskmanager.numberOfTaskSlots'];
  if (scenario.cluster.slots !== undefined && slotsKey !== undefined && String(slotsKey) !== String(scenario.cluster.slots)) {
    at(['cluster', 'slots'], `says ${scenario.cluster.slots} but config.taskmanager.numberOfTaskSlots says ${String(slotsKey)}: set one of them`);
  }
  const faults = lowerFaults(scenario, at);
  if (scenario.cluster.deploy !== 'netns') {
    scenario.faults.forEach((f, i) => {
      const blackhole = typeof f === 'string' ? /(^|,)\s*blackhole\s*=/.test(f) : f.kind === 'blackhole';
      if (blackhole) at(typeof f === 'string' ? ['faults', i] : ['faults', i, 'kind'], `blackhole needs cluster.deploy: netns (--deploy netns): only network namespaces can drop packets, and this run deploys ${scenario.cluster.deploy}`);
    });
  }
  const gates: AbsoluteGate[] = [];
  scenario.gates.forEach((g, i) => {
    try {
      gates.push(parseGate(g));
    } catch (error) {
      if (error instanceof GateSyntaxError) at(['gates', i], error.message);
      else throw error;
    }
  });
  const vertexIds = vertexIdsOf(scenario);
  for (const id of Object.keys(scenario.placement.slotSharingGroups)) {
    if (!vertexIds.includes(id)) at(['placement', 'slotSharingGroups', id], `no vertex "${id}" in the job (vertices: ${vertexIds.join(', ')})`);
  }
  const totalMs = scenario.workload.warmup + scenario.workload.duration;
  const rate = scenario.workload.rate;
  if (typeof rate === 'object') {
    const stepsMs = rate.steps.reduce((sum, s) => sum + s.for, 0);
    if (stepsMs > totalMs + 1) at(['workload', 'rate', 'steps'], `the steps last ${stepsMs} ms, longer than warm-up + duration (${totalMs} ms)`);
  }
  checkHttpWorkload(scenario, at);
  if (scenario.micro && scenario.network) at(['network'], 'a scenario runs either `micro` or `network` benchmarks, not both');
  if (issues.length > 0) throw new FileValidationError(inFileOrder(issues));

  const options = toRunOptions(scenario, faults);
  try {
    prepareRun(options);
  } catch (error) {
    throw new FileValidationError([locatePrepareError(source, scenario, error)]);
  }
  return { file: source.file, scenario, options, gates };
}

/**
 * `kind: http` needs `workload.http`, a fixed record size, no generator rate, and no process faults: an HTTP source
 * cannot replay requests after a restart, so exactly-once would not hold (see runtime's http-source-task.ts).
 */
function checkHttpWorkload(s: Scenario, at: (path: readonly PathSegment[], message: string) => void): void {
  const w = s.workload;
  if (w.kind !== 'http') {
    if (w.http) at(['workload', 'http'], 'applies to kind: http only; add workload.kind: http');
    return;
  }
  if (!w.http) at(['workload', 'kind'], 'kind: http needs workload.http with at least rate (requests/s)');
  if (w.rate !== 'unbounded') at(['workload', 'rate'], 'does not apply to kind: http: the client sets the pace (workload.http.rate, requests/s)');
  if (typeof w.recordSize !== 'number') at(['workload', 'recordSize'], 'kind: http needs a fixed record size (a number)');
  s.faults.forEach((f, i) => {
    const kind = typeof f === 'string' ? (/(kill|restart)-taskmanager/.exec(f)?.[0] ?? '') : f.kind;
    if (kind === 'kill-taskmanager' || kind === 'restart-taskmanager') {
      at(['faults', i], `${kind} with kind: http: a restarted HTTP source cannot replay what it accepted, so accepted would no longer mean delivered exactly once`);
    }
  });
}

/** A field path of a scenario; a bare Flink key (`execution.buffer-timeout`) means `config.<key>`. */
export function fieldPath(text: string): PathSegment[] {
  const trimmed = text.trim();
  const top = Object.keys(scenarioSchema.shape);
  if (!top.includes(trimmed.split(/[.[]/)[0]!) && Object.prototype.hasOwnProperty.call(CONFIG_KEYS, trimmed)) return ['config', trimmed];
  return parsePath(trimmed);
}

function vertexIdsOf(s: Scenario): string[] {
  if (s.job.vertices) return s.job.vertices.map((v) => v.id);
  return s.job.topology === 'source-map-sink' ? ['source', 'map', 'sink'] : s.job.topology === 'keyby-aggregate' || s.job.topology === undefined ? ['source', 'aggregate', 'sink'] : ['source', 'sink'];
}

/** `--fault` text of a structured entry (the fault parser checks attributes per toxic type). */
function faultEntry(f: Exclude<ScenarioFault, string>, atMs: number): string {
  const parts = [`at=${atMs}ms`];
  switch (f.kind) {
    case 'toxic':
      if (f.duration !== undefined) parts.push(`duration=${f.duration}ms`);
      parts.push(`link=${f.link}`, `stream=${f.stream}`, `toxic=${f.type}`, `toxicity=${f.toxicity}`);
      for (const [k, v] of Object.entries(f.attributes)) parts.push(`${k}=${v}`);
      break;
    case 'partition':
    case 'partition-hard':
      parts.push(`duration=${f.duration}ms`, `link=${f.link}`, f.kind);
      break;
    case 'kill-taskmanager':
    case 'restart-taskmanager':
      parts.push(`${f.kind}=${f.taskManager}`);
      break;
    case 'pause-taskmanager':
      parts.push(`duration=${f.duration}ms`, `${f.kind}=${f.taskManager}`);
      break;
    case 'blackhole':
      parts.push(`duration=${f.duration}ms`, `blackhole=${f.target}`);
      break;
  }
  return parts.join(',');
}

const ENTRY_KEYS = ['at', 'duration', 'link', 'stream', 'toxic', 'toxicity', 'partition', 'partition-hard', 'kill-taskmanager', 'restart-taskmanager', 'pause-taskmanager', 'blackhole'];

const FAULT_FIELD_PATHS: Readonly<Record<string, string>> = {
  toxic: 'type',
  'kill-taskmanager': 'taskManager',
  'restart-taskmanager': 'taskManager',
  'pause-taskmanager': 'taskManager',
  blackhole: 'target',
  kind: 'kind',
};

/** Structured and text faults → the fault timeline; random start times drawn from the scenario's seed. */
function lowerFaults(scenario: Scenario, at: (path: readonly PathSegment[], message: string) => void): FaultSpec[] {
  const random = new SeededRandom(scenario.seed).fork('faults');
  const out: FaultSpec[] = [];
  scenario.faults.forEach((f, i) => {
    let entry: string;
    if (typeof f === 'string') entry = f;
    else {
      const atMs = typeof f.at === 'number' ? f.at : Math.round(f.at.between[0] + random.nextFloat() * Math.max(0, f.at.between[1] - f.at.between[0]));
      if (typeof f.at !== 'number' && f.at.between[1] < f.at.between[0]) at(['faults', i, 'at', 'between'], 'expected [earliest, latest]');
      // an attribute named like an entry key (at, link, …) or holding , or = would be read as something else
      const clash = f.kind === 'toxic' ? Object.keys(f.attributes).find((k) => ENTRY_KEYS.includes(k) || /[,=]/.test(k)) : undefined;
      if (clash !== undefined) {
        at(['faults', i, 'attributes', clash], ENTRY_KEYS.includes(clash) ? `"${clash}" names a field of the fault entry, not a toxic attribute` : `"${clash}" is not a toxic attribute name`);
        return;
      }
      entry = faultEntry(f, atMs);
    }
    try {
      out.push(parseFault(entry));
    } catch (error) {
      if (!(error instanceof FaultTimelineError)) throw error;
      if (typeof f === 'string') at(['faults', i], error.message);
      else {
        const known = ['at', 'duration', 'link', 'stream', 'toxicity'];
        const field = FAULT_FIELD_PATHS[error.field] ?? (known.includes(error.field) ? error.field : undefined);
        const path: PathSegment[] = field ? ['faults', i, field] : ['faults', i, 'attributes', error.field];
        at(path, error.message.replace(/^Invalid fault "[^"]*": /, ''));
      }
    }
  });
  return out.sort((a, b) => a.atMs - b.atMs);
}

/** The run options of a resolved scenario. */
export function toRunOptions(s: Scenario, faults: readonly FaultSpec[]): RunOptions {
  const w = s.workload;
  const totalMs = w.warmup + w.duration;
  const config: Record<string, string | number | boolean> = { ...s.config };
  const parallelism = s.job.parallelism ?? 2;
  const graph: JobGraphSpec | undefined = s.job.vertices
    ? {
        name: s.name,
        vertices: s.job.vertices.map((v) => ({
          id: v.id,
          operator: v.operator,
          parallelism: v.parallelism,
          ...(v.operator === 'map' ? { map: { costUs: v.costUs ?? 0 } } : {}),
          ...(v.operator === 'flatMap'
            ? { flatMap: { ...(v.fanOut !== undefined ? { fanOut: v.fanOut } : {}), ...(v.recordSize !== undefined ? { recordSize: v.recordSize } : {}), ...(v.costUs !== undefined ? { costUs: v.costUs } : {}) } }
            : {}),
          ...(v.operator === 'sink' && v.costUs !== undefined ? { sink: { costUs: v.costUs } } : {}),
        })),
        edges: (s.job.edges ?? []).map((e) => ({ from: e.from, to: e.to, partitioner: e.partitioner })),
        ...(s.job.maxParallelism !== undefined ? { maxParallelism: s.job.maxParallelism } : {}),
      }
    : undefined;
  const size = w.recordSize;
  const rate = w.rate;
  let ratePerSec = 0;
  let rateSchedule: Array<{ durationMs: number; fromPerSec: number; toPerSec: number }> | undefined;
  if (typeof rate === 'number') ratePerSec = rate;
  else if (typeof rate === 'object') {
    rateSchedule = rate.steps.map((st) => ({ durationMs: st.for, fromPerSec: st.rate ?? st.from!, toPerSec: st.rate ?? st.to! }));
    const covered = rateSchedule.reduce((sum, st) => sum + st.durationMs, 0);
    if (covered < totalMs) {
      const last = rateSchedule.at(-1)!.toPerSec;
      rateSchedule.push({ durationMs: totalMs - covered, fromPerSec: last, toPerSec: last });
    }
    ratePerSec = Math.max(...rateSchedule.map((st) => Math.max(st.fromPerSec, st.toPerSec)));
  }
  const fixedSize = typeof size === 'number' ? size : 'min' in size ? size.min : undefined;
  const largest = typeof size === 'number' ? size : 'max' in size ? size.max : Math.max(...size.distribution.map((b) => b.size ?? b.max ?? b.min ?? 0));
  return {
    taskManagers: s.cluster.taskManagers,
    parallelism,
    topology: (s.job.topology ?? 'keyby-aggregate') as RunOptions['topology'],
    ratePerSec,
    recordSizeBytes: fixedSize ?? largest,
    keys: w.keys,
    keyDistribution: w.keyDistribution,
    mapCostUs: s.job.mapCostUs ?? 0,
    sinkCostUs: s.job.sinkCostUs ?? 0,
    durationMs: w.duration,
    warmupMs: w.warmup,
    seed: s.seed,
    config,
    slots: s.cluster.slots,
    calibrate: s.calibrate,
    chaos: s.chaos,
    faults,
    deploy: s.cluster.deploy,
    ...(graph ? { graph } : {}),
    source: {
      zipfExponent: w.zipfExponent,
      ...(rateSchedule ? { rateSchedule } : {}),
      ...(typeof size === 'object' && 'min' in size ? { recordSize: { min: size.min, max: size.max } } : {}),
      ...(typeof size === 'object' && 'distribution' in size
        ? { recordSizeDistribution: size.distribution.map((b) => ({ min: b.size ?? b.min ?? 28, max: b.size ?? b.max ?? b.min ?? 28, weight: b.weight })) }
        : {}),
    },
    slotSharingGroups: { ...s.placement.slotSharingGroups },
    scenario: s,
    ...(w.kind === 'http' && w.http ? httpRunOptions(w.http, sourceParallelism(s, parallelism)) : {}),
    ...(s.dashboard && s.dashboard.rate > 0 ? { dashboard: { ratePerSec: s.dashboard.rate, connections: s.dashboard.connections, paths: [...s.dashboard.paths] } } : {}),
  };
}

function sourceParallelism(s: Scenario, parallelism: number): number {
  return s.job.vertices ? s.job.vertices.filter((v) => v.operator === 'source').reduce((n, v) => n + v.parallelism, 0) : parallelism;
}

/** The load (autocannon) and the sources' HTTP parameters; the intended records/s per source subtask is recorded as the rate. */
function httpRunOptions(http: NonNullable<Scenario['workload']['http']>, sources: number): Pick<RunOptions, 'ingest' | 'ratePerSec' | 'sourceHttp'> {
  return {
    ingest: { ratePerSec: http.rate, connections: http.connections, pipelining: http.pipelining, recordsPerRequest: http.recordsPerRequest, timeoutMs: http.timeout },
    ratePerSec: (http.rate * http.recordsPerRequest) / Math.max(1, sources),
    sourceHttp: { waitMs: http.wait, retryAfterSec: Math.ceil(http.retryAfter / 1000), maxRecordsPerRequest: Math.max(http.recordsPerRequest, 1), maxQueuedRequests: http.maxQueuedRequests },
  };
}

/** The workload field behind a source parameter of the job graph (`recordSizeDistribution[1]` → its bucket). */
function workloadPath(s: Scenario, field: string, index: string | undefined): PathSegment[] {
  if (field.startsWith('recordSizeDistribution')) return ['workload', 'recordSize', 'distribution', Number(index)];
  if (field === 'recordSize') return ['workload', 'recordSize'];
  if (field.startsWith('rateSchedule')) {
    const steps = typeof s.workload.rate === 'object' ? s.workload.rate.steps.length : 0;
    // the segment after the last step is the held rate, not a step of the file
    return index !== undefined && Number(index) < steps ? ['workload', 'rate', 'steps', Number(index)] : ['workload', 'rate'];
  }
  return ['workload', field === 'ratePerSec' ? 'rate' : field];
}

/** Where a pre-start failure (config, graph, buffers, slots) points in the file. */
function locatePrepareError(source: SourceFile, s: Scenario, error: unknown): FileIssue {
  if (error instanceof InvalidConfigError) {
    if (error.key === 'taskmanager.numberOfTaskSlots' && s.config[error.key] === undefined) {
      // slots left to flowlab follow from the parallelism: blame the field that asked for them
      if (s.cluster.slots === undefined && s.job.parallelism !== undefined) {
        return source.locate(['job', 'parallelism'], `${error.message} The slots per TaskManager follow from job.parallelism ${s.job.parallelism} on ${s.cluster.taskManagers} TaskManagers: lower the parallelism or add TaskManagers.`);
      }
      return source.locate(['cluster', 'slots'], error.message);
    }
    return source.locate(s.config[error.key] !== undefined ? ['config', error.key] : ['config'], error.message);
  }
  if (error instanceof InsufficientBuffersError) return source.locate(['config'], error.message);
  if (error instanceof InvalidJobGraphError) {
    // source parameters come from the workload, whether the graph is a preset or explicit
    const sourceField = /source\.(recordSizeDistribution\[(\d+)\]|recordSize|rateSchedule\[(\d+)\]|rateSchedule|ratePerSec|keys|keyDistribution|zipfExponent)/.exec(error.message);
    if (sourceField) return source.locate(workloadPath(s, sourceField[1]!, sourceField[2] ?? sourceField[3]), error.message);
    const vertex = /^vertex (.+)$/.exec(error.element)?.[1];
    const edge = /^edge (.+)->(.+)$/.exec(error.element);
    if (s.job.vertices && vertex !== undefined) {
      const i = s.job.vertices.findIndex((v) => v.id === vertex);
      return source.locate(i >= 0 ? ['job', 'vertices', i] : ['job', 'vertices'], error.message);
    }
    if (s.job.edges && edge) {
      const i = s.job.edges.findIndex((e) => e.from === edge[1] && e.to === edge[2]);
      return source.locate(i >= 0 ? ['job', 'edges', i] : ['job', 'edges'], error.message);
    }
    return source.locate(['job'], error.message);
  }
  if (error instanceof FlowlabError) return source.locate([], error.message);
  throw error;
}
