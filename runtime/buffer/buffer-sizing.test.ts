import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidConfigError, resolveConfig } from '../../core/index.js';
import { inputGateBuffersSpec, networkMemoryBytes, numberOfNetworkBuffers, outputPoolSpec } from './index.js';

const MiB = 1024 * 1024;

test('outputPoolSpec: defaults for a keyBy to parallelism 4 are min 5, max 16, cap 10, overdraft 5', () => {
  assert.deepEqual(outputPoolSpec(resolveConfig(), 4), { min: 5, max: 16, numSubpartitions: 4, maxBuffersPerChannel: 10, maxOverdraftBuffers: 5 });
  assert.deepEqual(outputPoolSpec(resolveConfig(), 1), { min: 2, max: 10, numSubpartitions: 1, maxBuffersPerChannel: 10, maxOverdraftBuffers: 5 });
});

test('outputPoolSpec: buffers-per-channel 0 still counts one per subpartition; max never below min', () => {
  const c = resolveConfig({ 'taskmanager.network.memory.buffers-per-channel': 0, 'taskmanager.network.memory.floating-buffers-per-gate': 0 });
  const spec = outputPoolSpec(c, 4);
  assert.equal(spec.min, 5);
  assert.equal(spec.max, 5, 'max(min, 4·max(1,0) + 0)');
});

test('inputGateBuffersSpec: the GateBuffersSpec table of spec §1.7', () => {
  const streaming = resolveConfig();
  const batch = resolveConfig({ 'taskmanager.network.memory.read-buffer.required-per-gate.max': 1000 });
  const noExclusive = resolveConfig({ 'taskmanager.network.memory.buffers-per-channel': 0 });
  const rows: Array<[string, ReturnType<typeof resolveConfig>, number, number, number, number, number]> = [
    // name, config, m, exclusive/ch, floating min, floating max, targetTotal
    ['499 streaming', streaming, 499, 2, 1, 8, 1006],
    ['499 batch', batch, 499, 2, 1, 8, 1006],
    ['500 streaming', streaming, 500, 2, 1, 8, 1008],
    ['500 batch', batch, 500, 1, 500, 508, 1008],
    ['999 batch', batch, 999, 1, 1, 1007, 2006],
    ['1000 batch', batch, 1000, 0, 1000, 2008, 2008],
    ['1001 B=0', noExclusive, 1001, 0, 1, 8, 8],
    ['4 streaming', streaming, 4, 2, 1, 8, 16],
  ];
  for (const [name, config, m, exclusive, floatingMin, floatingMax, targetTotal] of rows) {
    assert.deepEqual(inputGateBuffersSpec(config, m), { exclusivePerChannel: exclusive, floatingMin, floatingMax, targetTotal }, name);
  }
});

test('numberOfNetworkBuffers: default 1728mb process → 128mb network → 4096 buffers of 32kb', () => {
  const c = resolveConfig();
  assert.equal(c['taskmanager.memory.segment-size'], 32_768);
  assert.equal(networkMemoryBytes(c), 128 * MiB);
  assert.equal(numberOfNetworkBuffers(c), 4096);
  // min = max fixes the size; the segment size divides it
  assert.equal(numberOfNetworkBuffers(resolveConfig({ 'taskmanager.memory.network.min': '64mb', 'taskmanager.memory.network.max': '64mb' })), 2048);
  assert.equal(numberOfNetworkBuffers(resolveConfig({ 'taskmanager.memory.network.min': '256mb', 'taskmanager.memory.network.max': '256mb' })), 8192);
  assert.equal(
    numberOfNetworkBuffers(resolveConfig({ 'taskmanager.memory.network.min': '16mb', 'taskmanager.memory.network.max': '16mb', 'taskmanager.memory.segment-size': '4kb' })),
    4096,
  );
  // clamped to the 64mb minimum for a small process
  assert.equal(networkMemoryBytes(resolveConfig({ 'taskmanager.memory.process.size': '1gb' })), 64 * MiB);
});

test('numberOfNetworkBuffers: an explicit taskmanager.network.numberOfBuffers wins', () => {
  assert.equal(numberOfNetworkBuffers(resolveConfig({ 'taskmanager.network.numberOfBuffers': 1234 })), 1234);
  assert.equal(numberOfNetworkBuffers(resolveConfig({ 'taskmanager.network.numberOfBuffers': '77' })), 77);
});

test('inputGateBuffersSpec: a gate that cannot get one floating buffer is a config error naming the key', () => {
  const c = resolveConfig({ 'taskmanager.network.memory.buffers-per-channel': 0, 'taskmanager.network.memory.floating-buffers-per-gate': 0 });
  assert.throws(
    () => inputGateBuffersSpec(c, 3),
    (e: unknown) => e instanceof InvalidConfigError && e.key === 'taskmanager.network.memory.floating-buffers-per-gate',
  );
});
