import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InsufficientBuffersError, InvalidConfigError, pollUntil } from '../core/index.js';
import { InvalidJobGraphError } from '../runtime/index.js';
import { JobRun, prepareRun, type RunOptions } from './job-run.js';
import { alive, childPids } from './test-support.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');

const base: RunOptions = {
  taskManagers: 2,
  parallelism: 2,
  topology: 'keyby-aggregate',
  ratePerSec: 10_000,
  recordSizeBytes: 100,
  keys: 128,
  keyDistribution: 'uniform',
  mapCostUs: 0,
  durationMs: 1500,
  warmupMs: 500,
  seed: 1,
  config: { 'execution.buffer-timeout': '10 ms' },
  calibrate: false,
};

test('a run yields a completed result document with exactly-once figures', async () => {
  const result = await new JobRun(base).execute();
  assert.equal(result.state, 'completed', result.error);
  assert.equal(result.schemaVersion, 2);
  assert.deepEqual(result.phases.map((p) => p.name), ['warmup', 'steady']);
  assert.ok(result.harness && result.harness.cpuMsPerSecond >= 0);
  assert.equal(Object.keys(result)[0], 'schemaVersion');
  assert.equal(result.sink.lost, 0);
  assert.equal(result.sink.duplicated, 0);
  assert.ok(result.sink.records > 5000, `records ${result.sink.records}`);
  assert.ok(result.throughput.recordsPerSec > 0);
  assert.ok(result.latencyUs.count > 1000 && result.latencyUs.p99 !== null && result.latencyUs.p50 !== null && result.latencyUs.p99 >= result.latencyUs.p50);
  assert.equal(result.tasks.length, 6);
  assert.equal(result.config['execution.buffer-timeout'], '10 ms');
});

test('the run seed reaches every task (partitioners and payload bytes), and placement groups reach the vertices', () => {
  const { graph } = prepareRun({ ...base, seed: 7, slotSharingGroups: { source: 'a' } });
  assert.equal(graph.seed, 7);
  assert.deepEqual(graph.vertices.map((v) => [v.id, v.slotSharingGroup]), [['source', 'a'], ['aggregate', undefined], ['sink', undefined]]);
});

test('bad input fails before anything starts, naming the key or vertex', () => {
  assert.throws(() => prepareRun({ ...base, config: { 'taskmanager.memory.segmentsize': '32kb' } as never }), (e: unknown) => e instanceof InvalidConfigError && e.key === 'taskmanager.memory.segmentsize' && /Did you mean 'taskmanager.memory.segment-size'/.test(e.message));
  assert.throws(() => prepareRun({ ...base, config: { 'execution.buffer-timeout': 'soon' } }), (e: unknown) => e instanceof InvalidConfigError && e.key === 'execution.buffer-timeout');
  assert.throws(() => prepareRun({ ...base, parallelism: 0 }), (e: unknown) => e instanceof InvalidJobGraphError && /vertex source/.test(e.message));
  assert.throws(
    () => prepareRun({ ...base, config: { 'taskmanager.memory.network.min': '64kb', 'taskmanager.memory.network.max': '64kb' } }),
    (e: unknown) => e instanceof InsufficientBuffersError && /taskmanager\.memory\.network\.max/.test(e.message),
  );
  assert.throws(() => prepareRun({ ...base, config: { 'taskmanager.numberOfTaskSlots': 1 }, parallelism: 4 }), (e: unknown) => e instanceof InvalidConfigError && e.key === 'taskmanager.numberOfTaskSlots');
  assert.throws(() => prepareRun({ ...base, sinkCostUs: -1 }), (e: unknown) => e instanceof InvalidJobGraphError && /sink\.costUs/.test(e.message));
  // checkpoint configuration is checked before anything starts too
  const checkpointing = { 'execution.checkpointing.interval': '1 s' };
  assert.throws(
    () => prepareRun({ ...base, config: { ...checkpointing, 'execution.checkpointing.unaligned': true, 'execution.checkpointing.max-concurrent-checkpoints': 2 } }),
    (e: unknown) => e instanceof InvalidConfigError && e.key === 'execution.checkpointing.max-concurrent-checkpoints',
  );
  assert.throws(() => prepareRun({ ...base, config: { ...checkpointing, 'execution.checkpointing.aligned-checkpoint-timeout': '-5 ms' } }), (e: unknown) => e instanceof InvalidConfigError && e.key === 'execution.checkpointing.aligned-checkpoint-timeout');
  assert.throws(() => prepareRun({ ...base, config: { ...checkpointing, 'restart-strategy': 'sometimes' } }), (e: unknown) => e instanceof InvalidConfigError && e.key === 'restart-strategy');
  assert.throws(() => prepareRun({ ...base, config: { 'execution.checkpointing.interval': '0 ms' } }), (e: unknown) => e instanceof InvalidConfigError && e.key === 'execution.checkpointing.interval');
});

