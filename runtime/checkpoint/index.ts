/** runtime/checkpoint/: checkpoint storage on a shared local file system (state files, `_metadata`, retention). */
export { CheckpointStorage, METADATA_FILE_NAME, type CheckpointStorageOptions } from './checkpoint-storage.js';
export { CheckpointStorageError, isStorageFailure, type CheckpointStorageProblem } from './checkpoint-storage-error.js';
export {
  CHECKPOINT_METADATA_SCHEMA_VERSION,
  checkCheckpointMetadata,
  findSubtaskHandle,
  subtaskMetadataEntry,
  type CheckpointMetadata,
  type CompletedCheckpoint,
  type SubtaskMetadataEntry,
} from './checkpoint-metadata.js';
export type { SubtaskStateHandle } from './subtask-state-handle.js';
export {
  CHANNEL_STATE_VERSION,
  SUBTASK_STATE_FORMAT_VERSION,
  SUBTASK_STATE_HEADER_BYTES,
  SUBTASK_STATE_MAGIC,
  decodeSubtaskState,
  encodeSubtaskState,
  type EncodedSubtaskState,
  type InputChannelState,
  type OutputSubpartitionState,
  type SubtaskStateSnapshot,
} from './subtask-state-snapshot.js';
export { checkCheckpointDirWritable, defaultCheckpointRoot } from './checkpoint-root.js';
export { crc32 } from './crc32.js';
export { StateFileWriter } from './state-file-writer.js';
