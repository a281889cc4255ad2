/**
 * Job graphs: vertices (a built-in operator with a parallelism) and edges (how records are partitioned between
 * them), validated with errors that name the vertex or edge, and the `--topology` presets.
 */
import { FlowlabError } from '../../core/index.js';

export type OperatorKind = 'source' | 'map' | 'flatMap' | 'aggregate' | 'sink';
export type PartitionerKind = 'forward' | 'rebalance' | 'keyBy' | 'broadcast';

export interface SourceParams {
  /** Records per second per subtask; 0 = as fast as backpressure allows. Ignored when `rateSchedule` is present. */
  ratePerSec: number;
  /**
   * Records/s per subtask over time; replaces ratePerSec when present. Segments are back to back from 0; the rate
   * changes linearly from fromPerSec to toPerSec within a segment (equal: a step). The last segment's end is the
   * source's durationMs. A rate of 0 in a segment means no records then (not unbounded).
   */
  rateSchedule?: RateSegment[];
  /** How long each source subtask emits (ms); the job finishes when every source has and all data is drained. */
  durationMs: number;
  /** Key space [0, keys). */
  keys: number;
  keyDistribution: 'uniform' | 'zipf';
  /** Zipf exponent s (> 0) when keyDistribution is zipf. */
  zipfExponent: number;
  /** Record body size (header + payload) in bytes: fixed, or uniform in [min, max]. Ignored when `recordSizeDistribution` is present. */
  recordSize: { min: number; max: number };
  /**
   * Weighted size buckets (body bytes, header included); a record picks a bucket by weight, then a size uniform in
   * [min, max]. Replaces recordSize when present.
   */
  recordSizeDistribution?: RecordSizeBucket[];
  seed: number;
  /**
   * HTTP ingest instead of generated records: each subtask serves `POST /records` (NDJSON, one `{"key": n}` per line)
   * on loopback for `durationMs`; `ratePerSec`, schedules and key distributions do not apply (the client chooses).
   */
  http?: HttpSourceParams;
}

/** {@link SourceParams.http}: how an HTTP ingest source answers when its output is back-pressured. */
export interface HttpSourceParams {
  /** How long a request waits for a back-pressured output before it gets 503; 0 = reject at once. */
  waitMs: number;
  /** The `Retry-After` of a 503, seconds. */
  retryAfterSec: number;
  /** Largest batch one request may carry (larger: 413). */
  maxRecordsPerRequest: number;
  /** Requests waiting for the output at once (more: 503 at once). */
  maxQueuedRequests: number;
}

export const DEFAULT_HTTP_SOURCE_PARAMS: HttpSourceParams = { waitMs: 100, retryAfterSec: 1, maxRecordsPerRequest: 10_000, maxQueuedRequests: 1024 };

/** One segment of {@link SourceParams.rateSchedule}: `durationMs` long, the rate going linearly from `fromPerSec` to `toPerSec`. */
export interface RateSegment {
  durationMs: number;
  fromPerSec: number;
  toPerSec: number;
}

/** One bucket of {@link SourceParams.recordSizeDistribution}: body sizes uniform in [min, max] bytes, chosen with relative `weight`. */
export interface RecordSizeBucket {
  min: number;
  max: number;
  weight: number;
}

export interface MapParams {
  /** Busy CPU time per record in microseconds (creates backpressure upstream). */
  costUs: number;
}

/**
 * Flat map (spec S13): every input record becomes `fanOut` records of `recordSize` body bytes (same key, source subtask
 * and intended emit time; sequence `input × fanOut + i`, so the sink's per-key check still holds). One input record's
 * outputs are one uninterruptible step, as a Flink flatMap is: no barrier is handled until they are all written.
 */
export interface FlatMapParams {
  /** Records emitted per input record (1 … 10,000). */
  fanOut: number;
  /** Body bytes (header + payload) of each emitted record. */
  recordSize: number;
  /** Busy CPU time per *input* record in microseconds. */
  costUs: number;
}

