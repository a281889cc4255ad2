// Internal TLS with mutual authentication (security.ssl.internal.*) on real sockets: data flows between two
// network stacks over TLS; a peer without a trusted certificate is refused on the data port and the control
// port; a keystore that does not work fails before anything listens, naming the key.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { connect as connectTcp } from 'node:net';
import { readFileSync } from 'node:fs';
import { InvalidConfigError, createLogger, resolveConfig, type ConfigInput } from '../../core/index.js';
import { NetworkEnvironment } from '../shuffle/index.js';
import { JobManager } from '../cluster/job-manager.js';
import { drain, lengthPrefixed } from '../test-support/network-fixture.js';
import { InternalTls, TlsPeerError, generateRunScopedPair, type RunScopedPair } from './index.js';

const MEMORY: ConfigInput = { 'taskmanager.memory.network.min': '16mb', 'taskmanager.memory.network.max': '16mb', 'execution.buffer-timeout': '0' };
const quiet = createLogger('tls-test', 'error');

function tlsConfig(pair: RunScopedPair, extra: ConfigInput = {}): ConfigInput {
  return { ...MEMORY, 'security.ssl.internal.enabled': true, ...pair.config, ...extra };
}

/** Resolves with how a raw client fared: 'refused' when the server closed or failed the connection. */
function probe(open: () => import('node:net').Socket, readyEvent: string): Promise<'refused' | 'open'> {
  return new Promise((resolve) => {
    const socket = open();
    let ready = false;
    socket.on(readyEvent, () => {
      ready = true;
      socket.write('hello, anyone?\n');
    });
    socket.on('error', () => resolve('refused'));
    socket.on('close', () => resolve('refused'));
    setTimeout(() => {
      resolve(ready && !socket.destroyed ? 'open' : 'refused');
      socket.destroy();
    }, 1_500).unref();
  });
}

describe('internal TLS', () => {
  it('carries records between two network stacks with mutual authentication', async () => {
    await using pair = await generateRunScopedPair();
    const producer = await NetworkEnvironment.start({ config: resolveConfig(tlsConfig(pair)) });
    const consumer = await NetworkEnvironment.start({ config: resolveConfig(tlsConfig(pair)) });
    try {
      const partition = producer.createResultPartition({ numSubpartitions: 2 });
      const gate = consumer.createInputGate(
        'tls',
        partition.subpartitions.map((s) => ({ partitionId: partition.id, subpartitionIndex: s.index, producer: producer.dataAddress })),
      );
      await gate.setup();
      const records = [lengthPrefixed(100_000, 1), lengthPrefixed(300, 2)];
      partition.emitRecord(records[0]!, records[0]!.length, 0);
      partition.emitRecord(records[1]!, records[1]!.length, 1);
      const got = await drain(gate, (d) => d.data[0]!.length >= records[0]!.length && d.data[1]!.length >= records[1]!.length);
      assert.deepEqual(got.data[0], records[0]);
      assert.deepEqual(got.data[1], records[1]);
    } finally {
      await consumer.stop();
      await producer.stop();
    }
  });

  it('refuses a plaintext peer, a TLS peer without a certificate and one with an untrusted certificate, on the data port and the control port', async () => {
    await using pair = await generateRunScopedPair();
    await using stranger = await generateRunScopedPair();
    const producer = await NetworkEnvironment.start({ config: resolveConfig(tlsConfig(pair)) });
    const jm = await JobManager.start({ config: resolveConfig({ ...tlsConfig(pair), 'rest.port': 0 }), restPort: 0, logger: quiet });
    const refusals: Error[] = [];
    producer.server.on('connection-error', (error: Error) => refusals.push(error));
    const strangerPem = readFileSync(stranger.config['security.ssl.internal.keystore'] as string);
    try {
      for (const [name, address] of [
        ['data', producer.dataAddress],
        ['control', jm.controlAddress],
      ] as const) {
        const { host, port } = address;
        assert.equal(await probe(() => connectTcp({ host, port }), 'connect'), 'refused', `${name}: plaintext`);
        assert.equal(await probe(() => connectTls({ host, port, rejectUnauthorized: false }), 'secureConnect'), 'refused', `${name}: no client certificate`);
        assert.equal(
          await probe(() => connectTls({ host, port, rejectUnauthorized: false, key: strangerPem, cert: strangerPem }), 'secureConnect'),
          'refused',
          `${name}: an untrusted certificate`,
        );
      }
      assert.equal(producer.server.stats.readers, 0);
      assert.ok(refusals.length >= 2 && refusals.every((e) => e instanceof TlsPeerError), refusals.map((e) => e.message).join('; '));
      const tms = await fetch(`http://${jm.restAddress.host}:${jm.restAddress.port}/taskmanagers`).then((r) => r.json() as Promise<{ taskmanagers: unknown[] }>);
      assert.deepEqual(tms.taskmanagers, [], 'nobody registered');

      // a peer that holds the pair gets through
      const trusted = await InternalTls.fromConfig(resolveConfig(tlsConfig(pair))).connect({ host: producer.dataAddress.host, port: producer.dataAddress.port });
      trusted.destroy();
    } finally {
      await jm.stop();
      await producer.stop();
    }
  });

  it('fails before start naming the key when the keystore is missing, unreadable or the password is wrong', async () => {
    await using pair = await generateRunScopedPair();
    const cases: Array<[ConfigInput, string]> = [
      [{ 'security.ssl.internal.enabled': true }, 'security.ssl.internal.keystore'],
      [tlsConfig(pair, { 'security.ssl.internal.keystore': join(pair.dir, 'missing.pem') }), 'security.ssl.internal.keystore'],
      [tlsConfig(pair, { 'security.ssl.internal.truststore': null }), 'security.ssl.internal.truststore'],
      [tlsConfig(pair, { 'security.ssl.internal.keystore-type': 'pkcs12' }), 'security.ssl.internal.keystore'],
    ];
    for (const [config, key] of cases) {
      await assert.rejects(NetworkEnvironment.start({ config: resolveConfig({ ...MEMORY, ...config }) }), (error: unknown) => {
        assert.ok(error instanceof InvalidConfigError, String(error));
        assert.equal(error.key, key);
        return true;
      });
    }
    assert.throws(() => resolveConfig({ 'security.ssl.internal.keystore-type': 'jks' }), (e: unknown) => e instanceof InvalidConfigError && e.key === 'security.ssl.internal.keystore-type');
  });

  it('reads a PKCS12 keystore with its password (made with the openssl command, when there is one)', { skip: !existsSync('/usr/bin/openssl') && 'no openssl command' }, async () => {
    await using pair = await generateRunScopedPair();
    const keystore = pair.config['security.ssl.internal.keystore'] as string;
    const p12 = join(pair.dir, 'internal.p12');
    execFileSync('openssl', ['pkcs12', '-export', '-in', keystore, '-inkey', keystore, '-out', p12, '-passout', 'pass:s3cret']);
    const good = tlsConfig(pair, { 'security.ssl.internal.keystore': p12, 'security.ssl.internal.keystore-type': 'pkcs12', 'security.ssl.internal.keystore-password': 's3cret' });
    assert.ok(InternalTls.fromConfig(resolveConfig(good)));
    assert.throws(
      () => InternalTls.fromConfig(resolveConfig({ ...good, 'security.ssl.internal.keystore-password': 'wrong' })),
      (e: unknown) => e instanceof InvalidConfigError && e.key === 'security.ssl.internal.keystore' && /keystore-password/.test(e.message),
    );
    assert.equal(resolveConfig(good)['security.ssl.internal.keystore-password'], 's3cret');
  });
});
