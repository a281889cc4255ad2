/**
 * A running subtask: its output partition and writer, input gate, metrics and lifecycle
 * (DEPLOYING → RUNNING → FINISHED | FAILED | CANCELED). Subclasses drive records on the event loop in short
 * slices; waiting for input or for output is an event, never a poll.
 */
import { FlowlabError, SeededRandom, type Clock } from '../../core/index.js';
import { TaskIoMetrics } from '../metrics/index.js';
import { createChannelSelector } from '../partition/selectors/index.js';
import type { ResultPartition } from '../partition/index.js';
import type { NetworkEnvironment } from '../shuffle/index.js';
import { AlignmentType, encodeEvent, type CheckpointBarrier } from '../event/index.js';
import { DataType } from '../buffer/index.js';
import { StateReader, StateWriter } from './operator-state.js';
import type { AlignmentResult } from './checkpoint-barrier-handler.js';
import { RecordWriter } from '../writer/index.js';
import type { QueuedBuffer } from '../partition/index.js';
import type { TimerHandle } from '../../core/index.js';
import type { SingleInputGate } from '../consumer/index.js';
import type { TaskDeployment, TaskMetricsReport, TaskState } from '../job/index.js';

export { TASK_SLICE_MS } from './slice-budget.js';

export interface TaskContext {
  deployment: TaskDeployment;
  env: NetworkEnvironment;
  /** This TaskManager's id (channels from producers with the same id are local). */
  tmId: string;
  clock: Clock;
  onStateChange(task: StreamTask, state: TaskState, error?: Error): void;
  /** The task took its part of a checkpoint (operator state snapshot, barrier forwarded). */
  onCheckpoint?(task: StreamTask, checkpoint: TaskCheckpoint): void;
  /** The task abandoned a checkpoint (subsumed, cancelled upstream, not running). */
  onCheckpointDeclined?(task: StreamTask, checkpointId: number, reason: string): void;
}

/** One subtask's part of a checkpoint, as handed to the TaskManager for persisting and acknowledging. */
export interface TaskCheckpoint {
  checkpointId: number;
  timestampMs: number;
  operator: { kind: string; data: Uint8Array };
  alignmentDurationMs: number;
  startDelayMs: number;
  syncDurationMs: number;
  unaligned: boolean;
  /** In-flight input data (unaligned): raw bytes per input channel, records may span chunks. */
  inputChannels: Array<{ gate: number; channel: number; chunks: Uint8Array[] }>;
  /** Queued output data the priority barrier overtook (unaligned), per subpartition. */
  outputSubpartitions: Array<{ partition: number; subpartition: number; chunks: Uint8Array[] }>;
}

/** A task could not take the state of a checkpoint (wrong operator, malformed or unsupported state, not DEPLOYING). */
export class TaskRestoreError extends FlowlabError {
  constructor(
    readonly task: string,
    readonly checkpointId: number,
    reason: string,
    options?: ErrorOptions,
  ) {
    super('ERR_TASK_RESTORE', `${task} cannot restore checkpoint ${checkpointId}: ${reason}`, options);
  }
}

export abstract class StreamTask {
  readonly deployment: TaskDeployment;
  readonly name: string;
  readonly metrics: TaskIoMetrics;
  state: TaskState = 'DEPLOYING';
  failure: Error | undefined;
  protected readonly clock: Clock;
  protected partition: ResultPartition | undefined;
  protected writer: RecordWriter | undefined;
  protected gate: SingleInputGate | undefined;
  /** The checkpoint this attempt restored its state from, if any. */
  restoredFromCheckpoint: number | undefined;
  /** Records in and out before the restored checkpoint: a restored task's counters continue from there. */
  private recordsInBefore = 0;
  private recordsOutBefore = 0;
  /** Output channel state of the restored checkpoint, written into the subpartitions before the task runs. */
  private recoveredOutput: TaskCheckpoint['outputSubpartitions'] = [];
  /**
   * An aligned checkpoint whose barriers may still be converted to unaligned at this task's output when the
   * aligned-checkpoint timeout fires (spec §5.3 step 3); reported once every barrier left or was converted.
   */
  private readonly timeoutableBarriers = new WeakMap<TaskCheckpoint, { barrier: CheckpointBarrier; entries: QueuedBuffer[] }>();
  /** Buffer size recalculation every `buffer-debloat.period` (spec §4.2), when the task has an input and debloats. */
  private debloatTimer: TimerHandle | undefined;
  private outputTimeout: { checkpoint: TaskCheckpoint; barrier: CheckpointBarrier; entries: Array<QueuedBuffer | undefined>; left: number; timer: TimerHandle | undefined } | undefined;

