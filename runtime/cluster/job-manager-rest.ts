/**
 * The JobManager's REST API: JSON over HTTP on loopback. Routing, body limits and error mapping live here; the
 * {@link RestBackend} (the JobManager) answers with the types of the REST contract (rest-contract.ts). Errors are
 * `{ "error": message, "code": CODE }` with a 4xx/5xx status: unknown path 404, wrong method 405 (with `Allow`), body over the limit 413, malformed JSON 400.
 *
 * Routes: `GET /overview`, `GET /taskmanagers`, `GET|POST /jobs`, `GET /jobs/:id`, `POST /jobs/:id/cancel`,
 * `GET /jobs/:id/metrics`, `GET|POST /jobs/:id/checkpoints` (counts, history, summaries; POST triggers one),
 * `GET /jobs/:id/checkpoints/:checkpointId` (one checkpoint of the history with per-subtask figures; Flink's path is
 * `/jobs/:jobid/checkpoints/details/:checkpointid`), `GET|PUT /links`, `POST /shutdown`.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlowlabError, toError, type Logger } from '../../core/index.js';
import type { z } from 'zod';
import type { JobDetails } from './job-execution.js';
import type {
  CheckpointTriggeredResponse,
  JobCancelResponse,
  JobCheckpointDetailsResponse,
  JobCheckpointsResponse,
  JobListResponse,
  JobManagerOverview,
  JobMetricsResponse,
  LinksResponse,
  jobSubmittedSchema,
  taskManagersSchema,
} from './rest-contract.js';

/** Largest request body accepted (a job graph is a few KiB). */
export const MAX_REST_BODY_BYTES = 1024 * 1024;

/** An error with an HTTP status. Other {@link FlowlabError}s map by code (see {@link statusForError}). */
export class HttpError extends FlowlabError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(code, message);
  }
}

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  ERR_INVALID_JOB_GRAPH: 400,
  ERR_NOT_ENOUGH_SLOTS: 409,
  ERR_JOB_NOT_FOUND: 404,
  ERR_JOB_NOT_CANCELABLE: 409,
};

export function statusForError(error: Error): number {
  if (error instanceof HttpError) return error.status;
  if (error instanceof FlowlabError) return STATUS_BY_CODE[error.code] ?? 500;
  return 500;
}

/** What the REST API asks of the JobManager. Methods throw coded errors; results are JSON-serializable. */
export interface RestBackend {
  overview(): JobManagerOverview;
  taskManagers(): z.input<typeof taskManagersSchema>;
  /** Validates, schedules and deploys; resolves the new job's id. */
  submitJob(spec: unknown): z.input<typeof jobSubmittedSchema>;
  listJobs(): JobListResponse;
  jobDetails(jobId: string): JobDetails;
  cancelJob(jobId: string): JobCancelResponse;
  jobMetrics(jobId: string): JobMetricsResponse;
  jobCheckpoints(jobId: string): JobCheckpointsResponse;
  /** Throws a 404 for an unknown job or a checkpoint id not in the history. */
  checkpointDetails(jobId: string, checkpointId: number): JobCheckpointDetailsResponse;
  triggerCheckpoint(jobId: string): CheckpointTriggeredResponse;
  /** `GET /links` */
  links(): LinksResponse;
  /** `PUT /links`: replaces the data-link address overrides for jobs submitted afterwards. */
  setLinkOverrides(body: unknown): LinksResponse;
  /** Called after the `POST /shutdown` response went out. */
  shutdown(): void;
}

interface RouteMatch {
  params: string[];
  body: unknown;
}

interface Route {
  method: 'GET' | 'POST' | 'PUT';
  pattern: RegExp;
  hasBody?: boolean;
  status?: number;
  handle(match: RouteMatch): unknown;
  /** Runs after the response has been sent. */
  after?: () => void;
}

function routes(backend: RestBackend): Route[] {
  return [
    { method: 'GET', pattern: /^\/overview$/, handle: () => backend.overview() },
    { method: 'GET', pattern: /^\/taskmanagers$/, handle: () => backend.taskManagers() },
    { method: 'GET', pattern: /^\/jobs$/, handle: () => backend.listJobs() },
    { method: 'POST', pattern: /^\/jobs$/, hasBody: true, status: 201, handle: (m) => backend.submitJob(m.body) },
    { method: 'GET', pattern: /^\/jobs\/([^/]+)$/, handle: (m) => backend.jobDetails(m.params[0]!) },
    { method: 'POST', pattern: /^\/jobs\/([^/]+)\/cancel$/, status: 202, handle: (m) => backend.cancelJob(m.params[0]!) },
    { method: 'GET', pattern: /^\/jobs\/([^/]+)\/metrics$/, handle: (m) => backend.jobMetrics(m.params[0]!) },
    { method: 'GET', pattern: /^\/jobs\/([^/]+)\/checkpoints$/, handle: (m) => backend.jobCheckpoints(m.params[0]!) },
    { method: 'POST', pattern: /^\/jobs\/([^/]+)\/checkpoints$/, status: 202, handle: (m) => backend.triggerCheckpoint(m.params[0]!) },
    { method: 'GET', pattern: /^\/jobs\/([^/]+)\/checkpoints\/([^/]+)$/, handle: (m) => backend.checkpointDetails(m.params[0]!, checkpointIdParam(m.params[1]!)) },
    { method: 'GET', pattern: /^\/links$/, handle: () => backend.links() },
    { method: 'PUT', pattern: /^\/links$/, hasBody: true, handle: (m) => backend.setLinkOverrides(m.body) },
    { method: 'POST', pattern: /^\/shutdown$/, status: 202, handle: () => ({ shuttingDown: true }), after: () => backend.shutdown() },
  ];
}

