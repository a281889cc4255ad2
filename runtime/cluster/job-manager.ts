/**
 * The JobManager: a control server that TaskManagers register with and heartbeat to, a scheduler that deploys
 * submitted job graphs onto their slots, the job state machine (a lost TaskManager or a failed task fails the job,
 * or with the fixed-delay restart strategy restarts it from the latest completed checkpoint) and the REST API (see
 * job-manager-rest.ts).
 */
import type { Server, Socket } from 'node:net';
import { createInternalServer, internalTlsFromConfig, type InternalTls, type TlsPeerError } from '../security/index.js';
import {
  FlowlabError,
  createLogger,
  serializeConfig,
  systemClock,
  toError,
  type Clock,
  type Logger,
  type ResolvedConfig,
  type TimerHandle,
} from '../../core/index.js';
import { type Address, type JmToTm, type JobState, type TaskState, type TmToJm, validateJobGraph, type JobGraphSpec } from '../job/index.js';
import {
  JobExecution,
  JobNotCancelableError,
  JobNotFoundError,
  resolveRestartStrategy,
  type JobDetails,
  type JobTransition,
  type RestartStrategy,
} from './job-execution.js';
import { CheckpointCoordinator, emptyCheckpointsSnapshot, type CheckpointTaskRef } from './checkpoint-coordinator.js';
import { CheckpointStorage, defaultCheckpointRoot, findSubtaskHandle, type CompletedCheckpoint } from '../checkpoint/index.js';
import {
  HttpError,
  JobManagerRestServer,
  flowlabVersion,
  type JobCheckpointDetailsResponse,
  type JobCheckpointsResponse,
  type JobManagerOverview,
  type JobMetricsResponse,
  type RegisteredTaskManager,
  type RestBackend,
} from './job-manager-rest.js';
import { aggregateJobMetrics } from './job-metrics.js';
import { startJobManagerMetrics } from './job-manager-metrics.js';
import type { JobManagerPrometheusExporter } from '../metrics/index.js';
import { ControlProtocolError, readJsonLines, writeJsonLine } from './json-lines.js';
import { newId16 } from '../partition/index.js';
import { NotEnoughSlotsError, scheduleJob, type JobPlan, type SchedulableTaskManager } from './scheduler.js';

/** After `POST /jobs/:id/cancel`, a job is CANCELED at the latest this long after the request. */
export const CANCEL_GRACE_MS = 2_000;
/** How long `stop()` waits for a TaskManager connection to close after ending it. */
const CONNECTION_CLOSE_WAIT_MS = 1_000;
/** Most slots one registration may claim: the upper bound of `taskmanager.numberOfTaskSlots`. */
const MAX_SLOTS_PER_TASK_MANAGER = 1024;
/** Most TaskManagers registered at once, so a flood of registrations cannot grow the JobManager without bound. */
const MAX_TASK_MANAGERS = 1024;
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

/** A registered TaskManager. */
interface TaskManagerEntry {
  readonly tmId: string;
  readonly dataAddress: Address;
  /** Where the TaskManager serves Prometheus metrics, if it does. */
  readonly metricsAddress: Address | undefined;
  readonly slots: number;
  readonly pid: number;
  readonly socket: Socket;
  readonly registeredAtMs: number;
  /** Monotonic ms of the last message. */
  lastHeartbeatMs: number;
}

