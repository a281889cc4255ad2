import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidProcessOptionsError, advertisedHostFor, isLoopbackHost, parseJobManagerProcessOptions, parseTaskManagerProcessOptions } from './process-options.js';

describe('process options', () => {
  it('fills the defaults: loopback, OS-chosen control and metrics ports, one attempt to reach the JobManager', () => {
    assert.deepEqual(parseJobManagerProcessOptions({ config: {} }), { config: {}, bindHost: '127.0.0.1', controlPort: 0, metricsPort: 0, linkOverrides: {} });
    assert.deepEqual(parseTaskManagerProcessOptions({ tmId: 'tm-0', jobManager: { host: '127.0.0.1', port: 6123 }, config: {} }), {
      tmId: 'tm-0',
      jobManager: { host: '127.0.0.1', port: 6123 },
      config: {},
      bindHost: '127.0.0.1',
      metricsPort: 0,
      registrationTimeoutMs: 0,
    });
  });

  it('a malformed object is a typed error naming every bad field', () => {
    const error = (() => {
      try {
        parseTaskManagerProcessOptions({ tmId: 'tm 0', jobManager: { host: '', port: 70_000 }, config: {}, slots: 2 });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(error instanceof InvalidProcessOptionsError, String(error));
    assert.equal(error.code, 'ERR_INVALID_PROCESS_OPTIONS');
    assert.deepEqual([...error.fields].sort(), ['(options)', 'jobManager.host', 'jobManager.port', 'tmId']);
    assert.match(error.message, /^invalid taskmanager options: .*tmId: letters, digits/);
    assert.throws(() => parseJobManagerProcessOptions({ config: {}, restPort: -1 }), /invalid jobmanager options: restPort: /);
  });

  it('loopback and advertised hosts', () => {
    for (const host of ['127.0.0.1', '127.3.4.5', 'localhost', '::1', '[::1]']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'example.org']) assert.equal(isLoopbackHost(host), false, host);
    assert.equal(advertisedHostFor('10.0.0.5'), '10.0.0.5');
    assert.equal(advertisedHostFor('0.0.0.0', 'tm-1.example'), 'tm-1.example');
    assert.notEqual(advertisedHostFor('0.0.0.0'), '0.0.0.0');
  });
});
