/**
 * The result document of one run (DESIGN.md §4, §6) as a zod schema: the TypeScript type is derived from it and
 * `schemas/result.schema.json` is generated from it, so the file format, the type and the docs cannot drift apart.
 * Version 2 adds the scenario, variant and repetition, guarded percentiles (null with a reason when there are too
 * few samples), per-phase HDR histograms, time to recover per fault, and the harness's own CPU use.
 */
import { z } from 'zod';
import { TOXIC_TYPES } from '../chaos/index.js';
import { DEPLOY_MODES } from './scenario-schema.js';

export const RESULT_SCHEMA_VERSION = 2;

const count = z.number().min(0);

/** Percentiles in µs; a percentile with too few samples behind it is null and `reasons` says why. */
export const latencySummarySchema = z.object({
  p50: z.number().nullable(),
  p90: z.number().nullable(),
  p99: z.number().nullable(),
  p999: z.number().nullable(),
  max: z.number().nullable(),
  count,
  histogram: z.string().optional().describe('HDR V2 compressed base64 of every sample (µs).'),
  reasons: z.record(z.string(), z.string()).optional().describe('Why a percentile is null, e.g. "p99.9 needs ≥ 10,000 samples, have 2,345".'),
});

const checkpointSummarySchema = z.object({ p50: z.number(), p99: z.number(), max: z.number(), count, histogram: z.string().optional() });

export const checkpointsSectionSchema = z.object({
  completed: count,
  failed: count.describe('Declined, expired or not finished when the job ended.'),
  durationMs: checkpointSummarySchema,
  alignmentMs: checkpointSummarySchema.describe("The slowest subtask's alignment per checkpoint."),
  startDelayMs: checkpointSummarySchema,
  persistedBytes: checkpointSummarySchema.describe('In-flight data persisted per checkpoint (0 for aligned ones).'),
  stateBytes: checkpointSummarySchema,
  history: z.array(
    z.object({
      id: z.number(),
      status: z.enum(['COMPLETED', 'FAILED']),
      durationMs: z.number().nullable(),
      unaligned: z.boolean(),
      persistedChannelStateBytes: z.number(),
      stateBytes: z.number(),
      alignmentMs: z.number().optional().describe("The slowest subtask's alignment."),
      startDelayMs: z.number().optional().describe("The slowest subtask's start delay (trigger to first barrier)."),
      syncMs: z.number().optional().describe("The slowest subtask's synchronous snapshot part."),
      asyncMs: z.number().optional().describe("The slowest subtask's asynchronous snapshot part."),
      failureReason: z.string().optional(),
    }),
  ),
  error: z.string().optional(),
});

const probeSchema = z.object({
  link: z.string(),
  baselineRttUs: z.number().optional(),
  rttUs: z.number().optional(),
  addedLatencyMs: z.number().optional(),
  baselineBytesPerSec: z.number().optional(),
  achievedBytesPerSec: z.number().optional(),
  error: z.string().optional(),
});

export const recoverySchema = z.union([
  z.object({ recovered: z.literal(true), timeToRecoverMs: z.number(), atMs: z.number() }),
  z.object({ recovered: z.literal(false), reason: z.string() }),
]);

export const faultRecordSchema = z.object({
  index: z.number(),
  entry: z.string().describe('The fault as a --fault entry.'),
  kind: z.enum(['toxic', 'partition', 'partition-hard', 'kill-taskmanager', 'restart-taskmanager', 'pause-taskmanager', 'blackhole']),
  toxic: z.enum(TOXIC_TYPES).optional(),
  stream: z.enum(['upstream', 'downstream']).optional(),
  at: z.number().describe('Planned start, ms after the job was submitted.'),
  until: z.number().nullable(),
  link: z.string().describe('The link glob, TaskManager or blackhole target (a host, or a~b for a link) as given.'),
  links: z.array(z.string()),
  attributes: z.record(z.string(), z.number()),
  appliedAtMs: z.number().nullable(),
  removedAtMs: z.number().nullable(),
  error: z.string().optional(),
  measured: z.object({
    tookEffect: z.boolean().nullable(),
    probes: z.array(probeSchema).optional(),
    afterMs: z.number().optional(),
    timeToDetectMs: z
      .number()
      .nullable()
      .optional()
      .describe("The JobManager's view: ms from the fault to its first failure of the job (TaskManager lost, task failed); null: it never noticed."),
    detectedAs: z.object({ reason: z.string(), restarted: z.boolean() }).optional().describe('That failure: its reason and whether the job restarted after it.'),
    job: z
      .object({
        recordsPerSecBefore: z.number().nullable(),
        recordsPerSecDuring: z.number().nullable(),
        links: z.record(
          z.string(),
          z.object({
            affected: z.boolean(),
            recordsPerSecBefore: z.number().nullable(),
            recordsPerSecDuring: z.number().nullable(),
            latencyP50UsBefore: z.number().nullable(),
            latencyP50UsDuring: z.number().nullable(),
          }),
        ),
      })
      .optional(),
  }),
  recovery: recoverySchema.optional().describe('Time to recover after the heal: throughput within 5 % and p99 within 20 % of the before phase.'),
});

