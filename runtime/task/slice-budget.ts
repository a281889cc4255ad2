/**
 * When a task's loop yields to the event loop: after {@link TASK_SLICE_MS}. Reading the clock for every record
 * costs too much when records are cheap, and checking every 64th record lets one slice run 64 records long when they
 * are expensive (a busy-waiting map at 250 µs/record: 16 ms, during which the TaskManager answers nothing, not even
 * checkpoint file writes). So the number of records between clock reads adapts to what records cost, aiming at
 * about eight reads per slice.
 */
import type { Clock } from '../../core/index.js';

export const TASK_SLICE_MS = 2;
const MAX_RECORDS_BETWEEN_READS = 64;

export class SliceBudget {
  // calibrated on the first record: a task whose slices end (input drained) before 64 records would otherwise never
  // read the clock, and run up to 64 expensive records per slice (a 25 ms sink reading 256 B buffers: 1.6 s)
  private every = 1;
  private untilRead = 1;
  private records = 0;
  private startMs = 0;
  private endMs = 0;

  constructor(private readonly clock: Clock) {}

  /** Starts a slice. */
  begin(): void {
    this.startMs = this.clock.nowMs();
    this.endMs = this.startMs + TASK_SLICE_MS;
    this.records = 0;
    this.untilRead = this.every;
  }

  /** Counts one record; true when the slice is used up (yield now). */
  spent(): boolean {
    this.records++;
    if (--this.untilRead > 0) return false;
    const now = this.clock.nowMs();
    const perRecordMs = (now - this.startMs) / this.records;
    this.every = perRecordMs > 0 ? Math.min(MAX_RECORDS_BETWEEN_READS, Math.max(1, Math.floor(TASK_SLICE_MS / 8 / perRecordMs))) : MAX_RECORDS_BETWEEN_READS;
    this.untilRead = this.every;
    return now > this.endMs;
  }
}
