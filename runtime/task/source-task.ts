/**
 * The replayable source: an open-loop schedule (record i is due at start + i/rate, or with a rate schedule when the
 * cumulative rate reaches i + 1 records (see rate-schedule.ts), whatever the backpressure; late records carry their
 * intended time, so latency includes the wait), seeded keys (uniform or Zipf), record sizes fixed, uniform in a
 * range or from weighted buckets, per-key sequence numbers. Emits for `durationMs`, then ends its output (with a
 * rate schedule it stays idle until `durationMs` after its last record, so a trailing rate of 0 is kept).
 *
 * Its checkpointed position (records emitted, schedule position, generator state, per-key sequences) makes it
 * replayable: restored from a checkpoint it emits exactly the records the original emitted after that checkpoint
 * (same keys, sequence numbers and sizes) and ends at the same logical end (record count, or for an unlimited
 * rate the same total emitting time). The open-loop schedule of the remaining records restarts at restore time:
 * replayed records carry intended times in the new schedule, so their latency does not include the outage.
 */
import { SeededRandom, ZipfDistribution } from '../../core/index.js';
import type { SourceParams } from '../job/index.js';
import { AlignmentType, type CheckpointBarrier } from '../event/index.js';
import { StateFormatError, type StateReader, type StateWriter } from './operator-state.js';
import { RateSchedule } from './rate-schedule.js';
import { RecordSizeSampler } from './record-size-sampler.js';
import { StreamTask, TASK_SLICE_MS, type TaskContext } from './stream-task.js';

export class SourceTask extends StreamTask {
  private readonly params: SourceParams;
  private readonly random: SeededRandom;
  private readonly zipf: ZipfDistribution | undefined;
  private readonly sequences: Float64Array;
  private readonly sizes: RecordSizeSampler;
  /** Due times when the params have a rate schedule (it replaces `ratePerSec`). */
  private readonly schedule: RateSchedule | undefined;
  private startUs = 0;
  private endUs = 0;
  private readonly intervalUs: number;
  private readonly durationUs: number;
  /** Schedule position at the restored checkpoint (µs since the original start); 0 for a fresh start. */
  private restoredElapsedUs = 0;
  private running = false;
  emitted = 0;

  constructor(ctx: TaskContext) {
    super(ctx);
    this.params = ctx.deployment.source!;
    this.random = new SeededRandom(this.params.seed).fork(`source-${ctx.deployment.subtaskIndex}`);
    this.zipf = this.params.keyDistribution === 'zipf' ? new ZipfDistribution(this.params.keys, this.params.zipfExponent) : undefined;
    this.sequences = new Float64Array(this.params.keys);
    this.sizes = this.params.recordSizeDistribution ? new RecordSizeSampler(this.params.recordSizeDistribution) : RecordSizeSampler.uniform(this.params.recordSize);
    this.schedule = this.params.rateSchedule ? new RateSchedule(this.params.rateSchedule, this.params.durationMs) : undefined;
    this.intervalUs = !this.schedule && this.params.ratePerSec > 0 ? 1e6 / this.params.ratePerSec : 0;
    this.durationUs = this.params.durationMs * 1000;
  }

  /**
   * A checkpoint triggered by the JobManager: between two records, snapshot the source position and inject the
   * barrier. While a record is half-written (hard backpressure) the barrier waits for that record only, not for the
   * output to become available.
   */
  triggerCheckpoint(checkpointId: number, timestampMs: number, unaligned = false, alignedTimeoutMs = 0): void {
    if (this.state !== 'RUNNING') {
      this.declineCheckpoint(checkpointId, `${this.name} is ${this.state}`);
      return;
    }
    if (this.partition?.isHardBackPressured) {
      this.partition.onRecordComplete(() => this.triggerCheckpoint(checkpointId, timestampMs, unaligned, alignedTimeoutMs));
      return;
    }
    const barrier: CheckpointBarrier = { kind: 'barrier', checkpointId, timestampMs, checkpointType: 0, alignment: AlignmentType.ALIGNED, alignedTimeoutMs: unaligned ? 0 : Math.max(0, alignedTimeoutMs) };
    const result = { barrier, alignmentDurationMs: 0, startDelayMs: Math.max(0, this.clock.epochUs() / 1000 - timestampMs) };
    this.reportCheckpoint(this.takeSnapshot(result, unaligned));
  }

