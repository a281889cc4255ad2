/** Dashboard load on real processes: autocannon polls the JobManager's REST API while the job runs; every GET is answered 2xx and timed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobRun } from './job-run.js';
import { loadScenario } from './scenario-loader.js';
import { resultDocumentSchema } from './result-schema.js';
import { SourceFile } from './source-locations.js';
import { tinyScenario } from './test-support.js';

test('dashboard: REST GETs at a fixed rate while the job runs: answered 2xx, timed, and the job still exactly once', async () => {
  const text = `${tinyScenario('rest-load')}\n      dashboard: { rate: 100, connections: 2, paths: ['/jobs/{job}', '/jobs/{job}/metrics', '/overview'] }`;
  const loaded = loadScenario(SourceFile.parse('rest-load.yaml', text));
  const doc = resultDocumentSchema.parse(await new JobRun(loaded.options).execute());
  assert.equal(doc.state, 'completed', doc.error);
  const rest = doc.rest!;
  assert.deepEqual(rest.paths, ['/jobs/{job}', '/jobs/{job}/metrics', '/overview']);
  assert.ok(rest.requests.answered > 20, JSON.stringify(rest.requests));
  assert.equal(rest.ok2xx, rest.requests.answered, 'a job path with the real job id answers 2xx');
  assert.equal(rest.latencyUs.count, rest.requests.answered);
  assert.ok(rest.latencyUs.p50 !== null && rest.latencyUs.p50 > 0);
  assert.equal(doc.sink.lost, 0);
  assert.equal(doc.sink.duplicated, 0);
});

test('dashboard: a path without a leading slash names the field', () => {
  const text = `${tinyScenario('rest-bad')}\n      dashboard: { rate: 10, paths: ['jobs'] }`;
  assert.throws(() => loadScenario(SourceFile.parse('rest-bad.yaml', text)), /dashboard\.paths\[0\]: a path starting with \//);
});
