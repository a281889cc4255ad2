/**
 * A produced partition (spec §3.2): records are copied into network buffers of its output pool, one open buffer
 * per subpartition; full buffers, flushes and events make data visible to readers. Between records the writer
 * asks {@link ResultPartition.isAvailable} (soft backpressure). If a record cannot be finished because no buffer
 * (and no overdraft buffer) is left, its remaining bytes are held and written as buffers come back (hard
 * backpressure); the partition is unavailable until then.
 */
import { IllegalStateError, systemClock, type Clock, type TimerHandle } from '../../core/index.js';
import { DataType, unpooledBuffer, type BufferListener, type LocalBufferPool, type NetworkBuffer } from '../buffer/index.js';
import { PipelinedSubpartition, QueuedBuffer } from './pipelined-subpartition.js';
import type { ResultPartitionId } from './result-partition-id.js';

export interface ResultPartitionOptions {
  id: ResultPartitionId;
  numSubpartitions: number;
  pool: LocalBufferPool;
  /** `execution.buffer-timeout` in ms: > 0 flusher period, 0 flush every record, -1 only full buffers. */
  bufferTimeoutMs: number;
  /**
   * Size the subpartitions cut buffers at until a consumer announces one (buffer debloating: the starting size);
   * unset: the whole segment.
   */
  initialBufferSizeBytes?: number;
  clock?: Clock;
}

export interface ResultPartitionStats {
  numBytesOut: number;
  numBuffersOut: number;
  outPoolUsage: number;
  queuedBuffers: number;
  hardBackPressured: boolean;
}

export class ResultPartition implements BufferListener {
  readonly id: ResultPartitionId;
  readonly subpartitions: readonly PipelinedSubpartition[];
  readonly pool: LocalBufferPool;
  readonly bufferTimeoutMs: number;
  numBytesOut = 0;
  numBuffersOut = 0;
  /** Accumulated ms spent with a record half-written waiting for a buffer. */
  hardBackPressuredMs = 0;
  private readonly clock: Clock;
  private readonly openBuffers: (QueuedBuffer | null)[];
  private readonly dirty: Uint8Array;
  private dirtyList: number[] = [];
  private readonly flushAlways: boolean;
  private flusher: TimerHandle | undefined;
  private pendingBytes = Buffer.alloc(0);
  private pendingLength = 0;
  private pendingOffset = 0;
  private pendingTargets: number[] = [];
  private pendingSinceMs = 0;
  private waitingForBuffer = false;
  private availabilityListeners: Array<() => void> = [];
  private recordCompleteListeners: Array<() => void> = [];
  private released = false;
  private finished = false;

  constructor(options: ResultPartitionOptions) {
    this.id = options.id;
    this.pool = options.pool;
    this.clock = options.clock ?? systemClock;
    this.bufferTimeoutMs = options.bufferTimeoutMs;
    this.subpartitions = Array.from({ length: options.numSubpartitions }, (_, i) => new PipelinedSubpartition(i));
    if (options.initialBufferSizeBytes !== undefined) for (const s of this.subpartitions) s.bufferSizeBytes = options.initialBufferSizeBytes;
    this.openBuffers = new Array<QueuedBuffer | null>(options.numSubpartitions).fill(null);
    this.dirty = new Uint8Array(options.numSubpartitions);
    this.flushAlways = options.bufferTimeoutMs === 0;
    if (options.bufferTimeoutMs > 0) {
      this.flusher = this.clock.setInterval(() => this.flushAll(), options.bufferTimeoutMs);
    }
  }

  get numSubpartitions(): number {
    return this.subpartitions.length;
  }

  get isReleased(): boolean {
    return this.released;
  }

  /** True while a record is half-written waiting for a buffer. */
  get isHardBackPressured(): boolean {
    return this.pendingTargets.length > 0;
  }

  /** The writer may emit the next record. */
  isAvailable(): boolean {
    return this.pendingTargets.length === 0 && this.pool.isAvailable();
  }

  /** One-shot callback for when {@link isAvailable} becomes true. */
  onAvailable(listener: () => void): void {
    if (this.pendingTargets.length > 0) this.availabilityListeners.push(listener);
    else this.pool.onAvailable(listener);
  }

  get stats(): ResultPartitionStats {
    let queued = 0;
    for (const s of this.subpartitions) queued += s.queueLength;
    return {
      numBytesOut: this.numBytesOut,
      numBuffersOut: this.numBuffersOut,
      outPoolUsage: this.outPoolUsage(),
      queuedBuffers: queued,
      hardBackPressured: this.isHardBackPressured,
    };
  }

  /** used / pool size; may exceed 1 with overdraft. */
  outPoolUsage(): number {
    return this.pool.poolSize === 0 ? 0 : this.pool.usedSegments / this.pool.poolSize;
  }