/** A started REST server; `stop()` is idempotent. */
export class JobManagerRestServer {
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
  ) {}

  static start(options: { backend: RestBackend; host: string; port: number; logger: Logger }): Promise<JobManagerRestServer> {
    const table = routes(options.backend);
    const server = createServer((req, res) => {
      dispatch(table, req, res, options.logger).catch((error: unknown) => {
        options.logger.error('REST handler failed', { error: String(error) });
        if (!res.headersSent) sendError(res, 500, 'ERR_INTERNAL', toError(error).message);
      });
    });
    server.keepAliveTimeout = 5_000;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        server.on('error', (error) => options.logger.error('REST server error', { error: String(error) }));
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : options.port;
        resolve(new JobManagerRestServer(server, options.host, port));
      });
    });
  }

  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
      // In-flight requests get a moment to finish (the `POST /shutdown` response among them).
      setTimeout(() => this.server.closeAllConnections(), 200).unref();
    });
    return this.stopping;
  }
}

async function dispatch(table: readonly Route[], req: IncomingMessage, res: ServerResponse, logger: Logger): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '') || '/';
  const matching = table.filter((r) => r.pattern.test(path));
  if (matching.length === 0) {
    req.resume();
    sendError(res, 404, 'ERR_NOT_FOUND', `No such endpoint: ${req.method ?? '?'} ${path}`);
    return;
  }
  const route = matching.find((r) => r.method === req.method);
  if (!route) {
    req.resume();
    const allow = matching.map((r) => r.method).join(', ');
    res.setHeader('Allow', allow);
    sendError(res, 405, 'ERR_METHOD_NOT_ALLOWED', `Method ${req.method ?? '?'} is not allowed on ${path} (allowed: ${allow})`);
    return;
  }
  try {
    const params = (route.pattern.exec(path) ?? []).slice(1).map(decodePathParam);
    let body: unknown;
    if (route.hasBody) body = await readJsonBody(req);
    else req.resume();
    const result = route.handle({ params, body });
    sendJson(res, route.status ?? 200, result, route.after);
  } catch (caught) {
    const error = toError(caught);
    const status = statusForError(error);
    if (status >= 500) logger.error('REST request failed', { path, error: error.message });
    const code = error instanceof FlowlabError ? error.code : 'ERR_INTERNAL';
    if (status === 413) res.setHeader('Connection', 'close');
    sendError(res, status, code, error.message, error);
  }
}

function decodePathParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'ERR_BAD_REQUEST', `Malformed path parameter ${JSON.stringify(raw)}`);
  }
}

function checkpointIdParam(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw new HttpError(400, 'ERR_BAD_REQUEST', `Checkpoint id must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const tooLarge = (): HttpError =>
    new HttpError(413, 'ERR_PAYLOAD_TOO_LARGE', `Request body exceeds the limit of ${MAX_REST_BODY_BYTES} bytes`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_REST_BODY_BYTES) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > MAX_REST_BODY_BYTES) {
        failed = true;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (error) => {
      if (!failed) reject(error);
      failed = true;
    });
    req.on('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') {
        reject(new HttpError(400, 'ERR_BAD_REQUEST', 'Request body is empty; expected JSON'));
        return;
      }
      try {
        resolve(JSON.parse(text) as unknown);
      } catch (error) {
        reject(new HttpError(400, 'ERR_MALFORMED_JSON', `Request body is not valid JSON: ${toError(error).message}`));
      }
    });
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, after?: () => void): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text, after);
}

function sendError(res: ServerResponse, status: number, code: string, message: string, error?: Error): void {
  const body: Record<string, unknown> = { error: message, code };
  if (error && 'element' in error && typeof error.element === 'string') body['element'] = error.element;
  sendJson(res, status, body);
}

let cachedVersion: string | undefined;

/** flowlab's version from the nearest `package.json` named flowlab (works from the sources and from `dist/`). */
export function flowlabVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'flowlab' && typeof pkg.version === 'string') return (cachedVersion = pkg.version);
    } catch {
      // not here; look one level up
    }
    const parent = dirname(dir);
    if (parent === dir) return (cachedVersion = '0.0.0');
    dir = parent;
  }
}
