/**
 * A task with one input gate (map, aggregate, sink): reads buffers in round robin over channels, deserializes
 * records (spanning buffers), hands each to its processor, and stops reading while the output is unavailable.
 * The task finishes when every input channel has delivered EndOfPartition.
 */
import { DataType, unpooledBuffer, type NetworkBuffer } from '../buffer/index.js';
import { AlignmentType, decodeEvent, type CheckpointBarrier } from '../event/index.js';
import type { TaskCheckpoint } from './stream-task.js';
import type { TimerHandle } from '../../core/index.js';
import { DeserializationResult, RecordView, SpanningRecordDeserializer } from '../record/index.js';
import type { RecordProcessor } from './record-processor.js';
import { CheckpointBarrierHandler } from './checkpoint-barrier-handler.js';
import type { StateReader, StateWriter } from './operator-state.js';
import { VerifyingSink } from './verifying-sink.js';
import type { TaskMetricsReport } from '../job/index.js';
import { StreamTask, type TaskContext } from './stream-task.js';
import { SliceBudget } from './slice-budget.js';

/** An unaligned checkpoint whose in-flight input is still being captured, per channel until its barrier arrives. */
interface UnalignedCapture {
  checkpoint: TaskCheckpoint;
  /** The channel's barrier arrived (or the channel ended): nothing more of it belongs to this checkpoint. */
  done: boolean[];
  /** Raw in-flight bytes per channel, in order. */
  chunks: Buffer[][];
}

export class OneInputTask extends StreamTask {
  private deserializers: SpanningRecordDeserializer[] = [];
  private readonly view = new RecordView();
  private readonly budget: SliceBudget;
  private current: NetworkBuffer | null = null;
  private currentChannel = -1;
  private finishedChannels: Uint8Array = new Uint8Array(0);
  private numFinished = 0;
  private scheduled = false;
  private waitingForInput = false;
  private waitingForOutput = false;
  private barriers: CheckpointBarrierHandler | undefined;
  /** An unaligned checkpoint whose in-flight input is still being captured. */
  private unaligned: UnalignedCapture | undefined;
  private lastUnalignedId = 0;
  /** Receiver-side aligned-checkpoint timeout of the pending aligned checkpoint. */
  private alignmentTimer: { checkpointId: number; timer: TimerHandle } | undefined;
  /** Restored input channel state (spec §5.6), processed before anything the gate delivers. */
  private recovered: Array<{ buffer: NetworkBuffer; channel: number }> = [];
  private recoveredNext = 0;
  /** The current buffer is restored input state (no barrier may be handled in the middle of it). */
  private currentRecovered = false;
  /** Waiting for a half-written record to complete before the processor writes the rest of its output. */
  private waitingForPendingOutput = false;
  /** Run once the processor has written all output of its current input record. */
  private afterPendingOutput: Array<() => void> = [];

  constructor(
    ctx: TaskContext,
    readonly processor: RecordProcessor,
  ) {
    super(ctx);
    this.budget = new SliceBudget(ctx.clock);
  }

