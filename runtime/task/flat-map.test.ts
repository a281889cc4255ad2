import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidJobGraphError, validateJobGraph } from '../job/index.js';
import { createChannelSelector } from '../partition/selectors/index.js';
import { RecordView, SpanningRecordDeserializer, DeserializationResult } from '../record/index.js';
import { unpooledBuffer, DataType } from '../buffer/index.js';
import { startEnvironment } from '../test-support/environment.js';
import { RecordWriter } from '../writer/index.js';
import { FlatMapProcessor } from './record-processor.js';

const FAN_OUT = 100;
const RECORD_SIZE = 100;

function input(key: number, sequence: number): RecordView {
  const body = Buffer.alloc(28);
  body.writeUInt32BE(0, 0);
  body.writeUInt32BE(key, 4);
  body.writeUInt32BE(0, 8);
  body.writeUInt32BE(sequence, 12);
  body.writeInt32BE(1, 16);
  body.writeDoubleBE(1e15, 20);
  return new RecordView().set(body, 0, body.length);
}

async function run(overdraft: number): Promise<{ buffersBeforeStall: number; sequences: number[] }> {
  await using env = await startEnvironment({ 'taskmanager.network.memory.max-overdraft-buffers-per-gate': overdraft });
  const partition = env.createResultPartition({ numSubpartitions: 1 });
  const subpartition = partition.subpartitions[0]!;
  subpartition.bufferSizeBytes = 256; // debloated to the floor
  const writer = new RecordWriter(partition, createChannelSelector('forward'));
  const flatMap = new FlatMapProcessor({ fanOut: FAN_OUT, recordSize: RECORD_SIZE, costUs: 0 }, () => 0);
  flatMap.process(input(7, 3), writer);
  // 100 × 104 B in 256 B buffers needs ~41 buffers; the pool has 10 (+ overdraft): a record is left half-written
  assert.equal(flatMap.hasPendingOutput, true);
  assert.equal(partition.isHardBackPressured, true);
  const buffersBeforeStall = partition.pool.usedSegments;
  // the consumer takes buffers; each completed record lets the flat map go on
  const bytes: Buffer[] = [];
  for (;;) {
    partition.flush(0);
    const next = subpartition.pollBuffer();
    if (next) {
      bytes.push(Buffer.from(next.buffer.segment.subarray(next.offset, next.offset + next.length)));
      next.buffer.release();
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (flatMap.hasPendingOutput && !partition.isHardBackPressured) flatMap.continueOutput(writer);
    if (!next && !flatMap.hasPendingOutput && !partition.isHardBackPressured) break;
  }
  const deserializer = new SpanningRecordDeserializer();
  deserializer.setNextBuffer(unpooledBuffer(Buffer.concat(bytes), DataType.DATA_BUFFER));
  const view = new RecordView();
  const sequences: number[] = [];
  for (;;) {
    const r = deserializer.getNextRecord(view);
    if (r === DeserializationResult.PARTIAL_RECORD) break;
    assert.equal(view.key, 7);
    assert.equal(view.bodySize, RECORD_SIZE);
    sequences.push(view.sequence);
    if (r === DeserializationResult.LAST_RECORD_FROM_BUFFER) break;
  }
  partition.release();
  return { buffersBeforeStall, sequences };
}

test('flatMap: one input becomes fanOut records (sequence input × fanOut + i), written past soft backpressure until a record waits for a buffer; overdraft buffers take it further', async () => {
  const without = await run(0);
  const withOverdraft = await run(5);
  const expected = Array.from({ length: FAN_OUT }, (_, i) => 3 * FAN_OUT + i);
  assert.deepEqual(without.sequences, expected, 'every output in order, none lost or doubled across the stall');
  assert.deepEqual(withOverdraft.sequences, expected);
  assert.equal(withOverdraft.buffersBeforeStall - without.buffersBeforeStall, 5, '5 overdraft buffers borrowed before the stall');
});

test('flatMap parameters are validated, naming the vertex', () => {
  const graph = (flatMap: Record<string, unknown>) => ({
    name: 'j',
    vertices: [
      { id: 'source', operator: 'source' as const, parallelism: 1 },
      { id: 'fm', operator: 'flatMap' as const, parallelism: 1, flatMap },
      { id: 'sink', operator: 'sink' as const, parallelism: 1 },
    ],
    edges: [
      { from: 'source', to: 'fm', partitioner: 'forward' as const },
      { from: 'fm', to: 'sink', partitioner: 'forward' as const },
    ],
  });
  assert.deepEqual(validateJobGraph(graph({ fanOut: 8 })).vertices[1]!.flatMap, { fanOut: 8, recordSize: 100, costUs: 0 });
  for (const bad of [{ fanOut: 0 }, { fanOut: 1.5 }, { recordSize: 10 }, { costUs: -1 }]) {
    assert.throws(() => validateJobGraph(graph(bad)), (e: unknown) => e instanceof InvalidJobGraphError && e.element === 'vertex fm');
  }
});