  constructor(protected readonly ctx: TaskContext) {
    this.deployment = ctx.deployment;
    this.name = `${ctx.deployment.vertexId} (${ctx.deployment.subtaskIndex + 1}/${ctx.deployment.parallelism})`;
    this.clock = ctx.clock;
    this.metrics = new TaskIoMetrics(ctx.clock);
  }

  /** Registers the output partition, so consumers (local or remote) can find it before any task runs. */
  createOutputs(): void {
    const output = this.deployment.outputs[0];
    if (!output) return;
    this.partition = this.ctx.env.createResultPartition({ numSubpartitions: output.numSubpartitions, id: output.partitionId });
    // without a job seed, the same streams as before seeds existed (seed 0 keeps old runs comparable)
    const jobSeed = this.deployment.seed ?? 0;
    const subtaskSeed = (jobSeed + this.deployment.subtaskIndex + 1) >>> 0;
    const selector = createChannelSelector(output.partitioner, {
      maxParallelism: output.maxParallelism,
      random: new SeededRandom(subtaskSeed).fork(this.deployment.vertexId),
    });
    this.writer = new RecordWriter(this.partition, selector, { seed: (jobSeed + this.deployment.subtaskIndex) >>> 0 });
  }

  /** Connects the input gate and starts processing. */
  async start(): Promise<void> {
    const input = this.deployment.input;
    if (input) {
      this.gate = this.ctx.env.createInputGate(
        `${this.name}/in`,
        input.channels.map((c) => ({
          partitionId: c.partitionId,
          subpartitionIndex: c.subpartitionIndex,
          producer: c.address,
          local: c.producerTm === this.ctx.tmId,
        })),
      );
      this.gate.setFailureListener((error) => this.fail(error));
      await this.gate.setup();
    }
    // spec §5.6: the restored output state goes out before anything new; checkpoints wait (the task is not RUNNING)
    if (this.recoveredOutput.length > 0) await this.replayOutputState();
    if (this.state !== 'DEPLOYING') return;
    this.setState('RUNNING');
    this.scheduleBufferDebloater();
    this.run();
  }

  /** Sources have no input and debloat nobody; their outputs are debloated by their consumers. */
  private scheduleBufferDebloater(): void {
    const gate = this.gate;
    if (!gate?.debloater) return;
    this.debloatTimer = this.clock.setInterval(() => {
      if (this.state === 'RUNNING') gate.triggerDebloating();
    }, gate.debloater.config.periodMs);
  }

  protected abstract run(): void;

  /** Writes the operator's state (source offsets, keyed state, sink verification state). */
  protected abstract snapshotState(out: StateWriter): void;

  /** Reads back what {@link snapshotState} wrote; runs before the task opens its input or emits anything. */
  protected abstract restoreState(input: StateReader): void;

  /** Records read so far, counting those before a restored checkpoint. */
  get numRecordsIn(): number {
    return this.recordsInBefore + this.metrics.numRecordsIn;
  }

  /** Records emitted so far, counting those before a restored checkpoint. */
  get numRecordsOut(): number {
    return this.recordsOutBefore + (this.writer?.numRecordsOut ?? 0);
  }

  /** This task's part of a checkpoint's operator state: its record counters, then the operator's own state. */
  snapshotOperatorState(): { kind: string; data: Uint8Array } {
    const out = new StateWriter();
    out.number(this.numRecordsIn).number(this.numRecordsOut);
    this.snapshotState(out);
    return { kind: this.deployment.operator, data: out.toBytes() };
  }

  /**
   * Takes the operator state of a completed checkpoint (from {@link snapshotOperatorState}); only before
   * `start()`. Throws {@link TaskRestoreError}.
   */
  restore(checkpointId: number, operator: { kind: string; data: Uint8Array }): void {
    if (this.state !== 'DEPLOYING') throw new TaskRestoreError(this.name, checkpointId, `the task is ${this.state}, not DEPLOYING`);
    if (operator.kind !== this.deployment.operator) {
      throw new TaskRestoreError(this.name, checkpointId, `the checkpoint holds state of a ${operator.kind} operator, this task is a ${this.deployment.operator}`);
    }
    try {
      const input = new StateReader(operator.data);
      this.recordsInBefore = input.number();
      this.recordsOutBefore = input.number();
      this.restoreState(input);
    } catch (error) {
      throw new TaskRestoreError(this.name, checkpointId, error instanceof Error ? error.message : String(error), { cause: error });
    }
    this.restoredFromCheckpoint = checkpointId;
  }

