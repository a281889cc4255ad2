// Toxic durations past Node's 2^31-1 ms timer limit wait as Toxiproxy does (time.Sleep of an int64), instead of
// firing at once or spinning the event loop (issue 14, defect 1).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { ToxiproxyClient, startToxiproxyServer, toxics, type ProxyHandle } from './index.js';
import { Receiver, connectClient, sleep, startEchoServer } from './test-helpers.js';

const HUGE_MS = 3e9;

async function rig(): Promise<{ proxy: ProxyHandle; port: number } & AsyncDisposable> {
  const server = await startToxiproxyServer({ seed: 3 });
  const upstream = await startEchoServer();
  const client = new ToxiproxyClient(server.url);
  const proxy = await client.createProxy({ name: 'p', upstream: upstream.address });
  return {
    proxy,
    port: proxy.port,
    [Symbol.asyncDispose]: async () => {
      await server.stop();
      await upstream.close();
    },
  };
}

describe('toxic durations over 2^31-1 ms', () => {
  for (const spec of [toxics.timeout({ timeoutMs: HUGE_MS }), toxics.resetPeer({ timeoutMs: HUGE_MS })]) {
    it(`${spec.type} with ${HUGE_MS} ms keeps the connection open`, async () => {
      await using r = await rig();
      await r.proxy.addToxic(spec);
      await using c = await connectClient(r.port);
      const rx = new Receiver(c.socket);
      c.socket.write('hello');
      await sleep(200);
      assert.equal(rx.closed, false);
      assert.equal(rx.bytes, 0);
    });
  }

  for (const spec of [toxics.latency({ latencyMs: HUGE_MS }), toxics.slicer({ averageSizeBytes: 1, delayUs: HUGE_MS * 1000 })]) {
    it(`${spec.type} of ${HUGE_MS} ms holds the data without spinning the event loop`, async () => {
      await using r = await rig();
      await r.proxy.addToxic(spec);
      await using c = await connectClient(r.port);
      const rx = new Receiver(c.socket);
      c.socket.write('hello');
      await sleep(50);
      const before = performance.eventLoopUtilization();
      await sleep(300);
      const busy = performance.eventLoopUtilization(before).utilization;
      // a setImmediate poll keeps the loop busy ~100 %; a parked timer leaves it idle
      assert.ok(busy < 0.5, `event loop utilization ${busy.toFixed(2)} while a chunk waits`);
      assert.ok(rx.bytes <= 1, `${rx.bytes} bytes passed`);
    });
  }
});
