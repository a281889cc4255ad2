/**
 * A task with one input gate (map, aggregate, sink): reads buffers in round robin over channels, deserializes
 * records (spanning buffers), hands each to its processor, and stops reading while the output is unavailable.
 * The task finishes when every input channel has delivered EndOfPartition.
 */
import { DataType, type NetworkBuffer } from '../buffer/index.js';
import { decodeEvent } from '../event/index.js';
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
    buffer.release();
    if (event.kind === 'barrier') {
      this.barriers!.onBarrier(event, channel);
    } else if (event.kind === 'cancel-checkpoint') {
      this.barriers!.onCancellationMarker(event.checkpointId);
    } else if (event.kind === 'end-of-partition' && this.finishedChannels[channel] === 0) {
      this.finishedChannels[channel] = 1;
      if (this.deserializers[channel]!.hasUnfinishedData()) {
        this.fail(new Error(`${this.name}: channel ${channel} ended in the middle of a record`));
        return;
      }
      this.barriers!.onEndOfPartition(channel);
      if (++this.numFinished === this.finishedChannels.length) this.finish();
    }
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
