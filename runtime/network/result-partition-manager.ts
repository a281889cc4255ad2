/** The partitions a TaskManager produces, looked up by the server when a PartitionRequest arrives. */
import { partitionKey, type ResultPartition, type ResultPartitionId } from '../partition/index.js';

export class ResultPartitionManager {
  private readonly partitions = new Map<string, ResultPartition>();
  private readonly waiters = new Map<string, Array<(p: ResultPartition | undefined) => void>>();

  register(partition: ResultPartition): void {
    const key = partitionKey(partition.id);
    this.partitions.set(key, partition);
    const waiting = this.waiters.get(key);
    if (waiting) {
      this.waiters.delete(key);
      for (const w of waiting) w(partition);
    }
  }

  unregister(partition: ResultPartition): void {
    this.partitions.delete(partitionKey(partition.id));
  }

  get(id: ResultPartitionId): ResultPartition | undefined {
    return this.partitions.get(partitionKey(id));
  }

  /** The partition, waiting up to `timeoutMs` for it to be registered (a consumer may ask first). */
  waitFor(id: ResultPartitionId, timeoutMs: number): Promise<ResultPartition | undefined> {
    const found = this.get(id);
    if (found) return Promise.resolve(found);
    const key = partitionKey(id);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const list = this.waiters.get(key);
        if (list) this.waiters.set(key, list.filter((w) => w !== done));
        resolve(undefined);
      }, timeoutMs);
      timer.unref();
      const done = (p: ResultPartition | undefined): void => {
        clearTimeout(timer);
        resolve(p);
      };
      const list = this.waiters.get(key) ?? [];
      list.push(done);
      this.waiters.set(key, list);
    });
  }

  get size(): number {
    return this.partitions.size;
  }

  /** Releases every registered partition. */
  releaseAll(): void {
    for (const p of this.partitions.values()) p.release();
    this.partitions.clear();
    for (const list of this.waiters.values()) for (const w of list) w(undefined);
    this.waiters.clear();
  }
}