/** The JobManager process's heart; `start()` resolves once both servers listen. See the file comment. */
export class JobManager implements RestBackend {
  private readonly registered = new Map<string, TaskManagerEntry>();
  private readonly jobs = new Map<string, JobExecution>();
  private readonly coordinators = new Map<string, CheckpointCoordinator>();
  private readonly sockets = new Set<Socket>();
  private readonly cancelTimers = new Map<string, TimerHandle>();
  /** Pending redeploys of restarting jobs (the fixed delay). */
  private readonly restartTimers = new Map<string, TimerHandle>();
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
    private readonly clock: Clock,
    private readonly logger: Logger,
    private linkOverrides: Readonly<Record<string, Address>>,
  ) {
    this.restartStrategy = resolveRestartStrategy(config);
  }

  /** Starts the control server, the REST server and the heartbeat monitor. */
  static async start(options: JobManagerOptions): Promise<JobManager> {
    const host = options.host ?? '127.0.0.1';
    const jm = new JobManager(options.config, options.clock ?? systemClock, options.logger ?? createLogger('jobmanager'), options.linkOverrides ?? {});
    const tls = internalTlsFromConfig(options.config);
    jm.controlServer = await listenControl(host, options.controlPort ?? 0, tls, (socket) => jm.acceptControl(socket), (error) =>
      jm.logger.warn('refused a control connection', { error: error.message }),
    );
    try {
      jm.rest = await JobManagerRestServer.start({ backend: jm, host, port: options.restPort ?? options.config['rest.port'], logger: jm.logger.child('rest') });
    } catch (error) {
      await new Promise<void>((resolve) => jm.controlServer.close(() => resolve()));
      throw error;
    }
    try {
      jm.metrics = await startJobManagerMetrics(jm, host, options.metricsPort ?? 0, () => jm.epochMs());
    } catch (error) {
      await Promise.all([new Promise<void>((resolve) => jm.controlServer.close(() => resolve())), jm.rest.stop()]);
      throw error;
    }
    const timeoutMs = options.config['heartbeat.timeout'];
    const checkEveryMs = Math.max(10, Math.min(options.config['heartbeat.interval'], timeoutMs / 4));
    jm.heartbeatTimer = jm.clock.setInterval(() => jm.checkHeartbeats(), checkEveryMs);
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
    for (const tm of this.registered.values()) this.send(tm, { type: 'shutdown' });
    return this.stop();
  }

  // ---- REST backend -------------------------------------------------------------------------------------------

  overview(): JobManagerOverview {
    const jobs: Record<JobState, number> = { CREATED: 0, RUNNING: 0, RESTARTING: 0, FINISHED: 0, FAILED: 0, CANCELED: 0 };
    for (const job of this.jobs.values()) jobs[job.state]++;
    const slotsTotal = [...this.registered.values()].reduce((sum, tm) => sum + tm.slots, 0);
    const occupied = [...this.occupiedSlots().values()].reduce((sum, set) => sum + set.size, 0);
    return { flowlab: { version: flowlabVersion() }, taskmanagers: this.registered.size, slotsTotal, slotsAvailable: slotsTotal - occupied, jobs };
  }

  taskManagers(): { taskmanagers: RegisteredTaskManager[] } {
    const now = this.clock.nowMs();
    const occupied = this.occupiedSlots();
    return {
      taskmanagers: [...this.registered.values()].map((tm) => ({
        id: tm.tmId,
        dataAddress: tm.dataAddress,
        slots: tm.slots,
        slotsFree: tm.slots - (occupied.get(tm.tmId)?.size ?? 0),
        pid: tm.pid,
        registeredAtMs: tm.registeredAtMs,
        lastHeartbeatMsAgo: Math.max(0, Math.round(now - tm.lastHeartbeatMs)),
        ...(tm.metricsAddress ? { metricsUrl: `http://${tm.metricsAddress.host}:${tm.metricsAddress.port}/metrics` } : {}),
      })),
    };
  }

  /** `GET /links`: the data address overrides that jobs submitted from now on are wired with. */
  links(): { links: Record<string, Address> } {
    return { links: { ...this.linkOverrides } };
  }

  /**
   * `PUT /links`: replaces the link overrides (`{ "data-<consumerTm>-<producerTm>": {host, port}, … }`, e.g. chaos
   * proxies created once the TaskManagers' data addresses are known). Applies to jobs submitted afterwards.
   */
  setLinkOverrides(body: unknown): { links: Record<string, Address> } {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new HttpError(400, 'ERR_BAD_REQUEST', 'Request body must be an object mapping link names to {host, port}');
    }
    const next: Record<string, Address> = {};
    for (const [name, address] of Object.entries(body)) {
      if (!isAddress(address)) throw new HttpError(400, 'ERR_BAD_REQUEST', `link ${JSON.stringify(name)} needs an address {host, port}, got ${JSON.stringify(address)}`);
      next[name] = { host: address.host, port: address.port };
    }
    this.linkOverrides = next;
    this.logger.info('link overrides set', { links: Object.keys(next).length });
    return { links: { ...next } };
  }

  submitJob(spec: unknown): { jobId: string } {
    if (this.stopPromise) throw new HttpError(503, 'ERR_SHUTTING_DOWN', 'The JobManager is shutting down');
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
      throw new HttpError(400, 'ERR_BAD_REQUEST', 'Request body must be a job graph object with "vertices" and "edges"');
    }
    const graph = validateJobGraph(spec as JobGraphSpec);
    const jobId = newId16();
    const plan = scheduleJob(graph, { jobId, taskManagers: this.schedulableTaskManagers(), linkOverrides: this.linkOverrides });
    const job = new JobExecution(jobId, graph, plan, this.epochMs(), this.restartStrategy);
    this.jobs.set(jobId, job);
    this.sendDeployments(plan);
    job.markRunning();
    this.startCheckpointCoordinator(job, graph);
    this.logger.info('job deployed', { jobId, name: graph.name, slots: plan.slots.length, taskManagers: job.taskManagers });
    return { jobId };
  }

  listJobs(): { jobs: { id: string; name: string; state: JobState }[] } {
    return { jobs: [...this.jobs.values()].map((job) => job.summary()) };
  }

  jobDetails(jobId: string): JobDetails {
    return this.job(jobId).details(this.epochMs());
  }

  cancelJob(jobId: string): { jobId: string; state: JobState; canceling: boolean } {
    const job = this.job(jobId);
    if (!job.requestCancel()) throw new JobNotCancelableError(jobId, job.state);
    if (job.state === 'RESTARTING') {
      // nothing runs (the old attempt was told to cancel): no redeploy, canceled now
      this.applyTransition(job, job.finishCancel(this.epochMs()));
      return { jobId, state: job.state, canceling: job.canceling };
    }
    this.sendCancel(job);
    if (!this.cancelTimers.has(jobId)) {
      this.cancelTimers.set(
        jobId,
        this.clock.setTimeout(() => {
          this.cancelTimers.delete(jobId);
          this.applyTransition(job, job.finishCancel(this.epochMs()));
        }, CANCEL_GRACE_MS),
      );
    }
    return { jobId, state: job.state, canceling: job.canceling };
  }

  jobMetrics(jobId: string): JobMetricsResponse {
    const job = this.job(jobId);
    const stored = job.metrics.reports();
    return {
      jobId,
      state: job.state,
      tasks: stored.map((s) => ({ taskManager: s.tmId, receivedAtMs: s.receivedAtMs, ...s.report })),
      aggregate: aggregateJobMetrics(
        stored.map((s) => s.report),
        this.logger,
        job.metrics.retiredLatencyHistograms,
      ),
    };
  }

  jobCheckpoints(jobId: string): JobCheckpointsResponse {
    this.job(jobId);
    const coordinator = this.coordinators.get(jobId);
    return coordinator ? coordinator.snapshot() : emptyCheckpointsSnapshot();
  }

  /** `GET /jobs/:id/checkpoints/:checkpointId`: one checkpoint of the history with its per-subtask figures. */
  checkpointDetails(jobId: string, checkpointId: number): JobCheckpointDetailsResponse {
    this.job(jobId);
    const coordinator = this.coordinators.get(jobId);
    const details = coordinator?.details(checkpointId);
    if (!details) {
      const kept = coordinator?.history.map((h) => h.id) ?? [];
      const range = kept.length === 0 ? 'none yet' : `ids ${Math.min(...kept)}-${Math.max(...kept)}`;
      throw new HttpError(404, 'ERR_CHECKPOINT_NOT_FOUND', `Checkpoint ${checkpointId} of job ${jobId} is not in the checkpoint history (${range})`);
    }
    return details;
  }

  /** `POST /jobs/:id/checkpoints`: triggers a checkpoint now. */
  triggerCheckpoint(jobId: string): { jobId: string; checkpointId: number } {
    const job = this.job(jobId);
    const coordinator = this.coordinators.get(jobId);
    const id = job.isTerminal ? undefined : coordinator?.triggerCheckpoint();
    if (id === undefined) {
      throw new HttpError(409, 'ERR_CHECKPOINT_NOT_TRIGGERED', `job ${jobId} cannot take a checkpoint now (not all tasks are running, or max-concurrent-checkpoints are pending)`);
    }
    return { jobId, checkpointId: id };
  }

  private startCheckpointCoordinator(job: JobExecution, graph: JobGraphSpec): void {
    const sources = new Set(graph.vertices.filter((v) => v.operator === 'source').map((v) => v.id));
    const coordinator = new CheckpointCoordinator({
      jobId: job.jobId,
      config: this.config,
      tasks: checkpointTasks(job.plan, sources),
      storage: new CheckpointStorage({
        root: this.config['execution.checkpointing.dir'] ?? defaultCheckpointRoot(),
        jobId: job.jobId,
        numRetained: this.config['state.checkpoints.num-retained'],
        logger: this.logger.child('checkpoints'),
      }),
      send: (tmId, message) => {
        const tm = this.registered.get(tmId);
        if (tm) this.send(tm, message);
      },
      failJob: (reason, restartable) => this.applyTransition(job, job.fail(reason, this.epochMs(), restartable)),
      allTasksRunning: () => job.state === 'RUNNING' && job.allSubtasksRunning(),
      clock: this.clock,
      logger: this.logger.child('checkpoints'),
    });
    this.coordinators.set(job.jobId, coordinator);
    coordinator.start();
  }

  shutdown(): void {
    this.shutdownCluster().catch((error: unknown) => this.logger.error('shutdown failed', { error: String(error) }));
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
      if (tm && this.registered.get(tm.tmId) === tm) this.loseTaskManager(tm, 'control connection closed');
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
            tm = this.register(socket, name, message);
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

  private register(socket: Socket, name: string, message: TmToJm): TaskManagerEntry {
    if (message.type !== 'register') throw new ControlProtocolError(`expected "register" first, got "${message.type}"`, name);
    const { tmId, dataAddress, slots, pid } = message;
    if (typeof tmId !== 'string' || tmId === '') throw new ControlProtocolError('register needs a non-empty tmId', name);
    if (!isAddress(dataAddress)) throw new ControlProtocolError(`register from ${tmId} needs dataAddress {host, port}`, name);
    if (!Number.isInteger(slots) || slots < 1 || slots > MAX_SLOTS_PER_TASK_MANAGER) {
      throw new ControlProtocolError(`register from ${tmId}: slots ${String(slots)} must be an integer from 1 to ${MAX_SLOTS_PER_TASK_MANAGER} (taskmanager.numberOfTaskSlots)`, name);
    }
    if (this.registered.size >= MAX_TASK_MANAGERS && !this.registered.has(tmId)) {
      throw new ControlProtocolError(`register from ${tmId}: ${MAX_TASK_MANAGERS} TaskManagers are registered already`, name);
    }
    const previous = this.registered.get(tmId);
    // a restarted TaskManager may register before the close of its predecessor's connection is observed
    if (previous && (previous.socket.destroyed || !previous.socket.writable)) this.loseTaskManager(previous, 'replaced by a new registration');
    else if (previous) throw new ControlProtocolError(`a TaskManager with id ${tmId} is already registered`, name);
    const tm: TaskManagerEntry = {
      tmId,
      dataAddress: { host: dataAddress.host, port: dataAddress.port },
      metricsAddress: isAddress(message.metricsAddress) ? { host: message.metricsAddress.host, port: message.metricsAddress.port } : undefined,
      slots,
      pid: Number.isInteger(pid) ? pid : -1,
      socket,
      registeredAtMs: this.epochMs(),
      lastHeartbeatMs: this.clock.nowMs(),
    };
    this.registered.set(tmId, tm);
    this.send(tm, { type: 'registered', config: serializeConfig(this.config) });
    this.logger.info('TaskManager registered', { tmId, dataAddress: tm.dataAddress, slots, pid: tm.pid });
    return tm;
  }

  private onMessage(tm: TaskManagerEntry, message: TmToJm): void {
    tm.lastHeartbeatMs = this.clock.nowMs();
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
    const job = this.jobs.get(message.jobId);
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
    const error = typeof message.error === 'string' ? this.nameDataAddresses(message.error) : undefined;
    this.applyTransition(job, job.onTaskState(subtask, message.state, error, this.epochMs()));
  }

  /** Names the TaskManager behind every data address in a task's error (a lost producer shows up as a closed connection). */
  private nameDataAddresses(text: string): string {
    let out = text;
    for (const tm of this.registered.values()) {
      const address = `${tm.dataAddress.host}:${tm.dataAddress.port}`;
      out = out.split(address).join(`${address} (${tm.tmId})`);
    }
    return out;
  }

  private onMetrics(tm: TaskManagerEntry, message: Extract<TmToJm, { type: 'metrics' }>): void {
    const job = this.jobs.get(message.jobId);
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

  private checkHeartbeats(): void {
    const timeoutMs = this.config['heartbeat.timeout'];
    const now = this.clock.nowMs();
    for (const tm of [...this.registered.values()]) {
      const silentMs = now - tm.lastHeartbeatMs;
      if (silentMs >= timeoutMs) {
        this.loseTaskManager(tm, `no heartbeat for ${Math.round(silentMs)} ms (heartbeat.timeout ${timeoutMs} ms)`);
        tm.socket.destroy();
      }
    }
  }

  /** Removes a TaskManager and fails every unfinished job with tasks on it. */
  private loseTaskManager(tm: TaskManagerEntry, why: string): void {
    if (this.registered.get(tm.tmId) !== tm) return;
    this.registered.delete(tm.tmId);
    if (this.stopPromise) return;
    const reason = `TaskManager ${tm.tmId} lost: ${why}`;
    const affected = [...this.jobs.values()].filter((job) => !job.isTerminal && job.usesTaskManager(tm.tmId));
    // one that leaves with no unfinished job on it (a cluster shutting down after its jobs) is no cause for alarm
    if (affected.length > 0) this.logger.warn(reason, { pid: tm.pid });
    else this.logger.info(reason, { pid: tm.pid });
    for (const job of affected) this.applyTransition(job, job.fail(reason, this.epochMs()));
  }

  private applyTransition(job: JobExecution, transition: JobTransition): void {
    if (transition === 'none') return;
    if (transition === 'restarting') return this.beginRestart(job);
    this.coordinators.get(job.jobId)?.stop();
    this.cancelTimers.get(job.jobId)?.cancel();
    this.cancelTimers.delete(job.jobId);
    this.restartTimers.get(job.jobId)?.cancel();
    this.restartTimers.delete(job.jobId);
    if (transition === 'failed') {
      this.logger.warn('job failed', { jobId: job.jobId, reason: job.failureReason });
      this.sendCancel(job);
    } else {
      this.logger.info(`job ${transition}`, { jobId: job.jobId });
    }
  }

  /**
   * Fixed-delay failover, first half: stop checkpointing (pending ones are aborted), forget the old attempt's
   * metrics, cancel its tasks on the surviving TaskManagers, and redeploy after `restart-strategy.fixed-delay.delay`.
   */
  private beginRestart(job: JobExecution): void {
    const reason = job.failureHistory.at(-1)?.reason ?? 'unknown failure';
    const delayMs = this.restartStrategy.kind === 'fixed-delay' ? this.restartStrategy.delayMs : 0;
    this.logger.warn('job restarting', { jobId: job.jobId, restart: job.restarts, delayMs, reason });
    this.coordinators.get(job.jobId)?.suspend(`job ${job.jobId} is restarting`);
    job.metrics.retireAttempt();
    this.sendCancel(job);
    this.restartTimers.get(job.jobId)?.cancel();
    this.restartTimers.set(
      job.jobId,
      this.clock.setTimeout(() => {
        this.restartTimers.delete(job.jobId);
        this.redeploy(job).catch((error: unknown) => {
          this.applyTransition(job, job.fail(`restart failed: ${toError(error).message}`, this.epochMs(), false));
        });
      }, delayMs),
    );
  }

  /**
   * Fixed-delay failover, second half: schedule the whole job anew (new attempt and partition ids) on the
   * TaskManagers registered now, each subtask restoring from the latest completed checkpoint (or from scratch).
   */
  private async redeploy(job: JobExecution): Promise<void> {
    if (job.state !== 'RESTARTING' || this.stopPromise) return;
    const coordinator = this.coordinators.get(job.jobId);
    let checkpoint: CompletedCheckpoint | undefined;
    try {
      checkpoint = coordinator ? await coordinator.storage.latestCompleted() : undefined;
    } catch (error) {
      this.applyTransition(job, job.fail(`cannot restart: reading the latest completed checkpoint failed: ${toError(error).message}`, this.epochMs(), false));
      return;
    }
    if (job.state !== 'RESTARTING' || this.stopPromise) return;
    let plan: JobPlan;
    try {
      plan = scheduleJob(job.graph, { jobId: job.jobId, taskManagers: this.schedulableTaskManagers(job.jobId), linkOverrides: this.linkOverrides });
    } catch (error) {
      if (!(error instanceof NotEnoughSlotsError)) throw error;
      this.applyTransition(job, job.fail(`cannot restart: ${error.message}`, this.epochMs(), false));
      return;
    }
    if (checkpoint) {
      for (const tasks of plan.deployments.values()) {
        for (const task of tasks) {
          const handle = findSubtaskHandle(checkpoint, task.vertexId, task.subtaskIndex);
          if (!handle) {
            this.applyTransition(job, job.fail(`cannot restart: checkpoint ${checkpoint.checkpointId} has no state for ${task.vertexId} subtask ${task.subtaskIndex}`, this.epochMs(), false));
            return;
          }
          task.restore = { checkpointId: checkpoint.checkpointId, handle };
        }
      }
    }
    job.beginAttempt(plan, checkpoint?.checkpointId ?? null, this.epochMs());
    this.sendDeployments(plan);
    const sources = new Set(job.graph.vertices.filter((v) => v.operator === 'source').map((v) => v.id));
    coordinator?.resume(checkpointTasks(plan, sources));
    this.logger.info('job redeployed', { jobId: job.jobId, attempt: job.attempt, restoredFromCheckpoint: checkpoint?.checkpointId ?? null, taskManagers: job.taskManagers });
  }

  private sendDeployments(plan: JobPlan): void {
    for (const [tmId, tasks] of plan.deployments) {
      this.send(this.registered.get(tmId)!, { type: 'deploy', jobId: plan.jobId, tasks });
    }
  }

  /** Registered TaskManagers with the slots held by unfinished jobs (except `exceptJobId`, being rescheduled). */
  private schedulableTaskManagers(exceptJobId?: string): SchedulableTaskManager[] {
    const occupied = this.occupiedSlots(exceptJobId);
    return [...this.registered.values()].map((tm) => ({
      tmId: tm.tmId,
      dataAddress: tm.dataAddress,
      slots: tm.slots,
      occupiedSlots: occupied.get(tm.tmId) ?? new Set(),
    }));
  }

  private sendCancel(job: JobExecution): void {
    for (const tmId of job.taskManagers) {
      const tm = this.registered.get(tmId);
      if (tm) this.send(tm, { type: 'cancel', jobId: job.jobId });
    }
  }

  /** Slot indexes per TaskManager held by unfinished jobs. */
  private occupiedSlots(exceptJobId?: string): Map<string, Set<number>> {
    const out = new Map<string, Set<number>>();
    for (const job of this.jobs.values()) {
      if (job.isTerminal || job.jobId === exceptJobId) continue;
      for (const slot of job.slots) {
        if (!this.registered.has(slot.tmId)) continue;
        const set = out.get(slot.tmId) ?? new Set<number>();
        set.add(slot.slotIndex);
        out.set(slot.tmId, set);
      }
    }
    return out;
  }

  private job(jobId: string): JobExecution {
    const job = this.jobs.get(jobId);
    if (!job) throw new JobNotFoundError(jobId);
    return job;
  }

  private send(tm: TaskManagerEntry, message: JmToTm): void {
    writeJsonLine(tm.socket, message);
  }

  private epochMs(): number {
    return Math.round(this.clock.epochUs() / 1000);
  }

  private async doStop(): Promise<void> {
    this.heartbeatTimer?.cancel();
    for (const timer of [...this.cancelTimers.values(), ...this.restartTimers.values()]) timer.cancel();
    this.cancelTimers.clear();
    this.restartTimers.clear();
    const closed = new Promise<void>((resolve) => this.controlServer.close(() => resolve()));
    await Promise.all([...this.sockets].map((socket) => endSocket(socket)));
    await Promise.all([closed, this.rest.stop(), this.metrics?.stop()]);
    this.logger.info('JobManager stopped');
    this.resolveStopped();
  }
}

function checkpointTasks(plan: JobPlan, sources: ReadonlySet<string>): CheckpointTaskRef[] {
  return plan.subtasks.map((s) => ({ vertexId: s.vertexId, subtaskIndex: s.subtaskIndex, tmId: s.tmId, isSource: sources.has(s.vertexId) }));
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

function isAddress(value: unknown): value is Address {
  if (typeof value !== 'object' || value === null) return false;
  const { host, port } = value as { host?: unknown; port?: unknown };
  return typeof host === 'string' && host !== '' && Number.isInteger(port) && (port as number) > 0 && (port as number) < 65_536;
}
