/**
 * Record body sizes from weighted buckets ({@link RecordSizeBucket}): a bucket by weight, then a size uniform in its
 * [min, max]. The cumulative weight table is built once; {@link sample} allocates nothing. A single bucket draws no
 * bucket, and a bucket with min = max no size, so `{min, max}` as one bucket consumes the generator exactly as the
 * source always has (fixed: nothing; uniform: one draw).
 */
import type { SeededRandom } from '../../core/index.js';
import type { RecordSizeBucket } from '../job/index.js';

export class RecordSizeSampler {
  private readonly buckets: number;
  /** Sum of the weights of buckets 0..k. */
  private readonly cumulativeWeight: Float64Array;
  private readonly min: Float64Array;
  /** max − min + 1: how many sizes bucket k holds. */
  private readonly sizes: Float64Array;

  constructor(buckets: readonly RecordSizeBucket[]) {
    if (buckets.length === 0) throw new RangeError('a size distribution needs at least one bucket');
    this.buckets = buckets.length;
    this.cumulativeWeight = new Float64Array(buckets.length);
    this.min = new Float64Array(buckets.length);
    this.sizes = new Float64Array(buckets.length);
    let weight = 0;
    buckets.forEach((b, k) => {
      weight += b.weight;
      this.cumulativeWeight[k] = weight;
      this.min[k] = b.min;
      this.sizes[k] = b.max - b.min + 1;
    });
  }

  /** The fixed or uniform `{min, max}` range as a one-bucket sampler. */
  static uniform(range: { min: number; max: number }): RecordSizeSampler {
    return new RecordSizeSampler([{ min: range.min, max: range.max, weight: 1 }]);
  }

  /** The next body size in bytes, drawn from `random`. */
  sample(random: SeededRandom): number {
    let k = 0;
    if (this.buckets > 1) {
      const u = random.nextFloat() * this.cumulativeWeight[this.buckets - 1]!;
      // buckets are few: a linear scan beats a binary search; the last bucket catches rounding at the top
      while (k < this.buckets - 1 && u >= this.cumulativeWeight[k]!) k++;
    }
    const sizes = this.sizes[k]!;
    return sizes === 1 ? this.min[k]! : this.min[k]! + random.nextInt(sizes);
  }
}
