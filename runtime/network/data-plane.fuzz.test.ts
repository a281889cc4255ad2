// Fuzz (issue 14) over real sockets: a data server fed hostile byte streams, and a consumer whose "producer"
// answers with hostile byte streams. Every failure is a typed FlowlabError on that connection or channel, and
// the process keeps serving: a healthy consumer still gets its records afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FlowlabError, fuzzParameters } from '../../core/index.js';
import { newId16 } from '../partition/index.js';
import { frameStream } from '../test-support/frame-arbitraries.js';
import { connectRaw, RawServer } from '../test-support/raw-peer.js';
import { drain, eventually, lengthPrefixed, startPair } from '../test-support/network-fixture.js';
import { startEnvironment } from '../test-support/environment.js';
import { encodePartitionRequest } from './index.js';

test('fuzz: a data server fed hostile frames reports only typed errors and keeps serving', async () => {
  await using pair = await startPair({ 'execution.buffer-timeout': '0' });
  const { producer } = pair;
  const partition = producer.createResultPartition({ numSubpartitions: 1 });
  const gate = pair.consumer.createInputGate('healthy', [{ partitionId: partition.id, subpartitionIndex: 0, producer: producer.dataAddress }]);
  await gate.setup();
  const errors: Error[] = [];
  producer.server.on('connection-error', (error: Error) => errors.push(error));
  // frames for a real partition too, so requests, credit and cancels reach live readers
  const live = fc.constantFrom(newId16(), newId16()).map((receiverId) => [encodePartitionRequest({ partitionId: partition.id, subpartitionIndex: 0, receiverId, initialCredit: 2 })]);
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(fc.tuple(fc.option(live), frameStream), async ([prefix, chunks]) => {
      runs++;
      const peer = await connectRaw(producer.dataAddress);
      for (const chunk of [...(prefix ?? []), ...chunks]) await peer.write(chunk).catch(() => undefined);
      peer.socket.end();
      await eventually(() => peer.closed, 10_000, 'the server to close the fuzzed connection');
    }),
    fuzzParameters(150),
  );
  const untyped = errors.filter((e) => !(e instanceof FlowlabError) && !/ECONNRESET|EPIPE/.test(e.message));
  assert.deepEqual(untyped.map((e) => `${e.name}: ${e.message}`), [], `after ${runs} runs`);
  const record = lengthPrefixed(300, 9);
  partition.emitRecord(record, record.length, 0);
  const got = await drain(gate, (d) => d.data[0]!.length >= record.length);
  assert.deepEqual(got.data[0], record, 'the healthy consumer still gets its record');
});

test('fuzz: a consumer whose producer answers with hostile frames fails its channel with typed errors only', async () => {
  await using consumer = await startEnvironment();
  await using server = await RawServer.start();
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(frameStream, async (chunks) => {
      runs++;
      const gate = consumer.createInputGate(`fuzz-${runs}`, [
        { partitionId: { dataSetId: newId16(), partitionIndex: 0, attemptId: newId16() }, subpartitionIndex: 0, producer: server.address },
      ]);
      const failures: Error[] = [];
      gate.setFailureListener((error) => failures.push(error));
      await gate.setup();
      await eventually(() => server.peers.length === runs, 5_000, 'the consumer to connect');
      const peer = server.peers[runs - 1]!;
      for (const chunk of chunks) await peer.write(chunk).catch(() => undefined);
      await peer.close();
      await eventually(() => failures.length > 0, 5_000, 'the channel to fail once the producer is gone');
      for (const failure of failures) assert.ok(failure instanceof FlowlabError, `${failure.name}: ${failure.message}`);
      gate.release();
    }),
    fuzzParameters(100),
  );
  assert.ok(runs > 0);
});
