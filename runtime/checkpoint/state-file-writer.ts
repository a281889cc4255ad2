/**
 * Durable writes of subtask state files off the main thread: one worker thread per writer, created on first use and
 * unref'd (it never keeps a process alive). A request answers when the file is written and fsynced; a file-system
 * failure rejects with a {@link CheckpointStorageError} naming the file.
 */
import { Worker } from 'node:worker_threads';
import { CheckpointStorageError, fileSystemError } from './checkpoint-storage-error.js';
import type { WriteRequest, WriteResponse } from './state-file-writer-worker.js';

export class StateFileWriter {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { file: string; resolve: () => void; reject: (error: Error) => void }>();
  private closed = false;

  /** Creates `dir` if needed, then writes and fsyncs `file`. */
  write(dir: string, file: string, bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new CheckpointStorageError(file, 'io', 'the state file writer is closed'));
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { file, resolve, reject });
      if (this.pending.size === 1) worker.ref();
      const request: WriteRequest = { id, dir, file, bytes };
      worker.postMessage(request);
    });
  }

  /** Starts the worker thread now, so the first checkpoint does not wait for it to boot (tens of ms). */
  prepare(): void {
    if (!this.closed) this.start();
  }

  /** Stops the worker; writes still pending fail. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new Error('the state file writer was closed'));
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./state-file-writer-worker.js', import.meta.url));
    worker.unref();
    worker.on('message', (response: WriteResponse) => {
      const p = this.pending.get(response.id);
      if (!p) return;
      this.pending.delete(response.id);
      if (this.pending.size === 0) worker.unref();
      if (!response.error) {
        p.resolve();
        return;
      }
      const cause = Object.assign(new Error(response.error.message), response.error.code ? { code: response.error.code } : {});
      p.reject(fileSystemError(p.file, response.error.action, cause));
    });
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(new Error('the state file writer thread exited'));
    });
    this.worker = worker;
    return worker;
  }

  private failAll(error: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(fileSystemError(p.file, 'writing', error));
  }
}
