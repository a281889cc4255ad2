/**
 * HTTP ingest source on real TaskManager processes: every record of a 200 reaches the sink exactly once and no record
 * of a 503 does (the sink's key digest equals the one of the accepted records, whose keys are all distinct); a
 * back-pressured output answers 503 with Retry-After; bad bodies get 4xx naming the line and field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, type ConfigInput } from '../../core/index.js';
import { LocalCluster } from '../cluster/local-cluster.js';
import type { JobManagerClient } from '../cluster/rest-client.js';
import type { JobGraphSpec } from '../job/index.js';
import { addToKeyDigest, type KeyDigest } from './verifying-sink.js';

function clusterConfig(extra: ConfigInput = {}): ReturnType<typeof resolveConfig> {
  return resolveConfig({ 'rest.port': 0, 'taskmanager.numberOfTaskSlots': 2, 'heartbeat.interval': '200 ms', 'heartbeat.timeout': '5 s', 'execution.buffer-timeout': '5 ms', ...extra });
}

function httpJob(parallelism: number, durationMs: number, waitMs: number, sinkCostUs: number): JobGraphSpec {
  return {
    name: 'http-ingest',
    vertices: [
      { id: 'source', operator: 'source', parallelism, source: { durationMs, keys: 1_000_000, recordSize: { min: 100, max: 100 }, http: { waitMs, retryAfterSec: 2, maxRecordsPerRequest: 1000, maxQueuedRequests: 1024 } } },
      { id: 'sink', operator: 'sink', parallelism: 1, sink: { costUs: sinkCostUs } },
    ],
    edges: [{ from: 'source', to: 'sink', partitioner: 'rebalance' }],
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function ports(client: JobManagerClient, jobId: string, parallelism: number): Promise<number[]> {
  return until('HTTP source ports reported', async () => {
    const { tasks } = await client.metrics(jobId);
    const found = tasks.filter((t) => t.httpSource && t.httpSource.port > 0).map((t) => t.httpSource!.port);
    return found.length === parallelism ? found : undefined;
  });
}

async function finished(client: JobManagerClient, jobId: string): Promise<string> {
  return until('job end', async () => {
    const job = await client.job(jobId);
    return ['FINISHED', 'FAILED', 'CANCELED'].includes(job.state) ? `${job.state}${job.failureReason ? `: ${job.failureReason}` : ''}` : undefined;
  }, 60_000);
}

interface Sent {
  status: number;
  keys: number[];
  retryAfter: string | null;
  body: string;
}

async function post(port: number, keys: number[]): Promise<Sent> {
  const response = await fetch(`http://127.0.0.1:${port}/records`, { method: 'POST', body: keys.map((key) => JSON.stringify({ key })).join('\n') });
  return { status: response.status, keys, retryAfter: response.headers.get('retry-after'), body: await response.text() };
}

/** Requests of `perRequest` distinct keys (distinct across all requests), round robin over the ports, all at once. */
async function burst(portList: number[], requests: number, perRequest: number, firstKey: number): Promise<Sent[]> {
  return Promise.all(
    Array.from({ length: requests }, (_, r) =>
      post(
        portList[r % portList.length]!,
        Array.from({ length: perRequest }, (_, i) => firstKey + r * perRequest + i),
      ),
    ),
  );
}

async function sinkDigest(client: JobManagerClient, jobId: string): Promise<KeyDigest & { duplicated: number }> {
  const { tasks } = await client.metrics(jobId);
  const out = { records: 0, keySum: 0, keyHashSum: 0, duplicated: 0 };
  for (const t of tasks) {
    if (!t.sink?.keyDigest) continue;
    out.records += t.sink.keyDigest.records;
    out.keySum += t.sink.keyDigest.keySum;
    out.keyHashSum = (out.keyHashSum + t.sink.keyDigest.keyHashSum) >>> 0;
    out.duplicated += t.sink.duplicated;
  }
  return out;
}

function digestOf(sent: readonly Sent[]): KeyDigest {
  const digest: KeyDigest = { records: 0, keySum: 0, keyHashSum: 0 };
  for (const s of sent) for (const k of s.keys) addToKeyDigest(digest, k);
  return digest;
}

