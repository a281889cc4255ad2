/**
 * The Deployer seam: one interface for every way of running a cluster (local child processes, network namespaces,
 * containers). A {@link Deployer} checks that it can run here and starts a cluster; the {@link StartedDeployment}
 * it returns gives the addresses and acts on single processes (kill, pause, resume, restart), collects logs and
 * stops everything. The harness and the fault runner use nothing else.
 */
import { FlowlabError, type ResolvedConfig } from '../../core/index.js';
import type { Address, JobManagerClient } from '../../runtime/index.js';
import type { DEPLOY_MODES } from '../scenario-schema.js';
import type { ResultDocument } from '../result-schema.js';

export type DeployMode = (typeof DEPLOY_MODES)[number];

/** A deployer that cannot run here (not root, a missing tool, not registered yet); `missing` says what is missing. */
export class DeployerUnavailableError extends FlowlabError {
  constructor(
    readonly mode: string,
    readonly missing: string,
  ) {
    super('ERR_DEPLOYER_UNAVAILABLE', `--deploy ${mode} cannot run here: ${missing}`);
  }
}

/**
 * A Toxiproxy a deployer runs itself (the real image, for containers and compose), started by
 * {@link Deployer.chaos} before the cluster so chaos places its proxies there instead of the embedded server.
 */
export interface DeployerChaos {
  /** Its API. */
  readonly url: string;
  /** Whether this process reaches the proxies (false: they sit inside the deployment's network, so no link probes). */
  readonly probesReachable: boolean;
  /** Stops it when no deployment adopted it (the cluster never started); a started deployment stops it itself. */
  release(): Promise<void>;
}

export interface DeployOptions {
  readonly taskManagers: number;
  readonly config: ResolvedConfig;
  /**
   * The control address TaskManager `tmId` dials instead of the JobManager's own (a chaos proxy, to be created on
   * `proxyHost`, the deployment's {@link StartedDeployment.proxyHost}).
   */
  readonly controlAddressFor?: (tmId: string, jobManagerControl: Address, proxyHost: string) => Address | Promise<Address>;
  /** Where the processes' stderr goes besides their log files. @default 'inherit' */
  readonly childStderr?: 'inherit' | 'ignore';
  /** The deployer's own Toxiproxy from {@link Deployer.chaos}, for the deployment to adopt. */
  readonly chaos?: DeployerChaos;
}

/** One process of a started deployment. */
export interface DeployedProcess {
  /** `jobmanager`, `tm-0`, … */
  readonly id: string;
  readonly pid: number;
  /** The address the process binds and advertises (its host). */
  readonly host: string;
}

export interface DeployedJobManager extends DeployedProcess {
  readonly rest: Address;
  readonly control: Address;
}

export interface DeployedTaskManager extends DeployedProcess {
  readonly data: Address;
  readonly metrics?: Address | undefined;
}

/** What the result document records about the deployment: the deployer and each process's address. */
export type DeploymentRecord = NonNullable<ResultDocument['deployment']>;

/** Network faults only some deployers have (netns): packets to and from a host, or on one link, silently dropped. */
export interface NetworkFaults {
  /** Targets a blackhole may name: process ids (a host) and `a~b` pairs (a link). */
  readonly targets: readonly string[];
  blackhole(target: string): Promise<void>;
  heal(target: string): Promise<void>;
}

/** A running cluster. `stop()` is idempotent; `await using` stops it. */
export interface StartedDeployment extends AsyncDisposable {
  readonly mode: DeployMode;
  readonly client: JobManagerClient;
  readonly jobManager: DeployedJobManager;
  /** The current TaskManagers (a restart replaces an entry). */
  readonly taskManagers: readonly DeployedTaskManager[];
  /** The host chaos proxies listen on, reachable from every process and from the harness. */
  readonly proxyHost: string;
  /** Present when the deployer can drop packets (netns). */
  readonly network: NetworkFaults | undefined;
  /** How a process ended (`signal SIGKILL`, `code 1`), or undefined while it runs. */
  exitOf(id: string): string | undefined;
  /** Resolves once any process has exited, or after `timeoutMs`. */
  anyExit(timeoutMs: number): Promise<void>;
  /** Resolves true once process `id` has exited, false after `timeoutMs`. */
  waitForExit(id: string, timeoutMs: number): Promise<boolean>;
  /** Sends `signal` (default SIGKILL) to one TaskManager. */
  kill(id: string, signal?: NodeJS.Signals): void;
  /** SIGSTOP: the process freezes, its sockets stay open. */
  pause(id: string): void;
  /** SIGCONT after {@link pause}. */
  resume(id: string): void;
  /** A new process for TaskManager `id` (same id and host) once the old one exited. */
  restart(id: string): Promise<DeployedTaskManager>;
  /** Copies each process's log into `dir`; returns the file names. */
  collectLogs(dir: string): Promise<string[]>;
  describe(): DeploymentRecord;
  stop(): Promise<void>;
}

/** Checks and starts one kind of deployment. */
export interface Deployer {
  readonly mode: DeployMode;
  /** Throws {@link DeployerUnavailableError} naming what is missing; starts nothing. */
  check(): Promise<void>;
  start(options: DeployOptions): Promise<StartedDeployment>;
  /** For deployers whose processes cannot reach the embedded server: starts the Toxiproxy chaos uses (before {@link start}). */
  chaos?(options: Pick<DeployOptions, 'taskManagers' | 'config'>): Promise<DeployerChaos>;
}
