// Where connectToxiproxy's embedded server runs: by default in a child process (serve-main.js), or in this
// process; and how the child process is started and stopped, including its start-up failures.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowlabError } from '../core/index.js';
import { connectToxiproxy, startToxiproxyProcess, type ToxiproxyConnection } from './index.js';
import { Receiver, connectClient, startEchoServer } from './test-helpers.js';

/** Whether a process with this id exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, 'ESRCH');
    return false;
  }
}

/** Creates a proxy through the connection's client and checks that it forwards bytes to an echo server. */
async function assertForwards(connection: ToxiproxyConnection): Promise<void> {
  await using echo = await startEchoServer();
  const proxy = await connection.client.createProxy({ name: 'echo', upstream: echo.address });
  await using client = await connectClient(proxy.port);
  const received = new Receiver(client.socket);
  client.socket.write('ping through the proxy');
  await received.untilBytes(22);
  assert.equal(received.text, 'ping through the proxy');
}

const isStartError = (pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof FlowlabError, String(error));
  assert.equal(error.code, 'ERR_TOXIPROXY_PROCESS_START');
  assert.match(error.message, pattern);
  return true;
};

describe('connectToxiproxy embedded modes', () => {
  it('runs the embedded server in a child process by default, and close() leaves no process', async () => {
    const connection = await connectToxiproxy({ env: {}, seed: 9 });
    const embedded = connection.embedded;
    try {
      assert.ok(embedded);
      assert.equal(embedded.mode, 'process');
      assert.notEqual(embedded.pid, process.pid);
      assert.ok(alive(embedded.pid));
      assert.equal(embedded.seed, 9);
      assert.equal(embedded.url, connection.url);
      assert.match(connection.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(await connection.client.version(), '2.12.0');
      await assertForwards(connection);
    } finally {
      await connection.close();
    }
    assert.equal(alive(embedded.pid), false, 'the child process is gone once close() resolves');
    await connection.close();
  });

  it(`'in-process' runs it on this event loop`, async () => {
    await using connection = await connectToxiproxy({ env: {}, seed: 3, embedded: 'in-process' });
    const embedded = connection.embedded;
    assert.ok(embedded);
    assert.equal(embedded.mode, 'in-process');
    assert.equal(embedded.pid, process.pid);
    assert.equal(embedded.seed, 3);
    await assertForwards(connection);
    await connection.close();
    await assert.rejects(connection.client.version(), /fetch failed/);
  });

  it('an external URL wins over either mode and starts nothing', async () => {
    await using server = await connectToxiproxy({ env: {}, embedded: 'in-process' });
    await using external = await connectToxiproxy({ url: server.url, embedded: 'process' });
    assert.equal(external.embedded, undefined);
    assert.equal(await external.client.version(), '2.12.0');
  });

  it('rejects an unknown mode', async () => {
    await assert.rejects(connectToxiproxy({ env: {}, embedded: 'thread' as 'process' }), (e: unknown) => e instanceof FlowlabError && e.code === 'ERR_INVALID_ARGUMENT');
  });
});

describe('startToxiproxyProcess', () => {
  let dir = '';
  const script = async (name: string, source: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, source);
    return path;
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowlab-toxiproxy-process-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reports the address, seed and pid of serve-main.js, and stops it with SIGTERM', async () => {
    const started = await startToxiproxyProcess({ seed: 11 });
    assert.equal(started.seed, 11);
    assert.equal(started.host, '127.0.0.1');
    assert.equal(started.url, `http://127.0.0.1:${started.port}`);
    assert.ok(alive(started.pid));
    await Promise.all([started.stop(), started.stop()]);
    assert.equal(alive(started.pid), false);
  });

  it('fails clearly when the process exits before listening', async () => {
    const entry = await script('exits.mjs', 'process.stdout.write("half a line"); process.exit(3);\n');
    await assert.rejects(startToxiproxyProcess({ entry }), isStartError(/exited with code 3 before it was listening after printing "half a line"/));
  });

  it('fails clearly when the process prints something other than its address, and kills it', async () => {
    const entry = await script('garbage.mjs', 'console.log("hello"); setInterval(() => {}, 1000);\n');
    let pid = 0;
    await assert.rejects(startToxiproxyProcess({ entry }), (error: unknown) => {
      isStartError(/\(pid (\d+)\) printed "hello" instead of \{"url","host","port","seed"\}/)(error);
      pid = Number(/pid (\d+)/.exec((error as Error).message)![1]);
      return true;
    });
    assert.equal(alive(pid), false);
  });

  it('fails clearly when the process never reports, and kills it', async () => {
    const entry = await script('silent.mjs', 'setInterval(() => {}, 1000);\n');
    let pid = 0;
    await assert.rejects(startToxiproxyProcess({ entry, startupTimeoutMs: 300 }), (error: unknown) => {
      isStartError(/\(pid (\d+)\) did not report its address within 300 ms/)(error);
      pid = Number(/pid (\d+)/.exec((error as Error).message)![1]);
      return true;
    });
    assert.equal(alive(pid), false);
  });

  it('escalates to SIGKILL when the process ignores SIGTERM', async () => {
    const address = JSON.stringify({ url: 'http://127.0.0.1:1', host: '127.0.0.1', port: 1, seed: 1 });
    const entry = await script('stubborn.mjs', `process.on('SIGTERM', () => {}); console.log(${JSON.stringify(address)}); setInterval(() => {}, 1000);\n`);
    const started = await startToxiproxyProcess({ entry, stopGraceMs: 200 });
    assert.equal(started.port, 1);
    await started.stop();
    assert.equal(alive(started.pid), false);
  });
});
