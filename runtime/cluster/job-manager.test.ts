/**
 * The JobManager on real sockets: fake TaskManagers (raw `net` sockets speaking the control protocol, a test double
 * for the TM only) register, receive deployments and report task states; the REST API is exercised over HTTP.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import { ManualClock, createLogger, pollUntil, resolveConfig, serializeConfig, type ConfigInput } from '../../core/index.js';
import { type Address, type TaskDeployment, presetJobGraph, type JobGraphSpec } from '../job/index.js';
import { taskReport } from '../test-support/task-report.js';
import { within } from '../test-support/environment.js';
import { FakeTm, type Deploy } from '../test-support/fake-task-manager.js';
import { CANCEL_GRACE_MS, JobManager, type JobManagerOptions } from './job-manager.js';
import { resolveRestartStrategy } from './job-execution.js';

const WAIT_MS = 10_000;
/** Heartbeats that never time out during a test, unless a test asks for short ones. */
const RELAXED: ConfigInput = { 'heartbeat.interval': 1_000, 'heartbeat.timeout': 120_000, 'rest.port': 0 };
const quiet = createLogger('jobmanager-test', 'error');

async function startJm(config: ConfigInput = {}, options: Partial<JobManagerOptions> = {}): Promise<JobManager> {
  return JobManager.start({ config: resolveConfig({ ...RELAXED, ...config }), restPort: 0, logger: quiet, ...options });
}

interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  text: string;
}

function http(jm: JobManager, method: string, path: string, body?: unknown, rawBody?: string | Buffer): Promise<HttpResult> {
  const payload = rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
  return within(
    new Promise<HttpResult>((resolve, reject) => {
      const req = request(
        {
          host: jm.restAddress.host,
          port: jm.restAddress.port,
          method,
          path,
          agent: false,
          headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: Record<string, unknown> = {};
            try {
              parsed = JSON.parse(text) as Record<string, unknown>;
            } catch {
              // asserted by the caller through `text`
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, text });
          });
        },
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    }),
    WAIT_MS,
    `${method} ${path}`,
  );
}

async function jobState(jm: JobManager, jobId: string, want: string): Promise<Record<string, unknown>> {
  let last = '';
  return pollUntil(
    `job ${jobId} to be ${want}`,
    async () => {
      const r = await http(jm, 'GET', `/jobs/${jobId}`);
      assert.equal(r.status, 200);
      last = r.text;
      return r.body['state'] === want ? r.body : undefined;
    },
    { timeoutMs: WAIT_MS, intervalMs: 20, detail: () => last },
  );
}

async function submit(jm: JobManager, graph: JobGraphSpec): Promise<string> {
  const r = await http(jm, 'POST', '/jobs', graph);
  assert.equal(r.status, 201, r.text);
  assert.equal(typeof r.body['jobId'], 'string');
  return r.body['jobId'] as string;
}

function task(deploy: Deploy, vertexId: string): TaskDeployment {
  const t = deploy.tasks.find((x) => x.vertexId === vertexId);
  assert.ok(t, `deploy has a ${vertexId} task`);
  return t;
}

/** A keyby-aggregate job with parallelism 2 on tm-1 and tm-2: returns both deployments. */
async function deployKeyBy(jm: JobManager, a: FakeTm, b: FakeTm): Promise<{ jobId: string; da: Deploy; db: Deploy }> {
  const jobId = await submit(jm, presetJobGraph('keyby-aggregate', 2, { durationMs: 1000 }));
  const [da, db] = await Promise.all([a.next('deploy'), b.next('deploy')]);
  return { jobId, da, db };
}

