/**
 * Runtime events and their wire encoding (spec §2.5): a leading int32 tag, then the event's fields, big-endian.
 */
import { FlowlabError } from '../../core/index.js';

export const EventTag = {
  END_OF_PARTITION: 0,
  CHECKPOINT_BARRIER: 1,
  CANCEL_CHECKPOINT_MARKER: 4,
  END_OF_CHANNEL_STATE: 5,
  END_OF_DATA: 8,
} as const;

/** Barrier alignment types (ordinal on the wire). */
export const AlignmentType = { AT_LEAST_ONCE: 0, ALIGNED: 1, UNALIGNED: 2, FORCED_ALIGNED: 3 } as const;
export type AlignmentType = (typeof AlignmentType)[keyof typeof AlignmentType];

export interface CheckpointBarrier {
  readonly kind: 'barrier';
  readonly checkpointId: number;
  /** JobManager trigger time, epoch ms. */
  readonly timestampMs: number;
  /** 0 checkpoint, 1 savepoint, … (Flink 1.x ordinals). */
  readonly checkpointType: number;
  readonly alignment: AlignmentType;
  /** Aligned-checkpoint timeout in ms (0: none). */
  readonly alignedTimeoutMs: number;
}

export type RuntimeEvent =
  | { readonly kind: 'end-of-partition' }
  | { readonly kind: 'end-of-data' }
  | { readonly kind: 'end-of-channel-state' }
  | { readonly kind: 'cancel-checkpoint'; readonly checkpointId: number }
  | CheckpointBarrier;

export class EventFormatError extends FlowlabError {
  constructor(message: string) {
    super('ERR_EVENT_FORMAT', message);
  }
}

export function encodeEvent(event: RuntimeEvent): Buffer {
  switch (event.kind) {
    case 'end-of-partition':
      return tagOnly(EventTag.END_OF_PARTITION);
    case 'end-of-data':
      return tagOnly(EventTag.END_OF_DATA);
    case 'end-of-channel-state':
      return tagOnly(EventTag.END_OF_CHANNEL_STATE);
    case 'cancel-checkpoint': {
      const b = Buffer.allocUnsafe(12);
      b.writeInt32BE(EventTag.CANCEL_CHECKPOINT_MARKER, 0);
      b.writeBigInt64BE(BigInt(event.checkpointId), 4);
      return b;
    }
    case 'barrier': {
      const b = Buffer.allocUnsafe(4 + 8 + 8 + 4 + 4 + 1 + 8);
      let o = b.writeInt32BE(EventTag.CHECKPOINT_BARRIER, 0);
      o = b.writeBigInt64BE(BigInt(event.checkpointId), o);
      o = b.writeBigInt64BE(BigInt(Math.trunc(event.timestampMs)), o);
      o = b.writeInt32BE(event.checkpointType, o);
      o = b.writeInt32BE(-1, o); // default storage location
      o = b.writeInt8(event.alignment, o);
      b.writeBigInt64BE(BigInt(event.alignedTimeoutMs), o);
      return b;
    }
  }
}

function tagOnly(tag: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(tag, 0);
  return b;
}

export function decodeEvent(bytes: Buffer): RuntimeEvent {
  if (bytes.length < 4) throw new EventFormatError(`event of ${bytes.length} bytes is shorter than its tag`);
  const tag = bytes.readInt32BE(0);
  const need = (n: number): void => {
    if (bytes.length < n) throw new EventFormatError(`event tag ${tag} needs ${n} bytes, got ${bytes.length}`);
  };
  switch (tag) {
    case EventTag.END_OF_PARTITION:
      return { kind: 'end-of-partition' };
    case EventTag.END_OF_DATA:
      return { kind: 'end-of-data' };
    case EventTag.END_OF_CHANNEL_STATE:
      return { kind: 'end-of-channel-state' };
    case EventTag.CANCEL_CHECKPOINT_MARKER:
      need(12);
      return { kind: 'cancel-checkpoint', checkpointId: Number(bytes.readBigInt64BE(4)) };
    case EventTag.CHECKPOINT_BARRIER: {
      need(28);
      const locationLength = bytes.readInt32BE(24);
      const afterLocation = 28 + Math.max(0, locationLength);
      need(afterLocation + 9);
      const alignment = bytes.readInt8(afterLocation);
      if (alignment < 0 || alignment > 3) throw new EventFormatError(`barrier alignment type ${alignment} is unknown`);
      return {
        kind: 'barrier',
        checkpointId: Number(bytes.readBigInt64BE(4)),
        timestampMs: Number(bytes.readBigInt64BE(12)),
        checkpointType: bytes.readInt32BE(20),
        alignment: alignment as AlignmentType,
        alignedTimeoutMs: Number(bytes.readBigInt64BE(afterLocation + 1)),
      };
    }
    default:
      throw new EventFormatError(`unknown event tag ${tag}`);
  }
}
