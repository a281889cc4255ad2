/**
 * One client connection through a proxy: the accepted client socket, the dialled upstream socket and the two
 * links between them (spec/toxiproxy-api.md §1.7). Either side closing ends both: a link that reaches EOF
 * closes its destination fully (no half-close), which ends the other link. If a `reset_peer` toxic existed
 * when the connection started, every close of it is abortive (RST), as Toxiproxy's linger 0 (§2.4.6).
 */
import type { Socket } from 'node:net';
import type { Clock, SeededRandom } from '../core/index.js';
import { Link } from './link.js';
import type { ToxicState } from './toxic-state.js';
import type { ToxicDirection } from './toxic-types.js';

export interface ProxyConnectionOptions {
  readonly client: Socket;
  readonly upstream: Socket;
  readonly clock: Clock;
  /** This connection's generator; each link forks its own from it. */
  readonly random: SeededRandom;
  readonly upstreamToxics: readonly ToxicState[];
  readonly downstreamToxics: readonly ToxicState[];
  /** Called once when both sockets have closed. */
  readonly onClosed: (connection: ProxyConnection) => void;
}

/** Closes a socket after its pending writes, or at once with an RST. */
function closeSocket(socket: Socket, abortive: boolean): void {
  if (socket.destroyed) return;
  if (abortive) {
    socket.resetAndDestroy();
    return;
  }
  if (socket.writableFinished || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end();
}

export class ProxyConnection {
  /** True when closes are RSTs (a reset_peer toxic existed at connection start). */
  readonly abortive: boolean;
  private readonly upstreamLink: Link;
  private readonly downstreamLink: Link;
  private closedSockets = 0;

  constructor(private readonly options: ProxyConnectionOptions) {
    const { client, upstream } = options;
    this.abortive = [...options.upstreamToxics, ...options.downstreamToxics].some((t) => t.type === 'reset_peer');
    const fail = (): void => this.close();
    this.upstreamLink = new Link({
      direction: 'upstream',
      source: client,
      dest: upstream,
      clock: options.clock,
      random: options.random.fork('upstream'),
      closeDest: () => closeSocket(upstream, this.abortive),
      fail,
    });
    this.downstreamLink = new Link({
      direction: 'downstream',
      source: upstream,
      dest: client,
      clock: options.clock,
      random: options.random.fork('downstream'),
      closeDest: () => closeSocket(client, this.abortive),
      fail,
    });
    for (const socket of [client, upstream]) {
      socket.on('error', () => {}); // peers resetting is normal; 'close' follows and ends the links
      socket.once('close', () => {
        if (++this.closedSockets === 2) options.onClosed(this);
      });
    }
  }

  start(): void {
    this.upstreamLink.start(this.options.upstreamToxics);
    this.downstreamLink.start(this.options.downstreamToxics);
  }

  addToxic(toxic: ToxicState): void {
    this.linkFor(toxic.direction).append(toxic);
  }

  updateToxic(toxic: ToxicState): void {
    this.linkFor(toxic.direction).update(toxic);
  }

  removeToxic(toxic: ToxicState): void {
    this.linkFor(toxic.direction).remove(toxic);
  }

  /** Closes both sockets now (proxy disabled, deleted or server stopping). */
  close(): void {
    this.upstreamLink.dispose();
    this.downstreamLink.dispose();
    for (const socket of [this.options.client, this.options.upstream]) {
      if (this.abortive) socket.resetAndDestroy();
      else socket.destroy();
    }
  }

  private linkFor(direction: ToxicDirection): Link {
    return direction === 'upstream' ? this.upstreamLink : this.downstreamLink;
  }
}