export const phaseSchema = z.object({
  name: z.string().describe('warmup, steady, fault-<i>-before|during|after.'),
  startMs: z.number(),
  endMs: z.number(),
  emittingUntilMs: z.number().optional().describe('steady only: when the sources stopped emitting; throughput is measured up to here, latency to endMs (drained records included).'),
  throughput: z.object({ recordsPerSec: z.number(), records: z.number().optional() }),
  latencyUs: latencySummarySchema.optional(),
  trend: z
    .object({ p99FirstThirdUs: z.number().nullable(), p99LastThirdUs: z.number().nullable() })
    .optional()
    .describe('steady only: p99 of its first and last third; a growing p99 means a backlog is building (the rate is not sustainable).'),
});

const gateOutcomeSchema = z.object({
  gate: z.string(),
  metric: z.string(),
  phase: z.string(),
  op: z.string(),
  threshold: z.number(),
  value: z.number().nullable(),
  verdict: z.enum(['pass', 'fail', 'invalid']),
  reason: z.string().optional(),
});

export const ingestSectionSchema = z
  .object({
    tool: z.string().describe('autocannon and its version.'),
    urls: z.array(z.string()).describe("The HTTP sources' POST /records endpoints, as they reported them."),
    intendedRequestsPerSec: z.number().describe('Open-loop rate over all connections (autocannon overallRate).'),
    connections: z.number(),
    pipelining: z.number(),
    recordsPerRequest: z.number(),
    durationMs: z.number().describe('How long autocannon sent.'),
    requests: z.object({ sent: count, completed: count, perSec: z.number().describe('Responses per second.') }),
    status: z.object({ ok2xx: count, unavailable503: count.describe('Back-pressured past http.wait (or rejected at once).'), other: count.describe('Other non-2xx answers.') }),
    errors: count.describe('Connection errors, timeouts included.'),
    timeouts: count,
    records: z.object({
      acceptedByClient: count.describe('2xx responses × recordsPerRequest.'),
      acceptedBySources: count,
      unacknowledged: z.number().describe('Accepted by the sources but never answered to the client: requests in flight when the load stopped (≤ connections × pipelining × recordsPerRequest).'),
      rejectedBySources: count,
      atSinks: count.describe('Records the sinks received (their key digest count).'),
    }),
    delivery: z
      .union([z.object({ exactlyOnce: z.literal(true) }), z.object({ exactlyOnce: z.literal(false), why: z.string() })])
      .describe("The sinks' key digest (count, Σ key, Σ hash) = the sources' accepted records' and no duplicates; the client's 2xx records = the accepted ones, less at most the requests in flight when the load stopped."),
    latencyUs: latencySummarySchema.describe("Request → response (autocannon's clients), µs, every response."),
  })
  .describe('kind: http workloads: the load generator and what it was answered.');

export const restLoadSectionSchema = z
  .object({
    tool: z.string(),
    url: z.string().describe("The JobManager's REST address."),
    paths: z.array(z.string()),
    intendedRequestsPerSec: z.number(),
    connections: z.number(),
    durationMs: z.number(),
    requests: z.object({ sent: count, answered: count, perSec: z.number() }),
    ok2xx: count,
    other: count.describe('Non-2xx answers.'),
    errors: count,
    timeouts: count,
    latencyUs: latencySummarySchema.describe('REST request → response under this load, µs.'),
  })
  .describe('Dashboard load (scenario dashboard:): the REST API polled at a fixed rate while the job ran.');

/** One case of `flowlab bench micro` (tinybench): per-operation figures (a run of the case does `opsPerRun` operations). */
export const microCaseSchema = z.object({
  name: z.string().describe('Stable case key, e.g. serializer-100b.'),
  operation: z.string(),
  opsPerRun: z.number().describe('Operations per timed call (small operations are batched).'),
  state: z.enum(['completed', 'errored']),
  error: z.string().optional().describe('The check that failed or what the case threw.'),
  samples: count.describe('Timed calls tinybench kept.'),
  opsPerSec: z.number().describe('Mean operations per second.'),
  meanNs: z.number().describe('Mean time per operation, ns.'),
  p50Ns: z.number(),
  p99Ns: z.number().describe('p99 of the per-call time divided by opsPerRun, ns.'),
  rmePct: z.number().describe("Relative margin of error of the mean (tinybench's rme, 95 %), %."),
});

