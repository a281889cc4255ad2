/**
 * A channel to a producer in the same TaskManager (spec §2.7 "Local channels"): the consumer reads the producer's
 * subpartition directly — no socket, no credit, no copy. Backpressure comes only from the producer's output pool.
 */
import { NetworkBuffer } from '../buffer/index.js';
import type { PipelinedSubpartition, ResultPartitionId, SubpartitionAvailabilityListener } from '../partition/index.js';
import type { ResultPartitionManager } from '../network/index.js';
import type { InputChannelOwner } from './input-channel.js';
import { FlowlabError } from '../../core/index.js';

/** Flink's partition-request timeout: how long a local channel waits for its partition to be registered. */
const PARTITION_REQUEST_TIMEOUT_MS = 10_000;

export class LocalInputChannel implements SubpartitionAvailabilityListener {
  readonly isLocal = true;
  readonly receiverId = undefined;
  /** Local channels hold no exclusive or floating buffers. */
  readonly initialCredit = 0;
  readonly usedExclusiveBuffers = 0;
  readonly idleFloatingBuffers = 0;
  private subpartition: PipelinedSubpartition | undefined;
  private released = false;
  private announcedSizeBytes: number | undefined;
  numBytesIn = 0;
  numBuffersIn = 0;
  failure: Error | undefined;

  constructor(
    readonly index: number,
    readonly partitionId: ResultPartitionId,
    readonly subpartitionIndex: number,
    private readonly owner: InputChannelOwner,
    private readonly partitions: ResultPartitionManager,
  ) {}

  get isReleased(): boolean {
    return this.released;
  }

  /** Elements queued in the producer's subpartition (Flink: the view's queued buffers). */
  get buffersInUse(): number {
    return this.subpartition?.queueLength ?? 0;
  }

  /** No message: the producer's subpartition is in this process. */
  announceBufferSize(sizeBytes: number): void {
    if (this.released) return;
    this.announcedSizeBytes = sizeBytes;
    if (this.subpartition) this.subpartition.bufferSizeBytes = sizeBytes;
  }

  /** 1 while the subpartition has data for us (the gate only needs to know whether to poll again). */
  get queuedBuffers(): number {
    return this.subpartition?.isDataAvailable() || this.subpartition?.isNextEvent() ? 1 : 0;
  }

  async setup(): Promise<void> {
    const partition = await this.partitions.waitFor(this.partitionId, PARTITION_REQUEST_TIMEOUT_MS);
    if (this.released) return;
    const subpartition = partition?.subpartitions[this.subpartitionIndex];
    if (!partition || !subpartition) {
      throw new FlowlabError('ERR_PARTITION_NOT_FOUND', `local partition ${this.partitionId.dataSetId}:${this.partitionId.partitionIndex} subpartition ${this.subpartitionIndex} not found`);
    }
    this.subpartition = subpartition;
    if (this.announcedSizeBytes !== undefined) subpartition.bufferSizeBytes = this.announcedSizeBytes;
    subpartition.setListener(this);
    if (subpartition.isDataAvailable()) this.owner.notifyChannelNonEmpty(this);
  }

  notifyDataAvailable(): void {
    if (!this.released) this.owner.notifyChannelNonEmpty(this);
  }

  notifyPriorityEvent(): void {
    if (!this.released) this.owner.notifyPriorityEvent(this);
  }

  /** The next slice of the producer's buffer, as a buffer view whose release() releases the slice. */
  poll(): NetworkBuffer | undefined {
    if (this.released || !this.subpartition) return undefined;
    const next = this.subpartition.pollBuffer();
    if (!next) return undefined;
    const underlying = next.buffer;
    const view = new NetworkBuffer(underlying.segment);
    view.claim({ recycle: () => underlying.release() });
    view.readerIndex = next.offset;
    view.size = next.offset + next.length;
    view.dataType = next.dataType;
    view.sequenceNumber = next.sequenceNumber;
    this.numBuffersIn++;
    this.numBytesIn += next.length;
    return view;
  }

  /** The producer's priority barrier overtook its queued data (persisted as its output state): nothing queued here. */
  hasPriorityHead(): boolean {
    return this.subpartition?.hasPriorityHead() ?? false;
  }

  queuedDataBefore(_sequenceNumber: number): NetworkBuffer[] {
    return [];
  }

  /** A local channel queues nothing itself: the barrier is still in the producer's subpartition. */
  takeQueuedBarrier(_checkpointId: number): NetworkBuffer[] | undefined {
    return undefined;
  }

  resumeConsumption(): void {
    this.subpartition?.resumeConsumption();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.subpartition?.setListener(undefined);
  }
}
