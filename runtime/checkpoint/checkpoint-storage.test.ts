import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { InvalidConfigError, createLogger } from '../../core/index.js';
import { CheckpointStorage } from './checkpoint-storage.js';
import { CheckpointStorageError } from './checkpoint-storage-error.js';
import { subtaskMetadataEntry, type CheckpointMetadata, type CompletedCheckpoint } from './checkpoint-metadata.js';
import { defaultCheckpointRoot } from './checkpoint-root.js';
import type { SubtaskStateSnapshot } from './subtask-state-snapshot.js';
import { deterministicSnapshot, snapshotArbitrary } from './test-snapshots.js';

const JOB_ID = 'job-1';
const quiet = createLogger('checkpoint-storage-test', 'error');

async function tempRoot(): Promise<{ root: string } & AsyncDisposable> {
  const root = await mkdtemp(join(tmpdir(), 'flowlab-checkpoint-test-'));
  return { root, [Symbol.asyncDispose]: () => rm(root, { recursive: true, force: true }) };
}

function storageAt(root: string, numRetained = 10): CheckpointStorage {
  return new CheckpointStorage({ root, jobId: JOB_ID, numRetained, logger: quiet });
}

/** Task side for every snapshot, then (unless `complete` is false) the JobManager's finalize. */
async function checkpoint(storage: CheckpointStorage, id: number, snapshots: SubtaskStateSnapshot[], complete = true): Promise<CheckpointMetadata> {
  const handles = await Promise.all(snapshots.map((s, i) => storage.writeSubtaskState(id, 'map', i, s)));
  const metadata: CheckpointMetadata = {
    schemaVersion: 1,
    jobId: JOB_ID,
    checkpointId: id,
    triggerTimestampMs: 1_000 * id,
    completedTimestampMs: 1_000 * id + 5,
    unaligned: true,
    subtasks: handles.map((h, i) => subtaskMetadataEntry('map', i, h)),
  };
  if (complete) await storage.finalize(id, metadata);
  return metadata;
}

const small = (subtask: number): SubtaskStateSnapshot => deterministicSnapshot('map', subtask, 16, 3);

test('random snapshots round-trip through state files and _metadata', async () => {
  await using tmp = await tempRoot();
  const storage = storageAt(tmp.root, 2);
  let id = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(snapshotArbitrary, { minLength: 1, maxLength: 3 }), async (snapshots) => {
      id++;
      await checkpoint(storage, id, snapshots);
      const latest = await storage.latestCompleted();
      assert.ok(latest);
      assert.equal(latest.checkpointId, id);
      assert.equal(latest.subtasks.length, snapshots.length);
      for (const [i, snapshot] of snapshots.entries()) {
        const entry: CompletedCheckpoint['subtasks'][number] = latest.subtasks.find((s) => s.subtask === i)!;
        assert.equal(entry.handle.file, join(storage.checkpointDir(id), `map-${i}.state`));
        assert.deepStrictEqual(await storage.readSubtaskState(entry.handle), snapshot);
      }
    }),
    { numRuns: 40 },
  );
  assert.deepEqual(await storage.listCheckpointIds(), [id - 1, id]);
});

test('_metadata is what completes a checkpoint: state files alone or a leftover _metadata.tmp do not', async () => {
  await using tmp = await tempRoot();
  const storage = storageAt(tmp.root);
  assert.equal(await storage.latestCompleted(), undefined);
  const metadata = await checkpoint(storage, 1, [small(0), small(1)], false);
  assert.equal(await storage.latestCompleted(), undefined);
  await writeFile(join(storage.checkpointDir(1), '_metadata.tmp'), JSON.stringify(metadata).slice(0, 40));
  assert.equal(await storage.latestCompleted(), undefined);

  const done = await storage.writeMetadata(1, metadata);
  assert.equal(done.checkpointId, 1);
  assert.deepEqual((await readdir(storage.checkpointDir(1))).sort(), ['_metadata', 'map-0.state', 'map-1.state']);
  const stored = JSON.parse(await readFile(join(storage.checkpointDir(1), '_metadata'), 'utf8')) as CheckpointMetadata;
  assert.deepEqual(stored.subtasks.map((s) => s.file), ['map-0.state', 'map-1.state']);
  assert.equal((await storage.latestCompleted())?.checkpointId, 1);
});

