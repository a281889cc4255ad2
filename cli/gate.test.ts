/**
 * `flowlab gate` end to end on real runs: a baseline saved from a small suite (source → map → sink across two
 * TaskManagers at a fixed rate, 3 repetitions of 3 s); the same suite rerun unchanged passes (exit 0); rerun with
 * the map fifteen times as expensive (`--set job.mapCostUs=…`, the map can no longer keep up) it is a regression
 * (exit 1) whose diagnosis names throughput and the map task. Also the exit code 2 cases and --json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baselineSchema, verdictDocumentSchema } from '../harness/index.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), 'main.js');

function flowlab(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SUITE = `name: gate-e2e
description: a tiny suite for the gate's end-to-end test
repetitions: 3
scenarios:
  - scenario:
      name: map-at-rate
      description: source →rebalance→ map →rebalance→ sink at a fixed rate, one subtask each across two TaskManagers
      cluster: { taskManagers: 2 }
      job: { topology: source-map-sink, parallelism: 1, mapCostUs: 40 }
      placement: { slotSharingGroups: { source: a, map: b } }
      config: { execution.buffer-timeout: 5 ms }
      workload: { rate: 3000, warmup: 500ms, duration: 3s }
      calibrate: false
`;

function newest(out: string): string {
  const root = join(out, 'gate-e2e');
  return join(root, readdirSync(root).sort().at(-1)!);
}

test('baseline from a small suite; an unchanged rerun passes (exit 0); a slower map is a regression naming throughput and the map (exit 1)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flowlab-gate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'suite.yaml'), SUITE);
  const baselineFile = join(dir, 'baselines', 'gate-e2e.json');

  const first = flowlab(['suite', 'suite.yaml', '--out', 'base'], dir);
  assert.equal(first.status, 0, first.stderr);
  const saved = flowlab(['baseline', 'save', newest(join(dir, 'base')), '--to', baselineFile], dir);
  assert.equal(saved.status, 0, saved.stderr);
  assert.match(saved.stdout, /baseline gate-e2e written to .*gate-e2e\.json/);
  const baseline = baselineSchema.parse(JSON.parse(readFileSync(baselineFile, 'utf8')));
  assert.equal(baseline.scenarios['map-at-rate/base']?.runs, 3);
  assert.ok(baseline.flowlab.commit === null || /^[0-9a-f]{40}$/.test(baseline.flowlab.commit));

  const same = flowlab(['suite', 'suite.yaml', '--out', 'same'], dir);
  assert.equal(same.status, 0, same.stderr);
  // only throughput is judged here: at a fixed rate it is the rate whatever the machine's load, while latency and the
  // harness's CPU are timings that another engineer's build can move (no timing assertions in functional tests)
  const pass = flowlab(['gate', newest(join(dir, 'same')), '--baseline', baselineFile, '--json', '--metric', 'throughput.recordsPerSec'], dir);
  const passDoc = verdictDocumentSchema.parse(JSON.parse(pass.stdout));
  const tput = passDoc.scenarios[0]!.gates.find((g) => g.gate === 'throughput.recordsPerSec in steady')!;
  // pass — or, on a machine loaded enough to scatter even a fixed rate, inconclusive: never a regression
  assert.ok(tput.verdict === 'pass' || tput.verdict === 'inconclusive', tput.reason);
  assert.deepEqual(passDoc.scenarios[0]!.gates.map((g) => g.gate), ['job completed', 'sink.lost == 0', 'sink.duplicated == 0', 'throughput.recordsPerSec in steady']);
  assert.equal(pass.status, 0, pass.stderr);

  // fifteen times the map's cost: 600 µs a record caps it near 1,700 records/s, under the 3,000 offered
  // `suite --baseline` judges the folder it wrote: gate.json beside suite.json, and the verdict's exit code
  const slow = flowlab(['suite', 'suite.yaml', '--out', 'slow', '--set', 'job.mapCostUs=600', '--baseline', baselineFile], dir);
  assert.equal(slow.status, 1, slow.stdout + slow.stderr);
  const written = verdictDocumentSchema.parse(JSON.parse(readFileSync(join(newest(join(dir, 'slow')), 'gate.json'), 'utf8')));
  assert.equal(written.verdict, 'regression');
  const fail = flowlab(['gate', newest(join(dir, 'slow')), '--baseline', baselineFile], dir);
  assert.equal(fail.status, 1, fail.stdout + fail.stderr);
  assert.match(fail.stdout, /^flowlab gate: REGRESSION \(exit 1\)/);
  const line = fail.stdout.split('\n').find((l) => l.includes('→ REGRESSION: throughput.recordsPerSec in steady'));
  assert.ok(line, fail.stdout);
  assert.match(line, /throughput\.recordsPerSec in steady −\d+ % \(95 % CI −\d+ %…−\d+ %\); map busy \d+ → \d+ ms\/s/);
});

test('exit 2 for input that cannot be judged: a missing folder, a file that is not a baseline', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flowlab-gate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const missing = flowlab(['gate', join(dir, 'nope')], dir);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /flowlab: <results>: .*nope does not exist/);
  writeFileSync(join(dir, 'b.json'), '{"schemaVersion": 1}');
  const bad = flowlab(['gate', dir, '--baseline', join(dir, 'b.json')], dir);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /b\.json: kind: .*not a flowlab baseline/);
  const flag = flowlab(['gate', dir, '--min-samples', '0'], dir);
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /--min-samples: expected an integer ≥ 2 \(a spread needs two runs\), got 0/);
  const metric = flowlab(['gate', dir, '--metric', 'latencyUs.p98@steady'], dir);
  assert.equal(metric.status, 2);
  assert.match(metric.stderr, /--metric: unknown metric "latencyUs\.p98": one of throughput\.recordsPerSec, /);
});
