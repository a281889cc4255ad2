/**
 * `--deploy containers`: the JobManager and each TaskManager as a container of the flowlab image on a network of
 * their own, started through testcontainers, with the real Toxiproxy container (`@testcontainers/toxiproxy`) on the
 * same network for chaos, driven by flowlab's own Toxiproxy client like the embedded server. Process faults are
 * container operations (kill with a signal, pause/unpause, restart); each container's log goes to the results
 * folder.
 */
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { StartedNetwork, StartedTestContainer } from 'testcontainers';
import type { Address } from '../../runtime/index.js';
import { DeployerUnavailableError, type Deployer, type DeployerChaos, type DeployOptions, type DeployedJobManager, type DeployedTaskManager, type StartedDeployment } from '../deploy/index.js';
import { CONTAINER_PORTS, JOBMANAGER_ALIAS, TOXIPROXY_ALIAS, TOXIPROXY_IMAGE, flowlabImage, jobManagerSpec, taskManagerSpec, type ContainerSpec } from './container-specs.js';
import { dockerEngineUnavailableReason } from './docker-engine.js';
import { DockerDeployment, DockerProcesses, STOP_TIMEOUT_MS, type Testcontainers } from './docker-processes.js';
import { PACKAGE_ROOT } from './shipped-files.js';

const STARTUP_TIMEOUT_MS = 60_000;

/** The network and the real Toxiproxy container, started before the cluster so chaos can place its proxies. */
export class ContainerChaos implements DeployerChaos {
  /** The harness's link probes cannot reach proxies inside the Docker network. */
  readonly probesReachable = false;
  private released = false;

  private constructor(
    readonly network: StartedNetwork,
    readonly toxiproxy: StartedTestContainer,
    readonly url: string,
  ) {}

  static async start(tc: Testcontainers): Promise<ContainerChaos> {
    const network = await new tc.Network().start();
    try {
      const { ToxiProxyContainer } = await import('@testcontainers/toxiproxy');
      const toxiproxy = await new ToxiProxyContainer(TOXIPROXY_IMAGE).withNetwork(network).withNetworkAliases(TOXIPROXY_ALIAS).start();
      return new ContainerChaos(network, toxiproxy, `http://${toxiproxy.getHost()}:${toxiproxy.getMappedPort(CONTAINER_PORTS.toxiproxyApi)}`);
    } catch (error) {
      await network.stop().catch(() => undefined);
      throw error;
    }
  }

