/**
 * `limit_data` {bytes} (spec/toxiproxy-api.md §2.4.8): forwards until `bytes` have passed on this connection in
 * this direction (the chunk that crosses the limit is truncated), then closes the stream. The counter lives as
 * long as the stage: it survives updates and starts at 0 when the toxic is added again. With `bytes = 0` the
 * first chunk closes the stream and none of it is forwarded.
 */
import type { Chunk } from '../chunk-queue.js';
import { ToxicStage } from '../toxic-stage.js';

export class LimitDataStage extends ToxicStage {
  private forwardedBytes = 0;

  protected override async onChunk(chunk: Chunk): Promise<void> {
    const limit = this.toxic.attribute('bytes');
    const allowance = limit - this.forwardedBytes;
    if (allowance <= 0) {
      await this.closeOutput();
      return;
    }
    const data = chunk.data.length > allowance ? chunk.data.subarray(0, allowance) : chunk.data;
    this.forwardedBytes += data.length;
    await this.emit(data === chunk.data ? chunk : { data, readAtMs: chunk.readAtMs });
    if (this.forwardedBytes >= limit) await this.closeOutput();
  }
}
