// Live changes on open connections (spec/toxiproxy-api.md §2.3, §1.4.4): toxics added, updated and removed
// while data flows, without losing bytes; disable/enable and delete; reset.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { ToxiproxyClient, startToxiproxyServer, toxics, type ProxyHandle } from './index.js';
import { Receiver, connectClient, sleep, startEchoServer, startTcpServer, tryConnect } from './test-helpers.js';

async function pingMs(socket: Socket, rx: Receiver): Promise<number> {
  const before = rx.bytes;
  const start = performance.now();
  socket.write('p');
  await rx.untilBytes(before + 1, 10_000);
  return rx.arrivalOfByte(before + 1) - start;
}

async function setup(): Promise<{ client: ToxiproxyClient; proxy: ProxyHandle } & AsyncDisposable> {
  const server = await startToxiproxyServer({ seed: 3 });
  const echo = await startEchoServer();
  const client = new ToxiproxyClient(server.url);
  const proxy = await client.createProxy({ name: 'live', upstream: echo.address });
  return {
    client,
    proxy,
    [Symbol.asyncDispose]: async () => {
      await server.stop();
      await echo.close();
    },
  };
}

describe('live toxic changes', () => {
  it('adds, updates and removes latency on an open connection', async () => {
    await using s = await setup();
    await using c = await connectClient(s.proxy.port);
    const rx = new Receiver(c.socket);
    assert.ok((await pingMs(c.socket, rx)) < 100, 'fast before');
    const toxic = await s.proxy.addToxic(toxics.latency({ latencyMs: 150 }));
    const slow = await pingMs(c.socket, rx);
    assert.ok(slow >= 148, `after add: ${slow} ms`);
    await toxic.update({ attributes: { latency: 300 } });
    const slower = await pingMs(c.socket, rx);
    assert.ok(slower >= 298, `after update: ${slower} ms`);
    await toxic.remove();
    assert.ok((await pingMs(c.socket, rx)) < 100, 'fast again after remove');
  });

  it('releases a held chunk at once when its latency toxic is removed', async () => {
    await using s = await setup();
    await using c = await connectClient(s.proxy.port);
    const rx = new Receiver(c.socket);
    const toxic = await s.proxy.addToxic(toxics.latency({ latencyMs: 5_000 }));
    const start = performance.now();
    c.socket.write('held');
    await sleep(50);
    await toxic.remove();
    await rx.untilBytes(4, 3_000);
    assert.ok(performance.now() - start < 3_000);
    assert.equal(rx.text, 'held');
  });

  it('loses no bytes while toxics are added and removed mid-stream', async () => {
    await using s = await setup();
    await using c = await connectClient(s.proxy.port);
    const rx = new Receiver(c.socket);
    const payload = randomBytes(2 << 20);
    const chunk = 32 * 1024;
    let writing = true;
    const writer = (async () => {
      for (let offset = 0; offset < payload.length; offset += chunk) {
        if (!c.socket.write(payload.subarray(offset, offset + chunk))) await new Promise((resolve) => c.socket.once('drain', resolve));
        await sleep(1); // keep the stream flowing while the toxics change
      }
      writing = false;
    })();
    let round = 0;
    while (writing) {
      const a = await s.proxy.addToxic(toxics.latency({ latencyMs: 3 }, { name: `lat${round}` }));
      const b = await s.proxy.addToxic(toxics.noop({ name: `noop${round}`, stream: 'upstream' }));
      const d = await s.proxy.addToxic(toxics.slicer({ averageSizeBytes: 4096, sizeVariationBytes: 1024 }, { name: `sl${round}` }));
      await sleep(5);
      await a.remove();
      await d.update({ attributes: { average_size: 8192 } });
      await sleep(5);
      await b.remove();
      await d.remove();
      round++;
    }
    assert.ok(round >= 2, `toxics changed ${round} times during the stream`);
    await writer;
    await rx.untilBytes(payload.length, 30_000);
    assert.ok(Buffer.concat(rx.chunks.map((x) => x.data)).equals(payload), 'every byte, in order');
  });

  it('bandwidth 0 stalls the stream; removing it releases the data', async () => {
    await using s = await setup();
    await using c = await connectClient(s.proxy.port);
    const rx = new Receiver(c.socket);
    const toxic = await s.proxy.addToxic(toxics.bandwidth({ rateKBps: 0 }));
    c.socket.write('stalled');
    await sleep(200);
    assert.equal(rx.bytes, 0);
    assert.equal(rx.closed, false);
    await toxic.remove();
    await rx.untilBytes(7, 3_000);
    assert.equal(rx.text, 'stalled');
  });

  it('removing a timeout toxic closes the connections it affected', async () => {
    await using s = await setup();
    await using c = await connectClient(s.proxy.port);
    const rx = new Receiver(c.socket);
    const toxic = await s.proxy.addToxic(toxics.timeout({ timeoutMs: 0 }));
    c.socket.write('dropped');
    await sleep(50);
    await toxic.remove();
    await rx.untilClosed(3_000);
    assert.equal(rx.bytes, 0);
  });

  it('keeps the limit_data counter across updates', async () => {
    await using s = await setup();
    await using c = await connectClient(s.proxy.port);
    const rx = new Receiver(c.socket);
    const toxic = await s.proxy.addToxic(toxics.limitData({ bytes: 10 }));
    c.socket.write('123456');
    await rx.untilBytes(6);
    await toxic.update({ attributes: { bytes: 8 } });
    c.socket.write('abcdef');
    await rx.untilClosed();
    assert.equal(rx.text, '123456ab');
  });

  it('disable refuses new connects and closes open ones; enable reuses the port and keeps toxics', async () => {
    await using s = await setup();
    await s.proxy.addToxic(toxics.latency({ latencyMs: 100 }));
    await using c = await connectClient(s.proxy.port);
    const rx = new Receiver(c.socket);
    await pingMs(c.socket, rx);
    const down = await s.proxy.disable();
    assert.equal(down.enabled, false);
    assert.equal(down.listen, s.proxy.listen);
    await rx.untilClosed();
    assert.equal(await tryConnect(s.proxy.port), 'ECONNREFUSED');
    const up = await down.enable();
    assert.equal(up.listen, s.proxy.listen);
    await using c2 = await connectClient(up.port);
    const rx2 = new Receiver(c2.socket);
    assert.ok((await pingMs(c2.socket, rx2)) >= 98, 'toxic still applies after re-enable');
    assert.equal((await up.toxics()).length, 1);
  });

  it('deleting a proxy closes its connections; reset keeps healthy ones', async () => {
    await using s = await setup();
    const echo = await startTcpServer((sock) => sock.pipe(sock));
    try {
      const other = await s.client.createProxy({ name: 'other', upstream: echo.address });
      await other.addToxic(toxics.noop());
      await using healthy = await connectClient(other.port);
      const healthyRx = new Receiver(healthy.socket);
      await using doomed = await connectClient(s.proxy.port);
      const doomedRx = new Receiver(doomed.socket);
      await pingMs(doomed.socket, doomedRx);
      await s.client.reset();
      assert.deepEqual(await other.toxics(), []);
      assert.ok((await pingMs(healthy.socket, healthyRx)) < 500, 'survives reset');
      await s.proxy.remove();
      await doomedRx.untilClosed();
      assert.equal(await tryConnect(s.proxy.port), 'ECONNREFUSED');
    } finally {
      await echo.close();
    }
  });
});
