/**
 * `--deploy netns` on real namespaces: each process at its own address (checked from inside its namespace), a
 * blackhole on one TaskManager, and nothing left behind after a run, a Ctrl-C or a SIGKILLed run. Skipped, with
 * the reason, where namespaces cannot be made (not Linux, not root, no iproute2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobRun, type RunOptions } from '../job-run.js';
import { parseFaultTimeline } from '../fault-timeline.js';
import { CLI, faultRunOptions, fastFailoverConfig } from '../test-support.js';
import { NETNS_STATE_DIR, ip, netnsUnavailableReason, removeStaleNetworks } from './index.js';

const skip = (await netnsUnavailableReason()) ?? false;
const here = dirname(fileURLToPath(import.meta.url));
const HEARTBEAT_TIMEOUT_MS = 1000;

/** Namespaces and root-namespace devices whose name carries `runId`. */
async function leftovers(runId: string): Promise<string[]> {
  const names = [...(await ip(['netns', 'list'])).split('\n'), ...(await ip(['-o', 'link', 'show'])).split('\n').map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? '')];
  return names.map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`fl-${runId}-`));
}

function runIdOf(namespace: string | undefined): string {
  const id = /^fl-([0-9a-f]{6})-/.exec(namespace ?? '')?.[1];
  assert.ok(id, `a namespace named fl-<run>-…, got ${namespace}`);
  return id;
}

function options(dir: string, extra: Partial<RunOptions>): RunOptions {
  return faultRunOptions({ deploy: 'netns', childStderr: 'ignore', config: { 'execution.checkpointing.dir': join(dir, 'checkpoints') }, ...extra });
}

test('--deploy netns: every process in its own namespace at its own address, links across them, exactly-once, nothing left', { skip }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flowlab-netns-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const run = new JobRun(options(dir, {}));
  const inside: Array<Promise<unknown>> = [];
  run.on('phase', (phase: string) => {
    if (!phase.startsWith('running ')) return;
    const deployment = run.deployment!;
    inside.push(
      (async () => {
        const record = deployment.describe();
        assert.equal(new Set(record.processes.map((p) => p.host)).size, 3, 'three distinct addresses');
        for (const p of record.processes) {
          assert.ok(p.namespace, `${p.id} runs in a namespace`);
          // seen from inside: the namespace holds this address and no other, the process is in it and listens on it
          const addrs = (await ip(['-n', p.namespace, '-o', '-4', 'addr', 'show'])).split('\n').filter((l) => l.includes('inet '));
          assert.deepEqual(
            addrs.map((l) => /inet (\S+)/.exec(l)![1]).sort(),
            [`${p.host}/24`, '127.0.0.1/8'].sort(),
            `${p.namespace}: ${addrs.join(' | ')}`,
          );
          assert.ok((await ip(['netns', 'pids', p.namespace])).split('\n').includes(String(p.pid)), `pid ${p.pid} in ${p.namespace}`);
          const listening = (await ip(['netns', 'exec', p.namespace, 'ss', '-Htln'])).split('\n').map((l) => l.trim().split(/\s+/)[3]).filter(Boolean);
          for (const endpoint of [p.rest, p.control, p.data, p.metrics].filter((e): e is string => e !== undefined)) {
            assert.ok(endpoint.startsWith(`${p.host}:`), `${p.id} advertises ${endpoint}`);
            assert.ok(listening.includes(endpoint), `${p.namespace} listens on ${endpoint} (listening: ${listening.join(', ')})`);
          }
        }
        // the TaskManagers' control connections reach the JobManager's address from their own
        const jm = record.processes[0]!;
        for (const tm of record.processes.slice(1)) {
          const established = (await ip(['netns', 'exec', tm.namespace!, 'ss', '-Htn', 'state', 'established'])).split('\n');
          assert.ok(
            established.some((l) => l.includes(`${tm.host}:`) && l.includes(jm.control!)),
            `${tm.id} has a connection from ${tm.host} to ${jm.control}: ${established.join(' | ')}`,
          );
        }
      })().catch((error: unknown) => error), // kept until the run ended, then rethrown below
    );
  });
  const result = await run.execute();
  for (const outcome of await Promise.all(inside)) if (outcome instanceof Error) throw outcome;
  assert.equal(inside.length, 1, 'checked while the job ran');
  assert.equal(result.state, 'completed', result.error);
  assert.equal(result.sink.lost, 0);
  assert.equal(result.sink.duplicated, 0);
  assert.ok(result.sink.records > 0);
  assert.equal(result.deployment?.deployer, 'netns');
  assert.match(result.deployment?.subnet ?? '', /^10\.\d+\.\d+\.0\/24$/);
  const runId = runIdOf(result.deployment?.processes[0]?.namespace);
  assert.deepEqual(await leftovers(runId), [], 'no namespace or device left');
  assert.equal(existsSync(join(NETNS_STATE_DIR, `${runId}.json`)), false, 'no state file left');
});

