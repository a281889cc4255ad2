import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IllegalStateError } from '../../core/index.js';
import { DataType, NetworkBuffer, unpooledBuffer, type BufferRecycler } from '../buffer/index.js';
import {
  DeserializationResult,
  MAX_RECORD_BODY_BYTES,
  MAX_SOURCE_SUBTASK,
  RECORD_HEADER_BYTES,
  RecordFormatError,
  RecordSerializer,
  RecordView,
  SpanningRecordDeserializer,
  isBufferConsumed,
  isFullRecord,
} from './index.js';

interface Fields {
  key: number;
  sequence: number;
  sourceSubtask: number;
  intendedEmitTimeUs: number;
  payloadBytes: number;
}

const fieldsArb: fc.Arbitrary<Fields> = fc.record({
  key: fc.maxSafeNat(),
  sequence: fc.maxSafeNat(),
  sourceSubtask: fc.integer({ min: 0, max: MAX_SOURCE_SUBTASK }),
  intendedEmitTimeUs: fc.double(),
  payloadBytes: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 400 })),
});

/** Serializes records back to back; returns the stream, each record's end offset and its payload bytes. */
function serializeStream(records: readonly Fields[], seed = 3): { stream: Buffer; ends: Set<number>; payloads: Buffer[] } {
  const serializer = new RecordSerializer({ seed });
  const parts: Buffer[] = [];
  const ends = new Set<number>();
  const payloads: Buffer[] = [];
  let offset = 0;
  for (const r of records) {
    const total = serializer.serialize(r.key, r.sequence, r.sourceSubtask, r.intendedEmitTimeUs, RECORD_HEADER_BYTES + r.payloadBytes);
    parts.push(Buffer.from(serializer.scratch.subarray(0, total)));
    payloads.push(Buffer.from(serializer.scratch.subarray(4 + RECORD_HEADER_BYTES, total)));
    offset += total;
    ends.add(offset);
  }
  return { stream: Buffer.concat(parts), ends, payloads };
}

/** Counts recycles per buffer and scribbles over the segment, as a pool reusing it would. */
class ScribblingRecycler implements BufferRecycler {
  readonly recycled = new Map<NetworkBuffer, number>();
  recycle(buffer: NetworkBuffer): void {
    this.recycled.set(buffer, (this.recycled.get(buffer) ?? 0) + 1);
    buffer.segment.fill(0xee);
  }
}

/** A claimed buffer holding `bytes` at `[lead, lead + bytes.length)` of a larger, garbage-filled segment. */
function bufferOf(bytes: Buffer, recycler: BufferRecycler, lead = 0, trail = 3): NetworkBuffer {
  const segment = Buffer.alloc(lead + bytes.length + trail, 0xab);
  bytes.copy(segment, lead);
  const buffer = new NetworkBuffer(segment).claim(recycler);
  buffer.readerIndex = lead;
  buffer.size = lead + bytes.length;
  return buffer;
}

function recordOf(fields: Partial<Fields>): Buffer {
  const serializer = new RecordSerializer();
  const total = serializer.serialize(
    fields.key ?? 1,
    fields.sequence ?? 2,
    fields.sourceSubtask ?? 3,
    fields.intendedEmitTimeUs ?? 4,
    RECORD_HEADER_BYTES + (fields.payloadBytes ?? 0),
  );
  return Buffer.from(serializer.scratch.subarray(0, total));
}

