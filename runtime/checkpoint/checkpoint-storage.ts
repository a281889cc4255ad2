/**
 * Checkpoint storage on a local file system shared by the JobManager and the TaskManagers of a local cluster:
 *
 * ```
 * <root>/<jobId>/chk-<id>/
 *   <vertexId>-<subtask>.state   one per subtask, written by the task (operator + channel state, checksummed)
 *   _metadata                    JSON, written last by the JobManager: _metadata.tmp + fsync, rename, fsync dir
 * ```
 *
 * A checkpoint is complete exactly when its `_metadata` exists, parses and matches the state files it lists, so a
 * crash at any point leaves either the previous complete checkpoint or the new one, never half of one.
 */
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { InvalidConfigError, createLogger, type Logger } from '../../core/index.js';
import {
  checkCheckpointMetadata,
  type CheckpointMetadata,
  type CompletedCheckpoint,
  type SubtaskMetadataEntry,
} from './checkpoint-metadata.js';
import { CheckpointStorageError, fileSystemError } from './checkpoint-storage-error.js';
import type { StateFileWriter } from './state-file-writer.js';
import type { SubtaskStateHandle } from './subtask-state-handle.js';
import { decodeSubtaskState, encodeSubtaskState, type SubtaskStateSnapshot } from './subtask-state-snapshot.js';

export interface CheckpointStorageOptions {
  /** Root directory, normally the resolved `execution.checkpointing.dir` (see `defaultCheckpointRoot`). */
  root: string;
  /** Job id; becomes a directory name (letters, digits, `_`, `-`, `.`; not starting with `.`). */
  jobId: string;
  /** Completed checkpoints kept on disk (`state.checkpoints.num-retained`), >= 1. */
  numRetained: number;
  /** Where skipped checkpoints and failed deletions are reported. @default createLogger('checkpoint-storage') */
  logger?: Logger;
  /**
   * Writes subtask state files on a worker thread (TaskManagers: their tasks keep the main thread busy). Without it
   * they are written with asynchronous file-system calls on the calling thread.
   */
  stateFileWriter?: StateFileWriter;
}

export const METADATA_FILE_NAME = '_metadata';
const METADATA_TEMP_FILE_NAME = '_metadata.tmp';
const CHECKPOINT_DIR_PATTERN = /^chk-([1-9][0-9]*)$/;
const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const STATE_FILE_SUFFIX = '.state';
const RM_RETRIES = 3;
/** Errors from fsync on a directory where the platform does not support it (e.g. Windows). */
const UNSUPPORTED_DIR_SYNC = new Set(['EISDIR', 'EINVAL', 'EPERM', 'EBADF']);

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

