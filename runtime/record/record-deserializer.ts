/**
 * Reads records back out of a channel's stream of network buffers (spec §3.1, Flink's
 * `SpillingAdaptiveSpanningRecordDeserializer` without the spilling). A record may span any number of buffers,
 * the 4-byte length prefix included. A record that lies in one buffer is read in place; a spanning one is gathered
 * into a reusable, growable spanning buffer, so buffers can be released as soon as their last byte is consumed.
 */
import { IllegalStateError } from '../../core/index.js';
import type { NetworkBuffer } from '../buffer/index.js';
import { MAX_RECORD_BODY_BYTES, RECORD_LENGTH_PREFIX_BYTES, checkRecordHeader, checkRecordLength, getInt32BE } from './record-layout.js';
import type { RecordView } from './record-view.js';

/** What one {@link SpanningRecordDeserializer.getNextRecord} call produced. */
export const DeserializationResult = {
  /** A full record; the current buffer has more bytes, so call again. */
  INTERMEDIATE_RECORD_FROM_BUFFER: 0,
  /**
   * A full record, and the current buffer is fully consumed: process the record, then release the buffer and feed
   * the next one. The deserializer no longer references the buffer.
   */
  LAST_RECORD_FROM_BUFFER: 1,
  /** The current buffer is consumed without completing a record: release it and feed the next one. */
  PARTIAL_RECORD: 2,
} as const;
export type DeserializationResult = (typeof DeserializationResult)[keyof typeof DeserializationResult];

/** True if the result carries a full record in the view. */
export function isFullRecord(result: DeserializationResult): boolean {
  return result !== DeserializationResult.PARTIAL_RECORD;
}

/** True if the result means the current buffer is consumed and must be released by the caller. */
export function isBufferConsumed(result: DeserializationResult): boolean {
  return result !== DeserializationResult.INTERMEDIATE_RECORD_FROM_BUFFER;
}

const NO_RECORD = -1;
const EMPTY = Buffer.alloc(0);
const INITIAL_SPANNING_BYTES = 128;

/** One per input channel. Owns no buffers: the caller releases each one after LAST_RECORD_FROM_BUFFER or PARTIAL_RECORD. */
export class SpanningRecordDeserializer {
  private current: NetworkBuffer | undefined;
  private segment: Buffer = EMPTY;
  private position = 0;
  private limit = 0;
  /** Gathers a length prefix split across buffers. */
  private readonly lengthBytes = Buffer.alloc(RECORD_LENGTH_PREFIX_BYTES);
  private lengthBytesRead = 0;
  /** Body length of the record being read, or NO_RECORD between records. */
  private recordLength = NO_RECORD;
  private spanning = Buffer.alloc(INITIAL_SPANNING_BYTES);
  private spanningBytesRead = 0;

  /**
   * Feeds the next buffer of the channel; its bytes `[readerIndex, size)` are read. The previous buffer must have
   * been consumed (a LAST_RECORD_FROM_BUFFER or PARTIAL_RECORD result).
   */
  setNextBuffer(buffer: NetworkBuffer): void {
    if (this.current !== undefined) {
      throw new IllegalStateError('setNextBuffer while the previous buffer still has unread bytes');
    }
    if (buffer.readerIndex < 0 || buffer.readerIndex > buffer.size || buffer.size > buffer.capacity) {
      throw new IllegalStateError(
        `network buffer with readerIndex ${buffer.readerIndex} and size ${buffer.size} of capacity ${buffer.capacity}`,
      );
    }
    this.current = buffer;
    this.segment = buffer.segment;
    this.position = buffer.readerIndex;
    this.limit = buffer.size;
  }