describe('JobManager control plane', () => {
  it('registers TaskManagers, sends them the config and lists them', async () => {
    await using jm = await startJm();
    const a = await FakeTm.connect(jm, 'tm-1', { slots: 2 });
    const b = await FakeTm.connect(jm, 'tm-2', { slots: 3 });
    assert.deepEqual(a.messages[0], { type: 'registered', config: serializeConfig(jm.config) });

    const tms = await http(jm, 'GET', '/taskmanagers');
    assert.equal(tms.status, 200);
    assert.match(String(tms.headers['content-type']), /^application\/json/);
    const list = tms.body['taskmanagers'] as { id: string; slots: number; pid: number; dataAddress: Address; lastHeartbeatMsAgo: number }[];
    assert.deepEqual(
      list.map((t) => [t.id, t.slots, t.pid, t.dataAddress.port]),
      [
        ['tm-1', 2, 1000, 40_001],
        ['tm-2', 3, 1000, 40_002],
      ],
    );
    assert.ok(list.every((t) => t.lastHeartbeatMsAgo >= 0));

    const overview = await http(jm, 'GET', '/overview');
    assert.equal(overview.body['taskmanagers'], 2);
    assert.equal(overview.body['slotsTotal'], 5);
    assert.equal(overview.body['slotsAvailable'], 5);
    assert.equal((overview.body['flowlab'] as { version: string }).version, '0.1.0');
    assert.deepEqual(overview.body['jobs'], { CREATED: 0, RUNNING: 0, RESTARTING: 0, FINISHED: 0, FAILED: 0, CANCELED: 0 });

    // A duplicate id is rejected by closing that connection; the first registration stays.
    const dup = await FakeTm.connect(jm, 'tm-1', { register: false });
    dup.send({ type: 'register', tmId: 'tm-1', dataAddress: { host: '127.0.0.1', port: 1 }, slots: 1, pid: 2 });
    await dup.waitClosed();
    // A malformed line closes only that connection.
    const bad = await FakeTm.connect(jm, 'tm-9', { register: false });
    bad.socket.write('{not json\n');
    await bad.waitClosed();
    const after = await http(jm, 'GET', '/taskmanagers');
    assert.deepEqual(
      (after.body['taskmanagers'] as { id: string; pid: number }[]).map((t) => [t.id, t.pid]),
      [
        ['tm-1', 1000],
        ['tm-2', 1000],
      ],
    );
    assert.equal(a.closed || b.closed, false);
    a.close();
    b.close();
  });

  it('deploys keyby-aggregate (p=2) on interleaved slots with keyBy and forward wiring, then finishes', async () => {
    await using jm = await startJm({}, { linkOverrides: { 'data-tm-2-tm-1': { host: '127.0.0.1', port: 9_001 }, 'tm-1-tm-2': { host: '127.0.0.1', port: 9_002 } } });
    // Two slots each: interleaving puts subtask 0 on tm-1 and subtask 1 on tm-2 (not both on tm-1).
    const a = await FakeTm.connect(jm, 'tm-1', { slots: 2 });
    const b = await FakeTm.connect(jm, 'tm-2', { slots: 2 });
    const { jobId, da, db } = await deployKeyBy(jm, a, b);
    assert.equal(da.jobId, jobId);
    for (const [d, index] of [
      [da, 0],
      [db, 1],
    ] as const) {
      assert.deepEqual(d.tasks.map((t) => [t.vertexId, t.subtaskIndex, t.parallelism]).sort(), [
        ['aggregate', index, 2],
        ['sink', index, 2],
        ['source', index, 2],
      ]);
    }
    const sources = [task(da, 'source'), task(db, 'source')];
    const aggs = [task(da, 'aggregate'), task(db, 'aggregate')];
    const sinks = [task(da, 'sink'), task(db, 'sink')];
    assert.equal(sources[0]!.source?.durationMs, 1000);
    assert.equal(sources[0]!.input, undefined);

    // source -> aggregate: keyBy, one partition per producer subtask, 2 subpartitions, Flink's default max parallelism.
    for (const [i, s] of sources.entries()) {
      assert.equal(s.outputs.length, 1);
      const out = s.outputs[0]!;
      assert.equal(out.partitioner, 'keyBy');
      assert.equal(out.numSubpartitions, 2);
      assert.equal(out.maxParallelism, 128);
      assert.equal(out.to, 'aggregate');
      assert.equal(out.partitionId.partitionIndex, i);
      assert.equal(out.partitionId.attemptId, s.attemptId);
      assert.match(out.partitionId.dataSetId, /^[0-9a-f]{32}$/);
    }
    assert.equal(sources[0]!.outputs[0]!.partitionId.dataSetId, sources[1]!.outputs[0]!.partitionId.dataSetId);
    assert.notEqual(sources[0]!.attemptId, sources[1]!.attemptId);

    // aggregate i reads subpartition i of both source partitions; addresses honour the link overrides.
    const expectAddress = (consumer: string, producer: string): Address =>
      consumer === 'tm-2' && producer === 'tm-1'
        ? { host: '127.0.0.1', port: 9_001 }
        : consumer === 'tm-1' && producer === 'tm-2'
          ? { host: '127.0.0.1', port: 9_002 }
          : { host: '127.0.0.1', port: producer === 'tm-1' ? 40_001 : 40_002 };
    for (const [i, agg] of aggs.entries()) {
      const consumerTm = i === 0 ? 'tm-1' : 'tm-2';
      assert.equal(agg.input?.from, 'source');
      assert.deepEqual(
        agg.input?.channels,
        sources.map((s, p) => ({
          partitionId: s.outputs[0]!.partitionId,
          subpartitionIndex: i,
          producerTm: p === 0 ? 'tm-1' : 'tm-2',
          address: expectAddress(consumerTm, p === 0 ? 'tm-1' : 'tm-2'),
        })),
      );
      // aggregate -> sink is forward: one subpartition, consumed only by sink i.
      const out = agg.outputs[0]!;
      assert.equal(out.partitioner, 'forward');
      assert.equal(out.numSubpartitions, 1);
      assert.equal(out.to, 'sink');
      assert.notEqual(out.partitionId.dataSetId, sources[0]!.outputs[0]!.partitionId.dataSetId);
      assert.deepEqual(sinks[i]!.input, {
        from: 'aggregate',
        channels: [{ partitionId: out.partitionId, subpartitionIndex: 0, producerTm: consumerTm, address: expectAddress(consumerTm, consumerTm) }],
      });
      assert.deepEqual(sinks[i]!.outputs, []);
    }

    assert.equal((await jobState(jm, jobId, 'RUNNING'))['name'], 'keyby-aggregate');
    const overview = await http(jm, 'GET', '/overview');
    assert.equal(overview.body['slotsAvailable'], 2);
    a.reportAll(da, 'RUNNING');
    b.reportAll(db, 'RUNNING');
    a.reportAll(da, 'FINISHED');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await http(jm, 'GET', `/jobs/${jobId}`)).body['state'], 'RUNNING');
    b.reportAll(db, 'FINISHED');
    const details = await jobState(jm, jobId, 'FINISHED');
    assert.equal(details['failureReason'], null);
    assert.equal(typeof details['startTimeMs'], 'number');
    assert.ok((details['endTimeMs'] as number) >= (details['startTimeMs'] as number));
    const vertices = details['vertices'] as { id: string; subtasks: { state: string; taskManager: string }[] }[];
    assert.deepEqual(
      vertices.map((v) => [v.id, v.subtasks.map((s) => `${s.taskManager}:${s.state}`)]),
      [
        ['source', ['tm-1:FINISHED', 'tm-2:FINISHED']],
        ['aggregate', ['tm-1:FINISHED', 'tm-2:FINISHED']],
        ['sink', ['tm-1:FINISHED', 'tm-2:FINISHED']],
      ],
    );
    const jobs = await http(jm, 'GET', '/jobs');
    assert.deepEqual(jobs.body['jobs'], [{ id: jobId, name: 'keyby-aggregate', state: 'FINISHED' }]);
    assert.equal((await http(jm, 'GET', '/overview')).body['slotsAvailable'], 4);
    a.close();
    b.close();
  });

  it('fails the job when a task fails, naming vertex and subtask, and cancels it on every TaskManager', async () => {
    await using jm = await startJm();
    const a = await FakeTm.connect(jm, 'tm-1');
    const b = await FakeTm.connect(jm, 'tm-2');
    const { jobId, da, db } = await deployKeyBy(jm, a, b);
    a.reportAll(da, 'RUNNING');
    b.taskState(jobId, 'aggregate', 1, 'FAILED', 'state backend exploded');
    const details = await jobState(jm, jobId, 'FAILED');
    const reason = String(details['failureReason']);
    assert.match(reason, /aggregate/);
    assert.match(reason, /subtask 1/);
    assert.match(reason, /tm-2/);
    assert.match(reason, /state backend exploded/);
    assert.deepEqual(await a.next('cancel'), { type: 'cancel', jobId });
    assert.deepEqual(await b.next('cancel'), { type: 'cancel', jobId });
    // Later reports of canceled tasks are recorded but do not change the job state.
    b.reportAll(db, 'CANCELED');
    a.reportAll(da, 'CANCELED');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await jobState(jm, jobId, 'FAILED'))['failureReason'], reason);
    a.close();
    b.close();
  });

  it('fails the job when a TaskManager closes its control connection', async () => {
    await using jm = await startJm();
    const a = await FakeTm.connect(jm, 'tm-1');
    const b = await FakeTm.connect(jm, 'tm-2');
    const { jobId } = await deployKeyBy(jm, a, b);
    b.close();
    const details = await jobState(jm, jobId, 'FAILED');
    assert.equal(details['failureReason'], 'TaskManager tm-2 lost: control connection closed');
    assert.deepEqual(await a.next('cancel'), { type: 'cancel', jobId });
    const tms = await http(jm, 'GET', '/taskmanagers');
    assert.deepEqual((tms.body['taskmanagers'] as { id: string }[]).map((t) => t.id), ['tm-1']);
    a.close();
  });

  it('fails the job when a TaskManager stops heartbeating', async () => {
    await using jm = await startJm({ 'heartbeat.interval': 100, 'heartbeat.timeout': 600 });
    const a = await FakeTm.connect(jm, 'tm-1');
    const b = await FakeTm.connect(jm, 'tm-2');
    a.startHeartbeats(50);
    b.startHeartbeats(50);
    const { jobId } = await deployKeyBy(jm, a, b);
    b.stopHeartbeats();
    const details = await jobState(jm, jobId, 'FAILED');
    assert.match(String(details['failureReason']), /^TaskManager tm-2 lost: no heartbeat for \d+ ms \(heartbeat\.timeout 600 ms\)$/);
    await b.waitClosed();
    assert.deepEqual(await a.next('cancel'), { type: 'cancel', jobId });
    assert.equal(a.closed, false);
    const tms = await http(jm, 'GET', '/taskmanagers');
    assert.deepEqual((tms.body['taskmanagers'] as { id: string }[]).map((t) => t.id), ['tm-1']);
    a.close();
  });

  it('cancels a job on request: cancel goes out, CANCELED once tasks report it', async () => {
    await using jm = await startJm();
    const a = await FakeTm.connect(jm, 'tm-1');
    const b = await FakeTm.connect(jm, 'tm-2');
    const { jobId, da, db } = await deployKeyBy(jm, a, b);
    const r = await http(jm, 'POST', `/jobs/${jobId}/cancel`);
    assert.equal(r.status, 202);
    assert.deepEqual(await a.next('cancel'), { type: 'cancel', jobId });
    assert.deepEqual(await b.next('cancel'), { type: 'cancel', jobId });
    a.reportAll(da, 'CANCELED');
    b.reportAll(db, 'CANCELED');
    const details = await jobState(jm, jobId, 'CANCELED');
    assert.equal(details['failureReason'], null);
    const again = await http(jm, 'POST', `/jobs/${jobId}/cancel`);
    assert.equal(again.status, 409);
    assert.equal(again.body['code'], 'ERR_JOB_NOT_CANCELABLE');
    a.close();
    b.close();
  });

  it('ends a cancel after the grace period when TaskManagers never answer', async () => {
    const clock = new ManualClock();
    await using jm = await startJm({}, { clock });
    const a = await FakeTm.connect(jm, 'tm-1');
    const b = await FakeTm.connect(jm, 'tm-2');
    const { jobId, da } = await deployKeyBy(jm, a, b);
    assert.equal((await http(jm, 'POST', `/jobs/${jobId}/cancel`)).status, 202);
    await b.next('cancel');
    a.reportAll(da, 'CANCELED');
    const canceling = await jobState(jm, jobId, 'RUNNING');
    assert.equal(canceling['canceling'], true);
    clock.advance(CANCEL_GRACE_MS);
    await jobState(jm, jobId, 'CANCELED');
    a.close();
    b.close();
  });
});

