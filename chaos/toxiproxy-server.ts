/**
 * flowlab's embedded Toxiproxy-compatible server: the HTTP API of spec/toxiproxy-api.md §1 on `node:http`,
 * routing exactly as Toxiproxy's router does (exact paths, 404 `404 page not found`, 405 with an empty body,
 * 403 for browser user agents, an `X-Toxiproxy-Request-Id` on routed responses), with API operations run one at
 * a time, gorilla/mux's 301 to the cleaned path, and Go's 1 MB header limit (so a 64 KiB URL works). Unlike
 * Toxiproxy, a request body over {@link MAX_API_BODY_BYTES} is refused with 413. Not implemented: the 25 s
 * handler timeout (503) and `/metrics`.
 * Start it with {@link startToxiproxyServer}; the returned handle's `stop()` closes every proxy and
 * socket.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomInt } from 'node:crypto';
import { SeededRandom, createLogger, systemClock, toError, type Clock } from '../core/index.js';
import { ApiError, HTTP_INTERNAL_ERROR } from './api-error.js';
import { ApiHandlers, PopulateError, TOXIPROXY_COMPATIBLE_VERSION, type ApiResult } from './api-handlers.js';
import { goMarshal } from './go-json.js';
import { formatAddress } from './listen-address.js';
import { ProxyRegistry } from './proxy-registry.js';

const log = createLogger('chaos/toxiproxy-server');

/** Options of {@link startToxiproxyServer}. */
export interface ToxiproxyServerOptions {
  /** Interface the API listens on. @default '127.0.0.1' */
  readonly host?: string;
  /** API port; 0 lets the OS choose (the CLI uses Toxiproxy's 8474). @default 0 */
  readonly port?: number;
  /** Seed of every random choice (toxicity draws, jitter, slicing), so a chaos run replays. @default random */
  readonly seed?: number;
  /** Time source for toxics. @default systemClock */
  readonly clock?: Clock;
}

/** A running server. `stop()` is idempotent; `await using` stops it too. */
export interface StartedToxiproxyServer extends AsyncDisposable {
  /** Base URL of the API, e.g. `http://127.0.0.1:8474`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The seed in use (the given one, or the one drawn at start). */
  readonly seed: number;
  stop(): Promise<void>;
}

const REQUEST_ID_LENGTH = 20;
const REQUEST_ID_ALPHABET = '0123456789abcdefghijklmnopqrstuv';
const HTTP_FORBIDDEN = 403;
const HTTP_NOT_FOUND = 404;
const HTTP_METHOD_NOT_ALLOWED = 405;
const HTTP_OK = 200;
const HTTP_MOVED_PERMANENTLY = 301;
const HTTP_PAYLOAD_TOO_LARGE = 413;
const SEED_BOUND = 2 ** 32;
/** Largest request body the API reads (Toxiproxy has none; a 100 MB body must not grow the server by 360 MB). */
export const MAX_API_BODY_BYTES = 1024 * 1024;
/** Go's http.DefaultMaxHeaderBytes (1 MB) plus the 4096 bytes of slack its server adds. */
const MAX_HEADER_BYTES = (1 << 20) + 4096;

interface RequestContext {
  readonly params: readonly string[];
  readonly body: string;
}

type Handler = (ctx: RequestContext) => ApiResult | Promise<ApiResult>;

/** Routes by path shape; each maps methods to handlers (anything else on a known path is a 405). */
function matchRoute(segments: readonly string[], api: ApiHandlers): { params: string[]; methods: Record<string, Handler> } | undefined {
  const [root, a, b, c, d, ...rest] = segments;
  if (root !== '' || rest.length > 0 || segments.some((s, i) => i > 0 && s === '')) return undefined;
  if (a === 'proxies' && b === undefined) {
    return { params: [], methods: { GET: () => api.listProxies(), POST: ({ body }) => api.createProxy(body) } };
  }
  if (b === undefined && c === undefined) {
    if (a === 'populate') return { params: [], methods: { POST: ({ body }) => api.populate(body) } };
    if (a === 'reset') return { params: [], methods: { POST: () => api.reset() } };
    if (a === 'version') return { params: [], methods: { GET: versionResult } };
    return undefined;
  }
  if (a !== 'proxies' || b === undefined) return undefined;
  if (c === undefined) {
    const update: Handler = ({ params, body }) => api.updateProxy(params[0] ?? '', body);
    return {
      params: [b],
      methods: {
        GET: ({ params }) => api.getProxy(params[0] ?? ''),
        POST: update,
        PATCH: update,
        DELETE: ({ params }) => api.deleteProxy(params[0] ?? ''),
      },
    };
  }
  if (c !== 'toxics') return undefined;
  if (d === undefined) {
    return {
      params: [b],
      methods: {
        GET: ({ params }) => api.listToxics(params[0] ?? ''),
        POST: ({ params, body }) => api.createToxic(params[0] ?? '', body),
      },
    };
  }
  const update: Handler = ({ params, body }) => api.updateToxic(params[0] ?? '', params[1] ?? '', body);
  return {
    params: [b, d],
    methods: {
      GET: ({ params }) => api.getToxic(params[0] ?? '', params[1] ?? ''),
      POST: update,
      PATCH: update,
      DELETE: ({ params }) => api.deleteToxic(params[0] ?? '', params[1] ?? ''),
    },
  };
}

/** `GET /version`: hand-built text with a space after the colon and a newline (§1.4.13). */
function versionResult(): ApiResult {
  return { status: HTTP_OK, json: `{"version": "${TOXIPROXY_COMPATIBLE_VERSION}"}\n` };
}

