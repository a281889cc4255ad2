/** runtime/record/: flowlab's synthetic binary record — layout, serializer, spanning deserializer and view. */
export {
  RECORD_LENGTH_PREFIX_BYTES,
  RECORD_HEADER_BYTES,
  RECORD_KEY_OFFSET,
  RECORD_SEQUENCE_OFFSET,
  RECORD_SOURCE_SUBTASK_OFFSET,
  RECORD_INTENDED_EMIT_TIME_OFFSET,
  MAX_RECORD_BODY_BYTES,
  MAX_RECORD_LONG,
  MAX_SOURCE_SUBTASK,
  recordBodySize,
  serializedRecordLength,
} from './record-layout.js';
export { RecordFormatError } from './record-format-error.js';
export { RecordSerializer, type RecordSerializerOptions } from './record-serializer.js';
export { RecordView } from './record-view.js';
export {
  SpanningRecordDeserializer,
  DeserializationResult,
  isFullRecord,
  isBufferConsumed,
} from './record-deserializer.js';
