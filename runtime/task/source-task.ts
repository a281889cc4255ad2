/**
 * The replayable source: an open-loop schedule (record i is due at start + i/rate, whatever the backpressure;
 * late records carry their intended time, so latency includes the wait), seeded keys (uniform or Zipf), record
 * sizes fixed or uniform in a range, per-key sequence numbers. Emits for `durationMs`, then ends its output.
 */
import { SeededRandom, ZipfDistribution } from '../../core/index.js';
import type { SourceParams } from '../cluster/job-graph.js';
import { AlignmentType, type CheckpointBarrier } from '../event/index.js';
import type { StateWriter } from './operator-state.js';
import { StreamTask, TASK_SLICE_MS, type TaskContext } from './stream-task.js';

export class SourceTask extends StreamTask {
  private readonly params: SourceParams;
  private readonly random: SeededRandom;
  private readonly zipf: ZipfDistribution | undefined;
  private readonly sequences: Float64Array;
  private startUs = 0;
  private endUs = 0;
  private nextDueUs = 0;
  private readonly intervalUs: number;
  emitted = 0;

  constructor(ctx: TaskContext) {
    super(ctx);
    this.params = ctx.deployment.source!;
    this.random = new SeededRandom(this.params.seed).fork(`source-${ctx.deployment.subtaskIndex}`);
    this.zipf = this.params.keyDistribution === 'zipf' ? new ZipfDistribution(this.params.keys, this.params.zipfExponent) : undefined;
    this.sequences = new Float64Array(this.params.keys);
    this.intervalUs = this.params.ratePerSec > 0 ? 1e6 / this.params.ratePerSec : 0;
  }

  /**
   * A checkpoint triggered by the JobManager: between two records, snapshot the source position and inject the
   * barrier. While a record is half-written (hard backpressure) the barrier waits for it.
   */
  triggerCheckpoint(checkpointId: number, timestampMs: number): void {
    if (this.state !== 'RUNNING') {
      this.declineCheckpoint(checkpointId, `${this.name} is ${this.state}`);
      return;
    }
    if (this.partition?.isHardBackPressured) {
      this.partition.onAvailable(() => this.triggerCheckpoint(checkpointId, timestampMs));
      return;
    }
    const barrier: CheckpointBarrier = { kind: 'barrier', checkpointId, timestampMs, checkpointType: 0, alignment: AlignmentType.ALIGNED, alignedTimeoutMs: 0 };
    this.performCheckpoint({ barrier, alignmentDurationMs: 0, startDelayMs: Math.max(0, this.clock.epochUs() / 1000 - timestampMs) });
  }

  protected snapshotState(out: StateWriter): void {
    const [a, b, c, d] = this.random.getState();
    out.number(this.emitted).number(this.nextDueUs - this.startUs).number(this.endUs - this.startUs);
    out.number(a).number(b).number(c).number(d);
    out.array(this.sequences);
  }

  protected run(): void {
    this.startUs = this.clock.epochUs();
    this.endUs = this.startUs + this.params.durationMs * 1000;
    this.nextDueUs = this.startUs;
    this.pump();
  }

  private readonly pump = (): void => {
    if (this.state !== 'RUNNING') return;
    const writer = this.writer!;
    const { min, max } = this.params.recordSize;
    const subtask = this.deployment.subtaskIndex;
    const sliceEnd = this.clock.nowMs() + TASK_SLICE_MS;
    for (let n = 1; ; n++) {
      const now = this.clock.epochUs();
      let intended = now;
      if (this.intervalUs > 0) {
        if (this.nextDueUs >= this.endUs) return this.finish();
        if (now < this.nextDueUs) {
          this.clock.setTimeout(this.pump, Math.max(0, (this.nextDueUs - now) / 1000));
          return;
        }
        intended = this.nextDueUs;
        this.nextDueUs += this.intervalUs;
      } else if (now >= this.endUs) {
        return this.finish();
      }
      const key = this.zipf ? this.zipf.sample(this.random) : this.random.nextInt(this.params.keys);
      const sequence = this.sequences[key]!;
      this.sequences[key] = sequence + 1;
      const size = min === max ? min : min + this.random.nextInt(max - min + 1);
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
  };
}
