// A local cluster with security.ssl.internal.enabled and no keystore: a run-scoped self-signed pair is generated,
// control and data connections are TLS with mutual authentication, the job's records arrive exactly once, and the
// pair is deleted when the cluster stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCluster } from './local-cluster.js';
import { presetJobGraph } from '../job/index.js';
import { awaitJobEnd, awaitTaskManagers, testClusterConfig } from '../test-support/cluster-fixture.js';

test('a cluster with internal TLS runs a job across TaskManagers exactly once, on a run-scoped pair it deletes at the end', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flowlab-tls-cluster-'));
  try {
    const config = testClusterConfig(dir, { 'security.ssl.internal.enabled': true, 'taskmanager.numberOfTaskSlots': 1 });
    const cluster = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore' });
    const pairDir = cluster.tlsPair?.dir;
    try {
      assert.ok(pairDir && existsSync(pairDir), 'a run-scoped pair');
      for (const p of cluster.processes) {
        // config (and any keystore password) travels by environment, not on the world-readable command line
        assert.doesNotMatch(readFileSync(`/proc/${p.pid}/cmdline`, 'utf8'), /security\.ssl/);
      }
      await awaitTaskManagers(cluster.client, 2);
      const { jobId } = await cluster.client.submitJob(presetJobGraph('keyby-aggregate', 2, { ratePerSec: 2000, durationMs: 1500, keys: 32, seed: 5 }));
      const job = await awaitJobEnd(cluster.client, jobId);
      assert.equal(job.state, 'FINISHED', job.failureReason ?? undefined);
      const { aggregate } = await cluster.client.metrics(jobId);
      assert.equal(aggregate.sourceRecordsOut, 2 * 2000 * 1.5);
      assert.equal(aggregate.sinkRecordsIn, aggregate.sourceRecordsOut, 'lost 0');
      assert.equal(aggregate.sinkDuplicated, 0);
    } finally {
      await cluster.stop();
    }
    assert.equal(existsSync(pairDir), false, 'the pair is deleted on stop');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