  protected run(): void {
    const gate = this.gate!;
    this.deserializers = gate.channels.map(() => new SpanningRecordDeserializer());
    this.finishedChannels = new Uint8Array(gate.channels.length);
    this.barriers = new CheckpointBarrierHandler(gate.channels.length, this.clock, {
      triggerCheckpoint: (result) => this.performCheckpoint(result),
      abortCheckpoint: (id, reason) => this.declineCheckpoint(id, reason),
      resumeConsumption: (channel) => gate.resumeConsumption(channel),
    });
    gate.setDataListener(() => {
      if (this.waitingForInput) {
        this.waitingForInput = false;
        this.metrics.idle.markEnd();
      }
      this.schedule();
    });
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.state !== 'RUNNING') return;
    this.scheduled = true;
    setImmediate(this.pump);
  }

  private readonly pump = (): void => {
    this.scheduled = false;
    if (this.state !== 'RUNNING') return;
    const gate = this.gate!;
    const writer = this.writer;
    const view = this.view;
    const budget = this.budget;
    budget.begin();
    try {
      for (;;) {
        // a flat map's outputs of one input record are one step: nothing else happens until they are written
        if (this.processor.hasPendingOutput) {
          if (this.partition?.isHardBackPressured) {
            this.awaitPendingOutput();
            return;
          }
          this.processor.continueOutput?.(writer);
          if (this.processor.hasPendingOutput) continue;
          this.runAfterPendingOutput();
          if (this.state !== 'RUNNING') return;
        }
        // an unaligned barrier is handled between two records, also while the output has no buffer for the next
        // one (Flink's mailbox); only a half-written record or restored input still to replay holds it back
        if (gate.priorityPending && !this.currentRecovered && this.recoveredNext >= this.recovered.length && !this.partition?.isHardBackPressured) {
          const priority = gate.pollPriorityEvent();
          if (priority) {
            this.onEvent(priority, gate.lastChannel);
            if (this.state !== 'RUNNING') return;
            continue;
          }
        }
        if (writer && !writer.isAvailable()) {
          this.awaitOutput();
          return;
        }
        if (this.current === null && this.recoveredNext < this.recovered.length) {
          const { buffer, channel } = this.recovered[this.recoveredNext]!;
          this.recovered[this.recoveredNext++] = undefined as never;
          if (this.recoveredNext === this.recovered.length) {
            this.recovered = [];
            this.recoveredNext = 0;
          }
          this.current = buffer;
          this.currentChannel = channel;
          this.currentRecovered = true;
          this.deserializers[channel]!.setNextBuffer(buffer);
        }
        if (this.current === null) {
          this.currentRecovered = false;
          const buffer = gate.pollNext();
          if (!buffer) {
            this.waitingForInput = true;
            this.metrics.idle.markStart();
            return;
          }
          if (buffer.dataType !== DataType.DATA_BUFFER) {
            this.onEvent(buffer, gate.lastChannel);
            if (this.state !== 'RUNNING') return;
            continue;
          }
          if (this.unaligned) this.captureInFlight(buffer, gate.lastChannel);
          this.current = buffer;
          this.currentChannel = gate.lastChannel;
          this.deserializers[this.currentChannel]!.setNextBuffer(buffer);
        }
        const result = this.deserializers[this.currentChannel]!.getNextRecord(view);
        if (result === DeserializationResult.PARTIAL_RECORD) {
          this.releaseCurrent();
          continue;
        }
        this.metrics.numRecordsIn++;
        this.processor.process(view, writer);
        if (result === DeserializationResult.LAST_RECORD_FROM_BUFFER) this.releaseCurrent();
        if (budget.spent()) {
          this.schedule();
          return;
        }
      }
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  };

  /**
   * Waits for the output once (however often the pump runs meanwhile). While a record is half-written, a priority
   * barrier that arrives waits only for that record, not for the output to take the next one.
   */
  private awaitOutput(): void {
    if (this.waitingForOutput) return;
    this.waitingForOutput = true;
    this.waitForOutput(() => {
      this.waitingForOutput = false;
      this.schedule();
    });
    const partition = this.partition!;
    if (partition.isHardBackPressured) {
      partition.onRecordComplete(() => {
        if (this.gate?.priorityPending) this.schedule();
      });
    }
  }

  /** Hard backpressure in the middle of a flat map's output: resume when the half-written record completes. */
  private awaitPendingOutput(): void {
    if (this.waitingForPendingOutput) return;
    this.waitingForPendingOutput = true;
    const gauge = this.metrics.hardBackPressure;
    gauge.markStart();
    this.partition!.onRecordComplete(() => {
      gauge.markEnd();
      this.waitingForPendingOutput = false;
      this.schedule();
    });
  }

  private runAfterPendingOutput(): void {
    const callbacks = this.afterPendingOutput;
    this.afterPendingOutput = [];
    for (const callback of callbacks) callback();
  }

  private releaseCurrent(): void {
    this.current?.release();
    this.current = null;
  }

  private onEvent(buffer: NetworkBuffer, channel: number): void {
    const event = decodeEvent(buffer.segment.subarray(buffer.readerIndex, buffer.size));
    const sequenceNumber = buffer.sequenceNumber;
    buffer.release();
    if (event.kind === 'barrier' && event.alignment === AlignmentType.UNALIGNED) {
      // an unaligned barrier (possibly converted by its sender's timeout) forces a pending aligned one to switch
      if (this.barriers!.pendingCheckpointId === event.checkpointId) this.switchToUnaligned();
      this.onUnalignedBarrier(event, channel, sequenceNumber);
    } else if (event.kind === 'barrier' && this.unaligned?.checkpoint.checkpointId === event.checkpointId) {
      // the checkpoint switched to unaligned: this channel's aligned barrier arrived in order, after its in-flight
      // data was captured; its sender blocked itself behind it
      this.onUnalignedBarrier(event, channel, sequenceNumber);
      this.gate!.resumeConsumption(channel);
    } else if (event.kind === 'barrier' && event.checkpointId <= this.lastUnalignedId) {
      this.gate!.resumeConsumption(channel); // obsolete: that checkpoint completed unaligned here
    } else if (event.kind === 'barrier') {
      this.barriers!.onBarrier(event, channel);
      if (event.alignedTimeoutMs > 0 && this.barriers!.pendingCheckpointId === event.checkpointId) this.watchAlignment(event);
    } else if (event.kind === 'cancel-checkpoint') {
      if (this.unaligned?.checkpoint.checkpointId === event.checkpointId) {
        this.unaligned = undefined;
        this.declineCheckpoint(event.checkpointId, 'cancelled upstream');
      }
      this.barriers!.onCancellationMarker(event.checkpointId);
    } else if (event.kind === 'end-of-partition' && this.finishedChannels[channel] === 0) {
      this.finishedChannels[channel] = 1;
      if (this.deserializers[channel]!.hasUnfinishedData()) {
        this.fail(new Error(`${this.name}: channel ${channel} ended in the middle of a record`));
        return;
      }
      this.barriers!.onEndOfPartition(channel);
      if (this.unaligned) {
        this.unaligned.done[channel] = true;
        this.maybeCompleteUnaligned();
      }
      if (++this.numFinished === this.finishedChannels.length) this.finish();
    }
  }

  /**
   * Unaligned barrier (spec §5.4–5.5): the first one of a checkpoint snapshots at once and forwards the barrier ahead
   * of the queued output; from then on, each channel's data sent before its own barrier (by sequence number) is
   * processed as usual and also copied into the checkpoint, starting with what the deserializer still holds: data
   * the task takes before the channel's barrier arrives, and, when it arrives, the data still queued before it. The
   * checkpoint is reported once every channel has delivered its barrier (or ended); nothing waits for processing.
   */
  private onUnalignedBarrier(barrier: CheckpointBarrier, channel: number, sequenceNumber: number): void {
    const id = barrier.checkpointId;
    if (id <= this.lastUnalignedId || (this.unaligned && id < this.unaligned.checkpoint.checkpointId)) return;
    if (this.unaligned && id > this.unaligned.checkpoint.checkpointId) {
      const old = this.unaligned.checkpoint.checkpointId;
      this.unaligned = undefined;
      this.declineCheckpoint(old, `checkpoint ${old} subsumed by ${id}`);
    }
    let uc = this.unaligned;
    if (!uc) {
      const startDelayMs = Math.max(0, this.clock.epochUs() / 1000 - barrier.timestampMs);
      uc = this.beginCapture(this.takeSnapshot({ barrier, alignmentDurationMs: 0, startDelayMs }, true));
    }
    if (!uc.done[channel]) {
      // this channel's in-flight data is whatever it sent before its barrier and the task has not taken yet
      for (const b of this.gate!.channels[channel]!.queuedDataBefore(sequenceNumber)) {
        uc.chunks[channel]!.push(Buffer.from(b.segment.subarray(b.readerIndex, b.size)));
      }
      uc.done[channel] = true;
    }
    this.maybeCompleteUnaligned();
  }

  /**
   * Aligned barrier with a timeout, receiver side (spec §5.4, alternating handler): switch to unaligned once
   * `alignedTimeoutMs` has passed since the checkpoint was triggered, at once if it already has.
   */
  private watchAlignment(barrier: CheckpointBarrier): void {
    const remainingMs = barrier.alignedTimeoutMs - (this.clock.epochUs() / 1000 - barrier.timestampMs);
    if (remainingMs <= 0) {
      this.switchToUnaligned();
      return;
    }
    if (this.alignmentTimer?.checkpointId === barrier.checkpointId) return;
    this.alignmentTimer?.timer.cancel();
    const checkpointId = barrier.checkpointId;
    const fire = (): void => {
      if (this.state !== 'RUNNING' || this.barriers!.pendingCheckpointId !== checkpointId) return;
      // the snapshot forwards a barrier: not in the middle of a half-written record, nor of a flat map's output
      if (this.processor.hasPendingOutput) {
        this.afterPendingOutput.push(fire);
        return;
      }
      if (this.partition?.isHardBackPressured) {
        this.partition.onRecordComplete(fire);
        return;
      }
      try {
        this.switchToUnaligned();
      } catch (error) {
        this.fail(error instanceof Error ? error : new Error(String(error)));
      }
    };
    this.alignmentTimer = {
      checkpointId,
      timer: this.clock.setTimeout(() => {
        this.alignmentTimer = undefined;
        fire();
      }, remainingMs),
    };
  }

  /**
   * The pending aligned checkpoint becomes unaligned: snapshot now and forward an unaligned barrier. Channels that
   * delivered the barrier are done (their data after it belongs to the next checkpoint) and resume at once. A
   * channel whose barrier is already queued here has the data before it captured and the barrier taken out; the
   * others are captured as their data arrives, until their barrier (converted by the sender, or in order) does.
   */
  private switchToUnaligned(): void {
    const pending = this.barriers!.takePending();
    if (!pending) return;
    this.alignmentTimer?.timer.cancel();
    this.alignmentTimer = undefined;
    const { barrier } = pending;
    const uc = this.beginCapture(this.takeSnapshot({ barrier, alignmentDurationMs: pending.alignmentDurationMs, startDelayMs: pending.startDelayMs }, true));
    const gate = this.gate!;
    const channels = this.deserializers.length;
    for (const c of pending.blockedChannels) {
      uc.done[c] = true;
      gate.resumeConsumption(c);
    }
    for (let c = 0; c < channels; c++) {
      if (uc.done[c]) continue;
      const before = gate.channels[c]!.takeQueuedBarrier(barrier.checkpointId);
      if (!before) continue;
      for (const b of before) uc.chunks[c]!.push(Buffer.from(b.segment.subarray(b.readerIndex, b.size)));
      uc.done[c] = true;
      gate.resumeConsumption(c);
    }
    this.maybeCompleteUnaligned();
  }

  /**
   * Starts capturing in-flight input for an unaligned checkpoint just snapshotted: first whatever the deserializers
   * hold (records not yet processed, possibly the start of one spanning buffers). Ended channels are done.
   */
  private beginCapture(checkpoint: TaskCheckpoint): UnalignedCapture {
    this.unaligned = {
      checkpoint,
      done: Array.from({ length: this.deserializers.length }, (_, i) => this.finishedChannels[i] === 1),
      chunks: this.deserializers.map((d) => {
        const held = d.unconsumedBytes();
        return held.length > 0 ? [Buffer.from(held)] : [];
      }),
    };
    return this.unaligned;
  }

  private captureInFlight(buffer: NetworkBuffer, channel: number): void {
    const uc = this.unaligned!;
    if (uc.done[channel]) return;
    // the channel's barrier has not arrived yet: everything it delivers until then was sent before it
    uc.chunks[channel]!.push(Buffer.from(buffer.segment.subarray(buffer.readerIndex, buffer.size)));
  }

  private maybeCompleteUnaligned(): void {
    const uc = this.unaligned;
    if (!uc || !uc.done.every(Boolean)) return;
    this.unaligned = undefined;
    this.lastUnalignedId = uc.checkpoint.checkpointId;
    uc.checkpoint.inputChannels = uc.chunks.flatMap((chunks, channel) => (chunks.length > 0 ? [{ gate: 0, channel, chunks }] : []));
    this.reportCheckpoint(uc.checkpoint);
  }

  /**
   * Restored input state: per channel, the bytes that were in flight before its barrier (they may end in the middle
   * of a record, which the channel's first live buffers complete). Replayed in channel order before any live data;
   * no barrier is handled until it is all processed.
   */
  protected override recoverInput(_checkpointId: number, input: TaskCheckpoint['inputChannels']): void {
    for (const c of input) {
      for (const chunk of c.chunks) {
        if (chunk.byteLength === 0) continue;
        this.recovered.push({ buffer: unpooledBuffer(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), DataType.DATA_BUFFER), channel: c.channel });
      }
    }
  }

  /** Restored input state not yet processed, in buffers. */
  get recoveredBuffersLeft(): number {
    return this.recovered.length - this.recoveredNext;
  }

  protected snapshotState(out: StateWriter): void {
    this.processor.snapshot(out);
  }

  protected restoreState(input: StateReader): void {
    this.processor.restore(input);
  }

  override report(): TaskMetricsReport {
    const report = super.report();
    const p = this.processor;
    if (p instanceof VerifyingSink) {
      report.sink = { records: p.records, duplicated: p.duplicated, outOfOrder: p.outOfOrder, latencyHistogram: p.encodedLatency(), bySource: p.encodedBySource(), latencyBuckets: p.latencyBuckets.snapshot(), keyDigest: { ...p.keyDigest } };
    }
    return report;
  }

  override releaseResources(): void {
    this.alignmentTimer?.timer.cancel();
    this.alignmentTimer = undefined;
    this.releaseCurrent();
    super.releaseResources();
  }
}
