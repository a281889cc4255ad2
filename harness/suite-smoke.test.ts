/** The shipped smoke suite through the CLI: every run completes; the fault scenario has five phases and a recovery. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resultDocumentSchema } from './result-schema.js';
import { suiteIndexSchema } from './suite-schema.js';
import { CLI, REPO, latestSuiteDir, tempDir } from './test-support.js';

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


