import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCluster } from './local-cluster.js';
import { presetJobGraph } from '../job/index.js';
import { awaitTaskManagers, testClusterConfig, until } from '../test-support/cluster-fixture.js';

let dir: string;
let cluster: LocalCluster;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowlab-jm-metrics-'));
  const config = testClusterConfig(dir, {
    'execution.checkpointing.interval': '300 ms',
    'heartbeat.interval': '200 ms',
    'heartbeat.timeout': '2 s',
    'restart-strategy.fixed-delay.delay': '200 ms',
  });
  cluster = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore' });
  await awaitTaskManagers(cluster.client, 2);
});

after(async () => {
  await cluster.stop();
  await rm(dir, { recursive: true, force: true });
});

/** `name{labels} value` lines of a scrape, keyed by the name with its labels. */
async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

test('the JobManager exports job metrics under Flink reporter names: state, checkpoints, restarts, uptime', async () => {
  const jm = cluster.jobManager.metrics;
  assert.match(`${jm.host}:${jm.port}`, /^127\.0\.0\.1:\d+$/, 'the ready line carries the metrics address, on loopback');
  const url = `http://${jm.host}:${jm.port}/metrics`;
  const graph = presetJobGraph('keyby-aggregate', 2, { ratePerSec: 2000, durationMs: 60_000, keys: 64, seed: 5 });
  const { jobId } = await cluster.client.submitJob(graph);
  const job = (name: string): string => `flink_jobmanager_job_${name}{job_id="${jobId}",job_name="${graph.name}"}`;

  const running = await until('two completed checkpoints in the metrics', async () => {
    const m = await scrape(url);
    return (m.get(job('numberOfCompletedCheckpoints')) ?? 0) >= 2 ? m : undefined;
  }, 20_000, 100);
  assert.equal(running.get(job('runningState')), 1);
  assert.equal(running.get(job('restartingState')), 0);
  assert.equal(running.get(job('numRestarts')), 0);
  assert.ok(running.get(job('uptime'))! > 0, 'uptime grows while running');
  assert.ok(running.get(job('lastCheckpointDuration'))! > 0);
  assert.ok(running.get(job('lastCompletedCheckpointId'))! >= 1);
  assert.ok(running.get(job('lastCheckpointSize'))! > 0, 'the aggregate keeps state');
  assert.equal(running.get(job('lastCheckpointRestoreTimestamp')), -1, 'the first attempt restored nothing');
  assert.equal(running.get('flink_jobmanager_numRegisteredTaskManagers'), 2);
  assert.equal(running.get('flink_jobmanager_taskSlotsTotal'), 4);
  assert.equal(running.get('flink_jobmanager_numRunningJobs'), 1);

  // the sinks' end-to-end latency reaches Prometheus as a histogram
  const tms = (await cluster.client.taskManagers()) as Array<{ id: string; metricsUrl?: string }>;
  let sinkSeries = 0;
  for (const tm of tms) {
    const m = await scrape(tm.metricsUrl!);
    for (const [series, count] of m) {
      if (!series.startsWith('flink_taskmanager_job_task_endToEndLatencyUs_bucket{') || !series.includes('le="+Inf"')) continue;
      assert.match(series, new RegExp(`job_id="${jobId}",task_name="sink",subtask_index="\\d",tm_id="${tm.id}"`));
      assert.ok(count > 0, `${series}: records reached the sink`);
      sinkSeries++;
    }
  }
  assert.equal(sinkSeries, 2, 'one latency histogram per sink subtask');

  // a lost TaskManager: the job restarts from a checkpoint, and the metrics say so
  cluster.killTaskManager('tm-1');
  await cluster.restartTaskManager('tm-1');
  const restarted = await until('a restart, running again', async () => {
    const m = await scrape(url);
    return (m.get(job('numRestarts')) ?? 0) >= 1 && m.get(job('runningState')) === 1 ? m : undefined;
  }, 20_000, 100);
  assert.ok(restarted.get(job('lastCheckpointRestoreTimestamp'))! > 0, 'the new attempt restored from a checkpoint');
  await cluster.client.cancel(jobId);
  const canceled = await until('CANCELED in the metrics', async () => {
    const m = await scrape(url);
    return m.get(job('canceledState')) === 1 ? m : undefined;
  }, 10_000, 100);
  assert.equal(canceled.get(job('uptime')), 0, 'no uptime once canceled');
});
