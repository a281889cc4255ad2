/**
 * Suites on real processes: a suite of two scenarios (one with a 2 × 2 sweep) and 2 repetitions writes the results
 * folder as documented, and its .hgrm/.hlog files read back to the result's own percentiles; the shipped smoke suite
 * runs through the CLI (a fault scenario with its five phases and a time to recover); Ctrl-C keeps the finished
 * results and leaves no process behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import { resultDocumentSchema } from './result-schema.js';
import { planSuite } from './suite-plan.js';
import { SuiteRunner } from './suite-runner.js';
import { suiteIndexSchema, type SuiteIndex } from './suite-schema.js';
import { alive, childPids } from './test-processes.js';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, '..', 'cli', 'main.js');
const REPO = join(here, '..', '..');

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowlab-suite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const SCENARIO = (name: string): string => `
      name: ${name}
      description: test scenario ${name}
      job: { topology: source-sink, parallelism: 1 }
      cluster: { taskManagers: 2 }
      placement: { slotSharingGroups: { source: a, sink: b } }
      workload: { rate: 3000, warmup: 500ms, duration: 1500ms }
      config: { execution.buffer-timeout: 5 ms }
      calibrate: false`;

function latestSuiteDir(out: string, suite: string): string {
  const stamps = readdirSync(join(out, suite)).sort();
  return join(out, suite, stamps.at(-1)!);
}

test('a suite of two scenarios, one with a 2 × 2 sweep, repeated twice, writes the documented results folder', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'suite.yaml');
  writeFileSync(
    file,
    `name: folder-test
description: two scenarios, a 2 x 2 sweep, 2 repetitions
repetitions: 2
scenarios:
  - scenario:${SCENARIO('plain')}
  - scenario:${SCENARIO('swept')}
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

test('flowlab suite suites/smoke.yaml: every run completes; the fault scenario has its five phases and a time to recover', async (t) => {
  const out = tempDir(t);
  const child = spawn(process.execPath, [CLI, 'suite', join(REPO, 'suites', 'smoke.yaml'), '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, stderr);
  assert.match(stderr, /\[1\/3\] keyby-steady base · rep 1\/1 · elapsed 0:00 · ETA/);
  assert.match(stdout, /suite smoke: completed, 3 of 3 runs completed/);
  const dir = latestSuiteDir(out, 'smoke');
  const index = suiteIndexSchema.parse(JSON.parse(readFileSync(join(dir, 'suite.json'), 'utf8')));
  assert.deepEqual(index.runs.map((r) => [r.scenario, r.state]), [['keyby-steady', 'completed'], ['remote-ramp', 'completed'], ['soft-partition', 'completed']]);
  for (const run of index.runs) {
    const doc = resultDocumentSchema.parse(JSON.parse(readFileSync(join(dir, run.dir!, 'result.json'), 'utf8')));
    assert.equal(doc.sink.lost, 0, run.scenario);
    // every gate got a verdict; one that could not be judged says why (a loaded machine may not recover in time)
    assert.ok((doc.gates ?? []).length > 0 && doc.gates!.every((g) => g.verdict !== 'invalid' || (g.reason ?? '') !== ''), `${run.scenario}: ${JSON.stringify(doc.gates)}`);
    assert.equal(doc.gates!.find((g) => g.metric === 'sink.lost')?.verdict, 'pass', run.scenario);
    if (run.scenario === 'remote-ramp') {
      // different slot sharing groups: the exchange crossed TaskManagers, so the sink's records came over a data link
      assert.ok(doc.timeseries.some((s) => Object.keys(s.links ?? {}).some((l) => l.startsWith('data-'))), JSON.stringify(doc.timeseries.at(-1)));
      assert.equal(doc.workload.rateSchedule?.length, 3, 'two steps, then the last rate held to the end');
    }
    if (run.scenario === 'soft-partition') {
      assert.deepEqual(doc.phases.map((p) => p.name), ['warmup', 'steady', 'fault-0-before', 'fault-0-during', 'fault-0-after']);
      assert.ok(doc.faults[0]!.recovery, 'a time to recover, or why not');
      assert.equal(doc.faults[0]!.measured.tookEffect, true);
    }
  }
});


test('Ctrl-C during a suite keeps the finished results, writes the index and leaves no process', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'suite.yaml');
  writeFileSync(file, `name: interrupted\ndescription: three runs, stopped during the second\nrepetitions: 3\nscenarios:\n  - scenario:${SCENARIO('only')}\n    set: { workload.duration: 6s }\n`);
  const out = join(dir, 'results');
  const cli = spawn(process.execPath, [CLI, 'suite', file, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  cli.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 60_000;
  let children: number[] = [];
  // wait until the first run finished and the second one runs
  while (!/\[2\/3\]/.test(stderr) || children.length < 3) {
    if (Date.now() > deadline || cli.exitCode !== null) throw new Error(`the suite did not reach its second run: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
    if (/\[2\/3\]/.test(stderr)) children = childPids(cli.pid!);
  }
  cli.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => cli.once('exit', resolve));
  assert.equal(code, 130, stderr);
  const settle = Date.now() + 10_000;
  while (children.some(alive) && Date.now() < settle) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(children.filter(alive), [], 'no process is left behind');
  const suiteDir = latestSuiteDir(out, 'interrupted');
  const index = suiteIndexSchema.parse(JSON.parse(readFileSync(join(suiteDir, 'suite.json'), 'utf8')));
  assert.equal(index.state, 'interrupted');
  assert.equal(index.runs[0]!.state, 'completed');
  assert.ok(existsSync(join(suiteDir, index.runs[0]!.dir!, 'result.json')));
  assert.ok(['aborted', 'errored'].includes(index.runs[1]!.state), index.runs[1]!.state);
  assert.equal(index.runs[2]!.state, 'skipped');
  assert.ok(index.finishedAt);
});
