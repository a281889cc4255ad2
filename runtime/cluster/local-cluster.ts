/**
 * Starts a JobManager and N TaskManagers as child processes on 127.0.0.1 (the `local` deployment). Children are
 * forked with an IPC channel, so they exit if this process dies, and `stop()` waits until every one has exited.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlowlabError, resolveConfig, serializeConfig, type ResolvedConfig } from '../../core/index.js';
import { checkNetworkMemoryFits } from '../buffer/index.js';
import { checkCheckpointDirWritable, defaultCheckpointRoot } from '../checkpoint/index.js';
import { InternalTls, generateRunScopedPair, type RunScopedPair } from '../security/index.js';
import type { Address } from '../job/index.js';
import { PROCESS_OPTIONS_ENV, type JobManagerProcessOptions, type TaskManagerProcessOptions } from './process-options.js';
import type { JobManagerReadyLine } from './job-manager-process.js';
import type { TaskManagerReadyLine } from './task-manager-process.js';
import { JobManagerClient } from './rest-client.js';

const here = dirname(fileURLToPath(import.meta.url));
const STARTUP_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;

export interface LocalClusterOptions {
  taskManagers: number;
  config: ResolvedConfig;
  /** REST port (default: the config's rest.port; pass 0 for an OS-chosen one). */
  restPort?: number;
  /** Per-link data address overrides, keyed `<consumerTm>-<producerTm>` (e.g. proxies). */
  linkOverrides?: Record<string, Address>;
  /** Where children's stderr goes: inherited (default) or ignored. */
  childStderr?: 'inherit' | 'ignore';
  /**
   * The control address TaskManager `tmId` dials instead of the JobManager's own (e.g. a `ctrl-<tm>` chaos proxy
   * created here). Called after the JobManager started and before that TaskManager starts, again on a restart.
   */
  controlAddressFor?: (tmId: string, jobManagerControl: Address) => Address | Promise<Address>;
  /** The address process `id` (`jobmanager`, `tm-0`, …) binds and advertises. @default '127.0.0.1' */
  hostFor?: (id: string) => string;
  /** A command that wraps each child (e.g. `ip netns exec <ns>`): the program and its arguments before `node`. */
  wrapperFor?: (id: string) => { command: string; args: readonly string[] } | undefined;
  /** A folder where each process's stderr is also written, as `<id>.log` (appended across restarts). */
  logDir?: string;
}

export interface ProcessInfo {
  id: string;
  pid: number;
  child: ChildProcess;
}

export interface TaskManagerInfo extends ProcessInfo {
  data: Address;
  /** The Prometheus endpoint, when the process reports one. */
  metrics?: Address;
}

interface ChildIo {
  stderr: 'inherit' | 'ignore';
  logFile: string | undefined;
  wrapper: { command: string; args: readonly string[] } | undefined;
}

