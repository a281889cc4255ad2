/**
 * Published figures as a baseline (`flowlab baseline published suites/published.yaml --to …`): every shape check that
 * carries a `published` figure becomes a scalar of a `source: published` baseline, with its provenance (the
 * publication) and a tolerance taken from the check's own criterion, so `flowlab gate --baseline` judges the measured
 * value against the publication as the shape does. Entries are keyed `<scenario>/<shape id>`, scalars `shape:<check>`.
 */
import type { SuitePlan } from '../suite-plan.js';
import type { ShapeCheck, ShapeOutcome } from '../shape-schema.js';
import { BASELINE_SCHEMA_VERSION, type Baseline, type BaselineEntry, type BaselineScalar } from './baseline-schema.js';

export const SHAPE_SCALAR_PREFIX = 'shape:';

/** How far (%) the measured value may miss the published figure and still meet the check's criterion. */
function tolerancePct(value: number, check: ShapeCheck): number | undefined {
  const abs = Math.abs(value);
  if (abs === 0) return undefined;
  if (check.min !== undefined && value >= check.min) return Math.round(((value - check.min) / abs) * 10_000) / 100;
  if (check.max !== undefined && value <= check.max) return Math.round(((check.max - value) / abs) * 10_000) / 100;
  return undefined;
}

function scalarOf(check: ShapeCheck & { published: { value: number; source: string } }): BaselineScalar {
  const { value, source } = check.published;
  const tolerance = tolerancePct(value, check);
  return {
    metric: check.name,
    phase: null,
    unit: check.unit ?? 'ratio',
    direction: check.max !== undefined && check.min === undefined ? 'lower-is-better' : 'higher-is-better',
    samples: [value],
    n: 1,
    mean: value,
    stddev: null,
    ...(tolerance !== undefined ? { tolerancePct: tolerance } : {}),
    reference: source,
  };
}

/** The published baseline of a planned suite: one entry per shape with published figures. */
export function publishedBaseline(plan: SuitePlan, name: string, now: Date = new Date()): Baseline {
  const scenarios: Record<string, BaselineEntry> = {};
  plan.shapes.forEach((shape, i) => {
    if (!shape) return;
    const scenario = plan.runs.find((r) => r.entry === i)?.scenario;
    const published = shape.checks.filter((c): c is ShapeCheck & { published: { value: number; source: string } } => c.published !== undefined);
    if (scenario === undefined || published.length === 0) return;
    scenarios[`${scenario}/${shape.id}`] = {
      scenario,
      variant: shape.id,
      runs: 0,
      scalars: Object.fromEntries(published.map((c) => [`${SHAPE_SCALAR_PREFIX}${c.name}`, scalarOf(c)])),
      latency: {},
      vertices: {},
    };
  });
  return {
    schemaVersion: BASELINE_SCHEMA_VERSION,
    kind: 'flowlab-baseline',
    name,
    source: 'published',
    reference: `the published figures of ${plan.file} (spec §8 and the sources each figure names)`,
    createdAt: now.toISOString(),
    recordedFrom: { suite: plan.suite.name, paths: [plan.file], startedAt: null },
    flowlab: { version: 'published', commit: null },
    environment: null,
    calibration: null,
    noiseFloor: null,
    scenarios,
  };
}

/** The measured value of a shape check that is evaluated once (its row over the whole entry), or null. */
export function shapeCheckValue(shapes: readonly ShapeOutcome[], scenario: string, id: string, check: string): number | null {
  const c = shapes.find((s) => s.scenario === scenario && s.id === id)?.checks.find((x) => x.name === check);
  const row = c?.rows.find((r) => r.variant === null);
  return row?.measured ?? null;
}