  /**
   * Appends one serialized record (`source[0, length)`, length prefix included) to subpartition `target`.
   * Returns {@link isAvailable}: false means wait for {@link onAvailable} before the next record.
   */
  emitRecord(source: Buffer, length: number, target: number): boolean {
    this.checkWritable();
    const written = this.write(source, 0, length, target);
    if (written < length) {
      this.holdPending(source, written, length, [target]);
      return false;
    }
    if (this.flushAlways) this.subpartitions[target]!.flush();
    else this.markDirty(target);
    return this.pool.isAvailable();
  }

  /**
   * The open buffer of `target` if a record of `length` bytes fits in it whole, else null. A writer may serialize
   * straight into `segment` at `size` and then call {@link commitInPlace}; this saves a copy per record.
   */
  openBufferWithRoom(target: number, length: number): NetworkBuffer | null {
    const open = this.openBuffers[target];
    if (!open || this.pendingTargets.length > 0 || open.limit - open.buffer.size < length) return null;
    return open.buffer;
  }

  /** Completes a record of `length` bytes written in place into {@link openBufferWithRoom}'s buffer. */
  commitInPlace(target: number, length: number): boolean {
    const open = this.openBuffers[target]!;
    open.buffer.size += length;
    if (open.buffer.size === open.limit) this.finishOpenBuffer(target);
    if (this.flushAlways) this.subpartitions[target]!.flush();
    else this.markDirty(target);
    return this.pool.isAvailable();
  }

  /** Appends one record to every subpartition (broadcast edge). */
  broadcastRecord(source: Buffer, length: number): boolean {
    this.checkWritable();
    for (let target = 0; target < this.subpartitions.length; target++) {
      const written = this.write(source, 0, length, target);
      if (written < length) {
        const rest = [];
        for (let t = target; t < this.subpartitions.length; t++) rest.push(t);
        this.holdPending(source, written, length, rest);
        return false;
      }
      if (this.flushAlways) this.subpartitions[target]!.flush();
      else this.markDirty(target);
    }
    return this.pool.isAvailable();
  }

  /**
   * Adds an event to every subpartition after closing the open buffers, and flushes. A priority event overtakes
   * queued data; copies of the unsent bytes it overtook are returned per subpartition (output channel state for
   * unaligned checkpoints).
   */
  broadcastEvent(bytes: Buffer, dataType: DataType, priority = false): Buffer[][] {
    if (this.released) throw new IllegalStateError(`partition ${this.id.partitionIndex} is released`);
    if (this.pendingTargets.length > 0) throw new IllegalStateError('cannot add an event while a record is half-written');
    const overtaken: Buffer[][] = [];
    for (let i = 0; i < this.subpartitions.length; i++) {
      const subpartition = this.subpartitions[i]!;
      this.finishOpenBuffer(i);
      const entry = new QueuedBuffer(unpooledBuffer(bytes, dataType), false, true);
      // copies of the unsent bytes the priority event overtook: they still go out, and are also the output state
      if (priority) overtaken.push(subpartition.addPriorityEvent(entry).map((q) => Buffer.from(q.buffer.segment.subarray(q.readOffset, q.buffer.size))));
      else subpartition.add(entry);
      subpartition.flush();
    }
    return overtaken;
  }

  /**
   * Adds an aligned barrier that may later overtake the data queued before it ({@link convertToPriority}): the
   * aligned-checkpoint timeout on the sender side (Flink 1.16+). Returns the queued event per subpartition.
   */
  broadcastTimeoutableEvent(bytes: Buffer, dataType: DataType): QueuedBuffer[] {
    if (this.released) throw new IllegalStateError(`partition ${this.id.partitionIndex} is released`);
    if (this.pendingTargets.length > 0) throw new IllegalStateError('cannot add an event while a record is half-written');
    const entries: QueuedBuffer[] = [];
    for (let i = 0; i < this.subpartitions.length; i++) {
      const subpartition = this.subpartitions[i]!;
      this.finishOpenBuffer(i);
      const entry = new QueuedBuffer(unpooledBuffer(bytes, dataType), false, true);
      subpartition.add(entry);
      subpartition.flush();
      entries.push(entry);
    }
    return entries;
  }

  /**
   * Turns the still-queued event `entry` of subpartition `target` into the priority event `bytes` at the head.
   * Returns copies of the unsent data it overtook, or undefined if the event was sent already.
   */
  convertToPriority(target: number, entry: QueuedBuffer, bytes: Buffer, dataType: DataType): Buffer[] | undefined {
    if (this.released) return undefined;
    const replacement = new QueuedBuffer(unpooledBuffer(bytes, dataType), false, true);
    const overtaken = this.subpartitions[target]!.convertToPriority(entry, replacement);
    return overtaken?.map((q) => Buffer.from(q.buffer.segment.subarray(q.readOffset, q.buffer.size)));
  }

  /** Flushes one subpartition. */
  flush(target: number): void {
    this.subpartitions[target]!.flush();
  }

  /** Flushes every subpartition written since the last flush; idle ones cost nothing. */
  flushAll(): void {
    if (this.dirtyList.length === 0) return;
    const list = this.dirtyList;
    this.dirtyList = [];
    for (const i of list) {
      this.dirty[i] = 0;
      this.subpartitions[i]!.flush();
    }
  }

