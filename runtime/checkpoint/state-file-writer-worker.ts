/**
 * The worker side of {@link StateFileWriter}: writes each file completely, fsyncs it, and answers once per file. Runs
 * on its own thread so a TaskManager's tasks keep processing while state is made durable (Flink's asynchronous
 * checkpoint part), and the answer costs the main thread one event-loop turn instead of one per file-system call.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

export interface WriteRequest {
  id: number;
  dir: string;
  file: string;
  bytes: Uint8Array;
}

export interface WriteResponse {
  id: number;
  error?: { message: string; code?: string; action: string };
}

function write(request: WriteRequest): WriteResponse {
  let action = 'creating the checkpoint directory';
  try {
    mkdirSync(request.dir, { recursive: true });
    action = 'writing';
    const fd = openSync(request.file, 'w');
    try {
      for (let offset = 0; offset < request.bytes.length; ) offset += writeSync(fd, request.bytes, offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return { id: request.id };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return { id: request.id, error: { message: e.message, ...(e.code ? { code: e.code } : {}), action } };
  }
}

parentPort?.on('message', (request: WriteRequest) => parentPort!.postMessage(write(request)));
