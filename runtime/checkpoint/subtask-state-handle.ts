/**
 * Where a subtask's state for one checkpoint lives. A task gets it from `writeSubtaskState` and sends it to the
 * JobManager with its acknowledgement; plain JSON, so it crosses process boundaries as is.
 */
export interface SubtaskStateHandle {
  /** Absolute path of the `.state` file. */
  file: string;
  /** Size of the whole file in bytes. */
  bytes: number;
  /** Header plus operator state, in bytes. */
  stateBytes: number;
  /** Channel state (in-flight data) section, in bytes; `stateBytes + channelStateBytes === bytes`. */
  channelStateBytes: number;
}
