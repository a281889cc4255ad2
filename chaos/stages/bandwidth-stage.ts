/**
 * `bandwidth` {rate KB/s, 1 KB = 1000 bytes} (spec/toxiproxy-api.md §2.4.3), per connection and direction.
 * Each chunk adds `bytes / rate` ms of sleep debt; chunks larger than 100 ms worth are sent in 100 ms pieces;
 * timer overshoot is carried over (negative debt) so the long-run rate is exact, and idle time is not banked.
 * `rate: 0` stalls the stream until the toxic is updated or removed, as in Toxiproxy 2.12.0.
 */
import type { Chunk } from '../chunk-queue.js';
import { ToxicStage } from '../toxic-stage.js';

/** Largest slice of a chunk, in ms of transfer time at the configured rate. */
const PIECE_MS = 100;

export class BandwidthStage extends ToxicStage {
  private debtMs = 0;

  protected override onRestart(): void {
    this.debtMs = 0;
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
    const clock = this.ctx.clock;
    this.debtMs += data.length / rateBytesPerMs;
    const pieceBytes = rateBytesPerMs * PIECE_MS;
    while (data.length > pieceBytes) {
      const startMs = clock.nowMs();
      if (!(await this.sleep(PIECE_MS))) break; // interrupted: forward the rest at once
      await this.emit({ data: data.subarray(0, pieceBytes), readAtMs: chunk.readAtMs });
      data = data.subarray(pieceBytes);
      this.debtMs -= clock.nowMs() - startMs;
    }
    const startMs = clock.nowMs();
    if (this.debtMs > 0 && (await this.sleep(this.debtMs))) this.debtMs -= clock.nowMs() - startMs;
    else if (this.debtMs > 0) this.debtMs = 0;
    await this.emit({ data, readAtMs: chunk.readAtMs });
  }
}
