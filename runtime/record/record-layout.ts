/**
 * flowlab's synthetic binary record (DESIGN.md §2 "Records", spec §3.1).
 *
 * On the wire a record is `[length:int32 BE][length bytes of body]` (Flink's length prefix; `length` excludes
 * the 4 prefix bytes). The body is a fixed 28-byte header followed by payload bytes:
 *
 * | offset | bytes | field |
 * |---|---|---|
 * | 0 | 8 | key, int64 BE (a non-negative safe integer in JS) |
 * | 8 | 8 | sequence number per key, int64 BE (a non-negative safe integer in JS) |
 * | 16 | 4 | source subtask, int32 BE (non-negative) |
 * | 20 | 8 | intended emit time, float64 BE, epoch microseconds |
 * | 28 | n | payload |
 *
 * A record's size in flowlab is its body size (header + payload), at least {@link RECORD_HEADER_BYTES}.
 */
import { RecordFormatError } from './record-format-error.js';

/** Bytes of the length prefix in front of every record body. */
export const RECORD_LENGTH_PREFIX_BYTES = 4;
export const RECORD_KEY_OFFSET = 0;
export const RECORD_SEQUENCE_OFFSET = 8;
export const RECORD_SOURCE_SUBTASK_OFFSET = 16;
export const RECORD_INTENDED_EMIT_TIME_OFFSET = 20;
/** Bytes of the fixed header at the start of every body; also the smallest valid body. */
export const RECORD_HEADER_BYTES = 28;
/** Largest body a deserializer accepts (64 MiB); anything larger is treated as a corrupt length. */
export const MAX_RECORD_BODY_BYTES = 64 * 1024 * 1024;
/** Largest key or sequence number: the 64-bit fields carry JS safe integers (< 2^53). */
export const MAX_RECORD_LONG = Number.MAX_SAFE_INTEGER;
/** Largest source subtask index (int32). */
export const MAX_SOURCE_SUBTASK = 0x7fff_ffff;

const TWO_POW_32 = 4_294_967_296;
/** The high 32-bit word of a safe integer is below 2^21. */
const MAX_SAFE_HIGH_WORD = 0x1f_ffff;

/** Body bytes (header + payload) of a record carrying `payloadBytes` payload bytes. */
export function recordBodySize(payloadBytes: number): number {
  if (!Number.isSafeInteger(payloadBytes) || payloadBytes < 0 || payloadBytes > MAX_RECORD_BODY_BYTES - RECORD_HEADER_BYTES) {
    throw new RecordFormatError('payload size', payloadBytes, `an integer between 0 and ${MAX_RECORD_BODY_BYTES - RECORD_HEADER_BYTES} bytes`);
  }
  return RECORD_HEADER_BYTES + payloadBytes;
}

/** Bytes a record of `bodySizeBytes` takes on the wire (length prefix included). */
export function serializedRecordLength(bodySizeBytes: number): number {
  return RECORD_LENGTH_PREFIX_BYTES + bodySizeBytes;
}

/**
 * Writes a 32-bit integer BE (signed or unsigned: the low 32 bits of `value`) with plain byte stores. No range or
 * bounds checks — the caller has checked that `offset + 4 <= target.length` — which is what makes it several times
 * cheaper than `Buffer#writeInt32BE` on the per-record path.
 */
export function putInt32BE(target: Uint8Array, offset: number, value: number): void {
  target[offset] = value >>> 24;
  target[offset + 1] = value >>> 16;
  target[offset + 2] = value >>> 8;
  target[offset + 3] = value;
}

/** Writes a non-negative safe integer as int64 BE (high and low 32-bit words); bounds as {@link putInt32BE}. */
export function writeSafeLongBE(target: Uint8Array, offset: number, value: number): void {
  putInt32BE(target, offset, Math.floor(value / TWO_POW_32));
  putInt32BE(target, offset + 4, value >>> 0);
}

const doubleScratch = new Float64Array(1);
const doubleBytes = new Uint8Array(doubleScratch.buffer);
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Writes a float64 BE with byte stores (same bytes as `Buffer#writeDoubleBE`); bounds as {@link putInt32BE}. */
export function putDoubleBE(target: Uint8Array, offset: number, value: number): void {
  doubleScratch[0] = value;
  if (HOST_LITTLE_ENDIAN) {
    for (let i = 0; i < 8; i++) target[offset + i] = doubleBytes[7 - i]!;
  } else {
    for (let i = 0; i < 8; i++) target[offset + i] = doubleBytes[i]!;
  }
}

/**
 * Reads a uint32 BE with plain byte loads; the caller has checked that `offset + 4 <= source.length` (out of range
 * reads yield garbage, not an error — the per-record path cannot afford `Buffer#readUInt32BE`'s checks).
 */
export function getUint32BE(source: Uint8Array, offset: number): number {
  return ((source[offset]! << 24) | (source[offset + 1]! << 16) | (source[offset + 2]! << 8) | source[offset + 3]!) >>> 0;
}

/** Reads an int32 BE with plain byte loads; bounds as {@link getUint32BE}. */
export function getInt32BE(source: Uint8Array, offset: number): number {
  return (source[offset]! << 24) | (source[offset + 1]! << 16) | (source[offset + 2]! << 8) | source[offset + 3]!;
}

/** Reads an int64 BE written by {@link writeSafeLongBE}. Exact only if the high word is at most 2^21 − 1. */
export function readSafeLongBE(source: Uint8Array, offset: number): number {
  return getUint32BE(source, offset) * TWO_POW_32 + getUint32BE(source, offset + 4);
}

/** Throws {@link RecordFormatError} unless a body length read from the wire is within [header, 64 MiB]. */
export function checkRecordLength(length: number): void {
  if (length < RECORD_HEADER_BYTES) {
    throw new RecordFormatError(
      'length',
      length,
      length < 0
        ? `a non-negative body length (a negative length means a corrupt stream)`
        : `a body of at least the ${RECORD_HEADER_BYTES}-byte header`,
    );
  }
  if (length > MAX_RECORD_BODY_BYTES) {
    throw new RecordFormatError('length', length, `at most ${MAX_RECORD_BODY_BYTES} bytes (64 MiB)`);
  }
}

/**
 * Throws {@link RecordFormatError} unless the header of the body at `source[offset..]` holds a key and sequence
 * below 2^53 and a non-negative source subtask. The length must already have passed {@link checkRecordLength}.
 */
export function checkRecordHeader(source: Buffer, offset: number): void {
  if (offset < 0 || offset + RECORD_HEADER_BYTES > source.length) {
    throw new RecordFormatError('header', source.length - offset, `${RECORD_HEADER_BYTES} bytes inside the buffer`);
  }
  const keyHigh = getUint32BE(source, offset + RECORD_KEY_OFFSET);
  if (keyHigh > MAX_SAFE_HIGH_WORD) {
    throw new RecordFormatError('key high word', keyHigh, `at most ${MAX_SAFE_HIGH_WORD} (keys are below 2^53)`);
  }
  const sequenceHigh = getUint32BE(source, offset + RECORD_SEQUENCE_OFFSET);
  if (sequenceHigh > MAX_SAFE_HIGH_WORD) {
    throw new RecordFormatError('sequence high word', sequenceHigh, `at most ${MAX_SAFE_HIGH_WORD} (sequence numbers are below 2^53)`);
  }
  const subtask = getInt32BE(source, offset + RECORD_SOURCE_SUBTASK_OFFSET);
  if (subtask < 0) throw new RecordFormatError('sourceSubtask', subtask, 'a non-negative int32');
}
