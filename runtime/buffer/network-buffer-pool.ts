/**
 * The per-TaskManager global pool of network buffers (spec §1.4). All segments are carved at construction from a
 * few large allocations. Local pools get a guaranteed minimum plus a share of the spare segments
 * (redistribution, Flink 1.x algorithm); remote input channels take exclusive ("unpooled") segments.
 */
import { FlowlabError, InsufficientBuffersError, systemClock, type Clock } from '../../core/index.js';
import { NetworkBuffer, type BufferRecycler } from './network-buffer.js';
import { LocalBufferPool, type LocalBufferPoolOptions } from './local-buffer-pool.js';

/** Largest single allocation segments are carved from. */
const MAX_CHUNK_BYTES = 64 * 1024 * 1024;

export interface NetworkBufferPoolOptions {
  numBuffers: number;
  segmentSizeBytes: number;
  /** Timeout while waiting for exclusive segments (`taskmanager.network.memory.exclusive-buffers-request-timeout-ms`). */
  requestTimeoutMs?: number;
  clock?: Clock;
}

export interface NetworkBufferPoolStats {
  totalSegments: number;
  availableSegments: number;
  usedSegments: number;
  /** Σ pool minimums + exclusive segments handed out. */
  requiredSegments: number;
  pools: number;
}

/** Segments reserved but not physically free in time (held by pools that must first shrink). */
export class BufferRequestTimeoutError extends FlowlabError {
  constructor(message: string) {
    super('ERR_BUFFER_REQUEST_TIMEOUT', message);
  }
}

export class NetworkBufferPool implements BufferRecycler {
  readonly totalSegments: number;
  readonly segmentSizeBytes: number;
  private readonly requestTimeoutMs: number;
  private readonly clock: Clock;
  private readonly available: NetworkBuffer[] = [];
  private numTotalRequiredBuffers = 0;
  private readonly pools: LocalBufferPool[] = [];
  private availabilityListeners: Array<() => void> = [];
  private destroyed = false;

  constructor(options: NetworkBufferPoolOptions) {
    const { numBuffers, segmentSizeBytes } = options;
    if (!Number.isSafeInteger(numBuffers) || numBuffers < 1) throw new RangeError(`numBuffers must be ≥ 1, got ${numBuffers}`);
    this.totalSegments = numBuffers;
    this.segmentSizeBytes = segmentSizeBytes;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.clock = options.clock ?? systemClock;
    const perChunk = Math.max(1, Math.floor(MAX_CHUNK_BYTES / segmentSizeBytes));
    for (let made = 0; made < numBuffers; ) {
      const count = Math.min(perChunk, numBuffers - made);
      const chunk = Buffer.alloc(count * segmentSizeBytes);
      for (let i = 0; i < count; i++) {
        this.available.push(new NetworkBuffer(chunk.subarray(i * segmentSizeBytes, (i + 1) * segmentSizeBytes)));
      }
      made += count;
    }
  }

  get availableSegments(): number {
    return this.available.length;
  }

  get stats(): NetworkBufferPoolStats {
    return {
      totalSegments: this.totalSegments,
      availableSegments: this.available.length,
      usedSegments: this.totalSegments - this.available.length,
      requiredSegments: this.numTotalRequiredBuffers,
      pools: this.pools.length,
    };
  }

  /** Creates a local pool; throws {@link InsufficientBuffersError} if its minimum cannot be guaranteed. */
  createBufferPool(options: Omit<LocalBufferPoolOptions, 'global'>): LocalBufferPool {
    this.checkAlive();
    if (this.numTotalRequiredBuffers + options.min > this.totalSegments) {
      throw this.insufficient(options.min);
    }
    this.numTotalRequiredBuffers += options.min;
    const pool = new LocalBufferPool({ ...options, global: this });
    this.pools.push(pool);
    this.redistribute();
    return pool;
  }

  /** Called by {@link LocalBufferPool.destroy}. */
  destroyBufferPool(pool: LocalBufferPool): void {
    const index = this.pools.indexOf(pool);
    if (index < 0) return;
    this.pools.splice(index, 1);
    this.numTotalRequiredBuffers -= pool.minSegments;
    this.redistribute();
  }

  /** Non-blocking: one segment or null. Used by local pools. */
  requestPooledSegment(): NetworkBuffer | null {
    return this.available.pop() ?? null;
  }

  /** A segment going back to the global pool (from a local pool, or an exclusive segment). */
  recycle(buffer: NetworkBuffer): void {
    buffer.overdraft = false;
    this.available.push(buffer);
    this.notifyAvailable();
  }

