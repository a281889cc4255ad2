/**
 * Static checks of what cannot run on a machine without Docker: docker-compose.yml, the Dockerfile, the Prometheus
 * and Grafana files, and the container specs of `--deploy containers` — they parse, name only images, services,
 * ports and files that exist, and configure the processes through variables `flowlab jobmanager` /
 * `flowlab taskmanager` accept. (The dashboard's queries run against a real Prometheus in
 * harness/containers/prometheus-dashboard.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { resolveConfig } from '../core/index.js';
import {
  BUILT_IMAGE_NAME,
  CHECKPOINT_MOUNT,
  CONTAINER_PORTS,
  InvalidDashboardError,
  PACKAGE_ROOT,
  SHIPPED_FILES,
  TOXIPROXY_IMAGE,
  jobManagerSpec,
  loadComposeFile,
  loadDashboard,
  parseDashboard,
  publishedPorts,
  serviceCommand,
  serviceEnvironment,
  taskManagerSpec,
  UnsupportedInContainersError,
  type ComposeFile,
} from '../harness/index.js';
import { jobManagerOptionsFrom, taskManagerOptionsFrom } from './process-commands.js';

const read = (file: string): string => readFileSync(file, 'utf8');
const NO_FLAGS = { D: [] as string[] };

/** The ports a service listens on, from its configuration (flowlab's variables) or the image's documented default. */
function listeningPorts(name: string, compose: ComposeFile): number[] {
  const env = serviceEnvironment(compose.services[name]!);
  const flowlab = ['FLOWLAB_REST_PORT', 'FLOWLAB_RPC_PORT', 'FLOWLAB_DATA_PORT', 'FLOWLAB_METRICS_PORT'].flatMap((k) => (env[k] ? [Number(env[k])] : []));
  const defaults: Record<string, number[]> = { toxiproxy: [CONTAINER_PORTS.toxiproxyApi], prometheus: [9090], grafana: [3000] };
  return [...flowlab, ...(defaults[name] ?? [])];
}

test('docker-compose.yml: its five services, images that exist, ports the services listen on, all published on loopback', async () => {
  const compose = await loadComposeFile({});
  assert.deepEqual(Object.keys(compose.services).sort(), ['grafana', 'jobmanager', 'prometheus', 'taskmanager', 'toxiproxy']);
  for (const name of ['jobmanager', 'taskmanager']) {
    const service = compose.services[name]!;
    assert.equal(service.image, BUILT_IMAGE_NAME, `${name}: the image built from the Dockerfile by default`);
    const context = typeof service.build === 'string' ? service.build : service.build?.context;
    assert.ok(context !== undefined && existsSync(join(PACKAGE_ROOT, context, 'Dockerfile')), `${name}: builds from the Dockerfile`);
  }
  assert.equal((await loadComposeFile({ FLOWLAB_IMAGE: 'registry.example/flowlab:1.2' })).services['taskmanager']!.image, 'registry.example/flowlab:1.2', 'FLOWLAB_IMAGE names another image');
  assert.equal(compose.services['toxiproxy']!.image, TOXIPROXY_IMAGE, 'the same Toxiproxy as --deploy containers');
  assert.match(compose.services['prometheus']!.image ?? '', /^prom\/prometheus:v\d+\.\d+\.\d+$/);
  assert.match(compose.services['grafana']!.image ?? '', /^grafana\/grafana:\d+\.\d+\.\d+$/);
  for (const [name, service] of Object.entries(compose.services)) {
    const listening = listeningPorts(name, compose);
    for (const port of publishedPorts(service)) {
      assert.equal(port.hostIp, '127.0.0.1', `${name}: ${port.target} is published on loopback only`);
      assert.ok(listening.includes(port.target), `${name}: publishes ${port.target}, which it listens on (${listening.join(', ')})`);
    }
    const dependsOn = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
    for (const other of dependsOn) assert.ok(compose.services[other], `${name} depends on ${other}, a service`);
    for (const volume of service.volumes ?? []) {
      const source = typeof volume === 'string' ? volume.split(':')[0]! : (volume.source ?? '');
      if (source.startsWith('.')) assert.ok(existsSync(join(PACKAGE_ROOT, source)), `${name}: mounts ${source}, which exists`);
      else assert.ok(compose.volumes && source in compose.volumes, `${name}: mounts the named volume ${source}, which is declared`);
    }
  }
  assert.deepEqual(publishedPorts(compose.services['jobmanager']!).map((p) => p.target), [CONTAINER_PORTS.rest]);
  assert.deepEqual(publishedPorts(compose.services['toxiproxy']!).map((p) => p.target), [CONTAINER_PORTS.toxiproxyApi]);
  assert.equal((await loadComposeFile({ FLOWLAB_TASKMANAGERS: '3' })).services['taskmanager']!.deploy?.replicas, '3', 'FLOWLAB_TASKMANAGERS scales the TaskManagers');
});

