/**
 * The baseline document (`flowlab baseline save … --to suites/baselines/<name>.json`): per scenario and variant and
 * metric, the samples with their mean and σ, the per-run and merged HDR histograms of each phase, the per-vertex task
 * figures a diagnosis compares, and the provenance (commit, date, environment fingerprint, calibration, flowlab
 * version, the A/A noise floor). A `published` baseline holds figures from a publication instead of runs, each with
 * its source and tolerance. `schemas/baseline.schema.json` is generated from this schema.
 */
import { z } from 'zod';
import { resultDocumentSchema } from '../result-schema.js';

export const BASELINE_SCHEMA_VERSION = 1;

const direction = z.enum(['higher-is-better', 'lower-is-better']);

export const baselineScalarSchema = z.object({
  metric: z.string(),
  phase: z.string().nullable().describe('null for whole-run metrics (checkpoints, harness CPU).'),
  unit: z.string(),
  direction,
  samples: z.array(z.number()).describe('One value per run (published: the figure itself).'),
  n: z.number(),
  mean: z.number(),
  stddev: z.number().nullable().describe('Sample standard deviation; null with fewer than 2 samples.'),
  tolerancePct: z.number().optional().describe('published: how far (%) the figure may be missed before it is a regression.'),
  reference: z.string().optional().describe('published: where the figure comes from.'),
});

export const baselineLatencySchema = z.object({
  count: z.number().describe('Samples over every run.'),
  merged: z.string().describe('HDR V2 compressed base64 (µs) of every run merged.'),
  runs: z.array(z.string()).describe("Each run's histogram, for the bootstrap over runs."),
  p50: z.number().nullable(),
  p90: z.number().nullable(),
  p99: z.number().nullable(),
  p999: z.number().nullable(),
});

export const baselineVertexSchema = z.object({
  backPressuredTimeMsPerSecond: z.number(),
  busyTimeMsPerSecond: z.number(),
  idleTimeMsPerSecond: z.number(),
  inPoolUsage: z.number(),
  outPoolUsage: z.number(),
});

export const baselineEntrySchema = z.object({
  scenario: z.string(),
  variant: z.string(),
  runs: z.number().describe('Completed runs the figures come from.'),
  scalars: z.record(z.string(), baselineScalarSchema).describe('metric@phase (or metric) → figures.'),
  latency: z.record(z.string(), baselineLatencySchema).describe('phase → histograms.'),
  vertices: z.record(z.string(), baselineVertexSchema).describe('vertex → mean task figures (for diagnoses).'),
});

export const noiseFloorSchema = z.object({
  scenario: z.string(),
  runsPerVariant: z.number(),
  throughputPct: z.number().nullable().describe('|median A − median B| ÷ their mean, steady records/s, %.'),
  latencyPct: z.number().nullable().describe('The same for steady p99, %.'),
});

export const baselineSchema = z
  .object({
    schemaVersion: z.literal(BASELINE_SCHEMA_VERSION),
    kind: z.literal('flowlab-baseline'),
    name: z.string(),
    source: z.enum(['measured', 'published']),
    reference: z.string().optional().describe('published: the publication.'),
    createdAt: z.string(),
    recordedFrom: z.object({ suite: z.string().nullable(), paths: z.array(z.string()), startedAt: z.string().nullable() }),
    flowlab: resultDocumentSchema.shape.flowlab,
    environment: resultDocumentSchema.shape.environment.nullable(),
    calibration: resultDocumentSchema.shape.calibration.nullable().describe('Medians of the runs’ loopback calibration; null when not measured.'),
    noiseFloor: noiseFloorSchema.nullable(),
    scenarios: z.record(z.string(), baselineEntrySchema).describe('scenario/variant → figures.'),
  })
  .describe('A flowlab baseline: figures to compare runs with, and where they came from.');

export type Baseline = z.infer<typeof baselineSchema>;
export type BaselineEntry = z.infer<typeof baselineEntrySchema>;
export type BaselineScalar = z.infer<typeof baselineScalarSchema>;
export type NoiseFloor = z.infer<typeof noiseFloorSchema>;
