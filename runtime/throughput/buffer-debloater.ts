/**
 * Flink's BufferDebloater (spec §4.5), one per input gate: every period, from the gate's busy throughput T (B/s) and
 * its buffers in use N, the size that lets N buffers be consumed in `target`:
 * `newSize = EMA(min(T × target / max(1, N), 2 × last))` clamped to [min, max] segment size; announced to the
 * producers only when it differs from the last announced size by at least `threshold` percent of it (always at the
 * min or max). The estimated time to consume the buffered data, `newSize × N × 1000 / T` ms, is kept either way.
 */
import type { ResolvedConfig } from '../../core/index.js';
import { BufferSizeEma } from './buffer-size-ema.js';

export interface BufferDebloatConfiguration {
  targetMs: number;
  /** Recalculation period (ms). */
  periodMs: number;
  numberOfSamples: number;
  thresholdPercentages: number;
  startingBufferSize: number;
  minBufferSize: number;
  maxBufferSize: number;
}

/** The debloat settings of `config`, or undefined when `buffer-debloat.enabled` is false. */
export function bufferDebloatConfiguration(config: ResolvedConfig): BufferDebloatConfiguration | undefined {
  if (!config['taskmanager.network.memory.buffer-debloat.enabled']) return undefined;
  return {
    targetMs: config['taskmanager.network.memory.buffer-debloat.target'],
    periodMs: config['taskmanager.network.memory.buffer-debloat.period'],
    numberOfSamples: config['taskmanager.network.memory.buffer-debloat.samples'],
    thresholdPercentages: config['taskmanager.network.memory.buffer-debloat.threshold-percentages'],
    startingBufferSize: config['taskmanager.memory.starting-segment-size'],
    minBufferSize: config['taskmanager.memory.min-segment-size'],
    maxBufferSize: config['taskmanager.memory.segment-size'],
  };
}

/** One recalculation, as logged (Flink logs the same figures at debug level); enough to recompute it alone. */
export interface DebloatSample {
  /** Epoch ms of the recalculation. */
  atMs: number;
  throughputBytesPerSec: number;
  buffersInUse: number;
  /** The EMA's unrounded value before this step. */
  emaBefore: number;
  /** The last announced size before this step. */
  lastAnnouncedBefore: number;
  newSize: number;
  estimatedTimeToConsumeBuffersMs: number;
  announced: boolean;
}

export class BufferDebloater {
  private readonly ema: BufferSizeEma;
  private lastAnnounced: number;
  private estimatedTimeMs = 0;

  constructor(readonly config: BufferDebloatConfiguration) {
    this.ema = new BufferSizeEma(config.startingBufferSize, config.maxBufferSize, config.minBufferSize, config.numberOfSamples);
    this.lastAnnounced = Math.round(this.ema.value);
  }

  /** The last announced size (Flink's `debloatedBufferSize` gauge); the starting size until the first announcement. */
  get debloatedBufferSize(): number {
    return this.lastAnnounced;
  }

  /** Flink's `estimatedTimeToConsumeBuffersMs` gauge: from the last recalculation, announced or not. */
  get estimatedTimeToConsumeBuffersMs(): number {
    return this.estimatedTimeMs;
  }

  /** One recalculation; `sample.announced` says whether the caller must announce `sample.newSize`. */
  recalculate(throughputBytesPerSec: number, buffersInUse: number, atMs = Date.now()): DebloatSample {
    const emaBefore = this.ema.value;
    const lastAnnouncedBefore = this.lastAnnounced;
    const buffers = Math.max(1, buffersInUse);
    const desiredTotalBytes = Math.floor((throughputBytesPerSec * this.config.targetMs) / 1000);
    const newSize = this.ema.calculateBufferSize(desiredTotalBytes, buffers);
    this.estimatedTimeMs = (newSize * buffers * 1000) / Math.max(1, throughputBytesPerSec);
    const announced = !skipUpdate(newSize, lastAnnouncedBefore, this.config);
    if (announced) this.lastAnnounced = newSize;
    return { atMs, throughputBytesPerSec, buffersInUse, emaBefore, lastAnnouncedBefore, newSize, estimatedTimeToConsumeBuffersMs: this.estimatedTimeMs, announced };
  }
}

/** Flink's skip rule: equal → skip; at min or max → announce; else skip a change below threshold % of the last size. */
export function skipUpdate(newSize: number, lastAnnounced: number, c: Pick<BufferDebloatConfiguration, 'minBufferSize' | 'maxBufferSize' | 'thresholdPercentages'>): boolean {
  if (newSize === lastAnnounced) return true;
  if (newSize <= c.minBufferSize || newSize >= c.maxBufferSize) return false;
  return Math.abs(newSize - lastAnnounced) < Math.floor((lastAnnounced * c.thresholdPercentages) / 100);
}

/**
 * Recomputes one logged recalculation from its inputs alone (the check of S10: announced sizes match the formula to
 * ±1 byte). Returns the size and whether it should have been announced.
 */
export function recomputeSample(s: Pick<DebloatSample, 'throughputBytesPerSec' | 'buffersInUse' | 'emaBefore' | 'lastAnnouncedBefore'>, c: BufferDebloatConfiguration): { newSize: number; announced: boolean } {
  // written out from the spec's formula, independently of BufferSizeEma
  const alpha = 2 / (c.numberOfSamples + 1);
  const desiredTotal = Math.floor((s.throughputBytesPerSec * c.targetMs) / 1000);
  const instant = Math.min(Math.floor(desiredTotal / Math.max(1, s.buffersInUse)), 2 * s.emaBefore);
  const next = Math.max(c.minBufferSize, Math.min(c.maxBufferSize, s.emaBefore + alpha * (instant - s.emaBefore)));
  const newSize = Math.round(next);
  return { newSize, announced: !skipUpdate(newSize, s.lastAnnouncedBefore, c) };
}