test('--deploy netns: a blackhole on one TaskManager is noticed after heartbeat.timeout, the job restarts exactly-once', { skip }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flowlab-netns-bh-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const result = await new JobRun(
    options(dir, {
      durationMs: 5_000,
      config: fastFailoverConfig(join(dir, 'checkpoints'), HEARTBEAT_TIMEOUT_MS),
      faults: parseFaultTimeline(['at=1500ms,duration=2s,blackhole=tm-1']),
    }),
  ).execute();
  assert.equal(result.state, 'completed', result.error);
  assert.equal(result.sink.lost, 0);
  assert.equal(result.sink.duplicated, 0);
  const fault = result.faults[0]!;
  assert.equal(fault.kind, 'blackhole');
  assert.equal(fault.error, undefined);
  assert.notEqual(fault.removedAtMs, null, 'healed at the end of its duration');
  assert.match(fault.measured.detectedAs?.reason ?? '', /TaskManager tm-1 lost: no heartbeat/, 'TCP saw nothing: only the heartbeat timeout noticed');
  assert.equal(fault.measured.detectedAs?.restarted, true);
  const detect = fault.measured.timeToDetectMs!;
  assert.ok(detect >= HEARTBEAT_TIMEOUT_MS - 100 && detect < HEARTBEAT_TIMEOUT_MS + 2_000, `time to detect ${detect} ms, heartbeat.timeout ${HEARTBEAT_TIMEOUT_MS} ms`);
  assert.ok(fault.recovery, 'time to recover is judged');
  assert.deepEqual(await leftovers(runIdOf(result.deployment?.processes[0]?.namespace)), []);
});

test('--deploy netns with --chaos: the proxies listen on the root side of the bridge, the TaskManagers register and exchange data through them', { skip }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flowlab-netns-chaos-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const result = await new JobRun(options(dir, { chaos: true, durationMs: 2_000 })).execute();
  assert.equal(result.state, 'completed', result.error);
  assert.equal(result.sink.lost, 0);
  assert.equal(result.sink.duplicated, 0);
  const root = result.deployment!.subnet!.replace(/0\/24$/, '1');
  const proxies = result.chaos?.proxies ?? [];
  assert.deepEqual(proxies.map((p) => p.name).sort(), ['ctrl-tm-0', 'ctrl-tm-1', 'data-tm-0-tm-1', 'data-tm-1-tm-0']);
  for (const p of proxies) assert.ok(p.listen.startsWith(`${root}:`), `${p.name} listens on ${p.listen}, the bridge's root side ${root}`);
  const remote = result.timeseries.flatMap((s) => Object.entries(s.links ?? {})).filter(([link, rate]) => link.startsWith('data-') && rate > 0);
  assert.ok(remote.length > 0, 'records crossed the data links (whose addresses are the proxies)');
});