describe('JobManager submission errors', () => {
  it('rejects an invalid job graph with 400 naming the vertex', async () => {
    await using jm = await startJm();
    const a = await FakeTm.connect(jm, 'tm-1');
    const graph = presetJobGraph('source-sink', 1);
    graph.vertices[1]!.parallelism = 0;
    const r = await http(jm, 'POST', '/jobs', graph);
    assert.equal(r.status, 400);
    assert.equal(r.body['code'], 'ERR_INVALID_JOB_GRAPH');
    assert.match(String(r.body['error']), /vertex sink/);
    const notObject = await http(jm, 'POST', '/jobs', [1, 2]);
    assert.equal(notObject.status, 400);
    assert.equal((await http(jm, 'GET', '/jobs')).body['jobs'] instanceof Array, true);
    a.close();
  });

  it('rejects a job that needs more slots than are free, naming the numbers', async () => {
    await using jm = await startJm();
    const a = await FakeTm.connect(jm, 'tm-1', { slots: 2 });
    const r = await http(jm, 'POST', '/jobs', presetJobGraph('source-map-sink', 3));
    assert.equal(r.status, 409);
    assert.equal(r.body['code'], 'ERR_NOT_ENOUGH_SLOTS');
    assert.match(String(r.body['error']), /needs 3 .* only 2 of 2 slots on 1 TaskManager/);
    // Slots held by a running job are not free for the next one.
    await submit(jm, presetJobGraph('source-sink', 2));
    await a.next('deploy');
    const busy = await http(jm, 'POST', '/jobs', presetJobGraph('source-sink', 1));
    assert.equal(busy.status, 409);
    assert.match(String(busy.body['error']), /only 0 of 2/);
    a.close();
  });
});