test('HTTP ingest on two TaskManagers: every record of a 200 reaches the sink exactly once; bad bodies get 4xx naming what is wrong', async () => {
  await using cluster = await LocalCluster.start({ taskManagers: 2, config: clusterConfig(), childStderr: 'ignore' });
  const { jobId } = await cluster.client.submitJob(httpJob(2, 2500, 1000, 0));
  const portList = await ports(cluster.client, jobId, 2);
  const sent = [...(await burst(portList, 20, 50, 0)), ...(await burst(portList, 20, 50, 1000))];
  const bad = await post(portList[0]!, [5, 1_000_001]);
  assert.equal(bad.status, 400);
  assert.match(bad.body, /line 2: key 1000001 must be an integer in \[0, 1000000\)/);
  const get = await fetch(`http://127.0.0.1:${portList[1]!}/records`);
  assert.equal(get.status, 405);
  await get.text();
  assert.equal(await finished(cluster.client, jobId), 'FINISHED');
  const accepted = sent.filter((s) => s.status === 200);
  assert.ok(accepted.length > 0, JSON.stringify(sent.map((s) => s.status)));
  for (const s of accepted) assert.deepEqual(JSON.parse(s.body), { accepted: s.keys.length });
  const sink = await sinkDigest(cluster.client, jobId);
  assert.deepEqual({ records: sink.records, keySum: sink.keySum, keyHashSum: sink.keyHashSum }, digestOf(accepted), 'the sink holds exactly the accepted records');
  assert.equal(sink.duplicated, 0);
  const { tasks, aggregate } = await cluster.client.metrics(jobId);
  const sources = tasks.filter((t) => t.httpSource);
  assert.equal(sources.reduce((n, t) => n + t.httpSource!.acceptedRecords, 0), digestOf(accepted).records, "the sources' count of accepted records");
  assert.equal(sources.reduce((n, t) => n + t.httpSource!.badRequests, 0), 2, 'the 400 and the 405');
  assert.equal(aggregate.sinkRecordsIn, aggregate.sourceRecordsOut);
});

test('a slow sink back-pressures the HTTP source: requests past the wait get 503 with Retry-After, and none of their records arrives', async () => {
  const config = clusterConfig({
    'taskmanager.memory.segment-size': '4kb',
    'taskmanager.network.memory.buffers-per-channel': 2,
    'taskmanager.network.memory.floating-buffers-per-gate': 2,
  });
  await using cluster = await LocalCluster.start({ taskManagers: 1, config, childStderr: 'ignore' });
  const { jobId } = await cluster.client.submitJob(httpJob(1, 2500, 30, 400));
  const [port] = await ports(cluster.client, jobId, 1);
  // 40 requests of 200 records at once: ~8,000 records against a few hundred records of buffers and a 2,500 records/s sink
  const sent = await burst([port!], 40, 200, 0);
  assert.equal(await finished(cluster.client, jobId), 'FINISHED');
  const accepted = sent.filter((s) => s.status === 200);
  const rejected = sent.filter((s) => s.status === 503);
  assert.equal(accepted.length + rejected.length, sent.length, JSON.stringify(sent.map((s) => s.status)));
  assert.ok(accepted.length > 0, 'some requests got in');
  assert.ok(rejected.length > 0, 'back-pressure turned some away');
  for (const r of rejected) {
    assert.equal(r.retryAfter, '2');
    assert.match(r.body, /back-pressured for 30 ms \(http\.waitMs\)|requests already wait/);
  }
  const sink = await sinkDigest(cluster.client, jobId);
  assert.deepEqual({ records: sink.records, keySum: sink.keySum, keyHashSum: sink.keyHashSum }, digestOf(accepted), 'exactly the records of the 200s, none of a 503');
  assert.equal(sink.duplicated, 0);
  const { tasks } = await cluster.client.metrics(jobId);
  const source = tasks.find((t) => t.httpSource)!.httpSource!;
  assert.equal(source.rejectedRequests, rejected.length);
  assert.equal(source.acceptedRequests, accepted.length);
});
