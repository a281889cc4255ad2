/**
 * `--deploy containers` and `--deploy compose`. Without a Docker engine (as on the machines that build flowlab)
 * both fail before anything starts, naming what is missing, and the tests that need an engine skip with that
 * message; with one, the job runs in containers with the real Toxiproxy between them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../core/index.js';
import { presetJobGraph } from '../../runtime/index.js';
import { DeployerUnavailableError, deployerFor } from '../deploy/index.js';
import { ChaosPlacement } from '../chaos-placement.js';
import { composeDeployer, composeEnvironment, containersDeployer, dockerComposeUnavailableReason, dockerEngineUnavailableReason } from './index.js';
import { PACKAGE_ROOT } from './shipped-files.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');
const noEngine = await dockerEngineUnavailableReason();
const noCompose = await dockerComposeUnavailableReason();

test('the containers and compose deployers are registered on the Deployer seam', () => {
  assert.equal(deployerFor('containers'), containersDeployer);
  assert.equal(deployerFor('compose'), composeDeployer);
});

test('without a Docker engine, --deploy containers fails before anything starts, naming what is missing', { skip: noEngine === undefined ? 'a Docker engine is reachable here' : false }, async () => {
  await assert.rejects(containersDeployer.check(), (error: unknown) => {
    assert.ok(error instanceof DeployerUnavailableError);
    assert.equal(error.mode, 'containers');
    assert.equal(error.missing, noEngine);
    assert.match(error.message, /^--deploy containers cannot run here: no Docker engine: (DOCKER_HOST|DOCKER_HOST=)/);
    return true;
  });
  const run = spawnSync(process.execPath, [CLI, 'run', '--deploy', 'containers', '--chaos', '--duration', '2s', '--no-calibrate'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /--deploy containers cannot run here: no Docker engine/);
  assert.doesNotMatch(run.stderr, /starting|calibrating|Toxiproxy API/, 'nothing started');
});

test('without Docker Compose, --deploy compose fails before anything starts, naming what is missing', { skip: noCompose === undefined ? 'docker compose and an engine are available here' : false }, async () => {
  await assert.rejects(composeDeployer.check(), (error: unknown) => error instanceof DeployerUnavailableError && error.mode === 'compose' && error.missing === noCompose);
  const dir = await mkdtemp(join(tmpdir(), 'flowlab-compose-scenario-'));
  try {
    const scenario = join(dir, 'compose.yaml');
    await writeFile(scenario, 'name: on-compose\ndescription: the smoke job on the compose project\ncluster: { taskManagers: 2, deploy: compose }\nworkload: { duration: 2s, warmup: 0s }\n');
    const run = spawnSync(process.execPath, [CLI, 'run', scenario, '--no-calibrate'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /--deploy compose cannot run here: .*(Compose|Docker engine)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('--deploy compose hands the run to docker compose as variables: scale, Flink keys, the image', () => {
  const config = resolveConfig({ 'rest.port': 0, 'execution.buffer-timeout': '5 ms', 'taskmanager.numberOfTaskSlots': 2 });
  const env = composeEnvironment(3, config, {});
  assert.equal(env['FLOWLAB_TASKMANAGERS'], '3');
  assert.equal(env['FLOWLAB_PROPERTIES'], 'execution.buffer-timeout: 5 ms\ntaskmanager.numberOfTaskSlots: 2\nexecution.checkpointing.dir: /checkpoints\n');
  assert.equal(env['FLOWLAB_IMAGE'], undefined, 'built from the Dockerfile');
  assert.equal(composeEnvironment(1, config, { FLOWLAB_IMAGE: 'ghcr.io/example/flowlab:0.1.0' })['FLOWLAB_IMAGE'], 'ghcr.io/example/flowlab:0.1.0');
});

test('--deploy containers: a job with the real Toxiproxy on every link survives a TaskManager kill exactly-once; logs of every container', { skip: noEngine ?? false, timeout: 600_000 }, async (t) => {
  const logs = await mkdtemp(join(tmpdir(), 'flowlab-container-logs-'));
  t.after(() => rm(logs, { recursive: true, force: true }));
  const config = resolveConfig({ 'taskmanager.numberOfTaskSlots': 2, 'execution.checkpointing.interval': '500 ms', 'heartbeat.interval': '200 ms', 'heartbeat.timeout': '2 s', 'restart-strategy.fixed-delay.delay': '200 ms' });
  const chaos = await containersDeployer.chaos!({ taskManagers: 2, config });
  t.after(() => chaos.release());
  await using placement = await ChaosPlacement.start({ url: chaos.url });
  await using deployment = await containersDeployer.start({ taskManagers: 2, config, chaos, controlAddressFor: placement.controlAddressFor });
  assert.deepEqual(deployment.describe().processes.map((p) => p.id), ['jobmanager', 'tm-0', 'tm-1']);
  await deployment.client.setLinkOverrides(await placement.placeDataLinks(deployment.taskManagers, deployment.proxyHost));
  assert.deepEqual(placement.linkNames(), ['ctrl-tm-0', 'ctrl-tm-1', 'data-tm-0-tm-1', 'data-tm-1-tm-0']);
  const { jobId } = await deployment.client.submitJob(presetJobGraph('keyby-aggregate', 4, { ratePerSec: 1000, durationMs: 8000, keys: 64 }));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  deployment.kill('tm-1');
  assert.equal(await deployment.waitForExit('tm-1', 30_000), true);
  assert.equal(deployment.exitOf('tm-1'), 'signal SIGKILL');
  await deployment.restart('tm-1');
  for (let job = await deployment.client.job(jobId); !['FINISHED', 'FAILED', 'CANCELED'].includes(job.state); job = await deployment.client.job(jobId)) {
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const { aggregate } = await deployment.client.metrics(jobId);
  assert.equal(aggregate.sinkRecordsIn, aggregate.sourceRecordsOut, 'lost 0');
  assert.equal(aggregate.sinkDuplicated, 0, 'duplicated 0');
  assert.ok(((await deployment.client.job(jobId)).restarts ?? 0) >= 1, 'the kill restarted the job');
  await deployment.stop();
  const files = await deployment.collectLogs(logs);
  assert.deepEqual(files, ['jobmanager.log', 'tm-0.log', 'tm-1.log', 'toxiproxy.log']);
  assert.match(await readFile(join(logs, 'jobmanager.log'), 'utf8'), /"process":"jobmanager"/);
});
