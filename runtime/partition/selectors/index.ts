/** runtime/partition/selectors/: channel selectors (Flink's stream partitioners, spec §3.4) behind one interface. */
export type { ChannelSelector, ChannelSelectorKind } from './channel-selector.js';
export { createChannelSelector, CHANNEL_SELECTOR_KINDS, type ChannelSelectorOptions } from './create-channel-selector.js';
export { ForwardSelector } from './forward-selector.js';
export { RebalanceSelector } from './rebalance-selector.js';
export { KeyGroupSelector } from './key-group-selector.js';
export { BroadcastSelector } from './broadcast-selector.js';
export { UnknownChannelSelectorError } from './selector-errors.js';
export {
  DEFAULT_LOWER_BOUND_MAX_PARALLELISM,
  UPPER_BOUND_MAX_PARALLELISM,
  javaLongHashCode,
  murmurHash,
  bitMix,
  roundUpToPowerOfTwo,
  defaultMaxParallelism,
  assignToKeyGroup,
  computeOperatorIndexForKeyGroup,
} from './key-groups.js';
