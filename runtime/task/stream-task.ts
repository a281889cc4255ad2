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
import type { SingleInputGate } from '../consumer/index.js';
import type { TaskDeployment, TaskMetricsReport, TaskState } from '../cluster/control-protocol.js';

/** Longest stretch of work before yielding to the event loop. */
export const TASK_SLICE_MS = 2;

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
    const selector = createChannelSelector(output.partitioner, {
      maxParallelism: output.maxParallelism,
      random: new SeededRandom(this.deployment.subtaskIndex + 1).fork(this.deployment.vertexId),
    });
    this.writer = new RecordWriter(this.partition, selector, { seed: this.deployment.subtaskIndex });
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
    if (this.state !== 'DEPLOYING') return;
    this.setState('RUNNING');
    this.run();
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
   * Takes this task's part of an aligned checkpoint: snapshot the operator state, forward the barrier on every
   * output (it blocks each subpartition until the consumer resumes it), report the snapshot.
   */
  protected performCheckpoint(result: AlignmentResult): void {
    this.reportCheckpoint(this.takeSnapshot(result, false));
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
    if (unaligned) {
      const forwarded: CheckpointBarrier = { ...barrier, alignment: AlignmentType.UNALIGNED };
      const overtaken = this.partition?.broadcastEvent(encodeEvent(forwarded), DataType.PRIORITIZED_EVENT_BUFFER, true) ?? [];
      overtaken.forEach((chunks, subpartition) => {
        const nonEmpty = chunks.filter((c) => c.length > 0);
        if (nonEmpty.length > 0) outputSubpartitions.push({ partition: 0, subpartition, chunks: nonEmpty });
      });
    } else {
      const forwarded: CheckpointBarrier = { ...barrier, alignment: AlignmentType.ALIGNED };
      this.partition?.broadcastEvent(encodeEvent(forwarded), DataType.ALIGNED_CHECKPOINT_BARRIER);
    }
    return {
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
  }

  protected reportCheckpoint(checkpoint: TaskCheckpoint): void {
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
    this.releaseResources();
    this.setState('FAILED', error);
  }

  cancel(): void {
    if (this.state === 'FAILED' || this.state === 'CANCELED') return;
    this.releaseResources();
    this.setState('CANCELED');
  }

  /** Releases gate and partition (after a finished task's consumers have read everything, or on cancel). */
  releaseResources(): void {
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
    };
  }

  /** Waits for the output to accept records again, counting soft or hard backpressure time. */
  protected waitForOutput(resume: () => void): void {
    const gauge = this.partition?.isHardBackPressured ? this.metrics.hardBackPressure : this.metrics.softBackPressure;
    gauge.markStart();
    this.writer!.onAvailable(() => {
      gauge.markEnd();
      if (this.state === 'RUNNING') resume();
    });
  }

  protected setState(state: TaskState, error?: Error): void {
    this.state = state;
    this.ctx.onStateChange(this, state, error);
  }
}
