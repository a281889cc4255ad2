import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CheckpointStorageError } from './checkpoint-storage-error.js';
import { SUBTASK_STATE_HEADER_BYTES, decodeSubtaskState, encodeSubtaskState, type SubtaskStateSnapshot } from './subtask-state-snapshot.js';
import { snapshotArbitrary } from './test-snapshots.js';

test('encode/decode round-trips random snapshots, sizes add up', () => {
  fc.assert(
    fc.property(snapshotArbitrary, (snapshot) => {
      const encoded = encodeSubtaskState(snapshot);
      assert.equal(encoded.stateBytes + encoded.channelStateBytes, encoded.bytes.length);
      assert.deepStrictEqual(decodeSubtaskState(encoded.bytes), snapshot);
    }),
  );
});

test('golden bytes: header, operator section and Flink-style channel-state chunks', () => {
  const snapshot: SubtaskStateSnapshot = {
    operator: { kind: 'k', data: new Uint8Array([0xaa]) },
    inputChannels: [{ gate: 0, channel: 2, chunks: [new Uint8Array([1, 2]), new Uint8Array([3])] }],
    outputSubpartitions: [],
  };
  const { bytes, stateBytes, channelStateBytes } = encodeSubtaskState(snapshot);
  const hex = Buffer.from(bytes).toString('hex');
  const body =
    '00000001' + '6b' + '00000001' + 'aa' + // operator: kind "k", data [aa]
    '00000000' + // channel-state version 0
    '00000001' + '00000000' + '00000002' + '00000002' + '00000002' + '0102' + '00000001' + '03' + // one input channel, two chunks
    '00000000'; // no output subpartitions
  assert.equal(hex.slice(0, 24), '464c5354' + '0001' + '0000' + (body.length / 2).toString(16).padStart(8, '0'));
  assert.equal(hex.slice(32), body);
  assert.equal(stateBytes, SUBTASK_STATE_HEADER_BYTES + 10);
  assert.equal(channelStateBytes, body.length / 2 - 10);
});

test('every single-byte corruption and every truncation is detected', () => {
  const snapshot: SubtaskStateSnapshot = {
    operator: { kind: 'source-offsets', data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) },
    inputChannels: [{ gate: 1, channel: 0, chunks: [new Uint8Array([9, 9, 9])] }],
    outputSubpartitions: [{ partition: 0, subpartition: 3, chunks: [new Uint8Array(0), new Uint8Array([7])] }],
  };
  const { bytes } = encodeSubtaskState(snapshot);
  for (let i = 0; i < bytes.length; i++) {
    const corrupt = bytes.slice();
    corrupt[i] = corrupt[i]! ^ 0x10;
    assert.throws(() => decodeSubtaskState(corrupt, 'x.state'), (e: unknown) => e instanceof CheckpointStorageError && e.file === 'x.state', `byte ${i}`);
  }
  for (let length = 0; length < bytes.length; length++) {
    assert.throws(() => decodeSubtaskState(bytes.subarray(0, length), 'x.state'), (e: unknown) => e instanceof CheckpointStorageError && e.problem === 'truncated');
  }
  const corrupt = bytes.slice();
  corrupt[bytes.length - 1] = corrupt[bytes.length - 1]! ^ 1;
  assert.throws(() => decodeSubtaskState(corrupt, 'x.state'), { code: 'ERR_CHECKPOINT_STORAGE', problem: 'checksum-mismatch' });
  const badMagic = bytes.slice();
  badMagic[0] = 0;
  assert.throws(() => decodeSubtaskState(badMagic, 'x.state'), { problem: 'bad-magic' });
});

test('negative channel indices are rejected when encoding', () => {
  const snapshot: SubtaskStateSnapshot = {
    operator: { kind: '', data: new Uint8Array(0) },
    inputChannels: [{ gate: -1, channel: 0, chunks: [] }],
    outputSubpartitions: [],
  };
  assert.throws(() => encodeSubtaskState(snapshot, 'y.state'), { code: 'ERR_CHECKPOINT_STORAGE', problem: 'invalid-argument' });
});
