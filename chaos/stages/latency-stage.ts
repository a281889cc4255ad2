/**
 * `latency` {latency ms, jitter ms} (spec/toxiproxy-api.md §2.4.1): each chunk leaves at its read time plus
 * `latency + U`, with `U` a uniform integer in [-jitter, jitter-1] drawn per chunk. Order is kept, a chunk that
 * is already due leaves at once, and the 1024-chunk queue makes it a pipeline delay rather than a rate cap.
 * The chunk's timestamp advances by the time slept, so stacked latency toxics add up.
 */
import type { Chunk } from '../chunk-queue.js';
import { ToxicStage, type StageContext } from '../toxic-stage.js';
import type { ToxicState } from '../toxic-state.js';

/** Chunks queued in front of a latency stage, as in Toxiproxy. */
const LATENCY_QUEUE_CHUNKS = 1024;

export class LatencyStage extends ToxicStage {
  constructor(toxic: ToxicState, ctx: StageContext) {
    super(toxic, ctx, LATENCY_QUEUE_CHUNKS);
  }

  protected override async onChunk(chunk: Chunk): Promise<void> {
    const jitterMs = this.toxic.attribute('jitter');
    const offsetMs = jitterMs > 0 ? this.ctx.random.nextInt(2 * jitterMs) - jitterMs : 0;
    const delayMs = this.toxic.attribute('latency') + offsetMs;
    const startMs = this.ctx.clock.nowMs();
    const waitMs = chunk.readAtMs + delayMs - startMs;
    if (waitMs > 0) {
      await this.sleep(waitMs); // an update or removal releases the chunk at once
      chunk.readAtMs += this.ctx.clock.nowMs() - startMs;
    }
    await this.emit(chunk);
  }
}
