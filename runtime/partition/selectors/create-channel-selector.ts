/** The one factory of channel selectors. */
import { SeededRandom } from '../../../core/index.js';
import { BroadcastSelector } from './broadcast-selector.js';
import type { ChannelSelector, ChannelSelectorKind } from './channel-selector.js';
import { ForwardSelector } from './forward-selector.js';
import { KeyGroupSelector } from './key-group-selector.js';
import { RebalanceSelector } from './rebalance-selector.js';
import { UnknownChannelSelectorError } from './selector-errors.js';

export interface ChannelSelectorOptions {
  /**
   * Key groups of a keyBy edge (`pipeline.max-parallelism`).
   * @default defaultMaxParallelism(number of channels)
   */
  maxParallelism?: number;
  /**
   * Random source of the rebalance start channel; pass one derived from the run's seed so the run replays.
   * @default a SeededRandom with a seed from Math.random()
   */
  random?: SeededRandom;
}

/** Every kind {@link createChannelSelector} knows. */
export const CHANNEL_SELECTOR_KINDS: readonly ChannelSelectorKind[] = Object.freeze(['forward', 'rebalance', 'keyBy', 'broadcast']);

/**
 * A new, not yet set up selector of `kind`. Throws {@link UnknownChannelSelectorError} for an unknown kind (the
 * argument may come from untyped input such as a job graph file).
 */
export function createChannelSelector(kind: ChannelSelectorKind, options: ChannelSelectorOptions = {}): ChannelSelector {
  switch (kind) {
    case 'forward':
      return new ForwardSelector();
    case 'rebalance':
      return new RebalanceSelector(options.random ?? new SeededRandom(Math.floor(Math.random() * 4_294_967_296)));
    case 'keyBy':
      return new KeyGroupSelector(options.maxParallelism);
    case 'broadcast':
      return new BroadcastSelector();
    default:
      throw new UnknownChannelSelectorError(String(kind), CHANNEL_SELECTOR_KINDS);
  }
}