describe('JobManager metrics', () => {
  const report = taskReport;

  function encoded(values: readonly number[]): string {
    const h = hdr.build({ numberOfSignificantValueDigits: 3 });
    try {
      for (const v of values) h.recordValue(v);
      return hdr.encodeIntoCompressedBase64(h);
    } finally {
      h.destroy();
    }
  }

  it('keeps the latest report per subtask and merges the sinks latency histograms', async () => {
    await using jm = await startJm();
    const a = await FakeTm.connect(jm, 'tm-1');
    const b = await FakeTm.connect(jm, 'tm-2');
    const { jobId } = await deployKeyBy(jm, a, b);
    // Sink 0: 900 values of 100 µs; sink 1: 100 values of 10 000 µs → p50 100, p90 100, p99 10 000 (±0.1%).
    const h0 = encoded(Array.from({ length: 900 }, () => 100));
    const h1 = encoded(Array.from({ length: 100 }, () => 10_000));
    a.send({ type: 'metrics', jobId, tasks: [report('source', 0, 'source', { numRecordsOut: 1 })] });
    a.send({
      type: 'metrics',
      jobId,
      tasks: [
        report('source', 0, 'source', { numRecordsOut: 600 }),
        report('sink', 0, 'sink', { numRecordsIn: 900, sink: { records: 900, duplicated: 1, outOfOrder: 2, latencyHistogram: h0 } }),
      ],
    });
    b.send({
      type: 'metrics',
      jobId,
      tasks: [
        report('source', 1, 'source', { numRecordsOut: 400 }),
        report('sink', 1, 'sink', { numRecordsIn: 100, sink: { records: 100, duplicated: 3, outOfOrder: 0, latencyHistogram: h1 } }),
        report('nope', 7, 'map'),
      ],
    });
    let last = '';
    const body = await pollUntil(
      'the metrics of 4 subtasks',
      async () => {
        const r = await http(jm, 'GET', `/jobs/${jobId}/metrics`);
        assert.equal(r.status, 200);
        last = r.text;
        return (r.body['tasks'] as unknown[]).length === 4 && (r.body['aggregate'] as { sourceRecordsOut: number }).sourceRecordsOut === 1000 ? r.body : undefined;
      },
      { timeoutMs: WAIT_MS, intervalMs: 20, detail: () => last },
    );
    const tasks = body['tasks'] as { vertexId: string; subtaskIndex: number; taskManager: string }[];
    assert.deepEqual(
      tasks.map((t) => `${t.vertexId}#${t.subtaskIndex}@${t.taskManager}`),
      ['sink#0@tm-1', 'sink#1@tm-2', 'source#0@tm-1', 'source#1@tm-2'],
    );
    const agg = body['aggregate'] as Record<string, unknown> & { latencyUs: Record<string, number | string> };
    assert.equal(agg['sourceRecordsOut'], 1000);
    assert.equal(agg['sinkRecordsIn'], 1000);
    assert.equal(agg['sinkRecords'], 1000);
    assert.equal(agg['sinkDuplicated'], 4);
    assert.equal(agg['sinkOutOfOrder'], 2);
    const lat = agg.latencyUs;
    assert.equal(lat['count'], 1000);
    assert.equal(lat['p50'], 100);
    assert.equal(lat['p90'], 100);
    assert.ok(Math.abs((lat['p99'] as number) - 10_000) <= 10, `p99 ${String(lat['p99'])}`);
    assert.ok(Math.abs((lat['p999'] as number) - 10_000) <= 10);
    assert.ok(Math.abs((lat['max'] as number) - 10_000) <= 10);
    const merged = hdr.decodeFromCompressedBase64(lat['histogram'] as string);
    try {
      assert.equal(merged.totalCount, 1000);
      assert.equal(merged.getValueAtPercentile(50), 100);
    } finally {
      merged.destroy();
    }
    const checkpoints = await http(jm, 'GET', `/jobs/${jobId}/checkpoints`);
    const cpBody = checkpoints.body as { counts: unknown; history: unknown[]; latest: unknown };
    assert.deepEqual(cpBody.counts, { completed: 0, failed: 0, inProgress: 0 });
    assert.deepEqual(cpBody.history, []);
    assert.equal(cpBody.latest, null, 'no checkpoint without execution.checkpointing.interval or a trigger');
    a.close();
    b.close();
  });
});

