/**
 * One subpartition's queue (spec §3.3): buffers being written and events, in order, with priority events kept at
 * the head. Only the last element may be unfinished. The reader polls slices (no copy); an open buffer stays in
 * the queue and later reads continue where the last one stopped.
 */
import { DataType, isBlockingUpstream, type NetworkBuffer } from '../buffer/index.js';

/** A buffer in the queue: being written (unfinished) or complete, with how far the reader has taken it. */
export class QueuedBuffer {
  finished: boolean;
  readOffset = 0;
  /** Called once when the reader takes this (finished) element off the queue. */
  onDequeued: (() => void) | undefined = undefined;
  /** Write limit (≤ segment size; smaller when debloated). */
  limit: number;

  constructor(
    readonly buffer: NetworkBuffer,
    readonly isData: boolean,
    finished: boolean,
  ) {
    this.finished = finished;
    this.limit = buffer.capacity;
  }

  get dataType(): DataType {
    return this.buffer.dataType;
  }
}

/** What the reader gets from one poll. The object is reused by the subpartition: read it before polling again. */
export interface BufferAndBacklog {
  /** Retained for the caller: release() once written. */
  buffer: NetworkBuffer;
  offset: number;
  length: number;
  dataType: DataType;
  /** Data buffers still queued after this one (reported to the receiver). */
  backlog: number;
  nextDataType: DataType;
  sequenceNumber: number;
}

/** Notified by the subpartition; the credit-based reader (or a local channel) implements it. */
export interface SubpartitionAvailabilityListener {
  notifyDataAvailable(): void;
  notifyPriorityEvent(): void;
}

export class PipelinedSubpartition {
  private readonly queue: QueuedBuffer[] = [];
  private numPriorityElements = 0;
  private buffersInBacklog = 0;
  private flushRequested = false;
  private blocked = false;
  private released = false;
  private sequenceNumber = 0;
  private listener: SubpartitionAvailabilityListener | undefined;
  /** Desired buffer size announced by the consumer (debloating); MAX_SAFE_INTEGER = whole segment. */
  bufferSizeBytes = Number.MAX_SAFE_INTEGER;
  private readonly result: BufferAndBacklog = {
    buffer: undefined as unknown as NetworkBuffer,
    offset: 0,
    length: 0,
    dataType: DataType.NONE,
    backlog: 0,
    nextDataType: DataType.NONE,
    sequenceNumber: 0,
  };

  constructor(readonly index: number) {}

  get isBlocked(): boolean {
    return this.blocked;
  }

  get isReleased(): boolean {
    return this.released;
  }

  /** Queued elements (buffers and events), including the open one. */
  get queueLength(): number {
    return this.queue.length;
  }

  /** Buffers held by this subpartition's queue (in-flight bytes on the sender side), counting the open one. */
  get queuedBytes(): number {
    let bytes = 0;
    for (const q of this.queue) bytes += q.buffer.size - q.readOffset;
    return bytes;
  }

  /** Whether a reader is attached (a pipelined subpartition has at most one at a time). */
  get isBeingConsumed(): boolean {
    return this.listener !== undefined;
  }

  setListener(listener: SubpartitionAvailabilityListener | undefined): void {
    this.listener = listener;
  }

  /** Adds a buffer being written (unfinished) or a finished buffer/event at the tail. */
  add(entry: QueuedBuffer): void {
    if (this.released) {
      entry.buffer.release();
      return;
    }
    const before = this.isDataAvailable();
    this.queue.push(entry);
    if (entry.isData) this.buffersInBacklog++;
    if (!before && this.isDataAvailable()) this.listener?.notifyDataAvailable();
  }

  /** Adds a priority event after existing priority elements, before all data; returns the data it overtook. */
  addPriorityEvent(entry: QueuedBuffer): QueuedBuffer[] {
    if (this.released) {
      entry.buffer.release();
      return [];
    }
    const overtaken = this.queue.slice(this.numPriorityElements).filter((q) => q.isData);
    this.queue.splice(this.numPriorityElements, 0, entry);
    this.numPriorityElements++;
    this.listener?.notifyPriorityEvent();
    return overtaken;
  }

