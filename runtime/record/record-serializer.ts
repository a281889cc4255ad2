/**
 * Writes flowlab records (layout in `record-layout.ts`) without allocating per record: into a reusable, growable
 * scratch buffer ({@link RecordSerializer.serialize}) or straight into a network buffer's segment when the record
 * fits ({@link RecordSerializer.serializeInto}). Payload bytes come from a fixed template filled once from a seeded
 * random source, so a record's payload is one memcpy and a run's bytes replay from its seed.
 */
import { SeededRandom } from '../../core/index.js';
import {
  MAX_RECORD_BODY_BYTES,
  MAX_RECORD_LONG,
  MAX_SOURCE_SUBTASK,
  RECORD_HEADER_BYTES,
  RECORD_INTENDED_EMIT_TIME_OFFSET,
  RECORD_KEY_OFFSET,
  RECORD_LENGTH_PREFIX_BYTES,
  RECORD_SEQUENCE_OFFSET,
  RECORD_SOURCE_SUBTASK_OFFSET,
  putDoubleBE,
  putInt32BE,
  writeSafeLongBE,
} from './record-layout.js';
import { RecordFormatError } from './record-format-error.js';

export interface RecordSerializerOptions {
  /**
   * Seed of the payload template's bytes.
   * @default 0
   */
  seed?: number;
  /**
   * Initial size of the scratch buffer in bytes (Flink's serialization buffer starts at 128 B); it grows to the
   * largest record serialized.
   * @default 128
   */
  initialCapacityBytes?: number;
}

const DEFAULT_INITIAL_CAPACITY_BYTES = 128;

export class RecordSerializer {
  private scratchBuffer: Buffer;
  private payloadTemplate: Buffer;
  /** The template's first `payloadViewBytes` bytes (records of one stream mostly share a size). */
  private payloadView: Buffer = Buffer.alloc(0);
  private payloadViewBytes = 0;
  private readonly random: SeededRandom;

  constructor(options: RecordSerializerOptions = {}) {
    const initialCapacityBytes = options.initialCapacityBytes ?? DEFAULT_INITIAL_CAPACITY_BYTES;
    if (!Number.isSafeInteger(initialCapacityBytes) || initialCapacityBytes < RECORD_LENGTH_PREFIX_BYTES + RECORD_HEADER_BYTES) {
      throw new RecordFormatError(
        'serializer initial capacity',
        initialCapacityBytes,
        `an integer of at least ${RECORD_LENGTH_PREFIX_BYTES + RECORD_HEADER_BYTES} bytes`,
      );
    }
    this.random = new SeededRandom(options.seed ?? 0);
    this.scratchBuffer = Buffer.allocUnsafe(initialCapacityBytes);
    this.payloadTemplate = Buffer.alloc(0);
    this.growPayloadTemplate(initialCapacityBytes - RECORD_LENGTH_PREFIX_BYTES - RECORD_HEADER_BYTES);
  }

  /**
   * The scratch buffer {@link serialize} writes into (from offset 0). Read it after each call: it is replaced when
   * a larger record comes, and overwritten by the next record.
   */
  get scratch(): Buffer {
    return this.scratchBuffer;
  }

  /**
   * Serializes one record (length prefix + body) into {@link scratch} at offset 0 and returns its total length in
   * bytes (`4 + bodySizeBytes`).
   * @param key non-negative safe integer
   * @param sequence per-key sequence number, non-negative safe integer
   * @param sourceSubtask non-negative int32
   * @param intendedEmitTimeUs epoch microseconds
   * @param bodySizeBytes header + payload, between 28 and 64 MiB
   */
  serialize(key: number, sequence: number, sourceSubtask: number, intendedEmitTimeUs: number, bodySizeBytes: number): number {
    checkFields(key, sequence, sourceSubtask, bodySizeBytes);
    const totalBytes = RECORD_LENGTH_PREFIX_BYTES + bodySizeBytes;
    if (totalBytes > this.scratchBuffer.length) {
      this.scratchBuffer = Buffer.allocUnsafe(Math.max(totalBytes, Math.min(this.scratchBuffer.length * 2, RECORD_LENGTH_PREFIX_BYTES + MAX_RECORD_BODY_BYTES)));
    }
    this.write(this.scratchBuffer, 0, key, sequence, sourceSubtask, intendedEmitTimeUs, bodySizeBytes);
    return totalBytes;
  }