describe('JobManager REST errors', () => {
  it('answers 404, 405, 413 and 400 with a JSON error and a code', async () => {
    await using jm = await startJm();
    const notFound = await http(jm, 'GET', '/nope');
    assert.equal(notFound.status, 404);
    assert.equal(notFound.body['code'], 'ERR_NOT_FOUND');
    assert.match(String(notFound.headers['content-type']), /^application\/json/);
    const noJob = await http(jm, 'GET', '/jobs/0123');
    assert.equal(noJob.status, 404);
    assert.equal(noJob.body['code'], 'ERR_JOB_NOT_FOUND');
    assert.equal((await http(jm, 'GET', '/jobs/0123/metrics')).status, 404);
    assert.equal((await http(jm, 'POST', '/jobs/0123/cancel')).status, 404);

    const wrongMethod = await http(jm, 'DELETE', '/jobs');
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.body['code'], 'ERR_METHOD_NOT_ALLOWED');
    assert.equal(wrongMethod.headers['allow'], 'GET, POST');
    assert.equal((await http(jm, 'POST', '/overview', {})).status, 405);

    const tooLarge = await http(jm, 'POST', '/jobs', undefined, Buffer.alloc(2 * 1024 * 1024, 0x20));
    assert.equal(tooLarge.status, 413);
    assert.equal(tooLarge.body['code'], 'ERR_PAYLOAD_TOO_LARGE');

    const malformed = await http(jm, 'POST', '/jobs', undefined, '{"name": ');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body['code'], 'ERR_MALFORMED_JSON');
    const empty = await http(jm, 'POST', '/jobs', undefined, '');
    assert.equal(empty.status, 400);
    // Still serving.
    assert.equal((await http(jm, 'GET', '/overview')).status, 200);
  });

  it('POST /shutdown tells TaskManagers to shut down and stops the JobManager', async () => {
    const jm = await startJm();
    const a = await FakeTm.connect(jm, 'tm-1');
    const r = await http(jm, 'POST', '/shutdown');
    assert.equal(r.status, 202);
    assert.deepEqual(await a.next('shutdown'), { type: 'shutdown' });
    await within(jm.stopped, WAIT_MS, 'the JobManager to stop');
    await jm.stop();
    a.close();
  });
});

