/** What a one-input task does with each record it reads. */
import { RecordFormatError, type RecordView } from '../record/index.js';
import { MAX_KEYS, MAX_PARALLELISM } from '../cluster/job-graph.js';
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

/**
 * Checks the fields a stateful processor indexes tables by: a key outside every source's key space or a source
 * subtask outside any parallelism means corrupt bytes that happened to parse, and must fail the task (with the
 * field named) rather than grow a table to gigabytes.
 */
export function checkIndexedFields(r: RecordView): void {
  const key = r.key;
  if (!(key >= 0 && key < MAX_KEYS)) throw new RecordFormatError('key', key, `an integer in [0, ${MAX_KEYS})`);
  const source = r.sourceSubtask;
  if (!(source >= 0 && source < MAX_PARALLELISM)) throw new RecordFormatError('sourceSubtask', source, `an integer in [0, ${MAX_PARALLELISM})`);
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
    checkIndexedFields(r);
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