export const DEFAULT_FLAT_MAP_PARAMS: FlatMapParams = { fanOut: 4, recordSize: 100, costUs: 0 };
const MAX_FAN_OUT = 10_000;

/** A slow sink (spec S9: the per-record cost at the end back-pressures every exchange before it). */
export interface SinkParams {
  /** Busy CPU time per record in microseconds before the sink verifies it. */
  costUs: number;
}

export interface VertexSpec {
  id: string;
  operator: OperatorKind;
  parallelism: number;
  /**
   * Vertices in the same group share slots (subtask i of each in the group's i-th slot); vertices of different
   * groups never share a slot. Letters, digits, - and _.
   * @default "default"
   */
  slotSharingGroup?: string;
  source?: Partial<SourceParams>;
  map?: Partial<MapParams>;
  flatMap?: Partial<FlatMapParams>;
  sink?: Partial<SinkParams>;
}

export interface EdgeSpec {
  from: string;
  to: string;
  partitioner: PartitionerKind;
}

export interface JobGraphSpec {
  name: string;
  vertices: VertexSpec[];
  edges: EdgeSpec[];
  /** Key groups for keyBy edges (default: Flink's default max parallelism of the consumer). */
  maxParallelism?: number;
  /** Seed of every task's partitioner and payload bytes (the sources' own `seed` drives keys and sizes). @default 0 */
  seed?: number;
}

export class InvalidJobGraphError extends FlowlabError {
  /** `vertex <id>` or `edge <from>-><to>` or `job`. */
  readonly element: string;

  constructor(element: string, message: string) {
    super('ERR_INVALID_JOB_GRAPH', `Invalid job graph: ${element}: ${message}`);
    this.element = element;
  }
}

export const DEFAULT_SOURCE_PARAMS: SourceParams = {
  ratePerSec: 0,
  durationMs: 20_000,
  keys: 1024,
  keyDistribution: 'uniform',
  zipfExponent: 1.1,
  recordSize: { min: 100, max: 100 },
  seed: 42,
};

const OPERATORS: readonly OperatorKind[] = ['source', 'map', 'flatMap', 'aggregate', 'sink'];
const PARTITIONERS: readonly PartitionerKind[] = ['forward', 'rebalance', 'keyBy', 'broadcast'];
/** Flink's upper bound on (max) parallelism. */
export const MAX_PARALLELISM = 32_768;
/** Largest key space a source may draw from. */
export const MAX_KEYS = 10_000_000;
const MIN_RECORD_BODY = 28;
const MAX_RECORD_BODY = 64 * 1024 * 1024;
/** The slot sharing group of a vertex that names none (Flink's `"default"`). */
export const DEFAULT_SLOT_SHARING_GROUP = 'default';
/** Durations of a rate schedule must add up to the source's durationMs within this much. */
const SCHEDULE_DURATION_TOLERANCE_MS = 1;
/** Vertex ids and slot sharing group names: a letter, then letters, digits, - and _. */
const NAME = /^[a-z][a-z0-9_-]*$/i;

