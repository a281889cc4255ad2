/**
 * Settings of the standing fuzz suite (fast-check properties in `*.fuzz.test.ts`): how many runs each property
 * makes, and an optional seed to replay a failure. `FLOWLAB_FUZZ_RUNS` multiplies every property's default count
 * (e.g. 10 for a long session), `FLOWLAB_FUZZ_SEED` pins the seed fast-check printed for a failure.
 */
export interface FuzzParameters {
  readonly numRuns: number;
  readonly seed?: number;
}

/** fast-check parameters for a property whose default is `defaultRuns` runs. */
export function fuzzParameters(defaultRuns: number): FuzzParameters {
  const factor = Number(process.env['FLOWLAB_FUZZ_RUNS'] ?? '1');
  const seed = Number(process.env['FLOWLAB_FUZZ_SEED']);
  const numRuns = Math.max(1, Math.round(defaultRuns * (Number.isFinite(factor) && factor > 0 ? factor : 1)));
  return Number.isSafeInteger(seed) ? { numRuns, seed } : { numRuns };
}
