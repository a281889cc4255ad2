/**
 * The sink: verifies delivery per (source subtask, key) sequence numbers — a sequence number not above the last
 * one seen is a duplicate (equal) or out of order (lower) — and records end-to-end latency from each record's
 * intended emit time into an HDR histogram (no coordinated omission). Lost records are what sources emitted minus
 * what sinks received, computed by whoever sees both. Out-of-order counts are an error only where every
 * (source subtask, key) stream reaches its sink over one FIFO path; with two rebalance hops records of one key take
 * different paths and may be reordered legitimately.
 *
 * Restored from a checkpoint, the counters and last-seen tables continue from the checkpoint's values; the latency
 * histograms cover only the records this attempt received.
 */
import * as hdr from 'hdr-histogram-js';
import type { RecordView } from '../record/index.js';
import { LatencyBuckets } from '../metrics/index.js';
import type { RecordWriter } from '../writer/index.js';
import { checkIndexedFields, type RecordProcessor } from './record-processor.js';
import { StateFormatError, type StateReader, type StateWriter } from './operator-state.js';

const HIGHEST_LATENCY_US = 3_600_000_000;

/**
 * A 32-bit mix of a record key (murmur3's finalizer over its low and high words). Summed mod 2^32 over a set of
 * records together with the key sum and the count, it is an order-independent digest a client can recompute over
 * the records it was told were accepted (HTTP ingest), so "these exact records arrived" is checkable, not only "as many".
 */
export function keyHash32(key: number): number {
  let h = (key >>> 0) ^ Math.imul(Math.floor(key / 4_294_967_296) >>> 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Count, Σ key and Σ {@link keyHash32}(key) mod 2^32 of a multiset of records. */
export interface KeyDigest {
  records: number;
  keySum: number;
  keyHashSum: number;
}

/** Adds one key to a digest (in place). */
export function addToKeyDigest(digest: KeyDigest, key: number): void {
  digest.records++;
  digest.keySum += key;
  digest.keyHashSum = (digest.keyHashSum + keyHash32(key)) >>> 0;
}

function buildHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_LATENCY_US, numberOfSignificantValueDigits: 3 });
}

/** What hdr-histogram-js's JavaScript histograms have beyond the typed interface. */
interface EquivalenceRanges {
  lowestEquivalentValue(value: number): number;
  highestEquivalentValue(value: number): number;
}

/**
 * An HDR histogram fed one value per record, recording runs of equivalent values (the same bucket) as one count:
 * records that left and arrived together land in one bucket, and an HDR record costs more than the sink's other
 * per-record work together. The counts are exactly those of recording every value; {@link histogram} flushes the run.
 */
export class LatencyRecorder {
  private readonly target: hdr.Histogram;
  private readonly ranges: EquivalenceRanges | undefined;
  private runValue = 0;
  private runCount = 0;
  private runLow = 1;
  private runHigh = 0;

  constructor(target: hdr.Histogram = buildHistogram()) {
    this.target = target;
    const candidate = target as unknown as Partial<EquivalenceRanges>;
    this.ranges = typeof candidate.lowestEquivalentValue === 'function' && typeof candidate.highestEquivalentValue === 'function' ? (candidate as EquivalenceRanges) : undefined;
  }

  record(value: number): void {
    if (value >= this.runLow && value <= this.runHigh) {
      this.runCount++;
      return;
    }
    this.flush();
    this.runValue = value;
    this.runCount = 1;
    if (this.ranges) {
      this.runLow = this.ranges.lowestEquivalentValue(value);
      this.runHigh = this.ranges.highestEquivalentValue(value);
    } else {
      this.runLow = this.runHigh = value;
    }
  }

  /** The histogram with every value recorded so far. */
  get histogram(): hdr.Histogram {
    this.flush();
    return this.target;
  }

  private flush(): void {
    if (this.runCount === 0) return;
    this.target.recordValueWithCount(this.runValue, this.runCount);
    this.runCount = 0;
    this.runLow = 1;
    this.runHigh = 0;
  }
}

