import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../core/index.js';
import { LocalCluster } from './local-cluster.js';
import { presetJobGraph } from '../job/index.js';

test('each TaskManager serves its task metrics for Prometheus under Flink-like names', async () => {
  const config = resolveConfig({ 'rest.port': 0, 'taskmanager.numberOfTaskSlots': 2, 'execution.buffer-timeout': '10 ms' });
  await using cluster = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore' });
  let tms: Array<{ id: string; metricsUrl?: string }> = [];
  for (const deadline = Date.now() + 15_000; tms.length < 2 && Date.now() < deadline; ) {
    tms = await cluster.client.taskManagers();
    if (tms.length < 2) await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(tms.length, 2);
  const { jobId } = await cluster.client.submitJob(presetJobGraph('keyby-aggregate', 2, { ratePerSec: 5000, durationMs: 4000, keys: 64 }));
  await new Promise((r) => setTimeout(r, 1500));
  for (const tm of tms) {
    assert.match(tm.metricsUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+\/metrics$/, `${tm.id} announces its endpoint`);
    const res = await fetch(tm.metricsUrl!);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    const sourceOut = new RegExp(`^flink_taskmanager_job_task_numRecordsOut\\{job_id="${jobId}",task_name="source",subtask_index="\\d",tm_id="${tm.id}"\\} (\\d+)$`, 'm').exec(text);
    assert.ok(sourceOut && Number(sourceOut[1]) > 0, `${tm.id}: a source subtask reports records out`);
    assert.match(text, /^flink_taskmanager_job_task_Shuffle_Netty_Output_Buffers_outPoolUsage\{.*task_name="aggregate".*\} [\d.e+-]+$/m);
    assert.match(text, /^flink_taskmanager_job_task_backPressuredTimeMsPerSecond\{/m);
    assert.doesNotMatch(text, /^flink_taskmanager_job_task_debloatedBufferSize\{/m, 'no debloat gauges with debloating disabled');
    assert.match(text, new RegExp(`^flink_taskmanager_Status_Shuffle_Netty_TotalMemorySegments\\{tm_id="${tm.id}"\\} \\d+$`, 'm'));
  }
  const unknown = await fetch(tms[0]!.metricsUrl!.replace('/metrics', '/nope'));
  assert.equal(unknown.status, 404);
  await unknown.text();
});
