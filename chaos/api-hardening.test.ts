// The chaos API under hostile or unusual requests, measured against Toxiproxy v2.12.0 (issue 14: defect 8 and
// the fidelity list): a body cap (413), 64 KiB URLs, gorilla/mux's 301 to the cleaned path, populate error bodies.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startToxiproxyServer } from './index.js';
import { rawRequest } from './test-helpers.js';

/** Streams `bytes` of body (chunked, no content-length) and resolves with the status, or the socket error code. */
function postHuge(baseUrl: string, path: string, bytes: number): Promise<number | string> {
  return new Promise((resolve) => {
    const url = new URL(path, baseUrl);
    const req = request({ host: url.hostname, port: url.port, method: 'POST', path, agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    const chunk = Buffer.alloc(1 << 20, 0x20);
    let sent = 0;
    const pump = (): void => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** GET with the path sent exactly as written (no URL resolution, which would read `//proxies` as a host). */
function getVerbatim(baseUrl: string, path: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const url = new URL(baseUrl);
    const req = request({ host: url.hostname, port: url.port, method: 'GET', path, agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('chaos API hardening', () => {
  it('answers 413 to a body over the limit, with or without a content-length, and keeps serving', async () => {
    await using server = await startToxiproxyServer({ seed: 1 });
    const declared = await rawRequest(server.url, 'POST', '/proxies', 'x'.repeat(2 * 1024 * 1024));
    assert.equal(declared.status, 413);
    assert.deepEqual(JSON.parse(declared.body), { error: 'request body too large', status: 413 });
    const streamed = await postHuge(server.url, '/populate', 64 * 1024 * 1024);
    assert.ok(streamed === 413 || streamed === 'ECONNRESET' || streamed === 'EPIPE', `got ${streamed}`);
    const res = await rawRequest(server.url, 'POST', '/proxies', JSON.stringify({ name: 'after', listen: '127.0.0.1:0', upstream: 'x:1', enabled: false }));
    assert.equal(res.status, 201);
  });

  it('reads and deletes a proxy whose name makes the URL 64 KiB long (Go accepts 1 MB of headers)', async () => {
    await using server = await startToxiproxyServer({ seed: 1 });
    const name = 'n'.repeat(64 * 1024);
    const created = await rawRequest(server.url, 'POST', '/proxies', JSON.stringify({ name, listen: '127.0.0.1:0', upstream: 'x:1', enabled: false }));
    assert.equal(created.status, 201);
    assert.equal((await rawRequest(server.url, 'GET', `/proxies/${name}`)).status, 200);
    assert.equal((await rawRequest(server.url, 'GET', `/proxies/${name}/toxics`)).status, 200);
    assert.equal((await rawRequest(server.url, 'DELETE', `/proxies/${name}`)).status, 204);
  });

  it('redirects an unclean path with 301 to the cleaned one, as gorilla/mux does', async () => {
    await using server = await startToxiproxyServer({ seed: 1 });
    for (const [path, location] of [
      ['//proxies', '/proxies'],
      ['/proxies/../version', '/version'],
      ['/./reset', '/reset'],
      ['/proxies//x?q=1', '/proxies/x?q=1'],
    ] as const) {
      const res = await getVerbatim(server.url, path);
      assert.equal(res.status, 301, path);
      assert.equal(res.headers['location'], location, path);
      assert.equal(res.headers['x-toxiproxy-request-id'], undefined);
    }
    assert.equal((await rawRequest(server.url, 'GET', '/proxies/')).status, 404, 'a trailing slash is clean, and unrouted');
  });

  it('sends /populate errors as application/json without a trailing newline', async () => {
    await using server = await startToxiproxyServer({ seed: 1 });
    const res = await rawRequest(server.url, 'POST', '/populate', JSON.stringify([{ name: 'a' }]));
    assert.equal(res.status, 400);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.body, '{"error":"missing required field: upstream at proxy 1","status":400,"proxies":null}');
  });
});
