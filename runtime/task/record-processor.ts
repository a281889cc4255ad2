/** What a one-input task does with each record it reads. */
import type { RecordView } from '../record/index.js';
import type { RecordWriter } from '../writer/index.js';
import { StateFormatError, type StateReader, type StateWriter } from './operator-state.js';

export interface RecordProcessor {
  /** Handles one record; may emit through `out`. Returns false when the output became unavailable. */
  process(record: RecordView, out: RecordWriter | undefined): boolean;
  /** Writes the processor's state into a checkpoint. */
  snapshot(out: StateWriter): void;
  /** Reads back what {@link snapshot} wrote, before the first record (a restored task). */
  restore(input: StateReader): void;
}

/** Map: burns `costUs` of CPU per record, then forwards it. */
export class MapProcessor implements RecordProcessor {
  constructor(
    private readonly costUs: number,
    private readonly nowMs: () => number,
  ) {}

  process(r: RecordView, out: RecordWriter | undefined): boolean {
    if (this.costUs > 0) {
      const until = this.nowMs() + this.costUs / 1000;
      while (this.nowMs() < until) {
        // busy: simulated per-record work
      }
    }
    return out ? out.emit(r.key, r.sequence, r.sourceSubtask, r.intendedEmitTimeUs, r.bodySize) : true;
  }

  snapshot(): void {
    // stateless
  }

  restore(): void {
    // stateless
  }
}

/** Keyed aggregate: keeps a count per key (its state) and forwards each record. */
export class AggregateProcessor implements RecordProcessor {
  private counts: Float64Array = new Float64Array(1024);
  distinctKeys = 0;

  process(r: RecordView, out: RecordWriter | undefined): boolean {
    const key = r.key;
    if (key >= this.counts.length) {
      const grown = new Float64Array(Math.max(key + 1, this.counts.length * 2));
      grown.set(this.counts);
      this.counts = grown;
    }
    if (this.counts[key] === 0) this.distinctKeys++;
    this.counts[key]! += 1;
    return out ? out.emit(r.key, r.sequence, r.sourceSubtask, r.intendedEmitTimeUs, r.bodySize) : true;
  }

  snapshot(out: StateWriter): void {
    out.number(this.distinctKeys).array(this.counts);
  }

  restore(input: StateReader): void {
    const distinctKeys = input.number();
    const counts = input.array();
    if (!Number.isSafeInteger(distinctKeys) || distinctKeys < 0 || distinctKeys > counts.length) {
      throw new StateFormatError(`aggregate state: ${distinctKeys} distinct keys in a table of ${counts.length}`);
    }
    this.distinctKeys = distinctKeys;
    this.counts = counts.length > 0 ? counts : new Float64Array(1024);
  }

  countOf(key: number): number {
    return this.counts[key] ?? 0;
  }
}