  /**
   * Takes the channel state of a completed unaligned checkpoint (after {@link restore}, before `start()`): the output
   * state is re-emitted into its subpartitions before the task runs, the input state is processed, per channel,
   * before any data the channel receives. Throws {@link TaskRestoreError} if the state names a channel or
   * subpartition this task does not have.
   */
  restoreChannelState(checkpointId: number, input: TaskCheckpoint['inputChannels'], output: TaskCheckpoint['outputSubpartitions']): void {
    if (this.state !== 'DEPLOYING') throw new TaskRestoreError(this.name, checkpointId, `the task is ${this.state}, not DEPLOYING`);
    const numChannels = this.deployment.input?.channels.length ?? 0;
    for (const c of input) {
      if (c.gate !== 0 || c.channel < 0 || c.channel >= numChannels) {
        throw new TaskRestoreError(this.name, checkpointId, `the checkpoint holds input state of gate ${c.gate} channel ${c.channel}, this task has ${numChannels} input channels on gate 0`);
      }
    }
    const numSubpartitions = this.partition?.numSubpartitions ?? 0;
    for (const s of output) {
      if (s.partition !== 0 || s.subpartition < 0 || s.subpartition >= numSubpartitions) {
        throw new TaskRestoreError(this.name, checkpointId, `the checkpoint holds output state of partition ${s.partition} subpartition ${s.subpartition}, this task has ${numSubpartitions} subpartitions in partition 0`);
      }
    }
    this.recoveredOutput = output.filter((s) => s.chunks.length > 0);
    this.recoverInput(checkpointId, input.filter((c) => c.chunks.length > 0));
  }

  /** Input channel state to process before live data (tasks with an input override this). */
  protected recoverInput(checkpointId: number, input: TaskCheckpoint['inputChannels']): void {
    if (input.length > 0) throw new TaskRestoreError(this.name, checkpointId, 'the checkpoint holds input channel state, but this task has no input');
  }

  /** Writes the restored output state into the subpartitions, waiting for buffers as the consumers read it. */
  private async replayOutputState(): Promise<void> {
    const partition = this.partition!;
    const output = this.recoveredOutput;
    this.recoveredOutput = [];
    for (const s of output) {
      for (const chunk of s.chunks) {
        const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        const available = partition.emitRecord(bytes, bytes.length, s.subpartition);
        if (!available) await new Promise<void>((resolve) => partition.onAvailable(resolve));
        if (this.state !== 'DEPLOYING' || partition.isReleased) return;
      }
      partition.flush(s.subpartition);
    }
  }

  /**
   * Takes this task's part of an aligned checkpoint: snapshot the operator state, forward the barrier on every
   * output (it blocks each subpartition until the consumer resumes it), report the snapshot.
   */
  protected performCheckpoint(result: AlignmentResult): void {
    this.reportCheckpoint(this.takeSnapshot(result, false));
  }

  /**
   * Aligned barrier with a timeout, sender side (spec §5.3 step 3): after `max(timeout − (now − trigger), 0)` every
   * subpartition still holding the barrier turns it into an unaligned priority barrier, and the data it overtakes
   * joins this task's checkpoint as output channel state. The checkpoint is reported when no barrier is left queued.
   */
  private watchOutputBarriers(checkpoint: TaskCheckpoint, barrier: CheckpointBarrier, entries: QueuedBuffer[]): void {
    this.flushOutputTimeout(); // a newer checkpoint: the older one's barriers convert now (always consistent)
    const watch = { checkpoint, barrier, entries: [...entries] as Array<QueuedBuffer | undefined>, left: entries.length, timer: undefined as TimerHandle | undefined };
    this.outputTimeout = watch;
    entries.forEach((entry, i) => {
      entry.onDequeued = () => {
        watch.entries[i] = undefined;
        if (--watch.left === 0) this.completeOutputTimeout(watch);
      };
    });
    if (watch.left === 0) {
      this.completeOutputTimeout(watch);
      return;
    }
    const elapsedMs = this.clock.epochUs() / 1000 - barrier.timestampMs;
    watch.timer = this.clock.setTimeout(() => this.flushOutputTimeout(), Math.max(0, barrier.alignedTimeoutMs - elapsedMs));
  }

