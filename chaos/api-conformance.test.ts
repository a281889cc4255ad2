// API conformance of the embedded server over raw HTTP: shapes, key order, status codes, error texts and
// content types, defaults, case-insensitive keys, routing (404/405/403), populate and reset
// (spec/toxiproxy-api.md §1).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startToxiproxyServer } from './index.js';
import { portOf, rawRequest, startEchoServer, startTcpServer, tryConnect } from './test-helpers.js';

const TEXT_PLAIN = 'text/plain; charset=utf-8';

function errorBody(message: string, status: number): string {
  return `${JSON.stringify({ error: message, status })}\n`;
}

describe('toxiproxy API over raw HTTP', () => {
  it('serves /version as hand-built JSON with a request id', async () => {
    await using server = await startToxiproxyServer({ seed: 1 });
    const res = await rawRequest(server.url, 'GET', '/version');
    assert.equal(res.status, 200);
    assert.equal(res.body, '{"version": "2.12.0"}\n');
    assert.equal(res.headers['content-type'], 'application/json;charset=utf-8');
    assert.match(String(res.headers['x-toxiproxy-request-id']), /^[0-9a-v]{20}$/);
  });

  it('creates a proxy: 201, exact shape and key order, actual bound address', async () => {
    await using server = await startToxiproxyServer({ seed: 1 });
    await using echo = await startEchoServer();
    const res = await rawRequest(server.url, 'POST', '/proxies', JSON.stringify({ name: 'db', listen: '127.0.0.1:0', upstream: echo.address }));
    assert.equal(res.status, 201);
    assert.equal(res.headers['content-type'], 'application/json');
    const port = portOf((JSON.parse(res.body) as { listen: string }).listen);
    assert.ok(port > 0);
    assert.equal(res.body, `{"name":"db","listen":"127.0.0.1:${port}","upstream":"${echo.address}","enabled":true,"Logger":{},"toxics":[]}`);
    assert.equal(await tryConnect(port), 'connected');
  });

  it('validates create in Toxiproxy order with exact error texts', async () => {
    await using server = await startToxiproxyServer({ seed: 1 });
    const post = (body: string) => rawRequest(server.url, 'POST', '/proxies', body);
    let res = await post('');
    assert.equal(res.status, 400);
    assert.equal(res.body, errorBody('bad request body: EOF', 400));
    assert.equal(res.headers['content-type'], TEXT_PLAIN);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    res = await post('{bad');
    assert.equal(res.body, errorBody("bad request body: invalid character 'b' looking for beginning of object key string", 400));
    res = await post('{"listen":"127.0.0.1:0","upstream":"x:1"}');
    assert.equal(res.body, errorBody('missing required field: name', 400));
    res = await post('{"name":"a","listen":"127.0.0.1:0"}');
    assert.equal(res.body, errorBody('missing required field: upstream', 400));
    res = await post('{"name":"a","upstream":"x:1","enabled":"yes"}');
    assert.equal(res.status, 400);
    assert.match(res.body, /^\{"error":"bad request body: json: cannot unmarshal string into Go struct field Proxy.enabled of type bool","status":400\}\n$/);
    res = await post('{"name":"a","listen":"127.0.0.1:0","upstream":"nohost:1"}');
    assert.equal(res.status, 201, 'upstream is not resolved at create');
    res = await post('{"name":"a","listen":"127.0.0.1:0","upstream":"nohost:1"}');
    assert.equal(res.status, 409);
    assert.equal(res.body, errorBody('proxy already exists', 409));
    res = await post('{"name":"b","listen":"local373","upstream":"x:1"}');
    assert.equal(res.status, 500);
    assert.equal(res.body, errorBody('listen tcp: address local373: missing port in address', 500));
    const listed = await rawRequest(server.url, 'GET', '/proxies');
    assert.deepEqual(Object.keys(JSON.parse(listed.body) as object), ['a'], 'a failed bind stores nothing');
  });

  it('binds all interfaces on a random port when listen is omitted', async () => {
    await using server = await startToxiproxyServer({ seed: 1 });
    const res = await rawRequest(server.url, 'POST', '/proxies', JSON.stringify({ name: 'any', upstream: 'x:1' }));
    assert.equal(res.status, 201);
    const listen = (JSON.parse(res.body) as { listen: string }).listen;
    assert.match(listen, /^(\[::\]|0\.0\.0\.0):\d+$/);
    assert.equal(await tryConnect(portOf(listen)), 'connected');
  });

  it('answers 500 with the OS text when the port is taken', async () => {
    await using server = await startToxiproxyServer({ seed: 1 });
    await using busy = await startTcpServer(() => {});
    const res = await rawRequest(server.url, 'POST', '/proxies', JSON.stringify({ name: 'p', listen: busy.address, upstream: 'x:1' }));
    assert.equal(res.status, 500);
    assert.equal(res.body, errorBody(`listen tcp ${busy.address}: bind: address already in use`, 500));
  });

  it('matches keys case-insensitively, ignores unknown keys and trailing bytes, keeps defaults for null', async () => {
    await using server = await startToxiproxyServer({ seed: 1 });
    const res = await rawRequest(server.url, 'POST', '/proxies', '{"NAME":"ci","Listen":"127.0.0.1:0","UpStream":"x:1","Enabled":null,"extra":[1,{"a":2}]} trailing');
    assert.equal(res.status, 201);
    const proxy = JSON.parse(res.body) as { name: string; enabled: boolean };
    assert.equal(proxy.name, 'ci');
    assert.equal(proxy.enabled, true);
    const toxic = await rawRequest(server.url, 'POST', '/proxies/ci/toxics', '{"Type":"bandwidth","STREAM":"UPSTREAM","Attributes":{"Rate":100}}');
    assert.equal(toxic.status, 200);
    assert.equal(toxic.body, '{"attributes":{"rate":100},"name":"bandwidth_UPSTREAM","type":"bandwidth","stream":"UPSTREAM","toxicity":1}');
  });

  it('keeps a disabled proxy unbound with its listen verbatim, and binds it on enable', async () => {
    await using server = await startToxiproxyServer({ seed: 1 });
    await using echo = await startEchoServer();
    let res = await rawRequest(server.url, 'POST', '/proxies', JSON.stringify({ name: 'off', listen: 'localhost:0', upstream: echo.address, enabled: false }));
    assert.equal(res.status, 201);
    assert.equal(res.body, `{"name":"off","listen":"localhost:0","upstream":"${echo.address}","enabled":false,"Logger":{},"toxics":[]}`);
    res = await rawRequest(server.url, 'PATCH', '/proxies/off', '{"enabled":true}');
    assert.equal(res.status, 200);
    const proxy = JSON.parse(res.body) as { listen: string; enabled: boolean };
    assert.equal(proxy.enabled, true);
    assert.match(proxy.listen, /^127\.0\.0\.1:\d+$/);
    assert.equal(await tryConnect(portOf(proxy.listen)), 'connected');
  });

  it('lists proxies as an object with Go-sorted keys', async () => {
    await using server = await startToxiproxyServer({ seed: 1 });
    assert.equal((await rawRequest(server.url, 'GET', '/proxies')).body, '{}');
    for (const name of ['b', '9', '10', 'a']) {
      await rawRequest(server.url, 'POST', '/proxies', JSON.stringify({ name, listen: '127.0.0.1:0', upstream: 'x:1', enabled: false }));
    }
    const res = await rawRequest(server.url, 'GET', '/proxies');
    assert.equal(res.status, 200);
    assert.deepEqual(
      [...res.body.matchAll(/"name":"([^"]+)"/g)].map((m) => m[1]),
      ['10', '9', 'a', 'b'],
    );
  });

  it('routes exactly: 404 text, 405 empty, browser 403, no request id on 404/405', async () => {
    await using server = await startToxiproxyServer({ seed: 1 });
    let res = await rawRequest(server.url, 'GET', '/nope');
    assert.equal(res.status, 404);
    assert.equal(res.body, '404 page not found\n');
    assert.equal(res.headers['content-type'], TEXT_PLAIN);
    assert.equal(res.headers['x-toxiproxy-request-id'], undefined);
    res = await rawRequest(server.url, 'GET', '/proxies/');
    assert.equal(res.status, 404, 'no trailing-slash tolerance');
    for (const [method, path] of [
      ['PUT', '/proxies'],
      ['GET', '/reset'],
      ['DELETE', '/proxies'],
      ['GET', '/populate'],
      ['HEAD', '/version'],
      ['PUT', '/proxies/x/toxics/y'],
    ] as const) {
      res = await rawRequest(server.url, method, path);
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.body, '');
      assert.equal(res.headers['x-toxiproxy-request-id'], undefined);
    }
    res = await rawRequest(server.url, 'GET', '/proxies', undefined, { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)' });
    assert.equal(res.status, 403);
    assert.equal(res.body, 'User agent not allowed\n');
    assert.equal(res.headers['content-type'], TEXT_PLAIN);
    res = await rawRequest(server.url, 'GET', '/proxies', undefined, { 'user-agent': 'curl/8.0' });
    assert.equal(res.status, 200);
    res = await rawRequest(server.url, 'GET', '/metrics');
    assert.equal(res.status, 404, 'metrics are off');
  });

  it('handles toxics: defaults, 200 on create, validation order, listing order, merge on update, 404s', async () => {
    await using server = await startToxiproxyServer({ seed: 1 });
    await rawRequest(server.url, 'POST', '/proxies', JSON.stringify({ name: 'p', listen: '127.0.0.1:0', upstream: 'x:1' }));
    const post = (body: string) => rawRequest(server.url, 'POST', '/proxies/p/toxics', body);
    let res = await post('{"type":"latency"}');
    assert.equal(res.status, 200);
    assert.equal(res.body, '{"attributes":{"latency":0,"jitter":0},"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":1}');
    res = await post('{"type":"latency"}');
    assert.equal(res.status, 409);
    assert.equal(res.body, errorBody('toxic already exists', 409));
    res = await post('{"type":"latency","stream":"upstream"}');
    assert.equal(res.status, 200);
    res = await post('{"type":"latency","stream":""}');
    assert.equal(res.body, errorBody('stream was invalid, can be either upstream or downstream', 400));
    res = await post('{"type":"down"}');
    assert.equal(res.body, errorBody('invalid toxic type', 400));
    res = await post('{}');
    assert.equal(res.body, errorBody('invalid toxic type', 400));
    res = await post('{"type":"latency","name":"frac","attributes":{"latency":1.5}}');
    assert.equal(res.status, 400);
    assert.match(res.body, /bad request body: json: cannot unmarshal number 1\.5 into Go struct field LatencyToxic\.latency of type int64/);
    res = await post('{"type":"slicer","name":"s0"}');
    assert.equal(res.status, 400, 'slicer average_size 0 would crash Go');
    res = await post('{"type":"slicer","name":"s1","attributes":{"average_size":10,"size_variation":10}}');
    assert.equal(res.status, 400, 'size_variation >= average_size would crash Go');
    res = await post('{"type":"bandwidth","name":"neg","attributes":{"rate":-1}}');
    assert.equal(res.status, 400, 'negative rate would crash Go');
    res = await post('{"type":"noop","name":"n","toxicity":0.2,"attributes":{"ignored":5}}');
    assert.equal(res.body, '{"attributes":{},"name":"n","type":"noop","stream":"downstream","toxicity":0.2}');
    res = await post('{"type":"slicer","name":"sl","stream":"upstream","toxicity":-1,"attributes":{"average_size":8,"size_variation":2}}');
    assert.equal(res.body, '{"attributes":{"average_size":8,"size_variation":2,"delay":0},"name":"sl","type":"slicer","stream":"upstream","toxicity":-1}');
    res = await rawRequest(server.url, 'GET', '/proxies/p/toxics');
    assert.deepEqual(
      (JSON.parse(res.body) as Array<{ name: string }>).map((t) => t.name),
      ['latency_upstream', 'sl', 'latency_downstream', 'n'],
      'upstream first, then downstream, each in creation order',
    );
    res = await rawRequest(server.url, 'PATCH', '/proxies/p/toxics/latency_downstream', '{"attributes":{"jitter":5},"type":"timeout","stream":"upstream"}');
    assert.equal(res.status, 200);
    assert.equal(res.body, '{"attributes":{"latency":0,"jitter":5},"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":1}');
    res = await rawRequest(server.url, 'POST', '/proxies/p/toxics/latency_downstream', '{"attributes":{"latency":7},"toxicity":0.5}');
    assert.equal(res.body, '{"attributes":{"latency":7,"jitter":5},"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":0.5}');
    res = await rawRequest(server.url, 'GET', '/proxies/p/toxics/latency_downstream');
    assert.equal(res.status, 200);
    res = await rawRequest(server.url, 'PATCH', '/proxies/p/toxics/missing', 'not json');
    assert.equal(res.body, errorBody('toxic not found', 404), 'existence is checked before the body');
    res = await rawRequest(server.url, 'POST', '/proxies/missing/toxics', 'not json');
    assert.equal(res.body, errorBody('proxy not found', 404));
    res = await rawRequest(server.url, 'DELETE', '/proxies/p/toxics/n');
    assert.equal(res.status, 204);
    assert.equal(res.body, '');
    res = await rawRequest(server.url, 'DELETE', '/proxies/p/toxics/n');
    assert.equal(res.body, errorBody('toxic not found', 404));
    res = await rawRequest(server.url, 'GET', '/proxies/missing/toxics/x');
    assert.equal(res.body, errorBody('proxy not found', 404));
  });

  it('updates proxies: 404 first, omitted fields kept, name ignored, listen change rebinds', async () => {
    await using server = await startToxiproxyServer({ seed: 1 });
    let res = await rawRequest(server.url, 'PATCH', '/proxies/none', 'garbage');
    assert.equal(res.body, errorBody('proxy not found', 404));
    res = await rawRequest(server.url, 'POST', '/proxies', JSON.stringify({ name: 'u', listen: '127.0.0.1:0', upstream: 'x:1' }));
    const first = JSON.parse(res.body) as { listen: string };
    res = await rawRequest(server.url, 'PATCH', '/proxies/u', '{"name":"renamed","upstream":"y:2"}');
    assert.equal(res.status, 200);
    const updated = JSON.parse(res.body) as { name: string; listen: string; upstream: string; enabled: boolean };
    assert.equal(updated.name, 'u');
    assert.equal(updated.upstream, 'y:2');
    assert.equal(updated.enabled, true);
    assert.equal(updated.listen, first.listen, 'restarted on the same bound address');
    res = await rawRequest(server.url, 'PATCH', '/proxies/u', '{"enabled":"no"}');
    assert.equal(res.status, 400);
    res = await rawRequest(server.url, 'DELETE', '/proxies/u');
    assert.equal(res.status, 204);
    res = await rawRequest(server.url, 'DELETE', '/proxies/u');
    assert.equal(res.body, errorBody('proxy not found', 404));
    assert.equal(await tryConnect(portOf(first.listen)), 'ECONNREFUSED');
  });

  it('populates: validation first, create/keep/replace in order, never deletes, errors carry proxies', async () => {
    await using server = await startToxiproxyServer({ seed: 1 });
    await using busy = await startTcpServer(() => {});
    let res = await rawRequest(server.url, 'POST', '/populate', '[]');
    assert.equal(res.status, 201);
    assert.equal(res.body, '{"proxies":null}');
    res = await rawRequest(server.url, 'POST', '/populate', '{"name":"x"}');
    assert.equal(res.status, 400);
    assert.match(res.body, /^\{"error":"bad request body: json: cannot unmarshal object into Go value of type \[\][^"]+","status":400,"proxies":null\}$/);
    res = await rawRequest(server.url, 'POST', '/populate', JSON.stringify([{ name: 'a', upstream: 'x:1' }, { name: 'b' }]));
    assert.equal(res.body, JSON.stringify({ error: 'missing required field: upstream at proxy 2', status: 400, proxies: null }));
    assert.equal((await rawRequest(server.url, 'GET', '/proxies')).body, '{}', 'nothing created when validation fails');

    await rawRequest(server.url, 'POST', '/proxies', JSON.stringify({ name: 'keep', listen: '127.0.0.1:0', upstream: 'k:1' }));
    await rawRequest(server.url, 'POST', '/proxies/keep/toxics', '{"type":"noop"}');
    await rawRequest(server.url, 'POST', '/proxies', JSON.stringify({ name: 'swap', listen: '127.0.0.1:0', upstream: 's:1' }));
    await rawRequest(server.url, 'POST', '/proxies/swap/toxics', '{"type":"noop"}');
    await rawRequest(server.url, 'POST', '/proxies', JSON.stringify({ name: 'untouched', listen: '127.0.0.1:0', upstream: 'u:1', enabled: false }));
    const keep = JSON.parse((await rawRequest(server.url, 'GET', '/proxies/keep')).body) as { listen: string };
    const swap = JSON.parse((await rawRequest(server.url, 'GET', '/proxies/swap')).body) as { listen: string };

    res = await rawRequest(
      server.url,
      'POST',
      '/populate',
      JSON.stringify([
        { name: 'keep', listen: keep.listen, upstream: 'k:1', enabled: false },
        { name: 'swap', listen: swap.listen, upstream: 's:2' },
        { name: 'new', listen: '127.0.0.1:0', upstream: 'n:1' },
      ]),
    );
    assert.equal(res.status, 201);
    const out = (JSON.parse(res.body) as { proxies: Array<{ name: string; enabled: boolean; upstream: string; toxics: unknown[] }> }).proxies;
    assert.deepEqual(out.map((p) => p.name), ['keep', 'swap', 'new']);
    assert.equal(out[0]!.enabled, true, 'kept unchanged: enabled flag not applied');
    assert.equal(out[0]!.toxics.length, 1, 'kept with its toxics');
    assert.equal(out[1]!.upstream, 's:2');
    assert.equal(out[1]!.toxics.length, 0, 'replaced by a fresh proxy');
    const all = JSON.parse((await rawRequest(server.url, 'GET', '/proxies')).body) as Record<string, unknown>;
    assert.deepEqual(Object.keys(all), ['keep', 'new', 'swap', 'untouched']);

    res = await rawRequest(
      server.url,
      'POST',
      '/populate',
      JSON.stringify([
        { name: 'first', listen: '127.0.0.1:0', upstream: 'f:1' },
        { name: 'clash', listen: busy.address, upstream: 'c:1' },
        { name: 'never', listen: '127.0.0.1:0', upstream: 'n:1' },
      ]),
    );
    assert.equal(res.status, 500);
    const failed = JSON.parse(res.body) as { error: string; status: number; proxies: Array<{ name: string }> };
    assert.equal(failed.error, `listen tcp ${busy.address}: bind: address already in use`);
    assert.equal(failed.status, 500);
    assert.deepEqual(failed.proxies.map((p) => p.name), ['first']);
    const after = JSON.parse((await rawRequest(server.url, 'GET', '/proxies')).body) as Record<string, unknown>;
    assert.ok('first' in after && !('clash' in after) && !('never' in after));
  });

  it('resets: enables every proxy and removes every toxic', async () => {
    await using server = await startToxiproxyServer({ seed: 1 });
    await rawRequest(server.url, 'POST', '/proxies', JSON.stringify({ name: 'r', listen: '127.0.0.1:0', upstream: 'x:1' }));
    await rawRequest(server.url, 'POST', '/proxies/r/toxics', '{"type":"latency","attributes":{"latency":10}}');
    const disabled = JSON.parse((await rawRequest(server.url, 'PATCH', '/proxies/r', '{"enabled":false}')).body) as { listen: string; enabled: boolean };
    assert.equal(disabled.enabled, false);
    assert.equal(await tryConnect(portOf(disabled.listen)), 'ECONNREFUSED');
    const res = await rawRequest(server.url, 'POST', '/reset', 'ignored body');
    assert.equal(res.status, 204);
    assert.equal(res.body, '');
    const after = JSON.parse((await rawRequest(server.url, 'GET', '/proxies/r')).body) as { listen: string; enabled: boolean; toxics: unknown[] };
    assert.equal(after.enabled, true);
    assert.deepEqual(after.toxics, []);
    assert.equal(after.listen, disabled.listen, 're-enabled on the same port');
    assert.equal(await tryConnect(portOf(after.listen)), 'connected');
  });

  it('stop() is idempotent and closes proxies', async () => {
    const server = await startToxiproxyServer({ seed: 1 });
    const res = await rawRequest(server.url, 'POST', '/proxies', JSON.stringify({ name: 's', listen: '127.0.0.1:0', upstream: 'x:1' }));
    const port = portOf((JSON.parse(res.body) as { listen: string }).listen);
    await server.stop();
    await server.stop();
    assert.equal(await tryConnect(port), 'ECONNREFUSED');
    assert.equal(await tryConnect(server.port), 'ECONNREFUSED');
  });
});
