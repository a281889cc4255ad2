import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil, resolveConfig } from '../../core/index.js';
import { DeployerUnavailableError, deployerFor, localDeployer } from './index.js';

/** The process state letter of /proc/<pid>/stat: T when stopped by SIGSTOP. */
async function procState(pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

/** The state the kernel settles on: a signal takes effect when the process is next scheduled, not at kill(2). */
async function settledState(pid: number, want: (state: string) => boolean, what: string): Promise<string> {
  let last = '';
  await pollUntil(
    what,
    async () => {
      last = await procState(pid);
      return want(last) ? last : undefined;
    },
    { timeoutMs: 5_000, intervalMs: 10, detail: () => `state ${last}` },
  );
  return last;
}

async function registeredPids(client: { taskManagers(): Promise<unknown> }): Promise<Array<number | undefined>> {
  return ((await client.taskManagers()) as Array<{ pid?: number }>).map((t) => t.pid);
}

test('the local deployer pauses, resumes, kills and restarts one TaskManager through the seam, and collects logs', { skip: process.platform !== 'linux' ? 'reads /proc (Linux only)' : false }, async (t) => {
  const logs = await mkdtemp(join(tmpdir(), 'flowlab-deploy-logs-'));
  t.after(() => rm(logs, { recursive: true, force: true }));
  const config = resolveConfig({ 'rest.port': 0, 'taskmanager.numberOfTaskSlots': 1 });
  await using deployment = await localDeployer.start({ taskManagers: 2, config, childStderr: 'ignore' });
  assert.equal(deployment.mode, 'local');
  assert.equal(deployment.network, undefined, 'no packet drops on loopback');
  const record = deployment.describe();
  assert.deepEqual(record.processes.map((p) => [p.id, p.host]), [['jobmanager', '127.0.0.1'], ['tm-0', '127.0.0.1'], ['tm-1', '127.0.0.1']]);
  assert.match(record.processes[0]!.rest!, /^127\.0\.0\.1:\d+$/);
  assert.match(record.processes[1]!.data!, /^127\.0\.0\.1:\d+$/);

  const tm1 = deployment.taskManagers.find((tm) => tm.id === 'tm-1')!;
  deployment.pause('tm-1');
  assert.equal(await settledState(tm1.pid, (s) => s === 'T', 'SIGSTOP to stop tm-1'), 'T', 'SIGSTOP stops the process');
  deployment.resume('tm-1');
  assert.notEqual(await settledState(tm1.pid, (s) => s !== 'T', 'SIGCONT to resume tm-1'), 'T', 'SIGCONT resumes it');

  deployment.kill('tm-1');
  assert.equal(await deployment.waitForExit('tm-1', 10_000), true);
  assert.equal(deployment.exitOf('tm-1'), 'signal SIGKILL');
  assert.throws(() => deployment.pause('tm-1'), /cannot send SIGSTOP to tm-1: it exited with signal SIGKILL/);
  const fresh = await deployment.restart('tm-1');
  assert.notEqual(fresh.pid, tm1.pid);
  assert.equal(deployment.exitOf('tm-1'), undefined, 'the new process runs');
  assert.throws(() => deployment.pause('tm-9'), /no process named tm-9/);

  // the restarted TaskManager registers under its old id with its new pid
  for (let i = 0; !(await registeredPids(deployment.client)).includes(fresh.pid); i++) {
    assert.ok(i < 200, 'the restarted TaskManager registered');
    await new Promise((r) => setTimeout(r, 50));
  }
  await deployment.stop();
  assert.deepEqual(await deployment.collectLogs(logs), ['jobmanager.log', 'tm-0.log', 'tm-1.log']);
  assert.deepEqual((await readdir(logs)).sort(), ['jobmanager.log', 'tm-0.log', 'tm-1.log']);
});

test('a deploy mode without a registered deployer is refused with what is missing', () => {
  assert.throws(
    () => deployerFor('containers'),
    (error: unknown) => error instanceof DeployerUnavailableError && error.code === 'ERR_DEPLOYER_UNAVAILABLE' && /--deploy containers cannot run here: the containers deployer is not part of this version/.test(error.message),
  );
  assert.equal(deployerFor('local'), localDeployer);
});
