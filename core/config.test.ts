import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidConfigError, defaultConfig, resolveConfig, serializeConfig } from './index.js';

function rejectsKey(input: Record<string, unknown>, key: string, pattern?: RegExp): void {
  assert.throws(
    () => resolveConfig(input),
    (e: unknown) => {
      assert.ok(e instanceof InvalidConfigError, `expected InvalidConfigError, got ${String(e)}`);
      assert.equal(e.code, 'ERR_INVALID_CONFIG');
      assert.equal(e.key, key);
      assert.ok(e.message.includes(`'${key}'`), `message names the key: ${e.message}`);
      if (pattern) assert.match(e.message, pattern);
      return true;
    },
  );
}

test('resolveConfig: defaults are Flink 1.20 defaults', () => {
  const c = resolveConfig();
  assert.equal(c['taskmanager.memory.segment-size'], 32_768);
  assert.equal(c['taskmanager.network.memory.buffers-per-channel'], 2);
  assert.equal(c['taskmanager.network.memory.floating-buffers-per-gate'], 8);
  assert.equal(c['taskmanager.network.memory.max-buffers-per-channel'], 10);
  assert.equal(c['taskmanager.network.memory.max-overdraft-buffers-per-gate'], 5);
  assert.equal(c['execution.buffer-timeout'], 100);
  assert.equal(c['taskmanager.network.numberOfBuffers'], null);
  assert.deepEqual(resolveConfig(serializeConfig(c)), defaultConfig());
});

test('resolveConfig: parses Flink notation', () => {
  const c = resolveConfig({ 'taskmanager.memory.segment-size': '4kb', 'execution.buffer-timeout': '-1', 'taskmanager.memory.network.min': '16mb' });
  assert.equal(c['taskmanager.memory.segment-size'], 4096);
  assert.equal(c['execution.buffer-timeout'], -1);
  assert.equal(c['taskmanager.memory.network.min'], 16 * 1024 * 1024);
});

test('resolveConfig: an unknown key is rejected by name with a suggestion', () => {
  rejectsKey({ 'taskmanager.memory.segment-sise': '32kb' }, 'taskmanager.memory.segment-sise', /Did you mean 'taskmanager\.memory\.segment-size'\?/);
});

test('resolveConfig: ill-typed and out-of-range values name the key and what is allowed', () => {
  rejectsKey({ 'taskmanager.memory.segment-size': 'lots' }, 'taskmanager.memory.segment-size', /memory size/);
  rejectsKey({ 'taskmanager.memory.segment-size': '100b' }, 'taskmanager.memory.segment-size');
  rejectsKey({ 'taskmanager.network.memory.buffers-per-channel': -1 }, 'taskmanager.network.memory.buffers-per-channel', /integer/);
  rejectsKey({ 'taskmanager.network.memory.buffers-per-channel': 1.5 }, 'taskmanager.network.memory.buffers-per-channel');
  rejectsKey({ 'taskmanager.network.memory.max-buffers-per-channel': 0 }, 'taskmanager.network.memory.max-buffers-per-channel');
  rejectsKey({ 'taskmanager.memory.network.fraction': 1.5 }, 'taskmanager.memory.network.fraction');
  rejectsKey({ 'execution.buffer-timeout': '-5 ms' }, 'execution.buffer-timeout');
  rejectsKey({ 'taskmanager.network.numberOfBuffers': 0 }, 'taskmanager.network.numberOfBuffers');
  rejectsKey({ 'taskmanager.network.memory.read-buffer.required-per-gate.max': 0 }, 'taskmanager.network.memory.read-buffer.required-per-gate.max');
});

test('resolveConfig: cross-field rules name the offending key', () => {
  rejectsKey({ 'taskmanager.memory.network.min': '2gb', 'taskmanager.memory.network.max': '1gb' }, 'taskmanager.memory.network.min');
  rejectsKey({ 'taskmanager.memory.segment-size': '1kb', 'taskmanager.memory.min-segment-size': '2kb' }, 'taskmanager.memory.min-segment-size');
});

test('buffer debloating keys: Flink names, defaults and units; validated by name', () => {
  const c = resolveConfig();
  assert.equal(c['taskmanager.network.memory.buffer-debloat.enabled'], false);
  assert.equal(c['taskmanager.network.memory.buffer-debloat.target'], 1000);
  assert.equal(c['taskmanager.network.memory.buffer-debloat.period'], 200);
  assert.equal(c['taskmanager.network.memory.buffer-debloat.samples'], 20);
  assert.equal(c['taskmanager.network.memory.buffer-debloat.threshold-percentages'], 25);
  assert.equal(c['taskmanager.memory.min-segment-size'], 256);
  assert.equal(c['taskmanager.memory.starting-segment-size'], 1024);
  const set = resolveConfig({
    'taskmanager.network.memory.buffer-debloat.enabled': 'true',
    'taskmanager.network.memory.buffer-debloat.target': '300 ms',
    'taskmanager.network.memory.buffer-debloat.period': '1 s',
    'taskmanager.memory.starting-segment-size': '32kb',
  });
  assert.equal(set['taskmanager.network.memory.buffer-debloat.enabled'], true);
  assert.equal(set['taskmanager.network.memory.buffer-debloat.target'], 300);
  assert.equal(set['taskmanager.network.memory.buffer-debloat.period'], 1000);
  assert.equal(set['taskmanager.memory.starting-segment-size'], 32_768);
  assert.deepEqual(resolveConfig(serializeConfig(set)), set);
  rejectsKey({ 'taskmanager.network.memory.buffer-debloat.target': '0 ms' }, 'taskmanager.network.memory.buffer-debloat.target', /duration/);
  rejectsKey({ 'taskmanager.network.memory.buffer-debloat.period': '0 ms' }, 'taskmanager.network.memory.buffer-debloat.period');
  rejectsKey({ 'taskmanager.network.memory.buffer-debloat.samples': 0 }, 'taskmanager.network.memory.buffer-debloat.samples');
  rejectsKey({ 'taskmanager.network.memory.buffer-debloat.threshold-percentages': 101 }, 'taskmanager.network.memory.buffer-debloat.threshold-percentages');
  rejectsKey({ 'taskmanager.network.memory.buffer-debloat.enabled': 'yes' }, 'taskmanager.network.memory.buffer-debloat.enabled', /true or false/);
  // min ≤ starting ≤ max
  rejectsKey({ 'taskmanager.memory.starting-segment-size': '64kb' }, 'taskmanager.memory.starting-segment-size', /segment-size/);
  rejectsKey({ 'taskmanager.memory.starting-segment-size': '128b' }, 'taskmanager.memory.starting-segment-size', /min-segment-size/);
  // left unset, the starting size follows a segment size set below it
  assert.equal(resolveConfig({ 'taskmanager.memory.segment-size': '512b' })['taskmanager.memory.starting-segment-size'], 512);
});
