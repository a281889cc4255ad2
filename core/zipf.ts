/** Zipf-distributed integers in [0, n) with exponent s, sampled by inverse CDF (binary search). */
import type { SeededRandom } from './random.js';

export const MAX_ZIPF_KEYS = 1_000_000;

export class ZipfDistribution {
  private readonly cdf: Float64Array;

  constructor(
    readonly n: number,
    readonly exponent: number,
  ) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_ZIPF_KEYS) throw new RangeError(`zipf needs 1 ≤ n ≤ ${MAX_ZIPF_KEYS}, got ${n}`);
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let k = 0; k < n; k++) {
      sum += 1 / Math.pow(k + 1, exponent);
      this.cdf[k] = sum;
    }
    for (let k = 0; k < n; k++) this.cdf[k] = this.cdf[k]! / sum;
  }

  sample(random: SeededRandom): number {
    const u = random.nextFloat();
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
