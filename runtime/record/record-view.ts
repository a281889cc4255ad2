/**
 * A reusable window onto one record body (layout in `record-layout.ts`) inside some Buffer: a network buffer's
 * segment or a deserializer's spanning buffer. Getters read the bytes on every call; nothing is allocated.
 */
import { FlowlabError } from '../../core/index.js';
import {
  RECORD_HEADER_BYTES,
  RECORD_INTENDED_EMIT_TIME_OFFSET,
  RECORD_KEY_OFFSET,
  RECORD_SEQUENCE_OFFSET,
  RECORD_SOURCE_SUBTASK_OFFSET,
  getInt32BE,
  readSafeLongBE,
} from './record-layout.js';

const EMPTY = Buffer.alloc(0);

/**
 * One record body. Valid only until the next `getNextRecord` of the deserializer that set it, and, for a record
 * read in place, only while its network buffer is not released: process the record, then release the buffer.
 */
export class RecordView {
  private buf: Buffer = EMPTY;
  private offset = 0;
  private length = 0;

  /** Points the view at the body `buf[offset, offset + length)` (length prefix excluded). */
  set(buf: Buffer, offset: number, length: number): this {
    // the getters read with unchecked byte loads: the header must lie inside `buf`
    if (offset < 0 || offset + Math.max(length, RECORD_HEADER_BYTES) > buf.length) {
      throw new RangeError(`record view [${offset}, ${offset + length}) with its ${RECORD_HEADER_BYTES}-byte header does not fit a buffer of ${buf.length} bytes`);
    }
    this.buf = buf;
    this.offset = offset;
    this.length = length;
    return this;
  }

  get key(): number {
    return readSafeLongBE(this.buf, this.offset + RECORD_KEY_OFFSET);
  }

  /** Per-key sequence number. */
  get sequence(): number {
    return readSafeLongBE(this.buf, this.offset + RECORD_SEQUENCE_OFFSET);
  }

  get sourceSubtask(): number {
    return getInt32BE(this.buf, this.offset + RECORD_SOURCE_SUBTASK_OFFSET);
  }

  /** Intended emit time in epoch microseconds (latency is measured from it, not from the actual send). */
  get intendedEmitTimeUs(): number {
    return this.buf.readDoubleBE(this.offset + RECORD_INTENDED_EMIT_TIME_OFFSET);
  }

  /** Body bytes: header + payload. */
  get bodySize(): number {
    return this.length;
  }

  get payloadSize(): number {
    return this.length - RECORD_HEADER_BYTES;
  }

  /** Copies the payload into `target` at `offset` and returns the bytes copied; throws if it does not fit. */
  copyPayloadTo(target: Buffer, offset: number): number {
    const payloadSize = this.length - RECORD_HEADER_BYTES;
    if (offset < 0 || offset + payloadSize > target.length) {
      throw new FlowlabError(
        'ERR_OUT_OF_RANGE',
        `cannot copy a ${payloadSize}-byte payload to offset ${offset} of a ${target.length}-byte buffer`,
      );
    }
    const start = this.offset + RECORD_HEADER_BYTES;
    return this.buf.copy(target, offset, start, start + payloadSize);
  }
}