test('the flowlab services and the container specs configure the processes through variables the commands accept', async () => {
  const compose = await loadComposeFile({});
  assert.deepEqual(serviceCommand(compose.services['jobmanager']!), ['jobmanager']);
  assert.deepEqual(serviceCommand(compose.services['taskmanager']!), ['taskmanager']);
  const jm = jobManagerOptionsFrom(NO_FLAGS, serviceEnvironment(compose.services['jobmanager']!));
  assert.equal(jm.bindHost, '0.0.0.0');
  assert.equal(jm.advertisedHost, 'jobmanager', 'TaskManagers reach the JobManager by its service name');
  assert.deepEqual([jm.restPort, jm.controlPort, jm.metricsPort], [CONTAINER_PORTS.rest, CONTAINER_PORTS.rpc, CONTAINER_PORTS.metrics]);
  assert.equal(jm.config['execution.checkpointing.dir'], CHECKPOINT_MOUNT);
  const tm = taskManagerOptionsFrom(NO_FLAGS, serviceEnvironment(compose.services['taskmanager']!));
  assert.deepEqual(tm.jobManager, { host: 'jobmanager', port: CONTAINER_PORTS.rpc });
  assert.equal(tm.advertisedHost, undefined, 'a scaled TaskManager advertises its own container address');
  assert.equal(tm.config['taskmanager.data.port'], CONTAINER_PORTS.data);
  assert.equal(tm.metricsPort, CONTAINER_PORTS.metrics);

  // --deploy compose passes the run's keys through FLOWLAB_PROPERTIES
  const config = resolveConfig({ 'rest.port': 0, 'execution.buffer-timeout': '10 ms', 'taskmanager.numberOfTaskSlots': 2 });
  const spec = jobManagerSpec({ image: 'flowlab:local', config, checkpointDir: '/tmp/cp', runId: 'r1' });
  const runCompose = await loadComposeFile({ FLOWLAB_PROPERTIES: spec.environment['FLOWLAB_PROPERTIES'] });
  const runTm = taskManagerOptionsFrom(NO_FLAGS, serviceEnvironment(runCompose.services['taskmanager']!));
  assert.equal(runTm.config['execution.buffer-timeout'], 10);
  assert.equal(runTm.config['taskmanager.numberOfTaskSlots'], 2);
  assert.equal(runTm.config['execution.checkpointing.dir'], CHECKPOINT_MOUNT);

  // --deploy containers: one spec per process, the same variables
  const jmSpec = jobManagerOptionsFrom(NO_FLAGS, spec.environment);
  assert.deepEqual(spec.command, ['jobmanager']);
  assert.deepEqual([jmSpec.bindHost, jmSpec.advertisedHost, jmSpec.restPort, jmSpec.controlPort, jmSpec.metricsPort], ['0.0.0.0', 'jobmanager', 8081, 6123, 9249]);
  assert.equal(jmSpec.config['rest.port'], CONTAINER_PORTS.rest, 'the run’s rest.port 0 is not passed: the container has its own address');
  assert.deepEqual(spec.bindMounts, [{ source: '/tmp/cp', target: CHECKPOINT_MOUNT, mode: 'rw' }]);
  assert.deepEqual(spec.exposedPorts, [CONTAINER_PORTS.rest, CONTAINER_PORTS.metrics]);
  const tmSpec = taskManagerSpec({ image: 'flowlab:local', config, checkpointDir: '/tmp/cp', runId: 'r1', tmId: 'tm-1', jobManager: { host: 'toxiproxy', port: 41_000 } });
  const tmOptions = taskManagerOptionsFrom(NO_FLAGS, tmSpec.environment);
  assert.deepEqual([tmOptions.tmId, tmOptions.advertisedHost, tmOptions.jobManager], ['tm-1', 'tm-1', { host: 'toxiproxy', port: 41_000 }]);
  assert.equal(tmOptions.config['taskmanager.data.port'], CONTAINER_PORTS.data);
  assert.deepEqual(tmSpec.networkAliases, ['tm-1'], 'other containers reach it by its id');
  assert.match('{"process":"taskmanager","tmId":"tm-1","pid":1}', tmSpec.readyLog);
  assert.doesNotMatch('{"process":"taskmanager","tmId":"tm-10","pid":1}', tmSpec.readyLog);
  assert.throws(() => jobManagerSpec({ image: 'x', config: resolveConfig({ 'security.ssl.internal.enabled': true }), checkpointDir: '/tmp/cp', runId: 'r1' }), (e: unknown) => e instanceof UnsupportedInContainersError && e.message.includes('security.ssl.internal.enabled'));
});

