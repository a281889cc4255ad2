/**
 * An input gate (spec §0, §1.7): the channels one consumer subtask reads from one upstream result, a floating
 * buffer pool shared by them, and a queue of channels with data. The task polls buffers in round robin over
 * channels; a channel with a priority event moves to the front.
 */
import { systemClock, type Clock, type ResolvedConfig } from '../../core/index.js';
import { inputGateBuffersSpec, type LocalBufferPool, type NetworkBuffer, type NetworkBufferPool } from '../buffer/index.js';
import { newId16, type ResultPartitionId } from '../partition/index.js';
import type { ConnectionManager, DataAddress } from './client-connection.js';
import type { ResultPartitionManager } from '../network/index.js';
import type { InputChannel, InputChannelOwner } from './input-channel.js';
import { LocalInputChannel } from './local-input-channel.js';
import { RemoteInputChannel } from './remote-input-channel.js';
import { BufferDebloater, ThroughputCalculator, bufferDebloatConfiguration, type DebloatSample } from '../throughput/index.js';

/** Recalculations a gate keeps for its metrics report (the newest last). */
const DEBLOAT_SAMPLES_KEPT = 16;

export interface InputChannelSpec {
  partitionId: ResultPartitionId;
  subpartitionIndex: number;
  /** The producer's data server (possibly a proxy in front of it). */
  producer: DataAddress;
  /** The producer runs in this TaskManager: read its subpartition directly. */
  local?: boolean;
}

export interface SingleInputGateOptions {
  name: string;
  channels: readonly InputChannelSpec[];
  globalPool: NetworkBufferPool;
  connections: ConnectionManager;
  config: ResolvedConfig;
  /** This TaskManager's partitions (for local channels). */
  partitions?: ResultPartitionManager;
  clock?: Clock;
}

export interface InputGateStats {
  numBytesIn: number;
  numBuffersIn: number;
  queuedBuffers: number;
  inPoolUsage: number;
  inputExclusiveBuffersUsage: number;
  inputFloatingBuffersUsage: number;
  floatingPoolSize: number;
}

export class SingleInputGate implements InputChannelOwner {
  readonly name: string;
  readonly channels: InputChannel[] = [];
  readonly floatingPool: LocalBufferPool;
  private readonly withData: InputChannel[] = [];
  private readonly enqueued: Uint8Array;
  private dataListener: (() => void) | undefined;
  private failureListener: ((error: Error, channel: InputChannel) => void) | undefined;
  failure: Error | undefined;
  /** Channel index of the last buffer returned by {@link pollNext}. */
  lastChannel = -1;
  private released = false;
  /** Bytes per busy second the task took from this gate (spec §4.3). */
  readonly throughput: ThroughputCalculator;
  /** Present when `buffer-debloat.enabled` (spec §4.5). */
  readonly debloater: BufferDebloater | undefined;
  /** The last recalculations, oldest first. */
  readonly debloatSamples: DebloatSample[] = [];

  constructor(private readonly options: SingleInputGateOptions) {
    this.name = options.name;
    this.throughput = new ThroughputCalculator(options.clock ?? systemClock);
    const debloat = bufferDebloatConfiguration(options.config);
    this.debloater = debloat ? new BufferDebloater(debloat) : undefined;
    const spec = inputGateBuffersSpec(options.config, options.channels.length);
    this.floatingPool = options.globalPool.createBufferPool({
      min: spec.floatingMin,
      max: spec.floatingMax,
      name: `${options.name}/floating`,
    });
    options.channels.forEach((c, i) => {
      if (c.local) {
        if (!options.partitions) throw new RangeError(`gate ${options.name}: local channel ${i} needs the TaskManager's partitions`);
        this.channels.push(new LocalInputChannel(i, c.partitionId, c.subpartitionIndex, this, options.partitions));
      } else {
        this.channels.push(
          new RemoteInputChannel(i, newId16(), c.partitionId, c.subpartitionIndex, spec.exclusivePerChannel, this, this.floatingPool, options.globalPool),
        );
      }
    });
    this.enqueued = new Uint8Array(options.channels.length);
  }

  /** Takes exclusive buffers, connects to the producers and requests every subpartition. */
  async setup(): Promise<void> {
    for (const channel of this.channels) if (!channel.isLocal) await channel.setup();
    await Promise.all(
      this.channels.map(async (channel, i) => {
        if (channel instanceof RemoteInputChannel) {
          const connection = await this.options.connections.connect(this.options.channels[i]!.producer);
          connection.requestSubpartition(channel);
        } else {
          await channel.setup();
        }
      }),
    );
    // producers cut buffers at the starting size until the first recalculation says otherwise
    if (this.debloater) this.announceBufferSize(this.debloater.debloatedBufferSize);
  }

  /** Buffers in use over every channel (spec §4.4). */
  get buffersInUse(): number {
    let n = 0;
    for (const c of this.channels) n += c.buffersInUse;
    return n;
  }

