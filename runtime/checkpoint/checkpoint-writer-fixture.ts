/**
 * Test fixture process: writes deterministic subtask states into one checkpoint directory, the way a TaskManager
 * does, and prints the handles as JSON on stdout. Argument: JSON of {@link WriterFixtureArgs}.
 */
import { fileURLToPath } from 'node:url';
import { CheckpointStorage } from './checkpoint-storage.js';
import type { SubtaskStateHandle } from './subtask-state-handle.js';
import { deterministicSnapshot } from './test-snapshots.js';

export interface WriterFixtureArgs {
  root: string;
  jobId: string;
  checkpointId: number;
  vertexId: string;
  subtasks: number[];
  chunkBytes: number;
  chunkCount: number;
}

export interface WriterFixtureOutput {
  handles: Array<{ vertexId: string; subtask: number; handle: SubtaskStateHandle }>;
}

async function main(args: WriterFixtureArgs): Promise<void> {
  const storage = new CheckpointStorage({ root: args.root, jobId: args.jobId, numRetained: 1 });
  const handles = await Promise.all(
    args.subtasks.map(async (subtask) => ({
      vertexId: args.vertexId,
      subtask,
      handle: await storage.writeSubtaskState(
        args.checkpointId,
        args.vertexId,
        subtask,
        deterministicSnapshot(args.vertexId, subtask, args.chunkBytes, args.chunkCount),
      ),
    })),
  );
  const output: WriterFixtureOutput = { handles };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(JSON.parse(process.argv[2] ?? '{}') as WriterFixtureArgs).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