async function writeFileDurably(file: string, bytes: Uint8Array): Promise<void> {
  try {
    const handle = await open(file, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw fileSystemError(file, 'writing', error);
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    if (!UNSUPPORTED_DIR_SYNC.has(errnoCode(error) ?? '')) throw fileSystemError(dir, 'fsync of the directory', error);
  } finally {
    await handle?.close();
  }
}

/** See the module comment for the layout. One instance per job and process; instances in several processes may share a root. */
export class CheckpointStorage {
  readonly root: string;
  readonly jobId: string;
  readonly numRetained: number;
  /** `<root>/<jobId>`. */
  readonly jobDir: string;
  private readonly log: Logger;
  private readonly stateFileWriter: StateFileWriter | undefined;

  constructor(options: CheckpointStorageOptions) {
    if (typeof options.root !== 'string' || options.root === '') {
      throw new CheckpointStorageError(String(options.root), 'invalid-argument', 'the checkpoint root must be a non-empty path');
    }
    if (!Number.isInteger(options.numRetained) || options.numRetained < 1) {
      throw new InvalidConfigError('state.checkpoints.num-retained', options.numRetained, 'an integer >= 1');
    }
    this.root = resolve(options.root);
    this.jobId = options.jobId;
    this.numRetained = options.numRetained;
    this.jobDir = join(this.root, options.jobId);
    if (!NAME_PATTERN.test(options.jobId)) {
      throw new CheckpointStorageError(this.jobDir, 'invalid-argument', `job id ${JSON.stringify(options.jobId)} is not a safe directory name`);
    }
    this.log = options.logger ?? createLogger('checkpoint-storage');
    this.stateFileWriter = options.stateFileWriter;
  }

  /** `<root>/<jobId>/chk-<id>`. */
  checkpointDir(checkpointId: number): string {
    if (!Number.isSafeInteger(checkpointId) || checkpointId < 1) {
      throw new CheckpointStorageError(join(this.jobDir, `chk-${String(checkpointId)}`), 'invalid-argument', 'checkpoint ids are integers >= 1');
    }
    return join(this.jobDir, `chk-${checkpointId}`);
  }

  /** `<checkpointDir>/<vertexId>-<subtask>.state`. */
  subtaskStateFile(checkpointId: number, vertexId: string, subtask: number): string {
    const dir = this.checkpointDir(checkpointId);
    if (!NAME_PATTERN.test(vertexId) || !Number.isSafeInteger(subtask) || subtask < 0) {
      throw new CheckpointStorageError(dir, 'invalid-argument', `vertex ${JSON.stringify(vertexId)} subtask ${String(subtask)} cannot name a state file`);
    }
    return join(dir, `${vertexId}-${subtask}${STATE_FILE_SUFFIX}`);
  }

  /** Creates `chk-<id>/` (and the job directory); idempotent. Returns its path. */
  async createCheckpointDir(checkpointId: number): Promise<string> {
    const dir = this.checkpointDir(checkpointId);
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw fileSystemError(dir, 'creating the checkpoint directory', error);
    }
    return dir;
  }

  /**
   * Task side: writes one subtask's state file completely and fsyncs it, creating the checkpoint directory if
   * needed. The returned handle goes to the JobManager with the acknowledgement.
   */
  async writeSubtaskState(checkpointId: number, vertexId: string, subtask: number, state: SubtaskStateSnapshot): Promise<SubtaskStateHandle> {
    const file = this.subtaskStateFile(checkpointId, vertexId, subtask);
    const encoded = encodeSubtaskState(state, file);
    if (this.stateFileWriter) {
      await this.stateFileWriter.write(this.checkpointDir(checkpointId), file, encoded.bytes);
    } else {
      await this.createCheckpointDir(checkpointId);
      await writeFileDurably(file, encoded.bytes);
    }
    return { file, bytes: encoded.bytes.length, stateBytes: encoded.stateBytes, channelStateBytes: encoded.channelStateBytes };
  }

  /**
   * JobManager side, after all acknowledgements: checks that every listed state file exists with its recorded
   * size, then writes `_metadata` atomically (temp file + fsync, rename, fsync of the directory). State-file paths
   * may be absolute (inside the checkpoint directory) or relative; `_metadata` stores them relative.
   */
  async writeMetadata(checkpointId: number, metadata: CheckpointMetadata): Promise<CompletedCheckpoint> {
    const dir = this.checkpointDir(checkpointId);
    const target = join(dir, METADATA_FILE_NAME);
    if (metadata.checkpointId !== checkpointId || metadata.jobId !== this.jobId) {
      throw new CheckpointStorageError(
        target,
        'invalid-argument',
        `metadata of job ${metadata.jobId} checkpoint ${metadata.checkpointId} does not belong to job ${this.jobId} checkpoint ${checkpointId}`,
      );
    }
    const subtasks = metadata.subtasks.map((entry): SubtaskMetadataEntry => {
      if (isAbsolute(entry.file) && resolve(dirname(entry.file)) !== dir) {
        throw new CheckpointStorageError(entry.file, 'invalid-argument', `state file is not inside ${dir}`);
      }
      return { ...entry, file: isAbsolute(entry.file) ? basename(entry.file) : entry.file };
    });
    const normalized = checkCheckpointMetadata({ ...metadata, subtasks }, target);
    const checkpoint = await this.verifyStateFiles(checkpointId, normalized);

    const temp = join(dir, METADATA_TEMP_FILE_NAME);
    await writeFileDurably(temp, new TextEncoder().encode(`${JSON.stringify(normalized, null, 2)}\n`));
    try {
      await rename(temp, target);
    } catch (error) {
      throw fileSystemError(target, `renaming ${METADATA_TEMP_FILE_NAME}`, error);
    }
    await syncDirectory(dir);
    await syncDirectory(this.jobDir);
    return checkpoint;
  }

  /** {@link writeMetadata}, then {@link applyRetention}. A failed deletion is logged, not thrown: the checkpoint is complete. */
  async finalize(checkpointId: number, metadata: CheckpointMetadata): Promise<CompletedCheckpoint> {
    const checkpoint = await this.writeMetadata(checkpointId, metadata);
    await this.applyRetention();
    return checkpoint;
  }

  /**
   * Keeps the newest `numRetained` completed checkpoints and deletes older completed ones, plus every
   * incomplete (aborted, abandoned or corrupt) directory older than the newest completed checkpoint. Directories
   * newer than it (checkpoints in progress) are left alone. Returns the ids deleted.
   */
  async applyRetention(): Promise<number[]> {
    const ids = await this.listCheckpointIds();
    const completed: number[] = [];
    const incomplete: number[] = [];
    for (const id of ids) ((await this.tryLoadCompleted(id, 'debug')) ? completed : incomplete).push(id);
    const newest = completed.at(-1);
    if (newest === undefined) return [];
    const doomed = [...completed.slice(0, Math.max(0, completed.length - this.numRetained)), ...incomplete.filter((id) => id < newest)];
    const removed: number[] = [];
    for (const id of doomed.sort((a, b) => a - b)) {
      try {
        await this.discard(id);
        removed.push(id);
      } catch (error) {
        this.log.warn('could not delete an old checkpoint', { dir: this.checkpointDir(id), error: String(error) });
      }
    }
    return removed;
  }

  /** Aborted checkpoint: removes `chk-<id>/` and everything in it; no error if it does not exist. */
  async discard(checkpointId: number): Promise<void> {
    const dir = this.checkpointDir(checkpointId);
    try {
      await rm(dir, { recursive: true, force: true, maxRetries: RM_RETRIES });
    } catch (error) {
      throw fileSystemError(dir, 'removing the checkpoint directory', error);
    }
  }

  /** Ids of all `chk-<id>` directories of this job (complete or not), ascending. */
  async listCheckpointIds(): Promise<number[]> {
    let entries;
    try {
      entries = await readdir(this.jobDir, { withFileTypes: true });
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return [];
      throw fileSystemError(this.jobDir, 'listing checkpoints', error);
    }
    const ids: number[] = [];
    for (const entry of entries) {
      const match = entry.isDirectory() ? CHECKPOINT_DIR_PATTERN.exec(entry.name) : null;
      if (match?.[1] !== undefined) ids.push(Number(match[1]));
    }
    return ids.sort((a, b) => a - b);
  }

  /**
   * Loads and validates one checkpoint: `_metadata` exists and parses, has schema version 1, this job's id and
   * the directory's checkpoint id, and every state file it lists exists with the recorded size. Throws
   * {@link CheckpointStorageError} naming the first bad file otherwise.
   */
  async loadCompleted(checkpointId: number): Promise<CompletedCheckpoint> {
    const dir = this.checkpointDir(checkpointId);
    const file = join(dir, METADATA_FILE_NAME);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw fileSystemError(file, 'reading', error);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new CheckpointStorageError(file, 'malformed', `not valid JSON (truncated or corrupt): ${(error as Error).message}`, { cause: error });
    }
    const metadata = checkCheckpointMetadata(parsed, file);
    if (metadata.checkpointId !== checkpointId) {
      throw new CheckpointStorageError(file, 'malformed', `checkpointId ${metadata.checkpointId} does not match directory chk-${checkpointId}`);
    }
    if (metadata.jobId !== this.jobId) {
      throw new CheckpointStorageError(file, 'malformed', `jobId ${metadata.jobId} does not match job directory ${this.jobId}`);
    }
    return this.verifyStateFiles(checkpointId, metadata);
  }

  /** The completed checkpoint with the highest id; incomplete or invalid ones are skipped (and logged). */
  async latestCompleted(): Promise<CompletedCheckpoint | undefined> {
    const ids = await this.listCheckpointIds();
    for (const id of ids.reverse()) {
      const checkpoint = await this.tryLoadCompleted(id, 'warn');
      if (checkpoint) return checkpoint;
    }
    return undefined;
  }

  /** Reads a state file back, checking its size against the handle and its header and checksum. */
  async readSubtaskState(handle: SubtaskStateHandle): Promise<SubtaskStateSnapshot> {
    let bytes: Buffer;
    try {
      bytes = await readFile(handle.file);
    } catch (error) {
      throw fileSystemError(handle.file, 'reading', error);
    }
    if (bytes.length !== handle.bytes) {
      throw new CheckpointStorageError(
        handle.file,
        bytes.length < handle.bytes ? 'truncated' : 'size-mismatch',
        `file has ${bytes.length} bytes, the state handle records ${handle.bytes}`,
      );
    }
    return decodeSubtaskState(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), handle.file);
  }

  private async tryLoadCompleted(checkpointId: number, level: 'warn' | 'debug'): Promise<CompletedCheckpoint | undefined> {
    try {
      return await this.loadCompleted(checkpointId);
    } catch (error) {
      if (!(error instanceof CheckpointStorageError)) throw error;
      // A directory without _metadata is a checkpoint in progress or aborted: normal, not worth a warning.
      const quiet = error.problem === 'missing-file' && basename(error.file) === METADATA_FILE_NAME;
      this.log[quiet ? 'debug' : level]('skipping incomplete or invalid checkpoint', { checkpointId, problem: error.problem, reason: error.message });
      return undefined;
    }
  }

  private async verifyStateFiles(checkpointId: number, metadata: CheckpointMetadata): Promise<CompletedCheckpoint> {
    const dir = this.checkpointDir(checkpointId);
    const subtasks: CompletedCheckpoint['subtasks'] = [];
    for (const entry of metadata.subtasks) {
      if (entry.file !== basename(entry.file) || entry.file === '.' || entry.file === '..' || entry.file === METADATA_FILE_NAME) {
        throw new CheckpointStorageError(join(dir, METADATA_FILE_NAME), 'malformed', `state file ${JSON.stringify(entry.file)} is not a file name in the checkpoint directory`);
      }
      const file = join(dir, entry.file);
      let size: number;
      try {
        const info = await stat(file);
        if (!info.isFile()) throw new CheckpointStorageError(file, 'malformed', 'not a regular file');
        size = info.size;
      } catch (error) {
        if (error instanceof CheckpointStorageError) throw error;
        throw fileSystemError(file, 'stat', error);
      }
      if (size !== entry.bytes) {
        throw new CheckpointStorageError(file, size < entry.bytes ? 'truncated' : 'size-mismatch', `file has ${size} bytes, _metadata records ${entry.bytes}`);
      }
      subtasks.push({
        vertexId: entry.vertexId,
        subtask: entry.subtask,
        handle: { file, bytes: entry.bytes, stateBytes: entry.stateBytes, channelStateBytes: entry.channelStateBytes },
      });
    }
    return { checkpointId, dir, metadata, subtasks };
  }
}
