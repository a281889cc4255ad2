/**
 * Typed builders for toxic requests, with units in the parameter names (`latencyMs`, `rateKBps`, `delayUs`).
 * Each returns a {@link ToxicSpec} for {@link ProxyHandle.addToxic}. Defaults follow Toxiproxy: stream
 * `downstream`, toxicity 1, name `<type>_<stream>` (assigned by the server when omitted).
 */
import type { ToxicDirection, ToxicType } from './toxic-types.js';

/** Attributes per toxic type, as the API names them (spec/toxiproxy-api.md §1.2). */
export interface ToxicAttributesByType {
  latency: { latency: number; jitter: number };
  bandwidth: { rate: number };
  slow_close: { delay: number };
  timeout: { timeout: number };
  reset_peer: { timeout: number };
  slicer: { average_size: number; size_variation: number; delay: number };
  limit_data: { bytes: number };
  noop: Record<string, never>;
}

/** A toxic to add: what `POST /proxies/{proxy}/toxics` receives. */
export interface ToxicSpec<T extends ToxicType = ToxicType> {
  readonly type: T;
  /** @default `<type>_<stream>` (server-assigned) */
  readonly name?: string;
  /** @default 'downstream' (server → client) */
  readonly stream: ToxicDirection;
  /** Probability that a connection is affected. @default 1 */
  readonly toxicity: number;
  readonly attributes: ToxicAttributesByType[T];
}

/** Options every builder takes. */
export interface ToxicOptions {
  readonly name?: string;
  /** @default 'downstream' */
  readonly stream?: ToxicDirection;
  /** @default 1 */
  readonly toxicity?: number;
}

function spec<T extends ToxicType>(type: T, attributes: ToxicAttributesByType[T], options: ToxicOptions): ToxicSpec<T> {
  return {
    type,
    ...(options.name !== undefined ? { name: options.name } : {}),
    stream: options.stream ?? 'downstream',
    toxicity: options.toxicity ?? 1,
    attributes,
  };
}

export const toxics = {
  /** Delays each chunk by `latencyMs` ± `jitterMs` (uniform). */
  latency(a: { latencyMs: number; jitterMs?: number }, options: ToxicOptions = {}): ToxicSpec<'latency'> {
    return spec('latency', { latency: a.latencyMs, jitter: a.jitterMs ?? 0 }, options);
  },
  /** Limits the rate to `rateKBps` kilobytes (1000 bytes) per second per connection; 0 stalls the stream. */
  bandwidth(a: { rateKBps: number }, options: ToxicOptions = {}): ToxicSpec<'bandwidth'> {
    return spec('bandwidth', { rate: a.rateKBps }, options);
  },
  /** Passes the close on `delayMs` late. */
  slowClose(a: { delayMs: number }, options: ToxicOptions = {}): ToxicSpec<'slow_close'> {
    return spec('slow_close', { delay: a.delayMs }, options);
  },
  /** Drops all data; closes after `timeoutMs` without data (0: never, a black hole). */
  timeout(a: { timeoutMs: number }, options: ToxicOptions = {}): ToxicSpec<'timeout'> {
    return spec('timeout', { timeout: a.timeoutMs }, options);
  },
  /** Drops the first data, then resets the connection after `timeoutMs`. */
  resetPeer(a: { timeoutMs?: number } = {}, options: ToxicOptions = {}): ToxicSpec<'reset_peer'> {
    return spec('reset_peer', { timeout: a.timeoutMs ?? 0 }, options);
  },
  /** Splits data into slices of about `averageSizeBytes` (± `sizeVariationBytes`), `delayUs` apart. */
  slicer(a: { averageSizeBytes: number; sizeVariationBytes?: number; delayUs?: number }, options: ToxicOptions = {}): ToxicSpec<'slicer'> {
    return spec('slicer', { average_size: a.averageSizeBytes, size_variation: a.sizeVariationBytes ?? 0, delay: a.delayUs ?? 0 }, options);
  },
  /** Closes the connection once `bytes` have passed in this direction. */
  limitData(a: { bytes: number }, options: ToxicOptions = {}): ToxicSpec<'limit_data'> {
    return spec('limit_data', { bytes: a.bytes }, options);
  },
  /** Passes data through unchanged. */
  noop(options: ToxicOptions = {}): ToxicSpec<'noop'> {
    return spec('noop', {}, options);
  },
} as const;
