/**
 * The scenario file (DESIGN.md §4): one YAML (or JSON) document that binds cluster, Flink config, job, workload,
 * faults, placement, repetitions, seed and gates. This zod schema is both the validator and the TypeScript type
 * (`ScenarioInput` as written, `Scenario` with defaults filled); `schemas/scenario.schema.json` is generated from it.
 * Semantic checks that need more than one field (Flink keys, the job graph, buffers, slots, fault attributes) run in
 * the loader, after this schema, and report the same way.
 */
import { z } from 'zod';
import { MICRO_CASE_NAMES } from './micro-case-names.js';
import { parseDurationMs } from '../core/index.js';
import { TOXIC_TYPES } from '../chaos/index.js';
import { NETWORK_BENCH_CASES, TOPOLOGY_PRESETS } from '../runtime/index.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ID = /^[a-z][a-z0-9_-]*$/i;

/** A duration with a unit (`20s`, `500ms`, `1 min`); a bare number is refused (seconds or milliseconds?). */
export const durationSchema = z
  .union([z.string(), z.number()])
  .describe('A duration with a unit, e.g. 20s, 500ms, 1 min. A bare number is an error (seconds or milliseconds?).')
  .transform((raw, ctx) => {
    if (typeof raw === 'number' || /^\s*-?\d+(\.\d+)?\s*$/.test(raw)) {
      ctx.addIssue({ code: 'custom', message: `a duration needs a unit, such as ${String(raw).trim()}s or ${String(raw).trim()}ms` });
      return z.NEVER;
    }
    const ms = parseDurationMs(raw);
    if (ms === undefined || ms < 0) {
      ctx.addIssue({ code: 'custom', message: 'expected a duration such as 20s, 500ms or 1 min' });
      return z.NEVER;
    }
    return ms;
  })
  // The JSON Schema shows what the loader accepts: text with a unit (a number is only taken to explain the error).
  .meta({ type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*[A-Za-zµ]+\\s*$' });

const positiveDuration = durationSchema.refine((ms) => ms > 0, 'expected a positive duration');

const rateNumber = z.number().positive().max(100_000_000).describe('Records per second per source subtask.');

const stepSchema = z
  .strictObject({
    rate: z.number().min(0).max(100_000_000).optional().describe('Constant records/s per source subtask during this step (0: none).'),
    from: z.number().min(0).max(100_000_000).optional().describe('Ramp: records/s at the start of the step.'),
    to: z.number().min(0).max(100_000_000).optional().describe('Ramp: records/s at the end of the step.'),
    for: positiveDuration.describe('How long this step lasts.'),
  })
  .superRefine((s, ctx) => {
    const ramp = s.from !== undefined || s.to !== undefined;
    if (s.rate !== undefined && ramp) ctx.addIssue({ code: 'custom', path: ['rate'], message: 'a step is either `rate` (constant) or `from`/`to` (a ramp), not both' });
    else if (s.rate === undefined && !ramp) ctx.addIssue({ code: 'custom', path: ['rate'], message: 'a step needs `rate`, or `from` and `to` for a ramp' });
    else if (ramp && (s.from === undefined || s.to === undefined)) ctx.addIssue({ code: 'custom', path: [s.from === undefined ? 'from' : 'to'], message: 'a ramp needs both `from` and `to`' });
  });

export const rateSchema = z
  .union([
    z.literal('unbounded').describe('As fast as backpressure allows.'),
    rateNumber,
    z.strictObject({
      steps: z.array(stepSchema).min(1).describe('Steps and ramps from the job start (warm-up included); the last rate holds to the end.'),
    }),
  ])
  .describe('Open-loop rate per source subtask: a number (records/s), "unbounded", or {steps: [...]}. Default: "unbounded".');

const sizeBucket = z
  .strictObject({
    size: z.int().min(28).max(64 * 1024 * 1024).optional().describe('A fixed size in this bucket.'),
    min: z.int().min(28).max(64 * 1024 * 1024).optional().describe('With max: sizes uniform in [min, max].'),
    max: z.int().min(28).max(64 * 1024 * 1024).optional(),
    weight: z.number().positive().describe('Relative frequency of this bucket.'),
  })
  .superRefine((b, ctx) => {
    const range = b.min !== undefined || b.max !== undefined;
    if (b.size !== undefined && range) ctx.addIssue({ code: 'custom', path: ['size'], message: 'a bucket is either `size` or `min`/`max`, not both' });
    else if (b.size === undefined && !range) ctx.addIssue({ code: 'custom', path: ['size'], message: 'a bucket needs `size`, or `min` and `max`' });
    else if (range && (b.min === undefined || b.max === undefined)) ctx.addIssue({ code: 'custom', path: [b.min === undefined ? 'min' : 'max'], message: 'a range needs both `min` and `max`' });
    else if (range && b.max! < b.min!) ctx.addIssue({ code: 'custom', path: ['max'], message: `expected max ≥ min (${b.min})` });
  });

export const recordSizeSchema = z
  .union([
    z.int().min(28).max(64 * 1024 * 1024),
    z.strictObject({ min: z.int().min(28).max(64 * 1024 * 1024), max: z.int().min(28).max(64 * 1024 * 1024) }),
    z.strictObject({ distribution: z.array(sizeBucket).min(1) }),
  ])
  .describe('Record body bytes (28-byte header + payload): a number, {min, max} (uniform), or {distribution: [{size|min,max, weight}]}.');

export const httpWorkloadSchema = z
  .strictObject({
    rate: z.number().positive().max(1_000_000).describe('Requests per second over all connections and sources (open loop: autocannon overallRate).'),
    connections: z.int().min(1).max(10_000).default(10).describe('autocannon connections, spread over the source subtasks.'),
    pipelining: z.int().min(1).max(1000).default(1).describe('Requests in flight per connection.'),
    recordsPerRequest: z.int().min(1).max(1_000_000).default(10).describe('Records in each NDJSON body.'),
    wait: durationSchema.default(100).describe('How long a request waits for a back-pressured source output before 503 (0ms: reject at once).'),
    retryAfter: durationSchema.default(1000).describe('Retry-After of a 503 (whole seconds, rounded up).'),
    timeout: positiveDuration.default(10_000).describe("autocannon's response timeout."),
    maxQueuedRequests: z.int().min(0).max(1_000_000).default(1024).describe('Requests one source subtask lets wait at once (more: 503 at once).'),
  })
  .describe('kind: http: autocannon posts NDJSON batches to every source subtask’s POST /records.');

export const workloadSchema = z
  .strictObject({
    rate: rateSchema.default('unbounded'),
    recordSize: recordSizeSchema.default(100),
    keys: z.int().min(1).max(10_000_000).default(1024).describe('Key space [0, keys).'),
    keyDistribution: z.enum(['uniform', 'zipf']).default('uniform').describe('How keys are drawn from [0, keys).'),
    zipfExponent: z.number().positive().default(1.1).describe('Zipf exponent s when keyDistribution is zipf.'),
    warmup: durationSchema.prefault('2s').describe('Warm-up, excluded from the steady phase.'),
    duration: positiveDuration.prefault('18s').describe('Measured time after the warm-up.'),
    kind: z.enum(['generator', 'http']).default('generator').describe('generator: the sources make records (rate, keys, sizes); http: autocannon posts them to the sources (workload.http).'),
    http: httpWorkloadSchema.optional(),
  })
  .describe('The open-loop workload every source subtask generates, or the HTTP load (kind: http) that feeds them.');

const vertexSchema = z.strictObject({
  id: z.string().regex(ID, 'a name like "source" (letters, digits, - and _)'),
  operator: z.enum(['source', 'map', 'flatMap', 'aggregate', 'sink']),
  parallelism: z.int().min(1).max(32_768),
  costUs: z.number().min(0).max(1_000_000).optional().describe('CPU µs per record (map, sink; flatMap: per input record).'),
  fanOut: z.int().min(1).max(10_000).optional().describe('flatMap: records emitted per input record (default 4).'),
  recordSize: z.int().min(28).max(64 * 1024 * 1024).optional().describe('flatMap: body bytes of each emitted record (default 100).'),
});

const edgeSchema = z.strictObject({
  from: z.string(),
  to: z.string(),
  partitioner: z.enum(['forward', 'rebalance', 'keyBy', 'broadcast']),
});

export const jobSchema = z
  .strictObject({
    topology: z.enum(TOPOLOGY_PRESETS as unknown as [string, ...string[]]).optional().describe('A preset graph (or give vertices and edges). Default keyby-aggregate.'),
    parallelism: z.int().min(1).max(32_768).optional().describe('Parallelism of every preset vertex (fan-in: of the sources). Default 2.'),
    mapCostUs: z.number().min(0).max(1_000_000).optional().describe('CPU µs per record in the preset map (source-map-sink).'),
    sinkCostUs: z.number().min(0).max(1_000_000).optional().describe('CPU µs per record in the sink (a slow sink, spec S9).'),
    vertices: z.array(vertexSchema).min(1).optional().describe('An explicit graph: built-in operators with parallelism and costs.'),
    edges: z.array(edgeSchema).optional(),
    maxParallelism: z.int().min(1).max(32_768).optional().describe('Key groups of keyBy edges.'),
  })
  .superRefine((j, ctx) => {
    if (j.vertices !== undefined) {
      for (const k of ['topology', 'parallelism', 'mapCostUs', 'sinkCostUs'] as const) {
        if (j[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `${k} is for presets; with vertices, set it per vertex` });
      }
      if (j.edges === undefined) ctx.addIssue({ code: 'custom', path: ['edges'], message: 'vertices need edges (an empty list for none)' });
    } else if (j.edges !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['vertices'], message: 'edges need vertices' });
    }
  })
  .describe('A topology preset or an explicit graph of vertices and edges.');

