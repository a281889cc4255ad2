/**
 * `flowlab bench micro`: smoke output through the CLI is a valid result document that `flowlab baseline save` and
 * `flowlab gate` take case by case; a case whose output is wrong is errored, never timed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MicroCheckError } from '../core/index.js';
import { chunkQueueCase } from '../chaos/index.js';
import { deserializerCase, serializerCase, spanningDeserializerCase } from '../runtime/index.js';
import { MICRO_CASE_NAMES, microCases, runMicroBench } from './micro-bench.js';
import { resultDocumentSchema } from './result-schema.js';
import { verdictDocumentSchema } from './gate/index.js';
import { CLI, tempDir } from './test-support.js';

const run = promisify(execFile);

test('every case passes its own check after one run, and fails it before any run (an empty output is caught)', () => {
  const cases = microCases();
  assert.deepEqual(cases.map((c) => c.name), [...MICRO_CASE_NAMES]);
  for (const c of cases) {
    assert.throws(() => c.check(), MicroCheckError, `${c.name}: check before any run`);
    c.run();
    c.check();
    c.dispose?.();
  }
});

test('a serializer that serializes nothing, or a chunk queue that moves nothing, fails its case: errored with the reason, not timed', async () => {
  const real = serializerCase(100, 'serializer-100b');
  const lazy = { ...real, name: 'lazy-serializer', run: () => undefined };
  const doc = await runMicroBench({ cases: [lazy, spanningDeserializerCase(), deserializerCase(100, 'deserializer-100b'), { ...chunkQueueCase(), run: () => undefined }], timeMs: 20, warmupMs: 0 });
  assert.equal(doc.state, 'errored');
  const byName = Object.fromEntries(doc.micro!.cases.map((c) => [c.name, c]));
  assert.equal(byName['lazy-serializer']!.state, 'errored');
  assert.match(byName['lazy-serializer']!.error!, /record 0: length prefix 0, expected 100/);
  assert.equal(byName['lazy-serializer']!.samples, 0, 'not timed');
  assert.equal(byName['deserializer-spanning-3-buffers']!.state, 'completed');
  assert.equal(byName['deserializer-100b']!.state, 'completed');
  assert.equal(byName['chaos-chunk-queue']!.state, 'errored');
  assert.match(doc.error!, /lazy-serializer/);
  resultDocumentSchema.parse(doc);
});

test('flowlab bench micro --smoke --repetitions 3: result documents, a baseline from them, and a gate that judges every case', async (t) => {
  const out = tempDir(t);
  const only = ['serializer-100b', 'deserializer-spanning-3-buffers', 'key-group-selection', 'chaos-chunk-queue'];
  const bench = await run(process.execPath, [CLI, 'bench', 'micro', '--smoke', '--repetitions', '3', '--only', only.join(','), '--out', out]);
  assert.match(bench.stdout, /serializer-100b\s+[\d,]+\s+[\d.]+ (ns|µs)/);
  const dirs = [1, 2, 3].map((k) => join(out, `rep-${k}`));
  for (const dir of dirs) {
    const doc = resultDocumentSchema.parse(JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')));
    assert.equal(doc.state, 'completed');
    assert.deepEqual(doc.micro!.cases.map((c) => c.name), only);
    for (const c of doc.micro!.cases) {
      assert.ok(c.samples > 0 && c.opsPerSec > 0 && c.meanNs > 0 && c.p99Ns > 0 && c.rmePct >= 0, JSON.stringify(c));
    }
  }
  const baseline = join(out, 'baseline.json');
  await run(process.execPath, [CLI, 'baseline', 'save', ...dirs, '--to', baseline]);
  const stored = JSON.parse(readFileSync(baseline, 'utf8')) as { scenarios: Record<string, { scalars: Record<string, { samples: number[] }> }> };
  const scalars = stored.scenarios['micro/base']!.scalars;
  for (const name of only) assert.equal(scalars[`micro.opsPerSec@${name}`]?.samples.length, 3, `${name} in ${Object.keys(scalars).join(', ')}`);
  // the same runs against their own baseline: every case is judged (no timing assertion: any verdict but invalid)
  const gate = await run(process.execPath, [CLI, 'gate', ...dirs, '--baseline', baseline, '--json']).catch((error: { stdout: string }) => error);
  const verdict = verdictDocumentSchema.parse(JSON.parse(gate.stdout));
  const gates = verdict.scenarios.flatMap((s) => s.gates).filter((g) => g.metric === 'micro.opsPerSec');
  assert.deepEqual(gates.map((g) => g.phase).sort(), [...only].sort());
  assert.ok(gates.every((g) => g.verdict !== 'invalid'), JSON.stringify(gates));
});

test('--only names an unknown case: exit 2 naming the flag', async () => {
  const failed = await run(process.execPath, [CLI, 'bench', 'micro', '--smoke', '--only', 'serializer-100b,nope']).then(
    () => assert.fail('expected a usage error'),
    (error: { code: number; stderr: string }) => error,
  );
  assert.notEqual(failed.code, 0);
  assert.match(failed.stderr, /--only: unknown nope; choose from .*serializer-100b/);
});