describe('SpanningRecordDeserializer', () => {
  it('round-trips records split at random buffer boundaries and releases each buffer exactly when consumed', () => {
    fc.assert(
      fc.property(
        fc.array(fieldsArb, { minLength: 1, maxLength: 25 }),
        fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 9 }),
        (records, sizes, fallbackSize, lead) => {
          const { stream, ends, payloads } = serializeStream(records);
          const recycler = new ScribblingRecycler();
          const deserializer = new SpanningRecordDeserializer();
          const view = new RecordView();
          const buffers: NetworkBuffer[] = [];
          let received = 0;
          let position = 0;
          for (let i = 0; position < stream.length; i++) {
            // every cycle through `sizes` ends with a non-empty buffer, so the split terminates
            const cycle = i % (sizes.length + 1);
            const size = Math.min(cycle === sizes.length ? fallbackSize : sizes[cycle]!, stream.length - position);
            const buffer = bufferOf(stream.subarray(position, position + size), recycler, lead);
            buffers.push(buffer);
            position += size;
            deserializer.setNextBuffer(buffer);
            for (;;) {
              const result = deserializer.getNextRecord(view);
              if (isFullRecord(result)) {
                const expected = records[received]!;
                assert.equal(view.key, expected.key);
                assert.equal(view.sequence, expected.sequence);
                assert.equal(view.sourceSubtask, expected.sourceSubtask);
                assert.equal(view.intendedEmitTimeUs, expected.intendedEmitTimeUs);
                assert.equal(view.payloadSize, expected.payloadBytes);
                assert.equal(view.bodySize, RECORD_HEADER_BYTES + expected.payloadBytes);
                const payload = Buffer.alloc(view.payloadSize);
                assert.equal(view.copyPayloadTo(payload, 0), expected.payloadBytes);
                assert.ok(payload.equals(payloads[received]!));
                received++;
              }
              assert.equal(buffer.isRecycled, false);
              if (!isBufferConsumed(result)) continue;
              // the buffer ends exactly where a record ends iff its last byte completed a record
              const completedRecordAtEnd = size > 0 && ends.has(position);
              assert.equal(
                result,
                completedRecordAtEnd ? DeserializationResult.LAST_RECORD_FROM_BUFFER : DeserializationResult.PARTIAL_RECORD,
              );
              buffer.release();
              break;
            }
          }
          assert.equal(received, records.length);
          assert.equal(deserializer.hasUnfinishedData(), false);
          for (const buffer of buffers) assert.equal(recycler.recycled.get(buffer), 1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads a record that lies in one buffer in place, without copying', () => {
    const bytes = Buffer.concat([recordOf({ key: 10 }), recordOf({ key: 11 })]);
    const buffer = unpooledBuffer(bytes, DataType.DATA_BUFFER);
    const deserializer = new SpanningRecordDeserializer();
    const view = new RecordView();
    deserializer.setNextBuffer(buffer);
    assert.equal(deserializer.getNextRecord(view), DeserializationResult.INTERMEDIATE_RECORD_FROM_BUFFER);
    assert.equal(view.key, 10);
    bytes.writeUInt32BE(99, 4 + 4); // the key's low word, in the segment itself
    assert.equal(view.key, 99);
    assert.equal(deserializer.hasUnfinishedData(), true);
    assert.equal(deserializer.getNextRecord(view), DeserializationResult.LAST_RECORD_FROM_BUFFER);
    assert.equal(view.key, 11);
    assert.equal(deserializer.hasUnfinishedData(), false);
  });

  it('gathers a record larger than a buffer and keeps reusing its spanning buffer', () => {
    const records = Array.from({ length: 6 }, (_, i) => ({ key: i, sequence: i, sourceSubtask: 0, intendedEmitTimeUs: i, payloadBytes: 10_000 }));
    const { stream, payloads } = serializeStream(records);
    const recycler = new ScribblingRecycler();
    const deserializer = new SpanningRecordDeserializer();
    const view = new RecordView();
    const payload = Buffer.alloc(10_000);
    const capacities: number[] = [];
    let received = 0;
    for (let position = 0; position < stream.length; position += 64) {
      const buffer = bufferOf(stream.subarray(position, position + 64), recycler);
      deserializer.setNextBuffer(buffer);
      let result: DeserializationResult;
      do {
        result = deserializer.getNextRecord(view);
        if (isFullRecord(result)) {
          assert.equal(view.key, received);
          view.copyPayloadTo(payload, 0);
          assert.ok(payload.equals(payloads[received]!));
          capacities.push(deserializer.spanningCapacityBytes);
          received++;
        }
      } while (!isBufferConsumed(result));
      buffer.release();
    }
    assert.equal(received, 6);
    assert.ok(capacities.every((c) => c === capacities[0] && c >= 10_000 + RECORD_HEADER_BYTES));
  });

  it('guards its buffer protocol', () => {
    const deserializer = new SpanningRecordDeserializer();
    const view = new RecordView();
    assert.throws(() => deserializer.getNextRecord(view), IllegalStateError);
    const record = recordOf({});
    const first = unpooledBuffer(Buffer.concat([record, record]), DataType.DATA_BUFFER);
    deserializer.setNextBuffer(first);
    assert.equal(deserializer.getNextRecord(view), DeserializationResult.INTERMEDIATE_RECORD_FROM_BUFFER);
    assert.throws(() => deserializer.setNextBuffer(unpooledBuffer(record, DataType.DATA_BUFFER)), IllegalStateError);
    assert.equal(deserializer.clear(), first);
    assert.equal(deserializer.hasUnfinishedData(), false);
    assert.equal(deserializer.clear(), undefined);
  });

  it('clear() drops a partial record so the next buffer starts a new one', () => {
    const record = recordOf({ key: 5, payloadBytes: 20 });
    const deserializer = new SpanningRecordDeserializer();
    const view = new RecordView();
    deserializer.setNextBuffer(unpooledBuffer(Buffer.from(record.subarray(0, 2)), DataType.DATA_BUFFER));
    assert.equal(deserializer.getNextRecord(view), DeserializationResult.PARTIAL_RECORD);
    assert.equal(deserializer.hasUnfinishedData(), true);
    deserializer.setNextBuffer(unpooledBuffer(Buffer.from(record.subarray(2, 30)), DataType.DATA_BUFFER));
    assert.equal(deserializer.getNextRecord(view), DeserializationResult.PARTIAL_RECORD);
    assert.equal(deserializer.hasUnfinishedData(), true);
    assert.equal(deserializer.clear(), undefined);
    assert.equal(deserializer.hasUnfinishedData(), false);
    deserializer.setNextBuffer(unpooledBuffer(record, DataType.DATA_BUFFER));
    assert.equal(deserializer.getNextRecord(view), DeserializationResult.LAST_RECORD_FROM_BUFFER);
    assert.equal(view.key, 5);
  });

  describe('format errors', () => {
    function lengthPrefixed(length: number, body = Buffer.alloc(RECORD_HEADER_BYTES)): Buffer {
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(length, 0);
      return Buffer.concat([prefix, body]);
    }

    function expectFormatError(chunks: Buffer[], field: string): void {
      const deserializer = new SpanningRecordDeserializer();
      const view = new RecordView();
      assert.throws(
        () => {
          for (const chunk of chunks) {
            deserializer.setNextBuffer(unpooledBuffer(chunk, DataType.DATA_BUFFER));
            while (!isBufferConsumed(deserializer.getNextRecord(view)));
          }
        },
        (error: unknown) => {
          assert.ok(error instanceof RecordFormatError);
          assert.equal(error.code, 'ERR_RECORD_FORMAT');
          assert.equal(error.field, field);
          return true;
        },
      );
    }

    it('rejects a negative length, also when the prefix is split across buffers', () => {
      expectFormatError([lengthPrefixed(-1)], 'length');
      const bytes = lengthPrefixed(-2_000_000);
      expectFormatError([bytes.subarray(0, 1), bytes.subarray(1, 3), bytes.subarray(3)], 'length');
    });

    it('rejects an absurd length above 64 MiB', () => {
      expectFormatError([lengthPrefixed(MAX_RECORD_BODY_BYTES + 1)], 'length');
    });

    it('rejects a body shorter than the header', () => {
      expectFormatError([lengthPrefixed(RECORD_HEADER_BYTES - 1, Buffer.alloc(RECORD_HEADER_BYTES - 1))], 'length');
      expectFormatError([lengthPrefixed(0, Buffer.alloc(0))], 'length');
    });

    it('rejects a key or sequence beyond 2^53 and a negative source subtask, in place and spanning', () => {
      const badKey = recordOf({});
      badKey.writeUInt32BE(0x0020_0000, 4);
      expectFormatError([badKey], 'key high word');
      expectFormatError([badKey.subarray(0, 10), badKey.subarray(10)], 'key high word');
      const badSequence = recordOf({});
      badSequence.writeUInt32BE(0xffff_ffff, 4 + 8);
      expectFormatError([badSequence], 'sequence high word');
      const badSubtask = recordOf({});
      badSubtask.writeInt32BE(-5, 4 + 16);
      expectFormatError([badSubtask.subarray(0, 30), badSubtask.subarray(30)], 'sourceSubtask');
    });
  });
});

describe('RecordView', () => {
  it('refuses to copy a payload into a target that is too small', () => {
    const record = recordOf({ payloadBytes: 8 });
    const view = new RecordView().set(record, 4, record.length - 4);
    assert.equal(view.payloadSize, 8);
    assert.throws(() => view.copyPayloadTo(Buffer.alloc(7), 0), /8-byte payload/);
    assert.throws(() => view.copyPayloadTo(Buffer.alloc(8), 1), /8-byte payload/);
    assert.equal(view.copyPayloadTo(Buffer.alloc(8), 0), 8);
  });
});
