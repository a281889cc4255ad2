/**
 * What every container deployment does the same way: it tracks its processes' containers, acts on one (kill with a
 * signal, pause, unpause), knows how each exited (`docker wait`), and reads each container's log before the
 * containers go away.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { StartedTestContainer } from 'testcontainers';
import { FlowlabError, pollUntil, toError } from '../../core/index.js';
import { JobManagerClient, type Address } from '../../runtime/index.js';
import type { DeployedJobManager, DeployedTaskManager, DeploymentRecord } from '../deploy/index.js';
import { CONTAINER_PORTS, JOBMANAGER_ALIAS, TOXIPROXY_ALIAS } from './container-specs.js';
import { demuxDockerLogs, describeExitStatus } from './docker-logs.js';

/** How long a stopping container gets before it is killed, ms. */
export const STOP_TIMEOUT_MS = 5_000;
/** How long a restarted TaskManager has to register again, ms. */
const REGISTRATION_TIMEOUT_MS = 60_000;

export type Testcontainers = typeof import('testcontainers');
type RuntimeClient = Awaited<ReturnType<Testcontainers['getContainerRuntimeClient']>>;
type DockerContainer = ReturnType<RuntimeClient['container']['getById']>;

/** One process's container. */
export interface TrackedContainer {
  readonly id: string;
  readonly container: StartedTestContainer;
  pid: number;
  exit: string | undefined;
  exited: Promise<void>;
}

export class DockerProcesses {
  readonly byId = new Map<string, TrackedContainer>();
  /** Containers whose logs are kept besides the processes' (Toxiproxy, Prometheus, …), by name. */
  readonly extraLogs = new Map<string, StartedTestContainer>();
  private readonly logs = new Map<string, string>();
  private gone = false;

  constructor(private readonly tc: Testcontainers) {}

  /** Starts tracking a started container as process `id` (again, after a restart). */
  async track(id: string, container: StartedTestContainer): Promise<TrackedContainer> {
    const client = await this.tc.getContainerRuntimeClient();
    const handle = client.container.getById(container.getId());
    const info = await client.container.inspect(handle);
    const tracked: TrackedContainer = { id, container, pid: info.State.Pid ?? 0, exit: undefined, exited: Promise.resolve() };
    tracked.exited = handle.wait().then(
      (result: { StatusCode?: number }) => {
        tracked.exit = describeExitStatus(result.StatusCode ?? -1, constants.signals);
      },
      () => undefined,
    );
    this.byId.set(id, tracked);
    return tracked;
  }

  get(id: string): TrackedContainer {
    const p = this.byId.get(id);
    if (!p) throw new FlowlabError('ERR_UNKNOWN_PROCESS', `no process named ${id} (processes: ${[...this.byId.keys()].join(', ')})`);
    return p;
  }

  exitOf(id: string): string | undefined {
    return this.byId.get(id)?.exit;
  }

  async anyExit(timeoutMs: number): Promise<void> {
    const all = [...this.byId.values()];
    if (all.some((p) => p.exit !== undefined)) return;
    await withTimeout(Promise.race(all.map((p) => p.exited)), timeoutMs);
  }

  async waitForExit(id: string, timeoutMs: number): Promise<boolean> {
    const p = this.get(id);
    if (p.exit === undefined) await withTimeout(p.exited, timeoutMs);
    return p.exit !== undefined;
  }

  kill(id: string, signal: NodeJS.Signals): void {
    this.operate(id, `docker kill --signal ${signal}`, (c) => c.kill({ signal }));
  }

  pause(id: string): void {
    this.operate(id, 'docker pause', (c) => c.pause());
  }

  resume(id: string): void {
    this.operate(id, 'docker unpause', (c) => c.unpause());
  }

  /** Unpauses every container (a paused one cannot stop), ignoring those that are not paused. */
  async unpauseAll(): Promise<void> {
    const client = await this.tc.getContainerRuntimeClient();
    for (const p of this.byId.values()) await client.container.getById(p.container.getId()).unpause().catch(() => undefined);
  }

  /** Reads every container's whole log while the containers exist; call before removing them. */
  async saveLogs(): Promise<void> {
    if (this.gone) return;
    const client = await this.tc.getContainerRuntimeClient();
    const containers: Array<[string, StartedTestContainer]> = [...[...this.byId.values()].map((p): [string, StartedTestContainer] => [p.id, p.container]), ...this.extraLogs];
    for (const [name, container] of containers) {
      try {
        this.logs.set(name, demuxDockerLogs(await client.container.getById(container.getId()).logs({ stdout: true, stderr: true, follow: false })));
      } catch (error) {
        this.note(name, `reading this container's log failed: ${toError(error).message}`);
      }
    }
  }

  /** The containers are about to be removed: logs read from now on are the ones saved. */
  async finalLogs(): Promise<void> {
    await this.saveLogs().catch(() => undefined);
    this.gone = true;
  }

