// Flink durations past Node's 2^31-1 ms timer limit work as written instead of firing after 1 ms (issue 14, defect 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, resolveConfig, systemClock } from '../../core/index.js';
import { CheckpointStorage } from '../checkpoint/index.js';
import { CheckpointCoordinator } from './checkpoint-coordinator.js';

const quiet = createLogger('long-durations-test', 'error');

test('execution.checkpointing.timeout=30d does not expire a checkpoint at once on the real clock', async () => {
  const root = await mkdtemp(join(tmpdir(), 'flowlab-long-timeout-'));
  const failures: string[] = [];
  const coordinator = new CheckpointCoordinator({
    jobId: 'job-1',
    config: resolveConfig({ 'execution.checkpointing.dir': root, 'execution.checkpointing.timeout': '30d' }),
    tasks: [{ vertexId: 'source', subtaskIndex: 0, tmId: 'tm-1', isSource: true }],
    storage: new CheckpointStorage({ root, jobId: 'job-1', numRetained: 1, logger: quiet }),
    send: () => undefined,
    failJob: (reason) => failures.push(reason),
    allTasksRunning: () => true,
    clock: systemClock,
    logger: quiet,
  });
  try {
    const id = coordinator.triggerCheckpoint()!;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(coordinator.details(id)?.status, 'IN_PROGRESS');
    assert.deepEqual(failures, []);
  } finally {
    coordinator.stop();
    await rm(root, { recursive: true, force: true });
  }
});
