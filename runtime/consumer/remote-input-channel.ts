/**
 * Receiver side of one logical channel over the network (spec §2.7). Credit = exclusive buffers + floating
 * buffers obtained for the sender's backlog; increments are announced with AddCredit. Incoming data lands in a
 * buffer taken from this channel (floating first, then exclusive); a frame that arrives without one, or out of
 * sequence, fails this channel only.
 */
import { ProtocolError } from '../../core/index.js';
import {
  DataType,
  hasPriority,
  unpooledBuffer,
  type BufferListener,
  type BufferRecycler,
  type LocalBufferPool,
  type NetworkBuffer,
  type NetworkBufferPool,
} from '../buffer/index.js';
import type { ResultPartitionId } from '../partition/index.js';
import type { InputChannel, InputChannelOwner } from './input-channel.js';

/** What a channel needs from its connection. */
export interface ChannelConnection {
  readonly name: string;
  notifyCreditAvailable(channel: RemoteInputChannel): void;
  sendResumeConsumption(channel: RemoteInputChannel): void;
  sendNewBufferSize(channel: RemoteInputChannel, size: number): void;
  cancel(channel: RemoteInputChannel): void;
}

/** What a channel tells its gate. */
export type ChannelOwner = InputChannelOwner;

export class RemoteInputChannel implements InputChannel, BufferRecycler, BufferListener {
  readonly isLocal = false;
  readonly receivedBuffers: NetworkBuffer[] = [];
  private numPriorityBuffers = 0;
  private readonly exclusive: NetworkBuffer[] = [];
  private readonly floating: NetworkBuffer[] = [];
  private exclusiveSegments: NetworkBuffer[] = [];
  private expectedSequenceNumber = 0;
  /** Credit gained but not yet sent. */
  unannouncedCredit = 0;
  private numRequiredBuffers: number;
  private waitingForFloating = false;
  private released = false;
  failure: Error | undefined;
  connection: ChannelConnection | undefined;
  numBytesIn = 0;
  numBuffersIn = 0;
  /** In the connection's credit queue. */
  queuedForCredit = false;

  constructor(
    readonly index: number,
    readonly receiverId: string,
    readonly partitionId: ResultPartitionId,
    readonly subpartitionIndex: number,
    readonly initialCredit: number,
    private readonly owner: ChannelOwner,
    private readonly floatingPool: LocalBufferPool,
    private readonly globalPool: NetworkBufferPool,
  ) {
    this.numRequiredBuffers = initialCredit;
  }

  get isReleased(): boolean {
    return this.released;
  }

  /** Buffers received and not yet taken by the task. */
  get queuedBuffers(): number {
    return this.receivedBuffers.length;
  }

  /** Exclusive buffers currently in use (received or in the task). */
  get usedExclusiveBuffers(): number {
    return this.exclusiveSegments.length - this.exclusive.length;
  }

  get idleFloatingBuffers(): number {
    return this.floating.length;
  }

  /** Buffers in use as the debloater counts them: queued plus backlog asked for (spec §4.4). */
  get buffersInUse(): number {
    return this.receivedBuffers.length + Math.max(0, this.numRequiredBuffers - this.initialCredit);
  }

  /** Takes the exclusive segments (credit) from the global pool. */
  async setup(): Promise<void> {
    this.exclusiveSegments = await this.globalPool.requestUnpooledSegments(this.initialCredit);
    for (const segment of this.exclusiveSegments) this.exclusive.push(segment.claim(this));
  }

  /** A buffer for the incoming payload: floating first, then exclusive; null means no credit was given. */
  requestBuffer(): NetworkBuffer | null {
    return this.floating.pop() ?? this.exclusive.pop() ?? null;
  }

  /** Called by the connection for every BufferResponse addressed to this channel. Returns the target buffer. */
  bufferForIncoming(sequenceNumber: number, dataType: number, size: number): NetworkBuffer | null {
    if (this.released) return null;
    if (sequenceNumber !== this.expectedSequenceNumber) {
      this.fail(
        new ProtocolError(
          'ERR_SEQUENCE',
          `Buffer re-ordering: expected buffer with sequence number ${this.expectedSequenceNumber}, but received ${sequenceNumber}.`,
          this.connection?.name ?? '?',
          this.receiverId,
        ),
      );
      return null;
    }
    if (dataType !== DataType.DATA_BUFFER) {
      return unpooledEventBuffer(size, dataType);
    }
    const buffer = this.requestBuffer();
    if (!buffer) {
      this.fail(
        new ProtocolError(
          'ERR_NO_CREDIT',
          'The read buffer is null in credit-based input channel: data arrived without credit',
          this.connection?.name ?? '?',
          this.receiverId,
        ),
      );
      return null;
    }
    buffer.dataType = DataType.DATA_BUFFER;
    return buffer;
  }

  /** The payload of a BufferResponse is complete. */
  onBuffer(buffer: NetworkBuffer, backlog: number): void {
    if (this.released) {
      buffer.release();
      return;
    }
    buffer.sequenceNumber = this.expectedSequenceNumber;
    this.expectedSequenceNumber++;
    this.numBuffersIn++;
    this.numBytesIn += buffer.size;
    if (buffer.dataType === DataType.DATA_BUFFER && buffer.size === 0) {
      buffer.release();
    } else {
      const wasEmpty = this.receivedBuffers.length === 0;
      if (hasPriority(buffer.dataType)) {
        this.receivedBuffers.splice(this.numPriorityBuffers, 0, buffer);
        this.numPriorityBuffers++;
        if (this.numPriorityBuffers === 1) this.owner.notifyPriorityEvent(this);
      } else {
        this.receivedBuffers.push(buffer);
      }
      if (wasEmpty) this.owner.notifyChannelNonEmpty(this);
    }
    if (backlog >= 0) this.onSenderBacklog(backlog);
  }