function startChild<Ready>(entry: string, options: JobManagerProcessOptions | TaskManagerProcessOptions, io: ChildIo, name: string): Promise<{ child: ChildProcess; line: Ready }> {
  return new Promise((resolve, reject) => {
    // the arguments (config with any keystore password) go by environment, which only this user can read, not argv
    // FLOWLAB_CPU_PROF_DIR: every process writes a V8 CPU profile there when it exits (diagnosing where a run's time goes)
    const profileDir = process.env['FLOWLAB_CPU_PROF_DIR'];
    const execArgv = profileDir ? [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${profileDir}`] : process.execArgv;
    const wrapped = io.wrapper ? { execPath: io.wrapper.command, execArgv: [...io.wrapper.args, process.execPath, ...execArgv] } : { execArgv };
    const stderr = io.logFile ? 'pipe' : io.stderr;
    const child = fork(join(here, entry), [], { stdio: ['ignore', 'pipe', stderr, 'ipc'], env: { ...process.env, [PROCESS_OPTIONS_ENV]: JSON.stringify(options) }, ...wrapped });
    if (io.logFile && child.stderr) {
      const log = createWriteStream(io.logFile, { flags: 'a' });
      log.on('error', () => undefined); // a log that cannot be written must not take the process down
      child.stderr.pipe(log);
      if (io.stderr === 'inherit') child.stderr.pipe(process.stderr, { end: false });
    }
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new FlowlabError('ERR_CLUSTER_START', `${name} did not start within ${STARTUP_TIMEOUT_MS} ms`));
    }, STARTUP_TIMEOUT_MS);
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new FlowlabError('ERR_CLUSTER_START', `${name} exited with code ${code} before it was ready`));
    };
    child.once('exit', onExit);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', function onData(chunk: string) {
      buffered += chunk;
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      try {
        resolve({ child, line: JSON.parse(buffered.slice(0, nl)) as Ready });
      } catch {
        child.kill('SIGKILL');
        reject(new FlowlabError('ERR_CLUSTER_START', `${name} printed ${JSON.stringify(buffered.slice(0, nl))} instead of its address`));
      }
    });
  });
}

export class LocalCluster {
  readonly client: JobManagerClient;
  private stopped = false;

  private constructor(
    readonly jobManager: ProcessInfo & { rest: Address; control: Address; metrics: Address },
    readonly taskManagers: TaskManagerInfo[],
    private readonly startTaskManagerProcess: (tmId: string) => Promise<TaskManagerInfo>,
    /** The run-scoped TLS pair this cluster generated (deleted on stop), if any. */
    readonly tlsPair?: RunScopedPair,
  ) {
    this.client = new JobManagerClient(jobManager.rest);
  }

  static async start(options: LocalClusterOptions): Promise<LocalCluster> {
    if (!Number.isSafeInteger(options.taskManagers) || options.taskManagers < 0) {
      throw new FlowlabError('ERR_USAGE', `a local cluster needs a whole number of TaskManagers, got ${String(options.taskManagers)}`);
    }
    checkNetworkMemoryFits(options.config, options.taskManagers);
    if (options.config['execution.checkpointing.interval'] !== null) {
      await checkCheckpointDirWritable(options.config['execution.checkpointing.dir'] ?? defaultCheckpointRoot());
    }
    let resolved = options.config;
    let tlsPair: RunScopedPair | undefined;
    if (resolved['security.ssl.internal.enabled']) {
      if (resolved['security.ssl.internal.keystore'] === null) {
        tlsPair = await generateRunScopedPair();
        resolved = resolveConfig({ ...serializeConfig(resolved), ...tlsPair.config });
      }
      try {
        InternalTls.fromConfig(resolved); // a keystore or truststore that does not work fails here, naming the key
      } catch (error) {
        await tlsPair?.remove();
        throw error;
      }
    }
    try {
      return await LocalCluster.startProcesses(options, resolved, tlsPair);
    } catch (error) {
      await tlsPair?.remove();
      throw error;
    }
  }

  private static async startProcesses(options: LocalClusterOptions, resolved: ResolvedConfig, tlsPair: RunScopedPair | undefined): Promise<LocalCluster> {
    const io = (id: string): ChildIo => ({
      stderr: options.childStderr ?? 'inherit',
      logFile: options.logDir === undefined ? undefined : join(options.logDir, `${id}.log`),
      wrapper: options.wrapperFor?.(id),
    });
    const bindOf = (id: string): { bindHost?: string } => {
      const host = options.hostFor?.(id);
      return host === undefined ? {} : { bindHost: host };
    };
    const config = serializeConfig(resolved);
    const jm = await startChild<JobManagerReadyLine>(
      'job-manager-main.js',
      { config, restPort: options.restPort ?? options.config['rest.port'], controlPort: 0, linkOverrides: options.linkOverrides ?? {}, ...bindOf('jobmanager') },
      io('jobmanager'),
      'JobManager',
    );
    const jobManager = {
      id: 'jobmanager',
      pid: jm.child.pid ?? 0,
      child: jm.child,
      rest: jm.line.advertised.rest,
      control: jm.line.advertised.control,
      /** The JobManager's Prometheus endpoint (`http://host:port/metrics`). */
      metrics: jm.line.advertised.metrics,
    };
    const startTaskManager = async (tmId: string): Promise<TaskManagerInfo> => {
      const control = options.controlAddressFor ? await options.controlAddressFor(tmId, jobManager.control) : jobManager.control;
      const tm = await startChild<TaskManagerReadyLine>('task-manager-main.js', { tmId, jobManager: control, config, ...bindOf(tmId) }, io(tmId), `TaskManager ${tmId}`);
      const metrics = tm.line.advertised.metrics;
      return { id: tmId, pid: tm.child.pid ?? 0, child: tm.child, data: tm.line.advertised.data, ...(metrics ? { metrics } : {}) };
    };
    const results = await Promise.allSettled(Array.from({ length: options.taskManagers }, (_, i) => startTaskManager(`tm-${i}`)));
    const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await stopAll([jm.child, ...started.map((tm) => tm.child)]);
      throw failed.reason;
    }
    return new LocalCluster(jobManager, started, startTaskManager, tlsPair);
  }

  /** Every process this cluster started. */
  get processes(): ProcessInfo[] {
    return [this.jobManager, ...this.taskManagers];
  }

  /** Kills one TaskManager process (failure injection). */
  killTaskManager(tmId: string, signal: NodeJS.Signals = 'SIGKILL'): void {
    const tm = this.taskManagers.find((t) => t.id === tmId);
    if (!tm) throw new FlowlabError('ERR_UNKNOWN_TASKMANAGER', `no TaskManager named ${tmId}`);
    tm.child.kill(signal);
  }

  /**
   * Starts a new process for TaskManager `tmId` (same id, new data port) once the previous one has exited, e.g.
   * after {@link killTaskManager}. Resolves with the new process's info, which replaces the old entry.
   */
  async restartTaskManager(tmId: string): Promise<TaskManagerInfo> {
    const index = this.taskManagers.findIndex((t) => t.id === tmId);
    const old = this.taskManagers[index];
    if (!old) throw new FlowlabError('ERR_UNKNOWN_TASKMANAGER', `no TaskManager named ${tmId}`);
    if (this.stopped) throw new FlowlabError('ERR_CLUSTER_STOPPED', `cannot restart ${tmId}: the cluster is stopped`);
    await stopAll([old.child]);
    const fresh = await this.startTaskManagerProcess(tmId);
    this.taskManagers[index] = fresh;
    if (this.stopped) await stopAll([fresh.child]);
    return fresh;
  }

  /** Stops every process (SIGTERM, then SIGKILL after a grace period) and waits for all to exit. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // TaskManagers first, so none of them sees its JobManager vanish mid-write and logs it as an error
    await stopAll(this.taskManagers.map((p) => p.child));
    await stopAll([this.jobManager.child]);
    await this.tlsPair?.remove();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}
