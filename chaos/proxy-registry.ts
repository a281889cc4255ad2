/**
 * The server's proxies by name and the operations on them that span proxies: create, update (the "differs"
 * check), delete, populate and reset (spec/toxiproxy-api.md §1.4). Callers serialise operations; none of
 * these run concurrently.
 */
import type { Clock, SeededRandom } from '../core/index.js';
import { ApiError, HTTP_BAD_REQUEST, HTTP_CONFLICT, HTTP_NOT_FOUND } from './api-error.js';
import { resolveListenAddress } from './listen-address.js';
import { ToxicProxy } from './toxic-proxy.js';

/** A proxy as a create or populate request describes it (after decoding and defaults). */
export interface ProxySpec {
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
  readonly enabled: boolean;
}

/** The outcome of populate: what was stored for each processed entry, and the error that stopped it, if any. */
export interface PopulateOutcome {
  readonly proxies: ToxicProxy[];
  readonly error: ApiError | undefined;
}

export class ProxyRegistry {
  private readonly proxies = new Map<string, ToxicProxy>();

  constructor(
    private readonly clock: Clock,
    private readonly random: SeededRandom,
  ) {}

  /** All proxies, sorted by name in byte order (as Go sorts map keys). */
  list(): ToxicProxy[] {
    return [...this.proxies.values()].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  }

  /** The proxy, or a `404 proxy not found`. */
  get(name: string): ToxicProxy {
    const proxy = this.proxies.get(name);
    if (!proxy) throw new ApiError(HTTP_NOT_FOUND, 'proxy not found');
    return proxy;
  }

  /** Creates (and, when enabled, starts) a proxy. 409 when the name exists; 500 when binding fails. */
  async create(spec: ProxySpec): Promise<ToxicProxy> {
    if (this.proxies.has(spec.name)) throw new ApiError(HTTP_CONFLICT, 'proxy already exists');
    const proxy = this.newProxy(spec);
    if (spec.enabled) await proxy.start();
    this.proxies.set(spec.name, proxy);
    return proxy;
  }

  /**
   * Applies an update (§1.4.3): a changed listen (compared after resolution) or upstream stops the proxy and
   * stores the new values; then the enabled flag is applied (start may fail with 500, leaving it disabled).
   */
  async update(proxy: ToxicProxy, change: { listen: string; upstream: string; enabled: boolean }): Promise<void> {
    const resolved = await resolveListenAddress(change.listen);
    if (resolved !== proxy.listen || change.upstream !== proxy.upstream) {
      proxy.stop();
      proxy.listen = change.listen;
      proxy.upstream = change.upstream;
    }
    if (change.enabled && !proxy.enabled) await proxy.start();
    else if (!change.enabled && proxy.enabled) proxy.stop();
  }

  /** Stops and removes a proxy (404 when unknown). */
  delete(name: string): void {
    const proxy = this.get(name);
    proxy.stop();
    this.proxies.delete(name);
  }

  /**
   * Populate (§1.4.6): validates every entry first, then creates, keeps (same resolved listen and upstream)
   * or replaces (fresh proxy, no toxics) each in order, stopping at the first failure. Never deletes.
   */
  async populate(specs: readonly ProxySpec[]): Promise<PopulateOutcome> {
    specs.forEach((spec, i) => {
      if (spec.name === '') throw new ApiError(HTTP_BAD_REQUEST, `missing required field: name at proxy ${i + 1}`);
      if (spec.upstream === '') throw new ApiError(HTTP_BAD_REQUEST, `missing required field: upstream at proxy ${i + 1}`);
    });
    const stored: ToxicProxy[] = [];
    for (const spec of specs) {
      try {
        const existing = this.proxies.get(spec.name);
        if (existing) {
          const resolved = await resolveListenAddress(spec.listen);
          if (resolved === existing.listen && spec.upstream === existing.upstream) {
            stored.push(existing);
            continue;
          }
          existing.stop();
          this.proxies.delete(spec.name);
        }
        stored.push(await this.create(spec));
      } catch (error) {
        if (error instanceof ApiError) return { proxies: stored, error };
        throw error;
      }
    }
    return { proxies: stored, error: undefined };
  }

  /** Reset (§1.4.12): starts every disabled proxy and removes every toxic. */
  async reset(): Promise<void> {
    for (const proxy of this.proxies.values()) {
      if (!proxy.enabled) await proxy.start();
      for (const toxic of proxy.toxics.list()) proxy.removeToxic(toxic);
    }
  }

  /** Stops every proxy (server shutdown). */
  stopAll(): void {
    for (const proxy of this.proxies.values()) proxy.stop();
  }

  private newProxy(spec: ProxySpec): ToxicProxy {
    return new ToxicProxy({
      name: spec.name,
      listen: spec.listen,
      upstream: spec.upstream,
      clock: this.clock,
      random: this.random.fork(`proxy:${spec.name}`),
    });
  }
}
