/**
 * One toxic running on one link (one connection, one direction): the base class every toxic's stage extends
 * (spec/toxiproxy-api.md §2.1-§2.3). It owns the bounded input queue, the toxicity draw, the async processing
 * loop, interruptible sleeps and the edit protocol:
 * - {@link ToxicStage.restart} (the toxic was updated): the current sleep ends at once, toxicity is drawn again;
 * - {@link ToxicStage.remove}: the current sleep ends, queued chunks are flushed onward in order, then the
 *   stage is spliced out of the chain (no data is lost);
 * - {@link ToxicStage.dispose}: the connection is gone; everything stops.
 */
import type { Clock, SeededRandom } from '../core/index.js';
import { ChunkQueue, EOF, type Chunk, type LinkItem, type Outlet } from './chunk-queue.js';
import { preciseTimeout } from './precise-timer.js';
import type { ToxicState } from './toxic-state.js';

/** What a stage needs from its link. */
export interface StageContext {
  readonly clock: Clock;
  /** The link's own generator (toxicity and per-chunk draws), so a connection replays from the seed. */
  readonly random: SeededRandom;
  /** Where this stage's output goes now (the next stage's queue or the destination socket). */
  outletAfter(stage: ToxicStage): Outlet;
  /** Takes a removed, drained stage out of the chain. */
  splice(stage: ToxicStage): void;
  /** Reports an unexpected failure; the link closes the connection. */
  fail(error: unknown): void;
}

/** Chunks a stage's input holds unless the type says otherwise (Go hands over without a buffer). */
const DEFAULT_QUEUE_CAPACITY = 1;

export abstract class ToxicStage {
  readonly input: ChunkQueue;
  /** Whether this link drew the toxic as active (toxicity, §2.2). */
  protected active: boolean;
  protected removing = false;
  protected disposed = false;
  private outputClosed = false;
  private finished = false;
  private wake: (() => void) | undefined;
  private readonly onDisposeCallbacks = new Set<() => void>();

  constructor(
    readonly toxic: ToxicState,
    protected readonly ctx: StageContext,
    queueCapacity = DEFAULT_QUEUE_CAPACITY,
  ) {
    this.input = new ChunkQueue(queueCapacity);
    this.active = this.drawActive();
  }

  /** Starts the processing loop. */
  start(): void {
    this.onStart();
    this.run().catch((error: unknown) => this.ctx.fail(error));
  }

  /** The toxic's attributes or toxicity changed: interrupt, draw again, continue with the new values. */
  restart(): void {
    if (this.disposed) return;
    this.active = this.drawActive();
    this.onRestart();
    this.interrupt();
  }

  /** The toxic was removed: flush what is queued and leave the chain. */
  remove(): void {
    if (this.disposed || this.removing) return;
    this.removing = true;
    this.onRemove();
    if (this.finished && !this.outputClosed) this.ctx.splice(this);
    else this.interrupt();
  }

  /** The connection closed: stop everything. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.onDispose();
    this.interrupt();
    this.input.wakeProducers();
  }

  /** Handles one chunk while the toxic is active. Default: pass it on. */
  protected async onChunk(chunk: Chunk): Promise<void> {
    await this.emit(chunk);
  }

  /** Runs when the end of the stream reaches an active toxic, before EOF is passed on. */
  protected async onEof(): Promise<void> {}

  protected onStart(): void {}
  protected onRestart(): void {}
  protected onRemove(): void {}
  protected onDispose(): void {}

  /** Passes an item to whatever follows this stage now, waiting while that is full. */
  protected async emit(item: LinkItem): Promise<void> {
    for (;;) {
      if (this.disposed) return;
      const out = this.ctx.outletAfter(this);
      if (!out.full) {
        out.push(item);
        return;
      }
      await new Promise<void>((resolve) => out.onSpace(resolve));
    }
  }

  /** Ends this stage's output, which ends the connection (§1.7); later input is discarded. */
  protected async closeOutput(): Promise<void> {
    if (this.outputClosed) return;
    this.outputClosed = true;
    this.interrupt();
    await this.emit(EOF);
  }

  protected get isOutputClosed(): boolean {
    return this.outputClosed;
  }

  /** Sleeps `ms`; resolves `true` when the time passed, `false` when interrupted (update, removal, close). */
  protected sleep(ms: number): Promise<boolean> {
    if (this.disposed || this.removing) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = preciseTimeout(this.ctx.clock, () => {
        this.wake = undefined;
        resolve(true);
      }, ms);
      this.wake = () => {
        this.wake = undefined;
        timer.cancel();
        resolve(false);
      };
    });
  }

  /** Waits until interrupted (used by stalls such as bandwidth 0). */
  protected waitForInterrupt(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Sleeps `ms` ignoring updates and removal (only a closed connection ends it). */
  protected sleepUninterruptibly(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.disposed || ms <= 0) {
        resolve();
        return;
      }
      const timer = this.ctx.clock.setTimeout(() => {
        this.onDisposeCallbacks.delete(cancel);
        resolve();
      }, ms);
      const cancel = (): void => {
        timer.cancel();
        resolve();
      };
      this.onDisposeCallbacks.add(cancel);
    });
  }

  private interrupt(): void {
    if (this.disposed) for (const cb of this.onDisposeCallbacks) cb();
    this.wake?.();
  }

  private drawActive(): boolean {
    const toxicity = this.toxic.toxicity;
    if (toxicity >= 1) return true;
    if (toxicity <= 0) return false;
    return this.ctx.random.nextFloat() < toxicity;
  }

  private waitForItem(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.input.onItem(undefined);
        this.wake = undefined;
        resolve();
      };
      this.input.onItem(done);
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.disposed) return;
      if (this.removing && !this.outputClosed) {
        await this.flushAndSplice();
        return;
      }
      const item = this.input.shift();
      if (item === undefined) {
        await this.waitForItem();
        continue;
      }
      if (this.outputClosed) continue; // the toxic closed the stream: discard until the connection ends
      if (item === EOF) {
        if (this.active) await this.onEof();
        if (!this.outputClosed) {
          this.outputClosed = true;
          await this.emit(EOF);
        }
        this.finished = true;
        if (this.removing) this.ctx.splice(this);
        return;
      }
      if (this.active) await this.onChunk(item);
      else await this.emit(item);
    }
  }

  private async flushAndSplice(): Promise<void> {
    for (;;) {
      const item = this.input.shift();
      if (item === undefined) break;
      await this.emit(item);
      if (this.disposed) return;
    }
    // synchronous from the empty check to here, so no producer can slip an item in between
    this.finished = true;
    this.ctx.splice(this);
  }
}
