/**
 * A started deployment whose processes are this machine's child processes (the local and netns deployers): a
 * LocalCluster underneath, each process's stderr also written to a log file, plus what the deployer adds around it
 * (network namespaces and their teardown, blackholes).
 */
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowlabError } from '../../core/index.js';
import { LocalCluster, type Address, type JobManagerClient, type ProcessInfo, type TaskManagerInfo } from '../../runtime/index.js';
import type { DeployMode, DeployOptions, DeployedJobManager, DeployedTaskManager, DeploymentRecord, NetworkFaults, StartedDeployment } from './deployment.js';

/** What a deployer puts around the processes: where each runs and binds, and what to undo at the end. */
export interface ProcessPlacement {
  /** The address process `id` binds. */
  hostFor(id: string): string;
  /** A wrapper command for process `id` (`ip netns exec …`), or undefined to fork node directly. */
  wrapperFor(id: string): { command: string; args: readonly string[] } | undefined;
  readonly proxyHost: string;
  readonly network: NetworkFaults | undefined;
  /** Extra fields of each process in the result (its namespace). */
  describeProcess(id: string): { namespace?: string };
  readonly subnet?: string;
  /** Undoes what the placement created; called after every process exited. */
  teardown(): Promise<void>;
}

function hostPort(a: Address | undefined): string | undefined {
  return a ? `${a.host}:${a.port}` : undefined;
}

function exitOfChild(p: ProcessInfo): string | undefined {
  if (p.child.signalCode !== null) return `signal ${p.child.signalCode}`;
  if (p.child.exitCode !== null) return `code ${p.child.exitCode}`;
  return undefined;
}

export class ProcessDeployment implements StartedDeployment {
  private stopped: Promise<void> | undefined;

  private constructor(
    readonly mode: DeployMode,
    private readonly cluster: LocalCluster,
    private readonly placement: ProcessPlacement,
    private readonly logDir: string,
  ) {}

  /** Starts the cluster inside `placement`; on failure undoes the placement and the log folder. */
  static async start(mode: DeployMode, options: DeployOptions, placement: ProcessPlacement): Promise<ProcessDeployment> {
    const logDir = await mkdtemp(join(tmpdir(), 'flowlab-logs-'));
    try {
      const cluster = await LocalCluster.start({
        taskManagers: options.taskManagers,
        config: options.config,
        restPort: options.config['rest.port'],
        childStderr: options.childStderr ?? 'inherit',
        logDir,
        hostFor: (id) => placement.hostFor(id),
        wrapperFor: (id) => placement.wrapperFor(id),
        ...(options.controlAddressFor ? { controlAddressFor: (tmId: string, control: Address) => options.controlAddressFor!(tmId, control, placement.proxyHost) } : {}),
      });
      return new ProcessDeployment(mode, cluster, placement, logDir);
    } catch (error) {
      await placement.teardown();
      await rm(logDir, { recursive: true, force: true });
      throw error;
    }
  }

  get client(): JobManagerClient {
    return this.cluster.client;
  }

  get jobManager(): DeployedJobManager {
    const jm = this.cluster.jobManager;
    return { id: jm.id, pid: jm.pid, host: this.placement.hostFor(jm.id), rest: jm.rest, control: jm.control };
  }

  get taskManagers(): DeployedTaskManager[] {
    return this.cluster.taskManagers.map((tm) => this.toDeployed(tm));
  }

  get proxyHost(): string {
    return this.placement.proxyHost;
  }

  get network(): NetworkFaults | undefined {
    return this.placement.network;
  }

  exitOf(id: string): string | undefined {
    const p = this.cluster.processes.find((x) => x.id === id);
    return p ? exitOfChild(p) : undefined;
  }

  async anyExit(timeoutMs: number): Promise<void> {
    const processes = this.cluster.processes;
    if (processes.some((p) => exitOfChild(p) !== undefined)) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([timeout, ...processes.map((p) => once(p.child, 'exit').then(() => undefined))]);
    clearTimeout(timer);
  }

  async waitForExit(id: string, timeoutMs: number): Promise<boolean> {
    const p = this.process(id);
    if (exitOfChild(p) !== undefined) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const exited = await Promise.race([timeout, once(p.child, 'exit').then(() => true)]);
    clearTimeout(timer);
    return exited;
  }

  kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): void {
    this.cluster.killTaskManager(id, signal);
  }

  pause(id: string): void {
    this.signal(id, 'SIGSTOP');
  }

  resume(id: string): void {
    this.signal(id, 'SIGCONT');
  }

  async restart(id: string): Promise<DeployedTaskManager> {
    return this.toDeployed(await this.cluster.restartTaskManager(id));
  }

  async collectLogs(dir: string): Promise<string[]> {
    await mkdir(dir, { recursive: true });
    const names = (await readdir(this.logDir)).filter((n) => n.endsWith('.log')).sort();
    for (const name of names) await copyFile(join(this.logDir, name), join(dir, name));
    return names;
  }

  describe(): DeploymentRecord {
    const jm = this.jobManager;
    return {
      deployer: this.mode,
      ...(this.placement.subnet !== undefined ? { subnet: this.placement.subnet } : {}),
      processes: [
        { id: jm.id, host: jm.host, pid: jm.pid, rest: hostPort(jm.rest)!, control: hostPort(jm.control)!, ...this.placement.describeProcess(jm.id) },
        ...this.taskManagers.map((tm) => ({
          id: tm.id,
          host: tm.host,
          pid: tm.pid,
          data: hostPort(tm.data)!,
          ...(tm.metrics ? { metrics: hostPort(tm.metrics)! } : {}),
          ...this.placement.describeProcess(tm.id),
        })),
      ],
    };
  }

  /** Stops every process (a paused one is resumed first so it can exit), then undoes the placement. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      for (const p of this.cluster.processes) if (exitOfChild(p) === undefined) p.child.kill('SIGCONT');
      try {
        await this.cluster.stop();
      } finally {
        await this.placement.teardown();
      }
    })();
    return this.stopped;
  }

  /** Removes the temporary log folder (after {@link collectLogs}); the deployment must be stopped. */
  async discardLogs(): Promise<void> {
    await rm(this.logDir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
    await this.discardLogs();
  }

  private process(id: string): ProcessInfo {
    const p = this.cluster.processes.find((x) => x.id === id);
    if (!p) throw new FlowlabError('ERR_UNKNOWN_PROCESS', `no process named ${id} (processes: ${this.cluster.processes.map((x) => x.id).join(', ')})`);
    return p;
  }

  private signal(id: string, signal: NodeJS.Signals): void {
    const p = this.process(id);
    if (exitOfChild(p) !== undefined) throw new FlowlabError('ERR_PROCESS_EXITED', `cannot send ${signal} to ${id}: it exited with ${exitOfChild(p)}`);
    p.child.kill(signal);
  }

  private toDeployed(tm: TaskManagerInfo): DeployedTaskManager {
    return { id: tm.id, pid: tm.pid, host: this.placement.hostFor(tm.id), data: tm.data, metrics: tm.metrics };
  }
}
