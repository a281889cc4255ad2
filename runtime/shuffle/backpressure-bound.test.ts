import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectGate, drain, lengthPrefixed, startPair } from '../test-support/network-fixture.js';
import { settle } from '../test-support/environment.js';

const SEGMENT = 4096;
/** Backpressure must stop the writer long before this many records. */
const MAX_RECORDS = 20_000;

test('sustained backpressure: in-flight data stays within max-buffers-per-channel + exclusive + floating, and the producer blocks', async () => {
  await using pair = await startPair({ 'taskmanager.memory.segment-size': '4kb' });
  const config = pair.producer.config;
  const maxPerChannel = config['taskmanager.network.memory.max-buffers-per-channel'];
  const exclusive = config['taskmanager.network.memory.buffers-per-channel'];
  const floating = config['taskmanager.network.memory.floating-buffers-per-gate'];
  const bound = (maxPerChannel + exclusive + floating + 1) * SEGMENT;

  const partition = pair.producer.createResultPartition({ numSubpartitions: 1 });
  const gate = await connectGate(pair, partition);
  const sub = partition.subpartitions[0]!;
  const channel = gate.channels[0]!;

  const records: Buffer[] = [];
  let blockedCount = 0;
  let limit = MAX_RECORDS;
  const emit = (): void => {
    while (records.length < limit) {
      const r = lengthPrefixed(996 + (records.length % 3) * 500, records.length & 0xff);
      records.push(r);
      if (!partition.emitRecord(r, r.length, 0)) {
        blockedCount++;
        partition.onAvailable(emit);
        return;
      }
    }
  };

  let maxInFlight = 0;
  const sample = (): void => {
    maxInFlight = Math.max(maxInFlight, sub.queuedBytes + channel.queuedBuffers * SEGMENT);
  };
  const sampler = setInterval(sample, 2);
  try {
    emit();
    // the consumer drains nothing for a while
    let last = -1;
    for (let i = 0; i < 40 && records.length !== last; i++) {
      last = records.length;
      await settle(50);
    }
    sample();
    await settle(200);
    sample();
    assert.ok(records.length < MAX_RECORDS, `the writer was stopped by backpressure (wrote ${records.length} records)`);
    assert.equal(partition.isAvailable(), false, 'the producer is backpressured');
    assert.ok(blockedCount > 0);
    assert.ok(channel.queuedBuffers > 0, 'the consumer holds buffers it did not process');
    assert.ok(maxInFlight <= bound, `in flight ${maxInFlight} B > bound ${bound} B`);
    const writtenBeforeDrain = records.length;
    await settle(100);
    assert.equal(records.length, writtenBeforeDrain, 'the writer stays blocked while nothing drains');
  } finally {
    clearInterval(sampler);
  }

  // now drain: everything written arrives intact, then stop the writer
  const stopAt = records.length + 200;
  limit = stopAt;
  const expectedLength = (): number => records.reduce((n, r) => n + r.length, 0);
  const drained = drain(gate, (d) => records.length >= stopAt && d.data[0]!.length >= expectedLength(), {
    timeoutMs: 30_000,
  });
  const ticker = setInterval(() => partition.flushAll(), 5);
  try {
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (records.length >= stopAt) resolve();
        else setTimeout(check, 5);
      };
      check();
    });
    const got = await drained;
    assert.deepEqual(got.data[0], Buffer.concat(records));
  } finally {
    clearInterval(ticker);
  }
});
