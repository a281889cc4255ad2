/**
 * End-to-end latency as a Prometheus histogram: cumulative counts at fixed upper bounds (µs), so a dashboard can
 * take `histogram_quantile()` over `rate()` of any window and across sinks. The sink's HDR histogram stays the
 * exact record; these buckets are what a scraper can aggregate.
 */

/** Upper bounds of the buckets, µs (the last bucket, `+Inf`, is implied). */
export const LATENCY_BUCKET_BOUNDS_US: readonly number[] = Object.freeze([
  100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000,
  10_000_000, 30_000_000, 60_000_000,
]);

/** A histogram's state: `cumulativeCounts[i]` values ≤ `LATENCY_BUCKET_BOUNDS_US[i]`; the last entry is every value. */
export interface LatencyBucketsSnapshot {
  cumulativeCounts: number[];
  sumUs: number;
}

export class LatencyBuckets {
  private readonly counts = new Float64Array(LATENCY_BUCKET_BOUNDS_US.length + 1);
  private sumUs = 0;

  recordValue(latencyUs: number): void {
    let i = 0;
    while (i < LATENCY_BUCKET_BOUNDS_US.length && latencyUs > LATENCY_BUCKET_BOUNDS_US[i]!) i++;
    this.counts[i]!++;
    this.sumUs += latencyUs;
  }

  snapshot(): LatencyBucketsSnapshot {
    const cumulativeCounts: number[] = [];
    let total = 0;
    for (const count of this.counts) cumulativeCounts.push((total += count));
    return { cumulativeCounts, sumUs: this.sumUs };
  }
}

/** A label value escaped for the text exposition format. */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([name, value]) => `${name}="${escapeLabelValue(value)}"`)
    .join(',');
}

/**
 * One histogram family in Prometheus's text exposition format (`<name>_bucket{…,le}`, `_sum`, `_count`); empty
 * when there are no series.
 */
export function renderLatencyHistogram(name: string, help: string, series: ReadonlyArray<{ labels: Readonly<Record<string, string>>; snapshot: LatencyBucketsSnapshot }>): string {
  if (series.length === 0) return '';
  const lines = [`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} histogram`];
  for (const { labels, snapshot } of series) {
    const base = labelText(labels);
    const sep = base === '' ? '' : ',';
    snapshot.cumulativeCounts.forEach((count, i) => {
      const le = i < LATENCY_BUCKET_BOUNDS_US.length ? String(LATENCY_BUCKET_BOUNDS_US[i]) : '+Inf';
      lines.push(`${name}_bucket{${base}${sep}le="${le}"} ${count}`);
    });
    lines.push(`${name}_sum{${base}} ${snapshot.sumUs}`, `${name}_count{${base}} ${snapshot.cumulativeCounts.at(-1) ?? 0}`);
  }
  return `${lines.join('\n')}\n`;
}