const corruptions: Array<{ name: string; problem: string; file: string; corrupt: (dir: string) => Promise<void> }> = [
  { name: 'truncated _metadata', problem: 'malformed', file: '_metadata', corrupt: async (dir) => writeFile(join(dir, '_metadata'), (await readFile(join(dir, '_metadata'), 'utf8')).slice(0, 60)) },
  { name: 'empty _metadata', problem: 'malformed', file: '_metadata', corrupt: (dir) => writeFile(join(dir, '_metadata'), '') },
  { name: '_metadata with the wrong checkpoint id', problem: 'malformed', file: '_metadata', corrupt: (dir) => rewrite(dir, (m) => ({ ...m, checkpointId: 3 })) },
  { name: '_metadata of another job', problem: 'malformed', file: '_metadata', corrupt: (dir) => rewrite(dir, (m) => ({ ...m, jobId: 'job-2' })) },
  { name: '_metadata with an unknown schema version', problem: 'unsupported-version', file: '_metadata', corrupt: (dir) => rewrite(dir, (m) => ({ ...m, schemaVersion: 2 })) },
  { name: 'a missing state file', problem: 'missing-file', file: 'map-1.state', corrupt: (dir) => unlink(join(dir, 'map-1.state')) },
  { name: 'a state file with an extra byte', problem: 'size-mismatch', file: 'map-0.state', corrupt: (dir) => appendFile(join(dir, 'map-0.state'), 'x') },
  {
    name: 'a truncated state file',
    problem: 'truncated',
    file: 'map-1.state',
    corrupt: async (dir) => writeFile(join(dir, 'map-1.state'), (await readFile(join(dir, 'map-1.state'))).subarray(0, 20)),
  },
];