/** Throws {@link InvalidJobGraphError} naming the first bad vertex or edge; returns the graph with defaults filled. */
export function validateJobGraph(graph: JobGraphSpec): JobGraphSpec {
  if (!graph || !Array.isArray(graph.vertices) || !Array.isArray(graph.edges)) {
    throw new InvalidJobGraphError('job', 'needs "vertices" and "edges" arrays');
  }
  if (graph.vertices.length === 0) throw new InvalidJobGraphError('job', 'has no vertices');
  const ids = new Set<string>();
  const vertices = graph.vertices.map((v, i) => {
    const where = `vertex ${typeof v?.id === 'string' && v.id ? v.id : `#${i}`}`;
    if (typeof v?.id !== 'string' || !NAME.test(v.id)) throw new InvalidJobGraphError(where, 'id must be a name like "source" (letters, digits, - and _)');
    if (ids.has(v.id)) throw new InvalidJobGraphError(where, 'id is used twice');
    ids.add(v.id);
    if (!OPERATORS.includes(v.operator)) throw new InvalidJobGraphError(where, `operator "${String(v.operator)}" is not one of ${OPERATORS.join(', ')}`);
    if (!Number.isInteger(v.parallelism) || v.parallelism < 1 || v.parallelism > MAX_PARALLELISM) {
      throw new InvalidJobGraphError(where, `parallelism ${String(v.parallelism)} must be an integer in [1, ${MAX_PARALLELISM}]`);
    }
    const out: VertexSpec = { id: v.id, operator: v.operator, parallelism: v.parallelism };
    if (v.slotSharingGroup !== undefined) {
      if (typeof v.slotSharingGroup !== 'string' || !NAME.test(v.slotSharingGroup)) {
        throw new InvalidJobGraphError(where, `slotSharingGroup ${JSON.stringify(v.slotSharingGroup)} must be a name like "default" (letters, digits, - and _)`);
      }
      out.slotSharingGroup = v.slotSharingGroup;
    }
    if (v.operator === 'source') out.source = validateSource(where, v.source ?? {});
    if (v.operator === 'map') out.map = { costUs: validateCost(where, 'map', v.map?.costUs) };
    if (v.operator === 'flatMap') out.flatMap = validateFlatMap(where, v.flatMap ?? {});
    if (v.operator === 'sink' && v.sink) out.sink = { costUs: validateCost(where, 'sink', v.sink.costUs) };
    return out;
  });
  const byId = new Map(vertices.map((v) => [v.id, v]));
  const inputs = new Map<string, number>();
  const outputs = new Map<string, number>();
  const edges = graph.edges.map((e) => {
    const where = `edge ${String(e?.from)}->${String(e?.to)}`;
    const from = byId.get(e?.from);
    const to = byId.get(e?.to);
    if (!from) throw new InvalidJobGraphError(where, `source vertex "${String(e?.from)}" does not exist`);
    if (!to) throw new InvalidJobGraphError(where, `target vertex "${String(e?.to)}" does not exist`);
    if (!PARTITIONERS.includes(e.partitioner)) throw new InvalidJobGraphError(where, `partitioner "${String(e.partitioner)}" is not one of ${PARTITIONERS.join(', ')}`);
    if (e.partitioner === 'forward' && from.parallelism !== to.parallelism) {
      throw new InvalidJobGraphError(where, `forward needs equal parallelism (${from.parallelism} vs ${to.parallelism})`);
    }
    if (to.operator === 'source') throw new InvalidJobGraphError(where, 'a source cannot have inputs');
    if (from.operator === 'sink') throw new InvalidJobGraphError(where, 'a sink cannot have outputs');
    inputs.set(to.id, (inputs.get(to.id) ?? 0) + 1);
    outputs.set(from.id, (outputs.get(from.id) ?? 0) + 1);
    return { from: from.id, to: to.id, partitioner: e.partitioner };
  });
  for (const v of vertices) {
    const where = `vertex ${v.id}`;
    const ins = inputs.get(v.id) ?? 0;
    const outs = outputs.get(v.id) ?? 0;
    if (v.operator !== 'source' && ins !== 1) throw new InvalidJobGraphError(where, `a ${v.operator} needs exactly one input edge, has ${ins}`);
    if (v.operator !== 'sink' && outs !== 1) throw new InvalidJobGraphError(where, `a ${v.operator} needs exactly one output edge, has ${outs}`);
  }
  detectCycle(vertices, edges);
  const result: JobGraphSpec = { name: typeof graph.name === 'string' && graph.name ? graph.name : 'job', vertices, edges };
  if (graph.maxParallelism !== undefined) {
    if (!Number.isInteger(graph.maxParallelism) || graph.maxParallelism < 1 || graph.maxParallelism > MAX_PARALLELISM) {
      throw new InvalidJobGraphError('job', `maxParallelism ${graph.maxParallelism} must be in [1, ${MAX_PARALLELISM}]`);
    }
    for (const v of vertices) {
      if (v.parallelism > graph.maxParallelism) throw new InvalidJobGraphError(`vertex ${v.id}`, `parallelism ${v.parallelism} exceeds maxParallelism ${graph.maxParallelism}`);
    }
    result.maxParallelism = graph.maxParallelism;
  }
  if (graph.seed !== undefined) {
    if (!Number.isInteger(graph.seed) || graph.seed < 0 || graph.seed > 0xffff_ffff) throw new InvalidJobGraphError('job', `seed ${graph.seed} must be an integer in [0, 4294967295]`);
    result.seed = graph.seed;
  }
  return result;
}