describe('job-manager-main', () => {
  it('prints its addresses as one JSON line and exits 0 on SIGTERM', async () => {
    const main = fileURLToPath(new URL('./job-manager-main.js', import.meta.url));
    const arg = JSON.stringify({ config: serializeConfig(resolveConfig(RELAXED)), restPort: 0 });
    const child = spawn(process.execPath, [main, arg], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      const line = await within(
        new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (c: Buffer) => {
            out += c.toString();
            const nl = out.indexOf('\n');
            if (nl >= 0) resolve(out.slice(0, nl));
          });
          child.once('exit', (code) => reject(new Error(`exited early with ${String(code)}: ${stderr}`)));
        }),
        WAIT_MS * 2,
        'the address line',
      );
      const ready = JSON.parse(line) as { rest: Address; control: Address; pid: number };
      assert.equal(ready.pid, child.pid);
      assert.equal(ready.rest.host, '127.0.0.1');
      assert.ok(ready.rest.port > 0 && ready.control.port > 0);
      const overview = await new Promise<number>((resolve, reject) => {
        request({ host: ready.rest.host, port: ready.rest.port, path: '/overview', agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
      assert.equal(overview, 200);
      child.kill('SIGTERM');
      assert.equal(await within(exited, WAIT_MS, 'the JobManager process to exit'), 0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('exits 1 with a message on stderr for a bad config', async () => {
    const main = fileURLToPath(new URL('./job-manager-main.js', import.meta.url));
    const child = spawn(process.execPath, [main, JSON.stringify({ config: { 'heartbeat.timeout': -5 } })], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await within(new Promise<number | null>((resolve) => child.once('exit', resolve)), WAIT_MS * 2, 'exit');
    assert.equal(code, 1, stderr);
    assert.match(stderr, /^flowlab JobManager: .*heartbeat\.timeout/m);
  });
});

describe('JobManager restart strategy (fixed-delay)', () => {
  const FIXED_DELAY: ConfigInput = { 'restart-strategy': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 2, 'restart-strategy.fixed-delay.delay': 50 };

  it('restarts a failed job with new attempts on every TaskManager, ignores the old attempt, and fails after the last attempt with the last reason', async () => {
    await using jm = await startJm(FIXED_DELAY);
    const a = await FakeTm.connect(jm, 'tm-1', { slots: 2 });
    const b = await FakeTm.connect(jm, 'tm-2', { slots: 2 });
    const first = await deployKeyBy(jm, a, b);
    const jobId = first.jobId;
    let [da, db] = [first.da, first.db];
    for (let restart = 1; restart <= 2; restart++) {
      a.reportAll(da, 'RUNNING');
      b.taskState(jobId, 'aggregate', 1, 'FAILED', `boom ${restart}`);
      assert.deepEqual(await a.next('cancel'), { type: 'cancel', jobId });
      assert.deepEqual(await b.next('cancel'), { type: 'cancel', jobId });
      const [na, nb] = await Promise.all([a.next('deploy'), b.next('deploy')]);
      const oldAttempts = new Set([...da.tasks, ...db.tasks].map((t) => t.attemptId));
      for (const t of [...na.tasks, ...nb.tasks]) {
        assert.ok(!oldAttempts.has(t.attemptId), 'a new attempt id');
        assert.ok(!oldAttempts.has(t.outputs[0]?.partitionId.attemptId ?? ''), 'a new result partition id');
        assert.equal(t.restore, undefined, 'no checkpoint: from scratch');
      }
      const details = await jobState(jm, jobId, 'RUNNING');
      assert.equal(details['restarts'], restart);
      assert.equal(details['restoredFromCheckpoint'], null);
      // a late report of the replaced attempt changes nothing
      b.send({ type: 'task-state', jobId, vertexId: 'aggregate', subtaskIndex: 1, attemptId: task(db, 'aggregate').attemptId, state: 'FAILED', error: 'late' });
      [da, db] = [na, nb];
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await jobState(jm, jobId, 'RUNNING'))['restarts'], 2);
    b.taskState(jobId, 'aggregate', 1, 'FAILED', 'boom 3');
    const failed = await jobState(jm, jobId, 'FAILED');
    assert.match(String(failed['failureReason']), /boom 3/);
    const history = failed['failureHistory'] as { reason: string; restarted: boolean; attempt: number }[];
    assert.deepEqual(
      history.map((f) => [f.attempt, f.restarted]),
      [
        [0, true],
        [1, true],
        [2, false],
      ],
    );
    a.close();
    b.close();
  });

  it('fails the job when the TaskManagers left after a failure have too few slots, naming the numbers', async () => {
    await using jm = await startJm(FIXED_DELAY);
    const a = await FakeTm.connect(jm, 'tm-1');
    const b = await FakeTm.connect(jm, 'tm-2');
    const { jobId } = await deployKeyBy(jm, a, b);
    b.close();
    assert.equal((await jobState(jm, jobId, 'RESTARTING'))['restarts'], 1);
    const details = await jobState(jm, jobId, 'FAILED');
    assert.match(String(details['failureReason']), /cannot restart: Not enough task slots: the job needs 2 .* only 1 of 1 slots on 1 TaskManager/);
    a.close();
  });

  it('restart-strategy unset: fixed-delay with checkpointing, none without', () => {
    assert.deepEqual(resolveRestartStrategy(resolveConfig({})), { kind: 'none' });
    assert.deepEqual(resolveRestartStrategy(resolveConfig({ 'execution.checkpointing.interval': '1 s' })), { kind: 'fixed-delay', attempts: 2_147_483_647, delayMs: 1000 });
    assert.deepEqual(resolveRestartStrategy(resolveConfig({ 'execution.checkpointing.interval': '1 s', 'restart-strategy': 'none' })), { kind: 'none' });
  });
});

describe('JobManager trusts only the TaskManager that runs an attempt (issue 14, defect 4)', () => {
  it('ignores a checkpoint decline and metrics from a TaskManager that runs no subtask, and refuses a billion slots', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flowlab-jm-trust-'));
    try {
      await using jm = await startJm({ 'execution.checkpointing.interval': '1h', 'execution.checkpointing.dir': dir });
      const a = await FakeTm.connect(jm, 'tm-1');
      const b = await FakeTm.connect(jm, 'tm-2');
      const { jobId, da, db } = await deployKeyBy(jm, a, b);
      a.reportAll(da, 'RUNNING');
      b.reportAll(db, 'RUNNING');
      await jobState(jm, jobId, 'RUNNING');
      const intruder = await FakeTm.connect(jm, 'tm-3');
      let trigger = await http(jm, 'POST', `/jobs/${jobId}/checkpoints`);
      for (let i = 0; trigger.status === 409 && i < 200; i++) {
        await new Promise((r) => setTimeout(r, 20)); // the JobManager may not have applied every RUNNING yet
        trigger = await http(jm, 'POST', `/jobs/${jobId}/checkpoints`);
      }
      assert.equal(trigger.status, 202, trigger.text);
      const checkpointId = trigger.body['checkpointId'] as number;

      intruder.send({ type: 'checkpoint-decline', jobId, checkpointId, vertexId: 'source', subtaskIndex: 0, reason: 'spoofed' });
      intruder.send({ type: 'metrics', jobId, tasks: [taskReport('sink', 0, 'sink', { sink: { records: 1, duplicated: 424_242, outOfOrder: 0, latencyHistogram: '' } })] });
      intruder.send({ type: 'register', tmId: 'tm-3', dataAddress: { host: '127.0.0.1', port: 1 }, slots: 1, pid: 1 }); // closes it: all above was read
      await intruder.waitClosed();

      const details = await http(jm, 'GET', `/jobs/${jobId}/checkpoints/${checkpointId}`);
      assert.equal(details.body['status'], 'IN_PROGRESS', details.text);
      assert.equal((await http(jm, 'GET', `/jobs/${jobId}`)).body['state'], 'RUNNING');
      const metrics = await http(jm, 'GET', `/jobs/${jobId}/metrics`);
      assert.notEqual((metrics.body['aggregate'] as Record<string, unknown>)['sinkDuplicated'], 424_242);

      const greedy = await FakeTm.connect(jm, 'tm-4', { register: false });
      greedy.send({ type: 'register', tmId: 'tm-4', dataAddress: { host: '127.0.0.1', port: 2 }, slots: 1_000_000_000, pid: 4 });
      await greedy.waitClosed();
      const overview = await http(jm, 'GET', '/overview');
      assert.equal(overview.body['slotsTotal'], 2);
      a.close();
      b.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