const faultTime = z.union([durationSchema, z.strictObject({ between: z.tuple([durationSchema, durationSchema]) })]).describe('When, after the job is submitted: a duration, or {between: [a, b]} drawn from the seed.');

const faultObject = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('toxic'),
    at: faultTime,
    duration: positiveDuration.optional().describe('Omitted: until the end of the run.'),
    link: z.string().min(1).describe('A proxy name or a glob with * and ?, e.g. data-tm-1-* or ctrl-tm-0.'),
    type: z.enum(TOXIC_TYPES).describe('The Toxiproxy toxic; its type decides which attributes apply.'),
    stream: z.enum(['upstream', 'downstream']).default('downstream').describe('downstream: producer → consumer data; upstream: credits.'),
    toxicity: z.number().min(0).max(1).default(1),
    attributes: z.record(z.string(), z.int().min(0)).default({}).describe("Toxiproxy's attributes: latency/jitter ms, rate KB/s, bytes, timeout ms …"),
  }),
  z.strictObject({ kind: z.literal('partition'), at: faultTime, duration: positiveDuration, link: z.string().min(1) }).describe('Bandwidth 0 both ways: the link stalls, connections stay.'),
  z.strictObject({ kind: z.literal('partition-hard'), at: faultTime, duration: positiveDuration, link: z.string().min(1) }).describe('Proxies disabled: connections break.'),
  z.strictObject({ kind: z.literal('kill-taskmanager'), at: faultTime, taskManager: z.string().min(1) }).describe('SIGKILL a TaskManager.'),
  z.strictObject({ kind: z.literal('restart-taskmanager'), at: faultTime, taskManager: z.string().min(1) }).describe('A new process with the same id.'),
  z.strictObject({ kind: z.literal('pause-taskmanager'), at: faultTime, duration: positiveDuration, taskManager: z.string().min(1) }).describe('SIGSTOP a TaskManager, SIGCONT after the duration.'),
  z
    .strictObject({
      kind: z.literal('blackhole'),
      at: faultTime,
      duration: positiveDuration,
      target: z.string().min(1).describe('A host (jobmanager, tm-1) or a link between two (tm-0~tm-1).'),
    })
    .describe('Packets silently dropped, then healed (cluster.deploy: netns only).'),
]);

