import { FlowlabError } from '../../core/index.js';

/** What is wrong with a checkpoint file; stable values that tests and callers may branch on. */
export type CheckpointStorageProblem =
  /** The file (state file, `_metadata` or checkpoint directory) does not exist. */
  | 'missing-file'
  /** The file is shorter than its header or its recorded size says. */
  | 'truncated'
  /** The file's size differs from the size recorded in `_metadata` or the state handle. */
  | 'size-mismatch'
  /** The file does not start with the state-file magic number. */
  | 'bad-magic'
  /** The file's format or schema version is not one this build reads. */
  | 'unsupported-version'
  /** The CRC-32 of the body differs from the one in the header. */
  | 'checksum-mismatch'
  /** The bytes or JSON parse but do not describe a valid snapshot or metadata (wrong id, bad field, trailing bytes). */
  | 'malformed'
  /** A snapshot or metadata handed to the storage is not writable as given (bad id, negative index). */
  | 'invalid-argument'
  /** The file system refused an operation (permissions, disk full, …); `cause` holds the system error. */
  | 'io';

/**
 * A checkpoint could not be written or read. Names the file (absolute path) and what is wrong with it.
 * Code `ERR_CHECKPOINT_STORAGE`.
 */
export class CheckpointStorageError extends FlowlabError {
  /** Absolute path of the file or directory concerned. */
  readonly file: string;
  readonly problem: CheckpointStorageProblem;

  constructor(file: string, problem: CheckpointStorageProblem, detail: string, options?: { cause?: unknown }) {
    super('ERR_CHECKPOINT_STORAGE', `Checkpoint file ${file}: ${problem}: ${detail}`, options);
    this.file = file;
    this.problem = problem;
  }
}

/** Whether `error` is the file system refusing a checkpoint write or read (not a malformed or invalid checkpoint). */
export function isStorageFailure(error: unknown): boolean {
  return error instanceof CheckpointStorageError && (error.problem === 'io' || error.problem === 'missing-file');
}

/** Wraps a Node file-system error as a {@link CheckpointStorageError} (`ENOENT` → `missing-file`, else `io`). */
export function fileSystemError(file: string, action: string, error: unknown): CheckpointStorageError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const problem: CheckpointStorageProblem = code === 'ENOENT' ? 'missing-file' : 'io';
  const reason = error instanceof Error ? error.message : String(error);
  return new CheckpointStorageError(file, problem, `${action} failed: ${reason}`, { cause: error });
}
