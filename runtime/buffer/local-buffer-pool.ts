/**
 * A local buffer pool (spec §1.5): the output pool of a result partition or the floating pool of an input gate.
 * Its size moves between `min` and `max` as the global pool redistributes. Availability is signalled by events:
 * {@link LocalBufferPool.onAvailable} for writers, {@link BufferListener}s for input channels waiting for floating
 * buffers. Overdraft segments may be borrowed beyond the pool size while a record is being written.
 */
import { IllegalStateError } from '../../core/index.js';
import type { NetworkBuffer, BufferRecycler } from './network-buffer.js';
import type { NetworkBufferPool } from './network-buffer-pool.js';

/** An input channel waiting for a floating buffer. Returns false to refuse it (no longer needed). */
export interface BufferListener {
  notifyBufferAvailable(buffer: NetworkBuffer): boolean;
}

export interface LocalBufferPoolOptions {
  global: NetworkBufferPool;
  /** Guaranteed segments. */
  min: number;
  /** Largest size redistribution may grow the pool to. */
  max: number;
  /** Subpartitions, for per-subpartition accounting (output pools); 0 for input gates. */
  numSubpartitions?: number;
  /** `taskmanager.network.memory.max-buffers-per-channel`; reaching it makes the pool unavailable. */
  maxBuffersPerChannel?: number;
  /** `taskmanager.network.memory.max-overdraft-buffers-per-gate`. */
  maxOverdraftBuffers?: number;
  name?: string;
}

export interface LocalBufferPoolStats {
  name: string;
  minSegments: number;
  maxSegments: number;
  poolSize: number;
  requestedSegments: number;
  availableSegments: number;
  overdraftSegments: number;
  usedSegments: number;
  unavailableSubpartitions: number;
  listeners: number;
  available: boolean;
}

export class LocalBufferPool implements BufferRecycler {
  readonly name: string;
  readonly minSegments: number;
  readonly maxSegments: number;
  private readonly global: NetworkBufferPool;
  private currentPoolSize: number;
  private numberOfRequestedSegments = 0;
  private requestedOverdraft = 0;
  private readonly available: NetworkBuffer[] = [];
  private readonly bufferListeners: BufferListener[] = [];
  private availabilityListeners: Array<() => void> = [];
  private readonly subpartitionBuffersCount: Int32Array;
  private unavailableSubpartitionsCount = 0;
  private readonly maxBuffersPerChannel: number;
  private readonly maxOverdraftBuffers: number;
  private waitingForGlobal = false;
  private destroyed = false;

  constructor(options: LocalBufferPoolOptions) {
    if (options.min < 0 || options.max < options.min) {
      throw new RangeError(`local buffer pool needs 0 ≤ min ≤ max, got min ${options.min}, max ${options.max}`);
    }
    this.global = options.global;
    this.name = options.name ?? 'pool';
    this.minSegments = options.min;
    this.maxSegments = options.max;
    this.currentPoolSize = options.min;
    this.subpartitionBuffersCount = new Int32Array(options.numSubpartitions ?? 0);
    this.maxBuffersPerChannel = options.maxBuffersPerChannel ?? Number.MAX_SAFE_INTEGER;
    this.maxOverdraftBuffers = options.maxOverdraftBuffers ?? 0;
  }