export const faultSchema = z.union([z.string().describe('A --fault entry, e.g. at=5s,duration=3s,link=data-*,partition'), faultObject]);

export const GATE_METRICS = [
  'throughput.recordsPerSec',
  'throughput.bytesPerSec',
  'latencyUs.p50',
  'latencyUs.p90',
  'latencyUs.p99',
  'latencyUs.p999',
  'latencyUs.max',
  'checkpoints.completed',
  'checkpoints.failed',
  'checkpoints.durationMs.p50',
  'checkpoints.durationMs.p99',
  'checkpoints.durationMs.max',
  'checkpoints.alignmentMs.p99',
  'checkpoints.persistedBytes.p99',
  'sink.lost',
  'sink.duplicated',
  'sink.outOfOrder',
  'recovery.timeToRecoverMs',
  'harness.cpuMsPerSecond',
] as const;
export type GateMetric = (typeof GATE_METRICS)[number];
export const GATE_OPS = ['<', '<=', '>', '>=', '=='] as const;

const gateObject = z.strictObject({
  metric: z.enum(GATE_METRICS),
  op: z.enum(GATE_OPS),
  value: z.union([z.number(), z.string()]).describe('A number in the metric unit, or with a unit: 50ms, 2s (times).'),
  phase: z.string().regex(NAME).default('steady').describe('warmup, steady, or fault-<i>-before|during|after.'),
});

