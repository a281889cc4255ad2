/**
 * Flink's data-plane frames (spec §2.2–2.3, 1.20 layout: BufferResponse carries the subpartition id, no partial
 * buffers). Frame = [frameLength:i32 (incl. 9-byte header)][magic:i32 0xBADC0FFE][msgId:i8][body]; big-endian.
 * Errors travel as UTF-8 JSON instead of serialized Java throwables.
 */
import type { ResultPartitionId } from '../partition/index.js';

export const MAGIC_NUMBER = 0xbadc0ffe | 0;
export const FRAME_HEADER_LENGTH = 9;
/** receiverId(16) subpartitionId(4) sequenceNumber(4) backlog(4) dataType(1) isCompressed(1) size(4) */
export const BUFFER_RESPONSE_HEADER_LENGTH = 34;
/** Largest non-buffer frame body we accept (ErrorResponse JSON is the only variable one). */
export const MAX_CONTROL_BODY_BYTES = 1024 * 1024;

export const MessageId = {
  BUFFER_RESPONSE: 0,
  ERROR_RESPONSE: 1,
  PARTITION_REQUEST: 2,
  TASK_EVENT_REQUEST: 3,
  CANCEL_PARTITION_REQUEST: 4,
  CLOSE_REQUEST: 5,
  ADD_CREDIT: 6,
  RESUME_CONSUMPTION: 7,
  ACK_ALL_USER_RECORDS_PROCESSED: 8,
  BACKLOG_ANNOUNCEMENT: 9,
  NEW_BUFFER_SIZE: 10,
  SEGMENT_ID: 11,
} as const;
export type MessageId = (typeof MessageId)[keyof typeof MessageId];

export const MESSAGE_NAMES: readonly string[] = [
  'BufferResponse',
  'ErrorResponse',
  'PartitionRequest',
  'TaskEventRequest',
  'CancelPartitionRequest',
  'CloseRequest',
  'AddCredit',
  'ResumeConsumption',
  'AckAllUserRecordsProcessed',
  'BacklogAnnouncement',
  'NewBufferSize',
  'SegmentId',
];

/** Exact body length of fixed-size messages (−1: variable). */
export const BODY_LENGTH: Readonly<Record<number, number>> = {
  [MessageId.ERROR_RESPONSE]: -1,
  [MessageId.PARTITION_REQUEST]: 16 + 4 + 16 + 4 + 4 + 16 + 4,
  [MessageId.TASK_EVENT_REQUEST]: -1,
  [MessageId.CANCEL_PARTITION_REQUEST]: 16,
  [MessageId.CLOSE_REQUEST]: 0,
  [MessageId.ADD_CREDIT]: 4 + 16,
  [MessageId.RESUME_CONSUMPTION]: 16,
  [MessageId.ACK_ALL_USER_RECORDS_PROCESSED]: 16,
  [MessageId.BACKLOG_ANNOUNCEMENT]: 4 + 16,
  [MessageId.NEW_BUFFER_SIZE]: 4 + 16,
  [MessageId.SEGMENT_ID]: 4 + 4 + 16,
};

function frame(id: MessageId, bodyLength: number): Buffer {
  const b = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + bodyLength);
  b.writeInt32BE(FRAME_HEADER_LENGTH + bodyLength, 0);
  b.writeInt32BE(MAGIC_NUMBER, 4);
  b.writeInt8(id, 8);
  return b;
}

function writeId(b: Buffer, hex: string, offset: number): number {
  if (b.write(hex, offset, 16, 'hex') !== 16) throw new RangeError(`id ${hex} is not 16 bytes of hex`);
  return offset + 16;
}

export interface PartitionRequest {
  partitionId: ResultPartitionId;
  subpartitionIndex: number;
  receiverId: string;
  initialCredit: number;
}

export function encodePartitionRequest(r: PartitionRequest): Buffer {
  const b = frame(MessageId.PARTITION_REQUEST, BODY_LENGTH[MessageId.PARTITION_REQUEST]!);
  let o = writeId(b, r.partitionId.dataSetId, FRAME_HEADER_LENGTH);
  o = b.writeInt32BE(r.partitionId.partitionIndex, o);
  o = writeId(b, r.partitionId.attemptId, o);
  o = b.writeInt32BE(r.subpartitionIndex, o); // subpartition index set: start
  o = b.writeInt32BE(r.subpartitionIndex, o); // end (inclusive)
  o = writeId(b, r.receiverId, o);
  b.writeInt32BE(r.initialCredit, o);
  return b;
}

