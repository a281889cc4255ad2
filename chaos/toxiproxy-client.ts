/**
 * flowlab's client for a Toxiproxy API, built on toxiproxy-node-client: one code path for the embedded server
 * and for a real Toxiproxy (`TOXIPROXY_URL`). It papers over the package's quirks (spec/toxiproxy-api.md §3):
 * errors keep the server's message and status ({@link ToxiproxyError}), `getVersion()`'s raw text is parsed,
 * `populate([])` does not crash, toxics can be listed, and disabling passes the current `listen` so the proxy is
 * not restarted by accident.
 */
import { Toxiproxy, Proxy as TpProxy, type Toxic as TpToxic } from 'toxiproxy-node-client';
import type { ICreateToxicBody, IProxyResponse, IToxicResponse } from 'toxiproxy-node-client/dist/interfaces.js';
import { ErrorPreservingHttpClient } from './client-transport.js';
import type { ToxicAttributesByType, ToxicSpec } from './toxic-builders.js';
import { ToxiproxyError } from './toxiproxy-error.js';
import type { ToxicDirection, ToxicType } from './toxic-types.js';

/** A proxy to create. */
export interface ProxyOptions {
  readonly name: string;
  /** `host:port` to dial for each client connection. */
  readonly upstream: string;
  /** Address to listen on. @default '127.0.0.1:0' (an OS-chosen loopback port) */
  readonly listen?: string;
  /** @default true */
  readonly enabled?: boolean;
}

/** A toxic as the server reports it. */
export interface ToxicInfo<T extends ToxicType = ToxicType> {
  readonly name: string;
  readonly type: T;
  readonly stream: ToxicDirection;
  readonly toxicity: number;
  readonly attributes: ToxicAttributesByType[T];
}

const DEFAULT_LISTEN = '127.0.0.1:0';

/** Parses the port after the last `:` of a listen address (as the Testcontainers module does). */
function portOf(listen: string): number {
  return Number(listen.slice(listen.lastIndexOf(':') + 1));
}