export const microSectionSchema = z
  .object({
    tool: z.string().describe('tinybench and its version.'),
    timeMs: z.number().describe('Measuring time per case, ms.'),
    warmupMs: z.number(),
    cases: z.array(microCaseSchema),
  })
  .describe('flowlab bench micro: per-component micro-benchmarks; gated as micro.opsPerSec@<case>.');

/** A figure of `flowlab bench network`; null where a side measured nothing (the bench computed NaN). */
const benchFigure = z.number().nullable();
const cpuPerMegabyteSchema = z.object({ senderUs: benchFigure, receiverUs: benchFigure }).describe('CPU (user + system) µs per MB moved, each side.');

/**
 * One case of `flowlab bench network`: flowlab ÷ a baseline measured in the same run. The same row is what
 * `flowlab bench network --out` writes and what a result document's `network` section holds.
 */
export const networkBenchRowSchema = z.object({
  name: z.string().describe('Case key: a … g.'),
  measure: z.string().describe('What is divided by what, for people.'),
  flowlab: benchFigure.describe("Median of flowlab's rounds (bytes/s, records/s, or p99 µs for d)."),
  baseline: benchFigure.describe("Median of the baseline's rounds, same unit."),
  ratio: benchFigure.describe('flowlab ÷ baseline of the medians; null when a side measured nothing (then the verdict is missed).'),
  noise: z.number().min(0).describe('Half the range of the per-round ratios (0 with one round).'),
  target: z.string().describe('The target as shown, e.g. "≥ 0.85".'),
  targetOp: z.enum(['>=', '<=']).describe('>=: higher is better; <=: lower is better (case d, latency).'),
  targetValue: z.number(),
  met: z.boolean(),
  verdict: z.enum(['met', 'within-noise', 'missed']).describe('missed: short of the target by more than the noise.'),
  samples: z.object({ baseline: z.array(benchFigure), flowlab: z.array(benchFigure) }).describe('Every round, in order (ABAB…).'),
  cpu: z.object({ flowlab: cpuPerMegabyteSchema, baseline: cpuPerMegabyteSchema }).optional().describe('Throughput cases: median CPU per MB of each side.'),
});

export const networkSectionSchema = z
  .object({
    tool: z.string().describe('flowlab bench network.'),
    durationMs: z.number().describe('Measured ms of each baseline and flowlab run.'),
    warmupMs: z.number(),
    rounds: z.number().describe('Alternating baseline/flowlab runs per case.'),
    rows: z.array(networkBenchRowSchema),
  })
  .describe('flowlab bench network: side-by-side ratios; gated as network.ratio@<case> against a baseline and against each case’s own target.');