  /**
   * One debloating step (spec §4.5), called every `buffer-debloat.period` by the task: the throughput since the last
   * step and the buffers in use give the new size, announced to every channel when it changed enough. Returns the
   * sample, or undefined without a debloater.
   */
  triggerDebloating(): DebloatSample | undefined {
    if (!this.debloater || this.released) return undefined;
    const sample = this.debloater.recalculate(this.throughput.calculateThroughput(), this.buffersInUse);
    if (sample.announced) this.announceBufferSize(sample.newSize);
    this.debloatSamples.push(sample);
    if (this.debloatSamples.length > DEBLOAT_SAMPLES_KEPT) this.debloatSamples.shift();
    return sample;
  }

  /** Announces `sizeBytes` to the producer of every channel not released (one size for the whole gate, as in Flink). */
  announceBufferSize(sizeBytes: number): void {
    for (const channel of this.channels) if (!channel.isReleased) channel.announceBufferSize(sizeBytes);
  }

  /** Called whenever a channel goes from empty to non-empty (the task should poll). */
  setDataListener(listener: (() => void) | undefined): void {
    this.dataListener = listener;
  }

  setFailureListener(listener: ((error: Error, channel: InputChannel) => void) | undefined): void {
    this.failureListener = listener;
  }

  get hasData(): boolean {
    return this.withData.length > 0;
  }

  /** Next buffer (data or event) in round robin over channels with data, or null. The caller releases it. */
  pollNext(): NetworkBuffer | null {
    while (this.withData.length > 0) {
      const channel = this.withData.shift()!;
      const buffer = channel.poll();
      if (!buffer) {
        this.enqueued[channel.index] = 0;
        continue;
      }
      if (channel.queuedBuffers > 0) this.withData.push(channel);
      else this.enqueued[channel.index] = 0;
      this.lastChannel = channel.index;
      this.throughput.incomingDataSize(buffer.size - buffer.readerIndex);
      return buffer;
    }
    // nothing to give: the task is idle, and idle time is not part of the throughput
    this.throughput.pauseMeasurement();
    return null;
  }

  /** True after a priority event arrived and until {@link pollPriorityEvent} found none left. */
  priorityPending = false;

  /**
   * The next priority event (an unaligned barrier) on any channel, taken out of order so the task can handle it
   * between two records; null if there is none.
   */
  pollPriorityEvent(): NetworkBuffer | null {
    for (const channel of this.channels) {
      if (channel.hasPriorityHead()) {
        const buffer = channel.poll();
        if (buffer) {
          this.lastChannel = channel.index;
          this.throughput.incomingDataSize(buffer.size - buffer.readerIndex);
          return buffer;
        }
      }
    }
    this.priorityPending = false;
    return null;
  }

  /** Unblocks a channel blocked by an aligned barrier. */
  resumeConsumption(channelIndex: number): void {
    this.channels[channelIndex]?.resumeConsumption();
  }

  notifyChannelNonEmpty(channel: InputChannel): void {
    if (this.enqueued[channel.index] === 1) return;
    this.enqueued[channel.index] = 1;
    this.withData.push(channel);
    this.dataListener?.();
  }

  notifyPriorityEvent(channel: InputChannel): void {
    this.priorityPending = true;
    const i = this.withData.indexOf(channel);
    if (i > 0) {
      this.withData.splice(i, 1);
      this.withData.unshift(channel);
    } else if (i < 0) {
      this.enqueued[channel.index] = 1;
      this.withData.unshift(channel);
    }
    this.dataListener?.();
  }

  notifyChannelFailed(channel: InputChannel, error: Error): void {
    if (!this.failure) this.failure = error;
    this.failureListener?.(error, channel);
  }

  get stats(): InputGateStats {
    let numBytesIn = 0;
    let numBuffersIn = 0;
    let queued = 0;
    let exclusiveTotal = 0;
    let exclusiveUsed = 0;
    let idleFloating = 0;
    for (const c of this.channels) {
      numBytesIn += c.numBytesIn;
      numBuffersIn += c.numBuffersIn;
      if (!c.isLocal) queued += c.queuedBuffers;
      exclusiveTotal += c.initialCredit;
      exclusiveUsed += c.usedExclusiveBuffers;
      idleFloating += c.idleFloatingBuffers;
    }
    const poolSize = this.floatingPool.poolSize;
    const floatingUsed = Math.max(0, this.floatingPool.usedSegments - idleFloating);
    return {
      numBytesIn,
      numBuffersIn,
      queuedBuffers: queued,
      inPoolUsage: poolSize + exclusiveTotal === 0 ? 0 : (floatingUsed + exclusiveUsed) / (poolSize + exclusiveTotal),
      inputExclusiveBuffersUsage: exclusiveTotal === 0 ? 0 : exclusiveUsed / exclusiveTotal,
      inputFloatingBuffersUsage: poolSize === 0 ? 0 : floatingUsed / poolSize,
      floatingPoolSize: poolSize,
    };
  }

  /** Releases every channel and the floating pool. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.withData.length = 0;
    for (const channel of this.channels) channel.release();
    this.floatingPool.destroy();
  }
}
