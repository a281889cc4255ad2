// Each toxic's effect on real sockets through the embedded server (spec/toxiproxy-api.md §2.4). Timings are
// asserted with generous bounds: lower bounds near the configured value, upper bounds far above it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { ManualClock } from '../core/index.js';
import { ToxiproxyClient, startToxiproxyServer, toxics, type ProxyHandle, type StartedToxiproxyServer } from './index.js';
import { Receiver, connectClient, sleep, startEchoServer, startTcpServer, type TestTcpServer } from './test-helpers.js';

/** Timer slack: Node timers may fire up to ~1 ms early relative to performance.now() sampling. */
const EARLY_MS = 2;
/** Upper bounds for "it happened eventually" on a noisy shared machine. */
const LATE_MS = 1_500;

interface Rig extends AsyncDisposable {
  server: StartedToxiproxyServer;
  upstream: TestTcpServer;
  proxy: ProxyHandle;
}

async function rig(onConnection?: (socket: Socket) => void, seed = 7): Promise<Rig> {
  const server = await startToxiproxyServer({ seed });
  const upstream = onConnection ? await startTcpServer(onConnection) : await startEchoServer();
  const client = new ToxiproxyClient(server.url);
  const proxy = await client.createProxy({ name: 'p', upstream: upstream.address });
  return {
    server,
    upstream,
    proxy,
    [Symbol.asyncDispose]: async () => {
      await server.stop();
      await upstream.close();
    },
  };
}

/** Writes `payload` and resolves with the ms until it has fully echoed back. */
async function roundTripMs(socket: Socket, receiver: Receiver, payload: Buffer): Promise<number> {
  const before = receiver.bytes;
  const start = performance.now();
  socket.write(payload);
  await receiver.untilBytes(before + payload.length, 10_000);
  return receiver.arrivalOfByte(before + payload.length) - start;
}

