/**
 * `timeout` {timeout ms} (spec/toxiproxy-api.md §2.4.5): every chunk in the direction is dropped. With
 * `timeout > 0` the stream is closed after `timeout` ms without a chunk (each dropped chunk restarts the
 * countdown); with 0 it is a black hole. Removing the toxic closes the connection whatever the toxicity draw,
 * since resuming after dropped bytes would corrupt the stream.
 */
import type { TimerHandle } from '../../core/index.js';
import type { Chunk } from '../chunk-queue.js';
import { ToxicStage } from '../toxic-stage.js';

export class TimeoutStage extends ToxicStage {
  private timer: TimerHandle | undefined;

  protected override onStart(): void {
    this.arm();
  }

  protected override onRestart(): void {
    this.arm();
  }

  protected override onRemove(): void {
    this.timer?.cancel();
    void this.closeOutput();
  }

  protected override onDispose(): void {
    this.timer?.cancel();
  }

  protected override async onChunk(_chunk: Chunk): Promise<void> {
    this.arm(); // dropped; the countdown starts again
  }

  protected override async onEof(): Promise<void> {
    this.timer?.cancel();
  }

  private arm(): void {
    this.timer?.cancel();
    this.timer = undefined;
    const timeoutMs = this.toxic.attribute('timeout');
    if (!this.active || timeoutMs <= 0 || this.isOutputClosed) return;
    this.timer = this.ctx.clock.setTimeout(() => {
      this.timer = undefined;
      void this.closeOutput();
    }, timeoutMs);
  }
}
