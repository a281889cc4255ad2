import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigInput } from '../../core/index.js';
import type { ResultPartition } from '../partition/index.js';
import { recomputeSample } from '../throughput/index.js';
import { connectGate, drain, eventually, lengthPrefixed, startPair } from '../test-support/network-fixture.js';

const RECORD_BODY = 100;

/** Emits `count` records to subpartition 0, waiting for the output when it is unavailable; returns the bytes sent. */
function emitRecords(partition: ResultPartition, count: number): Promise<Buffer> {
  const sent: Buffer[] = [];
  return new Promise((resolve) => {
    const emitSome = (): void => {
      while (sent.length < count) {
        const record = lengthPrefixed(RECORD_BODY, sent.length & 0xff);
        sent.push(record);
        if (!partition.emitRecord(record, record.length, 0)) {
          partition.onAvailable(emitSome);
          return;
        }
      }
      partition.flushAll();
      resolve(Buffer.concat(sent));
    };
    emitSome();
  });
}

const debloatOn: ConfigInput = {
  'taskmanager.memory.segment-size': '4kb',
  'execution.buffer-timeout': '5 ms',
  'taskmanager.network.memory.buffer-debloat.enabled': true,
};

test('debloating disabled (the default): no NewBufferSize on the wire, buffers are cut at the segment size', async () => {
  await using pair = await startPair({ 'taskmanager.memory.segment-size': '4kb', 'execution.buffer-timeout': '5 ms' });
  const partition = pair.producer.createResultPartition({ numSubpartitions: 1 });
  const gate = await connectGate(pair, partition);
  assert.equal(gate.debloater, undefined);
  const sizes: number[] = [];
  const drained = drain(gate, (d) => d.data[0]!.length >= 200 * (RECORD_BODY + 4), { hold: (b) => (sizes.push(b.size), false) });
  const sent = await emitRecords(partition, 200);
  assert.deepEqual((await drained).data[0], sent);
  assert.equal(gate.triggerDebloating(), undefined, 'nothing to recalculate');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(pair.producer.server.stats.newBufferSizeReceived, 0, 'the producer never received a NewBufferSize');
  assert.equal(partition.subpartitions[0]!.bufferSizeBytes, Number.MAX_SAFE_INTEGER, 'no size limit');
  assert.ok(Math.max(...sizes) > 1024, `full buffers fill the 4 KiB segment: ${Math.max(...sizes)} B`);
});

test('debloating enabled: the gate announces the starting size over NewBufferSize, then what the formula says; the producer cuts buffers at it and records span them', async () => {
  await using pair = await startPair({ ...debloatOn, 'taskmanager.network.memory.buffer-debloat.samples': 1, 'taskmanager.network.memory.buffer-debloat.threshold-percentages': 0 });
  const partition = pair.producer.createResultPartition({ numSubpartitions: 1 });
  const subpartition = partition.subpartitions[0]!;
  // a producer in a debloating cluster starts at the starting size, before any consumer is connected
  assert.equal(subpartition.bufferSizeBytes, 1024);
  subpartition.bufferSizeBytes = Number.MAX_SAFE_INTEGER; // … here forgotten, to see the announcement do it
  const gate = await connectGate(pair, partition);
  // the starting size (1 KiB) is announced when the gate connects
  await eventually(() => pair.producer.server.stats.newBufferSizeReceived === 1, 5000, 'NewBufferSize at the producer');
  assert.equal(subpartition.bufferSizeBytes, 1024);
  assert.equal(gate.debloater?.debloatedBufferSize, 1024);

  // at the starting size: buffers of 1 KiB (104-byte records span them)
  let sizes: number[] = [];
  let drained = drain(gate, (d) => d.data[0]!.length >= 100 * (RECORD_BODY + 4), { hold: (b) => (sizes.push(b.size), false) });
  let sent = await emitRecords(partition, 100);
  assert.deepEqual((await drained).data[0], sent, 'records arrive whole across buffer boundaries');
  assert.equal(Math.max(...sizes), 1024);

  // one recalculation from what the gate measured: samples = 1 (no smoothing, growth capped at 2×), threshold 0
  const sample = gate.triggerDebloating();
  assert.ok(sample, 'a recalculation');
  assert.ok(sample.throughputBytesPerSec > 0, 'the drained bytes were measured');
  assert.deepEqual(recomputeSample(sample, gate.debloater.config), { newSize: sample.newSize, announced: true });
  assert.notEqual(sample.newSize, 1024);
  const size = sample.newSize;
  await eventually(() => subpartition.bufferSizeBytes === size, 5000, `NewBufferSize(${size}) at the producer`);
  assert.equal(pair.producer.server.stats.newBufferSizeReceived, 2);
  assert.equal(gate.debloater?.debloatedBufferSize, size);
  sizes = [];
  drained = drain(gate, (d) => d.data[0]!.length >= 100 * (RECORD_BODY + 4), { hold: (b) => (sizes.push(b.size), false) });
  sent = await emitRecords(partition, 100);
  assert.deepEqual((await drained).data[0], sent);
  // the buffer open at the announcement keeps its old limit; every later one is cut at the new size
  assert.ok(sizes.slice(1).every((n) => n <= size), `buffers cut at the announced ${size} B: ${sizes.join(',')}`);
  assert.ok(sizes.filter((n) => n === size).length >= 2, `full buffers hold exactly ${size} B: ${sizes.join(',')}`);
});

test('a local channel (same TaskManager) gets the announced size directly, without a message', async () => {
  await using pair = await startPair(debloatOn);
  const partition = pair.consumer.createResultPartition({ numSubpartitions: 1 });
  const gate = pair.consumer.createInputGate('local', [{ partitionId: partition.id, subpartitionIndex: 0, producer: pair.consumer.dataAddress, local: true }]);
  await gate.setup();
  assert.equal(partition.subpartitions[0]!.bufferSizeBytes, 1024);
  gate.announceBufferSize(512);
  assert.equal(partition.subpartitions[0]!.bufferSizeBytes, 512);
  assert.equal(pair.consumer.server.stats.newBufferSizeReceived, 0);
  gate.release();
});