test('Prometheus scrapes the JobManager and every TaskManager of the compose project on their metrics port', async () => {
  const compose = await loadComposeFile({});
  const scrape = parse(read(SHIPPED_FILES.scrapeConfig)) as { scrape_configs: Array<{ job_name: string; static_configs?: Array<{ targets: string[] }>; dns_sd_configs?: Array<{ names: string[]; port: number; type: string }> }> };
  const jobs = new Map(scrape.scrape_configs.map((j) => [j.job_name, j]));
  const jmMetrics = serviceEnvironment(compose.services['jobmanager']!)['FLOWLAB_METRICS_PORT'];
  assert.deepEqual(jobs.get('flowlab-jobmanager')?.static_configs?.[0]?.targets, [`jobmanager:${jmMetrics}`]);
  const dns = jobs.get('flowlab-taskmanager')?.dns_sd_configs?.[0];
  assert.deepEqual(dns?.names, ['taskmanager'], 'one A record per scaled TaskManager container');
  assert.equal(dns?.type, 'A');
  assert.equal(String(dns?.port), serviceEnvironment(compose.services['taskmanager']!)['FLOWLAB_METRICS_PORT']);
  const prometheus = compose.services['prometheus']!;
  const mount = (prometheus.volumes ?? []).find((v): v is string => typeof v === 'string' && v.startsWith('./docker/prometheus/prometheus.yml:'));
  const target = mount?.split(':')[1];
  assert.ok(target && serviceCommand(prometheus).includes(`--config.file=${target}`), 'the mounted file is the one Prometheus reads');
});

