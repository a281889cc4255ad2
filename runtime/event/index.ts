export { encodeEvent, decodeEvent, EventFormatError, EventTag, AlignmentType, type RuntimeEvent, type CheckpointBarrier } from './events.js';
