/**
 * Flink's ThroughputCalculator (spec §4.3), one per input gate: bytes the task took from the gate per second of
 * *busy* time. The clock pauses while the gate has nothing to give (the task is idle) and resumes with the next
 * buffer, so the figure is what the consumer can process when it always has input, not what it happened to get.
 */
import { systemClock, type Clock } from '../../core/index.js';

export class ThroughputCalculator {
  private accumulatedBytes = 0;
  private measuredMs = 0;
  /** When the running interval started; undefined while paused. */
  private startedAtMs: number | undefined;
  private throughputBytesPerSec = 0;

  constructor(private readonly clock: Clock = systemClock) {}

  /** A buffer or event of `bytes` was returned by the gate; resumes the measurement if it was paused. */
  incomingDataSize(bytes: number): void {
    if (this.startedAtMs === undefined) this.startedAtMs = this.clock.nowMs();
    this.accumulatedBytes += bytes;
  }

  /** The gate had nothing to return: idle time does not count. */
  pauseMeasurement(): void {
    if (this.startedAtMs === undefined) return;
    this.measuredMs += this.clock.nowMs() - this.startedAtMs;
    this.startedAtMs = undefined;
  }

  resumeMeasurement(): void {
    if (this.startedAtMs === undefined) this.startedAtMs = this.clock.nowMs();
  }

  get isPaused(): boolean {
    return this.startedAtMs === undefined;
  }

  /**
   * Bytes per busy second since the last call, `floor(bytes / measuredMs × 1000)`; the previous figure if no busy time
   * was measured. Starts the next interval.
   */
  calculateThroughput(): number {
    if (this.startedAtMs !== undefined) {
      const now = this.clock.nowMs();
      this.measuredMs += now - this.startedAtMs;
      this.startedAtMs = now;
    }
    if (this.measuredMs > 0) this.throughputBytesPerSec = Math.floor((this.accumulatedBytes / this.measuredMs) * 1000);
    this.accumulatedBytes = 0;
    this.measuredMs = 0;
    return this.throughputBytesPerSec;
  }

  /** The last figure {@link calculateThroughput} returned (B/s). */
  get lastThroughputBytesPerSec(): number {
    return this.throughputBytesPerSec;
  }
}