  /**
   * Reads the next record into `view` (valid until the next call). Throws {@link RecordFormatError} for a
   * negative, too small or absurd (> 64 MiB) length or a key/sequence beyond 2^53; the channel is then corrupt.
   */
  getNextRecord(view: RecordView): DeserializationResult {
    if (this.current === undefined) throw new IllegalStateError('getNextRecord without a buffer: call setNextBuffer first');
    const segment = this.segment;

    if (this.recordLength === NO_RECORD) {
      const available = this.limit - this.position;
      let length: number;
      if (this.lengthBytesRead === 0 && available >= RECORD_LENGTH_PREFIX_BYTES) {
        length = getInt32BE(segment, this.position); // 4 bytes available, checked above
        this.position += RECORD_LENGTH_PREFIX_BYTES;
      } else {
        const n = Math.min(RECORD_LENGTH_PREFIX_BYTES - this.lengthBytesRead, available);
        segment.copy(this.lengthBytes, this.lengthBytesRead, this.position, this.position + n);
        this.position += n;
        this.lengthBytesRead += n;
        if (this.lengthBytesRead < RECORD_LENGTH_PREFIX_BYTES) return this.dropBuffer(DeserializationResult.PARTIAL_RECORD);
        length = this.lengthBytes.readInt32BE(0);
        this.lengthBytesRead = 0;
      }
      checkRecordLength(length);
      this.recordLength = length;
    }

    const length = this.recordLength;
    if (this.spanningBytesRead === 0 && this.limit - this.position >= length) {
      checkRecordHeader(segment, this.position);
      view.set(segment, this.position, length);
      this.position += length;
      this.recordLength = NO_RECORD;
      return this.position === this.limit
        ? this.dropBuffer(DeserializationResult.LAST_RECORD_FROM_BUFFER)
        : DeserializationResult.INTERMEDIATE_RECORD_FROM_BUFFER;
    }

    if (length > this.spanning.length) this.growSpanning(length);
    const n = Math.min(length - this.spanningBytesRead, this.limit - this.position);
    segment.copy(this.spanning, this.spanningBytesRead, this.position, this.position + n);
    this.position += n;
    this.spanningBytesRead += n;
    if (this.spanningBytesRead < length) return this.dropBuffer(DeserializationResult.PARTIAL_RECORD);

    this.spanningBytesRead = 0;
    this.recordLength = NO_RECORD;
    checkRecordHeader(this.spanning, 0);
    view.set(this.spanning, 0, length);
    return this.position === this.limit
      ? this.dropBuffer(DeserializationResult.LAST_RECORD_FROM_BUFFER)
      : DeserializationResult.INTERMEDIATE_RECORD_FROM_BUFFER;
  }

  /**
   * True if bytes of the current buffer are unread or a record is partly gathered (Flink's `hasUnfinishedData`);
   * at the end of a channel this means the stream was cut inside a record.
   */
  hasUnfinishedData(): boolean {
    return (
      (this.current !== undefined && this.position < this.limit) ||
      this.lengthBytesRead > 0 ||
      this.recordLength !== NO_RECORD
    );
  }

  /**
   * The raw bytes this deserializer holds but has not turned into records yet: a partly gathered length prefix or
   * record (prefix included) and the unread rest of the current buffer. Unaligned checkpoints persist them as the
   * start of the channel's in-flight data.
   */
  unconsumedBytes(): Buffer {
    const parts: Buffer[] = [];
    if (this.recordLength !== NO_RECORD) {
      const prefix = Buffer.allocUnsafe(RECORD_LENGTH_PREFIX_BYTES);
      prefix.writeInt32BE(this.recordLength, 0);
      parts.push(prefix, this.spanning.subarray(0, this.spanningBytesRead));
    } else if (this.lengthBytesRead > 0) {
      parts.push(this.lengthBytes.subarray(0, this.lengthBytesRead));
    }
    if (this.current !== undefined && this.position < this.limit) parts.push(this.segment.subarray(this.position, this.limit));
    return Buffer.concat(parts);
  }

  /** Capacity of the spanning buffer in bytes: it grows to the largest spanning record and is then reused. */
  get spanningCapacityBytes(): number {
    return this.spanning.length;
  }

  /**
   * Drops any partial record and forgets the current buffer, which it returns (if one was not yet consumed) so the
   * caller can release it. Used when a channel is released or recovers.
   */
  clear(): NetworkBuffer | undefined {
    const unconsumed = this.current;
    this.current = undefined;
    this.segment = EMPTY;
    this.position = 0;
    this.limit = 0;
    this.lengthBytesRead = 0;
    this.recordLength = NO_RECORD;
    this.spanningBytesRead = 0;
    return unconsumed;
  }

  private dropBuffer(result: DeserializationResult): DeserializationResult {
    this.current = undefined;
    this.segment = EMPTY;
    this.position = 0;
    this.limit = 0;
    return result;
  }

  private growSpanning(minBytes: number): void {
    const grown = Buffer.allocUnsafe(Math.max(minBytes, Math.min(this.spanning.length * 2, MAX_RECORD_BODY_BYTES)));
    this.spanning.copy(grown, 0, 0, this.spanningBytesRead);
    this.spanning = grown;
  }
}
