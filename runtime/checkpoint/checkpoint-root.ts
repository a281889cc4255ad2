import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidConfigError } from '../../core/index.js';

/**
 * Where checkpoints go when `execution.checkpointing.dir` is unset: `<outputDir>/checkpoints` for a run with an
 * output directory, else `<os.tmpdir()>/flowlab-checkpoints`.
 */
export function defaultCheckpointRoot(outputDir?: string): string {
  return outputDir ? join(outputDir, 'checkpoints') : join(tmpdir(), 'flowlab-checkpoints');
}

/**
 * Checks, before any process starts, that the checkpoint root can be created and written: creates it if needed,
 * then writes and removes a probe file. Throws an {@link InvalidConfigError} for `execution.checkpointing.dir`
 * naming the directory and the system error (`EACCES`, `EROFS`, `ENOTDIR`, …).
 */
export async function checkCheckpointDirWritable(root: string): Promise<void> {
  const dir = resolve(root);
  const probe = join(dir, `.flowlab-write-check-${process.pid}`);
  let step = 'creating it';
  try {
    await mkdir(dir, { recursive: true });
    step = 'writing a file in it';
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidConfigError('execution.checkpointing.dir', root, 'a directory flowlab can create and write', {
      cause: error,
      detail: `The directory ${dir} is not writable (${step} failed: ${reason}).`,
    });
  }
}