export const resultDocumentSchema = z
  .object({
    schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
    flowlab: z.object({ version: z.string(), commit: z.string().nullable() }),
    state: z.enum(['completed', 'errored', 'aborted']),
    error: z.string().optional(),
    partial: z.boolean().optional().describe('The run stopped early (errored or aborted): figures cover what was sampled until then.'),
    scenario: z.record(z.string(), z.unknown()).optional().describe('The resolved scenario (every default filled): what it takes to redo the run.'),
    variant: z.record(z.string(), z.unknown()).optional().describe('Swept fields and their values for this run (suites).'),
    repetition: z.number().optional().describe('1-based repetition within a suite.'),
    command: z.string().optional().describe('The command that reruns this scenario.'),
    environment: z.object({ cpuModel: z.string(), cores: z.number(), memoryBytes: z.number(), os: z.string(), node: z.string() }),
    seed: z.number(),
    startedAt: z.string(),
    jobSubmittedAt: z.string().optional().describe('When the job was submitted: phase, interval and fault times are ms after it.'),
    durationMs: z.number(),
    config: z.record(z.string(), z.string()).describe('Every resolved Flink key, in Flink notation.'),
    workload: z.object({
      ratePerSec: z.union([z.number(), z.literal('unbounded')]),
      rateSchedule: z.array(z.object({ durationMs: z.number(), fromPerSec: z.number(), toPerSec: z.number() })).optional(),
      recordSizeBytes: z.number(),
      keys: z.number(),
      keyDistribution: z.enum(['uniform', 'zipf']),
      durationMs: z.number(),
      warmupMs: z.number(),
      mapCostUs: z.number(),
      sinkCostUs: z.number(),
    }),
    topology: z.object({
      preset: z.string(),
      parallelism: z.number(),
      taskManagers: z.number(),
      slotsPerTaskManager: z.number(),
      vertices: z.array(z.object({ id: z.string(), operator: z.string(), parallelism: z.number(), slotSharingGroup: z.string().optional() })),
    }),
    calibration: z.object({ loopbackBytesPerSec: z.number(), loopbackRttUs: z.number() }),
    harness: z
      .object({
        cpuMsPerSecond: z.number().describe('CPU ms the harness process used per wall second of the run (target < 30, 3 % of a core).'),
        wallMs: z.number(),
      })
      .optional(),
    throughput: z.object({ recordsPerSec: z.number(), bytesPerSec: z.number() }).describe('Steady phase, at the sinks.'),
    latencyUs: latencySummarySchema.describe('End-to-end latency from the intended emit time, steady phase.'),
    checkpoints: checkpointsSectionSchema,
    tasks: z.array(
      z.object({
        vertex: z.string(),
        subtask: z.number(),
        backPressuredTimeMsPerSecond: z.number(),
        idleTimeMsPerSecond: z.number(),
        busyTimeMsPerSecond: z.number(),
        inPoolUsage: z.number(),
        outPoolUsage: z.number(),
        numRecordsIn: z.number(),
        numRecordsOut: z.number(),
        debloatedBufferSize: z.number().optional().describe('Buffer debloating: the size last announced upstream, bytes.'),
        estimatedTimeToConsumeBuffersMs: z.number().optional().describe('Buffer debloating: estimated time to consume the buffered input, ms.'),
      }),
    ),
    sink: z.object({ records: z.number(), lost: z.number().nullable(), duplicated: z.number(), outOfOrder: z.number() }),
    phases: z.array(phaseSchema),
    faults: z.array(faultRecordSchema),
    deployment: z
      .object({
        deployer: z.enum(DEPLOY_MODES),
        subnet: z.string().optional().describe('netns: the run-owned /24 every process address comes from.'),
        processes: z.array(
          z.object({
            id: z.string(),
            host: z.string().describe('The address the process binds and advertises.'),
            pid: z.number(),
            rest: z.string().optional(),
            control: z.string().optional(),
            data: z.string().optional(),
            metrics: z.string().optional(),
            namespace: z.string().optional().describe('netns: the network namespace it ran in.'),
          }),
        ),
      })
      .optional()
      .describe('Where the cluster ran (--deploy) and each process address, as of the end of the run.'),
    chaos: z.object({ toxiproxyUrl: z.string(), embedded: z.boolean(), proxies: z.array(z.object({ name: z.string(), listen: z.string(), upstream: z.string() })) }).optional(),
    gates: z.array(gateOutcomeSchema).optional().describe("The scenario's absolute gates evaluated on this run."),
    micro: microSectionSchema.optional(),
    network: networkSectionSchema.optional(),
    ingest: ingestSectionSchema.optional(),
    rest: restLoadSectionSchema.optional(),
    timeseries: z.array(
      z.object({
        tMs: z.number(),
        recordsPerSec: z.number(),
        latencyP99Us: z.number(),
        maxBackPressuredTimeMsPerSecond: z.number(),
        links: z.record(z.string(), z.number()).optional(),
        tasks: z
          .record(
            z.string(),
            z.object({
              backPressuredTimeMsPerSecond: z.number(),
              idleTimeMsPerSecond: z.number(),
              busyTimeMsPerSecond: z.number(),
              debloatedBufferSize: z.number().optional().describe('Buffer debloating: the size last announced upstream, bytes.'),
              estimatedTimeToConsumeBuffersMs: z.number().optional(),
            }),
          )
          .optional()
          .describe('Per subtask (`vertex#subtask`) at this sample, as Flink reports them.'),
      }),
    ),
  })
  .describe('The result document of one flowlab run.');

export type ResultDocument = z.infer<typeof resultDocumentSchema>;
export type RunState = ResultDocument['state'];
export type GuardedLatencySummary = z.infer<typeof latencySummarySchema>;
export type PhaseFigures = z.infer<typeof phaseSchema>;
export type Recovery = z.infer<typeof recoverySchema>;
export type MicroCaseResult = z.infer<typeof microCaseSchema>;
export type MicroSection = z.infer<typeof microSectionSchema>;
export type NetworkBenchRowResult = z.infer<typeof networkBenchRowSchema>;
export type NetworkSection = z.infer<typeof networkSectionSchema>;
export type IngestSection = z.infer<typeof ingestSectionSchema>;
export type RestLoadSection = z.infer<typeof restLoadSectionSchema>;
