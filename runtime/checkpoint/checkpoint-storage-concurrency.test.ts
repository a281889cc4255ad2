import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../core/index.js';
import { CheckpointStorage } from './checkpoint-storage.js';
import { subtaskMetadataEntry } from './checkpoint-metadata.js';
import type { WriterFixtureArgs, WriterFixtureOutput } from './checkpoint-writer-fixture.js';
import { deterministicSnapshot } from './test-snapshots.js';

const FIXTURE = fileURLToPath(new URL('./checkpoint-writer-fixture.js', import.meta.url));

function runWriter(args: WriterFixtureArgs): Promise<WriterFixtureOutput> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [FIXTURE, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(JSON.parse(stdout) as WriterFixtureOutput);
      else reject(new Error(`writer for ${args.vertexId} exited with ${String(code)}: ${stderr}`));
    });
  });
}

test('two processes write different subtasks into one checkpoint directory; finalize; latestCompleted sees all', async () => {
  const root = await mkdtemp(join(tmpdir(), 'flowlab-checkpoint-test-'));
  try {
    const jobId = 'job-concurrent';
    const storage = new CheckpointStorage({ root, jobId, numRetained: 1, logger: createLogger('test', 'error') });
    const common = { root, jobId, checkpointId: 1, subtasks: [0, 1, 2, 3], chunkBytes: 16_384, chunkCount: 16 };
    // Neither the JobManager nor a writer creates the directory first: both writers race on mkdir.
    const outputs = await Promise.all([runWriter({ ...common, vertexId: 'source' }), runWriter({ ...common, vertexId: 'sink' })]);
    const handles = outputs.flatMap((o) => o.handles);
    assert.equal(handles.length, 8);

    await storage.finalize(1, {
      schemaVersion: 1,
      jobId,
      checkpointId: 1,
      triggerTimestampMs: 10,
      completedTimestampMs: 20,
      unaligned: true,
      subtasks: handles.map((h) => subtaskMetadataEntry(h.vertexId, h.subtask, h.handle)),
    });
    const latest = await storage.latestCompleted();
    assert.equal(latest?.checkpointId, 1);
    assert.deepEqual(latest.subtasks.map((s) => `${s.vertexId}-${s.subtask}`).sort(), [
      'sink-0', 'sink-1', 'sink-2', 'sink-3', 'source-0', 'source-1', 'source-2', 'source-3',
    ]);
    for (const { vertexId, subtask, handle } of latest.subtasks) {
      assert.deepStrictEqual(await storage.readSubtaskState(handle), deterministicSnapshot(vertexId, subtask, common.chunkBytes, common.chunkCount));
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
