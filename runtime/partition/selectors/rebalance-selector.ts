/** Flink's `RebalancePartitioner`: round-robin from a random start; the first record goes to start + 1. */
import { SeededRandom } from '../../../core/index.js';
import type { ChannelSelector } from './channel-selector.js';
import { checkNumberOfChannels, notSetUp } from './check-channels.js';

export class RebalanceSelector implements ChannelSelector {
  readonly kind = 'rebalance';
  readonly isBroadcast = false;
  private channels = 0;
  private next = 0;
  private readonly random: SeededRandom;

  /** @param random source of the start channel; inject a seeded one so a run replays. */
  constructor(random: SeededRandom) {
    this.random = random;
  }

  get numberOfChannels(): number {
    return this.channels;
  }

  setup(numberOfChannels: number): void {
    checkNumberOfChannels(numberOfChannels);
    this.channels = numberOfChannels;
    this.next = this.random.nextInt(numberOfChannels);
  }

  selectChannel(_key: number): number {
    if (this.channels === 0) throw notSetUp(this.kind);
    if (++this.next === this.channels) this.next = 0;
    return this.next;
  }
}