  /** Sends EndOfPartition to every subpartition; no more records may be written. */
  finish(endOfPartitionEvent: Buffer): void {
    this.broadcastEvent(endOfPartitionEvent, DataType.EVENT_BUFFER);
    this.finished = true;
  }

  /** Drops queued data, stops the flusher, destroys the output pool. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.flusher?.cancel();
    if (this.waitingForBuffer) this.pool.removeBufferListener(this);
    this.pendingTargets = [];
    for (let i = 0; i < this.openBuffers.length; i++) this.openBuffers[i] = null;
    for (const s of this.subpartitions) s.release();
    this.pool.destroy();
    const listeners = this.availabilityListeners;
    this.availabilityListeners = [];
    for (const l of listeners) l();
  }

  /**
   * The pool has a buffer again while a record waits for one (hard backpressure). The buffer is refused so it stays
   * in the pool; the continuation requests it with per-subpartition accounting.
   */
  notifyBufferAvailable(_buffer: NetworkBuffer): boolean {
    this.waitingForBuffer = false;
    if (!this.released && this.pendingTargets.length > 0) queueMicrotask(() => this.continuePending());
    return false;
  }

  /** Writes as much of `source[from, to)` as buffers allow; returns the offset reached. */
  private write(source: Buffer, from: number, to: number, target: number): number {
    let offset = from;
    let open = this.openBuffers[target] ?? null;
    while (offset < to) {
      if (!open) {
        const buffer = this.pool.requestBuffer(target);
        if (!buffer) return offset;
        open = new QueuedBuffer(buffer, true, false);
        const subpartition = this.subpartitions[target]!;
        open.limit = Math.min(buffer.capacity, Math.max(subpartition.bufferSizeBytes, to - offset));
        this.openBuffers[target] = open;
        subpartition.add(open);
      }
      const buffer = open.buffer;
      const n = Math.min(to - offset, open.limit - buffer.size);
      source.copy(buffer.segment, buffer.size, offset, offset + n);
      buffer.size += n;
      offset += n;
      if (buffer.size === open.limit) {
        this.finishOpenBuffer(target);
        open = null;
      }
    }
    return offset;
  }

  private finishOpenBuffer(target: number): void {
    const open = this.openBuffers[target];
    if (!open) return;
    this.openBuffers[target] = null;
    this.numBytesOut += open.buffer.size;
    this.numBuffersOut++;
    this.subpartitions[target]!.finishBuffer(open);
  }

  private markDirty(target: number): void {
    if (this.dirty[target] === 0) {
      this.dirty[target] = 1;
      this.dirtyList.push(target);
    }
  }

  private holdPending(source: Buffer, offset: number, length: number, targets: number[]): void {
    if (this.pendingBytes.length < length) this.pendingBytes = Buffer.allocUnsafe(Math.max(length, 2 * this.pendingBytes.length));
    source.copy(this.pendingBytes, 0, 0, length);
    this.pendingLength = length;
    this.pendingOffset = offset;
    this.pendingTargets = targets;
    this.pendingSinceMs = this.clock.nowMs();
    this.awaitBuffer();
  }

  private awaitBuffer(): void {
    if (this.pool.addBufferListener(this)) this.waitingForBuffer = true;
    else queueMicrotask(() => this.continuePending());
  }

  private continuePending(): void {
    while (this.pendingTargets.length > 0 && !this.released) {
      const target = this.pendingTargets[0]!;
      const reached = this.write(this.pendingBytes, this.pendingOffset, this.pendingLength, target);
      if (reached < this.pendingLength) {
        this.pendingOffset = reached;
        this.awaitBuffer();
        return;
      }
      if (this.flushAlways) this.subpartitions[target]!.flush();
      else this.markDirty(target);
      this.pendingTargets.shift();
      this.pendingOffset = 0;
    }
    if (this.released) return;
    this.hardBackPressuredMs += this.clock.nowMs() - this.pendingSinceMs;
    const listeners = this.availabilityListeners;
    this.availabilityListeners = [];
    for (const l of listeners) this.pool.onAvailable(l);
    const complete = this.recordCompleteListeners;
    this.recordCompleteListeners = [];
    for (const l of complete) l();
  }

  /**
   * One-shot callback for when no record is half-written any more (at once, on a microtask, if none is). Events such
   * as barriers need only this, not full availability.
   */
  onRecordComplete(listener: () => void): void {
    if (this.pendingTargets.length === 0) queueMicrotask(listener);
    else this.recordCompleteListeners.push(listener);
  }

  private checkWritable(): void {
    if (this.released || this.finished) {
      throw new IllegalStateError(`partition ${this.id.partitionIndex} is ${this.released ? 'released' : 'finished'}`);
    }
    if (this.pendingTargets.length > 0) throw new IllegalStateError('emit while the partition is unavailable (hard backpressure)');
  }
}
