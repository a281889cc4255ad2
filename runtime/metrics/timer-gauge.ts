/**
 * Flink's TimerGauge (spec §6.2): accumulates time between markStart and markEnd; every update (5 s) the last
 * interval's total goes into a ring of 12 slots (60 s), and the value is ms per second over the filled slots,
 * clamped to [0, 1000]. An ongoing measurement counts up to the update.
 */
import type { Clock } from '../../core/index.js';

export const METRICS_UPDATE_INTERVAL_MS = 5_000;
const WINDOW_SLOTS = 12;

export class TimerGauge {
  private startedAtMs: number | undefined;
  private accumulatedMs = 0;
  private totalMs = 0;
  private readonly slots = new Float64Array(WINDOW_SLOTS);
  private filledSlots = 0;
  private nextSlot = 0;
  private lastUpdateMs: number;

  constructor(private readonly clock: Clock) {
    this.lastUpdateMs = clock.nowMs();
  }

  markStart(): void {
    if (this.startedAtMs === undefined) this.startedAtMs = this.clock.nowMs();
  }

  markEnd(): void {
    if (this.startedAtMs === undefined) return;
    const elapsed = this.clock.nowMs() - this.startedAtMs;
    this.accumulatedMs += elapsed;
    this.totalMs += elapsed;
    this.startedAtMs = undefined;
  }

  get isMeasuring(): boolean {
    return this.startedAtMs !== undefined;
  }

  /** Closes the current interval into the ring (called every {@link METRICS_UPDATE_INTERVAL_MS}). */
  update(): void {
    const now = this.clock.nowMs();
    if (this.startedAtMs !== undefined) {
      const elapsed = now - this.startedAtMs;
      this.accumulatedMs += elapsed;
      this.totalMs += elapsed;
      this.startedAtMs = now;
    }
    const intervalMs = Math.max(1, now - this.lastUpdateMs);
    this.slots[this.nextSlot] = (this.accumulatedMs / intervalMs) * 1000;
    this.nextSlot = (this.nextSlot + 1) % WINDOW_SLOTS;
    this.filledSlots = Math.min(WINDOW_SLOTS, this.filledSlots + 1);
    this.accumulatedMs = 0;
    this.lastUpdateMs = now;
  }

  /** ms per second over the window (0 before the first update). */
  get valueMsPerSecond(): number {
    if (this.filledSlots === 0) return 0;
    let sum = 0;
    for (let i = 0; i < this.filledSlots; i++) sum += this.slots[i]!;
    return Math.min(1000, Math.max(0, sum / this.filledSlots));
  }

  /** Total measured ms since creation (Flink's accumulate…TimeMs), including an ongoing measurement. */
  get accumulatedTotalMs(): number {
    return this.totalMs + (this.startedAtMs === undefined ? 0 : this.clock.nowMs() - this.startedAtMs);
  }
}
