/**
 * The `kind: http` workload: autocannon drives the job's HTTP ingest sources (runtime's `source.http`) at a fixed
 * overall request rate (open loop: autocannon's `overallRate`) over `connections`, with `pipelining`, each request an
 * NDJSON batch of `recordsPerRequest` seeded keys. Every response time (request → response) goes into an HDR
 * histogram (µs) stored beside the sinks' end-to-end latency; the result's `ingest` section also proves delivery:
 * the client's 2xx records equal the sources' accepted records, and the sinks' key digest equals the sources'.
 */
import autocannon from 'autocannon';
import { createRequire } from 'node:module';
import * as hdr from 'hdr-histogram-js';
import { SeededRandom } from '../core/index.js';
import type { JobManagerClient, TaskMetricsReport } from '../runtime/index.js';
import { guardedSummary } from './percentile-guard.js';
import type { IngestSection } from './result-schema.js';

export interface IngestOptions {
  /** Requests per second over all connections and sources (open loop). */
  readonly ratePerSec: number;
  readonly connections: number;
  readonly pipelining: number;
  readonly recordsPerRequest: number;
  /** autocannon's response timeout, ms (a request without a response by then counts as a timeout). */
  readonly timeoutMs: number;
}

/** How long before the sources stop serving the load stops, so no request meets a closing server. */
const STOP_BEFORE_SOURCES_END_MS = 500;
const PORT_DISCOVERY_TIMEOUT_MS = 15_000;

