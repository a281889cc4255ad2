/**
 * The `kind: http` workload: autocannon drives the job's HTTP ingest sources (runtime's `source.http`) at a fixed
 * overall request rate (open loop: autocannon's `overallRate`) over `connections`, with `pipelining`, each request an
 * NDJSON batch of `recordsPerRequest` seeded keys. Every response time (request → response) goes into an HDR
 * histogram (µs) stored beside the sinks' end-to-end latency; the result's `ingest` section also proves delivery:
 * the client's 2xx records equal the sources' accepted records, and the sinks' key digest equals the sources'.
 */
import { SeededRandom } from '../core/index.js';
import type { JobManagerClient, TaskMetricsReport } from '../runtime/index.js';
import { LoadGenerator, autocannonVersion, latencyOf, type LoadResult } from './load-generator.js';
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

/**
 * How long before the sources stop serving the load is told to stop, so no request meets a closed server: autocannon
 * checks its stop flag on its 1 s tick, so it stops up to a second after being told.
 */
const STOP_BEFORE_SOURCES_END_MS = 1500;
const PORT_DISCOVERY_TIMEOUT_MS = 15_000;

/** The NDJSON body every request sends: `recordsPerRequest` keys drawn from the seed. */
export function ingestBody(recordsPerRequest: number, keys: number, seed: number): { body: string; keys: number[] } {
  const random = new SeededRandom(seed).fork('http-ingest');
  const chosen = Array.from({ length: recordsPerRequest }, () => random.nextInt(keys));
  return { body: `${chosen.map((key) => JSON.stringify({ key })).join('\n')}\n`, keys: chosen };
}

/**
 * Waits until every HTTP source subtask of the job reports its bound port; returns their URLs and when the first of
 * them stops serving (epoch ms).
 */
export async function httpSourceUrls(client: JobManagerClient, jobId: string, subtasks: number, isStopped: () => boolean): Promise<{ urls: string[]; servingUntilMs: number }> {
  const deadline = Date.now() + PORT_DISCOVERY_TIMEOUT_MS;
  for (;;) {
    const { tasks } = await client.metrics(jobId);
    const bound = tasks.filter((t) => t.httpSource && t.httpSource.port > 0);
    if (bound.length >= subtasks) {
      return { urls: bound.map((t) => `http://${t.httpSource!.host}:${t.httpSource!.port}/records`), servingUntilMs: Math.min(...bound.map((t) => t.httpSource!.servingUntilMs)) };
    }
    if (isStopped()) throw new Error('stopped before the HTTP sources reported their ports');
    if (Date.now() > deadline) throw new Error(`${bound.length} of ${subtasks} HTTP source subtasks reported a port within ${PORT_DISCOVERY_TIMEOUT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What the load generator saw, and where it sent. */
export interface IngestLoad extends LoadResult {
  readonly urls: readonly string[];
}

/** autocannon posting the NDJSON batch to the sources; `stop()` ends it early (the run was aborted). */
export class IngestDriver {
  private readonly load = new LoadGenerator();

  constructor(readonly options: IngestOptions) {}

  /** Sends until `durationMs` less a margin (the sources stop serving then) and resolves with what it saw. */
  async run(urls: readonly string[], body: string, durationMs: number): Promise<IngestLoad> {
    const o = this.options;
    const seen = await this.load.run({
      urls,
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body,
      ratePerSec: o.ratePerSec,
      connections: o.connections,
      pipelining: o.pipelining,
      durationMs: Math.max(500, durationMs - STOP_BEFORE_SOURCES_END_MS),
      timeoutMs: o.timeoutMs,
    });
    return { ...seen, urls };
  }

  stop(): void {
    this.load.stop();
  }
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
  const status = (test: (code: number) => boolean): number => Object.entries(load.byStatus).reduce((n, [code, k]) => (test(Number(code)) ? n + k : n), 0);
  const ok2xx = status((c) => c >= 200 && c < 300);
  const unavailable503 = status((c) => c === 503);
  const clientAcceptedRecords = ok2xx * options.recordsPerRequest;
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
    requests: { sent: load.sent, completed: load.answered, perSec: load.durationMs > 0 ? load.answered / (load.durationMs / 1000) : 0 },
    status: { ok2xx, unavailable503, other: load.answered - ok2xx - unavailable503 },
    errors: load.errors,
    timeouts: load.timeouts,
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
