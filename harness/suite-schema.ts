/**
 * Suite files (`flowlab suite suite.yaml`): scenarios (paths or inline), repetitions, sweeps (a matrix over any
 * scenario field or Flink key, with include/exclude), an optional A/A control, and overrides. And the schema of the
 * index a suite run writes (`suite.json`). Both generate JSON Schemas under `schemas/`.
 */
import { z } from 'zod';
import { resultDocumentSchema } from './result-schema.js';
import { shapeOutcomeSchema, shapeSchema, skippedShapeSchema } from './shape-schema.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const scalar = z.union([z.string(), z.number(), z.boolean()]);
/** Field overrides: `workload.rate: 5000`, `config.execution.buffer-timeout: 0ms`, or a bare Flink key. */
const overrides = z.record(z.string(), z.unknown()).describe('Field path (workload.rate, job.parallelism, config.<flink key> or a bare Flink key) → value.');

export const sweepSchema = z
  .strictObject({
    matrix: z.record(z.string(), z.array(scalar).min(1)).describe('Field path → values; every combination is a variant (cartesian product).'),
    include: z.array(z.record(z.string(), scalar)).default([]).describe('Extra combinations, run as given.'),
    exclude: z.array(z.record(z.string(), scalar)).default([]).describe('Combinations to drop: every field given must match.'),
  })
  .describe('A sweep: one variant per combination of values.');

export const suiteEntrySchema = z
  .strictObject({
    path: z.string().min(1).optional().describe('A scenario file, relative to this suite file.'),
    scenario: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('An inline scenario (the fields of a scenario file).')
      .meta({ $ref: 'scenario.schema.json' }),
    set: overrides.default({}),
    repetitions: z.int().min(1).max(1000).optional().describe("Default: the suite's repetitions, else the scenario's."),
    sweep: sweepSchema.optional(),
    shape: z
      .union([
        z.string().min(1).describe('A shape file (YAML), relative to this suite file, so several suites share one model.'),
        z
          .strictObject({
            file: z.string().min(1).describe('A shape file (YAML), relative to this suite file.'),
            checks: z.array(z.string().min(1)).min(1).describe('Only these checks of it, by name (a short variant may keep only the checks its runs can settle).'),
          })
          .describe('Some checks of a shape file.'),
        shapeSchema,
      ])
      .optional()
      .describe('A published shape (spec §8) this entry reproduces: its model and pass criteria, inline or in a file.'),
  })
  .superRefine((e, ctx) => {
    if ((e.path === undefined) === (e.scenario === undefined)) ctx.addIssue({ code: 'custom', path: ['path'], message: 'an entry needs exactly one of `path` or `scenario`' });
  });

export const suiteSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().regex(NAME, 'a name of letters, digits, ., _ and - (it names the results folder)').describe('Stable name: names the results folder.'),
    description: z.string().min(1).describe('What this suite is for.'),
    repetitions: z.int().min(1).max(1000).optional().describe('Runs of every scenario and variant (default: each scenario says, else 3).'),
    set: overrides.default({}).describe('Overrides applied to every scenario (before the entry’s own).'),
    control: z.string().regex(NAME).optional().describe('A/A control: this scenario also runs as two identical variants A and B, interleaved, to measure the run-to-run noise floor.'),
    scenarios: z.array(suiteEntrySchema).min(1).describe('The scenarios: files or inline, each with optional set, repetitions and sweep.'),
    skipped: z.array(skippedShapeSchema).default([]).describe('Published shapes this suite cannot run on this kind of machine, each with the reason.'),
  })
  .describe('A flowlab suite: scenarios, repetitions and sweeps, run interleaved.');

export type SuiteInput = z.input<typeof suiteSchema>;
export type Suite = z.output<typeof suiteSchema>;
export type SuiteEntry = Suite['scenarios'][number];

export const SUITE_INDEX_VERSION = 1;

const runStates = z.enum(['completed', 'errored', 'aborted', 'skipped']);

export const suiteRunSchema = z.object({
  index: z.number().describe('Position in the interleaved order (0-based).'),
  scenario: z.string(),
  variant: z.string().describe('"base" or the swept fields, e.g. "rate=1000,buffer-timeout=0ms"; control runs are "A" and "B".'),
  parameters: z.record(z.string(), z.unknown()).describe('Swept field paths and their values.'),
  repetition: z.number().describe('1-based.'),
  repetitions: z.number(),
  state: runStates,
  error: z.string().optional(),
  dir: z.string().nullable().describe('Run folder, relative to the suite folder; null when skipped.'),
  files: z
    .object({ result: z.string(), hlog: z.string().nullable(), timeseries: z.string(), hgrm: z.record(z.string(), z.string()) })
    .nullable()
    .describe('File names inside dir.'),
  summary: z
    .object({
      recordsPerSec: z.number(),
      p99Us: z.number().nullable(),
      lost: z.number().nullable(),
      duplicated: z.number(),
      gatesFailed: z.number(),
      harnessCpuMsPerSecond: z.number().nullable(),
      ratios: z.record(z.string(), z.number().nullable()).optional().describe('A network-bench run: case → flowlab ÷ baseline ratio.'),
    })
    .nullable(),
});

export const rateSweepSchema = z.object({
  scenario: z.string(),
  /** The other swept fields, fixed along this curve. */
  fixed: z.record(z.string(), z.unknown()),
  steps: z.array(
    z.object({
      ratePerSubtask: z.number(),
      intendedRecordsPerSec: z.number(),
      achievedRecordsPerSec: z.number(),
      achievedRatio: z.number(),
      p99Us: z.number().nullable(),
      p99FirstThirdUs: z.number().nullable(),
      p99LastThirdUs: z.number().nullable(),
      sustainable: z.boolean(),
      why: z.string().optional(),
    }),
  ),
  sustainableRatePerSubtask: z.number().nullable().describe('The knee: the highest step with achieved ≥ 99 % of intended and p99 of the last third ≤ 1.2 × the first third.'),
  failedBelowKnee: z.array(z.number()).describe('Lower steps that failed the test: noise (too short a steady phase; S18 asks for ≥ 60 s) or a real problem worth a rerun.'),
});

export const suiteIndexSchema = z
  .object({
    schemaVersion: z.literal(SUITE_INDEX_VERSION),
    suite: z.string(),
    description: z.string(),
    file: z.string().describe('The suite file, as given.'),
    state: z.enum(['running', 'completed', 'interrupted', 'bailed']),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    flowlab: resultDocumentSchema.shape.flowlab,
    environment: resultDocumentSchema.shape.environment,
    options: z.object({ filter: z.string().nullable(), bail: z.boolean(), repetitions: z.number().nullable() }),
    runs: z.array(suiteRunSchema),
    control: z
      .object({
        scenario: z.string(),
        runsPerVariant: z.number(),
        recordsPerSec: z.object({ a: z.number().nullable(), b: z.number().nullable(), diffPct: z.number().nullable() }),
        p99Us: z.object({ a: z.number().nullable(), b: z.number().nullable(), diffPct: z.number().nullable() }),
      })
      .optional()
      .describe('A/A noise floor: medians of the two identical variants and their relative difference.'),
    rateSweeps: z.array(rateSweepSchema).default([]),
    shapes: z.array(shapeOutcomeSchema).default([]).describe('Published shapes: model vs measured per check, with verdicts (suites with `shape` entries).'),
  })
  .describe('suite.json: the index of a suite run.');

export type SuiteIndex = z.infer<typeof suiteIndexSchema>;
export type SuiteRunRecord = z.infer<typeof suiteRunSchema>;
export type RateSweep = z.infer<typeof rateSweepSchema>;
