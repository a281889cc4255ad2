/**
 * Baselines on disk: saved from a results folder with provenance and read back equal; control runs A and B pooled
 * with their noise floor; a broken file fails naming the field; runs that did not complete are refused unless left
 * out on purpose. And the JSON Schemas of the baseline and verdict documents are the committed ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeededRandom } from '../../core/index.js';
import { jsonSchemas } from '../json-schemas.js';
import { SUITE_INDEX_VERSION, type SuiteIndex } from '../suite-schema.js';
import { buildBaseline, loadBaseline, saveBaseline } from './baseline.js';
import { GateDocumentError, GateInputError } from './gate-errors.js';
import { fakeResult, logNormalLatencies, normal } from './fake-results.js';
import { loadCurrentResults, loadResultSets } from './results-input.js';

const SCHEMAS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'schemas');

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowlab-baseline-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A suite results folder as SuiteRunner writes it: suite.json and runs/<scenario>/<variant>/rep-<k>/result.json. */
function writeSuiteFolder(dir: string, states: Array<'completed' | 'errored'> = ['completed', 'completed', 'completed']): string {
  const random = new SeededRandom(7);
  const runs: SuiteIndex['runs'] = [];
  let index = 0;
  states.forEach((state, rep) => {
    for (const [scenario, variant] of [
      ['peak', 'A'],
      ['peak', 'B'],
      ['latency', 'base'],
    ] as const) {
      const rel = join('runs', scenario, variant, `rep-${rep + 1}`);
      mkdirSync(join(dir, rel), { recursive: true });
      const doc = fakeResult({
        scenario,
        repetition: rep + 1,
        ...(variant !== 'base' ? { control: variant } : {}),
        state: scenario === 'latency' ? state : 'completed',
        recordsPerSec: normal(random, scenario === 'peak' ? 50_000 : 10_000, 300),
        latencyUs: logNormalLatencies(random, 2000, 1500),
        loopbackBytesPerSec: 1.2e9,
      });
      writeFileSync(join(dir, rel, 'result.json'), JSON.stringify(doc));
      runs.push({
        index: index++,
        scenario,
        variant,
        parameters: variant === 'base' ? {} : { control: variant },
        repetition: rep + 1,
        repetitions: states.length,
        state: doc.state === 'completed' ? 'completed' : 'errored',
        dir: rel,
        files: { result: 'result.json', hlog: null, timeseries: 'timeseries.csv', hgrm: {} },
        summary: null,
      });
    }
  });
  const suite: SuiteIndex = {
    schemaVersion: SUITE_INDEX_VERSION,
    suite: 'nightly-test',
    description: 'test',
    file: 'suite.yaml',
    state: 'completed',
    startedAt: '2026-11-30T02:00:00.000Z',
    finishedAt: '2026-11-30T02:05:00.000Z',
    flowlab: { version: '0.1.0', commit: 'c0ffee0000000000000000000000000000000000' },
    environment: { cpuModel: 'AMD EPYC', cores: 2, memoryBytes: 25e9, os: 'Linux', node: 'v20.20.2' },
    options: { filter: null, bail: false, repetitions: null },
    runs,
    rateSweeps: [],
      shapes: [],
  };
  writeFileSync(join(dir, 'suite.json'), JSON.stringify(suite));
  return dir;
}

test('a baseline saved from a suite folder keeps samples, histograms, provenance and the A/A floor, and reads back equal', (t) => {
  const dir = tempDir(t);
  const folder = writeSuiteFolder(join(dir, 'results', 'nightly-test', '2026-11-30T02-00-00Z'));
  const baseline = buildBaseline(loadResultSets([folder]), { name: 'nightly-test' });
  assert.deepEqual(Object.keys(baseline.scenarios).sort(), ['latency/base', 'peak/base']);
  const peak = baseline.scenarios['peak/base']!;
  assert.equal(peak.runs, 6, 'control runs A and B pool as the scenario itself');
  const tput = peak.scalars['throughput.recordsPerSec@steady']!;
  assert.equal(tput.n, 6);
  assert.equal(tput.samples.length, 6);
  assert.ok(Math.abs(tput.mean - 50_000) < 500);
  assert.ok(peak.scalars['throughput.calibrated@steady'], 'throughput as a ratio to the loopback calibration');
  assert.equal(peak.latency['steady']!.runs.length, 6);
  assert.equal(peak.latency['steady']!.count, 12_000);
  assert.ok(peak.vertices['map']);
  assert.equal(baseline.flowlab.commit, 'c0ffee0000000000000000000000000000000000');
  assert.equal(baseline.environment?.cpuModel, 'AMD EPYC');
  assert.equal(baseline.calibration?.loopbackBytesPerSec, 1.2e9);
  assert.equal(baseline.noiseFloor?.scenario, 'peak');
  assert.equal(baseline.noiseFloor?.runsPerVariant, 3);
  assert.equal(baseline.recordedFrom.suite, 'nightly-test');
  const file = join(dir, 'suites', 'baselines', 'nightly-test.json');
  saveBaseline(file, baseline);
  assert.deepEqual(loadBaseline(file), baseline);
  // a folder of several suite runs: the gate judges the newest and says so
  const current = loadCurrentResults([join(dir, 'results')]);
  assert.equal(current.runs.length, 9);
});

test('runs that did not complete are refused in a baseline unless --allow-errored leaves them out', (t) => {
  const folder = writeSuiteFolder(tempDir(t), ['completed', 'errored', 'completed', 'completed']);
  assert.throws(() => buildBaseline(loadResultSets([folder]), { name: 'x' }), (e: unknown) => e instanceof GateInputError && /1 run\(s\) did not complete \(latency\/base rep 2: errored/.test(e.message));
  const kept = buildBaseline(loadResultSets([folder]), { name: 'x', allowErrored: true });
  assert.equal(kept.scenarios['latency/base']!.runs, 3);
});

test('a broken baseline fails naming the file and the field; a missing results path names the argument', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ schemaVersion: 1, kind: 'flowlab-baseline', name: 'x', source: 'measured', createdAt: 'now', recordedFrom: { suite: null, paths: [], startedAt: null }, flowlab: { version: '0', commit: null }, environment: null, calibration: null, noiseFloor: null, scenarios: { 'a/base': { scenario: 'a', variant: 'base', runs: 'three' } } }));
  assert.throws(() => loadBaseline(file), (e: unknown) => e instanceof GateDocumentError && e.field === 'scenarios.a/base.runs' && e.message.startsWith(`${file}: scenarios.a/base.runs: `));
  assert.throws(() => loadResultSets([join(dir, 'nope')]), (e: unknown) => e instanceof GateInputError && e.flag === '<results>' && /nope does not exist/.test(e.message));
});

test('the committed schemas/baseline.schema.json and schemas/gate-verdict.schema.json are what jsonSchemas() generates', () => {
  const generated = jsonSchemas();
  for (const name of ['baseline.schema.json', 'gate-verdict.schema.json']) {
    assert.ok(generated[name], `jsonSchemas() has ${name}`);
    const committed = readFileSync(join(SCHEMAS, name), 'utf8');
    assert.ok(committed === `${JSON.stringify(generated[name], null, 2)}\n`, `schemas/${name} is stale: regenerate it (npm run schemas) and commit it`);
  }
});
