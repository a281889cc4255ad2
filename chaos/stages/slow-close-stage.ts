/**
 * `slow_close` {delay ms} (spec/toxiproxy-api.md §2.4.4): data passes untouched; when the stream ends, the close
 * is passed on `delay` ms late. Removing the toxic during the wait lets the close proceed at once.
 */
import { ToxicStage } from '../toxic-stage.js';

export class SlowCloseStage extends ToxicStage {
  protected override async onEof(): Promise<void> {
    await this.sleep(this.toxic.attribute('delay'));
  }
}
