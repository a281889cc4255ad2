/**
 * `reset_peer` {timeout ms} (spec/toxiproxy-api.md §2.4.6): the first chunk (or EOF) in the direction is
 * dropped, then after `timeout` ms the stream is closed. The wait is not interrupted by updates or removal
 * (unlike Toxiproxy, an API delete does not block until the wait ends; it answers at once).
 * Whether the close is an RST is decided per connection when it starts (the link sets linger 0 when a
 * reset_peer toxic existed then, whatever its toxicity).
 */
import type { Chunk } from '../chunk-queue.js';
import { ToxicStage } from '../toxic-stage.js';

export class ResetPeerStage extends ToxicStage {
  protected override async onChunk(_chunk: Chunk): Promise<void> {
    await this.resetAfterTimeout();
  }

  protected override async onEof(): Promise<void> {
    await this.resetAfterTimeout();
  }

  private async resetAfterTimeout(): Promise<void> {
    await this.sleepUninterruptibly(this.toxic.attribute('timeout'));
    await this.closeOutput();
  }
}
