// flowlab jobmanager / flowlab taskmanager as separate OS processes (the built CLI), joined by address alone.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pollUntil } from '../core/index.js';
import { JobManagerClient, presetJobGraph, type JobManagerReadyLine, type TaskManagerReadyLine } from '../runtime/index.js';

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));
const SMALL = ['-D', 'taskmanager.memory.network.min=32mb', '-D', 'taskmanager.memory.network.max=32mb', '-D', 'execution.buffer-timeout=10ms'];

interface Started<Ready> {
  child: ChildProcess;
  ready: Ready;
  stderr: () => string;
}

/** Every process a test started, stopped in its finally. */
const processes = new Set<ChildProcess>();

/** Spawns the CLI and resolves with its JSON ready line (rejects with its stderr if it exits first). */
function start<Ready>(args: string[], env: Record<string, string> = {}, onStderr?: (chunk: string) => void): Promise<Started<Ready>> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  processes.add(child);
  child.once('exit', () => processes.delete(child));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => ((stderr += chunk), onStderr?.(chunk)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ child, ready: JSON.parse(out.slice(0, nl)) as Ready, stderr: () => stderr });
    });
    child.once('exit', (code) => reject(new Error(`flowlab ${args[0]} exited with ${code} before it was ready: ${stderr}`)));
  });
}