function validateSource(where: string, p: Partial<SourceParams>): SourceParams {
  const { rateSchedule, recordSizeDistribution, ...rest } = p;
  const s: SourceParams = { ...DEFAULT_SOURCE_PARAMS, ...rest, recordSize: { ...DEFAULT_SOURCE_PARAMS.recordSize, ...(p.recordSize ?? {}) } };
  const check = (ok: boolean, field: string, rule: string, value: unknown): void => {
    if (!ok) throw new InvalidJobGraphError(where, `source.${field} ${typeof value === 'number' ? String(value) : JSON.stringify(value)} ${rule}`);
  };
  check(typeof s.ratePerSec === 'number' && s.ratePerSec >= 0 && Number.isFinite(s.ratePerSec), 'ratePerSec', 'must be ≥ 0 (0: unbounded)', s.ratePerSec);
  check(typeof s.durationMs === 'number' && s.durationMs > 0 && Number.isFinite(s.durationMs), 'durationMs', 'must be > 0', s.durationMs);
  check(Number.isInteger(s.keys) && s.keys >= 1 && s.keys <= MAX_KEYS, 'keys', `must be an integer in [1, ${MAX_KEYS}]`, s.keys);
  check(s.keyDistribution === 'uniform' || s.keyDistribution === 'zipf', 'keyDistribution', 'must be uniform or zipf', s.keyDistribution);
  check(typeof s.zipfExponent === 'number' && s.zipfExponent > 0, 'zipfExponent', 'must be > 0', s.zipfExponent);
  check(Number.isInteger(s.recordSize.min) && s.recordSize.min >= MIN_RECORD_BODY, 'recordSize.min', `must be an integer ≥ ${MIN_RECORD_BODY} (the record header)`, s.recordSize.min);
  check(Number.isInteger(s.recordSize.max) && s.recordSize.max >= s.recordSize.min && s.recordSize.max <= MAX_RECORD_BODY, 'recordSize.max', 'must be ≥ recordSize.min and ≤ 64 MiB', s.recordSize.max);
  check(Number.isInteger(s.seed), 'seed', 'must be an integer', s.seed);
  if (rateSchedule !== undefined) s.rateSchedule = validateRateSchedule(rateSchedule, s.durationMs, check);
  if (recordSizeDistribution !== undefined) s.recordSizeDistribution = validateSizeDistribution(recordSizeDistribution, check);
  if (p.http !== undefined) s.http = validateHttpSource(p.http, check);
  return s;
}

type Check = (ok: boolean, field: string, rule: string, value: unknown) => void;

const isFiniteAtLeast = (value: unknown, min: number): value is number => typeof value === 'number' && Number.isFinite(value) && value >= min;