  /** Writes `<name>.log` for each container into `dir`; returns the file names. */
  async writeLogs(dir: string): Promise<string[]> {
    await this.saveLogs();
    await mkdir(dir, { recursive: true });
    const names: string[] = [];
    for (const [name, text] of [...this.logs].sort(([a], [b]) => a.localeCompare(b))) {
      await writeFile(join(dir, `${name}.log`), text);
      names.push(`${name}.log`);
    }
    return names;
  }

  /** A container operation in the background (the seam's process faults are synchronous); a failure goes into that process's log. */
  private operate(id: string, what: string, op: (container: DockerContainer) => Promise<unknown>): void {
    const p = this.get(id);
    if (p.exit !== undefined) throw new FlowlabError('ERR_PROCESS_EXITED', `cannot ${what} ${id}: it exited with ${p.exit}`);
    void this.tc
      .getContainerRuntimeClient()
      .then((client) => op(client.container.getById(p.container.getId())))
      .catch((error: unknown) => this.note(id, `${what} failed: ${toError(error).message}`));
  }

  private note(name: string, text: string): void {
    this.logs.set(name, `${this.logs.get(name) ?? ''}(flowlab: ${text})\n`);
  }
}

export async function withTimeout(promise: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}

/** Polls the JobManager until TaskManager `tmId` is registered (after a container restart), or fails naming it. */
export async function awaitRegistration(list: () => Promise<Array<{ id: string }>>, tmId: string, timeoutMs: number): Promise<void> {
  await pollUntil(`${tmId} to register again after its container restarted`, async () => (await list()).some((tm) => tm.id === tmId), { timeoutMs, intervalMs: 100 });
}

/**
 * The part of a container deployment that does not depend on how its containers were started: the process faults
 * as container operations, exits, logs, restarts and the result's record. Subclasses say where the JobManager and
 * the TaskManagers are, and how everything stops.
 */
export abstract class DockerDeployment {
  abstract readonly mode: 'containers' | 'compose';
  readonly network = undefined;
  readonly proxyHost: string = TOXIPROXY_ALIAS;
  readonly client: JobManagerClient;

  protected constructor(protected readonly processes: DockerProcesses) {
    const jm = processes.get(JOBMANAGER_ALIAS).container;
    this.client = new JobManagerClient({ host: jm.getHost(), port: jm.getMappedPort(CONTAINER_PORTS.rest) });
  }

  abstract get jobManager(): DeployedJobManager;
  abstract get taskManagers(): DeployedTaskManager[];
  abstract stop(): Promise<void>;

  exitOf(id: string): string | undefined {
    return this.processes.exitOf(id);
  }

  anyExit(timeoutMs: number): Promise<void> {
    return this.processes.anyExit(timeoutMs);
  }

  waitForExit(id: string, timeoutMs: number): Promise<boolean> {
    return this.processes.waitForExit(id, timeoutMs);
  }

  kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): void {
    this.processes.kill(id, signal);
  }

  pause(id: string): void {
    this.processes.pause(id);
  }

  resume(id: string): void {
    this.processes.resume(id);
  }

  /** `docker restart` of TaskManager `id`'s container (same container, name and address); resolves once it registered again. */
  async restart(id: string): Promise<DeployedTaskManager> {
    if (id === JOBMANAGER_ALIAS) throw new FlowlabError('ERR_USAGE', 'only a TaskManager can be restarted');
    const { container } = this.processes.get(id);
    await container.restart({ timeout: STOP_TIMEOUT_MS });
    await this.processes.track(id, container);
    await awaitRegistration(() => this.client.taskManagers(), id, REGISTRATION_TIMEOUT_MS);
    const tm = this.taskManagers.find((t) => t.id === id);
    if (!tm) throw new FlowlabError('ERR_RESTART', `${id} is not a TaskManager of this run`);
    return tm;
  }

  collectLogs(dir: string): Promise<string[]> {
    return this.processes.writeLogs(dir);
  }

  describe(): DeploymentRecord {
    const jm = this.jobManager;
    const at = (a: Address): string => `${a.host}:${a.port}`;
    return {
      deployer: this.mode,
      processes: [
        { id: jm.id, host: jm.host, pid: jm.pid, rest: at(jm.rest), control: at(jm.control) },
        ...this.taskManagers.map((tm) => ({ id: tm.id, host: tm.host, pid: tm.pid, data: at(tm.data), ...(tm.metrics ? { metrics: at(tm.metrics) } : {}) })),
      ],
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** The JobManager as seen from the harness (REST) and from the network (control). */
  protected deployedJobManager(networkName: string): DeployedJobManager {
    const jm = this.processes.get(JOBMANAGER_ALIAS);
    return {
      id: JOBMANAGER_ALIAS,
      pid: jm.pid,
      host: jm.container.getIpAddress(networkName),
      rest: { host: jm.container.getHost(), port: jm.container.getMappedPort(CONTAINER_PORTS.rest) },
      control: { host: JOBMANAGER_ALIAS, port: CONTAINER_PORTS.rpc },
    };
  }
}