test('--deploy netns: a SIGKILLed run leaves namespaces that the next run removes; a live run keeps its own', { skip }, async () => {
  // a run that dies without cleaning up: a process that built its network, then SIGKILL
  const script = `import { NetnsNetwork } from ${JSON.stringify(join(here, 'netns-network.js'))};
const n = await NetnsNetwork.create(['jobmanager', 'tm-0']);
process.stdout.write(n.runId + '\\n');
setInterval(() => undefined, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const stale = line.toString().trim();
  child.kill('SIGKILL');
  await once(child, 'exit');
  assert.deepEqual((await leftovers(stale)).sort(), [`fl-${stale}-h`, `fl-${stale}-hub`, `fl-${stale}-jm`, `fl-${stale}-tm-0`]);
  // a leftover by the naming scheme alone (no state file, no owner)
  await ip(['netns', 'add', 'fl-0dead0-tm-0']);
  // a live network of this process stays
  const { NetnsNetwork } = await import('./netns-network.js');
  const live = await NetnsNetwork.create(['jobmanager']);
  try {
    const removed = await removeStaleNetworks();
    assert.ok(removed.includes(stale) && removed.includes('0dead0'), `removed ${removed.join(', ')}`);
    assert.ok(!removed.includes(live.runId));
    assert.deepEqual(await leftovers(stale), []);
    assert.deepEqual(await leftovers('0dead0'), []);
    assert.equal(existsSync(join(NETNS_STATE_DIR, `${stale}.json`)), false);
    assert.deepEqual((await leftovers(live.runId)).sort(), [`fl-${live.runId}-h`, `fl-${live.runId}-hub`, `fl-${live.runId}-jm`]);
  } finally {
    await live.teardown();
  }
  assert.deepEqual(await leftovers(live.runId), []);
});

test('blackhole targets: a host takes its bridge port down, a link adds blackhole routes both ways; heal undoes each', { skip }, async () => {
  const { NetnsNetwork } = await import('./netns-network.js');
  const network = await NetnsNetwork.create(['jobmanager', 'tm-0', 'tm-1']);
  try {
    const [tm0, tm1] = [network.addressOf('tm-0'), network.addressOf('tm-1')];
    const port = async (): Promise<string> => (await ip(['-n', network.hub, '-o', 'link', 'show'])).split('\n').find((l) => /^\d+: p4@/.test(l)) ?? '';
    assert.match(await port(), /state UP/);
    await network.blackhole('tm-1');
    assert.match(await port(), /state DOWN/, 'tm-1 (.4) is cut off the bridge');
    await network.heal('tm-1');
    assert.doesNotMatch(await port(), /state DOWN/);
    await network.blackhole('tm-0~tm-1');
    assert.match(await ip(['-n', network.namespaceOf('tm-0'), 'route', 'show']), new RegExp(`blackhole ${tm1.replace(/\./g, '\\.')}`));
    assert.match(await ip(['-n', network.namespaceOf('tm-1'), 'route', 'show']), new RegExp(`blackhole ${tm0.replace(/\./g, '\\.')}`));
    await network.heal('tm-0~tm-1');
    assert.doesNotMatch(await ip(['-n', network.namespaceOf('tm-0'), 'route', 'show']), /blackhole/);
    assert.throws(() => network.namespaceOf('tm-7'), /no process named tm-7/);
  } finally {
    await network.teardown();
  }
  assert.deepEqual(await leftovers(network.runId), []);
});

test('flowlab run --deploy netns stopped by Ctrl-C (SIGINT) removes its namespaces', { skip }, async () => {
  const child = spawn(process.execPath, [CLI, 'run', '--deploy', 'netns', '--duration', '30s', '--warmup', '0s', '--rate', '500', '--no-calibrate'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let runId: string | undefined;
  child.stderr.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`exited with ${code} before the job ran: ${stderr}`)));
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      runId ??= /in fl-([0-9a-f]{6})-/.exec(stderr)?.[1];
      if (runId && stderr.includes('flowlab: running ')) resolve();
    });
  });
  child.removeAllListeners('exit');
  child.kill('SIGINT');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 130, stderr);
  assert.deepEqual(await leftovers(runId!), [], stderr);
});

test('--deploy netns without the ip command fails before anything starts, saying so', { skip: process.platform !== 'linux' ? 'Linux only' : false }, async () => {
  const child = spawn(process.execPath, [CLI, 'run', '--deploy', 'netns', '--duration', '1s', '--no-calibrate'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: '/nonexistent' } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.notEqual(code, 0);
  assert.match(stderr, /--deploy netns cannot run here: (the ip command \(iproute2\) is missing|creating network namespaces needs root)/);
  assert.doesNotMatch(stderr, /starting \d+ TaskManagers/, 'nothing started');
});
