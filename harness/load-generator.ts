/**
 * autocannon at a fixed overall rate (`overallRate`, spread over `connections`), stopped on the harness's clock: the
 * engine behind `kind: http` (POSTs to the HTTP sources) and the dashboard load (GETs to the JobManager's REST API).
 * Every response time (request → response) goes into an HDR histogram, µs; answers are counted per status code.
 */
import autocannon from 'autocannon';
import { createRequire } from 'node:module';
import * as hdr from 'hdr-histogram-js';
import { toError } from '../core/index.js';
import { guardedSummary } from './percentile-guard.js';
import type { GuardedLatencySummary } from './result-schema.js';

export interface LoadOptions {
  /** Targets; autocannon spreads the connections over them. */
  readonly urls: readonly string[];
  readonly method: 'GET' | 'POST';
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Paths each connection cycles through (instead of the URLs' own path). */
  readonly paths?: readonly string[];
  readonly ratePerSec: number;
  readonly connections: number;
  readonly pipelining: number;
  /** How long to send, ms; `stop()` ends it sooner. autocannon honours a stop on its 1 s tick, so it may send up to ~1 s longer. */
  readonly durationMs: number;
  /** A request without an answer by then is a timeout, ms. */
  readonly timeoutMs: number;
}

export interface LoadResult {
  /** How long it sent, ms. */
  readonly durationMs: number;
  readonly sent: number;
  readonly answered: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly timeouts: number;
  /** Request → response, µs, HDR V2 compressed base64. */
  readonly latencyHistogram: string;
}

const HIGHEST_US = 3_600_000_000;
/** autocannon's own duration, beyond which the harness's timer always stops it first. */
const AUTOCANNON_DURATION_SLACK_S = 5;

export function autocannonVersion(): string {
  try {
    return (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Percentiles (guarded) and the histogram itself. */
export function latencyOf(histogram: string): GuardedLatencySummary {
  const { reasons, ...figures } = guardedSummary(histogram);
  return { ...figures, histogram, ...(reasons ? { reasons: { ...reasons } } : {}) };
}

/** One autocannon run; `stop()` ends it early and `run()` then resolves with what it saw so far. */
export class LoadGenerator {
  private instance: autocannon.Instance | undefined;
  private stopped = false;

  async run(o: LoadOptions): Promise<LoadResult> {
    const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3 });
    const byStatus: Record<string, number> = {};
    let answered = 0;
    let stopTimer: NodeJS.Timeout | undefined;
    const started = Date.now();
    try {
      const result = await new Promise<autocannon.Result>((resolve, reject) => {
        const instance = autocannon(
          {
            // autocannon takes several URLs and spreads the connections over them (its typings say one)
            url: [...o.urls] as unknown as string,
            method: o.method,
            ...(o.headers ? { headers: { ...o.headers } } : {}),
            ...(o.body !== undefined ? { body: o.body } : {}),
            ...(o.paths ? { requests: o.paths.map((path) => ({ method: o.method, path })) } : {}),
            connections: o.connections,
            pipelining: o.pipelining,
            overallRate: o.ratePerSec,
            duration: o.durationMs / 1000 + AUTOCANNON_DURATION_SLACK_S,
            timeout: Math.max(1, Math.ceil(o.timeoutMs / 1000)),
          },
          (error: unknown, r: autocannon.Result) => (error ? reject(toError(error)) : resolve(r)),
        );
        this.instance = instance;
        // autocannon's own duration starts once its clients connect and may overrun a busy event loop: stop it on our clock
        stopTimer = setTimeout(() => instance.stop(), o.durationMs);
        if (this.stopped) instance.stop();
        instance.on('response', (_client: autocannon.Client, statusCode: number, _bytes: number, responseTimeMs: number) => {
          histogram.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(responseTimeMs * 1000))));
          byStatus[statusCode] = (byStatus[statusCode] ?? 0) + 1;
          answered++;
        });
      });
      return {
        durationMs: Math.min(Date.now() - started, result.duration > 0 ? result.duration * 1000 : Infinity),
        sent: result.requests.sent,
        answered,
        byStatus,
        errors: result.errors,
        timeouts: result.timeouts,
        latencyHistogram: hdr.encodeIntoCompressedBase64(histogram),
      };
    } finally {
      clearTimeout(stopTimer);
      histogram.destroy();
      this.instance = undefined;
    }
  }

  stop(): void {
    this.stopped = true;
    this.instance?.stop();
  }
}
