/**
 * The JobManager: lifecycle of its two servers, the control plane (TaskManagers register, heartbeat and report
 * there) and the job table (submit, cancel, the job state machine's transitions, a checkpoint coordinator per job).
 * The other jobs live beside it, each in its own file: the TaskManager registry and heartbeats
 * (task-manager-registry.ts), slot accounting (slot-accounting.ts), link overrides (link-overrides.ts), restart
 * orchestration (job-restarts.ts) and the REST backend (job-manager-rest-backend.ts, served by job-manager-rest.ts).
 * Its state is readable through `registry`, `slots`, `jobs` and `coordinator()` (e.g. by a metrics exporter).
 */
import type { Server, Socket } from 'node:net';
import { createInternalServer, internalTlsFromConfig, type InternalTls, type TlsPeerError } from '../security/index.js';
import { FlowlabError, createLogger, systemClock, toError, type Clock, type Logger, type ResolvedConfig, type TimerHandle } from '../../core/index.js';
import type { Address, JobGraphSpec, TaskState, TmToJm } from '../job/index.js';
import { JobExecution, JobNotFoundError, resolveRestartStrategy, type JobTransition, type RestartStrategy } from './job-execution.js';
import { CheckpointCoordinator } from './checkpoint-coordinator.js';
import { CheckpointStorage, defaultCheckpointRoot } from '../checkpoint/index.js';
import { JobManagerRestServer } from './job-manager-rest.js';
import { JobManagerRestBackend } from './job-manager-rest-backend.js';
import { ControlProtocolError, readJsonLines } from './json-lines.js';
import { startJobManagerMetrics } from './job-manager-metrics.js';
import type { JobManagerPrometheusExporter } from '../metrics/index.js';
import { newId16 } from '../partition/index.js';
import { scheduleJob, type JobPlan } from './scheduler.js';
import { TaskManagerRegistry, type TaskManagerEntry } from './task-manager-registry.js';
import { SlotAccounting } from './slot-accounting.js';
import { LinkOverrides } from './link-overrides.js';
import { JobRestarts, checkpointTasks } from './job-restarts.js';

/** After `POST /jobs/:id/cancel`, a job is CANCELED at the latest this long after the request. */
export const CANCEL_GRACE_MS = 2_000;
/** How long `stop()` waits for a TaskManager connection to close after ending it. */
const CONNECTION_CLOSE_WAIT_MS = 1_000;
const TASK_STATES: ReadonlySet<string> = new Set<TaskState>(['DEPLOYING', 'RUNNING', 'FINISHED', 'FAILED', 'CANCELED']);

export interface JobManagerOptions {
  config: ResolvedConfig;
  /** Interface for both servers. @default '127.0.0.1' */
  host?: string;
  /** REST port. @default config `rest.port` (0: chosen by the OS) */
  restPort?: number;
  /** Control port for TaskManagers. @default 0 (chosen by the OS) */
  controlPort?: number;
  /** Prometheus metrics port (`/metrics`). @default 0 (chosen by the OS) */
  metricsPort?: number;
  /**
   * Data addresses that replace a producer's for one consumer/producer pair (a chaos proxy), keyed
   * `data-<consumerTmId>-<producerTmId>` (or `<consumerTmId>-<producerTmId>`; `data-` wins when both exist).
   */
  linkOverrides?: Readonly<Record<string, Address>>;
  clock?: Clock;
  logger?: Logger;
}

/** The JobManager process's heart; `start()` resolves once both servers listen. See the file comment. */
export class JobManager {
  readonly registry: TaskManagerRegistry;
  readonly slots: SlotAccounting;
  readonly linkOverrides: LinkOverrides;
  private readonly jobTable = new Map<string, JobExecution>();
  private readonly coordinators = new Map<string, CheckpointCoordinator>();
  private readonly sockets = new Set<Socket>();
  private readonly cancelTimers = new Map<string, TimerHandle>();
  private readonly restarts: JobRestarts;
  private readonly restartStrategy: RestartStrategy;
  private heartbeatTimer: TimerHandle | undefined;
  private stopPromise: Promise<void> | undefined;
  private resolveStopped!: () => void;
  /** Resolves once the JobManager has stopped (by `stop()` or `POST /shutdown`). */
  readonly stopped: Promise<void> = new Promise<void>((resolve) => (this.resolveStopped = resolve));
  private rest!: JobManagerRestServer;
  private controlServer!: Server;
  private metrics: JobManagerPrometheusExporter | undefined;

