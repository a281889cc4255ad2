/** Flink's `ForwardPartitioner`: a one-to-one edge, every record to channel 0. */
import type { ChannelSelector } from './channel-selector.js';
import { checkNumberOfChannels } from './check-channels.js';

export class ForwardSelector implements ChannelSelector {
  readonly kind = 'forward';
  readonly isBroadcast = false;
  private channels = 0;

  get numberOfChannels(): number {
    return this.channels;
  }

  setup(numberOfChannels: number): void {
    checkNumberOfChannels(numberOfChannels);
    this.channels = numberOfChannels;
  }

  selectChannel(_key: number): number {
    return 0;
  }
}
