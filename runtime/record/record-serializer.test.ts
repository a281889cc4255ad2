import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MAX_RECORD_BODY_BYTES,
  MAX_SOURCE_SUBTASK,
  RECORD_HEADER_BYTES,
  RecordFormatError,
  RecordSerializer,
  recordBodySize,
  serializedRecordLength,
} from './index.js';

const fieldsArb = fc.record({
  key: fc.maxSafeNat(),
  sequence: fc.maxSafeNat(),
  sourceSubtask: fc.integer({ min: 0, max: MAX_SOURCE_SUBTASK }),
  intendedEmitTimeUs: fc.double(),
  bodySizeBytes: fc.integer({ min: RECORD_HEADER_BYTES, max: 700 }),
});

describe('record layout', () => {
  it('has a 28-byte header and sizes bodies as header + payload', () => {
    assert.equal(RECORD_HEADER_BYTES, 28);
    assert.equal(recordBodySize(0), 28);
    assert.equal(recordBodySize(100), 128);
    assert.equal(serializedRecordLength(recordBodySize(100)), 132);
    assert.throws(() => recordBodySize(-1), RecordFormatError);
    assert.throws(() => recordBodySize(1.5), RecordFormatError);
  });

  it('writes the golden bytes: BE length, key and sequence as hi/lo words, int32 subtask, float64 time', () => {
    const serializer = new RecordSerializer({ seed: 7 });
    const length = serializer.serialize(0x1_0000_0002, 3, 7, 1.5, 30);
    assert.equal(length, 34);
    const header = serializer.scratch.subarray(0, 32).toString('hex');
    assert.equal(
      header,
      '0000001e' + '0000000100000002' + '0000000000000003' + '00000007' + '3ff8000000000000',
    );
  });

  it("writes every header field with the same bytes as Buffer's checked BE writers", () => {
    fc.assert(
      fc.property(fieldsArb, fc.integer({ min: 0, max: 64 }), (f, offset) => {
        const serializer = new RecordSerializer();
        const target = Buffer.alloc(offset + 4 + f.bodySizeBytes);
        serializer.serializeInto(target, offset, f.key, f.sequence, f.sourceSubtask, f.intendedEmitTimeUs, f.bodySizeBytes);
        const expected = Buffer.alloc(32);
        expected.writeInt32BE(f.bodySizeBytes, 0);
        expected.writeUInt32BE(Math.floor(f.key / 2 ** 32), 4);
        expected.writeUInt32BE(f.key >>> 0, 8);
        expected.writeUInt32BE(Math.floor(f.sequence / 2 ** 32), 12);
        expected.writeUInt32BE(f.sequence >>> 0, 16);
        expected.writeInt32BE(f.sourceSubtask, 20);
        expected.writeDoubleBE(f.intendedEmitTimeUs, 24);
        assert.equal(target.subarray(offset, offset + 32).toString('hex'), expected.toString('hex'));
      }),
      { numRuns: 500 },
    );
  });
});

