// Checkpoint storage that cannot be written (issue 14, defect 2): refused before any process starts, naming
// execution.checkpointing.dir; storage that fails while the job runs fails the job with the reason instead of
// restarting it forever. As root a mode 0555 directory is still writable, so the unwritable paths are one whose
// parent is a regular file (ENOTDIR) and a link into /proc (ENOENT), which fail for every user (Linux).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidConfigError } from '../../core/index.js';
import { LocalCluster } from './local-cluster.js';
import { presetJobGraph } from '../job/index.js';
import { awaitJobEnd, awaitTaskManagers, testClusterConfig } from '../test-support/cluster-fixture.js';

test('a checkpoint directory that cannot be created or written fails before any process starts, naming the key', async () => {
  const base = await mkdtemp(join(tmpdir(), 'flowlab-ro-checkpoints-'));
  try {
    const file = join(base, 'a-file');
    await writeFile(file, 'not a directory');
    const cases = [join(file, 'checkpoints')];
    if (process.getuid?.() !== 0) {
      const readOnly = join(base, 'read-only');
      await mkdir(readOnly);
      await chmod(readOnly, 0o555);
      cases.push(readOnly);
    }
    for (const dir of cases) {
      const config = testClusterConfig(dir, { 'execution.checkpointing.interval': '1 s' });
      await assert.rejects(LocalCluster.start({ taskManagers: 1, config, childStderr: 'ignore' }), (error: unknown) => {
        assert.ok(error instanceof InvalidConfigError, String(error));
        assert.equal(error.key, 'execution.checkpointing.dir');
        assert.match(error.message, /not writable|ENOTDIR|EACCES/);
        return true;
      });
    }
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test('checkpoint storage that fails while the job runs fails the job with the reason, instead of restarting forever', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flowlab-failing-checkpoints-'));
  try {
    const config = testClusterConfig(dir, { 'execution.checkpointing.interval': '200 ms', 'restart-strategy.fixed-delay.delay': '100 ms' });
    await using cluster = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore' });
    await awaitTaskManagers(cluster.client, 2);
    // the directory passed the check at start and then turns into a link to where nobody, root included, can create
    // anything: a recursive mkdir fails with ENOENT, and listing it finds no checkpoint (the report's case)
    await rm(dir, { recursive: true, force: true });
    await symlink('/proc/flowlab-no-such-directory', dir);
    const { jobId } = await cluster.client.submitJob(presetJobGraph('keyby-aggregate', 2, { ratePerSec: 2000, durationMs: 60_000, keys: 16, seed: 1 }));
    const job = await awaitJobEnd(cluster.client, jobId, 30_000);
    assert.equal(job.state, 'FAILED');
    assert.match(job.failureReason ?? '', /checkpoint/i);
    assert.match(job.failureReason ?? '', new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.ok((job.restarts ?? 0) <= 1, `restarts: ${job.restarts}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
