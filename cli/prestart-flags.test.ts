// Bad flags and keys that used to get past the pre-start checks (issue 14, defect 6): each fails before any
// process starts, with exit code 2 and a message naming the flag or key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve('dist/cli/main.js');

function flowlab(args: string[]): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 15_000 });
  return { status: run.status, stderr: run.stderr };
}

for (const [args, names] of [
  [['run', '-D', 'taskmanager.network.numberOfBuffers=99999999999', '--no-calibrate'], /taskmanager\.network\.numberOfBuffers/],
  [['run', '-D', 'taskmanager.network.numberOfBuffers=2000000000', '--no-calibrate'], /taskmanager\.network\.numberOfBuffers/],
  [['run', '--parallelism', '30000', '--no-calibrate'], /--parallelism/],
  [['cluster', 'start', '--task-managers', '-1', '--rest-port', '0'], /--task-managers/],
  [['cluster', 'start', '--task-managers', '0', '--rest-port', '0'], /--task-managers/],
  [['cluster', 'start', '--task-managers', '1.5', '--rest-port', '0'], /--task-managers/],
  [['cluster', 'start', '--rest-port', '0', '-D', 'taskmanager.network.numberOfBuffers=2000000000'], /taskmanager\.network\.numberOfBuffers/],
] as const) {
  test(`flowlab ${args.join(' ')} fails before start, naming ${String(names)}`, () => {
    const run = flowlab([...args]);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, names);
  });
}