describe('RecordSerializer', () => {
  it('serializeInto writes the same bytes as serialize, at any offset that fits', () => {
    fc.assert(
      fc.property(fieldsArb, fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 16 }), (f, offset, slack) => {
        const a = new RecordSerializer({ seed: 1 });
        const b = new RecordSerializer({ seed: 1 });
        const total = a.serialize(f.key, f.sequence, f.sourceSubtask, f.intendedEmitTimeUs, f.bodySizeBytes);
        const target = Buffer.alloc(offset + total + slack, 0x5a);
        const written = b.serializeInto(target, offset, f.key, f.sequence, f.sourceSubtask, f.intendedEmitTimeUs, f.bodySizeBytes);
        assert.equal(written, total);
        assert.ok(target.subarray(offset, offset + total).equals(a.scratch.subarray(0, total)));
        assert.ok(target.subarray(0, offset).every((x) => x === 0x5a));
        assert.ok(target.subarray(offset + total).every((x) => x === 0x5a));
      }),
    );
  });

  it('serializeInto returns 0 and writes nothing when the record does not fit', () => {
    fc.assert(
      fc.property(fieldsArb, fc.integer({ min: 1, max: 40 }), (f, short) => {
        const serializer = new RecordSerializer();
        const total = serializedRecordLength(f.bodySizeBytes);
        const target = Buffer.alloc(Math.max(0, total - short), 0x5a);
        assert.equal(serializer.serializeInto(target, 0, f.key, f.sequence, f.sourceSubtask, f.intendedEmitTimeUs, f.bodySizeBytes), 0);
        assert.ok(target.every((x) => x === 0x5a));
        const roomy = Buffer.alloc(total + 4);
        assert.equal(serializer.serializeInto(roomy, 5, f.key, f.sequence, f.sourceSubtask, f.intendedEmitTimeUs, f.bodySizeBytes), 0);
      }),
    );
  });

  it('reuses its scratch buffer and grows it only for a larger record', () => {
    const serializer = new RecordSerializer({ initialCapacityBytes: 128 });
    const first = serializer.scratch;
    assert.equal(first.length, 128);
    for (let body = RECORD_HEADER_BYTES; body <= 124; body++) serializer.serialize(1, body, 0, 0, body);
    assert.equal(serializer.scratch, first);
    serializer.serialize(1, 1, 0, 0, 125);
    const grown = serializer.scratch;
    assert.notEqual(grown, first);
    assert.ok(grown.length >= 129);
    serializer.serialize(1, 2, 0, 0, RECORD_HEADER_BYTES);
    serializer.serialize(1, 3, 0, 0, 125);
    assert.equal(serializer.scratch, grown);
  });

  it('fills payloads from a seeded template whose bytes do not depend on how it grew', () => {
    const grownStepwise = new RecordSerializer({ seed: 42, initialCapacityBytes: 32 });
    for (let body = RECORD_HEADER_BYTES; body < 3000; body += 97) grownStepwise.serialize(0, 0, 0, 0, body);
    const total = grownStepwise.serialize(0, 0, 0, 0, 5000);
    const direct = new RecordSerializer({ seed: 42, initialCapacityBytes: 32 });
    direct.serialize(0, 0, 0, 0, 5000);
    assert.ok(grownStepwise.scratch.subarray(0, total).equals(direct.scratch.subarray(0, total)));

    const otherSeed = new RecordSerializer({ seed: 43 });
    otherSeed.serialize(0, 0, 0, 0, 5000);
    assert.ok(!otherSeed.scratch.subarray(0, total).equals(direct.scratch.subarray(0, total)));
  });

  it('rejects fields that do not fit the layout with a RecordFormatError naming the field', () => {
    const serializer = new RecordSerializer();
    const cases: [string, () => number][] = [
      ['key', () => serializer.serialize(-1, 0, 0, 0, 28)],
      ['key', () => serializer.serialize(2 ** 53, 0, 0, 0, 28)],
      ['sequence', () => serializer.serialize(0, 0.5, 0, 0, 28)],
      ['sourceSubtask', () => serializer.serialize(0, 0, -1, 0, 28)],
      ['sourceSubtask', () => serializer.serialize(0, 0, 2 ** 31, 0, 28)],
      ['body size', () => serializer.serialize(0, 0, 0, 0, 27)],
      ['body size', () => serializer.serialize(0, 0, 0, 0, MAX_RECORD_BODY_BYTES + 1)],
      ['body size', () => serializer.serializeInto(Buffer.alloc(64), 0, 0, 0, 0, 0, 10)],
    ];
    for (const [field, fn] of cases) {
      assert.throws(fn, (error: unknown) => {
        assert.ok(error instanceof RecordFormatError);
        assert.equal(error.code, 'ERR_RECORD_FORMAT');
        assert.equal(error.field, field);
        assert.match(error.message, new RegExp(field));
        return true;
      });
    }
  });
});