  private constructor(
    readonly config: ResolvedConfig,
    readonly clock: Clock,
    readonly logger: Logger,
    linkOverrides: Readonly<Record<string, Address>>,
  ) {
    this.restartStrategy = resolveRestartStrategy(config);
    this.registry = new TaskManagerRegistry({ config, clock, logger, epochMs: () => this.epochMs(), onLost: (tm, why) => this.onTaskManagerLost(tm, why) });
    this.slots = new SlotAccounting(this.registry, this.jobTable);
    this.linkOverrides = new LinkOverrides(linkOverrides, logger);
    this.restarts = new JobRestarts({
      strategy: this.restartStrategy,
      clock,
      logger,
      epochMs: () => this.epochMs(),
      coordinator: (jobId) => this.coordinators.get(jobId),
      schedulable: (jobId) => this.slots.schedulable(jobId),
      linkOverrides: () => this.linkOverrides.current,
      deploy: (plan) => this.sendDeployments(plan),
      cancelTasks: (job) => this.sendCancel(job),
      failJob: (job, reason) => this.applyTransition(job, job.fail(reason, this.epochMs(), false)),
      stopping: () => this.stopping,
    });
  }

  /** Starts the control server, the REST server and the heartbeat monitor. */
  static async start(options: JobManagerOptions): Promise<JobManager> {
    const host = options.host ?? '127.0.0.1';
    const jm = new JobManager(options.config, options.clock ?? systemClock, options.logger ?? createLogger('jobmanager'), options.linkOverrides ?? {});
    const tls = internalTlsFromConfig(options.config);
    jm.controlServer = await listenControl(host, options.controlPort ?? 0, tls, (socket) => jm.acceptControl(socket), (error) =>
      jm.logger.warn('refused a control connection', { error: error.message }),
    );
    const backend = new JobManagerRestBackend(jm);
    try {
      jm.rest = await JobManagerRestServer.start({ backend, host, port: options.restPort ?? options.config['rest.port'], logger: jm.logger.child('rest') });
    } catch (error) {
      await new Promise<void>((resolve) => jm.controlServer.close(() => resolve()));
      throw error;
    }
    try {
      jm.metrics = await startJobManagerMetrics(backend, host, options.metricsPort ?? 0, () => jm.epochMs());
    } catch (error) {
      await Promise.all([new Promise<void>((resolve) => jm.controlServer.close(() => resolve())), jm.rest.stop()]);
      throw error;
    }
    const timeoutMs = options.config['heartbeat.timeout'];
    const checkEveryMs = Math.max(10, Math.min(options.config['heartbeat.interval'], timeoutMs / 4));
    jm.heartbeatTimer = jm.clock.setInterval(() => jm.registry.checkHeartbeats(), checkEveryMs);
    jm.logger.info('JobManager started', { rest: jm.restAddress, control: jm.controlAddress });
    return jm;
  }

  get restAddress(): Address {
    return { host: this.rest.host, port: this.rest.port };
  }

  /** Where Prometheus scrapes the JobManager's metrics (`http://<host>:<port>/metrics`). */
  get metricsAddress(): Address {
    return { host: this.metrics?.host ?? '127.0.0.1', port: this.metrics?.port ?? 0 };
  }

  get controlAddress(): Address {
    const address = this.controlServer.address();
    return typeof address === 'object' && address ? { host: address.address, port: address.port } : { host: '127.0.0.1', port: 0 };
  }

  /** Every job submitted, by id. */
  get jobs(): ReadonlyMap<string, JobExecution> {
    return this.jobTable;
  }

  /** The job, or a {@link JobNotFoundError} (404). */
  job(jobId: string): JobExecution {
    const job = this.jobTable.get(jobId);
    if (!job) throw new JobNotFoundError(jobId);
    return job;
  }

  /** The job's checkpoint coordinator. */
  coordinator(jobId: string): CheckpointCoordinator | undefined {
    return this.coordinators.get(jobId);
  }

  /** True once `stop()` (or a shutdown) began. */
  get stopping(): boolean {
    return this.stopPromise !== undefined;
  }

  /** Closes both servers and every TaskManager connection (TaskManagers are not told to shut down). Idempotent. */
  stop(): Promise<void> {
    this.stopPromise ??= this.doStop();
    return this.stopPromise;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Tells every TaskManager to shut down, then stops. */
  async shutdownCluster(): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    for (const tm of this.registry.values()) this.registry.send(tm, { type: 'shutdown' });
    return this.stop();
  }

  // ---- jobs ---------------------------------------------------------------------------------------------------

