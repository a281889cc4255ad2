/**
 * Picks the Toxiproxy a run talks to (DESIGN.md §3): a real one when a URL is given or `TOXIPROXY_URL` names
 * one, otherwise the embedded server, started here (by default in a child process). Either way the caller gets
 * the same client.
 */
import { FlowlabError } from '../core/index.js';
import { startToxiproxyServer } from './toxiproxy-server.js';
import { startToxiproxyProcess } from './toxiproxy-process.js';
import { ToxiproxyClient } from './toxiproxy-client.js';

/** Environment variable naming a running Toxiproxy API. */
export const TOXIPROXY_URL_ENV = 'TOXIPROXY_URL';

/** Where an embedded server runs: in a child process of its own, or on this process's event loop. */
export type EmbeddedToxiproxyMode = 'process' | 'in-process';

const EMBEDDED_MODES: readonly EmbeddedToxiproxyMode[] = ['process', 'in-process'];

export interface ConnectToxiproxyOptions {
  /** Toxiproxy API to use. @default process.env.TOXIPROXY_URL, else an embedded server */
  readonly url?: string;
  /** Environment to read `TOXIPROXY_URL` from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Seed for the embedded server (ignored for a real Toxiproxy, whose `-seed` has no effect). */
  readonly seed?: number;
  /**
   * Where an embedded server runs. `'process'` forks `serve-main.js`, so proxying neither delays nor is delayed
   * by this process's work (metric polling, histogram merges during a measured run); `'in-process'` starts it
   * on this event loop (cheaper to start, and its sockets are visible to in-process tests).
   * Ignored when an external Toxiproxy is used.
   * @default 'process'
   */
  readonly embedded?: EmbeddedToxiproxyMode;
}

/** The embedded server of a connection. */
export interface EmbeddedToxiproxy {
  readonly mode: EmbeddedToxiproxyMode;
  /** Base URL of its API. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The seed in use (the given one, or the one drawn at start). */
  readonly seed: number;
  /** The process it runs in: the child for `'process'`, `process.pid` for `'in-process'`. */
  readonly pid: number;
}

/** A client plus, when embedded, the server it started. `close()` stops that server (idempotent). */
export interface ToxiproxyConnection extends AsyncDisposable {
  readonly client: ToxiproxyClient;
  readonly url: string;
  /** The embedded server, or `undefined` when talking to an external Toxiproxy. */
  readonly embedded: EmbeddedToxiproxy | undefined;
  close(): Promise<void>;
}

export async function connectToxiproxy(options: ConnectToxiproxyOptions = {}): Promise<ToxiproxyConnection> {
  const mode = options.embedded ?? 'process';
  if (!EMBEDDED_MODES.includes(mode)) {
    throw new FlowlabError('ERR_INVALID_ARGUMENT', `embedded must be one of ${EMBEDDED_MODES.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(mode)}`);
  }
  const external = options.url ?? (options.env ?? process.env)[TOXIPROXY_URL_ENV];
  if (external) return connection(external, undefined, () => Promise.resolve());
  const seed = options.seed === undefined ? {} : { seed: options.seed };
  if (mode === 'in-process') {
    const server = await startToxiproxyServer(seed);
    const { url, host, port } = server;
    return connection(url, { mode, url, host, port, seed: server.seed, pid: process.pid }, () => server.stop());
  }
  const child = await startToxiproxyProcess(seed);
  const { url, host, port, pid } = child;
  return connection(url, { mode, url, host, port, seed: child.seed, pid }, () => child.stop());
}

function connection(url: string, embedded: EmbeddedToxiproxy | undefined, close: () => Promise<void>): ToxiproxyConnection {
  return { client: new ToxiproxyClient(url), url, embedded, close, [Symbol.asyncDispose]: close };
}
