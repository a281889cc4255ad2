import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where checkpoints go when `execution.checkpointing.dir` is unset: `<outputDir>/checkpoints` for a run with an
 * output directory, else `<os.tmpdir()>/flowlab-checkpoints`.
 */
export function defaultCheckpointRoot(outputDir?: string): string {
  return outputDir ? join(outputDir, 'checkpoints') : join(tmpdir(), 'flowlab-checkpoints');
}