  /** Schedules a validated job graph on the registered TaskManagers, deploys it and returns its id. */
  submitJob(graph: JobGraphSpec): string {
    const jobId = newId16();
    const plan = scheduleJob(graph, { jobId, taskManagers: this.slots.schedulable(), linkOverrides: this.linkOverrides.current });
    const job = new JobExecution(jobId, graph, plan, this.epochMs(), this.restartStrategy);
    this.jobTable.set(jobId, job);
    this.sendDeployments(plan);
    job.markRunning();
    this.startCheckpointCoordinator(job);
    this.logger.info('job deployed', { jobId, name: graph.name, slots: plan.slots.length, taskManagers: job.taskManagers });
    return jobId;
  }

  /** Asks the job's tasks to cancel (CANCELED within {@link CANCEL_GRACE_MS}); false when the job cannot be canceled. */
  cancelJob(job: JobExecution): boolean {
    if (!job.requestCancel()) return false;
    if (job.state === 'RESTARTING') {
      // nothing runs (the old attempt was told to cancel): no redeploy, canceled now
      this.applyTransition(job, job.finishCancel(this.epochMs()));
      return true;
    }
    this.sendCancel(job);
    if (!this.cancelTimers.has(job.jobId)) {
      this.cancelTimers.set(
        job.jobId,
        this.clock.setTimeout(() => {
          this.cancelTimers.delete(job.jobId);
          this.applyTransition(job, job.finishCancel(this.epochMs()));
        }, CANCEL_GRACE_MS),
      );
    }
    return true;
  }

  /** Triggers a checkpoint of the job now; undefined when it cannot take one. */
  triggerCheckpoint(job: JobExecution): number | undefined {
    return job.isTerminal ? undefined : this.coordinators.get(job.jobId)?.triggerCheckpoint();
  }

  private startCheckpointCoordinator(job: JobExecution): void {
    const coordinator = new CheckpointCoordinator({
      jobId: job.jobId,
      config: this.config,
      tasks: checkpointTasks(job, job.plan),
      storage: new CheckpointStorage({
        root: this.config['execution.checkpointing.dir'] ?? defaultCheckpointRoot(),
        jobId: job.jobId,
        numRetained: this.config['state.checkpoints.num-retained'],
        logger: this.logger.child('checkpoints'),
      }),
      send: (tmId, message) => this.registry.sendTo(tmId, message),
      failJob: (reason, restartable) => this.applyTransition(job, job.fail(reason, this.epochMs(), restartable)),
      allTasksRunning: () => job.state === 'RUNNING' && job.allSubtasksRunning(),
      clock: this.clock,
      logger: this.logger.child('checkpoints'),
    });
    this.coordinators.set(job.jobId, coordinator);
    coordinator.start();
  }

  private applyTransition(job: JobExecution, transition: JobTransition): void {
    if (transition === 'none') return;
    if (transition === 'restarting') return this.restarts.begin(job);
    this.coordinators.get(job.jobId)?.stop();
    this.cancelTimers.get(job.jobId)?.cancel();
    this.cancelTimers.delete(job.jobId);
    this.restarts.cancel(job.jobId);
    if (transition === 'failed') {
      this.logger.warn('job failed', { jobId: job.jobId, reason: job.failureReason });
      this.sendCancel(job);
    } else {
      this.logger.info(`job ${transition}`, { jobId: job.jobId });
    }
  }

  private sendDeployments(plan: JobPlan): void {
    for (const [tmId, tasks] of plan.deployments) this.registry.sendTo(tmId, { type: 'deploy', jobId: plan.jobId, tasks });
  }

  private sendCancel(job: JobExecution): void {
    for (const tmId of job.taskManagers) this.registry.sendTo(tmId, { type: 'cancel', jobId: job.jobId });
  }

  /** A TaskManager left the registry: every unfinished job with tasks on it fails. */
  private onTaskManagerLost(tm: TaskManagerEntry, why: string): void {
    if (this.stopPromise) return;
    const reason = `TaskManager ${tm.tmId} lost: ${why}`;
    const affected = [...this.jobTable.values()].filter((job) => !job.isTerminal && job.usesTaskManager(tm.tmId));
    // one that leaves with no unfinished job on it (a cluster shutting down after its jobs) is no cause for alarm
    if (affected.length > 0) this.logger.warn(reason, { pid: tm.pid });
    else this.logger.info(reason, { pid: tm.pid });
    for (const job of affected) this.applyTransition(job, job.fail(reason, this.epochMs()));
  }

  // ---- control plane ------------------------------------------------------------------------------------------

