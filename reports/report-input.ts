/**
 * What the renderers read: plain data, structurally a subset of the result document (harness/result-schema.ts) and of
 * the suite index, so a parsed `result.json` or `suite.json` can be passed as it is. reports/ imports only core/, so
 * these types are declared here rather than imported from harness/.
 */

/** Percentiles in µs; null when too few samples stand behind them. */
export interface LatencyFigures {
  readonly p50: number | null;
  readonly p90?: number | null;
  readonly p99: number | null;
  readonly p999: number | null;
  readonly max: number | null;
  readonly count: number;
  /** HDR histogram, V2 compressed base64 (µs). */
  readonly histogram?: string | undefined;
  readonly reasons?: Readonly<Record<string, string>> | undefined;
}

export interface PhaseFiguresInput {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly throughput: { readonly recordsPerSec: number; readonly records?: number | undefined };
  readonly latencyUs?: LatencyFigures | undefined;
}

export interface CheckpointSummaryInput {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly count: number;
  readonly histogram?: string | undefined;
}

export interface CheckpointRecordInput {
  readonly id: number;
  readonly status: string;
  readonly durationMs: number | null;
  readonly unaligned: boolean;
  readonly persistedChannelStateBytes: number;
  readonly stateBytes: number;
  readonly alignmentMs?: number | undefined;
  readonly startDelayMs?: number | undefined;
  readonly syncMs?: number | undefined;
  readonly asyncMs?: number | undefined;
  readonly failureReason?: string | undefined;
}

export interface CheckpointsInput {
  readonly completed: number;
  readonly failed: number;
  readonly durationMs: CheckpointSummaryInput;
  readonly alignmentMs?: CheckpointSummaryInput | undefined;
  readonly history: readonly CheckpointRecordInput[];
  readonly error?: string | undefined;
}

export type RecoveryInput = { readonly recovered: true; readonly timeToRecoverMs: number; readonly atMs: number } | { readonly recovered: false; readonly reason: string };

export interface FaultInput {
  readonly index: number;
  readonly entry: string;
  readonly kind: string;
  readonly link: string;
  readonly at: number;
  readonly until: number | null;
  readonly appliedAtMs: number | null;
  readonly removedAtMs: number | null;
  readonly error?: string | undefined;
  readonly measured: {
    readonly tookEffect: boolean | null;
    readonly probes?: readonly { readonly link: string; readonly addedLatencyMs?: number | undefined; readonly achievedBytesPerSec?: number | undefined; readonly baselineBytesPerSec?: number | undefined }[] | undefined;
    readonly job?: { readonly recordsPerSecBefore: number | null; readonly recordsPerSecDuring: number | null } | undefined;
  };
  readonly recovery?: RecoveryInput | undefined;
}

export interface GateInput {
  readonly gate: string;
  readonly metric: string;
  readonly phase: string;
  readonly op: string;
  readonly threshold: number;
  readonly value: number | null;
  readonly verdict: 'pass' | 'fail' | 'invalid';
  readonly reason?: string | undefined;
}

export interface TaskSampleInput {
  readonly backPressuredTimeMsPerSecond: number;
  readonly idleTimeMsPerSecond: number;
  readonly busyTimeMsPerSecond: number;
}

export interface TimeseriesSampleInput {
  readonly tMs: number;
  readonly recordsPerSec: number;
  readonly latencyP99Us: number;
  readonly maxBackPressuredTimeMsPerSecond: number;
  /** Per subtask (`vertex#subtask`); absent in results written before it was recorded. */
  readonly tasks?: Readonly<Record<string, TaskSampleInput>> | undefined;
}

/** One case of `flowlab bench network` (a result's `network` section): flowlab ÷ a baseline in the same run. */
export interface NetworkRowInput {
  readonly name: string;
  readonly measure: string;
  readonly ratio: number | null;
  readonly noise: number;
  /** As shown, e.g. `≥ 0.85`. */
  readonly target: string;
  readonly verdict: 'met' | 'within-noise' | 'missed';
}

/** One run's result document (schema version 2), as far as the reports read it. */
export interface ReportResult {
  readonly schemaVersion: number;
  readonly flowlab: { readonly version: string; readonly commit: string | null };
  readonly state: string;
  readonly error?: string | undefined;
  readonly scenario?: Readonly<Record<string, unknown>> | undefined;
  readonly variant?: Readonly<Record<string, unknown>> | undefined;
  readonly repetition?: number | undefined;
  readonly command?: string | undefined;
  readonly environment: { readonly cpuModel: string; readonly cores: number; readonly memoryBytes: number; readonly os: string; readonly node: string };
  readonly seed: number;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly config: Readonly<Record<string, string>>;
  readonly workload: { readonly ratePerSec: number | 'unbounded'; readonly recordSizeBytes: number; readonly durationMs: number; readonly warmupMs: number };
  readonly topology: { readonly preset: string; readonly parallelism: number; readonly taskManagers: number };
  readonly calibration: { readonly loopbackBytesPerSec: number; readonly loopbackRttUs: number };
  readonly throughput: { readonly recordsPerSec: number; readonly bytesPerSec: number };
  readonly latencyUs: LatencyFigures;
  readonly checkpoints: CheckpointsInput;
  readonly tasks: readonly ({ readonly vertex: string; readonly subtask: number } & TaskSampleInput)[];
  readonly sink: { readonly records: number; readonly lost: number | null; readonly duplicated: number; readonly outOfOrder: number };
  readonly phases: readonly PhaseFiguresInput[];
  readonly faults: readonly FaultInput[];
  readonly gates?: readonly GateInput[] | undefined;
  /** A network-bench scenario's cases (it ran no job: no phases). */
  readonly network?: { readonly rows: readonly NetworkRowInput[] } | undefined;
  readonly timeseries: readonly TimeseriesSampleInput[];
}

