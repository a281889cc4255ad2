// Fuzz (issue 14): the chaos API's request bodies. Arbitrary and near-valid bodies on every endpoint that reads
// one get Toxiproxy's answers (2xx, or 400/404/409 with {"error","status"}; 500 only for a listen address that
// cannot be bound or resolved), never a crash or an unexpected failure, and the server keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzParameters } from '../core/index.js';
import { startToxiproxyServer } from './index.js';
import { rawRequest } from './test-helpers.js';

const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(1e300), fc.constant(-1));
const value = fc.oneof(scalar, fc.jsonValue({ maxDepth: 2 }));
const listen = fc.oneof(fc.constant('127.0.0.1:0'), fc.constant('localhost:0'), fc.string({ maxLength: 16 }), value);

const proxyBody = fc.record(
  { name: fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), value), listen, upstream: fc.oneof(fc.constant('127.0.0.1:1'), value), enabled: fc.oneof(fc.boolean(), value) },
  { requiredKeys: [] },
);
const attributes = fc.dictionary(
  fc.constantFrom('latency', 'jitter', 'rate', 'delay', 'timeout', 'average_size', 'size_variation', 'bytes', 'Latency', 'RATE'),
  fc.oneof(fc.integer({ min: -5, max: 5_000 }), value),
);
const toxicBody = fc.record(
  {
    name: fc.oneof(fc.string({ maxLength: 8 }), value),
    type: fc.oneof(fc.constantFrom('latency', 'bandwidth', 'slow_close', 'timeout', 'reset_peer', 'slicer', 'limit_data', 'noop', 'down'), value),
    stream: fc.oneof(fc.constantFrom('upstream', 'downstream', 'UPSTREAM', ''), value),
    toxicity: fc.oneof(fc.double({ min: -1, max: 2, noNaN: true }), value),
    attributes: fc.oneof(attributes, value),
  },
  { requiredKeys: [] },
);

function text(arbitrary: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: arbitrary.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: arbitrary.map((v) => JSON.stringify(v).slice(0, -1)) },
  );
}

const request = fc.oneof(
  text(proxyBody).map((body) => ({ method: 'POST', path: '/proxies', body })),
  text(fc.array(proxyBody, { maxLength: 3 })).map((body) => ({ method: 'POST', path: '/populate', body })),
  text(proxyBody).map((body) => ({ method: 'PATCH', path: '/proxies/p', body })),
  text(toxicBody).map((body) => ({ method: 'POST', path: '/proxies/p/toxics', body })),
  text(toxicBody).map((body) => ({ method: 'POST', path: '/proxies/p/toxics/t', body })),
);

test('fuzz: chaos API bodies get Toxiproxy answers only, and the server keeps serving', async () => {
  await using server = await startToxiproxyServer({ seed: 11 });
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(request, async ({ method, path, body }) => {
      runs++;
      // a known proxy and toxic, so updates reach their handlers too (their own creation may fail: fine)
      await rawRequest(server.url, 'POST', '/proxies', '{"name":"p","listen":"127.0.0.1:0","upstream":"127.0.0.1:1","enabled":false}');
      await rawRequest(server.url, 'POST', '/proxies/p/toxics', '{"name":"t","type":"latency"}');
      const res = await rawRequest(server.url, method, path, body);
      const where = `${method} ${path} ${body.slice(0, 160)} → ${res.status} ${res.body.slice(0, 200)}`;
      assert.ok([200, 201, 204, 400, 404, 409, 500].includes(res.status), where);
      if (res.status >= 400) {
        const error = JSON.parse(res.body) as { error: unknown; status: unknown };
        assert.equal(typeof error.error, 'string', where);
        assert.equal(error.status, res.status, where);
        if (res.status === 500) assert.match(error.error as string, /^listen tcp|lookup|address|bind/, where);
      }
      if (runs % 25 === 0) await rawRequest(server.url, 'POST', '/reset');
      if (runs % 50 === 0) for (const name of Object.keys(JSON.parse((await rawRequest(server.url, 'GET', '/proxies')).body) as object)) await rawRequest(server.url, 'DELETE', `/proxies/${encodeURIComponent(name)}`);
    }),
    fuzzParameters(500),
  );
  const version = await rawRequest(server.url, 'GET', '/version');
  assert.equal(version.status, 200, `still serving after ${runs} runs`);
});