  /** Emitted, schedule position (µs), duration (µs), generator state (4 words), per-key sequences. */
  protected snapshotState(out: StateWriter): void {
    const [a, b, c, d] = this.random.getState();
    out.number(this.emitted).number(this.elapsedUs()).number(this.durationUs);
    out.number(a).number(b).number(c).number(d);
    out.array(this.sequences);
  }

  protected restoreState(input: StateReader): void {
    const emitted = input.number();
    const elapsedUs = input.number();
    const durationUs = input.number();
    const rng: [number, number, number, number] = [input.number(), input.number(), input.number(), input.number()];
    const sequences = input.array();
    if (!Number.isSafeInteger(emitted) || emitted < 0) throw new StateFormatError(`source state: emitted ${emitted} is not a count`);
    if (durationUs !== this.durationUs) throw new StateFormatError(`source state is for a ${durationUs / 1000} ms source, this one runs ${this.params.durationMs} ms`);
    if (sequences.length !== this.sequences.length) throw new StateFormatError(`source state has ${sequences.length} keys, this source ${this.sequences.length}`);
    this.emitted = emitted;
    this.restoredElapsedUs = Math.max(0, elapsedUs);
    this.random.setState(rng);
    this.sequences.set(sequences);
  }

  /** Position in the schedule, µs since the (original) start: the next record's due offset, or time emitting at an unlimited rate. */
  private elapsedUs(): number {
    if (this.schedule) return this.emitted < this.schedule.totalRecords ? this.schedule.dueOffsetUs(this.emitted) : this.durationUs;
    if (this.intervalUs > 0) return this.emitted * this.intervalUs;
    return this.running ? this.clock.epochUs() - this.startUs : this.restoredElapsedUs;
  }

  protected run(): void {
    // a restored source continues its schedule from now: the original start lies `restoredElapsedUs` back
    this.startUs = this.clock.epochUs() - this.restoredElapsedUs;
    this.endUs = this.startUs + this.durationUs;
    this.running = true;
    this.pump();
  }

  private readonly pump = (): void => {
    if (this.state !== 'RUNNING') return;
    try {
      this.emitSlice();
    } catch (error) {
      // a bug or a released output fails this task, never the TaskManager process
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  };

  private emitSlice(): void {
    const writer = this.writer!;
    const subtask = this.deployment.subtaskIndex;
    const sliceEnd = this.clock.nowMs() + TASK_SLICE_MS;
    for (let n = 1; ; n++) {
      const now = this.clock.epochUs();
      let intended = now;
      if (this.schedule) {
        // the record count is floor(N(duration)) whatever happens; after the last one the source idles to the end
        if (this.emitted >= this.schedule.totalRecords) {
          if (now >= this.endUs) return this.finish();
          this.clock.setTimeout(this.pump, (this.endUs - now) / 1000);
          return;
        }
        const dueUs = this.startUs + this.schedule.dueOffsetUs(this.emitted);
        if (now < dueUs) {
          this.clock.setTimeout(this.pump, Math.max(0, (dueUs - now) / 1000));
          return;
        }
        intended = dueUs;
      } else if (this.intervalUs > 0) {
        // record i is due at start + i·interval; the record count is fixed by the duration (same after a restore)
        const dueOffsetUs = this.emitted * this.intervalUs;
        if (dueOffsetUs >= this.durationUs) return this.finish();
        const dueUs = this.startUs + dueOffsetUs;
        if (now < dueUs) {
          this.clock.setTimeout(this.pump, Math.max(0, (dueUs - now) / 1000));
          return;
        }
        intended = dueUs;
      } else if (now >= this.endUs) {
        return this.finish();
      }
      const key = this.zipf ? this.zipf.sample(this.random) : this.random.nextInt(this.params.keys);
      const sequence = this.sequences[key]!;
      this.sequences[key] = sequence + 1;
      const size = this.sizes.sample(this.random);
      this.emitted++;
      if (!writer.emit(key, sequence, subtask, intended, size)) {
        this.waitForOutput(this.pump);
        return;
      }
      if ((n & 63) === 0 && this.clock.nowMs() > sliceEnd) {
        setImmediate(this.pump);
        return;
      }
    }
  }
}