test('the CLI rejects an unknown -D key with exit code 2 before starting processes', () => {
  let failed: { status: number | null; stderr: string } | undefined;
  try {
    execFileSync(process.execPath, [CLI, 'run', '-D', 'taskmanager.memory.segment-size=huge'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { status: number | null; stderr: Buffer };
    failed = { status: e.status, stderr: e.stderr.toString() };
  }
  assert.ok(failed, 'the CLI must fail');
  assert.equal(failed.status, 2);
  assert.match(failed.stderr, /taskmanager\.memory\.segment-size/);
});


/** Starts `flowlab run` for a long job and waits until it runs; returns the CLI process and its three children. */
async function startLongRun(): Promise<{ cli: ChildProcess; children: number[] }> {
  const cli = spawn(process.execPath, [CLI, 'run', '--duration', '60s', '--no-calibrate', '--rate', '2000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  cli.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await pollUntil('flowlab run to start the job', () => {
    if (cli.exitCode !== null) throw new Error(`flowlab run exited with ${cli.exitCode}: ${stderr}`);
    return /running keyby-aggregate/.test(stderr);
  }, { timeoutMs: 20_000, detail: () => stderr });
  const children = childPids(cli.pid!);
  assert.equal(children.length, 3, `a JobManager and two TaskManagers (got ${children.join(',')})`);
  return { cli, children };
}

test('SIGINT to flowlab run stops every process it started', async () => {
  const { cli, children } = await startLongRun();
  cli.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => cli.once('exit', resolve));
  assert.equal(code, 130);
  const settle = Date.now() + 5000;
  while (children.some(alive) && Date.now() < settle) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(children.filter(alive), [], 'no process is left behind');
});

test('if flowlab run is killed outright (SIGKILL), its JobManager and TaskManagers still exit', async () => {
  const { cli, children } = await startLongRun();
  cli.kill('SIGKILL');
  await new Promise((resolve) => cli.once('exit', resolve));
  const settle = Date.now() + 10_000;
  while (children.some(alive) && Date.now() < settle) await new Promise((r) => setTimeout(r, 50));
  const left = children.filter(alive);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  assert.deepEqual(left, [], 'no orphaned process');
});

test('with buffer debloating on, task rows and the time series carry the debloated size of every task with an input', async () => {
  const result = await new JobRun({
    ...base,
    topology: 'source-map-sink',
    ratePerSec: 0,
    sinkCostUs: 200,
    durationMs: 2500,
    config: { 'taskmanager.network.memory.buffer-debloat.enabled': true, 'taskmanager.network.memory.buffer-debloat.target': '100 ms' },
  }).execute();
  assert.equal(result.state, 'completed', result.error);
  const withInput = result.tasks.filter((t) => t.vertex !== 'source');
  assert.ok(withInput.every((t) => typeof t.debloatedBufferSize === 'number' && t.debloatedBufferSize <= 32 * 1024), JSON.stringify(withInput));
  assert.ok(result.tasks.filter((t) => t.vertex === 'source').every((t) => t.debloatedBufferSize === undefined), 'sources debloat nobody');
  const sampled = result.timeseries.flatMap((s) => Object.entries(s.tasks ?? {})).filter(([, t]) => t.debloatedBufferSize !== undefined);
  assert.ok(sampled.length > 0 && sampled.every(([task]) => !task.startsWith('source')), 'the time series carries the size per task');
});
