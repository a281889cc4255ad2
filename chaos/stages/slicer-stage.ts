/**
 * `slicer` {average_size bytes, size_variation bytes, delay µs} (spec/toxiproxy-api.md §2.4.7): each chunk is
 * split on its own by recursive halving (a piece is kept when `length - average_size <= size_variation`,
 * otherwise cut at its midpoint shifted by a uniform integer in [-size_variation, size_variation-1]), and the
 * stage waits `delay` µs after every slice. The API rejects the inputs that crash Go (average_size 0,
 * size_variation >= average_size), so the halving always terminates.
 */
import type { SeededRandom } from '../../core/index.js';
import type { Chunk } from '../chunk-queue.js';
import { ToxicStage } from '../toxic-stage.js';

const US_PER_MS = 1000;

/** Slice lengths for a chunk of `length` bytes, in order. */
export function sliceLengths(length: number, averageSize: number, sizeVariation: number, random: SeededRandom): number[] {
  const out: number[] = [];
  if (averageSize <= 0 || sizeVariation < 0 || sizeVariation >= averageSize) return length > 0 ? [length] : out;
  const pending = [length]; // a stack, processed left piece first
  while (pending.length > 0) {
    const piece = pending.pop() ?? 0;
    if (piece - averageSize <= sizeVariation) {
      if (piece > 0) out.push(piece);
      continue;
    }
    const shift = sizeVariation > 0 ? random.nextInt(2 * sizeVariation) - sizeVariation : 0;
    const mid = Math.floor(piece / 2) + shift;
    pending.push(piece - mid, mid);
  }
  return out;
}

export class SlicerStage extends ToxicStage {
  protected override async onChunk(chunk: Chunk): Promise<void> {
    const lengths = sliceLengths(
      chunk.data.length,
      this.toxic.attribute('average_size'),
      this.toxic.attribute('size_variation'),
      this.ctx.random,
    );
    let offset = 0;
    let delayed = true;
    for (const length of lengths) {
      await this.emit({ data: chunk.data.subarray(offset, offset + length), readAtMs: chunk.readAtMs });
      offset += length;
      // an update or removal ends the current wait; the rest of the chunk still goes out sliced
      if (delayed) delayed = await this.sleep(this.toxic.attribute('delay') / US_PER_MS);
      if (this.disposed) return;
    }
  }
}