/** Host part of a listen address, brackets removed; wildcards map to loopback for connecting. */
function connectHostOf(listen: string): string {
  const host = listen.slice(0, listen.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1');
  if (host === '' || host === '::' || host === '0.0.0.0') return '127.0.0.1';
  return host;
}

/** A toxic on a proxy. Immutable snapshot; `update()` returns the new state. */
export class ToxicHandle<T extends ToxicType = ToxicType> implements ToxicInfo<T> {
  readonly name: string;
  readonly type: T;
  readonly stream: ToxicDirection;
  readonly toxicity: number;
  readonly attributes: ToxicAttributesByType[T];

  constructor(readonly raw: TpToxic<ToxicAttributesByType[T]>) {
    this.name = raw.name;
    this.type = raw.type as T;
    this.stream = raw.stream;
    this.toxicity = raw.toxicity;
    this.attributes = raw.attributes;
  }

  /** Changes attributes (merged into the current ones) and/or toxicity; applies to live connections at once. */
  async update(change: { attributes?: Partial<ToxicAttributesByType[T]>; toxicity?: number }): Promise<ToxicHandle<T>> {
    const body = change as unknown as ICreateToxicBody<ToxicAttributesByType[T]>;
    return new ToxicHandle<T>(await this.raw.update(body));
  }

  async remove(): Promise<void> {
    await this.raw.remove();
  }
}

/** A proxy. Immutable snapshot; state-changing calls return the new state. */
export class ProxyHandle {
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
  readonly enabled: boolean;

  constructor(readonly raw: TpProxy) {
    this.name = raw.name;
    this.listen = raw.listen;
    this.upstream = raw.upstream;
    this.enabled = raw.enabled;
  }

  /** Host to connect to for this proxy (loopback for wildcard listens). */
  get host(): string {
    return connectHostOf(this.listen);
  }

  /** Port the proxy listens on. */
  get port(): number {
    return portOf(this.listen);
  }

  async addToxic<T extends ToxicType>(spec: ToxicSpec<T>): Promise<ToxicHandle<T>> {
    // the package's body type wants every field and knows no 'noop'; the server fills defaults itself
    const body = spec as unknown as ICreateToxicBody<ToxicAttributesByType[T]>;
    return new ToxicHandle<T>(await this.raw.addToxic(body));
  }

  async getToxic<T extends ToxicType = ToxicType>(name: string): Promise<ToxicHandle<T>> {
    return new ToxicHandle<T>(await this.raw.getToxic<ToxicAttributesByType[T]>(name));
  }

  /** All toxics, upstream first (the package has no call for this, so it goes through its transport). */
  async toxics(): Promise<ToxicInfo[]> {
    const response = await this.raw.api.get<Array<IToxicResponse<unknown>>>(`${this.raw.getPath()}/toxics`);
    return response.data.map((t) => ({ ...t }) as unknown as ToxicInfo);
  }

  /** Changes listen, upstream or enabled; omitted fields keep their current values. */
  async update(change: { listen?: string; upstream?: string; enabled?: boolean }): Promise<ProxyHandle> {
    return new ProxyHandle(
      await this.raw.update({
        listen: change.listen ?? this.listen,
        upstream: change.upstream ?? this.upstream,
        enabled: change.enabled ?? this.enabled,
      }),
    );
  }

  /** Takes the proxy down: new connects are refused, open connections close; toxics stay. */
  async disable(): Promise<ProxyHandle> {
    return this.update({ enabled: false });
  }

  /** Brings the proxy back on the same address. */
  async enable(): Promise<ProxyHandle> {
    return this.update({ enabled: true });
  }

  async remove(): Promise<void> {
    await this.raw.remove();
  }
}

/** A client of one Toxiproxy API (embedded or real). */
export class ToxiproxyClient {
  /** The toxiproxy-node-client instance (its transport keeps server error messages). */
  readonly raw: Toxiproxy;

  /** @param url base URL such as `http://127.0.0.1:8474` (a trailing slash is dropped) */
  constructor(readonly url: string) {
    this.raw = new Toxiproxy(url.replace(/\/+$/, ''));
    this.raw.api = new ErrorPreservingHttpClient();
  }

  /** The server's version string (`2.12.0`, `git`, …). */
  async version(): Promise<string> {
    const text = await this.raw.getVersion();
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && 'version' in parsed && typeof parsed.version === 'string') {
        return parsed.version;
      }
    } catch (error) {
      throw new ToxiproxyError({ method: 'GET', url: `${this.raw.host}/version`, serverMessage: `unexpected body ${JSON.stringify(text)}`, cause: error });
    }
    throw new ToxiproxyError({ method: 'GET', url: `${this.raw.host}/version`, serverMessage: `unexpected body ${JSON.stringify(text)}` });
  }

  async createProxy(options: ProxyOptions): Promise<ProxyHandle> {
    return new ProxyHandle(
      await this.raw.createProxy({
        name: options.name,
        listen: options.listen ?? DEFAULT_LISTEN,
        upstream: options.upstream,
        enabled: options.enabled ?? true,
      }),
    );
  }

  async getProxy(name: string): Promise<ProxyHandle> {
    return new ProxyHandle(await this.raw.get(name));
  }

  /** All proxies by name. */
  async listProxies(): Promise<Map<string, ProxyHandle>> {
    const all = await this.raw.getAll();
    return new Map(Object.entries(all).map(([name, proxy]) => [name, new ProxyHandle(proxy)]));
  }

  /**
   * Creates, keeps or replaces proxies in one call (Toxiproxy's populate semantics). An empty list returns
   * `[]` (the package itself crashes on the server's `{"proxies":null}`).
   */
  async populate(proxies: readonly ProxyOptions[]): Promise<ProxyHandle[]> {
    const body = proxies.map((p) => ({ name: p.name, listen: p.listen ?? DEFAULT_LISTEN, upstream: p.upstream, enabled: p.enabled ?? true }));
    const response = await this.raw.api.post<{ proxies: IProxyResponse[] | null }>(`${this.raw.host}/populate`, body);
    return (response.data.proxies ?? []).map((p) => new ProxyHandle(new TpProxy(this.raw, p)));
  }

  /** Enables every proxy and removes every toxic. */
  async reset(): Promise<void> {
    await this.raw.reset();
  }
}
