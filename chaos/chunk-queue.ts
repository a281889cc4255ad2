/**
 * The bounded hand-over between two stages of a link (spec/toxiproxy-api.md §2.1). A producer pushes and, when
 * {@link Outlet.full} turns true, waits for {@link Outlet.onSpace} before pushing again, so no queue grows
 * without bound. The single consumer takes items in order.
 */

/** A chunk of bytes read from the source socket, stamped with its read time (monotonic ms). */
export interface Chunk {
  data: Buffer;
  readAtMs: number;
}

/** End of the stream: the source closed, or a toxic closed its output. Travels in order behind data. */
export const EOF = Symbol('eof');
export type LinkItem = Chunk | typeof EOF;

/** Where a producer delivers items: the next stage's queue, or the destination socket. */
export interface Outlet {
  /** True when the producer should wait for {@link onSpace} before pushing more. */
  readonly full: boolean;
  /** Accepts an item (always; `full` is the backpressure signal). */
  push(item: LinkItem): void;
  /** Calls `callback` once when there is room again (at once, asynchronously, if there already is). */
  onSpace(callback: () => void): void;
}

export class ChunkQueue implements Outlet {
  private items: LinkItem[] = [];
  private head = 0;
  private spaceWaiters: Array<() => void> = [];
  private itemWaiter: (() => void) | undefined;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get full(): boolean {
    return this.length >= this.capacity;
  }

  push(item: LinkItem): void {
    this.items.push(item);
    const waiter = this.itemWaiter;
    this.itemWaiter = undefined;
    waiter?.();
  }

  onSpace(callback: () => void): void {
    if (this.full) this.spaceWaiters.push(callback);
    else queueMicrotask(callback);
  }

  /** Removes and returns the oldest item, or `undefined` when empty. */
  shift(): LinkItem | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = EOF; // drop the reference
    this.head++;
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (!this.full) this.wakeProducers();
    return item;
  }

  /** Registers the consumer's wake-up for the next push (replaces an earlier one). */
  onItem(callback: (() => void) | undefined): void {
    this.itemWaiter = callback;
  }

  /** Wakes every waiting producer so it looks up its outlet again (used when a stage is spliced out). */
  wakeProducers(): void {
    if (this.spaceWaiters.length === 0) return;
    const waiters = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of waiters) w();
  }
}