  /**
   * Moves a queued event to the head as a priority event `replacement` (aligned-checkpoint timeout on the sender
   * side: the aligned barrier becomes an unaligned one). Returns the data it overtook (output channel state), or
   * undefined if `entry` is no longer queued (the reader took it).
   */
  convertToPriority(entry: QueuedBuffer, replacement: QueuedBuffer): QueuedBuffer[] | undefined {
    const i = this.queue.indexOf(entry);
    if (i < this.numPriorityElements || this.released) return undefined;
    const overtaken = this.queue.slice(this.numPriorityElements, i).filter((q) => q.isData);
    this.queue.splice(i, 1);
    entry.onDequeued = undefined;
    entry.buffer.release();
    this.queue.splice(this.numPriorityElements, 0, replacement);
    this.numPriorityElements++;
    // an aligned barrier taken off the queue no longer blocks; the priority event is sent first, without credit
    this.listener?.notifyPriorityEvent();
    return overtaken;
  }

  /** Closes the open buffer at the tail (it became full, or an event follows). */
  finishBuffer(entry: QueuedBuffer): void {
    const before = this.isDataAvailable();
    entry.finished = true;
    if (!before && this.isDataAvailable()) this.listener?.notifyDataAvailable();
  }

  /** Makes whatever is written available to the reader. */
  flush(): void {
    if (this.queue.length === 0 || this.flushRequested) return;
    const last = this.queue[this.queue.length - 1]!;
    const before = this.isDataAvailable();
    this.flushRequested = this.queue.length > 1 || last.buffer.size > last.readOffset;
    if (!before && this.isDataAvailable()) this.listener?.notifyDataAvailable();
  }

  /** `!blocked && (flushRequested || a finished element is queued)` */
  isDataAvailable(): boolean {
    if (this.blocked || this.queue.length === 0) return false;
    return this.flushRequested || this.queue.length > 1 || this.queue[0]!.finished;
  }

  /** True if a priority event waits at the head of the queue. */
  hasPriorityHead(): boolean {
    return this.numPriorityElements > 0 && !this.blocked;
  }

  /** True if the next element is an event (events are sent without credit). */
  isNextEvent(): boolean {
    const head = this.queue[0];
    return !this.blocked && head !== undefined && !head.isData;
  }

  /** Backlog as reported to the receiver (spec §3.3). */
  getBacklog(): number {
    if (this.blocked || this.queue.length === 0) return 0;
    const last = this.queue[this.queue.length - 1]!;
    if (this.flushRequested || last.finished) return this.buffersInBacklog;
    return Math.max(0, this.buffersInBacklog - 1);
  }

  /** Takes the next slice or event, or null. The returned buffer reference belongs to the caller. */
  pollBuffer(): BufferAndBacklog | null {
    if (this.blocked || this.released) return null;
    for (;;) {
      const head = this.queue[0];
      if (!head) {
        this.flushRequested = false;
        return null;
      }
      const offset = head.readOffset;
      const length = head.buffer.size - offset;
      let buffer: NetworkBuffer;
      if (head.finished) {
        this.queue.shift();
        if (this.numPriorityElements > 0) this.numPriorityElements--;
        if (head.isData) this.buffersInBacklog--;
        buffer = head.buffer; // the queue's reference passes to the caller
        if (head.onDequeued) {
          const notify = head.onDequeued;
          head.onDequeued = undefined;
          notify();
        }
      } else {
        if (length === 0) {
          this.flushRequested = false;
          return null;
        }
        buffer = head.buffer.retain();
      }
      head.readOffset = head.buffer.size;
      if (head.isData && length === 0) {
        buffer.release();
        continue;
      }
      const dataType = head.dataType;
      if (isBlockingUpstream(dataType)) this.blocked = true;
      if (this.queue.length === 0) this.flushRequested = false;
      else if (this.queue.length === 1) {
        // only the open buffer is left: the flush stays requested while it holds flushed, unread bytes
        const open = this.queue[0]!;
        if (!open.finished && open.buffer.size === open.readOffset) this.flushRequested = false;
      }
      const r = this.result;
      r.buffer = buffer;
      r.offset = offset;
      r.length = length;
      r.dataType = dataType;
      r.backlog = this.getBacklog();
      r.nextDataType = this.peekNextDataType();
      r.sequenceNumber = this.sequenceNumber++;
      return r;
    }
  }

  /** Unblocks after an aligned barrier (ResumeConsumption). */
  resumeConsumption(): void {
    if (!this.blocked) return;
    this.blocked = false;
    if (this.isDataAvailable()) this.listener?.notifyDataAvailable();
  }

  /** Drops everything queued; buffers return to their pools. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const q of this.queue.splice(0)) q.buffer.release();
    this.buffersInBacklog = 0;
    this.numPriorityElements = 0;
  }

  private peekNextDataType(): DataType {
    if (this.blocked) return DataType.NONE;
    const next = this.queue[0];
    if (!next) return DataType.NONE;
    if (!next.isData) return next.dataType;
    return next.finished || this.flushRequested ? next.dataType : DataType.NONE;
  }
}
