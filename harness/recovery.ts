/**
 * Time to recover after a fault is healed: the first second after the heal whose figures are back to the
 * fault's `before` window.
 */
import { FlowlabError } from '../core/index.js';

/** Throughput counts as recovered within this share of `before`, either way (|x − before| ≤ 5 % of before). */
export const RECOVERY_THROUGHPUT_TOLERANCE = 0.05;
/** p99 counts as recovered up to this multiple of `before`'s p99 (≤ 1.2 ×); lower is always fine. */
export const RECOVERY_P99_RATIO = 1.2;
/** Relative slack on both bounds, so a value exactly on a bound counts despite binary floating point (0.05 × 3). */
const BOUND_SLACK = 1e-9;

/** One per-second sample of the run: the figures of the second that ends at `tMs`. */
export interface RecoverySample {
  /** End of the covered second, ms on the run's clock (the same clock as `healedAtMs`). */
  readonly tMs: number;
  readonly recordsPerSec: number;
  /** That second's p99 latency, µs; null when it is not known (no records, or too few for a p99). */
  readonly p99Us: number | null;
}

/** The fault's `before` window figures. */
export interface RecoveryBaseline {
  readonly recordsPerSec: number;
  /** null when `before` had no usable p99; then throughput alone decides. */
  readonly p99Us: number | null;
}

/** Outcome of {@link timeToRecover}, a union on `recovered`. */
export type RecoveryResult =
  | { readonly recovered: true; readonly timeToRecoverMs: number; readonly atMs: number }
  | { readonly recovered: false; readonly reason: string };

/**
 * Time to recover: the first second after the heal whose throughput is back within 5 % of `before` and whose
 * p99 is within 20 % of `before`'s p99.
 *
 * - "After the heal" means every sample whose second ends after `healedAtMs`; a second that straddles the heal
 *   counts (if it already meets the bar, the job recovered within it).
 * - Throughput is back when `|recordsPerSec − before| ≤ 5 % × before`: an overshoot of more than 5 % (a backlog
 *   still draining) is not yet recovered, because the job is not yet in its steady state.
 * - p99 is back when `p99Us ≤ 1.2 × before.p99Us` (lower is fine). When `before.p99Us` is null, throughput alone
 *   decides; when it is known but a second's p99 is null, that second cannot show recovery.
 * - `timeToRecoverMs` runs from the heal to the end of that first good second (`atMs − healedAtMs`).
 *
 * Not recovered: no samples end after the heal, or none meets the bar by the end of the run (the reason says
 * how many seconds were checked and how many had throughput back but no p99).
 */
export function timeToRecover(samples: readonly RecoverySample[], healedAtMs: number, before: RecoveryBaseline): RecoveryResult {
  if (!Number.isFinite(healedAtMs)) throw new FlowlabError('ERR_INVALID_ARGUMENT', `healedAtMs must be a finite number, got ${healedAtMs}`);
  if (!Number.isFinite(before.recordsPerSec) || before.recordsPerSec < 0) {
    throw new FlowlabError('ERR_INVALID_ARGUMENT', `before.recordsPerSec must be a finite number ≥ 0, got ${before.recordsPerSec}`);
  }
  const after = samples.filter((s) => s.tMs > healedAtMs).sort((a, b) => a.tMs - b.tMs);
  if (after.length === 0) return { recovered: false, reason: 'no samples after the heal' };
  let throughputBackWithoutP99 = 0;
  for (const s of after) {
    if (!throughputBack(s.recordsPerSec, before.recordsPerSec)) continue;
    if (before.p99Us !== null) {
      if (s.p99Us === null) {
        throughputBackWithoutP99++;
        continue;
      }
      if (s.p99Us > RECOVERY_P99_RATIO * before.p99Us * (1 + BOUND_SLACK)) continue;
    }
    return { recovered: true, timeToRecoverMs: s.tMs - healedAtMs, atMs: s.tMs };
  }
  const lastMs = after.at(-1)!.tMs;
  const unknown = throughputBackWithoutP99 > 0 ? `; ${throughputBackWithoutP99} had throughput back but no p99` : '';
  return {
    recovered: false,
    reason: `not recovered by the end of the run (${after.length} samples checked, up to ${lastMs - healedAtMs} ms after the heal${unknown})`,
  };
}

function throughputBack(recordsPerSec: number, beforeRecordsPerSec: number): boolean {
  return Math.abs(recordsPerSec - beforeRecordsPerSec) <= RECOVERY_THROUGHPUT_TOLERANCE * beforeRecordsPerSec * (1 + BOUND_SLACK);
}
