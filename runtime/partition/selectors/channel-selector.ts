/** The one interface behind every stream partitioner (spec §3.4): which output channel a record goes to. */

/** The partitioners flowlab builds. */
export type ChannelSelectorKind = 'forward' | 'rebalance' | 'keyBy' | 'broadcast';

/** Flink's `ChannelSelector`: `setup` once with the number of output channels, then one `selectChannel` per record. */
export interface ChannelSelector {
  readonly kind: ChannelSelectorKind;
  /** True if every record goes to all channels; `selectChannel` then throws. */
  readonly isBroadcast: boolean;
  /** Number of output channels from the last {@link setup}, 0 before. */
  readonly numberOfChannels: number;
  /** Sets (or resets) the number of output channels (the downstream parallelism), at least 1. */
  setup(numberOfChannels: number): void;
  /** The channel in [0, numberOfChannels) for a record with this key (a non-negative safe integer). */
  selectChannel(key: number): number;
}
