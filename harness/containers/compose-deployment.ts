/**
 * `--deploy compose`: the run uses the cluster of docker-compose.yml (project `flowlab`), brought up through
 * testcontainers' Compose support with the run's TaskManager count (FLOWLAB_TASKMANAGERS) and Flink keys
 * (FLOWLAB_PROPERTIES), so Prometheus and Grafana watch it. Chaos uses the project's Toxiproxy; data links are
 * proxied (the JobManager's link overrides), control links are not (the TaskManagers registered before the run).
 * The project keeps running after the run, for its dashboards: `docker compose down -v` ends it.
 */
import { FlowlabError, pollUntil } from '../../core/index.js';
import { JobManagerClient, type Address } from '../../runtime/index.js';
import { DeployerUnavailableError, type Deployer, type DeployerChaos, type DeployOptions, type DeployedJobManager, type DeployedTaskManager, type StartedDeployment } from '../deploy/index.js';
import type { StartedDockerComposeEnvironment } from 'testcontainers';
import { CONTAINER_PORTS, JOBMANAGER_ALIAS, flowlabImage, propertiesText } from './container-specs.js';
import { dockerComposeUnavailableReason } from './docker-engine.js';
import { DockerDeployment, DockerProcesses, type Testcontainers } from './docker-processes.js';
import { PACKAGE_ROOT } from './shipped-files.js';
import type { ResolvedConfig } from '../../core/index.js';

export const COMPOSE_PROJECT = 'flowlab';
const COMPOSE_FILE = 'docker-compose.yml';
const STARTUP_TIMEOUT_MS = 180_000;
const REGISTRATION_TIMEOUT_MS = 60_000;
/** Containers whose logs a run keeps besides the flowlab processes'. */
const OTHER_SERVICES = ['toxiproxy', 'prometheus', 'grafana'] as const;

/** The variables `docker compose` gets for a run: its scale, its Flink keys, and the image when one is named. */
export function composeEnvironment(taskManagers: number, config: ResolvedConfig, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const image = flowlabImage(env);
  return {
    FLOWLAB_TASKMANAGERS: String(taskManagers),
    FLOWLAB_PROPERTIES: propertiesText(config),
    ...(image.build ? {} : { FLOWLAB_IMAGE: image.name }),
  };
}

/** `docker compose up` of the project with the run's variables; resolves once the JobManager is healthy. */
async function upProject(tc: Testcontainers, taskManagers: number, config: ResolvedConfig): Promise<StartedDockerComposeEnvironment> {
  let environment = new tc.DockerComposeEnvironment(PACKAGE_ROOT, COMPOSE_FILE)
    .withProjectName(COMPOSE_PROJECT)
    .withEnvironment(composeEnvironment(taskManagers, config))
    // the project outlives the run (dashboards); testcontainers must not reap it when this process exits
    .withAutoCleanup(false)
    .withWaitStrategy(`${JOBMANAGER_ALIAS}-1`, tc.Wait.forHealthCheck())
    .withStartupTimeout(STARTUP_TIMEOUT_MS);
  if (flowlabImage().build) environment = environment.withBuild();
  return environment.up();
}

/** The running project, handed from the chaos step to the deployment. */
export class ComposeChaos implements DeployerChaos {
  readonly probesReachable = false;

  constructor(
    readonly environment: StartedDockerComposeEnvironment,
    readonly url: string,
  ) {}

  /** The project keeps running (its Toxiproxy too); nothing to undo. */
  async release(): Promise<void> {}
}

export class ComposeDeployment extends DockerDeployment implements StartedDeployment {
  readonly mode = 'compose' as const;
  private stopped: Promise<void> | undefined;

  private constructor(
    processes: DockerProcesses,
    private readonly networkName: string,
    /** The registered TaskManagers' data addresses, by id. */
    private readonly dataAddresses: Map<string, Address>,
  ) {
    super(processes);
  }

  static async start(options: DeployOptions): Promise<ComposeDeployment> {
    const tc = await import('testcontainers');
    const environment = options.chaos instanceof ComposeChaos ? options.chaos.environment : await upProject(tc, options.taskManagers, options.config);
    const jm = environment.getContainer(`${JOBMANAGER_ALIAS}-1`);
    const networkName = jm.getNetworkNames()[0];
    if (networkName === undefined) throw new FlowlabError('ERR_COMPOSE', `the ${COMPOSE_PROJECT} JobManager container is on no network`);
    const client = new JobManagerClient({ host: jm.getHost(), port: jm.getMappedPort(CONTAINER_PORTS.rest) });
    // a scaled TaskManager names itself (tm-<hostname>-<pid>): find each one's container by its data address
    const containers = Array.from({ length: options.taskManagers }, (_, i) => environment.getContainer(`taskmanager-${i + 1}`));
    const byIp = new Map(containers.map((c) => [c.getIpAddress(networkName), c]));
    const registered = await pollUntil(
      `the ${options.taskManagers} TaskManagers of the ${COMPOSE_PROJECT} project to register`,
      async () => {
        const all = await client.taskManagers();
        return all.filter((tm) => byIp.has(tm.dataAddress.host)).length >= options.taskManagers ? all : undefined;
      },
      { timeoutMs: REGISTRATION_TIMEOUT_MS, intervalMs: 200 },
    );
    const processes = new DockerProcesses(tc);
    await processes.track(JOBMANAGER_ALIAS, jm);
    const dataAddresses = new Map<string, Address>();
    for (const tm of registered) {
      const container = byIp.get(tm.dataAddress.host);
      if (!container) continue;
      await processes.track(tm.id, container);
      dataAddresses.set(tm.id, tm.dataAddress);
    }
    for (const service of OTHER_SERVICES) processes.extraLogs.set(service, environment.getContainer(`${service}-1`));
    return new ComposeDeployment(processes, networkName, dataAddresses);
  }

  get jobManager(): DeployedJobManager {
    return this.deployedJobManager(this.networkName);
  }

  get taskManagers(): DeployedTaskManager[] {
    return [...this.dataAddresses].map(([id, data]) => {
      const p = this.processes.get(id);
      return { id, pid: p.pid, host: p.container.getIpAddress(this.networkName), data };
    });
  }

  /** Leaves the project running for its dashboards; only resumes a TaskManager a fault left paused. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= this.processes.unpauseAll();
    return this.stopped;
  }
}

export const composeDeployer: Deployer = {
  mode: 'compose',
  async check(): Promise<void> {
    const missing = await dockerComposeUnavailableReason();
    if (missing) throw new DeployerUnavailableError('compose', missing);
  },
  async chaos(options): Promise<DeployerChaos> {
    const tc = await import('testcontainers');
    const environment = await upProject(tc, options.taskManagers, options.config);
    const toxiproxy = environment.getContainer('toxiproxy-1');
    return new ComposeChaos(environment, `http://${toxiproxy.getHost()}:${toxiproxy.getMappedPort(CONTAINER_PORTS.toxiproxyApi)}`);
  },
  start: (options) => ComposeDeployment.start(options),
};
