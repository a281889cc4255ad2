// The client facade (over toxiproxy-node-client) against the embedded server, and the npm package used on its
// own, as a user of a real Toxiproxy would (spec/toxiproxy-api.md §3).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Toxiproxy, ToxiproxyError as NpmToxiproxyError } from 'toxiproxy-node-client';
import type { ICreateToxicBody } from 'toxiproxy-node-client/dist/interfaces.js';
import type { Latency } from 'toxiproxy-node-client/dist/Toxic.js';
import { FlowlabError } from '../core/index.js';
import { ToxiproxyClient, ToxiproxyError, connectToxiproxy, startToxiproxyServer, toxics } from './index.js';
import { startEchoServer } from './test-helpers.js';

describe('ToxiproxyClient facade', () => {
  it('drives proxies and toxics with typed builders', async () => {
    await using server = await startToxiproxyServer({ seed: 5 });
    await using echo = await startEchoServer();
    const client = new ToxiproxyClient(`${server.url}/`);
    assert.equal(await client.version(), '2.12.0');
    const proxy = await client.createProxy({ name: 'db', upstream: echo.address });
    assert.equal(proxy.host, '127.0.0.1');
    assert.ok(proxy.port > 0);
    assert.equal(proxy.enabled, true);
    const latency = await proxy.addToxic(toxics.latency({ latencyMs: 50, jitterMs: 5 }, { stream: 'upstream', toxicity: 0.5 }));
    assert.deepEqual(
      { name: latency.name, type: latency.type, stream: latency.stream, toxicity: latency.toxicity, attributes: latency.attributes },
      { name: 'latency_upstream', type: 'latency', stream: 'upstream', toxicity: 0.5, attributes: { latency: 50, jitter: 5 } },
    );
    await proxy.addToxic(toxics.bandwidth({ rateKBps: 1_000 }, { name: 'bw' }));
    await proxy.addToxic(toxics.slowClose({ delayMs: 10 }));
    await proxy.addToxic(toxics.timeout({ timeoutMs: 0 }, { name: 'to', toxicity: 0 }));
    await proxy.addToxic(toxics.resetPeer({ timeoutMs: 1 }, { name: 'rp', toxicity: 0 }));
    await proxy.addToxic(toxics.slicer({ averageSizeBytes: 100, sizeVariationBytes: 10, delayUs: 50 }));
    await proxy.addToxic(toxics.limitData({ bytes: 1_000_000 }));
    await proxy.addToxic(toxics.noop({ name: 'nothing' }));
    const listed = await proxy.toxics();
    assert.deepEqual(
      listed.map((t) => `${t.name}:${t.type}`),
      ['latency_upstream:latency', 'bw:bandwidth', 'slow_close_downstream:slow_close', 'to:timeout', 'rp:reset_peer', 'slicer_downstream:slicer', 'limit_data_downstream:limit_data', 'nothing:noop'],
    );
    const updated = await latency.update({ attributes: { jitter: 9 } });
    assert.deepEqual(updated.attributes, { latency: 50, jitter: 9 });
    assert.equal(updated.toxicity, 0.5);
    const fetched = await proxy.getToxic<'bandwidth'>('bw');
    assert.equal(fetched.attributes.rate, 1_000);
    await fetched.remove();
    const all = await client.listProxies();
    assert.deepEqual([...all.keys()], ['db']);
    assert.equal((await client.getProxy('db')).listen, proxy.listen);
    const down = await proxy.disable();
    assert.equal(down.enabled, false);
    assert.equal(down.listen, proxy.listen);
    const up = await down.enable();
    assert.equal(up.listen, proxy.listen);
    await client.reset();
    assert.deepEqual(await up.toxics(), []);
    await up.remove();
    assert.equal((await client.listProxies()).size, 0);
  });

  it('populates, including an empty list (which crashes the npm client)', async () => {
    await using server = await startToxiproxyServer({ seed: 5 });
    const client = new ToxiproxyClient(server.url);
    assert.deepEqual(await client.populate([]), []);
    const created = await client.populate([
      { name: 'a', upstream: 'x:1' },
      { name: 'b', upstream: 'y:1', enabled: false, listen: 'localhost:0' },
    ]);
    assert.deepEqual(
      created.map((p) => [p.name, p.enabled]),
      [
        ['a', true],
        ['b', false],
      ],
    );
    assert.equal(created[1]!.listen, 'localhost:0');
  });

  it('throws ToxiproxyError with the server message and status', async () => {
    await using server = await startToxiproxyServer({ seed: 5 });
    const client = new ToxiproxyClient(server.url);
    const proxy = await client.createProxy({ name: 'p', upstream: 'x:1' });
    const expectError = async (call: Promise<unknown>, status: number, message: string): Promise<void> => {
      await assert.rejects(call, (error: unknown) => {
        assert.ok(error instanceof ToxiproxyError);
        assert.ok(error instanceof FlowlabError);
        assert.equal(error.code, 'ERR_TOXIPROXY');
        assert.equal(error.status, status);
        assert.equal(error.serverMessage, message);
        assert.match(error.message, new RegExp(`HTTP ${status}: ${message}`));
        return true;
      });
    };
    await expectError(client.createProxy({ name: 'p', upstream: 'x:1' }), 409, 'proxy already exists');
    await expectError(client.getProxy('missing'), 404, 'proxy not found');
    await expectError(proxy.getToxic('missing'), 404, 'toxic not found');
    await expectError(proxy.addToxic({ ...toxics.noop(), type: 'down' as 'noop' }), 400, 'invalid toxic type');
    await expectError(proxy.addToxic(toxics.slicer({ averageSizeBytes: 0 })), 400, 'invalid toxic attributes: slicer average_size must be greater than 0');
    await expectError(client.populate([{ name: '', upstream: 'x:1' }]), 400, 'missing required field: name at proxy 1');
    await server.stop();
    await assert.rejects(client.version(), (error: unknown) => {
      assert.ok(error instanceof ToxiproxyError);
      assert.equal(error.status, undefined);
      assert.match(error.message, /GET http:\/\/127\.0\.0\.1:\d+\/version: fetch failed/);
      return true;
    });
  });

  it('connectToxiproxy embeds a server, or uses TOXIPROXY_URL', async () => {
    await using embedded = await connectToxiproxy({ env: {}, seed: 9 });
    assert.ok(embedded.embedded);
    assert.equal(embedded.embedded.seed, 9);
    assert.equal(await embedded.client.version(), '2.12.0');
    await using external = await connectToxiproxy({ env: { TOXIPROXY_URL: embedded.url } });
    assert.equal(external.embedded, undefined);
    await external.client.createProxy({ name: 'shared', upstream: 'x:1' });
    assert.deepEqual([...(await embedded.client.listProxies()).keys()], ['shared']);
    await external.close();
    assert.equal(await embedded.client.version(), '2.12.0', 'closing an external connection leaves the server alone');
  });
});

