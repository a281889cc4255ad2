/**
 * One named proxy: a listener on `listen`, a dial to `upstream` per accepted client, the live connections and
 * the toxics (spec/toxiproxy-api.md §1.4, §1.7). Disabled means no listener and no connections; the toxics
 * stay. Once started, `listen` holds the actual bound address, which is what re-enabling binds again.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Clock, SeededRandom } from '../core/index.js';
import { bindListen, splitHostPort } from './listen-address.js';
import { ProxyConnection } from './proxy-connection.js';
import { ToxicCollection } from './toxic-collection.js';
import type { ToxicJson, ToxicState } from './toxic-state.js';

/** TCP keep-alive Toxiproxy sets on its sockets (Go's default dialer/listener). */
const KEEP_ALIVE_MS = 15_000;

/** The JSON shape of a proxy, keys in Toxiproxy's order (spec/toxiproxy-api.md §1.2). */
export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  Logger: Record<string, never>;
  toxics: ToxicJson[];
}

export interface ToxicProxyOptions {
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
  readonly clock: Clock;
  /** This proxy's generator; each connection forks its own from it. */
  readonly random: SeededRandom;
}

export interface ToxicProxyStats {
  readonly connections: number;
  readonly acceptedTotal: number;
}

export class ToxicProxy {
  readonly name: string;
  listen: string;
  upstream: string;
  readonly toxics = new ToxicCollection();
  private server: Server | undefined;
  private readonly connections = new Set<ProxyConnection>();
  private readonly dialing = new Set<Socket>();
  private acceptedTotal = 0;

  constructor(private readonly options: ToxicProxyOptions) {
    this.name = options.name;
    this.listen = options.listen;
    this.upstream = options.upstream;
  }

  get enabled(): boolean {
    return this.server !== undefined;
  }

  get stats(): ToxicProxyStats {
    return { connections: this.connections.size + this.dialing.size, acceptedTotal: this.acceptedTotal };
  }

  /** Binds `listen`; on success `listen` becomes the bound address. Throws a 500 ApiError on failure. */
  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (socket) =>
      this.accept(socket),
    );
    server.on('error', () => {}); // listen errors are reported by bindListen
    this.listen = await bindListen(server, this.listen);
    this.server = server;
  }

  /** Closes the listener and every connection (new connects are refused). */
  stop(): void {
    const server = this.server;
    this.server = undefined;
    server?.close();
    for (const socket of this.dialing) socket.destroy();
    this.dialing.clear();
    for (const connection of this.connections) connection.close();
    this.connections.clear();
  }

  addToxic(toxic: ToxicState): void {
    this.toxics.add(toxic);
    for (const connection of this.connections) connection.addToxic(toxic);
  }

  /** The toxic's settings were changed in place; live stages pick them up. */
  toxicUpdated(toxic: ToxicState): void {
    for (const connection of this.connections) connection.updateToxic(toxic);
  }

  removeToxic(toxic: ToxicState): void {
    this.toxics.remove(toxic);
    for (const connection of this.connections) connection.removeToxic(toxic);
  }

  toJSON(): ProxyJson {
    return {
      name: this.name,
      listen: this.listen,
      upstream: this.upstream,
      enabled: this.enabled,
      Logger: {},
      toxics: this.toxics.list().map((t) => t.toJSON()),
    };
  }

  private accept(client: Socket): void {
    if (!this.server) {
      client.destroy();
      return;
    }
    const index = this.acceptedTotal++;
    client.on('error', () => {});
    client.setKeepAlive(true, KEEP_ALIVE_MS);
    const target = splitHostPort(this.upstream);
    if ('error' in target) {
      client.destroy(); // dial failure: the client reads EOF (§1.7)
      return;
    }
    this.dialing.add(client);
    const upstream = connect({
      host: target.host === '' ? 'localhost' : target.host,
      port: target.port,
      allowHalfOpen: true,
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: KEEP_ALIVE_MS,
    });
    upstream.on('error', () => {});
    const abandon = (): void => {
      this.dialing.delete(client);
      upstream.destroy();
      client.destroy();
    };
    upstream.once('close', abandon);
    client.once('close', abandon);
    upstream.once('connect', () => {
      upstream.off('close', abandon);
      client.off('close', abandon);
      this.dialing.delete(client);
      if (client.destroyed || !this.server) {
        abandon();
        return;
      }
      const connection = new ProxyConnection({
        client,
        upstream,
        clock: this.options.clock,
        random: this.options.random.fork(`connection:${index}`),
        upstreamToxics: this.toxics.chain('upstream'),
        downstreamToxics: this.toxics.chain('downstream'),
        onClosed: (c) => this.connections.delete(c),
      });
      this.connections.add(connection);
      connection.start();
    });
  }
}