/** One run of a suite (or a lone result file): where it sits and, unless it never ran, its result. */
export interface ReportRun {
  readonly scenario: string;
  /** "base", "A"/"B" (A/A control) or the swept fields, e.g. "buffer-timeout=0ms,buffers-per-channel=1". */
  readonly variant: string;
  /** Swept field paths → values. */
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly repetition: number;
  readonly state: string;
  readonly error?: string | undefined;
  /** The run's folder, relative to the suite folder (for links). */
  readonly dir?: string | null | undefined;
  readonly result?: ReportResult | undefined;
}

/** One step of a rate sweep, as the suite index records it. */
export interface RateSweepStepInput {
  readonly ratePerSubtask: number;
  readonly intendedRecordsPerSec: number;
  readonly achievedRecordsPerSec: number;
  readonly achievedRatio: number;
  readonly p99Us: number | null;
  readonly sustainable: boolean;
  readonly why?: string | undefined;
}

export interface RateSweepInput {
  readonly scenario: string;
  readonly fixed: Readonly<Record<string, unknown>>;
  readonly steps: readonly RateSweepStepInput[];
  readonly sustainableRatePerSubtask: number | null;
}

/** The suite index (suite.json) fields the reports show. */
export interface SuiteInfo {
  readonly suite: string;
  readonly description: string;
  readonly file: string;
  readonly state: string;
  readonly startedAt?: string | undefined;
  readonly finishedAt?: string | null | undefined;
  readonly flowlab?: { readonly version: string; readonly commit: string | null } | undefined;
  readonly environment?: ReportResult['environment'] | undefined;
  readonly control?:
    | {
        readonly scenario: string;
        readonly recordsPerSec: { readonly a: number | null; readonly b: number | null; readonly diffPct: number | null };
        readonly p99Us: { readonly a: number | null; readonly b: number | null; readonly diffPct: number | null };
      }
    | undefined;
  readonly rateSweeps?: readonly RateSweepInput[] | undefined;
  readonly shapes?: readonly ShapeInput[] | undefined;
}

/** One row of a published shape's check: a variant (or the whole entry) with predicted and measured. */
export interface ShapeRowInput {
  readonly variant: string | null;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly x: number | null;
  readonly measured: number | null;
  readonly predicted: number | null;
  readonly ratio: number | null;
  readonly verdict: 'pass' | 'fail' | 'no-data';
  readonly reason?: string | undefined;
}

export interface ShapeCheckInput {
  readonly name: string;
  readonly measured: string;
  readonly predicted: string | null;
  readonly tolerance: readonly [number, number] | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly published: { readonly value: number; readonly source: string } | null;
  readonly x: string | null;
  readonly unit: string | null;
  /** false: a curve shown beside the judged checks, without a criterion of its own. */
  readonly judged: boolean;
  readonly verdict: 'pass' | 'fail' | 'no-data';
  readonly rows: readonly ShapeRowInput[];
}

/** A published shape (spec §8) as the suite index records it: model vs measured per check. */
export interface ShapeInput {
  readonly id: string;
  readonly title: string;
  readonly source: string;
  readonly scenario: string | null;
  readonly verdict: 'pass' | 'fail' | 'no-data' | 'skipped';
  readonly reason?: string | undefined;
  readonly checks: readonly ShapeCheckInput[];
}

/**
 * A baseline comparison of one metric, as the gates layer produces it (`flowlab gate`). Optional input: the reports
 * render without it and show it where it is given.
 */
export interface BaselineVerdict {
  readonly scenario: string;
  /** Absent: every variant of the scenario. */
  readonly variant?: string | undefined;
  /** e.g. `throughput.recordsPerSec`, `latencyUs.p99`. */
  readonly metric: string;
  readonly phase: string;
  readonly baseline: number | null;
  readonly value: number | null;
  /** Relative change, %. */
  readonly deltaPct: number | null;
  /** Confidence interval of the change, %. */
  readonly ci?: { readonly lowPct: number; readonly highPct: number; readonly level?: number | undefined } | null | undefined;
  readonly verdict: 'pass' | 'regression' | 'improvement' | 'inconclusive' | 'invalid';
  /** One line: which metric, phase and link regressed, and the likely reason. */
  readonly diagnosis?: string | undefined;
}

export interface BaselineInput {
  /** Where the baseline came from (file, commit). */
  readonly label: string;
  readonly verdicts?: readonly BaselineVerdict[] | undefined;
  /** Baseline runs, for overlays (HDR percentile distribution). */
  readonly runs?: readonly ReportRun[] | undefined;
}

export type OptimizeGoal = 'throughput' | 'latency' | 'checkpoint';

/** What the tuning report recommends for: a goal and constraints such as `p99 < 50ms`. */
export interface TuningGoal {
  readonly optimize: OptimizeGoal;
  readonly constraints: readonly string[];
}

export interface ReportInput {
  /** A heading: the suite's name, or the result files' scenario names. */
  readonly title: string;
  readonly suite?: SuiteInfo | undefined;
  readonly runs: readonly ReportRun[];
  readonly baseline?: BaselineInput | undefined;
  /** Default: optimize latency, no constraints. */
  readonly tuning?: TuningGoal | undefined;
}
