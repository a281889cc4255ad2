/**
 * A TaskManager: one network environment (global buffer pool, data server, connections), a control connection to
 * the JobManager (register, heartbeats, task states, metrics every second), and the subtasks it was deployed.
 * A deployment with `restore` reads the subtask's checkpointed state and hands it to the task before it starts.
 */
import type { Socket } from 'node:net';
import { connectInternal } from '../security/index.js';
import { EventEmitter } from 'node:events';
import { FlowlabError, WaitTimeoutError, createLogger, pollUntil, systemClock, toError, type Clock, type Logger, type ResolvedConfig, type TimerHandle } from '../../core/index.js';
import { NetworkEnvironment } from '../shuffle/index.js';
import { AggregateProcessor, FlatMapProcessor, HttpSourceTask, MapProcessor, OneInputTask, SourceTask, StreamTask, VerifyingSink, type TaskCheckpoint, type TaskContext } from '../task/index.js';
import { CheckpointStorage, StateFileWriter, defaultCheckpointRoot, isStorageFailure } from '../checkpoint/index.js';
import { PrometheusExporter, type TaskMetricsSample } from '../metrics/index.js';
import { type Address, type JmToTm, type TaskDeployment, type TaskState, type TmToJm, DEFAULT_FLAT_MAP_PARAMS } from '../job/index.js';
import { readJsonLines, writeJsonLine } from './json-lines.js';

export const METRICS_REPORT_INTERVAL_MS = 1000;
const REGISTRATION_TIMEOUT_MS = 10_000;
/** Pause between two attempts to reach the JobManager (with `registrationTimeoutMs`). */
const CONNECT_RETRY_MS = 500;
const DRAIN_CHECK_MS = 50;

export interface TaskManagerOptions {
  tmId: string;
  jobManager: Address;
  config: ResolvedConfig;
  /** Interface the data server and the metrics endpoint listen on. @default '127.0.0.1' */
  host?: string;
  /** Host the JobManager and other TaskManagers reach this one at (registered with the JobManager). @default host */
  advertisedHost?: string;
  /** Prometheus metrics port (0: OS-chosen). @default 0 */
  metricsPort?: number;
  /** Keep retrying to reach the JobManager this long, in ms (0: one attempt). @default 0 */
  registrationTimeoutMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** Events: `stopped` (reason: string). */
export class TaskManager extends EventEmitter {
  private readonly jobs = new Map<string, StreamTask[]>();
  private readonly storages = new Map<string, CheckpointStorage>();
  /** Subtask state files are made durable on a worker thread while the tasks keep running. */
  private readonly stateFileWriter = new StateFileWriter();
  /** The Prometheus endpoint (`/metrics`). */
  metrics: PrometheusExporter | undefined;
  private config: ResolvedConfig | undefined;
  private heartbeat: TimerHandle | undefined;
  private reporter: TimerHandle | undefined;
  private stopped = false;

  private constructor(
    readonly tmId: string,
    readonly env: NetworkEnvironment,
    private readonly socket: Socket,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Host registered with the JobManager for the data and metrics addresses. */
    readonly advertisedHost: string,
  ) {
    super();
  }

  static async start(options: TaskManagerOptions): Promise<TaskManager> {
    const clock = options.clock ?? systemClock;
    const logger = options.logger ?? createLogger(options.tmId);
    const host = options.host ?? '127.0.0.1';
    const env = await NetworkEnvironment.start({ config: options.config, host, clock, logger });
    let socket: Socket;
    try {
      socket = await connectToJobManager(env, options, logger);
    } catch (error) {
      await env.stop();
      throw error;
    }
    const tm = new TaskManager(options.tmId, env, socket, clock, logger, options.advertisedHost ?? host);
    tm.metrics = await PrometheusExporter.start({ tmId: options.tmId, host, port: options.metricsPort ?? 0, collect: () => tm.collectMetrics() });
    await tm.register(options.config);
    return tm;
  }

  /** The address the data server is bound to. */
  get dataAddress(): Address {
    return this.env.dataAddress;
  }

  /** The data address registered with the JobManager (other TaskManagers dial it). */
  get advertisedDataAddress(): Address {
    return { host: this.advertisedHost, port: this.env.dataAddress.port };
  }

  /** The metrics endpoint registered with the JobManager, if it serves one. */
  get advertisedMetricsAddress(): Address | undefined {
    return this.metrics ? { host: this.advertisedHost, port: this.metrics.port } : undefined;
  }

  /** Tasks of every job, for tests and metrics. */
  get tasks(): StreamTask[] {
    return [...this.jobs.values()].flat();
  }

