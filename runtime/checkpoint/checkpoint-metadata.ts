/**
 * `_metadata`: the JSON document the JobManager writes last into `chk-<id>/`. Its presence (valid, and
 * consistent with the state files it lists) is what makes a checkpoint complete.
 */
import { basename } from 'node:path';
import { CheckpointStorageError } from './checkpoint-storage-error.js';
import type { SubtaskStateHandle } from './subtask-state-handle.js';

export const CHECKPOINT_METADATA_SCHEMA_VERSION = 1;

/** One subtask's entry in `_metadata`. */
export interface SubtaskMetadataEntry {
  vertexId: string;
  subtask: number;
  /**
   * The state file, relative to the checkpoint directory (e.g. `map-0.state`), so a checkpoint directory can be
   * moved. `writeMetadata` also accepts an absolute path inside the checkpoint directory and stores its name.
   */
  file: string;
  /** Size of the file in bytes; a file of another size makes the checkpoint invalid. */
  bytes: number;
  stateBytes: number;
  channelStateBytes: number;
}

export interface CheckpointMetadata {
  schemaVersion: typeof CHECKPOINT_METADATA_SCHEMA_VERSION;
  jobId: string;
  checkpointId: number;
  /** Wall-clock time the checkpoint was triggered, epoch ms. */
  triggerTimestampMs: number;
  /** Wall-clock time all acknowledgements were in, epoch ms. */
  completedTimestampMs: number;
  unaligned: boolean;
  subtasks: SubtaskMetadataEntry[];
}

/** A checkpoint whose `_metadata` exists, parses and matches its state files. */
export interface CompletedCheckpoint {
  checkpointId: number;
  /** Absolute path of `chk-<id>/`. */
  dir: string;
  metadata: CheckpointMetadata;
  /** One handle per subtask, with absolute file paths, ready for `readSubtaskState`. */
  subtasks: Array<{ vertexId: string; subtask: number; handle: SubtaskStateHandle }>;
}

/** The `_metadata` entry for a handle returned by `writeSubtaskState` (file stored relative to the checkpoint dir). */
export function subtaskMetadataEntry(vertexId: string, subtask: number, handle: SubtaskStateHandle): SubtaskMetadataEntry {
  return {
    vertexId,
    subtask,
    file: basename(handle.file),
    bytes: handle.bytes,
    stateBytes: handle.stateBytes,
    channelStateBytes: handle.channelStateBytes,
  };
}

/** The handle of one subtask in a completed checkpoint, or undefined when it has no state there. */
export function findSubtaskHandle(checkpoint: CompletedCheckpoint, vertexId: string, subtask: number): SubtaskStateHandle | undefined {
  return checkpoint.subtasks.find((s) => s.vertexId === vertexId && s.subtask === subtask)?.handle;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Checks the shape of a parsed `_metadata` document and returns it typed; throws {@link CheckpointStorageError}
 * (`malformed` or `unsupported-version`) naming `file` and the first bad field.
 */
export function checkCheckpointMetadata(value: unknown, file: string): CheckpointMetadata {
  const bad = (detail: string): CheckpointStorageError => new CheckpointStorageError(file, 'malformed', detail);
  if (!isRecord(value)) throw bad('not a JSON object');
  if (value['schemaVersion'] !== CHECKPOINT_METADATA_SCHEMA_VERSION) {
    throw new CheckpointStorageError(
      file,
      'unsupported-version',
      `schemaVersion ${JSON.stringify(value['schemaVersion'])}, this build reads ${CHECKPOINT_METADATA_SCHEMA_VERSION}`,
    );
  }
  if (typeof value['jobId'] !== 'string' || value['jobId'] === '') throw bad('jobId must be a non-empty string');
  if (!isCount(value['checkpointId']) || value['checkpointId'] < 1) throw bad('checkpointId must be an integer >= 1');
  for (const key of ['triggerTimestampMs', 'completedTimestampMs'] as const) {
    if (typeof value[key] !== 'number' || !Number.isFinite(value[key])) throw bad(`${key} must be a finite number`);
  }
  if (typeof value['unaligned'] !== 'boolean') throw bad('unaligned must be a boolean');
  const subtasks = value['subtasks'];
  if (!Array.isArray(subtasks)) throw bad('subtasks must be an array');
  const seen = new Set<string>();
  subtasks.forEach((entry: unknown, i) => {
    const where = `subtasks[${i}]`;
    if (!isRecord(entry)) throw bad(`${where} is not an object`);
    if (typeof entry['vertexId'] !== 'string' || entry['vertexId'] === '') throw bad(`${where}.vertexId must be a non-empty string`);
    if (!isCount(entry['subtask'])) throw bad(`${where}.subtask must be an integer >= 0`);
    if (typeof entry['file'] !== 'string' || entry['file'] === '') throw bad(`${where}.file must be a non-empty string`);
    for (const key of ['bytes', 'stateBytes', 'channelStateBytes'] as const) {
      if (!isCount(entry[key])) throw bad(`${where}.${key} must be an integer >= 0`);
    }
    if ((entry['stateBytes'] as number) + (entry['channelStateBytes'] as number) !== entry['bytes']) {
      throw bad(`${where}: stateBytes + channelStateBytes != bytes`);
    }
    const key = `${entry['vertexId']}#${entry['subtask']}`;
    if (seen.has(key)) throw bad(`${where}: subtask ${entry['vertexId']}-${entry['subtask']} is listed twice`);
    seen.add(key);
  });
  return value as unknown as CheckpointMetadata;
}
