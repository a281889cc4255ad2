/** What a one-input task does with each record it reads. */
import { RecordFormatError, type RecordView } from '../record/index.js';
import { MAX_KEYS, MAX_PARALLELISM, type FlatMapParams } from '../job/index.js';
import type { RecordWriter } from '../writer/index.js';
import { StateFormatError, type StateReader, type StateWriter } from './operator-state.js';

export interface RecordProcessor {
  /** Handles one record; may emit through `out`. Returns false when the output became unavailable. */
  process(record: RecordView, out: RecordWriter | undefined): boolean;
  /** Writes the processor's state into a checkpoint. */
  snapshot(out: StateWriter): void;
  /** Reads back what {@link snapshot} wrote, before the first record (a restored task). */
  restore(input: StateReader): void;
  /**
   * True while output of the last input record is still to be written (a flat map stopped by a half-written record:
   * hard backpressure). The task calls {@link continueOutput} once no record is half-written, and handles no barrier
   * and no further input until this is false.
   */
  readonly hasPendingOutput?: boolean;
  continueOutput?(out: RecordWriter | undefined): void;
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

/**
 * Flat map (spec S13): each input record becomes `fanOut` records of `recordSize` body bytes. Writing them is one
 * uninterruptible step as in Flink: past soft backpressure (the pool may lend overdraft buffers), and stopped only by a
 * record left half-written for want of a buffer, to be continued when that record completes.
 */
export class FlatMapProcessor implements RecordProcessor {
  private left = 0;
  private next = 0;
  private key = 0;
  private baseSequence = 0;
  private sourceSubtask = 0;
  private intendedEmitTimeUs = 0;

  constructor(
    private readonly params: FlatMapParams,
    private readonly nowMs: () => number,
  ) {}

  get hasPendingOutput(): boolean {
    return this.left > 0;
  }

  process(r: RecordView, out: RecordWriter | undefined): boolean {
    if (this.params.costUs > 0) {
      const until = this.nowMs() + this.params.costUs / 1000;
      while (this.nowMs() < until) {
        // busy: simulated per-record work
      }
    }
    this.key = r.key;
    this.baseSequence = r.sequence * this.params.fanOut;
    this.sourceSubtask = r.sourceSubtask;
    this.intendedEmitTimeUs = r.intendedEmitTimeUs;
    this.next = 0;
    this.left = this.params.fanOut;
    this.continueOutput(out);
    return out ? out.isAvailable() : true;
  }

  continueOutput(out: RecordWriter | undefined): void {
    if (!out) {
      this.left = 0;
      return;
    }
    while (this.left > 0 && !out.partition.isHardBackPressured) {
      out.emit(this.key, this.baseSequence + this.next, this.sourceSubtask, this.intendedEmitTimeUs, this.params.recordSize);
      this.next++;
      this.left--;
    }
  }

  snapshot(): void {
    // stateless (a barrier never falls between the outputs of one input record)
  }

  restore(): void {
    // stateless
  }
}
