/**
 * The HTTP ingest source (`source.http`): each subtask serves `POST /records` on loopback for `durationMs`. A body is
 * NDJSON, one `{"key": n}` per line (0 ≤ n < `keys`). Every record of a request enters the stream with the request's
 * start as its intended emit time and a per-key sequence number, so the verifying sink checks it like any other.
 *
 * Answers: 200 `{"accepted": n}` only once every record of the request is in the network buffers (none half-written);
 * 503 with `Retry-After` when the output stays back-pressured for `waitMs` before the request's first record could be
 * written (or at once with `waitMs: 0`, or when `maxQueuedRequests` wait already) — a 503'd request wrote nothing.
 * Once a request's first record is written it is finished whatever the backpressure, so a request is all in or all
 * out. Requests run one at a time in arrival order. 400 names the bad line and field, 413 a batch too large, 404/405
 * other paths and methods.
 *
 * Checkpoints snapshot the per-key sequences and counters. A restore cannot replay requests: records accepted after
 * the restored checkpoint and not yet at the sink are lost (and counted lost), so exactly-once holds for a run without
 * restarts; the harness refuses process faults with HTTP sources.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { TimerHandle } from '../../core/index.js';
import type { HttpSourceParams, HttpSourceReport, TaskMetricsReport } from '../job/index.js';
import { DEFAULT_HTTP_SOURCE_PARAMS } from '../job/index.js';
import { StateFormatError, type StateReader, type StateWriter } from './operator-state.js';
import { SourceTask } from './source-task.js';
import type { TaskContext } from './stream-task.js';
import { addToKeyDigest } from './verifying-sink.js';

const HOST = '127.0.0.1';
/** Body bytes allowed per record of `maxRecordsPerRequest` (a `{"key": 9999999}` line is ~17 B). */
const BODY_BYTES_PER_RECORD = 128;

interface PendingRequest {
  readonly keys: number[];
  readonly startUs: number;
  readonly res: ServerResponse;
  next: number;
  timer: TimerHandle | undefined;
}

export class HttpSourceTask extends SourceTask {
  private readonly http: HttpSourceParams;
  private readonly keySpace: number;
  private readonly recordBytes: number;
  private readonly sequenceOf: Float64Array;
  private server: Server | undefined;
  private readonly queue: PendingRequest[] = [];
  private current: PendingRequest | undefined;
  private waiting = false;
  private closing = false;
  /** 200s waiting for a half-written last record to complete. */
  private unanswered = 0;
  private endTimer: TimerHandle | undefined;
  private servingUntilMs = 0;
  private readonly counters: Omit<HttpSourceReport, 'host' | 'port' | 'queued' | 'servingUntilMs'> = {
    requests: 0,
    acceptedRequests: 0,
    acceptedRecords: 0,
    rejectedRequests: 0,
    rejectedRecords: 0,
    badRequests: 0,
    keyDigest: { records: 0, keySum: 0, keyHashSum: 0 },
  };

  constructor(ctx: TaskContext) {
    super(ctx);
    const params = ctx.deployment.source!;
    this.http = { ...DEFAULT_HTTP_SOURCE_PARAMS, ...params.http };
    this.keySpace = params.keys;
    this.recordBytes = params.recordSize.min;
    this.sequenceOf = new Float64Array(params.keys);
  }

  /** The bound port (0 before the server listens). */
  get port(): number {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : 0;
  }

  protected override run(): void {
    const server = createServer((req, res) => this.onRequest(req, res));
    this.server = server;
    server.keepAliveTimeout = 5_000;
    server.on('error', (error) => this.fail(error));
    server.listen(0, HOST);
    this.servingUntilMs = this.clock.epochUs() / 1000 + this.deployment.source!.durationMs;
    this.endTimer = this.clock.setTimeout(() => this.closeIngest(), this.deployment.source!.durationMs);
  }

  protected override snapshotState(out: StateWriter): void {
    out.number(this.counters.acceptedRecords);
    out.array(this.sequenceOf);
  }

  protected override restoreState(input: StateReader): void {
    const accepted = input.number();
    const sequences = input.array();
    if (!Number.isSafeInteger(accepted) || accepted < 0) throw new StateFormatError(`http source state: accepted ${accepted} is not a count`);
    if (sequences.length !== this.sequenceOf.length) throw new StateFormatError(`http source state has ${sequences.length} keys, this source ${this.sequenceOf.length}`);
    this.counters.acceptedRecords = accepted;
    this.sequenceOf.set(sequences);
  }

  override report(): TaskMetricsReport {
    const report = super.report();
    report.httpSource = { host: HOST, port: this.port, servingUntilMs: this.servingUntilMs, ...this.counters, keyDigest: { ...this.counters.keyDigest }, queued: this.queue.length };
    return report;
  }

