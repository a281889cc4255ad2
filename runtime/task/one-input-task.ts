/**
 * A task with one input gate (map, aggregate, sink): reads buffers in round robin over channels, deserializes
 * records (spanning buffers), hands each to its processor, and stops reading while the output is unavailable.
 * The task finishes when every input channel has delivered EndOfPartition.
 */
import { DataType, type NetworkBuffer } from '../buffer/index.js';
import { AlignmentType, decodeEvent, type CheckpointBarrier } from '../event/index.js';
import type { TaskCheckpoint } from './stream-task.js';
import { DeserializationResult, RecordView, SpanningRecordDeserializer } from '../record/index.js';
import type { RecordProcessor } from './record-processor.js';
import { CheckpointBarrierHandler } from './checkpoint-barrier-handler.js';
import type { StateReader, StateWriter } from './operator-state.js';
import { VerifyingSink } from './verifying-sink.js';
import type { TaskMetricsReport } from '../cluster/control-protocol.js';
import { StreamTask, TASK_SLICE_MS, type TaskContext } from './stream-task.js';

export class OneInputTask extends StreamTask {
  private deserializers: SpanningRecordDeserializer[] = [];
  private readonly view = new RecordView();
  private current: NetworkBuffer | null = null;
  private currentChannel = -1;
  private finishedChannels: Uint8Array = new Uint8Array(0);
  private numFinished = 0;
  private scheduled = false;
  private waitingForInput = false;
  private barriers: CheckpointBarrierHandler | undefined;
  /** An unaligned checkpoint whose in-flight input is still being captured. */
  private unaligned: { checkpoint: TaskCheckpoint; barrierSeq: Array<number | undefined>; done: boolean[]; chunks: Buffer[][] } | undefined;
  private lastUnalignedId = 0;

  constructor(
    ctx: TaskContext,
    readonly processor: RecordProcessor,
  ) {
    super(ctx);
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
    const sliceEnd = this.clock.nowMs() + TASK_SLICE_MS;
    try {
      for (let n = 1; ; n++) {
        if (writer && !writer.isAvailable()) {
          this.waitForOutput(() => this.schedule());
          return;
        }
        if (this.current === null) {
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
        if (gate.priorityPending && this.current !== null) {
          // an unaligned barrier is handled between two records, not only between buffers (Flink's mailbox)
          const priority = gate.pollPriorityEvent();
          if (priority) {
            this.onEvent(priority, gate.lastChannel);
            if (this.state !== 'RUNNING') return;
            continue;
          }
        }
        const result = this.deserializers[this.currentChannel]!.getNextRecord(view);
        if (result === DeserializationResult.PARTIAL_RECORD) {
          this.releaseCurrent();
          continue;
        }
        this.metrics.numRecordsIn++;
        this.processor.process(view, writer);
        if (result === DeserializationResult.LAST_RECORD_FROM_BUFFER) this.releaseCurrent();
        if ((n & 63) === 0 && this.clock.nowMs() > sliceEnd) {
          this.schedule();
          return;
        }
      }
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  };

  private releaseCurrent(): void {
    this.current?.release();
    this.current = null;
  }

  private onEvent(buffer: NetworkBuffer, channel: number): void {
    const event = decodeEvent(buffer.segment.subarray(buffer.readerIndex, buffer.size));
    const sequenceNumber = buffer.sequenceNumber;
    buffer.release();
    if (event.kind === 'barrier' && event.alignment === AlignmentType.UNALIGNED) {
      this.onUnalignedBarrier(event, channel, sequenceNumber);
    } else if (event.kind === 'barrier') {
      this.barriers!.onBarrier(event, channel);
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
    if (!this.unaligned) {
      const startDelayMs = Math.max(0, this.clock.epochUs() / 1000 - barrier.timestampMs);
      const checkpoint = this.takeSnapshot({ barrier, alignmentDurationMs: 0, startDelayMs }, true);
      const channels = this.deserializers.length;
      this.unaligned = {
        checkpoint,
        barrierSeq: new Array<number | undefined>(channels).fill(undefined),
        done: Array.from({ length: channels }, (_, i) => this.finishedChannels[i] === 1),
        chunks: this.deserializers.map((d) => {
          const held = d.unconsumedBytes();
          return held.length > 0 ? [Buffer.from(held)] : [];
        }),
      };
    }
    const uc = this.unaligned;
    if (!uc.done[channel]) {
      // this channel's in-flight data is whatever it sent before its barrier and the task has not taken yet
      for (const b of this.gate!.channels[channel]!.queuedDataBefore(sequenceNumber)) {
        uc.chunks[channel]!.push(Buffer.from(b.segment.subarray(b.readerIndex, b.size)));
      }
      uc.barrierSeq[channel] = sequenceNumber;
      uc.done[channel] = true;
    }
    this.maybeCompleteUnaligned();
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
      report.sink = { records: p.records, duplicated: p.duplicated, outOfOrder: p.outOfOrder, latencyHistogram: p.encodedLatency(), bySource: p.encodedBySource() };
    }
    return report;
  }

  override releaseResources(): void {
    this.releaseCurrent();
    super.releaseResources();
  }
}
