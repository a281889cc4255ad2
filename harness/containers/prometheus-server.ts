/**
 * A real Prometheus server (the `prometheus` binary, e.g. Debian's package) started for one run: loopback only,
 * an OS-chosen port, its own temporary storage, a given scrape configuration. Queried through its HTTP API;
 * `stop()` ends the process and removes the storage.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { z } from 'zod';
import { FlowlabError, WaitTimeoutError, pollUntil } from '../../core/index.js';

/** Environment variable naming the binary; otherwise `prometheus` is looked up on PATH. */
export const PROMETHEUS_BINARY_ENV = 'FLOWLAB_PROMETHEUS';
const READY_TIMEOUT_MS = 30_000;
const READY_POLL_MS = 100;
const STOP_GRACE_MS = 5_000;
const PORT_ATTEMPTS = 3;
const STDERR_TAIL_CHARS = 4_000;

/** No Prometheus binary here: the message names what was looked for. */
export class PrometheusNotFoundError extends FlowlabError {
  constructor(readonly looked: string) {
    super('ERR_PROMETHEUS_NOT_FOUND', `the prometheus binary is not installed (looked for ${looked}; on Debian: apt-get install prometheus, or set ${PROMETHEUS_BINARY_ENV})`);
  }
}

/** Prometheus refused a query (e.g. a PromQL syntax error); the message is Prometheus's own. */
export class PromQLError extends FlowlabError {
  constructor(
    readonly query: string,
    readonly errorType: string,
    message: string,
  ) {
    super('ERR_PROMQL', `Prometheus refused ${JSON.stringify(query)}: ${errorType}: ${message}`);
  }
}

/** One series of an instant query's result. */
export interface PromSample {
  labels: Record<string, string>;
  value: number;
}

const queryResponseSchema = z.union([
  z.object({
    status: z.literal('success'),
    data: z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })) }),
  }),
  z.object({ status: z.literal('success'), data: z.object({ resultType: z.literal('scalar'), result: z.tuple([z.number(), z.string()]) }) }),
  z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() }),
]);
const targetsResponseSchema = z.object({
  status: z.literal('success'),
  data: z.object({ activeTargets: z.array(z.object({ scrapePool: z.string(), scrapeUrl: z.string(), health: z.string(), lastError: z.string() })) }),
});
export type PromTarget = z.infer<typeof targetsResponseSchema>['data']['activeTargets'][number];

/** The Prometheus binary: `$FLOWLAB_PROMETHEUS`, else `prometheus` on PATH; throws {@link PrometheusNotFoundError}. */
export async function findPrometheusBinary(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const named = env[PROMETHEUS_BINARY_ENV];
  const candidates = named ? [named] : (env['PATH'] ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'prometheus'));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  throw new PrometheusNotFoundError(named ? `${PROMETHEUS_BINARY_ENV}=${named}` : '"prometheus" on PATH');
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface PrometheusServerOptions {
  /** The scrape configuration (YAML text). */
  config: string;
  /** @default {@link findPrometheusBinary} */
  binary?: string;
}

export class PrometheusServer {
  private stopPromise: Promise<void> | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    /** `http://127.0.0.1:<port>` */
    readonly url: string,
    private readonly stderrTail: () => string,
  ) {}

  static async start(options: PrometheusServerOptions): Promise<PrometheusServer> {
    const binary = options.binary ?? (await findPrometheusBinary());
    const dir = await mkdtemp(join(tmpdir(), 'flowlab-prometheus-'));
    try {
      const configFile = join(dir, 'prometheus.yml');
      await writeFile(configFile, options.config);
      let lastError: unknown;
      for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
        try {
          return await PrometheusServer.launch(binary, dir, configFile, await freeLoopbackPort());
        } catch (error) {
          lastError = error;
          if (!(error instanceof FlowlabError && /address already in use/.test(error.message))) break;
        }
      }
      throw lastError;
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  private static async launch(binary: string, dir: string, configFile: string, port: number): Promise<PrometheusServer> {
    const args = [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'];
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let tail = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (tail = (tail + chunk).slice(-STDERR_TAIL_CHARS)));
    const server = new PrometheusServer(child, dir, `http://127.0.0.1:${port}`, () => tail);
    let exited: string | undefined;
    child.once('exit', (code, signal) => (exited = `exited (${signal ?? code})`));
    child.once('error', (error) => (exited = `could not start: ${error.message}`));
    const ready = async (): Promise<boolean> => {
      if (exited !== undefined) return true;
      const res = await fetch(`${server.url}/-/ready`);
      await res.text();
      return res.ok;
    };
    try {
      await pollUntil('prometheus to be ready', ready, { timeoutMs: READY_TIMEOUT_MS, intervalMs: READY_POLL_MS, retryErrors: true });
      if (exited === undefined) return server;
    } catch (error) {
      if (!(error instanceof WaitTimeoutError)) throw error;
    }
    await server.stopProcess();
    throw new FlowlabError('ERR_PROMETHEUS_START', `prometheus ${exited ?? `was not ready within ${READY_TIMEOUT_MS} ms`}: ${tail.trim().slice(-1_000) || '(no output)'}`);
  }

  /** An instant query at `timeSec` (default: now); a refused query throws {@link PromQLError}. */
  async query(expr: string, timeSec?: number): Promise<PromSample[]> {
    const params = new URLSearchParams({ query: expr });
    if (timeSec !== undefined) params.set('time', String(timeSec));
    const res = await fetch(`${this.url}/api/v1/query`, { method: 'POST', body: params });
    const body = queryResponseSchema.parse(await res.json());
    if (body.status === 'error') throw new PromQLError(expr, body.errorType, body.error);
    if (body.data.resultType === 'scalar') return [{ labels: {}, value: Number(body.data.result[1]) }];
    return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  }

  /** The scrape targets and their health (`GET /api/v1/targets`). */
  async targets(): Promise<PromTarget[]> {
    const res = await fetch(`${this.url}/api/v1/targets?state=active`);
    return targetsResponseSchema.parse(await res.json()).data.activeTargets;
  }

  /** What the server printed on stderr lately (for a failing test's message). */
  get log(): string {
    return this.stderrTail();
  }

  /** Ends the process (SIGTERM, SIGKILL after a grace period) and removes its storage. Idempotent. */
  stop(): Promise<void> {
    this.stopPromise ??= this.stopProcess().then(() => rm(this.dir, { recursive: true, force: true }));
    return this.stopPromise;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private stopProcess(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
