import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCluster } from './local-cluster.js';
import { presetJobGraph } from '../job/index.js';
import type { JobMetrics } from './rest-client.js';
import { awaitJobEnd, awaitTaskManagers, until, testClusterConfig } from '../test-support/cluster-fixture.js';

// two sinks at 300 µs per record drain ~6,600 records/s; the sources offer 8,000: every exchange stays back-pressured
const RATE_PER_SEC = 4000;
const DURATION_MS = 5000;
const SINK_COST_US = 300;
const PARALLELISM = 2;
const SEGMENT = 32 * 1024;

let dir: string;
let cluster: LocalCluster;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowlab-debloat-'));
  const config = testClusterConfig(dir, {
    'taskmanager.network.memory.buffer-debloat.enabled': true,
    'taskmanager.network.memory.buffer-debloat.target': '100 ms',
    'taskmanager.network.memory.buffer-debloat.samples': 5,
    // start at the segment size, so what the debloater does is visible as a shrink
    'taskmanager.memory.starting-segment-size': '32kb',
    'execution.checkpointing.interval': '300 ms',
    'execution.checkpointing.unaligned': true,
    'state.checkpoints.num-retained': 3,
    'restart-strategy.fixed-delay.delay': '500 ms',
  });
  cluster = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore' });
  await awaitTaskManagers(cluster.client, 2);
});

after(async () => {
  await cluster.stop();
  await rm(dir, { recursive: true, force: true });
});

type Task = JobMetrics['tasks'][number];

