/**
 * Socket and HTTP helpers for chaos/ tests (real sockets on 127.0.0.1, OS-chosen ports). Every server they
 * start is disposable and destroys its open sockets when disposed, so tests leave no handles behind.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { request } from 'node:http';

/** A TCP server whose open sockets are destroyed on dispose. */
export interface TestTcpServer extends AsyncDisposable {
  readonly port: number;
  /** `127.0.0.1:<port>` */
  readonly address: string;
  /** Server-side sockets accepted so far. */
  readonly accepted: Socket[];
  close(): Promise<void>;
}

/** Starts a TCP server on 127.0.0.1 that calls `onConnection` for each accepted socket. */
export async function startTcpServer(onConnection: (socket: Socket) => void): Promise<TestTcpServer> {
  const accepted: Socket[] = [];
  const server = createServer({ allowHalfOpen: false }, (socket) => {
    accepted.push(socket);
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      for (const s of accepted) s.destroy();
      server.close(() => resolve());
    });
    return closed;
  };
  return { port, address: `127.0.0.1:${port}`, accepted, close, [Symbol.asyncDispose]: close };
}

/** An echo server. */
export function startEchoServer(): Promise<TestTcpServer> {
  return startTcpServer((socket) => socket.pipe(socket));
}

/** A connected client socket that is destroyed on dispose. */
export interface TestClient extends AsyncDisposable {
  readonly socket: Socket;
}

export async function connectClient(port: number, host = '127.0.0.1'): Promise<TestClient> {
  const socket = connect({ port, host, noDelay: true });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    [Symbol.asyncDispose]: async () => {
      socket.destroy();
    },
  };
}

/** Tries to connect; resolves with the error code on failure (e.g. `ECONNREFUSED`) or `'connected'`. */
export function tryConnect(port: number): Promise<string> {
  return new Promise<string>((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Collects everything a socket receives, with arrival times. */
export class Receiver {
  readonly chunks: Array<{ data: Buffer; atMs: number }> = [];
  ended = false;
  closed = false;
  errorCode: string | undefined;
  private waiters: Array<() => void> = [];

  constructor(readonly socket: Socket) {
    socket.on('data', (data: Buffer) => {
      this.chunks.push({ data, atMs: performance.now() });
      this.wake();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.errorCode = error.code;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  get bytes(): number {
    return this.chunks.reduce((n, c) => n + c.data.length, 0);
  }

  get text(): string {
    return Buffer.concat(this.chunks.map((c) => c.data)).toString('utf8');
  }

  /** Resolves when at least `n` bytes arrived (rejects after `timeoutMs`). */
  untilBytes(n: number, timeoutMs = 5_000): Promise<void> {
    return this.until(() => this.bytes >= n, `${n} bytes (got ${this.bytes})`, timeoutMs);
  }

  /** Resolves when the socket closed (rejects after `timeoutMs`). */
  untilClosed(timeoutMs = 5_000): Promise<void> {
    return this.until(() => this.closed, 'close', timeoutMs);
  }

  /** Time at which the `n`-th byte (1-based) arrived. */
  arrivalOfByte(n: number): number {
    let seen = 0;
    for (const c of this.chunks) {
      seen += c.data.length;
      if (seen >= n) return c.atMs;
    }
    return Number.NaN;
  }

  until(predicate: () => boolean, what: string, timeoutMs: number): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      };
      this.waiters.push(check);
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** A raw HTTP response. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** Sends one HTTP request with `node:http` (no client library in between). */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    const url = new URL(path, baseUrl);
    const req = request(
      { host: url.hostname, port: url.port, method, path: `${url.pathname}${url.search}`, headers: { connection: 'close', ...headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Parses the port after the last colon of a listen address. */
export function portOf(listen: string): number {
  return Number(listen.slice(listen.lastIndexOf(':') + 1));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
