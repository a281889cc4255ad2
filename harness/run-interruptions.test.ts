// A run that stops early (issue 14, defect 5): the JobManager dies, or flowlab run is interrupted. The result says
// what happened instead of "fetch failed", and keeps what was sampled so far (throughput, latency, time series),
// marked partial.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pollUntil } from '../core/index.js';
import { JobRun, type RunOptions } from './job-run.js';
import type { ResultDocument } from './result-document.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');

const long: RunOptions = {
  taskManagers: 2,
  parallelism: 2,
  topology: 'keyby-aggregate',
  ratePerSec: 5_000,
  recordSizeBytes: 100,
  keys: 128,
  keyDistribution: 'uniform',
  mapCostUs: 0,
  durationMs: 60_000,
  warmupMs: 500,
  seed: 1,
  config: { 'execution.buffer-timeout': '10 ms' },
  calibrate: false,
};

/** The JobManager process among this process's children. */
function jobManagerPid(): number | undefined {
  const lines = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)]).toString().trim().split('\n');
  const line = lines.find((l) => l.includes('job-manager-main.js'));
  return line ? Number(line.trim().split(/\s+/)[0]) : undefined;
}

function assertPartialFigures(result: ResultDocument): void {
  assert.equal(result.partial, true);
  assert.ok(result.timeseries.length >= 2, `timeseries ${result.timeseries.length}`);
  assert.ok(result.throughput.recordsPerSec > 0, `throughput ${result.throughput.recordsPerSec}`);
  assert.ok(result.sink.records > 0, `records ${result.sink.records}`);
  assert.ok(result.latencyUs.count > 0, `latency samples ${result.latencyUs.count}`);
  assert.equal(result.sink.lost, null, 'loss is unknown for a run that did not complete');
}

test('a JobManager that dies mid-run: the result names its exit and keeps the figures sampled so far', async () => {
  const run = new JobRun(long);
  let samples = 0;
  run.on('progress', () => {
    samples++;
    if (samples === 3) {
      const pid = jobManagerPid();
      assert.ok(pid, 'a JobManager child');
      process.kill(pid, 'SIGKILL');
    }
  });
  const result = await run.execute();
  assert.equal(result.state, 'errored');
  assert.match(result.error ?? '', /JobManager process \(pid \d+\) exited with signal SIGKILL/);
  assert.doesNotMatch(result.error ?? '', /^fetch failed$/);
  assertPartialFigures(result);
});

test('flowlab run interrupted by SIGTERM prints a partial result that says so', async () => {
  const cli = spawn(process.execPath, [CLI, 'run', '--duration', '60s', '--warmup', '500ms', '--no-calibrate', '--rate', '5000', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  cli.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  cli.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await pollUntil('three progress samples of flowlab run', () => {
    if (cli.exitCode !== null) assert.fail(`flowlab run exited with ${cli.exitCode}: ${stderr}`);
    return (stderr.match(/records\/s/g) ?? []).length >= 3;
  }, { timeoutMs: 30_000, detail: () => stderr });
  cli.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => cli.once('exit', resolve));
  assert.equal(code, 130);
  const result = JSON.parse(stdout) as ResultDocument;
  assert.equal(result.state, 'aborted');
  assert.match(result.error ?? '', /interrupted by SIGTERM/);
  assertPartialFigures(result);
});