function validateRateSchedule(schedule: unknown, durationMs: number, check: Check): RateSegment[] {
  check(Array.isArray(schedule) && schedule.length > 0, 'rateSchedule', 'must be a non-empty array of {durationMs, fromPerSec, toPerSec}', schedule);
  let totalMs = 0;
  const segments = (schedule as unknown[]).map((entry, i) => {
    const field = `rateSchedule[${i}]`;
    check(typeof entry === 'object' && entry !== null && !Array.isArray(entry), field, 'must be an object {durationMs, fromPerSec, toPerSec}', entry);
    const e = entry as Partial<RateSegment>;
    check(isFiniteAtLeast(e.durationMs, 0) && e.durationMs > 0, `${field}.durationMs`, 'must be a finite number > 0', e.durationMs);
    check(isFiniteAtLeast(e.fromPerSec, 0), `${field}.fromPerSec`, 'must be a finite number ≥ 0 (0: no records)', e.fromPerSec);
    check(isFiniteAtLeast(e.toPerSec, 0), `${field}.toPerSec`, 'must be a finite number ≥ 0 (0: no records)', e.toPerSec);
    totalMs += e.durationMs!;
    return { durationMs: e.durationMs!, fromPerSec: e.fromPerSec!, toPerSec: e.toPerSec! };
  });
  check(
    Math.abs(totalMs - durationMs) <= SCHEDULE_DURATION_TOLERANCE_MS,
    'rateSchedule',
    `durations sum to ${totalMs} ms but must equal source.durationMs (${durationMs} ms) within ${SCHEDULE_DURATION_TOLERANCE_MS} ms`,
    segments.map((seg) => seg.durationMs),
  );
  return segments;
}

function validateHttpSource(http: unknown, check: Check): HttpSourceParams {
  check(typeof http === 'object' && http !== null && !Array.isArray(http), 'http', 'must be an object {waitMs, retryAfterSec, maxRecordsPerRequest, maxQueuedRequests}', http);
  const h: HttpSourceParams = { ...DEFAULT_HTTP_SOURCE_PARAMS, ...(http as Partial<HttpSourceParams>) };
  check(isFiniteAtLeast(h.waitMs, 0) && h.waitMs <= 3_600_000, 'http.waitMs', 'must be in [0, 3600000] (0: reject at once)', h.waitMs);
  check(Number.isInteger(h.retryAfterSec) && h.retryAfterSec >= 0 && h.retryAfterSec <= 86_400, 'http.retryAfterSec', 'must be an integer in [0, 86400]', h.retryAfterSec);
  check(Number.isInteger(h.maxRecordsPerRequest) && h.maxRecordsPerRequest >= 1 && h.maxRecordsPerRequest <= 1_000_000, 'http.maxRecordsPerRequest', 'must be an integer in [1, 1000000]', h.maxRecordsPerRequest);
  check(Number.isInteger(h.maxQueuedRequests) && h.maxQueuedRequests >= 0 && h.maxQueuedRequests <= 1_000_000, 'http.maxQueuedRequests', 'must be an integer in [0, 1000000]', h.maxQueuedRequests);
  return h;
}

function validateSizeDistribution(distribution: unknown, check: Check): RecordSizeBucket[] {
  check(Array.isArray(distribution) && distribution.length > 0, 'recordSizeDistribution', 'must be a non-empty array of {min, max, weight}', distribution);
  return (distribution as unknown[]).map((entry, i) => {
    const field = `recordSizeDistribution[${i}]`;
    check(typeof entry === 'object' && entry !== null && !Array.isArray(entry), field, 'must be an object {min, max, weight}', entry);
    const b = entry as Partial<RecordSizeBucket>;
    check(Number.isInteger(b.min) && b.min! >= MIN_RECORD_BODY && b.min! <= MAX_RECORD_BODY, `${field}.min`, `must be an integer in [${MIN_RECORD_BODY} (the record header), 64 MiB]`, b.min);
    check(Number.isInteger(b.max) && b.max! >= b.min! && b.max! <= MAX_RECORD_BODY, `${field}.max`, `must be an integer ≥ ${field}.min and ≤ 64 MiB`, b.max);
    check(isFiniteAtLeast(b.weight, 0) && b.weight > 0, `${field}.weight`, 'must be a finite number > 0', b.weight);
    return { min: b.min!, max: b.max!, weight: b.weight! };
  });
}

function detectCycle(vertices: readonly VertexSpec[], edges: readonly EdgeSpec[]): void {
  const state = new Map<string, 0 | 1 | 2>();
  const next = (id: string): string[] => edges.filter((e) => e.from === id).map((e) => e.to);
  const visit = (id: string): void => {
    if (state.get(id) === 2) return;
    if (state.get(id) === 1) throw new InvalidJobGraphError(`vertex ${id}`, 'is part of a cycle');
    state.set(id, 1);
    for (const n of next(id)) visit(n);
    state.set(id, 2);
  };
  for (const v of vertices) visit(v.id);
}

