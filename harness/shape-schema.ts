/**
 * Published shapes (spec §8, S1–S18) as data on a suite entry: named values taken from the runs (a swept parameter,
 * a measured metric of this or another variant, a fitted slope) and checks that compare what was measured with what a
 * model or a published figure predicts. The suite runner evaluates them into `suite.json` (`shapes`); the reports show
 * model vs measured; `flowlab gate` counts a failed check like a failed absolute gate.
 */
import { z } from 'zod';

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** An expression; a bare number is the constant it names. */
const expression = z
  .union([z.string().min(1), z.number()])
  .transform((v) => String(v))
  .meta({ type: ['string', 'number'] });

export const shapeVarSchema = z
  .union([
    z.number().describe('A constant.'),
    z
      .strictObject({ param: z.string().min(1).describe('A swept field, a Flink key (config.<key> or bare) or a scenario field such as workload.recordSize.') })
      .describe('A parameter of the variant: durations become milliseconds, memory sizes bytes, booleans 1 / 0.'),
    z
      .strictObject({
        metric: z.string().min(1).describe('A path into the result document: throughput.bytesPerSec, latencyUs.p50, checkpoints.durationMs.p50, calibration.loopbackBytesPerSec, phases.<name>.latencyUs.p99, tasks.<vertex|*>.<field>.'),
        where: z.record(z.string(), scalar).optional().describe('Take it from the variant with these swept values instead (the other swept fields stay those of the variant being checked).'),
        agg: z.enum(['min', 'max', 'mean', 'sum']).default('max').describe('For tasks.<vertex|*>.<field>: how the subtasks are combined.'),
      })
      .describe('A measured figure: the median over the repetitions of a variant.'),
    z
      .strictObject({
        slope: z.string().min(1).describe('The metric (y), as in `metric`.'),
        x: z.string().min(1).describe('The swept parameter (x), as in `param`.'),
        where: z.record(z.string(), scalar).optional().describe('Fit only the variants with these swept values.'),
        agg: z.enum(['min', 'max', 'mean', 'sum']).default('max'),
      })
      .describe('The least-squares slope of a metric over a swept parameter, across variants (medians per variant).'),
    z
      .strictObject({
        table: z.string().min(1).describe('The swept parameter that selects the value.'),
        values: z.record(z.string(), z.number()).describe('Parameter value as swept (e.g. "1ms") → number; a value not listed has no prediction.'),
      })
      .describe('A value per parameter value, e.g. published ratios at the timeouts where they were measured.'),
  ])
  .describe('A named value for the expressions of the checks.');

export const shapeCheckSchema = z
  .strictObject({
    name: z.string().min(1).describe('What is checked, e.g. "T(1 ms) ÷ T(100 ms)".'),
    measured: expression.describe('An expression over the vars (mathjs syntax: + - * / ^, min, max, abs, sqrt, log …).'),
    predicted: expression.optional().describe('The model: an expression over the vars. With tolerance, measured ÷ predicted must lie in it.'),
    tolerance: z.tuple([z.number().min(0), z.number().positive()]).optional().describe('[low, high] bounds of measured ÷ predicted.'),
    min: z.number().optional().describe('measured ≥ min.'),
    max: z.number().optional().describe('measured ≤ max.'),
    published: z.strictObject({ value: z.number(), source: z.string().min(1) }).optional().describe("The published figure for this quantity, shown beside the measured one (Flink's, or a paper's)."),
    x: z.string().min(1).optional().describe('A swept parameter: draw this check as a curve over it (measured and predicted). A check without tolerance, min or max is shown, not judged.'),
    unit: z.string().optional().describe('Unit of measured and predicted, for the reports.'),
  })
  .superRefine((c, ctx) => {
    if (c.tolerance !== undefined && c.predicted === undefined) ctx.addIssue({ code: 'custom', path: ['tolerance'], message: 'a tolerance bounds measured ÷ predicted: give `predicted` too' });
    if (c.tolerance !== undefined && c.tolerance[0] > c.tolerance[1]) ctx.addIssue({ code: 'custom', path: ['tolerance'], message: `expected [low, high] with low ≤ high, got [${c.tolerance.join(', ')}]` });
    if (c.min !== undefined && c.max !== undefined && c.min > c.max) ctx.addIssue({ code: 'custom', path: ['max'], message: `expected max ≥ min (${c.min})` });
  });

export const shapeSchema = z
  .strictObject({
    id: z.string().regex(/^S\d+$/, 'a shape id of the spec, such as S5').describe('The shape in spec §8 (S1–S18).'),
    title: z.string().min(1),
    source: z.string().min(1).describe('Where the prediction comes from: the spec item and its published sources.'),
    vars: z.record(z.string().regex(IDENT, 'a name of letters, digits and _ (it is used in expressions)'), shapeVarSchema).default({}),
    checks: z.array(shapeCheckSchema).min(1),
  })
  .describe('A published shape reproduced by this entry: its model as data and the pass criteria.');

export const skippedShapeSchema = z.strictObject({
  id: z.string().regex(/^S\d+$/, 'a shape id of the spec, such as S3'),
  title: z.string().min(1),
  reason: z.string().min(1).describe('Why this machine cannot run it, and where it is covered instead, if anywhere.'),
});

export type ShapeInput = z.input<typeof shapeSchema>;
export type Shape = z.output<typeof shapeSchema>;
export type ShapeVar = Shape['vars'][string];
export type ShapeCheck = Shape['checks'][number];
export type SkippedShape = z.output<typeof skippedShapeSchema>;

const rowSchema = z.object({
  variant: z.string().nullable().describe('The variant checked; null for a check over the whole entry.'),
  parameters: z.record(z.string(), z.unknown()),
  x: z.number().nullable().describe('The x parameter (numeric) for curves.'),
  measured: z.number().nullable(),
  predicted: z.number().nullable(),
  ratio: z.number().nullable().describe('measured ÷ predicted.'),
  verdict: z.enum(['pass', 'fail', 'no-data']),
  reason: z.string().optional(),
});

export const shapeOutcomeSchema = z.object({
  id: z.string(),
  title: z.string(),
  source: z.string(),
  scenario: z.string().nullable(),
  verdict: z.enum(['pass', 'fail', 'no-data', 'skipped']),
  reason: z.string().optional().describe('skipped: why; no-data: what was missing.'),
  checks: z.array(
    z.object({
      name: z.string(),
      measured: z.string(),
      predicted: z.string().nullable(),
      tolerance: z.tuple([z.number(), z.number()]).nullable(),
      min: z.number().nullable(),
      max: z.number().nullable(),
      published: z.object({ value: z.number(), source: z.string() }).nullable(),
      x: z.string().nullable(),
      unit: z.string().nullable(),
      judged: z.boolean().describe('false: a curve shown beside the judged checks, without a criterion of its own.'),
      verdict: z.enum(['pass', 'fail', 'no-data']),
      rows: z.array(rowSchema),
    }),
  ),
});

export type ShapeOutcome = z.infer<typeof shapeOutcomeSchema>;
export type ShapeCheckOutcome = ShapeOutcome['checks'][number];
export type ShapeRow = z.infer<typeof rowSchema>;