  /** Converts every still-queued barrier of the watched checkpoint to unaligned and reports it. */
  private flushOutputTimeout(): void {
    const watch = this.outputTimeout;
    if (!watch) return;
    const partition = this.partition;
    if (partition && !partition.isReleased && watch.left > 0) {
      const bytes = encodeEvent({ ...watch.barrier, alignment: AlignmentType.UNALIGNED });
      watch.entries.forEach((entry, subpartition) => {
        if (!entry) return;
        const overtaken = partition.convertToPriority(subpartition, entry, bytes, DataType.PRIORITIZED_EVENT_BUFFER);
        if (!overtaken) return;
        watch.checkpoint.unaligned = true;
        const chunks = overtaken.filter((c) => c.length > 0);
        if (chunks.length > 0) watch.checkpoint.outputSubpartitions.push({ partition: 0, subpartition, chunks });
      });
    }
    this.completeOutputTimeout(watch);
  }

  private completeOutputTimeout(watch: NonNullable<StreamTask['outputTimeout']>): void {
    if (this.outputTimeout !== watch) return;
    this.outputTimeout = undefined;
    watch.timer?.cancel();
    for (const entry of watch.entries) if (entry) entry.onDequeued = undefined;
    if (this.state === 'RUNNING') this.ctx.onCheckpoint?.(this, watch.checkpoint);
  }

  /**
   * Snapshots the operator state and forwards the barrier on every output. Aligned: the barrier queues behind the
   * data and blocks each subpartition until its consumer resumes it. Unaligned: the barrier overtakes the queued
   * data as a priority event, and copies of the data it overtook become the output channel state.
   */
  protected takeSnapshot(result: AlignmentResult, unaligned: boolean): TaskCheckpoint {
    const { barrier } = result;
    const started = this.clock.nowMs();
    const operator = this.snapshotOperatorState();
    const outputSubpartitions: TaskCheckpoint['outputSubpartitions'] = [];
    let timeoutable: QueuedBuffer[] | undefined;
    if (unaligned) {
      const forwarded: CheckpointBarrier = { ...barrier, alignment: AlignmentType.UNALIGNED };
      const overtaken = this.partition?.broadcastEvent(encodeEvent(forwarded), DataType.PRIORITIZED_EVENT_BUFFER, true) ?? [];
      overtaken.forEach((chunks, subpartition) => {
        const nonEmpty = chunks.filter((c) => c.length > 0);
        if (nonEmpty.length > 0) outputSubpartitions.push({ partition: 0, subpartition, chunks: nonEmpty });
      });
    } else if (barrier.alignedTimeoutMs > 0 && this.partition && this.ctx.env.config['flowlab.checkpointing.aligned-checkpoint-timeout.sender-side']) {
      const forwarded: CheckpointBarrier = { ...barrier, alignment: AlignmentType.ALIGNED };
      timeoutable = this.partition.broadcastTimeoutableEvent(encodeEvent(forwarded), DataType.TIMEOUTABLE_ALIGNED_CHECKPOINT_BARRIER);
    } else {
      const forwarded: CheckpointBarrier = { ...barrier, alignment: AlignmentType.ALIGNED };
      const type = barrier.alignedTimeoutMs > 0 ? DataType.TIMEOUTABLE_ALIGNED_CHECKPOINT_BARRIER : DataType.ALIGNED_CHECKPOINT_BARRIER;
      this.partition?.broadcastEvent(encodeEvent(forwarded), type);
    }
    const checkpoint: TaskCheckpoint = {
      checkpointId: barrier.checkpointId,
      timestampMs: barrier.timestampMs,
      operator,
      alignmentDurationMs: result.alignmentDurationMs,
      startDelayMs: result.startDelayMs,
      syncDurationMs: this.clock.nowMs() - started,
      unaligned,
      inputChannels: [],
      outputSubpartitions,
    };
    if (timeoutable) this.timeoutableBarriers.set(checkpoint, { barrier, entries: timeoutable });
    return checkpoint;
  }

  /**
   * Hands this task's part of a checkpoint to the TaskManager (persist, acknowledge). An aligned checkpoint whose
   * barriers are still watched at the output (aligned-checkpoint timeout) is reported when they are all gone.
   */
  protected reportCheckpoint(checkpoint: TaskCheckpoint): void {
    const timeoutable = this.timeoutableBarriers.get(checkpoint);
    if (timeoutable) {
      this.timeoutableBarriers.delete(checkpoint);
      this.watchOutputBarriers(checkpoint, timeoutable.barrier, timeoutable.entries);
      return;
    }
    this.ctx.onCheckpoint?.(this, checkpoint);
  }


  /** Abandons a checkpoint: tells downstream (CancelCheckpointMarker) and the TaskManager. */
  protected declineCheckpoint(checkpointId: number, reason: string): void {
    if (this.partition && !this.partition.isReleased && this.state === 'RUNNING' && !this.partition.isHardBackPressured) {
      this.partition.broadcastEvent(encodeEvent({ kind: 'cancel-checkpoint', checkpointId }), DataType.EVENT_BUFFER);
    }
    this.ctx.onCheckpointDeclined?.(this, checkpointId, reason);
  }

