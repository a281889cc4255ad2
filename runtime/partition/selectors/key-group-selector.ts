/**
 * Flink's `KeyGroupStreamPartitioner` (keyBy) for long keys: the key's key group, then the channel owning that key
 * group's range.
 */
import { InvalidConfigError } from '../../../core/index.js';
import type { ChannelSelector } from './channel-selector.js';
import { checkNumberOfChannels, notSetUp } from './check-channels.js';
import { UPPER_BOUND_MAX_PARALLELISM, defaultMaxParallelism, javaLongHashCode, murmurHash } from './key-groups.js';

export class KeyGroupSelector implements ChannelSelector {
  readonly kind = 'keyBy';
  readonly isBroadcast = false;
  private channels = 0;
  private readonly configuredMaxParallelism: number | undefined;
  private resolvedMaxParallelism = 0;

  /**
   * @param maxParallelism number of key groups (`pipeline.max-parallelism`), 1..32768 and at least the number of
   *   channels; @default {@link defaultMaxParallelism} of the number of channels
   */
  constructor(maxParallelism?: number) {
    if (maxParallelism !== undefined) checkMaxParallelism(maxParallelism);
    this.configuredMaxParallelism = maxParallelism;
  }

  /** Number of key groups in use (0 before {@link setup}). */
  get maxParallelism(): number {
    return this.resolvedMaxParallelism;
  }

  get numberOfChannels(): number {
    return this.channels;
  }

  setup(numberOfChannels: number): void {
    checkNumberOfChannels(numberOfChannels);
    const maxParallelism = this.configuredMaxParallelism ?? defaultMaxParallelism(numberOfChannels);
    if (numberOfChannels > maxParallelism) {
      throw new InvalidConfigError(
        'pipeline.max-parallelism',
        maxParallelism,
        `at least the parallelism (${numberOfChannels} channels)`,
      );
    }
    this.channels = numberOfChannels;
    this.resolvedMaxParallelism = maxParallelism;
  }

  selectChannel(key: number): number {
    const maxParallelism = this.resolvedMaxParallelism;
    if (maxParallelism === 0) throw notSetUp(this.kind);
    const keyGroup = murmurHash(javaLongHashCode(key)) % maxParallelism;
    return Math.floor((keyGroup * this.channels) / maxParallelism);
  }
}

function checkMaxParallelism(value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > UPPER_BOUND_MAX_PARALLELISM) {
    throw new InvalidConfigError('pipeline.max-parallelism', value, `an integer between 1 and ${UPPER_BOUND_MAX_PARALLELISM}`);
  }
}
