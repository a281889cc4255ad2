/** What an input gate needs from its channels, remote or local. */
import type { NetworkBuffer } from '../buffer/index.js';

export interface InputChannel {
  readonly index: number;
  readonly isLocal: boolean;
  readonly isReleased: boolean;
  readonly queuedBuffers: number;
  /** The id the producer knows a remote channel by; undefined for a local channel. */
  readonly receiverId: string | undefined;
  /** Exclusive buffers (initial credit); 0 for a local channel. */
  readonly initialCredit: number;
  readonly usedExclusiveBuffers: number;
  readonly idleFloatingBuffers: number;
  /** Why the channel failed, if it did. */
  failure: Error | undefined;
  numBytesIn: number;
  numBuffersIn: number;
  /** Buffers in use as the debloater counts them (spec §4.4). */
  readonly buffersInUse: number;
  /** Tells the producer the buffer size to cut from now on (buffer debloating): NewBufferSize, or directly when local. */
  announceBufferSize(sizeBytes: number): void;
  setup(): Promise<void>;
  poll(): NetworkBuffer | undefined;
  /** True if a priority event (an unaligned barrier) is next on this channel. */
  hasPriorityHead(): boolean;
  /** Data buffers with a lower sequence number than `sequenceNumber` still queued for the task (not taken). */
  queuedDataBefore(sequenceNumber: number): NetworkBuffer[];
  /**
   * If the aligned barrier of `checkpointId` is queued here (received, not taken): removes it and returns the data
   * buffers queued before it (still queued for the task). Otherwise undefined.
   */
  takeQueuedBarrier(checkpointId: number): NetworkBuffer[] | undefined;
  resumeConsumption(): void;
  release(): void;
}

/** What a channel tells its gate. */
export interface InputChannelOwner {
  notifyChannelNonEmpty(channel: InputChannel): void;
  notifyPriorityEvent(channel: InputChannel): void;
  notifyChannelFailed(channel: InputChannel, error: Error): void;
}