async function rewrite(dir: string, change: (m: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  const file = join(dir, '_metadata');
  await writeFile(file, JSON.stringify(change(JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>)));
}

for (const { name, problem, file, corrupt } of corruptions) {
  test(`a checkpoint with ${name} is skipped; latestCompleted falls back to the previous one`, async () => {
    await using tmp = await tempRoot();
    const storage = storageAt(tmp.root);
    await checkpoint(storage, 1, [small(0), small(1)]);
    await checkpoint(storage, 2, [small(2), small(3)]);
    assert.equal((await storage.latestCompleted())?.checkpointId, 2);
    await corrupt(storage.checkpointDir(2));
    const latest = await storage.latestCompleted();
    assert.equal(latest?.checkpointId, 1);
    assert.deepStrictEqual(await storage.readSubtaskState(latest.subtasks[1]!.handle), small(1));
    await assert.rejects(storage.loadCompleted(2), (e: unknown) => {
      assert.ok(e instanceof CheckpointStorageError);
      assert.equal(e.code, 'ERR_CHECKPOINT_STORAGE');
      assert.equal(e.problem, problem);
      assert.equal(e.file, join(storage.checkpointDir(2), file));
      assert.match(e.message, new RegExp(file.replace('.', '\\.')));
      return true;
    });
  });
}

test('a corrupted byte in a state file makes readSubtaskState throw, naming the file', async () => {
  await using tmp = await tempRoot();
  const storage = storageAt(tmp.root);
  const handle = await storage.writeSubtaskState(7, 'sink', 2, deterministicSnapshot('sink', 2, 100, 4));
  const bytes = await readFile(handle.file);
  const middle = Math.floor(bytes.length / 2);
  bytes[middle] = bytes[middle]! ^ 0x01;
  await writeFile(handle.file, bytes);
  await assert.rejects(storage.readSubtaskState(handle), (e: unknown) => {
    assert.ok(e instanceof CheckpointStorageError);
    assert.equal(e.problem, 'checksum-mismatch');
    assert.equal(e.file, handle.file);
    assert.ok(e.message.includes(handle.file));
    return true;
  });
  await unlink(handle.file);
  await assert.rejects(storage.readSubtaskState(handle), { code: 'ERR_CHECKPOINT_STORAGE', problem: 'missing-file', file: handle.file });
});

test('retention keeps numRetained completed checkpoints, removes older aborted ones, leaves newer pending ones', async () => {
  await using tmp = await tempRoot();
  const storage = storageAt(tmp.root, 2);
  await checkpoint(storage, 1, [small(0)]);
  await checkpoint(storage, 2, [small(0)]);
  assert.deepEqual(await storage.listCheckpointIds(), [1, 2]);
  await checkpoint(storage, 3, [small(0)], false); // aborted, but its directory was left behind
  await checkpoint(storage, 4, [small(0)]);
  assert.deepEqual(await storage.listCheckpointIds(), [2, 4]);
  await checkpoint(storage, 6, [small(0)], false); // still in progress
  await checkpoint(storage, 5, [small(0)]);
  assert.deepEqual(await storage.listCheckpointIds(), [4, 5, 6]);
  assert.equal((await storage.latestCompleted())?.checkpointId, 5);
  await storage.discard(6);
  await storage.discard(6);
  assert.deepEqual(await storage.listCheckpointIds(), [4, 5]);

  const single = new CheckpointStorage({ root: tmp.root, jobId: 'job-single', numRetained: 1, logger: quiet });
  for (const id of [1, 2, 3]) {
    const handle = await single.writeSubtaskState(id, 'src', 0, small(0));
    await single.finalize(id, { schemaVersion: 1, jobId: 'job-single', checkpointId: id, triggerTimestampMs: 0, completedTimestampMs: 1, unaligned: false, subtasks: [subtaskMetadataEntry('src', 0, handle)] });
    assert.deepEqual(await single.listCheckpointIds(), [id]);
  }
});

test('writeMetadata refuses metadata that does not match the checkpoint or its files', async () => {
  await using tmp = await tempRoot();
  const storage = storageAt(tmp.root);
  const metadata = await checkpoint(storage, 1, [small(0)], false);
  await assert.rejects(storage.writeMetadata(2, metadata), { code: 'ERR_CHECKPOINT_STORAGE', problem: 'invalid-argument' });
  const wrongSize = { ...metadata, subtasks: metadata.subtasks.map((s) => ({ ...s, bytes: s.bytes + 1, stateBytes: s.stateBytes + 1 })) };
  await assert.rejects(storage.writeMetadata(1, wrongSize), { problem: 'truncated', file: join(storage.checkpointDir(1), 'map-0.state') });
  const missing = { ...metadata, subtasks: [...metadata.subtasks, { ...metadata.subtasks[0]!, subtask: 9, file: 'map-9.state' }] };
  await assert.rejects(storage.writeMetadata(1, missing), { problem: 'missing-file', file: join(storage.checkpointDir(1), 'map-9.state') });
  const outside = { ...metadata, subtasks: [{ ...metadata.subtasks[0]!, file: '/etc/passwd' }] };
  await assert.rejects(storage.writeMetadata(1, outside), { problem: 'invalid-argument' });
  assert.equal(await storage.latestCompleted(), undefined);

  // Absolute paths inside the checkpoint directory are accepted and stored relative.
  const absolute = { ...metadata, subtasks: metadata.subtasks.map((s) => ({ ...s, file: join(storage.checkpointDir(1), s.file) })) };
  const done = await storage.writeMetadata(1, absolute);
  assert.equal(done.metadata.subtasks[0]!.file, 'map-0.state');
});

test('options are validated; defaultCheckpointRoot follows the output directory', () => {
  assert.throws(() => new CheckpointStorage({ root: '/tmp/x', jobId: 'j', numRetained: 0 }), InvalidConfigError);
  assert.throws(() => new CheckpointStorage({ root: '/tmp/x', jobId: '../escape', numRetained: 1 }), { problem: 'invalid-argument' });
  const storage = new CheckpointStorage({ root: '/tmp/x', jobId: 'j', numRetained: 1 });
  assert.equal(storage.checkpointDir(3), '/tmp/x/j/chk-3');
  assert.throws(() => storage.checkpointDir(0), { problem: 'invalid-argument' });
  assert.throws(() => storage.subtaskStateFile(1, 'a/b', 0), { problem: 'invalid-argument' });
  assert.equal(defaultCheckpointRoot('/runs/r1'), '/runs/r1/checkpoints');
  assert.equal(defaultCheckpointRoot(), join(tmpdir(), 'flowlab-checkpoints'));
});