function sendPlain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}

function sendError(res: ServerResponse, error: unknown): void {
  const apiError = error instanceof ApiError ? error : new ApiError(HTTP_INTERNAL_ERROR, toError(error).message, { cause: error });
  if (!(error instanceof ApiError)) log.error('unexpected API failure', { error: apiError.message });
  const body: Record<string, unknown> = { error: apiError.message, status: apiError.status };
  if (apiError instanceof PopulateError) {
    // measured on Toxiproxy 2.12.0: populate writes its error as application/json, with no newline
    body['proxies'] = apiError.proxies;
    res.writeHead(apiError.status, { 'Content-Type': 'application/json' });
    res.end(goMarshal(body));
    return;
  }
  // Go's http.Error: the JSON error body goes out as text/plain (§1.1)
  sendPlain(res, apiError.status, `${goMarshal(body)}\n`);
}

function sendResult(res: ServerResponse, result: ApiResult, isVersion: boolean): void {
  if (result.json === undefined) {
    res.writeHead(result.status);
    res.end();
    return;
  }
  res.writeHead(result.status, { 'Content-Type': isVersion ? 'application/json;charset=utf-8' : 'application/json' });
  res.end(result.json);
}

function bodyTooLarge(): ApiError {
  return new ApiError(HTTP_PAYLOAD_TOO_LARGE, 'request body too large');
}

/** Reads the body up to {@link MAX_API_BODY_BYTES}; past it, stops buffering and rejects with a 413. */
function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_API_BODY_BYTES) {
    req.resume();
    return Promise.reject(bodyTooLarge());
  }
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_API_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.resume(); // drain and drop the rest
      reject(bodyTooLarge());
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

/** Go's percent-encoding of a path (url.URL.EscapedPath without a RawPath): unreserved plus `$&+,/:;=@` stay. */
function goEscapePath(path: string): string {
  return encodeURIComponent(path).replace(/%(24|26|2B|2C|2F|3A|3B|3D|40)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** gorilla/mux's cleanPath: path.Clean, with a trailing slash kept. */
export function cleanPath(path: string): string {
  if (path === '') return '/';
  const rooted = path.startsWith('/') ? path : `/${path}`;
  const out: string[] = [];
  for (const part of rooted.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  const cleaned = `/${out.join('/')}`;
  return rooted.endsWith('/') && cleaned !== '/' ? `${cleaned}/` : cleaned;
}

/** The 301 target when the decoded path is not clean (gorilla/mux redirects before routing); else undefined. */
function redirectFor(url: string): string | undefined {
  const queryAt = url.indexOf('?');
  const rawPath = queryAt < 0 ? url : url.slice(0, queryAt);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  const cleaned = cleanPath(path);
  if (cleaned === path) return undefined;
  return `${goEscapePath(cleaned)}${queryAt < 0 ? '' : url.slice(queryAt)}`;
}

/** Splits the decoded path into segments; `undefined` when it does not decode. */
function pathSegments(url: string): string[] | undefined {
  const rawPath = url.split('?', 1)[0] ?? '';
  try {
    return decodeURIComponent(rawPath).split('/');
  } catch {
    return undefined;
  }
}

/** Starts the embedded Toxiproxy-compatible API server. */
export async function startToxiproxyServer(options: ToxiproxyServerOptions = {}): Promise<StartedToxiproxyServer> {
  const seed = options.seed ?? randomInt(SEED_BOUND);
  const random = new SeededRandom(seed);
  const requestIds = random.fork('request-id');
  const registry = new ProxyRegistry(options.clock ?? systemClock, random.fork('proxies'));
  const api = new ApiHandlers(registry);
  let serial: Promise<unknown> = Promise.resolve();

  const requestId = (): string => {
    let id = '';
    for (let i = 0; i < REQUEST_ID_LENGTH; i++) id += REQUEST_ID_ALPHABET[requestIds.nextInt(REQUEST_ID_ALPHABET.length)] ?? '0';
    return id;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const location = redirectFor(req.url ?? '/');
    if (location !== undefined) {
      req.resume();
      res.writeHead(HTTP_MOVED_PERMANENTLY, { Location: location });
      res.end();
      return;
    }
    const segments = pathSegments(req.url ?? '/');
    const route = segments && matchRoute(segments, api);
    if (!route) {
      req.resume();
      sendPlain(res, HTTP_NOT_FOUND, '404 page not found\n');
      return;
    }
    const handler = route.methods[req.method ?? ''];
    if (!handler) {
      req.resume();
      res.writeHead(HTTP_METHOD_NOT_ALLOWED);
      res.end();
      return;
    }
    res.setHeader('X-Toxiproxy-Request-Id', requestId());
    if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
      req.resume();
      sendPlain(res, HTTP_FORBIDDEN, 'User agent not allowed\n');
      return;
    }
    try {
      const body = await readBody(req);
      const run = serial.then(() => handler({ params: route.params, body }));
      serial = run.catch(() => undefined);
      sendResult(res, await run, segments[1] === 'version');
    } catch (error) {
      if (error instanceof ApiError && error.status === HTTP_PAYLOAD_TOO_LARGE) res.setHeader('Connection', 'close');
      sendError(res, error);
    }
  };

  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, error);
      else res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${formatAddress(host, port)}`;
  log.info('toxiproxy-compatible server listening', { url, seed });

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      registry.stopAll();
      await serial;
      registry.stopAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    })();
    return stopped;
  };
  return { url, host, port, seed, stop, [Symbol.asyncDispose]: stop };
}