  /** Stops Toxiproxy and the network. Idempotent. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.toxiproxy.stop({ timeout: STOP_TIMEOUT_MS }).catch(() => undefined);
    await this.network.stop().catch(() => undefined);
  }
}

export class ContainerDeployment extends DockerDeployment implements StartedDeployment {
  readonly mode = 'containers' as const;
  private stopped: Promise<void> | undefined;

  private constructor(
    processes: DockerProcesses,
    private readonly net: StartedNetwork,
    private readonly chaos: ContainerChaos | undefined,
    /** A checkpoint directory this deployment made (removed on stop). */
    private readonly ownedCheckpointDir: string | undefined,
  ) {
    super(processes);
  }

  static async start(options: DeployOptions): Promise<ContainerDeployment> {
    const tc = await import('testcontainers');
    const chaos = options.chaos instanceof ContainerChaos ? options.chaos : undefined;
    const configuredDir = options.config['execution.checkpointing.dir'];
    const checkpointDir = configuredDir ?? (await mkdtemp(join(tmpdir(), 'flowlab-container-checkpoints-')));
    // every container runs as an unprivileged user of its own: the shared directory must be writable for it
    await mkdir(checkpointDir, { recursive: true });
    await chmod(checkpointDir, 0o777);
    const net = chaos?.network ?? (await new tc.Network().start());
    const processes = new DockerProcesses(tc);
    if (chaos) processes.extraLogs.set('toxiproxy', chaos.toxiproxy);
    try {
      const image = flowlabImage();
      if (image.build) await tc.GenericContainer.fromDockerfile(PACKAGE_ROOT).build(image.name, { deleteOnExit: false });
      const base = { image: image.name, config: options.config, checkpointDir, runId: randomUUID().slice(0, 8) };
      await processes.track(JOBMANAGER_ALIAS, await startContainer(tc, net, jobManagerSpec(base)));
      const control: Address = { host: JOBMANAGER_ALIAS, port: CONTAINER_PORTS.rpc };
      const results = await Promise.allSettled(
        Array.from({ length: options.taskManagers }, async (_, i) => {
          const tmId = `tm-${i}`;
          const dial = options.controlAddressFor ? await options.controlAddressFor(tmId, control, TOXIPROXY_ALIAS) : control;
          return processes.track(tmId, await startContainer(tc, net, taskManagerSpec({ ...base, tmId, jobManager: dial })));
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      return new ContainerDeployment(processes, net, chaos, configuredDir === null ? checkpointDir : undefined);
    } catch (error) {
      await processes.finalLogs();
      for (const p of processes.byId.values()) await p.container.stop({ timeout: STOP_TIMEOUT_MS }).catch(() => undefined);
      if (chaos) await chaos.release();
      else await net.stop().catch(() => undefined);
      if (configuredDir === null) await rm(checkpointDir, { recursive: true, force: true });
      throw error;
    }
  }

  get jobManager(): DeployedJobManager {
    return this.deployedJobManager(this.net.getName());
  }

  get taskManagers(): DeployedTaskManager[] {
    return [...this.processes.byId.values()].filter((p) => p.id !== JOBMANAGER_ALIAS).map((p) => ({
      id: p.id,
      pid: p.pid,
      host: p.container.getIpAddress(this.net.getName()),
      data: { host: p.id, port: CONTAINER_PORTS.data },
      metrics: { host: p.container.getHost(), port: p.container.getMappedPort(CONTAINER_PORTS.metrics) },
    }));
  }

  /** Keeps every container's log, then stops and removes the containers, Toxiproxy and the network. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      await this.processes.finalLogs();
      await this.processes.unpauseAll();
      const all = [...this.processes.byId.values()];
      await Promise.all(all.filter((p) => p.id !== JOBMANAGER_ALIAS).map((p) => p.container.stop({ timeout: STOP_TIMEOUT_MS }).catch(() => undefined)));
      await this.processes.get(JOBMANAGER_ALIAS).container.stop({ timeout: STOP_TIMEOUT_MS }).catch(() => undefined);
      if (this.chaos) await this.chaos.release();
      else await this.net.stop().catch(() => undefined);
      if (this.ownedCheckpointDir) await rm(this.ownedCheckpointDir, { recursive: true, force: true });
    })();
    return this.stopped;
  }

}

function startContainer(tc: Testcontainers, net: StartedNetwork, spec: ContainerSpec): Promise<StartedTestContainer> {
  return new tc.GenericContainer(spec.image)
    .withNetwork(net)
    .withNetworkAliases(...spec.networkAliases)
    .withCommand(spec.command)
    .withEnvironment(spec.environment)
    .withExposedPorts(...spec.exposedPorts)
    .withBindMounts(spec.bindMounts)
    .withLabels(spec.labels)
    .withWaitStrategy(tc.Wait.forLogMessage(spec.readyLog))
    .withStartupTimeout(STARTUP_TIMEOUT_MS)
    .start();
}

export const containersDeployer: Deployer = {
  mode: 'containers',
  async check(): Promise<void> {
    const missing = await dockerEngineUnavailableReason();
    if (missing) throw new DeployerUnavailableError('containers', missing);
  },
  async chaos(): Promise<DeployerChaos> {
    return ContainerChaos.start(await import('testcontainers'));
  },
  start: (options) => ContainerDeployment.start(options),
};