export function decodePartitionRequest(body: Buffer): PartitionRequest & { subpartitionEnd: number } {
  return {
    partitionId: {
      dataSetId: body.toString('hex', 0, 16),
      partitionIndex: body.readInt32BE(16),
      attemptId: body.toString('hex', 20, 36),
    },
    subpartitionIndex: body.readInt32BE(36),
    subpartitionEnd: body.readInt32BE(40),
    receiverId: body.toString('hex', 44, 60),
    initialCredit: body.readInt32BE(60),
  };
}

/** AddCredit, BacklogAnnouncement, NewBufferSize: (int, receiverId). */
export function encodeIntAndReceiver(id: MessageId, value: number, receiverId: string): Buffer {
  const b = frame(id, 20);
  b.writeInt32BE(value, FRAME_HEADER_LENGTH);
  writeId(b, receiverId, FRAME_HEADER_LENGTH + 4);
  return b;
}

/** CancelPartitionRequest, ResumeConsumption, AckAllUserRecordsProcessed: (receiverId). */
export function encodeReceiverOnly(id: MessageId, receiverId: string): Buffer {
  const b = frame(id, 16);
  writeId(b, receiverId, FRAME_HEADER_LENGTH);
  return b;
}

export function encodeCloseRequest(): Buffer {
  return frame(MessageId.CLOSE_REQUEST, 0);
}

export interface ErrorPayload {
  code: string;
  message: string;
}

export function encodeErrorResponse(error: ErrorPayload, receiverId?: string): Buffer {
  const json = Buffer.from(JSON.stringify(error), 'utf8');
  const b = frame(MessageId.ERROR_RESPONSE, 4 + json.length + 1 + (receiverId ? 16 : 0));
  let o = b.writeInt32BE(json.length, FRAME_HEADER_LENGTH);
  o += json.copy(b, o);
  o = b.writeUInt8(receiverId ? 1 : 0, o);
  if (receiverId) writeId(b, receiverId, o);
  return b;
}

export function decodeErrorResponse(body: Buffer): { error: ErrorPayload; receiverId: string | undefined } {
  const jsonLength = body.readInt32BE(0);
  if (jsonLength < 0 || 4 + jsonLength + 1 > body.length) throw new RangeError('ErrorResponse JSON length out of bounds');
  const value = JSON.parse(body.toString('utf8', 4, 4 + jsonLength)) as unknown;
  const parsed: Partial<ErrorPayload> = typeof value === 'object' && value !== null ? value : {};
  const hasReceiver = body.readUInt8(4 + jsonLength) === 1;
  if (hasReceiver && body.length < 4 + jsonLength + 1 + 16) throw new RangeError('ErrorResponse receiver id truncated');
  return {
    error: { code: String(parsed.code ?? 'ERR_REMOTE'), message: String(parsed.message ?? 'remote error') },
    receiverId: hasReceiver ? body.toString('hex', 5 + jsonLength, 21 + jsonLength) : undefined,
  };
}

/** Writes a BufferResponse frame header (9 + 34 bytes) at `offset` of `target`; the payload follows separately. */
export function writeBufferResponseHeader(
  target: Buffer,
  offset: number,
  receiverId: Buffer,
  subpartitionId: number,
  sequenceNumber: number,
  backlog: number,
  dataType: number,
  size: number,
): void {
  target.writeInt32BE(FRAME_HEADER_LENGTH + BUFFER_RESPONSE_HEADER_LENGTH + size, offset);
  target.writeInt32BE(MAGIC_NUMBER, offset + 4);
  target[offset + 8] = MessageId.BUFFER_RESPONSE;
  receiverId.copy(target, offset + 9, 0, 16);
  target.writeInt32BE(subpartitionId, offset + 25);
  target.writeInt32BE(sequenceNumber, offset + 29);
  target.writeInt32BE(backlog, offset + 33);
  target[offset + 37] = dataType;
  target[offset + 38] = 0; // not compressed
  target.writeInt32BE(size, offset + 39);
}

export const BUFFER_RESPONSE_FRAME_OVERHEAD = FRAME_HEADER_LENGTH + BUFFER_RESPONSE_HEADER_LENGTH;