  /**
   * Fast path: serializes one record straight into `target` at `offset` if all `4 + bodySizeBytes` bytes fit
   * before `target.length`, and returns the bytes written; returns 0 and writes nothing if it does not fit (then
   * use {@link serialize} and copy the record across buffers). Produces the same bytes as {@link serialize}.
   */
  serializeInto(
    target: Buffer,
    offset: number,
    key: number,
    sequence: number,
    sourceSubtask: number,
    intendedEmitTimeUs: number,
    bodySizeBytes: number,
  ): number {
    checkFields(key, sequence, sourceSubtask, bodySizeBytes);
    const totalBytes = RECORD_LENGTH_PREFIX_BYTES + bodySizeBytes;
    if (offset < 0 || offset + totalBytes > target.length) return 0;
    this.write(target, offset, key, sequence, sourceSubtask, intendedEmitTimeUs, bodySizeBytes);
    return totalBytes;
  }

  private write(
    target: Buffer,
    offset: number,
    key: number,
    sequence: number,
    sourceSubtask: number,
    intendedEmitTimeUs: number,
    bodySizeBytes: number,
  ): void {
    const payloadBytes = bodySizeBytes - RECORD_HEADER_BYTES;
    if (payloadBytes > this.payloadTemplate.length) this.growPayloadTemplate(payloadBytes);
    const body = offset + RECORD_LENGTH_PREFIX_BYTES;
    // byte stores: both callers checked that the whole record fits (Buffer#write*BE's checks cost more than the writes)
    putInt32BE(target, offset, bodySizeBytes);
    writeSafeLongBE(target, body + RECORD_KEY_OFFSET, key);
    writeSafeLongBE(target, body + RECORD_SEQUENCE_OFFSET, sequence);
    putInt32BE(target, body + RECORD_SOURCE_SUBTASK_OFFSET, sourceSubtask);
    putDoubleBE(target, body + RECORD_INTENDED_EMIT_TIME_OFFSET, intendedEmitTimeUs);
    if (payloadBytes !== this.payloadViewBytes) {
      this.payloadView = this.payloadTemplate.subarray(0, payloadBytes);
      this.payloadViewBytes = payloadBytes;
    }
    // TypedArray#set with a kept view: a third of Buffer#copy's cost for the small payloads of a record stream
    target.set(this.payloadView, body + RECORD_HEADER_BYTES);
  }

  /** Extends the template by continuing the random stream, so its bytes never depend on the growth history. */
  private growPayloadTemplate(minBytes: number): void {
    const old = this.payloadTemplate;
    const grown = Buffer.allocUnsafe(Math.max(minBytes, Math.min(old.length * 2, MAX_RECORD_BODY_BYTES)));
    old.copy(grown, 0);
    this.random.fill(grown.subarray(old.length));
    this.payloadTemplate = grown;
    this.payloadViewBytes = -1;
  }
}

function checkFields(key: number, sequence: number, sourceSubtask: number, bodySizeBytes: number): void {
  if (!Number.isSafeInteger(key) || key < 0) throw new RecordFormatError('key', key, `an integer between 0 and ${MAX_RECORD_LONG}`);
  if (!Number.isSafeInteger(sequence) || sequence < 0) {
    throw new RecordFormatError('sequence', sequence, `an integer between 0 and ${MAX_RECORD_LONG}`);
  }
  if (!Number.isInteger(sourceSubtask) || sourceSubtask < 0 || sourceSubtask > MAX_SOURCE_SUBTASK) {
    throw new RecordFormatError('sourceSubtask', sourceSubtask, `an integer between 0 and ${MAX_SOURCE_SUBTASK}`);
  }
  if (!Number.isInteger(bodySizeBytes) || bodySizeBytes < RECORD_HEADER_BYTES || bodySizeBytes > MAX_RECORD_BODY_BYTES) {
    throw new RecordFormatError('body size', bodySizeBytes, `an integer between ${RECORD_HEADER_BYTES} and ${MAX_RECORD_BODY_BYTES} bytes`);
  }
}