  private acceptControl(socket: Socket): void {
    if (this.stopPromise) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const name = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    let tm: TaskManagerEntry | undefined;
    socket.on('error', (error) => this.logger.debug('control connection error', { connection: name, error: error.message }));
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (tm) this.registry.lose(tm, 'control connection closed');
    });
    readJsonLines<TmToJm>(
      socket,
      name,
      (message) => {
        try {
          if (typeof message !== 'object' || message === null || typeof (message as { type?: unknown }).type !== 'string') {
            throw new ControlProtocolError(`message without a "type": ${JSON.stringify(message).slice(0, 80)}`, name);
          }
          if (!tm) {
            tm = this.registry.register(socket, name, message);
            return;
          }
          this.onMessage(tm, message);
        } catch (error) {
          const code = error instanceof FlowlabError ? error.code : 'UNTYPED';
          this.logger.error('closing control connection', { connection: name, tm: tm?.tmId, code, error: toError(error).message });
          socket.destroy();
        }
      },
      (error) => this.logger.error('closing control connection', { connection: name, tm: tm?.tmId, error: error.message }),
    );
  }

  private onMessage(tm: TaskManagerEntry, message: TmToJm): void {
    this.registry.heard(tm);
    switch (message.type) {
      case 'heartbeat':
        return;
      case 'register':
        throw new ControlProtocolError(`${tm.tmId} sent "register" twice`, tm.tmId);
      case 'task-state':
        return this.onTaskState(tm, message);
      case 'metrics':
        return this.onMetrics(tm, message);
      case 'checkpoint-ack':
      case 'checkpoint-decline':
        this.coordinators.get(message.jobId)?.receive(message, tm.tmId);
        return;
      default:
        this.logger.warn('ignoring unknown control message', { tm: tm.tmId, type: (message as { type: string }).type });
    }
  }

  private onTaskState(tm: TaskManagerEntry, message: Extract<TmToJm, { type: 'task-state' }>): void {
    const job = this.jobTable.get(message.jobId);
    const subtask = job?.subtask(message.vertexId, message.subtaskIndex);
    if (!job || !subtask || !TASK_STATES.has(message.state)) {
      this.logger.warn('ignoring task-state for an unknown job, subtask or state', { tm: tm.tmId, ...message });
      return;
    }
    if (subtask.tmId !== tm.tmId) {
      this.logger.warn('ignoring task-state from a TaskManager that does not run the subtask', { tm: tm.tmId, runsOn: subtask.tmId, ...message });
      return;
    }
    if (job.state === 'RESTARTING' || (message.attemptId !== undefined && message.attemptId !== subtask.attemptId)) {
      this.logger.debug('ignoring task-state of a replaced attempt', { tm: tm.tmId, ...message });
      return;
    }
    const error = typeof message.error === 'string' ? this.registry.nameDataAddresses(message.error) : undefined;
    this.applyTransition(job, job.onTaskState(subtask, message.state, error, this.epochMs()));
  }

  private onMetrics(tm: TaskManagerEntry, message: Extract<TmToJm, { type: 'metrics' }>): void {
    const job = this.jobTable.get(message.jobId);
    if (!job || !Array.isArray(message.tasks)) {
      this.logger.debug('ignoring metrics for an unknown job', { tm: tm.tmId, jobId: message.jobId });
      return;
    }
    if (job.state === 'RESTARTING') return; // figures of the attempt being replaced
    const now = this.epochMs();
    for (const report of message.tasks) {
      const subtask = report ? job.subtask(report.vertexId, report.subtaskIndex) : undefined;
      if (!subtask || (report.attemptId !== undefined && report.attemptId !== subtask.attemptId)) continue;
      if (subtask.tmId !== tm.tmId) {
        this.logger.warn('ignoring metrics from a TaskManager that does not run the subtask', { tm: tm.tmId, runsOn: subtask.tmId, vertexId: report.vertexId, subtaskIndex: report.subtaskIndex });
        continue;
      }
      job.recordMetrics(tm.tmId, now, report);
    }
  }

  /** Wall-clock ms since the epoch, from the injected clock. */
  epochMs(): number {
    return Math.round(this.clock.epochUs() / 1000);
  }

  private async doStop(): Promise<void> {
    this.heartbeatTimer?.cancel();
    for (const timer of this.cancelTimers.values()) timer.cancel();
    this.cancelTimers.clear();
    this.restarts.cancelAll();
    const closed = new Promise<void>((resolve) => this.controlServer.close(() => resolve()));
    await Promise.all([...this.sockets].map((socket) => endSocket(socket)));
    await Promise.all([closed, this.rest.stop(), this.metrics?.stop()]);
    this.logger.info('JobManager stopped');
    this.resolveStopped();
  }
}

function listenControl(host: string, port: number, tls: InternalTls | undefined, onConnection: (socket: Socket) => void, onRefused: (error: TlsPeerError) => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createInternalServer(tls, onConnection, onRefused);
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** Ends a socket gracefully (pending writes flush), destroying it if it does not close in time. */
function endSocket(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.destroy(), CONNECTION_CLOSE_WAIT_MS);
    timer.unref();
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.end();
  });
}