  /** Ends the output with EndOfPartition and reports FINISHED. */
  protected finish(): void {
    if (this.state !== 'RUNNING') return;
    this.partition?.flushAll();
    this.partition?.finish(encodeEvent({ kind: 'end-of-partition' }));
    this.metrics.idle.markEnd();
    this.setState('FINISHED');
  }

  fail(error: Error): void {
    if (this.state === 'FAILED' || this.state === 'CANCELED' || this.state === 'FINISHED') return;
    this.failure = error;
    // the state changes first: releasing buffers wakes writers waiting for them, and they must see a dead task
    this.state = 'FAILED';
    this.releaseResources();
    this.setState('FAILED', error);
  }

  cancel(): void {
    if (this.state === 'FAILED' || this.state === 'CANCELED') return;
    this.state = 'CANCELED';
    this.releaseResources();
    this.setState('CANCELED');
  }

  /** Releases gate and partition (after a finished task's consumers have read everything, or on cancel). */
  releaseResources(): void {
    this.debloatTimer?.cancel();
    this.debloatTimer = undefined;
    this.outputTimeout?.timer?.cancel();
    this.outputTimeout = undefined;
    this.gate?.release();
    if (this.partition) {
      this.ctx.env.partitions.unregister(this.partition);
      this.partition.release();
    }
    this.metrics.close();
  }

  /** A finished task's output is fully consumed (EndOfPartition read from every subpartition). */
  get outputDrained(): boolean {
    return !this.partition || this.partition.subpartitions.every((s) => s.queueLength === 0);
  }

  report(): TaskMetricsReport {
    const io = this.metrics.snapshot();
    const gate = this.gate?.stats;
    const part = this.partition?.stats;
    return {
      vertexId: this.deployment.vertexId,
      subtaskIndex: this.deployment.subtaskIndex,
      attemptId: this.deployment.attemptId,
      operator: this.deployment.operator,
      state: this.state,
      numRecordsIn: this.recordsInBefore + io.numRecordsIn,
      numRecordsOut: this.numRecordsOut,
      numBytesIn: gate?.numBytesIn ?? 0,
      numBytesOut: part?.numBytesOut ?? 0,
      numBuffersIn: gate?.numBuffersIn ?? 0,
      numBuffersOut: part?.numBuffersOut ?? 0,
      backPressuredTimeMsPerSecond: io.backPressuredTimeMsPerSecond,
      idleTimeMsPerSecond: io.idleTimeMsPerSecond,
      busyTimeMsPerSecond: io.busyTimeMsPerSecond,
      accumulateBackPressuredTimeMs: io.accumulateBackPressuredTimeMs,
      accumulateIdleTimeMs: io.accumulateIdleTimeMs,
      accumulateBusyTimeMs: io.accumulateBusyTimeMs,
      isBackPressured: io.isBackPressured,
      inPoolUsage: gate?.inPoolUsage ?? 0,
      outPoolUsage: part?.outPoolUsage ?? 0,
      inputExclusiveBuffersUsage: gate?.inputExclusiveBuffersUsage ?? 0,
      inputFloatingBuffersUsage: gate?.inputFloatingBuffersUsage ?? 0,
      ...this.debloatReport(),
    };
  }

  private debloatReport(): Pick<TaskMetricsReport, 'debloatedBufferSize' | 'estimatedTimeToConsumeBuffersMs' | 'debloatSamples'> {
    const debloater = this.gate?.debloater;
    if (!debloater) return {};
    return {
      debloatedBufferSize: debloater.debloatedBufferSize,
      estimatedTimeToConsumeBuffersMs: debloater.estimatedTimeToConsumeBuffersMs,
      debloatSamples: [...this.gate!.debloatSamples],
    };
  }

  /** Waits for the output to accept records again, counting soft or hard backpressure time. */
  protected waitForOutput(resume: () => void): void {
    const gauge = this.partition?.isHardBackPressured ? this.metrics.hardBackPressure : this.metrics.softBackPressure;
    gauge.markStart();
    this.writer!.onAvailable(() => {
      gauge.markEnd();
      if (this.state !== 'RUNNING') return;
      try {
        resume();
      } catch (error) {
        this.fail(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  protected setState(state: TaskState, error?: Error): void {
    this.state = state;
    this.ctx.onStateChange(this, state, error);
  }
}