test('a back-pressured job with debloating: sizes converge below the segment size, producers cut buffers at them, and a restart from an unaligned checkpoint is exactly-once and starts at the configured size again', async (t) => {
  const graph = presetJobGraph('keyby-aggregate', PARALLELISM, { ratePerSec: RATE_PER_SEC, durationMs: DURATION_MS, keys: 64, seed: 9 }, {}, { costUs: SINK_COST_US });
  const { jobId } = await cluster.client.submitJob(graph);

  // every task with an input reports a debloated size well below the segment; sources report none
  const converged = await until(
    'debloated sizes below half the segment size',
    async () => {
      const m = await cluster.client.metrics(jobId);
      const withInput = m.tasks.filter((t) => t.operator !== 'source');
      const ok = withInput.length === 2 * PARALLELISM && withInput.every((t) => (t.debloatedBufferSize ?? SEGMENT) < SEGMENT / 2);
      return ok ? m : undefined;
    },
    20_000,
    100,
  );
  for (const task of converged.tasks) {
    if (task.operator === 'source') {
      assert.equal(task.debloatedBufferSize, undefined, 'sources debloat nobody');
      continue;
    }
    t.diagnostic(`${task.vertexId}#${task.subtaskIndex}: debloatedBufferSize ${task.debloatedBufferSize} B, estimatedTimeToConsumeBuffersMs ${task.estimatedTimeToConsumeBuffersMs?.toFixed(0)}`);
    assert.ok(task.debloatedBufferSize! >= 256, `${task.vertexId}#${task.subtaskIndex}: not below the floor`);
    assert.ok((task.estimatedTimeToConsumeBuffersMs ?? -1) >= 0);
    assert.ok((task.debloatSamples?.length ?? 0) > 0);
  }

  // the same gauges in each TaskManager's Prometheus endpoint, under Flink's reporter names; none for sources
  for (const tm of await cluster.client.taskManagers()) {
    const text = await (await fetch(tm.metricsUrl!)).text();
    const sink = new RegExp(`^flink_taskmanager_job_task_debloatedBufferSize\\{job_id="${jobId}",task_name="sink",subtask_index="\\d",tm_id="${tm.id}"\\} (\\d+)$`, 'm').exec(text);
    assert.ok(sink && Number(sink[1]) >= 256 && Number(sink[1]) <= SEGMENT, `${tm.id}: the sink's debloatedBufferSize`);
    assert.match(text, /^flink_taskmanager_job_task_estimatedTimeToConsumeBuffersMs\{.*task_name="aggregate".*\} [\d.e+-]+$/m);
    assert.doesNotMatch(text, /^flink_taskmanager_job_task_debloatedBufferSize\{.*task_name="source"/m, 'sources debloat nobody');
  }

  // producers cut buffers at the sizes their consumers announced: bytes per finished buffer over one second
  const sizesOf = (m: JobMetrics, vertex: string): number[] => m.tasks.filter((t) => t.vertexId === vertex).map((t) => t.debloatedBufferSize ?? SEGMENT);
  const out = (m: JobMetrics, vertex: string): { bytes: number; buffers: number } =>
    m.tasks.filter((t) => t.vertexId === vertex).reduce((s, x: Task) => ({ bytes: s.bytes + x.numBytesOut, buffers: s.buffers + x.numBuffersOut }), { bytes: 0, buffers: 0 });
  // (reports come every second and a loaded machine may stall the job for a while: poll until both produced some)
  const pairs = [
    ['source', 'aggregate'],
    ['aggregate', 'sink'],
  ] as const;
  const first = await cluster.client.metrics(jobId);
  const announced = new Map<string, number[]>(pairs.map(([, consumer]) => [consumer, sizesOf(first, consumer)]));
  const second = await until(
    'producers finishing buffers',
    async () => {
      const m = await cluster.client.metrics(jobId);
      for (const [, consumer] of pairs) announced.get(consumer)!.push(...sizesOf(m, consumer));
      return pairs.every(([producer]) => out(m, producer).buffers - out(first, producer).buffers >= 10) ? m : undefined;
    },
    20_000,
    250,
  );
  for (const [producer, consumer] of pairs) {
    const a = out(first, producer);
    const b = out(second, producer);
    const perBuffer = (b.bytes - a.bytes) / (b.buffers - a.buffers);
    const sizes = announced.get(consumer)!;
    const largest = Math.max(...sizes);
    t.diagnostic(`${producer} → ${consumer}: ${perBuffer.toFixed(0)} B per finished buffer, announced sizes ${Math.min(...sizes)}…${largest} B`);
    // a buffer is finished at the announced size, or earlier by a flush or an event
    assert.ok(perBuffer <= largest * 1.25, `${producer} → ${consumer}: ${perBuffer.toFixed(0)} B per buffer, announced ≤ ${largest} B`);
    assert.ok(perBuffer < SEGMENT / 2, `${producer} → ${consumer}: ${perBuffer.toFixed(0)} B per buffer`);
  }

  // a completed unaligned checkpoint with in-flight data, then a TaskManager dies
  await until(
    'a completed unaligned checkpoint with channel state',
    async () => ((await cluster.client.checkpoints(jobId)).history.some((h) => h.status === 'COMPLETED' && h.unaligned && h.persistedChannelStateBytes > 0) ? true : undefined),
    20_000,
    50,
  );
  const attemptsBefore = new Set(second.tasks.map((t) => t.attemptId));
  cluster.killTaskManager('tm-1');
  // the restored tasks' first recalculations start from the configured size (the EMA and the announced size)
  const restored = await until(
    'a report of the new attempt with its first recalculations',
    async () => {
      const m = await cluster.client.metrics(jobId).catch(() => undefined);
      return m?.tasks.find((x) => x.operator !== 'source' && !attemptsBefore.has(x.attemptId) && (x.debloatSamples?.length ?? 0) > 0);
    },
    30_000,
    50,
  );
  const firstSample = restored.debloatSamples![0]!;
  t.diagnostic(`restored ${restored.vertexId}#${restored.subtaskIndex}: ${restored.debloatSamples!.length} samples, first from EMA ${firstSample.emaBefore} / announced ${firstSample.lastAnnouncedBefore}`);
  // the gate keeps its last 16 recalculations (3.2 s at 200 ms); the first report of the attempt comes within ~1 s
  assert.ok(restored.debloatSamples!.length < 16, 'the first recalculation of the attempt is still in its report');
  assert.equal(firstSample.emaBefore, SEGMENT, 'the restored gate starts at starting-segment-size');
  assert.equal(firstSample.lastAnnouncedBefore, SEGMENT);

  const job = await awaitJobEnd(cluster.client, jobId, 60_000);
  assert.equal(job.state, 'FINISHED', job.failureReason ?? '');
  // one restart, or two when a loaded machine lets the first redeployment reach the killed TaskManager before the
  // JobManager noticed it was gone; exactly-once must hold either way
  assert.ok((job.restarts ?? 0) >= 1, `restarts ${String(job.restarts)}`);
  if ((job.restarts ?? 0) > 1) t.diagnostic(`restarts: ${JSON.stringify(job.failureHistory)}`);
  assert.ok((job.restoredFromCheckpoint ?? 0) >= 1);
  const { aggregate } = await cluster.client.metrics(jobId);
  assert.equal(aggregate.sourceRecordsOut, PARALLELISM * RATE_PER_SEC * (DURATION_MS / 1000), 'the restored sources end where the original would');
  assert.equal(aggregate.sinkRecordsIn, aggregate.sourceRecordsOut, 'lost 0');
  assert.equal(aggregate.sinkDuplicated, 0, 'duplicated 0');
  assert.equal(aggregate.sinkOutOfOrder, 0, 'out of order 0 (keyBy: one path per key)');
});

test('debloating with the aligned-checkpoint timeout: checkpoints start aligned, switch to unaligned, complete; the sink proves exactly-once', async (t) => {
  const config = testClusterConfig(dir, {
    'taskmanager.network.memory.buffer-debloat.enabled': true,
    'taskmanager.network.memory.buffer-debloat.target': '100 ms',
    'execution.checkpointing.interval': '300 ms',
    'execution.checkpointing.unaligned': true,
    'execution.checkpointing.aligned-checkpoint-timeout': '20 ms',
  });
  await using local = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore' });
  await awaitTaskManagers(local.client, 2);
  const graph = presetJobGraph('keyby-aggregate', PARALLELISM, { ratePerSec: RATE_PER_SEC, durationMs: 3000, keys: 64, seed: 11 }, {}, { costUs: SINK_COST_US });
  const { jobId } = await local.client.submitJob(graph);
  const job = await awaitJobEnd(local.client, jobId, 60_000);
  assert.equal(job.state, 'FINISHED', job.failureReason ?? '');
  const cps = await local.client.checkpoints(jobId);
  t.diagnostic(`${cps.counts.completed} completed (${cps.history.filter((h) => h.unaligned).length} of the last ${cps.history.length} unaligned), ${cps.counts.failed} failed`);
  assert.ok(cps.counts.completed >= 2, `${cps.counts.completed} checkpoints completed`);
  const { aggregate, tasks } = await local.client.metrics(jobId);
  assert.ok(tasks.filter((x) => x.operator !== 'source').every((x) => x.debloatedBufferSize !== undefined && x.debloatedBufferSize < SEGMENT));
  assert.equal(aggregate.sinkRecordsIn, aggregate.sourceRecordsOut, 'lost 0');
  assert.equal(aggregate.sinkDuplicated, 0);
  assert.equal(aggregate.sinkOutOfOrder, 0);
});