test('Grafana gets the Prometheus data source and the dashboard, whose panels all use it', async () => {
  const compose = await loadComposeFile({});
  const datasources = parse(read(SHIPPED_FILES.grafanaDatasources)) as { datasources: Array<{ uid: string; type: string; url: string }> };
  const [ds] = datasources.datasources;
  assert.equal(ds?.type, 'prometheus');
  const url = new URL(ds.url);
  assert.ok(compose.services[url.hostname], `the data source's host ${url.hostname} is a service`);
  assert.ok(listeningPorts(url.hostname, compose).includes(Number(url.port)), `and ${url.port} is its port`);
  const dashboard = await loadDashboard();
  for (const panel of dashboard.panels) if (panel.targets?.length) assert.equal(panel.datasource?.uid, ds.uid, `${panel.title}: uses the provisioned data source`);
  const providers = parse(read(SHIPPED_FILES.grafanaDashboardProviders)) as { providers: Array<{ options: { path: string } }> };
  const grafana = compose.services['grafana']!;
  const mounts = (grafana.volumes ?? []).filter((v): v is string => typeof v === 'string').map((v) => v.split(':'));
  const dashboardsMount = mounts.find(([source]) => source === './docker/grafana/dashboards');
  assert.equal(dashboardsMount?.[1], providers.providers[0]?.options.path, 'the provider reads the mounted dashboards');
  const home = serviceEnvironment(grafana)['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH']!;
  assert.ok(home.startsWith(`${dashboardsMount![1]}/`) && existsSync(join(PACKAGE_ROOT, 'docker/grafana/dashboards', home.slice(dashboardsMount![1]!.length + 1))), 'the home dashboard is a shipped file');
  assert.ok(mounts.some(([source, targetPath]) => source === './docker/grafana/provisioning' && targetPath === '/etc/grafana/provisioning'));
  assert.throws(() => parseDashboard('{"uid":"x","title":"t","schemaVersion":39,"templating":{"list":[]},"panels":[{"id":1,"type":"timeseries","title":"p","gridPos":{"x":0,"y":0,"w":30,"h":8}}]}', 'bad.json'), (e: unknown) => e instanceof InvalidDashboardError && /bad\.json: panels\.0\.gridPos\.w/.test(e.message));
  assert.throws(() => parseDashboard('{', 'broken.json'), /broken\.json: not JSON/);
});

test('Dockerfile: multi-stage on Node 20 slim, production dependencies only, a non-root user, flowlab as the entry point', () => {
  const dockerfile = read(SHIPPED_FILES.dockerfile);
  const instructions = dockerfile.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  assert.match(dockerfile, /^ARG NODE_IMAGE=node:20-slim$/m);
  const stages = instructions.filter((l) => l.startsWith('FROM '));
  assert.deepEqual(stages, ['FROM ${NODE_IMAGE} AS build', 'FROM ${NODE_IMAGE} AS runtime']);
  const runtime = instructions.slice(instructions.indexOf('FROM ${NODE_IMAGE} AS runtime'));
  assert.ok(runtime.some((l) => /npm ci --omit=dev/.test(l)), 'the final stage installs production dependencies only');
  assert.ok(runtime.some((l) => l.startsWith('COPY --from=build /src/dist ')), 'and takes the compiled code from the build stage');
  const users = runtime.filter((l) => l.startsWith('USER '));
  assert.deepEqual(users, ['USER flowlab']);
  assert.deepEqual(runtime.filter((l) => l.startsWith('ENTRYPOINT')), ['ENTRYPOINT ["flowlab"]']);
  const exposed = runtime.filter((l) => l.startsWith('EXPOSE ')).flatMap((l) => l.slice(7).split(/\s+/).map(Number));
  assert.deepEqual(exposed.sort(), [CONTAINER_PORTS.rest, CONTAINER_PORTS.rpc, CONTAINER_PORTS.data, CONTAINER_PORTS.metrics].sort());
  // every file the build copies from the context exists and is not left out by .dockerignore
  const ignore = read(join(PACKAGE_ROOT, '.dockerignore')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const line of instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from='))) {
    const sources = line.slice(5).trim().split(/\s+/).slice(0, -1);
    for (const source of sources) {
      assert.ok(existsSync(join(PACKAGE_ROOT, source)), `COPY ${source}: exists`);
      assert.ok(ignore.includes(`!${source}`) || ignore.includes(`!${source}/**`), `COPY ${source}: let in by .dockerignore`);
    }
  }
});
