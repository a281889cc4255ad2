/**
 * The open-loop due times of a source's {@link RateSegment} schedule. With N(t) the cumulative records (the integral
 * of the rate, linear within each segment), record i (0-based) is due at the smallest t with N(t) ≥ i + 1, solved
 * exactly (a linear ramp makes N quadratic in t); the source emits floor(N(durationMs)) records. Segment offsets and
 * cumulative counts are computed once; {@link dueOffsetUs} advances a segment cursor and allocates nothing, so
 * consecutive indexes cost O(1) amortised.
 */
import type { RateSegment } from '../job/index.js';

const US_PER_MS = 1000;
const US_PER_SEC = 1_000_000;

export class RateSchedule {
  /** floor(N(durationMs)): the records a source with this schedule emits, the same after every restore. */
  readonly totalRecords: number;
  readonly durationUs: number;
  private readonly segments: number;
  /** Segment k starts at startUs[k] (µs since the source's start). */
  private readonly startUs: Float64Array;
  /** Segment k's length (s). */
  private readonly lengthSec: Float64Array;
  /** Rate at segment k's start (records/s). */
  private readonly fromPerSec: Float64Array;
  /** Rate change within segment k (records/s²). */
  private readonly slopePerSec2: Float64Array;
  /** N at segment k's start; cumulative[segments] = N(durationMs). */
  private readonly cumulative: Float64Array;
  private cursor = 0;

  /** `schedule` as validated (durations add up to `durationMs` within 1 ms): the last segment ends at `durationMs`. */
  constructor(schedule: readonly RateSegment[], durationMs: number) {
    if (schedule.length === 0) throw new RangeError('a rate schedule needs at least one segment');
    const k = schedule.length;
    this.segments = k;
    this.durationUs = durationMs * US_PER_MS;
    this.startUs = new Float64Array(k);
    this.lengthSec = new Float64Array(k);
    this.fromPerSec = new Float64Array(k);
    this.slopePerSec2 = new Float64Array(k);
    this.cumulative = new Float64Array(k + 1);
    let startMs = 0;
    for (let s = 0; s < k; s++) {
      const segment = schedule[s]!;
      const lengthMs = s === k - 1 ? Math.max(0, durationMs - startMs) : segment.durationMs;
      this.startUs[s] = startMs * US_PER_MS;
      this.lengthSec[s] = lengthMs / 1000;
      this.fromPerSec[s] = segment.fromPerSec;
      this.slopePerSec2[s] = lengthMs > 0 ? ((segment.toPerSec - segment.fromPerSec) * 1000) / lengthMs : 0;
      // (from + to) / 2 × length, kept in integers as long as possible so round counts stay exact
      this.cumulative[s + 1] = this.cumulative[s]! + ((segment.fromPerSec + segment.toPerSec) * lengthMs) / 2000;
      startMs += lengthMs;
    }
    const total = this.cumulative[k]!;
    // a count that lands a rounding error below an integer (0.1 + 0.2 style) still counts that record
    this.totalRecords = Math.floor(total + Math.max(1e-9, total * 1e-12));
  }

  /**
   * When record `index` (0-based, < {@link totalRecords}) is due, in µs since the source's start: the smallest t with
   * N(t) ≥ index + 1.
   */
  dueOffsetUs(index: number): number {
    const needed = index + 1;
    const last = this.segments - 1;
    if (needed <= this.cumulative[this.cursor]!) this.cursor = 0; // a lower index than the last one asked (a restore)
    let s = this.cursor;
    while (s < last && needed > this.cumulative[s + 1]!) s++;
    this.cursor = s;
    const inSegment = Math.min(needed - this.cumulative[s]!, this.cumulative[s + 1]! - this.cumulative[s]!);
    const from = this.fromPerSec[s]!;
    const slope = this.slopePerSec2[s]!;
    // from·t + slope·t²/2 = inSegment, in the cancellation-free form 2x / (from + √(from² + 2·slope·x))
    const root = Math.sqrt(Math.max(0, from * from + 2 * slope * inSegment));
    const denominator = from + root;
    const t = denominator > 0 ? Math.min(this.lengthSec[s]!, (2 * inSegment) / denominator) : this.lengthSec[s]!;
    return this.startUs[s]! + t * US_PER_SEC;
  }
}