export type TopologyPreset = 'source-sink' | 'source-map-sink' | 'keyby-aggregate' | 'fan-in';
export const TOPOLOGY_PRESETS: readonly TopologyPreset[] = ['source-sink', 'source-map-sink', 'keyby-aggregate', 'fan-in'];

function validateFlatMap(where: string, p: Partial<FlatMapParams>): FlatMapParams {
  const f: FlatMapParams = { ...DEFAULT_FLAT_MAP_PARAMS, ...p, costUs: validateCost(where, 'flatMap', p.costUs) };
  if (!Number.isInteger(f.fanOut) || f.fanOut < 1 || f.fanOut > MAX_FAN_OUT) throw new InvalidJobGraphError(where, `flatMap.fanOut ${JSON.stringify(f.fanOut)} must be an integer in [1, ${MAX_FAN_OUT}]`);
  if (!Number.isInteger(f.recordSize) || f.recordSize < MIN_RECORD_BODY || f.recordSize > 64 * 1024 * 1024) {
    throw new InvalidJobGraphError(where, `flatMap.recordSize ${JSON.stringify(f.recordSize)} must be an integer in [${MIN_RECORD_BODY} (the record header), 64 MiB]`);
  }
  return f;
}

function validateCost(where: string, operator: 'map' | 'flatMap' | 'sink', value: unknown): number {
  const costUs = value ?? 0;
  if (typeof costUs !== 'number' || !(costUs >= 0) || costUs > 1_000_000) throw new InvalidJobGraphError(where, `${operator}.costUs ${JSON.stringify(costUs)} must be in [0, 1000000]`);
  return costUs;
}

/**
 * A preset job graph with `parallelism` per vertex (fan-in: `parallelism` sources into one sink). `sink` parameters
 * apply to the sink vertex of every preset.
 */
export function presetJobGraph(
  preset: TopologyPreset,
  parallelism: number,
  source: Partial<SourceParams> = {},
  map: Partial<MapParams> = {},
  sinkParams: Partial<SinkParams> = {},
): JobGraphSpec {
  const graph = presetShape(preset, parallelism, source, map);
  if (sinkParams.costUs !== undefined) for (const v of graph.vertices) if (v.operator === 'sink') v.sink = { ...sinkParams };
  return graph;
}

function presetShape(preset: TopologyPreset, parallelism: number, source: Partial<SourceParams>, map: Partial<MapParams>): JobGraphSpec {
  const src = (p: number): VertexSpec => ({ id: 'source', operator: 'source', parallelism: p, source });
  switch (preset) {
    case 'source-sink':
      return {
        name: preset,
        vertices: [src(parallelism), { id: 'sink', operator: 'sink', parallelism }],
        edges: [{ from: 'source', to: 'sink', partitioner: 'rebalance' }],
      };
    case 'source-map-sink':
      return {
        name: preset,
        vertices: [src(parallelism), { id: 'map', operator: 'map', parallelism, map }, { id: 'sink', operator: 'sink', parallelism }],
        edges: [
          { from: 'source', to: 'map', partitioner: 'rebalance' },
          { from: 'map', to: 'sink', partitioner: 'rebalance' },
        ],
      };
    case 'keyby-aggregate':
      return {
        name: preset,
        vertices: [src(parallelism), { id: 'aggregate', operator: 'aggregate', parallelism }, { id: 'sink', operator: 'sink', parallelism }],
        edges: [
          { from: 'source', to: 'aggregate', partitioner: 'keyBy' },
          { from: 'aggregate', to: 'sink', partitioner: 'forward' },
        ],
      };
    case 'fan-in':
      return {
        name: preset,
        vertices: [src(parallelism), { id: 'sink', operator: 'sink', parallelism: 1 }],
        edges: [{ from: 'source', to: 'sink', partitioner: 'rebalance' }],
      };
  }
}
