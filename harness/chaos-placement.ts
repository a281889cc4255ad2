/**
 * Chaos placement (DESIGN.md §2): one Toxiproxy proxy per TaskManager → JobManager control link (`ctrl-<tm>`,
 * created before that TaskManager starts) and per ordered TaskManager pair's data link
 * (`data-<consumer>-<producer>`, upstream = the producer's data server; the consumer dials it). Channels between
 * subtasks on the same TaskManager are local (no socket) and are never proxied.
 *
 * Uses the embedded Toxiproxy-compatible server, or the Toxiproxy that `TOXIPROXY_URL` names.
 */
import { connectToxiproxy, ToxiproxyError, type ProxyHandle, type ToxiproxyClient, type ToxiproxyConnection } from '../chaos/index.js';
import type { Address } from '../runtime/index.js';

const LOOPBACK = '127.0.0.1';
const HTTP_NOT_FOUND = 404;

/** One proxy of the placement, as the result document lists it. */
export interface PlacedProxy {
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
}

export function controlLinkName(tmId: string): string {
  return `ctrl-${tmId}`;
}

export function dataLinkName(consumerTm: string, producerTm: string): string {
  return `data-${consumerTm}-${producerTm}`;
}

function hostPort(a: Address): string {
  return `${a.host}:${a.port}`;
}

/** Proxies for one run; `close()` removes the proxies it created and stops an embedded server. */
export class ChaosPlacement implements AsyncDisposable {
  private readonly proxies = new Map<string, ProxyHandle>();
  private readonly dataServers = new Map<string, Address>();
  private closed = false;

  private constructor(private readonly connection: ToxiproxyConnection) {}

  /** Connects to `url`, else `TOXIPROXY_URL`, else starts the embedded server. */
  static async start(options: { url?: string; seed?: number } = {}): Promise<ChaosPlacement> {
    return new ChaosPlacement(await connectToxiproxy(options));
  }

  get client(): ToxiproxyClient {
    return this.connection.client;
  }

  get url(): string {
    return this.connection.url;
  }

  get embedded(): boolean {
    return this.connection.embedded !== undefined;
  }

  /** The proxy of a link, if placed. */
  proxy(name: string): ProxyHandle | undefined {
    return this.proxies.get(name);
  }

  /** Names of the placed links: control and data proxies (not probes), sorted. */
  linkNames(): string[] {
    return [...this.proxies.keys()].filter((n) => n.startsWith('ctrl-') || n.startsWith('data-')).sort();
  }

  describe(): PlacedProxy[] {
    return [...this.proxies.values()].map((p) => ({ name: p.name, listen: p.listen, upstream: p.upstream })).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Creates (or replaces) a proxy on an OS port of `listenHost` (loopback, or the deployment's proxy host). */
  async createProxy(name: string, upstream: Address, listenHost = LOOPBACK): Promise<ProxyHandle> {
    try {
      await (await this.client.getProxy(name)).remove();
    } catch (error) {
      if (!(error instanceof ToxiproxyError && error.status === HTTP_NOT_FOUND)) throw error;
    }
    const proxy = await this.client.createProxy({ name, upstream: hostPort(upstream), listen: `${listenHost}:0` });
    this.proxies.set(name, proxy);
    return proxy;
  }

  /**
   * For a deployment's `controlAddressFor`: the address TaskManager `tmId` dials (its `ctrl-<tm>` proxy, listening
   * on `listenHost`, which every process of the deployment reaches).
   */
  readonly controlAddressFor = async (tmId: string, jobManagerControl: Address, listenHost = LOOPBACK): Promise<Address> => {
    const name = controlLinkName(tmId);
    const existing = this.proxies.get(name);
    const proxy = existing && existing.upstream === hostPort(jobManagerControl) ? existing : await this.createProxy(name, jobManagerControl, listenHost);
    return { host: proxy.host, port: proxy.port };
  };

  /**
   * Creates `data-<c>-<p>` for every ordered pair c ≠ p and returns the overrides for the JobManager
   * (`PUT /links`), keyed by proxy name.
   */
  async placeDataLinks(taskManagers: ReadonlyArray<{ id: string; data: Address }>, listenHost = LOOPBACK): Promise<Record<string, Address>> {
    const overrides: Record<string, Address> = {};
    for (const producer of taskManagers) this.dataServers.set(producer.id, producer.data);
    for (const consumer of taskManagers) {
      for (const producer of taskManagers) {
        if (consumer.id === producer.id) continue;
        const proxy = await this.createProxy(dataLinkName(consumer.id, producer.id), producer.data, listenHost);
        overrides[proxy.name] = { host: proxy.host, port: proxy.port };
      }
    }
    return overrides;
  }

  /** Points every `data-*-<tmId>` proxy at a restarted TaskManager's new data server. */
  async moveProducer(tmId: string, data: Address): Promise<void> {
    this.dataServers.set(tmId, data);
    for (const [name, proxy] of this.proxies) {
      if (name.startsWith('data-') && name.endsWith(`-${tmId}`)) this.proxies.set(name, await proxy.update({ upstream: hostPort(data) }));
    }
  }

  /** Keeps the local handle current after a change made elsewhere (enable/disable). */
  remember(proxy: ProxyHandle): void {
    this.proxies.set(proxy.name, proxy);
  }

  /**
   * Rewrites `host:port` occurrences that are proxy listen addresses or TaskManager data servers so a failure
   * reason names the link: `127.0.0.1:40123 [data-tm-0-tm-1]`.
   */
  nameAddresses(text: string): string {
    const names = new Map<string, string>();
    for (const p of this.proxies.values()) if (!p.name.startsWith('probe-')) names.set(`${p.host}:${p.port}`, p.name);
    for (const [tmId, a] of this.dataServers) names.set(hostPort(a), `data server of ${tmId}`);
    return text.replace(/(\d{1,3}(?:\.\d{1,3}){3}:\d{1,5})/g, (match) => {
      const name = names.get(match);
      return name ? `${match} [${name}]` : match;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.embedded) {
      // an external Toxiproxy outlives the run: take our proxies away again
      await Promise.allSettled([...this.proxies.values()].map((p) => p.remove()));
    }
    this.proxies.clear();
    await this.connection.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