describe('toxiproxy-node-client on its own against the embedded server', () => {
  it('works end to end with the package classes', async () => {
    await using server = await startToxiproxyServer({ seed: 5 });
    const npm = new Toxiproxy(server.url);
    assert.equal(await npm.getVersion(), '{"version": "2.12.0"}\n');
    const proxy = await npm.createProxy({ name: 'n', listen: '127.0.0.1:0', upstream: 'x:1' });
    const body = { type: 'latency', stream: 'downstream', attributes: { latency: 10, jitter: 0 } } as ICreateToxicBody<Latency>;
    const toxic = await proxy.addToxic(body);
    assert.equal(toxic.name, 'latency_downstream');
    assert.equal(toxic.toxicity, 1);
    const updated = await toxic.update({ attributes: { latency: 20 } } as ICreateToxicBody<Latency>);
    assert.deepEqual(updated.attributes, { latency: 20, jitter: 0 });
    const all = await npm.getAll();
    assert.deepEqual(Object.keys(all), ['n']);
    const disabled = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    assert.equal(disabled.enabled, false);
    await assert.rejects(npm.createProxy({ name: 'n', listen: '127.0.0.1:0', upstream: 'x:1' }), (error: unknown) => {
      assert.ok(error instanceof NpmToxiproxyError);
      assert.equal(error.message, 'Request failed with status code 409');
      return true;
    });
    const populated = await npm.populate([{ name: 'm', listen: '127.0.0.1:0', upstream: 'y:1' }]);
    assert.deepEqual(Object.keys(populated), ['m']);
    await toxic.remove();
    await npm.reset();
    await proxy.remove();
  });
});
