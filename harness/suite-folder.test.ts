/**
 * A suite of two scenarios (one with a 2 × 2 sweep) and 2 repetitions, on real processes, writes the results folder
 * as documented, and its .hgrm/.hlog files read back to the result's own percentiles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { resultDocumentSchema } from './result-schema.js';
import { planSuite } from './suite-plan.js';
import { SuiteRunner } from './suite-runner.js';
import { suiteIndexSchema, type SuiteIndex } from './suite-schema.js';
import { latestSuiteDir, tempDir, tinyScenario } from './test-support.js';

test('a suite of two scenarios, one with a 2 × 2 sweep, repeated twice, writes the documented results folder', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'suite.yaml');
  writeFileSync(
    file,
    `name: folder-test
description: two scenarios, a 2 x 2 sweep, 2 repetitions
repetitions: 2
scenarios:
  - scenario:${tinyScenario('plain')}
  - scenario:${tinyScenario('swept')}
    sweep:
      matrix:
        workload.rate: [2000, 4000]
        execution.buffer-timeout: [0ms, 10ms]
`,
  );
  const plan = planSuite(file);
  const runner = new SuiteRunner(plan, { out: join(dir, 'results') });
  const index = await runner.execute();
  assert.equal(runner.dir, latestSuiteDir(join(dir, 'results'), 'folder-test'));
  const onDisk = suiteIndexSchema.parse(JSON.parse(readFileSync(join(runner.dir, 'suite.json'), 'utf8')));
  assert.deepEqual(onDisk, JSON.parse(JSON.stringify(index)));
  assert.equal(index.state, 'completed');
  assert.equal(index.runs.length, 10);
  // interleaved: every variant once (repetition 1), then every variant again (repetition 2)
  const order = index.runs.map((r) => `${r.scenario}/${r.variant}#${r.repetition}`);
  const variants = ['plain/base', 'swept/rate=2000,buffer-timeout=0ms', 'swept/rate=2000,buffer-timeout=10ms', 'swept/rate=4000,buffer-timeout=0ms', 'swept/rate=4000,buffer-timeout=10ms'];
  assert.deepEqual(order, [...variants.map((v) => `${v}#1`), ...variants.map((v) => `${v}#2`)]);
  for (const run of index.runs) {
    assert.equal(run.state, 'completed', run.error);
    assert.ok(run.dir && run.files);
    const runDir = join(runner.dir, run.dir);
    assert.equal(run.dir, join('runs', run.scenario, run.variant.replace(/,/g, '_'), `rep-${run.repetition}`));
    const doc = resultDocumentSchema.parse(JSON.parse(readFileSync(join(runDir, run.files.result), 'utf8')));
    assert.equal(doc.repetition, run.repetition);
    assert.equal(doc.scenario?.['name'], run.scenario);
    assert.deepEqual(doc.variant, run.parameters);
    assert.equal(doc.sink.lost, 0);
    assert.equal(doc.sink.duplicated, 0);
    if (run.scenario === 'swept') {
      assert.equal(doc.workload.ratePerSec, run.parameters['workload.rate']);
      assert.equal(doc.config['execution.buffer-timeout'], run.parameters['config.execution.buffer-timeout'] === '0ms' ? '0 ms' : '10 ms');
    }
    assert.ok(existsSync(join(runDir, 'timeseries.csv')));
    assert.match(readFileSync(join(runDir, 'timeseries.csv'), 'utf8'), /^tMs,recordsPerSec,latencyP99Us,maxBackPressuredTimeMsPerSecond/);
    checkHdrFiles(runDir, doc, run.files);
  }
});

/** The .hgrm of each phase and the .hlog intervals carry the same distribution as the result document. */
function checkHdrFiles(runDir: string, doc: ReturnType<typeof resultDocumentSchema.parse>, files: NonNullable<SuiteIndex['runs'][number]['files']>): void {
  const steady = doc.phases.find((p) => p.name === 'steady')!;
  assert.ok(steady.latencyUs?.histogram, 'the steady phase keeps its histogram');
  const fromDoc = hdr.decodeFromCompressedBase64(steady.latencyUs.histogram);
  try {
    // .hgrm: total count and the p50 row
    const hgrm = readFileSync(join(runDir, files.hgrm['steady']!), 'utf8');
    const total = /Total count\s*=\s*(\d+)/.exec(hgrm);
    assert.equal(Number(total?.[1]), steady.latencyUs.count);
    const p50Row = hgrm.split('\n').find((l) => /^\s*[\d.]+\s+0\.500000000000\s/.test(l));
    assert.ok(p50Row, 'the .hgrm has a 50th percentile row');
    assert.equal(Number(p50Row.trim().split(/\s+/)[0]), fromDoc.getValueAtPercentile(50));
    assert.equal(fromDoc.getValueAtPercentile(99), steady.latencyUs.p99 ?? fromDoc.getValueAtPercentile(99));
    // .hlog: the intervals after the warm-up add up to the steady phase
    assert.ok(files.hlog);
    const reader = new hdr.HistogramLogReader(readFileSync(join(runDir, files.hlog), 'utf8'));
    const merged = hdr.build({ numberOfSignificantValueDigits: 3 });
    const tags = new Set<string>();
    try {
      for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
        tags.add(h.tag ?? '');
        if (h.tag !== 'warmup') merged.add(h);
        h.destroy();
      }
      assert.ok(tags.has('steady') && [...tags].every((tag) => tag === 'steady' || tag === 'warmup'), [...tags].join());
      assert.equal(merged.totalCount, steady.latencyUs.count);
      for (const q of [50, 90, 99]) assert.equal(merged.getValueAtPercentile(q), fromDoc.getValueAtPercentile(q), `p${q} from the .hlog`);
    } finally {
      merged.destroy();
    }
  } finally {
    fromDoc.destroy();
  }
}