describe('toxics on real sockets', () => {
  it('passes bytes through unchanged with no toxics', async () => {
    await using r = await rig();
    await using c = await connectClient(r.proxy.port);
    const rx = new Receiver(c.socket);
    const payload = randomBytes(1 << 20);
    c.socket.write(payload);
    await rx.untilBytes(payload.length, 20_000);
    assert.ok(Buffer.concat(rx.chunks.map((x) => x.data)).equals(payload));
  });

  it('latency delays each direction by at least the configured time', async () => {
    await using r = await rig();
    await r.proxy.addToxic(toxics.latency({ latencyMs: 120 }));
    await using c = await connectClient(r.proxy.port);
    const rx = new Receiver(c.socket);
    const downOnly = await roundTripMs(c.socket, rx, Buffer.from('ping'));
    assert.ok(downOnly >= 120 - EARLY_MS && downOnly < 120 + LATE_MS, `downstream latency round trip ${downOnly} ms`);
    await r.proxy.addToxic(toxics.latency({ latencyMs: 80 }, { stream: 'upstream' }));
    const both = await roundTripMs(c.socket, rx, Buffer.from('ping'));
    assert.ok(both >= 200 - EARLY_MS && both < 200 + LATE_MS, `both directions ${both} ms`);
  });

  it('latency with jitter stays within latency ± jitter', async () => {
    await using r = await rig();
    await r.proxy.addToxic(toxics.latency({ latencyMs: 60, jitterMs: 30 }));
    await using c = await connectClient(r.proxy.port);
    const rx = new Receiver(c.socket);
    for (let i = 0; i < 5; i++) {
      const ms = await roundTripMs(c.socket, rx, Buffer.from([i]));
      assert.ok(ms >= 30 - EARLY_MS && ms < 90 + LATE_MS, `jittered round trip ${ms} ms`);
    }
  });

  it('bandwidth limits the rate (100 KB/s: 50 kB take about 500 ms)', async () => {
    const payload = randomBytes(50_000);
    await using r = await rig((s) => s.on('data', () => s.write(payload)));
    await r.proxy.addToxic(toxics.bandwidth({ rateKBps: 100 }));
    await using c = await connectClient(r.proxy.port);
    const rx = new Receiver(c.socket);
    const start = performance.now();
    c.socket.write('go');
    await rx.untilBytes(payload.length, 10_000);
    const elapsed = rx.arrivalOfByte(payload.length) - start;
    assert.ok(elapsed >= 380 && elapsed < 500 + 3 * LATE_MS, `50 kB at 100 KB/s took ${elapsed} ms`);
    assert.ok(Buffer.concat(rx.chunks.map((x) => x.data)).equals(payload));
  });

  it('limit_data closes after exactly N bytes', async () => {
    await using r = await rig((s) => s.on('data', () => s.write(Buffer.alloc(150, 7))));
    await r.proxy.addToxic(toxics.limitData({ bytes: 100 }));
    await using c = await connectClient(r.proxy.port);
    const rx = new Receiver(c.socket);
    c.socket.write('go');
    await rx.untilClosed();
    assert.equal(rx.bytes, 100);
  });

  it('reset_peer drops the response and resets the connection after the timeout', async () => {
    await using r = await rig();
    await r.proxy.addToxic(toxics.resetPeer({ timeoutMs: 100 }));
    await using c = await connectClient(r.proxy.port);
    const rx = new Receiver(c.socket);
    const start = performance.now();
    c.socket.write('request');
    await rx.untilClosed();
    const elapsed = performance.now() - start;
    assert.equal(rx.errorCode, 'ECONNRESET');
    assert.equal(rx.bytes, 0);
    assert.ok(elapsed >= 100 - EARLY_MS && elapsed < 100 + LATE_MS, `reset after ${elapsed} ms`);
  });

  it('timeout stops data and closes after the timeout without data', async () => {
    await using r = await rig();
    await r.proxy.addToxic(toxics.timeout({ timeoutMs: 150 }));
    await using c = await connectClient(r.proxy.port);
    const rx = new Receiver(c.socket);
    const start = performance.now();
    c.socket.write('hello');
    await rx.untilClosed();
    const elapsed = performance.now() - start;
    assert.equal(rx.bytes, 0);
    assert.ok(elapsed >= 150 - EARLY_MS - 5 && elapsed < 150 + LATE_MS, `closed after ${elapsed} ms`);
  });

  it('timeout 0 is a black hole that keeps the connection open', async () => {
    await using r = await rig();
    await r.proxy.addToxic(toxics.timeout({ timeoutMs: 0 }, { stream: 'upstream' }));
    await using c = await connectClient(r.proxy.port);
    const rx = new Receiver(c.socket);
    c.socket.write('into the void');
    await sleep(250);
    assert.equal(rx.bytes, 0);
    assert.equal(rx.closed, false);
  });

  it('slicer delivers the bytes in order as many small slices', async () => {
    const received: Array<{ data: Buffer }> = [];
    let arrived!: () => void;
    const done = new Promise<void>((resolve) => (arrived = resolve));
    await using r = await rig((s) =>
      s.on('data', (data: Buffer) => {
        received.push({ data });
        if (received.reduce((n, x) => n + x.data.length, 0) >= 100) arrived();
      }),
    );
    await r.proxy.addToxic(toxics.slicer({ averageSizeBytes: 10, delayUs: 3_000 }, { stream: 'upstream' }));
    await using c = await connectClient(r.proxy.port);
    const payload = randomBytes(100);
    c.socket.write(payload);
    await done;
    assert.ok(Buffer.concat(received.map((x) => x.data)).equals(payload));
    assert.ok(received.length >= 5, `expected many slices, got ${received.length} reads`);
    assert.ok(received.every((x) => x.data.length <= 60));
  });

  it('slow_close delays the close the client sees', async () => {
    let serverSide: Socket | undefined;
    await using r = await rig((s) => (serverSide = s));
    await r.proxy.addToxic(toxics.slowClose({ delayMs: 250 }));
    await using c = await connectClient(r.proxy.port);
    const rx = new Receiver(c.socket);
    c.socket.write('x');
    while (!serverSide) await sleep(5);
    const start = performance.now();
    serverSide.end();
    await rx.untilClosed();
    const elapsed = performance.now() - start;
    assert.ok(elapsed >= 250 - EARLY_MS && elapsed < 250 + LATE_MS, `close seen after ${elapsed} ms`);
  });

  it('toxicity 0 never applies; noop passes data', async () => {
    await using r = await rig();
    await r.proxy.addToxic(toxics.latency({ latencyMs: 1_000 }, { toxicity: 0 }));
    await r.proxy.addToxic(toxics.noop({ stream: 'upstream' }));
    await using c = await connectClient(r.proxy.port);
    const rx = new Receiver(c.socket);
    const ms = await roundTripMs(c.socket, rx, Buffer.from('fast'));
    assert.ok(ms < 900, `round trip ${ms} ms with an inactive latency toxic`);
  });

  it('runs toxic timers on the injected clock', async () => {
    const clock = new ManualClock();
    await using server = await startToxiproxyServer({ seed: 1, clock });
    await using echo = await startEchoServer();
    const proxy = await new ToxiproxyClient(server.url).createProxy({ name: 'manual', upstream: echo.address });
    await proxy.addToxic(toxics.latency({ latencyMs: 60_000 }));
    await using c = await connectClient(proxy.port);
    const rx = new Receiver(c.socket);
    c.socket.write('tick');
    await sleep(150);
    assert.equal(rx.bytes, 0, 'held until the manual clock moves');
    clock.advance(60_000);
    await rx.untilBytes(4, 3_000);
    assert.equal(rx.text, 'tick');
  });

  it('draws toxicity per connection from the seed, so runs replay', async () => {
    const pattern = async (seed: number): Promise<boolean[]> => {
      await using r = await rig(undefined, seed);
      await r.proxy.addToxic(toxics.latency({ latencyMs: 150 }, { toxicity: 0.5 }));
      const slow: boolean[] = [];
      for (let i = 0; i < 8; i++) {
        await using c = await connectClient(r.proxy.port);
        const rx = new Receiver(c.socket);
        slow.push((await roundTripMs(c.socket, rx, Buffer.from('?'))) >= 120);
      }
      return slow;
    };
    const first = await pattern(42);
    const second = await pattern(42);
    assert.deepEqual(second, first);
    assert.ok(first.includes(true) && first.includes(false), `a 0.5 toxicity should hit some of 8 connections: ${first.join(',')}`);
  });
});
