/**
 * The verdict document `flowlab gate --json` writes (and the reports render): the overall verdict and exit code,
 * what was compared with what (provenance, like-for-like, the noise floor used), and per scenario and variant one
 * entry per gate with the figures, the rule, the interval, the reason and, for a regression, the diagnosis.
 * `schemas/gate-verdict.schema.json` is generated from this schema.
 */
import { z } from 'zod';
import { resultDocumentSchema } from '../result-schema.js';
import { historySchema } from './history.js';

export const VERDICT_SCHEMA_VERSION = 1;

export const VERDICTS = ['pass', 'improvement', 'regression', 'inconclusive', 'invalid'] as const;
const verdict = z.enum(VERDICTS);

const sideSchema = z.object({
  n: z.number().describe('Runs (scalars) or runs with this phase (latency).'),
  mean: z.number().nullable().describe('Mean over runs (scalars) or the merged histogram’s percentile (latency).'),
  stddev: z.number().nullable(),
});

export const gateVerdictSchema = z.object({
  gate: z.string().describe('e.g. "throughput.recordsPerSec in steady", "sink.lost == 0".'),
  metric: z.string(),
  phase: z.string().nullable(),
  rule: z.enum(['invariant', 'absolute', 'baseline', 'published']),
  method: z.enum(['invariant', 'absolute', 'welch', 'bootstrap', 'published']).describe('welch: Flink’s max(4 %, 2σ) rule plus Welch’s t-test; bootstrap: CI of a latency percentile from the HDR histograms.'),
  direction: z.enum(['higher-is-better', 'lower-is-better']).nullable(),
  unit: z.string().nullable(),
  verdict,
  reason: z.string(),
  current: sideSchema.nullable(),
  baseline: sideSchema.nullable(),
  changePct: z.number().nullable().describe('current vs baseline, % (+ = larger).'),
  ci95Pct: z.tuple([z.number(), z.number()]).nullable().describe('95 % confidence interval of changePct.'),
  pValue: z.number().nullable().describe("Welch's t-test, two-sided."),
  thresholdPct: z.number().nullable(),
  thresholdFrom: z.string().nullable().describe('Which part set the threshold: "4 %", "2σ", "A/A noise floor", "latency threshold", "tolerance".'),
  inconclusiveBecause: z.enum(['too-noisy', 'too-few-samples', 'not-like-for-like']).optional(),
  runsToSettle: z.number().optional().describe('Runs per side that would likely settle an inconclusive gate.'),
  diagnosis: z.string().optional().describe('For a regression or improvement: one line with the evidence from the same runs.'),
});

export const scenarioVerdictSchema = z.object({
  scenario: z.string(),
  variant: z.string(),
  verdict,
  runs: z.object({ current: z.number(), completed: z.number(), baseline: z.number().nullable() }),
  gates: z.array(gateVerdictSchema),
  skipped: z.array(z.object({ gate: z.string(), reason: z.string() })).describe('Gates not judged, and why (not like-for-like, no baseline figure with enough samples).'),
  evidence: z.array(z.string()).describe('What changed in the same runs: tasks, pools, checkpoints, faults.'),
});

export const noiseFloorUsedSchema = z.object({
  throughputPct: z.number().nullable(),
  latencyPct: z.number().nullable(),
  from: z.string().describe('Which A/A control: the current results’, the baseline’s, or the larger of both.'),
});

export const verdictDocumentSchema = z
  .object({
    schemaVersion: z.literal(VERDICT_SCHEMA_VERSION),
    kind: z.literal('flowlab-gate-verdict'),
    verdict,
    exitCode: z.union([z.literal(0), z.literal(1), z.literal(2)]),
    headline: z.string().describe('One line for people.'),
    createdAt: z.string(),
    current: z.object({
      sources: z.array(z.string()),
      runs: z.number(),
      commits: z.array(z.string().nullable()),
      environment: resultDocumentSchema.shape.environment.nullable(),
      calibrated: z.boolean(),
    }),
    baseline: z
      .object({
        file: z.string(),
        name: z.string(),
        source: z.enum(['measured', 'published']),
        reference: z.string().optional(),
        commit: z.string().nullable(),
        createdAt: z.string(),
        environment: resultDocumentSchema.shape.environment.nullable(),
      })
      .nullable(),
    likeForLike: z.object({ like: z.boolean(), differences: z.array(z.string()) }).describe('Same CPU model, cores and Node major; otherwise only calibrated throughput is compared.'),
    noiseFloor: noiseFloorUsedSchema.nullable(),
    options: z.object({
      minSamples: z.number(),
      alpha: z.number(),
      minChangePct: z.number(),
      latencyThresholdPct: z.number(),
      maxThresholdPct: z.number(),
      bootstrapIterations: z.number(),
      seed: z.number(),
      failOnInconclusive: z.boolean(),
    }),
    notes: z.array(z.string()),
    counts: z.record(verdict, z.number()),
    scenarios: z.array(scenarioVerdictSchema),
    controlCheck: z
      .object({ scenario: z.string(), runsPerVariant: z.number(), verdict, gates: z.number(), flagged: z.array(z.string()) })
      .optional()
      .describe("The suite's A/A control judged by the same rules (B against A, no noise floor): what the gate would wrongly flag tonight."),
    history: historySchema.optional().describe('With --history: change points per scenario/variant/metric across nights.'),
  })
  .describe('The verdict of `flowlab gate`: did these results get slower, worse in latency, longer in checkpoints?');

export type VerdictDocument = z.infer<typeof verdictDocumentSchema>;
export type GateVerdict = z.infer<typeof gateVerdictSchema>;
export type ScenarioVerdict = z.infer<typeof scenarioVerdictSchema>;
export type VerdictKind = (typeof VERDICTS)[number];

/** A gate verdict with every optional figure null unless given. */
export function gateOf(partial: Partial<GateVerdict> & Pick<GateVerdict, 'gate' | 'metric' | 'rule' | 'method' | 'verdict' | 'reason'>): GateVerdict {
  return { phase: null, direction: null, unit: null, current: null, baseline: null, changePct: null, ci95Pct: null, pValue: null, thresholdPct: null, thresholdFrom: null, ...partial };
}