  /** True if a priority event is at the head of the received queue. */
  hasPriorityHead(): boolean {
    return this.numPriorityBuffers > 0;
  }

  /** Data buffers sent before sequence number `sequenceNumber` that are still queued here (not taken). */
  queuedDataBefore(sequenceNumber: number): NetworkBuffer[] {
    return this.receivedBuffers.filter((b) => b.dataType === DataType.DATA_BUFFER && b.sequenceNumber < sequenceNumber);
  }

  takeQueuedBarrier(checkpointId: number): NetworkBuffer[] | undefined {
    const i = this.receivedBuffers.findIndex((b) => (b.dataType === DataType.ALIGNED_CHECKPOINT_BARRIER || b.dataType === DataType.TIMEOUTABLE_ALIGNED_CHECKPOINT_BARRIER) && barrierIdOf(b) === checkpointId);
    if (i < 0) return undefined;
    const before = this.receivedBuffers.slice(0, i).filter((b) => b.dataType === DataType.DATA_BUFFER);
    const [barrier] = this.receivedBuffers.splice(i, 1);
    barrier!.release();
    return before;
  }

  /** Next received buffer for the task, or undefined. */
  poll(): NetworkBuffer | undefined {
    const buffer = this.receivedBuffers.shift();
    if (buffer && this.numPriorityBuffers > 0) this.numPriorityBuffers--;
    return buffer;
  }

  /** The sender has `backlog` buffers queued: ask for floating buffers up to backlog + initialCredit. */
  onSenderBacklog(backlog: number): void {
    if (this.released) return;
    this.numRequiredBuffers = backlog + this.initialCredit;
    this.addCredit(this.requestFloatingBuffers());
  }

  /**
   * A floating buffer handed over by the gate's pool. Still short, the channel asks again at once (Flink's
   * BUFFER_USED_NEED_MORE), so the credit gained in this turn leaves in one AddCredit.
   */
  notifyBufferAvailable(buffer: NetworkBuffer): boolean {
    this.waitingForFloating = false;
    if (this.released || this.available() >= this.numRequiredBuffers) return false;
    this.floating.push(buffer);
    this.addCredit(1 + this.requestFloatingBuffers());
    return true;
  }

  /** Takes floating buffers until the required number is available or the pool has none (then listens); returns how many. */
  private requestFloatingBuffers(): number {
    let gained = 0;
    while (!this.waitingForFloating && this.available() < this.numRequiredBuffers) {
      const buffer = this.floatingPool.requestBuffer();
      if (buffer) {
        this.floating.push(buffer);
        gained++;
      } else if (this.floatingPool.addBufferListener(this)) {
        this.waitingForFloating = true;
      }
    }
    return gained;
  }

  /** An exclusive buffer came back from the task. */
  recycle(buffer: NetworkBuffer): void {
    if (this.released) {
      this.returnExclusive(buffer);
      return;
    }
    buffer.claim(this);
    this.exclusive.push(buffer);
    if (this.available() > this.numRequiredBuffers && this.floating.length > 0) {
      this.floating.pop()!.release(); // net credit unchanged
    } else {
      this.addCredit(1);
    }
  }

  resumeConsumption(): void {
    if (!this.released) this.connection?.sendResumeConsumption(this);
  }

  announceBufferSize(sizeBytes: number): void {
    if (!this.released) this.connection?.sendNewBufferSize(this, sizeBytes);
  }

  /** Takes and resets the credit to announce. */
  takeUnannouncedCredit(): number {
    const credit = this.unannouncedCredit;
    this.unannouncedCredit = 0;
    return credit;
  }

  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.owner.notifyChannelFailed(this, error);
    this.release();
  }

  /** Releases queued data and floating buffers; exclusive segments go back to the global pool as they return. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.waitingForFloating) this.floatingPool.removeBufferListener(this);
    for (const b of this.receivedBuffers.splice(0)) b.release();
    this.numPriorityBuffers = 0;
    for (const b of this.floating.splice(0)) b.release();
    for (const b of this.exclusive.splice(0)) b.release();
    this.connection?.cancel(this);
  }

  private returnExclusive(buffer: NetworkBuffer): void {
    const i = this.exclusiveSegments.indexOf(buffer);
    if (i >= 0) this.exclusiveSegments.splice(i, 1);
    this.globalPool.recycleUnpooledSegments([buffer]);
  }

  private available(): number {
    return this.exclusive.length + this.floating.length;
  }

  private addCredit(credit: number): void {
    if (credit <= 0) return;
    const before = this.unannouncedCredit;
    this.unannouncedCredit += credit;
    if (before === 0) this.connection?.notifyCreditAvailable(this);
  }
}

/** Events never consume credit and get memory of their own (spec §2.3); the decoder fills it. */
function unpooledEventBuffer(size: number, dataType: number): NetworkBuffer {
  const buffer = unpooledBuffer(Buffer.allocUnsafe(size), dataType as DataType);
  buffer.size = 0;
  return buffer;
}

/** The checkpoint id of a barrier event buffer (int32 tag, then int64 id), or -1 if it is too short. */
function barrierIdOf(buffer: NetworkBuffer): number {
  if (buffer.size - buffer.readerIndex < 12) return -1;
  return Number(buffer.segment.readBigInt64BE(buffer.readerIndex + 4));
}
