/**
 * `bandwidth` {rate KB/s, 1 KB = 1000 bytes} (spec/toxiproxy-api.md §2.4.3), per connection and direction.
 * Chunks are scheduled against a running due time: each adds `bytes / rate` ms to it and leaves when it is
 * reached, so timer overshoot and the time spent handing a chunk on (the socket write) count against the rate
 * and the long-run rate is exact. Chunks larger than 100 ms worth go out in 100 ms pieces. Idle time is not
 * banked: a stage that fell more than {@link IDLE_SLACK_MS} behind (no data came) starts again from now.
 * `rate: 0` stalls the stream until the toxic is updated or removed, as in Toxiproxy 2.12.0.
 */
import type { Chunk } from '../chunk-queue.js';
import { ToxicStage } from '../toxic-stage.js';

/** Largest slice of a chunk, in ms of transfer time at the configured rate. */
const PIECE_MS = 100;
/** Lag behind the due time that still counts as catching up rather than idling. */
const IDLE_SLACK_MS = 10;

export class BandwidthStage extends ToxicStage {
  /** When the bytes scheduled so far are due out (monotonic ms); undefined after an idle spell or an update. */
  private dueMs: number | undefined;

  protected override onRestart(): void {
    this.dueMs = undefined;
  }

  protected override async onChunk(chunk: Chunk): Promise<void> {
    let data = chunk.data;
    while (this.active && !this.removing && !this.disposed && this.toxic.attribute('rate') <= 0) {
      await this.waitForInterrupt();
    }
    const rateBytesPerMs = this.toxic.attribute('rate'); // KB/s = bytes/ms
    if (!this.active || this.removing || rateBytesPerMs <= 0) {
      await this.emit(chunk);
      return;
    }
    const nowMs = this.ctx.clock.nowMs();
    if (this.dueMs === undefined || nowMs - this.dueMs > IDLE_SLACK_MS) this.dueMs = nowMs;
    const pieceBytes = rateBytesPerMs * PIECE_MS;
    while (data.length > pieceBytes) {
      this.dueMs += PIECE_MS;
      if (!(await this.sleepUntil(this.dueMs))) {
        this.dueMs = undefined; // interrupted: forward the rest at once
        break;
      }
      await this.emit({ data: data.subarray(0, pieceBytes), readAtMs: chunk.readAtMs });
      data = data.subarray(pieceBytes);
    }
    if (this.dueMs !== undefined) {
      this.dueMs += data.length / rateBytesPerMs;
      if (!(await this.sleepUntil(this.dueMs))) this.dueMs = undefined;
    }
    await this.emit({ data, readAtMs: chunk.readAtMs });
  }

  private sleepUntil(dueMs: number): Promise<boolean> {
    return this.sleep(dueMs - this.ctx.clock.nowMs());
  }
}
