/**
 * A network buffer: one fixed-size memory segment (a view into one of the global pool's large allocations) plus
 * the number of bytes written. One `NetworkBuffer` object exists per segment for the life of the pool; it is
 * handed out and recycled, never allocated per use. Reference-counted: the last `release()` returns it to its
 * current owner (a local pool, an input channel's exclusive queue, or the global pool).
 */
import { IllegalStateError } from '../../core/index.js';
import { DataType } from './data-type.js';

/** Whoever a buffer returns to when its last reference is released. */
export interface BufferRecycler {
  recycle(buffer: NetworkBuffer): void;
}

export class NetworkBuffer {
  /** The whole segment. Its length never changes. */
  readonly segment: Buffer;
  /** Bytes written (the writer index). */
  size = 0;
  /** Next byte to read. */
  readerIndex = 0;
  dataType: DataType = DataType.DATA_BUFFER;
  /** Subpartition the buffer was requested for (output pools track per-subpartition counts), or -1. */
  channel = -1;
  /** Sequence number on its channel when received (-1 if not received over a channel). */
  sequenceNumber = -1;
  /** True for segments of the global pool handed out as overdraft. */
  overdraft = false;
  private refCount = 0;
  private recycler: BufferRecycler | undefined;

  constructor(segment: Buffer) {
    this.segment = segment;
  }

  get capacity(): number {
    return this.segment.length;
  }

  get isRecycled(): boolean {
    return this.refCount === 0;
  }

  get references(): number {
    return this.refCount;
  }

  /** Called by the owner when handing the buffer out: one reference, empty, owned by `recycler`. */
  claim(recycler: BufferRecycler, channel = -1): this {
    if (this.refCount !== 0) throw new IllegalStateError('claiming a network buffer that is still referenced');
    this.refCount = 1;
    this.recycler = recycler;
    this.size = 0;
    this.readerIndex = 0;
    this.dataType = DataType.DATA_BUFFER;
    this.channel = channel;
    this.sequenceNumber = -1;
    return this;
  }

  /** Undoes a {@link claim} of a buffer that was never used (a listener refused it). */
  unclaim(): void {
    if (this.refCount !== 1) throw new IllegalStateError('unclaiming a network buffer that is in use');
    this.refCount = 0;
    this.recycler = undefined;
  }

  retain(): this {
    if (this.refCount <= 0) throw new IllegalStateError('retaining a recycled network buffer');
    this.refCount++;
    return this;
  }

  /** Drops one reference; the last one recycles the buffer. */
  release(): void {
    if (this.refCount <= 0) throw new IllegalStateError('releasing a network buffer twice');
    if (--this.refCount === 0) {
      const recycler = this.recycler;
      this.recycler = undefined;
      recycler?.recycle(this);
    }
  }

  /** Readable bytes (readerIndex..size) without copying. Allocates a view object, so not for per-record use. */
  readable(): Buffer {
    return this.segment.subarray(this.readerIndex, this.size);
  }
}

/** A buffer outside any pool (events; tests). Recycling it does nothing. */
export function unpooledBuffer(bytes: Buffer, dataType: DataType): NetworkBuffer {
  const buffer = new NetworkBuffer(bytes);
  buffer.claim({ recycle: () => undefined });
  buffer.size = bytes.length;
  buffer.dataType = dataType;
  return buffer;
}
