/**
 * One direction of one proxied connection (spec/toxiproxy-api.md §1.7, §2.1): bytes read from `source` pass
 * through the toxic stages of that direction, in chain order, to `dest`. With no toxics the chain is empty and
 * a chunk goes straight from the `'data'` event to `dest.write()`, pausing the source while `dest` needs to
 * drain (the fast path). Toxics can be appended, updated and removed while data flows.
 */
import type { Socket } from 'node:net';
import type { Clock, SeededRandom } from '../core/index.js';
import { EOF, type LinkItem, type Outlet } from './chunk-queue.js';
import { createStage } from './stages/create-stage.js';
import type { StageContext, ToxicStage } from './toxic-stage.js';
import type { ToxicState } from './toxic-state.js';
import type { ToxicDirection } from './toxic-types.js';

export interface LinkOptions {
  readonly direction: ToxicDirection;
  readonly source: Socket;
  readonly dest: Socket;
  readonly clock: Clock;
  readonly random: SeededRandom;
  /** Closes `dest` fully once everything before EOF is written (abortively when the connection says so). */
  readonly closeDest: () => void;
  /** An unexpected failure in a stage: the connection closes. */
  readonly fail: (error: unknown) => void;
}

/** The destination socket as the outlet of the last stage. */
class SocketSink implements Outlet {
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly closeDest: () => void,
  ) {
    socket.on('drain', () => this.wake());
    socket.once('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  get full(): boolean {
    return !this.closed && this.socket.writableNeedDrain;
  }

  push(item: LinkItem): void {
    if (this.closed) return;
    if (item === EOF) {
      this.closed = true;
      this.closeDest();
      this.wake();
    } else if (this.socket.writable) {
      this.socket.write(item.data);
    }
  }

  onSpace(callback: () => void): void {
    if (this.full) this.waiters.push(callback);
    else queueMicrotask(callback);
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

export class Link implements StageContext {
  readonly clock: Clock;
  readonly random: SeededRandom;
  private readonly stages: ToxicStage[] = [];
  private readonly sink: SocketSink;
  private ended = false;
  private readonly resume = (): void => {
    if (!this.options.source.destroyed) this.options.source.resume();
  };

  constructor(private readonly options: LinkOptions) {
    this.clock = options.clock;
    this.random = options.random;
    this.sink = new SocketSink(options.dest, options.closeDest);
  }

  /** Builds the stages for `toxics` (chain order) and starts reading the source. */
  start(toxics: readonly ToxicState[]): void {
    for (const toxic of toxics) this.append(toxic);
    const { source, dest } = this.options;
    source.on('data', (data: Buffer) => this.onData(data));
    source.once('end', () => this.onSourceEnd());
    source.once('close', () => this.onSourceEnd());
    dest.once('close', () => {
      for (const stage of this.stages) stage.dispose();
    });
    source.resume();
  }

  /** Appends a stage for a newly added toxic (nearest the destination). */
  append(toxic: ToxicState): void {
    const stage = createStage(toxic, this);
    this.stages.push(stage);
    stage.start();
  }

  /** The toxic's settings changed. */
  update(toxic: ToxicState): void {
    this.stageOf(toxic)?.restart();
  }

  /** The toxic was removed: its stage flushes and leaves. */
  remove(toxic: ToxicState): void {
    this.stageOf(toxic)?.remove();
  }

  /** Stops every stage (the connection is closing). */
  dispose(): void {
    for (const stage of this.stages) stage.dispose();
  }

  outletAfter(stage: ToxicStage): Outlet {
    const index = this.stages.indexOf(stage);
    return (index >= 0 ? this.stages[index + 1]?.input : undefined) ?? this.sink;
  }

  splice(stage: ToxicStage): void {
    const index = this.stages.indexOf(stage);
    if (index >= 0) this.stages.splice(index, 1);
    stage.input.wakeProducers();
  }

  fail(error: unknown): void {
    this.options.fail(error);
  }

  private stageOf(toxic: ToxicState): ToxicStage | undefined {
    // the newest stage for that toxic (a removed timeout stage may linger while it discards)
    for (let i = this.stages.length - 1; i >= 0; i--) {
      const stage = this.stages[i];
      if (stage?.toxic === toxic) return stage;
    }
    return undefined;
  }

  private onData(data: Buffer): void {
    const first = this.stages[0];
    if (first === undefined) {
      // fast path: no toxics
      const dest = this.options.dest;
      if (dest.writable && !dest.write(data)) {
        this.options.source.pause();
        this.sink.onSpace(this.resume);
      }
      return;
    }
    first.input.push({ data, readAtMs: this.clock.nowMs() });
    if (first.input.full) {
      this.options.source.pause();
      first.input.onSpace(this.resume);
    }
  }

  private onSourceEnd(): void {
    if (this.ended) return;
    this.ended = true;
    const first = this.stages[0];
    if (first === undefined) this.sink.push(EOF);
    else first.input.push(EOF);
  }
}
