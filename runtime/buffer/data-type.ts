/** Buffer data types (spec §2.4); the ordinal travels in one byte of a BufferResponse. */
export const DataType = {
  NONE: 0,
  DATA_BUFFER: 1,
  EVENT_BUFFER: 2,
  PRIORITIZED_EVENT_BUFFER: 3,
  ALIGNED_CHECKPOINT_BARRIER: 4,
  TIMEOUTABLE_ALIGNED_CHECKPOINT_BARRIER: 5,
  RECOVERY_COMPLETION: 6,
} as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

const MAX_ORDINAL = DataType.RECOVERY_COMPLETION;

export function isValidDataType(ordinal: number): ordinal is DataType {
  return Number.isInteger(ordinal) && ordinal >= 0 && ordinal <= MAX_ORDINAL;
}

export function isEventType(type: DataType): boolean {
  return type !== DataType.DATA_BUFFER && type !== DataType.NONE;
}

/** Aligned barriers and recovery completion block their subpartition until ResumeConsumption. */
export function isBlockingUpstream(type: DataType): boolean {
  return (
    type === DataType.ALIGNED_CHECKPOINT_BARRIER ||
    type === DataType.TIMEOUTABLE_ALIGNED_CHECKPOINT_BARRIER ||
    type === DataType.RECOVERY_COMPLETION
  );
}

export function hasPriority(type: DataType): boolean {
  return type === DataType.PRIORITIZED_EVENT_BUFFER;
}