  override releaseResources(): void {
    this.endTimer?.cancel();
    this.closing = true;
    for (const p of this.queue.splice(0)) this.reject(p, 'the source stopped');
    this.server?.close();
    this.server?.closeAllConnections();
    super.releaseResources();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const startUs = this.clock.epochUs();
    this.counters.requests++;
    if (req.url !== '/records') return this.answer(res, 404, { error: `no such path ${req.url ?? ''}; POST /records` }, true);
    if (req.method !== 'POST') return this.answer(res, 405, { error: `${req.method ?? ''} /records: only POST` }, true);
    const limit = this.http.maxRecordsPerRequest * BODY_BYTES_PER_RECORD;
    const chunks: Buffer[] = [];
    let bytes = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      bytes += chunk.length;
      if (bytes > limit) {
        refused = true;
        this.answer(res, 413, { error: `body over ${limit} bytes (http.maxRecordsPerRequest ${this.http.maxRecordsPerRequest})` }, true);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      const parsed = this.parse(Buffer.concat(chunks, bytes).toString('utf8'));
      if (typeof parsed === 'string') return this.answer(res, parsed.startsWith('batch') ? 413 : 400, { error: parsed }, true);
      this.admit({ keys: parsed, startUs, res, next: 0, timer: undefined });
    });
  }

  /** The keys of an NDJSON body, or what is wrong with it. */
  private parse(body: string): number[] | string {
    const keys: number[] = [];
    const lines = body.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        return `line ${i + 1}: not JSON: ${line.slice(0, 80)}`;
      }
      const key = (value as { key?: unknown } | null)?.key;
      if (typeof key !== 'number' || !Number.isInteger(key) || key < 0 || key >= this.keySpace) {
        return `line ${i + 1}: key ${JSON.stringify(key)} must be an integer in [0, ${this.keySpace}) (workload keys)`;
      }
      keys.push(key);
      if (keys.length > this.http.maxRecordsPerRequest) return `batch of more than ${this.http.maxRecordsPerRequest} records (http.maxRecordsPerRequest)`;
    }
    if (keys.length === 0) return 'line 1: an empty body; send one {"key": n} per line';
    return keys;
  }

  /** Runs the request now if nothing waits and the output is available; else queues it with its deadline, or rejects it. */
  private admit(p: PendingRequest): void {
    if (this.closing || this.state !== 'RUNNING') return this.reject(p, 'the source has finished');
    const busy = this.current !== undefined || this.queue.length > 0 || !this.writer!.isAvailable();
    if (!busy) {
      this.current = p;
      this.drain();
      return;
    }
    if (this.http.waitMs === 0) return this.reject(p, 'the output is back-pressured (http.waitMs 0: reject at once)');
    if (this.queue.length >= this.http.maxQueuedRequests) return this.reject(p, `${this.queue.length} requests already wait (http.maxQueuedRequests)`);
    p.timer = this.clock.setTimeout(() => {
      const at = this.queue.indexOf(p);
      if (at < 0) return;
      this.queue.splice(at, 1);
      this.reject(p, `the output stayed back-pressured for ${this.http.waitMs} ms (http.waitMs)`);
    }, this.http.waitMs);
    this.queue.push(p);
    this.waitForOutputOnce();
  }

  /** Writes the current request's remaining records, then the queued requests', while the output takes them. */
  private readonly drain = (): void => {
    const writer = this.writer!;
    const subtask = this.deployment.subtaskIndex;
    for (;;) {
      if (!this.current) {
        if (this.queue.length === 0 || !writer.isAvailable()) break;
        this.current = this.queue.shift()!;
        this.current.timer?.cancel();
      }
      const p = this.current;
      while (p.next < p.keys.length) {
        const key = p.keys[p.next++]!;
        const sequence = this.sequenceOf[key]!;
        this.sequenceOf[key] = sequence + 1;
        if (!writer.emit(key, sequence, subtask, p.startUs, this.recordBytes) && p.next < p.keys.length) {
          this.waitForOutputOnce();
          return;
        }
      }
      this.current = undefined;
      this.complete(p);
    }
    if (this.queue.length > 0) this.waitForOutputOnce();
    else if (this.closing) this.finishIngest();
  };

  private waitForOutputOnce(): void {
    if (this.waiting || this.state !== 'RUNNING') return;
    this.waiting = true;
    this.waitForOutput(() => {
      this.waiting = false;
      this.drain();
    });
  }

  /** Every record of `p` is written; answer once none is half-written (all its bytes are in network buffers). */
  private complete(p: PendingRequest): void {
    for (const key of p.keys) addToKeyDigest(this.counters.keyDigest, key);
    this.counters.acceptedRequests++;
    this.counters.acceptedRecords += p.keys.length;
    if (!this.partition?.isHardBackPressured) return this.answer(p.res, 200, { accepted: p.keys.length }, this.closing);
    this.unanswered++;
    this.partition.onRecordComplete(() => {
      this.unanswered--;
      this.answer(p.res, 200, { accepted: p.keys.length }, this.closing);
      if (this.closing && !this.current && this.queue.length === 0) this.finishIngest();
    });
  }

  private reject(p: PendingRequest, why: string): void {
    p.timer?.cancel();
    this.counters.rejectedRequests++;
    this.counters.rejectedRecords += p.keys.length;
    p.res.setHeader('Retry-After', String(this.http.retryAfterSec));
    this.answer(p.res, 503, { error: why }, this.closing);
  }

  private answer(res: ServerResponse, status: number, body: object, close: boolean): void {
    if (status >= 400 && status < 500) this.counters.badRequests++;
    if (res.headersSent || res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(close ? { connection: 'close' } : {}) });
    res.end(text);
  }

  /** `durationMs` is over: no new connections, waiting requests get 503, the one being written completes, then the source finishes. */
  private closeIngest(): void {
    if (this.closing) return;
    this.closing = true;
    for (const p of this.queue.splice(0)) this.reject(p, 'the source has finished');
    this.server?.close();
    this.server?.closeIdleConnections();
    if (!this.current) this.finishIngest();
  }

  private finishIngest(): void {
    if (this.state !== 'RUNNING' || this.unanswered > 0) return;
    if (!this.writer!.isAvailable()) return this.waitForOutputOnce(); // drain comes back here once it is
    this.server?.closeAllConnections();
    this.finish();
  }
}
