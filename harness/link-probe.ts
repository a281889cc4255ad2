/**
 * Measuring what a fault does to a link without touching the job's own connections: a tiny echo server, and two
 * probes run through a `probe-<link>` proxy that carries the same toxics as the link: ping-pong round trips
 * (added latency) and a bulk echo (achieved rate).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Address } from '../runtime/index.js';

const PING_BYTES = 16;
const BULK_CHUNK_BYTES = 16 * 1024;
const BULK_MAX_BYTES = 8 * 1024 * 1024;

/** An echo server on 127.0.0.1 (OS port); `stop()` closes it and every connection. */
export interface StartedEchoServer extends AsyncDisposable {
  readonly address: Address;
  stop(): Promise<void>;
}

export async function startEchoServer(): Promise<StartedEchoServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }));
  return { address: { host: '127.0.0.1', port }, stop, [Symbol.asyncDispose]: stop };
}

/** Result of a ping-pong probe: round trips in µs (sorted), or why none completed. */
export interface PingResult {
  readonly rttUs: number[];
  readonly p50Us: number | undefined;
  readonly error?: string;
}

function openSocket(address: Address, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address.host, port: address.port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to ${address.host}:${address.port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Sends small pings one after the other until `maxPings` or `budgetMs` is used up; an unanswered one is dropped. */
export async function pingPong(address: Address, options: { budgetMs: number; maxPings: number }): Promise<PingResult> {
  const deadline = performance.now() + options.budgetMs;
  let socket: Socket;
  try {
    socket = await openSocket(address, options.budgetMs);
  } catch (error) {
    return { rttUs: [], p50Us: undefined, error: (error as Error).message };
  }
  const rttUs: number[] = [];
  let error: string | undefined;
  try {
    socket.on('error', (e) => (error = e.message));
    for (let i = 0; i < options.maxPings && performance.now() < deadline; i++) {
      const startedAt = performance.now();
      const answered = await new Promise<boolean>((resolve) => {
        let received = 0;
        const timer = setTimeout(() => finish(false), Math.max(1, deadline - startedAt));
        const onData = (chunk: Buffer): void => {
          received += chunk.length;
          if (received >= PING_BYTES) finish(true);
        };
        const onClose = (): void => finish(false);
        function finish(ok: boolean): void {
          clearTimeout(timer);
          socket.off('data', onData);
          socket.off('close', onClose);
          resolve(ok);
        }
        socket.on('data', onData);
        socket.once('close', onClose);
        socket.write(Buffer.alloc(PING_BYTES, i & 0xff));
      });
      if (!answered) break;
      rttUs.push(Math.round((performance.now() - startedAt) * 1000));
    }
  } finally {
    socket.destroy();
  }
  rttUs.sort((a, b) => a - b);
  const p50Us = rttUs.length === 0 ? undefined : rttUs[Math.floor((rttUs.length - 1) / 2)];
  return { rttUs, p50Us, ...(error !== undefined ? { error } : rttUs.length === 0 ? { error: 'no ping answered' } : {}) };
}

/** Result of a bulk probe: bytes echoed back within the window. */
export interface RateResult {
  readonly bytesEchoed: number;
  readonly windowMs: number;
  readonly achievedBytesPerSec: number;
  readonly error?: string;
}

/** Writes (with backpressure, at most 8 MiB) for `windowMs` and counts the bytes that come back. */
export async function bulkEcho(address: Address, windowMs: number): Promise<RateResult> {
  let socket: Socket;
  try {
    socket = await openSocket(address, windowMs);
  } catch (error) {
    return { bytesEchoed: 0, windowMs, achievedBytesPerSec: 0, error: (error as Error).message };
  }
  let echoed = 0;
  let written = 0;
  let error: string | undefined;
  const chunk = Buffer.alloc(BULK_CHUNK_BYTES, 0x5a);
  const startedAt = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, windowMs);
    function done(): void {
      clearTimeout(timer);
      resolve();
    }
    const pump = (): void => {
      while (written < BULK_MAX_BYTES && !socket.destroyed) {
        written += chunk.length;
        if (!socket.write(chunk)) return;
      }
    };
    socket.on('data', (d: Buffer) => (echoed += d.length));
    socket.on('drain', pump);
    socket.on('error', (e) => (error = e.message));
    socket.once('close', done);
    pump();
  });
  const elapsedMs = Math.max(1, performance.now() - startedAt);
  socket.destroy();
  return { bytesEchoed: echoed, windowMs: Math.round(elapsedMs), achievedBytesPerSec: Math.round((echoed * 1000) / elapsedMs), ...(error !== undefined ? { error } : {}) };
}
