/** Ctrl-C during `flowlab suite` keeps the finished results, writes the index and leaves no process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pollUntil } from '../core/index.js';
import { suiteIndexSchema } from './suite-schema.js';
import { CLI, alive, childPids, latestSuiteDir, tempDir, tinyScenario } from './test-support.js';

test('Ctrl-C during a suite keeps the finished results, writes the index and leaves no process', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'suite.yaml');
  writeFileSync(file, `name: interrupted\ndescription: three runs, stopped during the second\nrepetitions: 3\nscenarios:\n  - scenario:${tinyScenario('only')}\n    set: { workload.duration: 6s }\n`);
  const out = join(dir, 'results');
  const cli = spawn(process.execPath, [CLI, 'suite', file, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  cli.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // wait until the first run finished and the second one runs
  const children = await pollUntil('the suite to reach its second run', () => {
    if (cli.exitCode !== null) throw new Error(`the suite exited with ${cli.exitCode}: ${stderr}`);
    if (!/\[2\/3\]/.test(stderr)) return undefined;
    const pids = childPids(cli.pid!);
    return pids.length >= 3 ? pids : undefined;
  }, { timeoutMs: 60_000, intervalMs: 100, detail: () => stderr });
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
