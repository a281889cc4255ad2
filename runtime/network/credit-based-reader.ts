/**
 * Sender-side reader of one logical channel (spec §2.6): holds the receiver's credit and decides whether the
 * subpartition has something it may send now (data needs credit, events do not).
 */
import { DataType } from '../buffer/index.js';
import type { BufferAndBacklog, PipelinedSubpartition, SubpartitionAvailabilityListener } from '../partition/index.js';

export interface ReaderQueue {
  enqueueAvailableReader(reader: CreditBasedReader): void;
}

export class CreditBasedReader implements SubpartitionAvailabilityListener {
  credit: number;
  /** In the connection's available-readers queue. */
  queued = false;
  /** The connection's write batch this reader last put frames into, and how many. */
  batch = 0;
  framesInBatch = 0;
  released = false;
  /** The 16 receiver-id bytes, ready to copy into frame headers. */
  readonly receiverIdBytes: Buffer;

  constructor(
    readonly receiverId: string,
    readonly initialCredit: number,
    readonly subpartition: PipelinedSubpartition,
    private readonly queue: ReaderQueue,
  ) {
    this.credit = initialCredit;
    this.receiverIdBytes = Buffer.from(receiverId, 'hex');
  }

  /** With credit: data available; without: only if the next element is an event. */
  isAvailable(): boolean {
    if (this.released) return false;
    return this.credit > 0 ? this.subpartition.isDataAvailable() : this.subpartition.isNextEvent();
  }

  notifyDataAvailable(): void {
    this.queue.enqueueAvailableReader(this);
  }

  notifyPriorityEvent(): void {
    this.queue.enqueueAvailableReader(this);
  }

  addCredit(credit: number): void {
    this.credit += credit;
    this.queue.enqueueAvailableReader(this);
  }

  resumeConsumption(): void {
    if (this.initialCredit === 0) this.credit = 0;
    this.subpartition.resumeConsumption();
    this.queue.enqueueAvailableReader(this);
  }

  /** Next slice or event this reader may send, or null. A data buffer consumes one credit. */
  next(): BufferAndBacklog | null {
    if (this.released) return null;
    if (this.credit <= 0 && !this.subpartition.isNextEvent()) return null;
    const polled = this.subpartition.pollBuffer();
    if (polled && polled.dataType === DataType.DATA_BUFFER) this.credit--;
    return polled;
  }

  release(): void {
    this.released = true;
    this.subpartition.setListener(undefined);
  }
}