/** Runs the CLI to its end. */
function runToEnd(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

/** SIGTERM, then the exit code (SIGKILL after 10 s so a hung process cannot outlive the test). */
function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', (code) => (clearTimeout(timer), resolve(code)));
    child.kill('SIGTERM');
  });
}

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('flowlab jobmanager and flowlab taskmanager', () => {
  afterEach(() => Promise.all([...processes].map(stop)));

  it('two TaskManagers started by hand join a JobManager started by hand, and a job submitted over REST runs exactly-once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowlab-proc-'));
    try {
      const jm = await start<JobManagerReadyLine>(['jobmanager', '--rest-port', '0', '--rpc-port', '0', ...SMALL, '-D', `execution.checkpointing.dir=${dir}`]);
      assert.equal(jm.ready.process, 'jobmanager');
      assert.equal(jm.ready.pid, jm.child.pid);
      assert.equal(jm.ready.rest.host, '127.0.0.1');
      assert.equal(jm.ready.control.host, '127.0.0.1');
      assert.deepEqual(jm.ready.advertised.control, jm.ready.control);
      assert.doesNotMatch(jm.stderr(), /warning/);
      const control = `${jm.ready.advertised.control.host}:${jm.ready.advertised.control.port}`;
      const tms = await Promise.all(
        ['tm-a', 'tm-b'].map((id) => start<TaskManagerReadyLine>(['taskmanager', '--jobmanager', control, '--id', id, '--slots', '2', ...SMALL, '-D', `execution.checkpointing.dir=${dir}`])),
      );
      for (const tm of tms) {
        assert.equal(tm.ready.process, 'taskmanager');
        assert.equal(tm.ready.data.host, '127.0.0.1');
        assert.ok(tm.ready.data.port > 0 && tm.ready.metrics !== null && tm.ready.metrics.port > 0);
        assert.deepEqual(tm.ready.jobManager, jm.ready.advertised.control);
      }
      const client = new JobManagerClient(jm.ready.advertised.rest);
      const registered = await client.taskManagers();
      assert.deepEqual(
        registered.map(({ id, slots, dataAddress }) => ({ id, slots, dataAddress })).sort((a, b) => a.id.localeCompare(b.id)),
        tms.map((tm) => ({ id: tm.ready.tmId, slots: 2, dataAddress: tm.ready.advertised.data })),
      );
      // parallelism 2 on two TaskManagers with 2 slots each: keyBy crosses between the processes
      const { jobId } = await client.submitJob(presetJobGraph('keyby-aggregate', 2, { ratePerSec: 20_000, durationMs: 1500, keys: 64, seed: 3 }));
      const job = await pollUntil(`job ${jobId} to end`, async () => {
        const j = await client.job(jobId);
        return ['FINISHED', 'FAILED', 'CANCELED'].includes(j.state) ? j : undefined;
      }, { timeoutMs: 40_000, intervalMs: 100 });
      assert.equal(job.state, 'FINISHED', job.failureReason ?? undefined);
      const taskManagersUsed = new Set(job.vertices?.flatMap((v) => v.subtasks.map((s) => s.taskManager)));
      assert.deepEqual([...taskManagersUsed].sort(), ['tm-a', 'tm-b']);
      const { aggregate } = await client.metrics(jobId);
      assert.ok(aggregate.sourceRecordsOut > 1000, `sources emitted ${aggregate.sourceRecordsOut}`);
      assert.equal(aggregate.sourceRecordsOut - aggregate.sinkRecordsIn, 0, 'lost');
      assert.equal(aggregate.sinkDuplicated, 0, 'duplicated');
      // SIGTERM stops each cleanly
      for (const tm of tms) assert.equal(await stop(tm.child), 0, tm.stderr());
      assert.equal(await stop(jm.child), 0, jm.stderr());
    } finally {
      await Promise.all([...processes].map(stop));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a TaskManager started before its JobManager keeps retrying and joins once it listens (FLOWLAB_* variables)', async () => {
    const port = await freePort();
    let tmStderr = '';
    const tmReady = start<TaskManagerReadyLine>(['taskmanager'], { FLOWLAB_JOBMANAGER: `127.0.0.1:${port}`, FLOWLAB_TASKMANAGER_ID: 'early', FLOWLAB_REGISTRATION_TIMEOUT: '30s' }, (chunk) => (tmStderr += chunk));
    await pollUntil('the first refused attempt', () => /is not reachable yet \(.*ECONNREFUSED.*\); retrying for up to 30000 ms/.test(tmStderr), { timeoutMs: 20_000 });
    const jm = await start<JobManagerReadyLine>(['jobmanager'], { FLOWLAB_REST_PORT: '0', FLOWLAB_RPC_PORT: String(port) });
    const tm = await tmReady;
    assert.equal(tm.ready.tmId, 'early');
    assert.equal(jm.ready.control.port, port);
    const ids = (await new JobManagerClient(jm.ready.rest).taskManagers()).map((t) => t.id);
    assert.deepEqual(ids, ['early']);
  });

  it('an unreachable JobManager fails after the registration timeout, naming the address', async () => {
    const port = await freePort();
    const { code, stderr } = await runToEnd(['taskmanager', '--jobmanager', `127.0.0.1:${port}`, '--registration-timeout', '1s']);
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`cannot reach the JobManager at 127\\.0\\.0\\.1:${port} \\(tried for 1000 ms\\): .*ECONNREFUSED`));
  });

  it('bad values name their flag or variable and start nothing (exit 2)', async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['taskmanager', '--jobmanager', 'localhost'], {}, /--jobmanager takes host:port .* got "localhost"/],
      [['taskmanager', '--jobmanager', '127.0.0.1:99999'], {}, /--jobmanager takes host:port/],
      [['taskmanager'], { FLOWLAB_JOBMANAGER: 'nohost:' }, /FLOWLAB_JOBMANAGER takes host:port .* got "nohost:"/],
      [['taskmanager'], {}, /--jobmanager \(or FLOWLAB_JOBMANAGER\) is required/],
      [['taskmanager', '--jobmanager', '127.0.0.1:1', '--registration-timeout', '30'], {}, /--registration-timeout takes a duration with a unit/],
      [['taskmanager', '--jobmanager', '127.0.0.1:1', '--slots', 'two'], {}, /--slots takes a whole number/],
      [['taskmanager', '--jobmanager', '127.0.0.1:1', '--data-port', '5', '-D', 'taskmanager.data.port=6'], {}, /--data-port 5 and -D taskmanager.data.port=6 disagree/],
      [['jobmanager', '--rest-port', 'abc'], {}, /--rest-port takes a port from 0 to 65535 .* got "abc"/],
      [['jobmanager'], { FLOWLAB_RPC_PORT: '-1' }, /FLOWLAB_RPC_PORT takes a port/],
      [['jobmanager', '--rest-port', '0'], { FLOWLAB_PROPERTIES: 'heartbeat.timout: 5s' }, /heartbeat.timout.*Did you mean 'heartbeat.timeout'/],
    ];
    for (const [args, env, expected] of cases) {
      const { code, stderr } = await runToEnd(args, env);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, expected);
    }
  });

  it('binding a non-loopback address warns that the control and data ports have no authentication, and advertises a reachable host', async () => {
    const jm = await start<JobManagerReadyLine>(['jobmanager', '--bind-address', '0.0.0.0', '--rest-port', '0', '--rpc-port', '0']);
    try {
      assert.match(jm.stderr(), /warning: listening on 0\.0\.0\.0 .*not loopback: the control and data ports have no authentication/);
      assert.equal(jm.ready.control.host, '0.0.0.0');
      assert.notEqual(jm.ready.advertised.control.host, '0.0.0.0');
      assert.equal(jm.ready.advertised.control.port, jm.ready.control.port);
    } finally {
      assert.equal(await stop(jm.child), 0);
    }
  });
});