function autocannonVersion(): string {
  try {
    return (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The NDJSON body every request sends: `recordsPerRequest` keys drawn from the seed. */
export function ingestBody(recordsPerRequest: number, keys: number, seed: number): { body: string; keys: number[] } {
  const random = new SeededRandom(seed).fork('http-ingest');
  const chosen = Array.from({ length: recordsPerRequest }, () => random.nextInt(keys));
  return { body: `${chosen.map((key) => JSON.stringify({ key })).join('\n')}\n`, keys: chosen };
}

/** Waits until every HTTP source subtask of the job reports its bound port; returns their URLs. */
export async function httpSourceUrls(client: JobManagerClient, jobId: string, subtasks: number, isStopped: () => boolean): Promise<string[]> {
  const deadline = Date.now() + PORT_DISCOVERY_TIMEOUT_MS;
  for (;;) {
    const { tasks } = await client.metrics(jobId);
    const bound = tasks.filter((t) => t.httpSource && t.httpSource.port > 0);
    if (bound.length >= subtasks) return bound.map((t) => `http://${t.httpSource!.host}:${t.httpSource!.port}/records`);
    if (isStopped()) throw new Error('stopped before the HTTP sources reported their ports');
    if (Date.now() > deadline) throw new Error(`${bound.length} of ${subtasks} HTTP source subtasks reported a port within ${PORT_DISCOVERY_TIMEOUT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What the load generator saw. */
export interface IngestLoad {
  readonly urls: readonly string[];
  readonly durationMs: number;
  readonly result: autocannon.Result;
  /** Request → response, µs, HDR V2 compressed base64. */
  readonly latencyHistogram: string;
  readonly status2xx: number;
  readonly status503: number;
}

/** A running autocannon; `stop()` ends it early (the run was aborted). */
export class IngestDriver {
  private instance: autocannon.Instance | undefined;

  constructor(readonly options: IngestOptions) {}

  /** Sends for `durationMs` (less a margin before the sources stop) and resolves with what it saw. */
  async run(urls: readonly string[], body: string, durationMs: number): Promise<IngestLoad> {
    const seconds = Math.max(0.5, (durationMs - STOP_BEFORE_SOURCES_END_MS) / 1000);
    const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
    let status2xx = 0;
    let status503 = 0;
    let stopTimer: NodeJS.Timeout | undefined;
    try {
      const result = await new Promise<autocannon.Result>((resolve, reject) => {
        const instance = autocannon(
          {
            // autocannon takes several URLs and spreads the connections over them (its typings say one)
            url: [...urls] as unknown as string,
            method: 'POST',
            headers: { 'content-type': 'application/x-ndjson' },
            body,
            connections: this.options.connections,
            pipelining: this.options.pipelining,
            overallRate: this.options.ratePerSec,
            duration: seconds + 5,
            timeout: Math.max(1, Math.ceil(this.options.timeoutMs / 1000)),
          },
          (error: unknown, r: autocannon.Result) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(r)),
        );
        this.instance = instance;
        // autocannon's own duration starts once its clients connect and may overrun a busy event loop: stop it on our clock
        stopTimer = setTimeout(() => instance.stop(), seconds * 1000);
        instance.on('response', (_client: autocannon.Client, statusCode: number, _bytes: number, responseTimeMs: number) => {
          histogram.recordValue(Math.min(3_600_000_000, Math.max(1, Math.round(responseTimeMs * 1000))));
          if (statusCode >= 200 && statusCode < 300) status2xx++;
          else if (statusCode === 503) status503++;
        });
      });
      return { urls, durationMs: Math.min(seconds * 1000, result.duration > 0 ? result.duration * 1000 : Infinity), result, latencyHistogram: hdr.encodeIntoCompressedBase64(histogram), status2xx, status503 };
    } finally {
      clearTimeout(stopTimer);
      histogram.destroy();
      this.instance = undefined;
    }
  }

  stop(): void {
    this.instance?.stop();
  }
}

function latencyOf(histogram: string): IngestSection['latencyUs'] {
  const { reasons, ...figures } = guardedSummary(histogram);
  return { ...figures, histogram, ...(reasons ? { reasons: { ...reasons } } : {}) };
}

/** The result's `ingest` section from the load and the final task reports. */
export function ingestSection(options: IngestOptions, load: IngestLoad, reports: readonly TaskMetricsReport[]): IngestSection {
  const sources = reports.filter((t) => t.httpSource);
  const sum = (f: (t: TaskMetricsReport) => number, of: readonly TaskMetricsReport[]): number => of.reduce((n, t) => n + f(t), 0);
  const sinks = reports.filter((t) => t.sink?.keyDigest);
  const digest = (list: ReadonlyArray<{ records: number; keySum: number; keyHashSum: number } | undefined>): { records: number; keySum: number; keyHashSum: number } =>
    list.reduce<{ records: number; keySum: number; keyHashSum: number }>(
      (d, x) => (x ? { records: d.records + x.records, keySum: d.keySum + x.keySum, keyHashSum: (d.keyHashSum + x.keyHashSum) >>> 0 } : d),
      { records: 0, keySum: 0, keyHashSum: 0 },
    );
  const accepted = digest(sources.map((t) => t.httpSource!.keyDigest));
  const atSinks = digest(sinks.map((t) => t.sink!.keyDigest));
  const r = load.result;
  const clientAcceptedRecords = load.status2xx * options.recordsPerRequest;
  const completed = load.status2xx + r.non2xx;
  const problems: string[] = [];
  // requests in flight when autocannon stopped were accepted by the sources, but their answers were never read
  const inFlightRecords = options.connections * options.pipelining * options.recordsPerRequest;
  const unacknowledged = accepted.records - clientAcceptedRecords;
  if (unacknowledged < 0 || unacknowledged > inFlightRecords) {
    problems.push(`the client got 2xx for ${clientAcceptedRecords} records, the sources accepted ${accepted.records} (at most ${inFlightRecords} may be in flight when the load stops)`);
  }
  if (atSinks.records !== accepted.records || atSinks.keySum !== accepted.keySum || atSinks.keyHashSum !== accepted.keyHashSum) {
    problems.push(`the sinks' key digest (${atSinks.records} records) differs from the accepted records' (${accepted.records})`);
  }
  const duplicated = sum((t) => t.sink?.duplicated ?? 0, reports.filter((t) => t.sink));
  if (duplicated > 0) problems.push(`${duplicated} duplicates at the sinks`);
  return {
    tool: `autocannon ${autocannonVersion()}`,
    urls: [...load.urls],
    intendedRequestsPerSec: options.ratePerSec,
    connections: options.connections,
    pipelining: options.pipelining,
    recordsPerRequest: options.recordsPerRequest,
    durationMs: load.durationMs,
    requests: { sent: r.requests.sent, completed, perSec: load.durationMs > 0 ? completed / (load.durationMs / 1000) : 0 },
    status: { ok2xx: load.status2xx, unavailable503: load.status503, other: r.non2xx - load.status503 },
    errors: r.errors,
    timeouts: r.timeouts,
    records: {
      acceptedByClient: clientAcceptedRecords,
      acceptedBySources: accepted.records,
      unacknowledged,
      rejectedBySources: sum((t) => t.httpSource!.rejectedRecords, sources),
      atSinks: atSinks.records,
    },
    delivery: problems.length === 0 ? { exactlyOnce: true } : { exactlyOnce: false, why: problems.join('; ') },
    latencyUs: latencyOf(load.latencyHistogram),
  };
}
