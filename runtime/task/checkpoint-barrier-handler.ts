/**
 * Aligned, exactly-once barrier handling for one task (Flink's SingleCheckpointBarrierHandler, aligned-only states
 * of spec §5.4). A channel that delivered the current barrier is blocked (its sender blocked itself after sending
 * the aligned barrier); when every open channel has delivered it the task snapshots, forwards the barrier and
 * resumes all blocked channels. A newer barrier subsumes a pending checkpoint; a cancellation marker aborts it;
 * an obsolete barrier just resumes its channel. A channel that ends counts as having delivered the barrier.
 */
import type { Clock } from '../../core/index.js';
import type { CheckpointBarrier } from '../event/index.js';

export interface AlignmentResult {
  barrier: CheckpointBarrier;
  /** ms from the first to the last barrier (0 with one channel). */
  alignmentDurationMs: number;
  /** ms from the barrier's trigger timestamp to the first barrier's arrival. */
  startDelayMs: number;
}

export interface BarrierHandlerActions {
  /** Every open channel delivered the barrier: snapshot and forward it. */
  triggerCheckpoint(result: AlignmentResult): void;
  /** The pending checkpoint is abandoned (subsumed, cancelled, or its input ended). */
  abortCheckpoint(checkpointId: number, reason: string): void;
  /** Unblocks a channel blocked by an aligned barrier. */
  resumeConsumption(channel: number): void;
}

export class CheckpointBarrierHandler {
  private currentCheckpointId = -1;
  private lastClosedId = -1;
  private readonly aligned = new Set<number>();
  private readonly finished = new Set<number>();
  private pendingBarrier: CheckpointBarrier | undefined;
  private alignmentStartMs = 0;
  private startDelayMs = 0;

  constructor(
    private readonly numChannels: number,
    private readonly clock: Clock,
    private readonly actions: BarrierHandlerActions,
  ) {}

  get pendingCheckpointId(): number | undefined {
    return this.pendingBarrier?.checkpointId;
  }

  /** Channels currently blocked by the pending barrier. */
  get blockedChannels(): number {
    return this.aligned.size;
  }

  onBarrier(barrier: CheckpointBarrier, channel: number): void {
    const id = barrier.checkpointId;
    if (id < this.currentCheckpointId || (id === this.currentCheckpointId && !this.pendingBarrier) || id <= this.lastClosedId) {
      this.actions.resumeConsumption(channel); // obsolete
      return;
    }
    if (this.pendingBarrier && id > this.currentCheckpointId) {
      this.abort(`checkpoint ${this.currentCheckpointId} subsumed by ${id}`);
    }
    if (!this.pendingBarrier) {
      this.currentCheckpointId = id;
      this.pendingBarrier = barrier;
      this.alignmentStartMs = this.clock.nowMs();
      this.startDelayMs = Math.max(0, this.clock.epochUs() / 1000 - barrier.timestampMs);
    }
    this.aligned.add(channel);
    this.maybeComplete();
  }

  /**
   * Hands the pending checkpoint over (the aligned-checkpoint timeout switches it to unaligned): returns its barrier,
   * the channels blocked so far (the caller resumes them) and the alignment figures, and forgets it without an abort.
   */
  takePending(): { barrier: CheckpointBarrier; blockedChannels: number[]; alignmentDurationMs: number; startDelayMs: number } | undefined {
    const barrier = this.pendingBarrier;
    if (!barrier) return undefined;
    const blockedChannels = [...this.aligned];
    this.pendingBarrier = undefined;
    this.lastClosedId = barrier.checkpointId;
    this.aligned.clear();
    return { barrier, blockedChannels, alignmentDurationMs: this.clock.nowMs() - this.alignmentStartMs, startDelayMs: this.startDelayMs };
  }

  /** A channel delivered EndOfPartition: it will send no barrier. */
  onEndOfPartition(channel: number): void {
    this.finished.add(channel);
    this.aligned.delete(channel);
    this.maybeComplete();
  }

  onCancellationMarker(checkpointId: number): void {
    if (checkpointId < this.currentCheckpointId || (checkpointId === this.currentCheckpointId && !this.pendingBarrier)) return;
    if (this.pendingBarrier) this.abort(`checkpoint ${this.currentCheckpointId} cancelled upstream`);
    if (checkpointId > this.currentCheckpointId) {
      this.currentCheckpointId = checkpointId;
      this.lastClosedId = Math.max(this.lastClosedId, checkpointId);
      this.actions.abortCheckpoint(checkpointId, 'cancelled upstream');
    }
  }

  private maybeComplete(): void {
    const barrier = this.pendingBarrier;
    if (!barrier) return;
    const open = this.numChannels - this.finished.size;
    if (this.aligned.size < open) return;
    const alignmentDurationMs = this.aligned.size <= 1 ? 0 : this.clock.nowMs() - this.alignmentStartMs;
    this.pendingBarrier = undefined;
    this.lastClosedId = barrier.checkpointId;
    const blocked = [...this.aligned];
    this.aligned.clear();
    this.actions.triggerCheckpoint({ barrier, alignmentDurationMs, startDelayMs: this.startDelayMs });
    for (const c of blocked) this.actions.resumeConsumption(c);
  }

  private abort(reason: string): void {
    const id = this.currentCheckpointId;
    this.pendingBarrier = undefined;
    this.lastClosedId = Math.max(this.lastClosedId, id);
    const blocked = [...this.aligned];
    this.aligned.clear();
    for (const c of blocked) this.actions.resumeConsumption(c);
    this.actions.abortCheckpoint(id, reason);
  }
}