  /**
   * Reserves and takes `count` exclusive segments for an input channel. Throws {@link InsufficientBuffersError}
   * at once when the reservation cannot be guaranteed; waits (bounded by the request timeout) while guaranteed
   * segments are still held by pools that are shrinking.
   */
  async requestUnpooledSegments(count: number): Promise<NetworkBuffer[]> {
    this.checkAlive();
    if (count === 0) return [];
    if (this.numTotalRequiredBuffers + count > this.totalSegments) throw this.insufficient(count);
    this.numTotalRequiredBuffers += count;
    this.redistribute();
    const taken: NetworkBuffer[] = [];
    const deadline = this.clock.nowMs() + this.requestTimeoutMs;
    try {
      while (taken.length < count) {
        const segment = this.available.pop();
        if (segment) {
          taken.push(segment);
          continue;
        }
        const remaining = deadline - this.clock.nowMs();
        if (remaining <= 0 || this.destroyed) throw this.timeout();
        await this.waitForSegment(remaining);
      }
      return taken;
    } catch (error) {
      for (const segment of taken) this.available.push(segment);
      this.numTotalRequiredBuffers -= count;
      this.redistribute();
      throw error;
    }
  }

  /** Returns exclusive segments and their reservation. */
  recycleUnpooledSegments(segments: readonly NetworkBuffer[]): void {
    for (const segment of segments) this.available.push(segment);
    this.numTotalRequiredBuffers -= segments.length;
    this.redistribute();
    this.notifyAvailable();
  }

  /** Registers a one-shot callback for when a segment is free again. */
  onSegmentAvailable(listener: () => void): void {
    this.availabilityListeners.push(listener);
  }

  /** Releases the memory. Pools still alive keep working on segments they hold but get none new. */
  destroy(): void {
    this.destroyed = true;
    this.notifyAvailable();
  }

  private waitForSegment(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(resolve, Math.min(timeoutMs, 2000));
      this.onSegmentAvailable(() => {
        timer.cancel();
        resolve();
      });
    });
  }

  private notifyAvailable(): void {
    if (this.availabilityListeners.length === 0 || (this.available.length === 0 && !this.destroyed)) return;
    const listeners = this.availabilityListeners;
    this.availabilityListeners = [];
    for (const listener of listeners) listener();
  }

  /**
   * Flink 1.x redistribution: the spare segments (total − required) are shared among resizable pools in
   * proportion to their excess capacity (max − min, capped at spare), with cumulative integer arithmetic so
   * nothing is left over.
   */
  private redistribute(): void {
    const spare = this.totalSegments - this.numTotalRequiredBuffers;
    const resizable = this.pools.filter((p) => p.maxSegments > p.minSegments);
    if (spare <= 0) {
      for (const pool of resizable) pool.setNumBuffers(pool.minSegments);
      return;
    }
    const caps = resizable.map((p) => BigInt(Math.min(spare, p.maxSegments - p.minSegments)));
    const totalCap = caps.reduce((a, b) => a + b, 0n);
    if (totalCap === 0n) return;
    const toDistribute = BigInt(spare) < totalCap ? BigInt(spare) : totalCap;
    let partsUsed = 0n;
    let distributed = 0n;
    resizable.forEach((pool, i) => {
      partsUsed += caps[i]!;
      const share = (toDistribute * partsUsed) / totalCap - distributed;
      distributed += share;
      pool.setNumBuffers(pool.minSegments + Number(share));
    });
  }

  private insufficient(required: number): InsufficientBuffersError {
    return new InsufficientBuffersError(
      required,
      this.totalSegments - this.numTotalRequiredBuffers,
      this.totalSegments,
      this.segmentSizeBytes,
    );
  }

  private timeout(): BufferRequestTimeoutError {
    return new BufferRequestTimeoutError(
      `Timeout triggered when requesting exclusive buffers: the total number of network buffers is currently set to ` +
        `${this.totalSegments} of ${this.segmentSizeBytes} bytes each. You can increase this number by setting the ` +
        `configuration keys 'taskmanager.memory.network.fraction', 'taskmanager.memory.network.min', and ` +
        `'taskmanager.memory.network.max', or you may increase the timeout which is ${this.requestTimeoutMs}ms by ` +
        `setting the key 'taskmanager.network.memory.exclusive-buffers-request-timeout-ms'.`,
    );
  }

  private checkAlive(): void {
    if (this.destroyed) throw new FlowlabError('ERR_POOL_DESTROYED', 'the network buffer pool has been destroyed');
  }
}