export const gateSchema = z
  .union([z.string().describe('e.g. "latencyUs.p99 < 50ms in phase steady"'), gateObject])
  .describe('An absolute gate; baseline gates come with `flowlab gate`.');

export const DEPLOY_MODES = ['local', 'containers', 'compose', 'netns'] as const;

export const scenarioSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Path of this JSON Schema, for editors.'),
    name: z.string().regex(NAME, 'a name of letters, digits, ., _ and - (it names result folders)').describe('Stable name: keys results and baselines.'),
    description: z.string().min(1).describe('The question this scenario answers.'),
    cluster: z
      .strictObject({
        taskManagers: z.int().min(1).max(64).default(2).describe('TaskManager processes.'),
        slots: z.int().min(1).max(1024).optional().describe('Slots per TaskManager (default: enough for the job).'),
        deploy: z
          .enum(DEPLOY_MODES)
          .default('local')
          .describe('Where the cluster runs: local (child processes on 127.0.0.1) or netns (one network namespace and address per process; Linux, root, iproute2).'),
      })
      .prefault({}),
    config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}).describe('Flink keys exactly as -D takes them (see `flowlab config`).'),
    job: jobSchema.prefault({}),
    workload: workloadSchema.prefault({}),
    faults: z.array(faultSchema).default([]).describe('The fault timeline: structured entries or --fault text. Default: none.'),
    placement: z
      .strictObject({
        slotSharingGroups: z.record(z.string(), z.string().regex(ID)).default({}).describe("Vertex id → Flink slot sharing group; different groups never share a slot."),
      })
      .prefault({}),
    chaos: z.boolean().default(false).describe('Route every TaskManager link through Toxiproxy (implied by link faults).'),
    calibrate: z.boolean().default(true).describe('Measure raw loopback throughput and RTT before the run.'),
    repetitions: z.int().min(1).max(1000).default(3).describe('Runs of this scenario in a suite.'),
    seed: z.int().min(0).max(4_294_967_295).default(42).describe('Drives keys, skew, sizes, toxicity and random fault times.'),
    gates: z.array(gateSchema).default([]).describe('Absolute gates checked on every run.'),
    dashboard: z
      .strictObject({
        rate: z.number().min(0).max(100_000).describe('GET requests/s to the JobManager REST API over all connections (0: none).'),
        connections: z.int().min(1).max(1000).default(4),
        paths: z
          .array(z.string().regex(/^\//, 'a path starting with /'))
          .min(1)
          .default(['/jobs/{job}', '/jobs/{job}/metrics', '/jobs/{job}/checkpoints', '/taskmanagers', '/overview'])
          .describe('REST paths each connection cycles through; {job} is the running job id.'),
      })
      .optional()
      .describe('Dashboard load: autocannon polls the REST API at a fixed rate while the job runs (as dashboards and scrapers do); the result gains a rest section.'),
    micro: z
      .strictObject({
        cases: z.array(z.enum(MICRO_CASE_NAMES)).min(1).optional().describe('Cases to run (default: all).'),
        time: positiveDuration.default(1000).describe('Measuring time per case.'),
        warmup: durationSchema.default(200).describe('Warm-up time per case.'),
      })
      .optional()
      .describe('Run `flowlab bench micro` cases (tinybench) instead of a job: no cluster starts; the result has a micro section.'),
    network: z
      .strictObject({
        cases: z
          .array(z.enum(NETWORK_BENCH_CASES))
          .min(1)
          .optional()
          .describe(`Cases of \`flowlab bench network\` to run (default: all): ${NETWORK_BENCH_CASES.join(', ')}.`),
        duration: positiveDuration.default(5000).describe('Measured time of each baseline and flowlab run.'),
        warmup: durationSchema.default(1000).describe('Warm-up of each run, not measured.'),
        rounds: z.int().min(1).max(100).default(3).describe('Alternating baseline/flowlab runs per case; the ratio is of the medians, ± noise half the range of the per-round ratios.'),
        targets: z
          .partialRecord(z.enum(NETWORK_BENCH_CASES), z.number().positive())
          .optional()
          .describe(
            "A case's target ratio on this machine instead of issue 13's (≥ stays ≥, d's ≤ stays ≤), where the default is known to be out of reach here; the gate judges the run against it and the reports show both.",
          ),
      })
      .optional()
      .describe('Run `flowlab bench network` cases (flowlab ÷ a baseline in the same run) instead of a job: no cluster starts; the result has a network section, gated as network.ratio@<case>.'),
  })
  .describe('A flowlab scenario: one experiment.');

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioFault = Scenario['faults'][number];
export type ScenarioGate = Scenario['gates'][number];
