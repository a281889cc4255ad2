// Fuzz (issue 14): the REST job-graph input. validateJobGraph on arbitrary and near-valid graphs throws only
// typed FlowlabErrors; POST /jobs with arbitrary bodies answers 4xx with a JSON error naming a code (never 5xx),
// and the JobManager keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import fc from 'fast-check';
import { FlowlabError, createLogger, fuzzParameters, resolveConfig } from '../../core/index.js';
import { presetJobGraph, validateJobGraph, type JobGraphSpec } from '../job/index.js';
import { JobManager } from './job-manager.js';

const anyValue = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue(), fc.constant(1e308), fc.constant(-0));

/** A preset graph with some fields replaced by arbitrary values, some deleted, some added. */
const nearValidGraph: fc.Arbitrary<unknown> = fc
  .tuple(
    fc.constantFrom('source-sink', 'source-map-sink', 'keyby-aggregate', 'fan-in' as const),
    fc.integer({ min: 1, max: 4 }),
    fc.array(fc.tuple(fc.constantFrom('vertices', 'edges', 'name'), fc.nat(5), fc.string(), anyValue), { maxLength: 4 }),
  )
  .map(([preset, parallelism, edits]) => {
    const graph = JSON.parse(JSON.stringify(presetJobGraph(preset, parallelism))) as Record<string, unknown>;
    for (const [part, index, key, value] of edits) {
      const target = graph[part];
      if (Array.isArray(target) && target.length > 0) {
        const element = target[index % target.length] as unknown;
        if (typeof element !== 'object' || element === null) {
          target[index % target.length] = value;
          continue;
        }
        const keys = Object.keys(element);
        const victim = keys.length > 0 && key.length % 2 === 0 ? keys[key.length % keys.length]! : key;
        if (key.length % 3 === 0) delete (element as Record<string, unknown>)[victim];
        else (element as Record<string, unknown>)[victim] = value;
      } else {
        graph[part] = value;
      }
    }
    return graph;
  });

test('fuzz: validateJobGraph accepts or throws a typed FlowlabError, nothing else', () => {
  fc.assert(
    fc.property(fc.oneof(nearValidGraph, fc.jsonValue(), fc.anything()), (input) => {
      try {
        validateJobGraph(input as JobGraphSpec);
      } catch (error) {
        assert.ok(error instanceof FlowlabError, `${(error as Error).name}: ${(error as Error).message}`);
      }
    }),
    fuzzParameters(3000),
  );
});

function post(address: { host: string; port: number }, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address.host, port: address.port, method: 'POST', path, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('fuzz: POST /jobs with arbitrary bodies answers a JSON 4xx (or 201), never 5xx, and the JobManager keeps serving', async () => {
  await using jm = await JobManager.start({ config: resolveConfig({ 'rest.port': 0 }), restPort: 0, logger: createLogger('fuzz', 'error') });
  const bodies = fc.oneof(
    nearValidGraph.map((g) => JSON.stringify(g)),
    fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
    fc.string(),
    fc.uint8Array({ maxLength: 200 }).map((u) => Buffer.from(u).toString('latin1')),
  );
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(bodies, async (body) => {
      runs++;
      const res = await post(jm.restAddress, '/jobs', body);
      assert.ok(res.status < 500, `status ${res.status} for ${body.slice(0, 200)}: ${res.text}`);
      const parsed = JSON.parse(res.text) as Record<string, unknown>;
      if (res.status >= 400) assert.equal(typeof (parsed['code'] ?? (parsed['error'] as Record<string, unknown> | undefined)?.['code']), 'string', res.text);
    }),
    fuzzParameters(300),
  );
  const res = await post(jm.restAddress, '/jobs', '{}');
  assert.equal(res.status, 400, `still serving after ${runs} runs`);
});
