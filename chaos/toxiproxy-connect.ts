/**
 * Picks the Toxiproxy a run talks to (DESIGN.md §3): a real one when a URL is given or `TOXIPROXY_URL` names
 * one, otherwise the embedded server, started here. Either way the caller gets the same client.
 */
import { startToxiproxyServer, type StartedToxiproxyServer } from './toxiproxy-server.js';
import { ToxiproxyClient } from './toxiproxy-client.js';

/** Environment variable naming a running Toxiproxy API. */
export const TOXIPROXY_URL_ENV = 'TOXIPROXY_URL';

export interface ConnectToxiproxyOptions {
  /** Toxiproxy API to use. @default process.env.TOXIPROXY_URL, else an embedded server */
  readonly url?: string;
  /** Environment to read `TOXIPROXY_URL` from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Seed for the embedded server (ignored for a real Toxiproxy, whose `-seed` has no effect). */
  readonly seed?: number;
}

/** A client plus, when embedded, the server it started. `close()` stops that server (idempotent). */
export interface ToxiproxyConnection extends AsyncDisposable {
  readonly client: ToxiproxyClient;
  readonly url: string;
  /** The embedded server, or `undefined` when talking to an external Toxiproxy. */
  readonly embedded: StartedToxiproxyServer | undefined;
  close(): Promise<void>;
}

export async function connectToxiproxy(options: ConnectToxiproxyOptions = {}): Promise<ToxiproxyConnection> {
  const external = options.url ?? (options.env ?? process.env)[TOXIPROXY_URL_ENV];
  const embedded = external ? undefined : await startToxiproxyServer(options.seed === undefined ? {} : { seed: options.seed });
  const url = external ?? embedded?.url ?? '';
  const close = async (): Promise<void> => {
    await embedded?.stop();
  };
  return { client: new ToxiproxyClient(url), url, embedded, close, [Symbol.asyncDispose]: close };
}
