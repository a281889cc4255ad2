/** Flink's `BroadcastPartitioner`: every record to every channel, so there is no single channel to select. */
import { IllegalStateError } from '../../../core/index.js';
import type { ChannelSelector } from './channel-selector.js';
import { checkNumberOfChannels } from './check-channels.js';

export class BroadcastSelector implements ChannelSelector {
  readonly kind = 'broadcast';
  readonly isBroadcast = true;
  private channels = 0;

  get numberOfChannels(): number {
    return this.channels;
  }

  setup(numberOfChannels: number): void {
    checkNumberOfChannels(numberOfChannels);
    this.channels = numberOfChannels;
  }

  /** Always throws: broadcast writers emit to all channels (check {@link isBroadcast}). */
  selectChannel(_key: number): number {
    throw new IllegalStateError('Broadcast partitioner does not support select channels.');
  }
}