  get poolSize(): number {
    return this.currentPoolSize;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** `max(0, requested + overdraft − available)`: segments out in use. */
  get usedSegments(): number {
    return Math.max(0, this.numberOfRequestedSegments + this.requestedOverdraft - this.available.length);
  }

  get stats(): LocalBufferPoolStats {
    return {
      name: this.name,
      minSegments: this.minSegments,
      maxSegments: this.maxSegments,
      poolSize: this.currentPoolSize,
      requestedSegments: this.numberOfRequestedSegments,
      availableSegments: this.available.length,
      overdraftSegments: this.requestedOverdraft,
      usedSegments: this.usedSegments,
      unavailableSubpartitions: this.unavailableSubpartitionsCount,
      listeners: this.bufferListeners.length,
      available: this.isAvailable(),
    };
  }

  /** Buffers currently held for one subpartition. */
  buffersOf(subpartition: number): number {
    return this.subpartitionBuffersCount[subpartition] ?? 0;
  }

  /**
   * Available ⇔ a segment can be had without overdraft, no subpartition is at its cap, and no overdraft segment is
   * outstanding (Flink 1.x rule). Writers check this between records.
   */
  isAvailable(): boolean {
    if (this.destroyed || this.unavailableSubpartitionsCount > 0 || this.requestedOverdraft > 0) return false;
    return (
      this.available.length > 0 ||
      (this.numberOfRequestedSegments < this.currentPoolSize && this.global.availableSegments > 0)
    );
  }

  /**
   * Takes a buffer, or returns null. Never waits. When the pool is exhausted an overdraft segment may be
   * borrowed from the global pool (up to the overdraft limit). `channel` is the target subpartition, or -1.
   */
  requestBuffer(channel = -1): NetworkBuffer | null {
    if (this.destroyed) throw new IllegalStateError(`buffer pool ${this.name} is destroyed`);
    let segment = this.available.pop() ?? null;
    let overdraft = false;
    if (!segment && this.numberOfRequestedSegments < this.currentPoolSize) {
      segment = this.global.requestPooledSegment();
      if (segment) this.numberOfRequestedSegments++;
    }
    if (!segment && this.requestedOverdraft < this.maxOverdraftBuffers) {
      segment = this.global.requestPooledSegment();
      if (segment) {
        this.requestedOverdraft++;
        overdraft = true;
      }
    }
    if (!segment) {
      this.watchGlobal();
      return null;
    }
    segment.claim(this, channel);
    segment.overdraft = overdraft;
    if (channel >= 0 && channel < this.subpartitionBuffersCount.length) {
      if (++this.subpartitionBuffersCount[channel]! === this.maxBuffersPerChannel) this.unavailableSubpartitionsCount++;
    }
    return segment;
  }

  /** The last reference of a buffer from this pool was released. */
  recycle(buffer: NetworkBuffer): void {
    const channel = buffer.channel;
    if (channel >= 0 && channel < this.subpartitionBuffersCount.length) {
      if (this.subpartitionBuffersCount[channel]!-- === this.maxBuffersPerChannel) this.unavailableSubpartitionsCount--;
    }
    buffer.channel = -1;
    if (this.destroyed || this.requestedOverdraft > 0 || this.numberOfRequestedSegments > this.currentPoolSize) {
      if (this.requestedOverdraft > 0) this.requestedOverdraft--;
      else this.numberOfRequestedSegments--;
      this.global.recycle(buffer);
    } else if (!this.handToListener(buffer)) {
      this.available.push(buffer);
    }
    this.notifyIfAvailable();
  }

  /**
   * Registers an input channel waiting for a floating buffer. Fails (returns false) if a buffer is available right
   * now (the caller should request it instead) or the pool is destroyed.
   */
  addBufferListener(listener: BufferListener): boolean {
    if (this.destroyed || this.available.length > 0) return false;
    if (this.numberOfRequestedSegments < this.currentPoolSize && this.global.availableSegments > 0) return false;
    this.bufferListeners.push(listener);
    this.watchGlobal();
    return true;
  }

  removeBufferListener(listener: BufferListener): void {
    const i = this.bufferListeners.indexOf(listener);
    if (i >= 0) this.bufferListeners.splice(i, 1);
  }

  /** One-shot callback for when {@link isAvailable} becomes true (called on a microtask if it already is). */
  onAvailable(listener: () => void): void {
    this.availabilityListeners.push(listener);
    if (this.isAvailable()) queueMicrotask(() => this.notifyIfAvailable());
    else this.watchGlobal();
  }

  /** Set by redistribution. Excess idle segments go back to the global pool now; busy ones on recycle. */
  setNumBuffers(numBuffers: number): void {
    this.currentPoolSize = Math.min(this.maxSegments, Math.max(this.minSegments, numBuffers));
    while (this.numberOfRequestedSegments > this.currentPoolSize && this.available.length > 0) {
      this.numberOfRequestedSegments--;
      this.global.recycle(this.available.pop()!);
    }
    this.serveListenersFromGlobal();
    this.notifyIfAvailable();
  }

  /** Returns idle segments and unregisters from the global pool; segments still out return when recycled. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.bufferListeners.length = 0;
    while (this.available.length > 0) {
      this.numberOfRequestedSegments--;
      this.global.recycle(this.available.pop()!);
    }
    this.global.destroyBufferPool(this);
    const listeners = this.availabilityListeners;
    this.availabilityListeners = [];
    for (const l of listeners) l();
  }

  private handToListener(buffer: NetworkBuffer): boolean {
    while (this.bufferListeners.length > 0) {
      const listener = this.bufferListeners.shift()!;
      buffer.claim(this);
      if (listener.notifyBufferAvailable(buffer)) return true;
      buffer.unclaim();
    }
    return false;
  }

  /** Listeners may be served by segments the global pool frees (when this pool is below its size). */
  private serveListenersFromGlobal(): void {
    while (this.bufferListeners.length > 0 && this.numberOfRequestedSegments < this.currentPoolSize) {
      const segment = this.global.requestPooledSegment();
      if (!segment) {
        this.watchGlobal();
        return;
      }
      this.numberOfRequestedSegments++;
      if (!this.handToListener(segment)) this.available.push(segment);
    }
  }

  private watchGlobal(): void {
    if (this.waitingForGlobal || this.destroyed) return;
    if (this.numberOfRequestedSegments >= this.currentPoolSize && this.requestedOverdraft >= this.maxOverdraftBuffers) return;
    this.waitingForGlobal = true;
    this.global.onSegmentAvailable(() => {
      this.waitingForGlobal = false;
      if (this.destroyed) return;
      this.serveListenersFromGlobal();
      this.notifyIfAvailable();
      if (this.availabilityListeners.length > 0 && !this.isAvailable()) this.watchGlobal();
    });
  }

  private notifyIfAvailable(): void {
    if (this.availabilityListeners.length === 0 || !this.isAvailable()) return;
    const listeners = this.availabilityListeners;
    this.availabilityListeners = [];
    for (const l of listeners) l();
  }
}
