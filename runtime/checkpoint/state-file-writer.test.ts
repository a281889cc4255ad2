import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointStorage, CheckpointStorageError, StateFileWriter } from './index.js';

test('the worker-thread writer makes state files durable; CheckpointStorage reads back what it wrote', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'flowlab-sfw-'));
  const writer = new StateFileWriter();
  t.after(async () => {
    await writer.close();
    await rm(root, { recursive: true, force: true });
  });
  const bytes = Buffer.alloc(300_000, 7);
  await writer.write(join(root, 'a', 'b'), join(root, 'a', 'b', 'x.state'), bytes);
  assert.deepEqual(await readFile(join(root, 'a', 'b', 'x.state')), bytes);

  const storage = new CheckpointStorage({ root, jobId: 'job', numRetained: 1, stateFileWriter: writer });
  const snapshot = {
    operator: { kind: 'sink', data: new Uint8Array([1, 2, 3]) },
    inputChannels: [{ gate: 0, channel: 1, chunks: [new Uint8Array([9, 9]), new Uint8Array(40_000).fill(4)] }],
    outputSubpartitions: [{ partition: 0, subpartition: 0, chunks: [new Uint8Array([5])] }],
  };
  const handle = await storage.writeSubtaskState(3, 'sink', 0, snapshot);
  const back = await storage.readSubtaskState(handle);
  assert.deepEqual(back.operator.data, snapshot.operator.data);
  assert.deepEqual(back.inputChannels[0]?.chunks.map((c) => c.length), [2, 40_000]);
  assert.deepEqual([...back.outputSubpartitions[0]!.chunks[0]!], [5]);
});

test('a write that cannot happen rejects naming the file; a closed writer refuses', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'flowlab-sfw-'));
  const writer = new StateFileWriter();
  t.after(() => rm(root, { recursive: true, force: true }));
  await writeFile(join(root, 'plain-file'), 'x');
  const target = join(root, 'plain-file', 'sub', 'y.state'); // a directory under a regular file
  await assert.rejects(writer.write(join(root, 'plain-file', 'sub'), target, new Uint8Array(4)), (e: unknown) => e instanceof CheckpointStorageError && e.message.includes('plain-file'));
  await writer.close();
  await assert.rejects(writer.write(root, join(root, 'z.state'), new Uint8Array(1)), (e: unknown) => e instanceof CheckpointStorageError && /closed/.test(e.message));
});