export class VerifyingSink implements RecordProcessor {
  records = 0;
  duplicated = 0;
  outOfOrder = 0;
  private readonly latency = new LatencyRecorder();
  /** The same latencies at fixed bucket bounds, for Prometheus (see LatencyBuckets). */
  readonly latencyBuckets = new LatencyBuckets();
  /** Per source subtask: records and latency, so a harness can tell which link a record came over. */
  private readonly bySource: Array<{ records: number; latency: LatencyRecorder } | undefined> = [];
  private lastSeen: Float64Array[] = [];
  /** Digest of every record this attempt received (see {@link keyHash32}). */
  readonly keyDigest: KeyDigest = { records: 0, keySum: 0, keyHashSum: 0 };

  /** `costUs`: busy CPU time per record before verifying it (a slow sink, spec S9). */
  constructor(
    private readonly epochUs: () => number,
    private readonly costUs = 0,
  ) {
  }

  /** End-to-end latency of every record this attempt received, µs. */
  get latencyUs(): hdr.Histogram {
    return this.latency.histogram;
  }

  process(r: RecordView, _out: RecordWriter | undefined): boolean {
    checkIndexedFields(r);
    if (this.costUs > 0) {
      const until = this.epochUs() + this.costUs;
      while (this.epochUs() < until) {
        // busy: simulated per-record work
      }
    }
    this.records++;
    addToKeyDigest(this.keyDigest, r.key);
    const last = this.lastSeenOf(r.sourceSubtask, r.key);
    const seq = r.sequence;
    const previous = last[r.key]!;
    if (seq === previous) this.duplicated++;
    else if (seq < previous) this.outOfOrder++;
    else last[r.key] = seq;
    const latency = Math.round(this.epochUs() - r.intendedEmitTimeUs);
    const clamped = Math.min(HIGHEST_LATENCY_US, Math.max(1, latency));
    this.latency.record(clamped);
    this.latencyBuckets.recordValue(clamped);
    const perSource = (this.bySource[r.sourceSubtask] ??= { records: 0, latency: new LatencyRecorder() });
    perSource.records++;
    perSource.latency.record(clamped);
    return true;
  }

  /** Records and latency (HDR V2 compressed base64, µs) per source subtask seen so far. */
  encodedBySource(): Array<{ sourceSubtask: number; records: number; latencyHistogram: string }> {
    const out: Array<{ sourceSubtask: number; records: number; latencyHistogram: string }> = [];
    this.bySource.forEach((s, sourceSubtask) => {
      if (s) out.push({ sourceSubtask, records: s.records, latencyHistogram: hdr.encodeIntoCompressedBase64(s.latency.histogram) });
    });
    return out;
  }

  /** Verification state: counters and the last sequence number per (source subtask, key). */
  snapshot(out: StateWriter): void {
    out.number(this.records).number(this.duplicated).number(this.outOfOrder).number(this.lastSeen.length);
    for (const table of this.lastSeen) out.array(table ?? new Float64Array(0));
  }

  restore(input: StateReader): void {
    const [records, duplicated, outOfOrder, sources] = [input.number(), input.number(), input.number(), input.number()];
    for (const [name, value] of [['records', records], ['duplicated', duplicated], ['outOfOrder', outOfOrder], ['source tables', sources]] as const) {
      if (!Number.isSafeInteger(value) || value < 0) throw new StateFormatError(`sink state: ${name} ${value} is not a count`);
    }
    const tables: Float64Array[] = [];
    for (let source = 0; source < sources; source++) {
      const table = input.array();
      if (table.length > 0) tables[source] = table; // an empty table stands for a source never seen
    }
    this.records = records;
    this.duplicated = duplicated;
    this.outOfOrder = outOfOrder;
    this.lastSeen = tables;
  }

  /** The last sequence number seen from (source subtask, key), or -1. */
  lastSequenceOf(source: number, key: number): number {
    return this.lastSeen[source]?.[key] ?? -1;
  }

  encodedLatency(): string {
    return hdr.encodeIntoCompressedBase64(this.latencyUs);
  }

  private lastSeenOf(source: number, key: number): Float64Array {
    let table = this.lastSeen[source];
    if (!table || key >= table.length) {
      const grown = new Float64Array(Math.max(1024, key + 1, (table?.length ?? 0) * 2)).fill(-1);
      if (table) grown.set(table);
      this.lastSeen[source] = grown;
      table = grown;
    }
    return table;
  }
}