  private register(config: ResolvedConfig): Promise<void> {
    this.config = config;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new FlowlabError('ERR_REGISTRATION', `TaskManager ${this.tmId}: the JobManager did not answer the registration`)), REGISTRATION_TIMEOUT_MS);
      let registered = false;
      readJsonLines<JmToTm>(
        this.socket,
        `${this.tmId} -> jobmanager`,
        (message) => {
          if (message.type === 'registered' && !registered) {
            registered = true;
            clearTimeout(timer);
            // the JobManager's timeout is what counts: never beat more slowly than its interval (Flink's JobManager drives heartbeats)
            const jmIntervalMs = message.config?.['heartbeat.interval'];
            const intervalMs = typeof jmIntervalMs === 'number' && jmIntervalMs > 0 ? Math.min(jmIntervalMs, config['heartbeat.interval']) : config['heartbeat.interval'];
            this.heartbeat = this.clock.setInterval(() => this.send({ type: 'heartbeat', tmId: this.tmId }), intervalMs);
            this.reporter = this.clock.setInterval(() => this.reportMetrics(), METRICS_REPORT_INTERVAL_MS);
            resolve();
          } else {
            this.onMessage(message);
          }
        },
        (error) => this.logger.error(error.message),
      );
      this.socket.on('error', (error) => this.logger.warn('control connection error', { error: error.message }));
      this.socket.on('close', () => {
        clearTimeout(timer);
        if (!registered) reject(new FlowlabError('ERR_REGISTRATION', `TaskManager ${this.tmId}: the JobManager closed the control connection`));
        void this.stop('lost the JobManager (control connection closed)');
      });
      this.send({
        type: 'register',
        tmId: this.tmId,
        dataAddress: this.advertisedDataAddress,
        slots: config['taskmanager.numberOfTaskSlots'],
        pid: process.pid,
        ...(this.advertisedMetricsAddress ? { metricsAddress: this.advertisedMetricsAddress } : {}),
      });
    });
  }

  private onMessage(message: JmToTm): void {
    switch (message.type) {
      case 'deploy':
        this.deploy(message.jobId, message.tasks);
        return;
      case 'cancel':
        this.cancelJob(message.jobId);
        return;
      case 'trigger-checkpoint':
        for (const task of this.jobs.get(message.jobId) ?? []) {
          if (task instanceof SourceTask) task.triggerCheckpoint(message.checkpointId, message.timestampMs, message.unaligned === true, message.alignedTimeoutMs ?? 0);
        }
        return;
      case 'shutdown':
        void this.stop('shutdown requested by the JobManager');
        return;
      default:
        return;
    }
  }

  private deploy(jobId: string, deployments: TaskDeployment[]): void {
    // a redeployed job (restart): whatever is left of the previous attempt here goes first
    this.cancelJob(jobId);
    this.stateFileWriter.prepare();
    const tasks: StreamTask[] = [];
    try {
      for (const d of deployments) tasks.push(this.createTask(d));
      this.jobs.set(jobId, [...(this.jobs.get(jobId) ?? []), ...tasks]);
      for (const task of tasks) task.createOutputs();
    } catch (error) {
      for (const task of tasks) task.fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    for (const task of tasks) {
      this.restoreAndStart(task).catch((error: unknown) => task.fail(error instanceof Error ? error : new Error(String(error))));
    }
  }

  /** Restores the task's operator state from its checkpoint (if the deployment names one), then starts it. */
  private async restoreAndStart(task: StreamTask): Promise<void> {
    const restore = task.deployment.restore;
    if (restore) {
      const snapshot = await this.storageFor(task.deployment.jobId).readSubtaskState(restore.handle);
      if (task.state !== 'DEPLOYING') return; // canceled while reading
      task.restore(restore.checkpointId, snapshot.operator);
      task.restoreChannelState(restore.checkpointId, snapshot.inputChannels, snapshot.outputSubpartitions);
      const channelStateBytes = [...snapshot.inputChannels, ...snapshot.outputSubpartitions].reduce((n, c) => n + c.chunks.reduce((m, x) => m + x.byteLength, 0), 0);
      this.logger.info('task restored', { task: task.name, checkpointId: restore.checkpointId, channelStateBytes });
    }
    await task.start();
  }

  private createTask(deployment: TaskDeployment): StreamTask {
    const ctx: TaskContext = {
      deployment,
      env: this.env,
      tmId: this.tmId,
      clock: this.clock,
      onStateChange: (task, state, error) => this.onTaskState(task, state, error),
      onCheckpoint: (task, checkpoint) => void this.persistCheckpoint(task, checkpoint),
      onCheckpointDeclined: (task, checkpointId, reason) =>
        this.send({ type: 'checkpoint-decline', jobId: task.deployment.jobId, checkpointId, vertexId: task.deployment.vertexId, subtaskIndex: task.deployment.subtaskIndex, reason }),
    };
    switch (deployment.operator) {
      case 'source':
        return deployment.source?.http ? new HttpSourceTask(ctx) : new SourceTask(ctx);
      case 'map':
        return new OneInputTask(ctx, new MapProcessor(deployment.map?.costUs ?? 0, () => this.clock.nowMs()));
      case 'flatMap':
        return new OneInputTask(ctx, new FlatMapProcessor(deployment.flatMap ?? DEFAULT_FLAT_MAP_PARAMS, () => this.clock.nowMs()));
      case 'aggregate':
        return new OneInputTask(ctx, new AggregateProcessor());
      case 'sink':
        return new OneInputTask(ctx, new VerifyingSink(() => this.clock.epochUs(), deployment.sink?.costUs ?? 0));
    }
  }

  private storageFor(jobId: string): CheckpointStorage {
    let storage = this.storages.get(jobId);
    if (!storage) {
      const config = this.config!;
      storage = new CheckpointStorage({
        root: config['execution.checkpointing.dir'] ?? defaultCheckpointRoot(),
        jobId,
        numRetained: config['state.checkpoints.num-retained'],
        logger: this.logger.child('checkpoints'),
        stateFileWriter: this.stateFileWriter,
      });
      this.storages.set(jobId, storage);
    }
    return storage;
  }

  /** Writes a subtask's checkpoint state to the shared checkpoint directory, then acknowledges it. */
  private async persistCheckpoint(task: StreamTask, checkpoint: TaskCheckpoint): Promise<void> {
    const { jobId, vertexId, subtaskIndex } = task.deployment;
    const started = this.clock.nowMs();
    try {
      const handle = await this.storageFor(jobId).writeSubtaskState(checkpoint.checkpointId, vertexId, subtaskIndex, {
        operator: checkpoint.operator,
        inputChannels: checkpoint.inputChannels,
        outputSubpartitions: checkpoint.outputSubpartitions,
      });
      this.send({
        type: 'checkpoint-ack',
        jobId,
        checkpointId: checkpoint.checkpointId,
        vertexId,
        subtaskIndex,
        handle,
        metrics: {
          alignmentDurationMs: checkpoint.alignmentDurationMs,
          startDelayMs: checkpoint.startDelayMs,
          syncDurationMs: checkpoint.syncDurationMs,
          asyncDurationMs: this.clock.nowMs() - started,
          unaligned: checkpoint.unaligned,
          stateBytes: handle.stateBytes,
          // the in-flight data itself (Flink's bytesPersistedOfThisCheckpoint), not the file section's framing
          persistedChannelStateBytes: channelDataBytes(checkpoint),
        },
      });
    } catch (error) {
      this.send({
        type: 'checkpoint-decline',
        jobId,
        checkpointId: checkpoint.checkpointId,
        vertexId,
        subtaskIndex,
        reason: `state could not be written: ${error instanceof Error ? error.message : String(error)}`,
        storageFailure: isStorageFailure(error),
      });
    }
  }

  private onTaskState(task: StreamTask, state: TaskState, error?: Error): void {
    const { jobId, vertexId, subtaskIndex, attemptId } = task.deployment;
    if (state === 'FINISHED' || state === 'FAILED') {
      // final figures first, so the JobManager has them when it sees the state
      this.send({ type: 'metrics', jobId, tasks: [task.report()] });
    }
    this.send({ type: 'task-state', jobId, vertexId, subtaskIndex, attemptId, state, ...(error ? { error: `${task.name} on ${this.tmId}: ${error.message}` } : {}) });
    if (state === 'FINISHED') this.releaseWhenDrained(task);
  }

  private releaseWhenDrained(task: StreamTask): void {
    if (task.outputDrained || this.stopped) {
      task.releaseResources();
      return;
    }
    this.clock.setTimeout(() => this.releaseWhenDrained(task), DRAIN_CHECK_MS);
  }

  private cancelJob(jobId: string): void {
    const tasks = this.jobs.get(jobId);
    if (!tasks) return;
    this.jobs.delete(jobId);
    for (const task of tasks) task.cancel();
  }

  /** Every task's figures, for a Prometheus scrape. */
  private collectMetrics(): { tasks: TaskMetricsSample[]; pool: { availableSegments: number; usedSegments: number; totalSegments: number } } {
    const tasks: TaskMetricsSample[] = [];
    for (const [jobId, jobTasks] of this.jobs) {
      for (const task of jobTasks) {
        const r = task.report();
        tasks.push({
          jobId,
          taskName: r.vertexId,
          subtaskIndex: r.subtaskIndex,
          values: {
            numRecordsIn: r.numRecordsIn,
            numRecordsOut: r.numRecordsOut,
            numBytesIn: r.numBytesIn,
            numBytesOut: r.numBytesOut,
            numBuffersIn: r.numBuffersIn,
            numBuffersOut: r.numBuffersOut,
            backPressuredTimeMsPerSecond: r.backPressuredTimeMsPerSecond,
            idleTimeMsPerSecond: r.idleTimeMsPerSecond,
            busyTimeMsPerSecond: r.busyTimeMsPerSecond,
            isBackPressured: r.isBackPressured ? 1 : 0,
            Shuffle_Netty_Input_Buffers_inPoolUsage: r.inPoolUsage,
            Shuffle_Netty_Input_Buffers_inputExclusiveBuffersUsage: r.inputExclusiveBuffersUsage,
            Shuffle_Netty_Input_Buffers_inputFloatingBuffersUsage: r.inputFloatingBuffersUsage,
            Shuffle_Netty_Output_Buffers_outPoolUsage: r.outPoolUsage,
            ...(r.debloatedBufferSize !== undefined ? { debloatedBufferSize: r.debloatedBufferSize } : {}),
            ...(r.estimatedTimeToConsumeBuffersMs !== undefined ? { estimatedTimeToConsumeBuffersMs: r.estimatedTimeToConsumeBuffersMs } : {}),
          },
          ...(r.sink?.latencyBuckets ? { endToEndLatency: r.sink.latencyBuckets } : {}),
        });
      }
    }
    const pool = this.env.globalPool.stats;
    return { tasks, pool: { availableSegments: pool.availableSegments, usedSegments: pool.usedSegments, totalSegments: pool.totalSegments } };
  }

  private reportMetrics(): void {
    for (const [jobId, tasks] of this.jobs) {
      const running = tasks.filter((t) => t.state === 'RUNNING' || t.state === 'DEPLOYING');
      if (running.length > 0) this.send({ type: 'metrics', jobId, tasks: running.map((t) => t.report()) });
    }
  }

  private send(message: TmToJm): void {
    writeJsonLine(this.socket, message);
  }

  /** Cancels every task, closes the network stack and the control connection. Idempotent. */
  async stop(reason = 'stopped'): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.heartbeat?.cancel();
    this.reporter?.cancel();
    for (const jobId of [...this.jobs.keys()]) this.cancelJob(jobId);
    this.socket.end();
    await this.metrics?.stop();
    await this.env.stop();
    await this.stateFileWriter.close();
    this.emit('stopped', reason);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/**
 * Opens the control connection to the JobManager, retrying for `registrationTimeoutMs` (a TaskManager may start before
 * its JobManager); each attempt is bounded by that timeout too, so an address that drops packets cannot hang it.
 */
async function connectToJobManager(env: NetworkEnvironment, options: TaskManagerOptions, logger: Logger): Promise<Socket> {
  const { host, port } = options.jobManager;
  const timeoutMs = options.registrationTimeoutMs ?? 0;
  const where = `the JobManager at ${host}:${port}`;
  let attempts = 0;
  const attempt = (): Promise<Socket> => {
    const connecting = connectInternal(env.server.options.tls, { host, port, noDelay: true });
    if (timeoutMs <= 0) return connecting;
    const first = attempts++ === 0;
    const result = new Promise<Socket>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no answer within ${timeoutMs} ms`));
        void connecting.then((late) => late.destroy(), () => undefined);
      }, timeoutMs);
      connecting.then(
        (socket) => (clearTimeout(timer), resolve(socket)),
        (error: unknown) => (clearTimeout(timer), reject(toError(error))),
      );
    });
    if (first) result.catch((error: unknown) => logger.warn(`${where} is not reachable yet (${toError(error).message}); retrying for up to ${timeoutMs} ms`));
    return result;
  };
  try {
    return await pollUntil(where, attempt, { timeoutMs, intervalMs: CONNECT_RETRY_MS, retryErrors: true });
  } catch (error) {
    const cause = error instanceof WaitTimeoutError ? (error.lastError ?? error) : toError(error);
    const tried = timeoutMs > 0 ? ` (tried for ${timeoutMs} ms)` : '';
    throw new FlowlabError('ERR_JOBMANAGER_UNREACHABLE', `TaskManager ${options.tmId} cannot reach ${where}${tried}: ${cause.message}`, { cause });
  }
}

/** Bytes of in-flight data (input and output channel state) a task's checkpoint persists. */
function channelDataBytes(checkpoint: TaskCheckpoint): number {
  let bytes = 0;
  for (const c of checkpoint.inputChannels) for (const chunk of c.chunks) bytes += chunk.byteLength;
  for (const s of checkpoint.outputSubpartitions) for (const chunk of s.chunks) bytes += chunk.byteLength;
  return bytes;
}
