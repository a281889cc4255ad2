/**
 * Flink's BufferSizeEMA (spec §4.5 step 3): an exponential moving average of the per-buffer size the gate would
 * like, with alpha = 2 / (samples + 1), growth capped at twice the current value per step (so it grows as slowly as
 * it shrinks), clamped to [min-segment-size, segment-size]. The state stays unrounded; each step returns it rounded.
 */
export class BufferSizeEma {
  readonly alpha: number;
  private last: number;

  constructor(
    startingBufferSize: number,
    readonly maxBufferSize: number,
    readonly minBufferSize: number,
    numberOfSamples: number,
  ) {
    this.alpha = 2 / (numberOfSamples + 1);
    this.last = Math.min(maxBufferSize, Math.max(minBufferSize, startingBufferSize));
  }

  /** The unrounded current value (bytes). */
  get value(): number {
    return this.last;
  }

  /** One step for `totalBufferSizeBytes` wanted over `totalBuffers` (> 0) buffers; returns the new size, rounded. */
  calculateBufferSize(totalBufferSizeBytes: number, totalBuffers: number): number {
    const instant = Math.min(Math.floor(totalBufferSizeBytes / totalBuffers), 2 * this.last);
    this.last += this.alpha * (instant - this.last);
    this.last = Math.max(this.minBufferSize, Math.min(this.maxBufferSize, this.last));
    return Math.round(this.last);
  }
}
