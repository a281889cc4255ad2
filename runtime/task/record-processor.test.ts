import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordFormatError, RecordView } from '../record/index.js';
import { AggregateProcessor } from './record-processor.js';
import { VerifyingSink } from './verifying-sink.js';

/** A record body with the given header fields (layout of record-layout.ts: key, sequence, source subtask, intended time). */
function record(key: number, sourceSubtask: number): RecordView {
  const body = Buffer.alloc(28);
  body.writeUInt32BE(Math.floor(key / 2 ** 32), 0);
  body.writeUInt32BE(key % 2 ** 32, 4);
  body.writeUInt32BE(0, 8);
  body.writeUInt32BE(1, 12);
  body.writeInt32BE(sourceSubtask, 16);
  body.writeDoubleBE(Date.now() * 1000, 20);
  return new RecordView().set(body, 0, body.length);
}

test('corrupt bytes that parse as a record with an absurd key or source subtask fail the processor, naming the field, instead of growing its tables', () => {
  const sink = new VerifyingSink(() => Date.now() * 1000);
  const aggregate = new AggregateProcessor();
  for (const p of [sink, aggregate]) {
    assert.equal(p.process(record(5, 1), undefined), true);
    assert.throws(() => p.process(record(5, 1_000_000_000), undefined), (e: unknown) => e instanceof RecordFormatError && e.field === 'sourceSubtask');
    assert.throws(() => p.process(record(2 ** 40, 0), undefined), (e: unknown) => e instanceof RecordFormatError && e.field === 'key');
    assert.throws(() => p.process(record(1, -3), undefined), (e: unknown) => e instanceof RecordFormatError && e.field === 'sourceSubtask');
  }
  assert.equal(sink.records, 1, 'the rejected records are not counted');
});
