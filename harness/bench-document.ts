/**
 * The result document of a benchmark scenario (`micro:`, `network:`): no job runs, so the job's sections are empty
 * and the benchmark's own section carries the figures. One skeleton, so every benchmark document passes the same
 * schema and the gate reads it like any run.
 */
import { environmentFingerprint, flowlabVersion } from '../core/index.js';
import { emptyCheckpoints } from './result-document.js';
import { RESULT_SCHEMA_VERSION, type ResultDocument } from './result-schema.js';

export interface BenchDocumentParts {
  readonly state: 'completed' | 'errored';
  readonly error?: string | undefined;
  /** What the result's `scenario` records: the name, the benchmark kind and its settings. */
  readonly scenario: Readonly<Record<string, unknown>> & { readonly name: string; readonly kind: string };
  readonly repetition?: number | undefined;
  readonly command?: string | undefined;
  readonly started: Date;
  /** The benchmark's section and its per-run gate outcomes. */
  readonly sections: Pick<ResultDocument, 'micro' | 'network' | 'gates'>;
}

export function benchDocument(p: BenchDocumentParts): ResultDocument {
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    flowlab: flowlabVersion(),
    state: p.state,
    ...(p.error !== undefined ? { error: p.error } : {}),
    scenario: { ...p.scenario },
    ...(p.repetition !== undefined ? { repetition: p.repetition } : {}),
    ...(p.command ? { command: p.command } : {}),
    environment: environmentFingerprint(),
    seed: 0,
    startedAt: p.started.toISOString(),
    durationMs: Date.now() - p.started.getTime(),
    config: {},
    workload: { ratePerSec: 'unbounded', recordSizeBytes: 0, keys: 0, keyDistribution: 'uniform', durationMs: 0, warmupMs: 0, mapCostUs: 0, sinkCostUs: 0 },
    topology: { preset: p.scenario.kind, parallelism: 1, taskManagers: 0, slotsPerTaskManager: 0, vertices: [] },
    calibration: { loopbackBytesPerSec: 0, loopbackRttUs: 0 },
    throughput: { recordsPerSec: 0, bytesPerSec: 0 },
    latencyUs: { p50: null, p90: null, p99: null, p999: null, max: null, count: 0 },
    checkpoints: emptyCheckpoints(),
    tasks: [],
    sink: { records: 0, lost: 0, duplicated: 0, outOfOrder: 0 },
    phases: [],
    faults: [],
    timeseries: [],
    ...p.sections,
  };
}
