/**
 * What one subtask persists for a checkpoint, and its binary encoding (one `.state` file per subtask).
 *
 * File layout (all integers big-endian, like Java's DataOutputStream):
 *
 * ```
 * header (16 bytes)
 *   uint32 magic = 0x464C5354 ("FLST")
 *   uint16 format version = 1
 *   uint16 reserved = 0
 *   uint32 body length in bytes
 *   uint32 CRC-32 of the body
 * body
 *   operator section
 *     int32 kind length, kind (UTF-8)
 *     int32 data length, data (opaque operator bytes)
 *   channel-state section (Flink's ChannelStateSerializer v0 idea)
 *     int32 channel-state version = 0
 *     int32 input-channel count, then per channel:
 *       int32 gate, int32 channel, int32 chunk count, chunks as [int32 length][length raw bytes]
 *     int32 output-subpartition count, then per subpartition:
 *       int32 partition, int32 subpartition, int32 chunk count, chunks as [int32 length][length raw bytes]
 * ```
 *
 * Channel state lives in the same file as the operator state (no separate `.channels` file): one file per
 * subtask means one write, one fsync, one checksum and one size in `_metadata` to validate.
 */
import { CheckpointStorageError } from './checkpoint-storage-error.js';
import { crc32 } from './crc32.js';

/** In-flight data of one input channel (`InputChannelInfo(gate, channel)`): raw buffer bytes; records may span chunks. */
export interface InputChannelState {
  gate: number;
  channel: number;
  chunks: Uint8Array[];
}

/** Output buffers queued behind a priority barrier (`ResultSubpartitionInfo(partition, subpartition)`). */
export interface OutputSubpartitionState {
  partition: number;
  subpartition: number;
  chunks: Uint8Array[];
}

/** Everything one subtask persists for one checkpoint. */
export interface SubtaskStateSnapshot {
  /** Operator state: `kind` names the encoding (e.g. `source-offsets`), `data` is opaque operator bytes. */
  operator: { kind: string; data: Uint8Array };
  /** Input channel state (unaligned checkpoints); empty for aligned ones. */
  inputChannels: InputChannelState[];
  /** Output subpartition state (unaligned checkpoints); empty for aligned ones. */
  outputSubpartitions: OutputSubpartitionState[];
}

/** Sizes of an encoded snapshot's parts; `stateBytes + channelStateBytes === bytes`. */
export interface EncodedSubtaskState {
  bytes: Uint8Array;
  /** Header plus operator section. */
  stateBytes: number;
  /** Channel-state section (version header and chunks). */
  channelStateBytes: number;
}

/** "FLST": flowlab state. */
export const SUBTASK_STATE_MAGIC = 0x464c_5354;
export const SUBTASK_STATE_FORMAT_VERSION = 1;
/** Version of the channel-state section, as Flink's ChannelStateSerializer v0. */
export const CHANNEL_STATE_VERSION = 0;
export const SUBTASK_STATE_HEADER_BYTES = 16;

const INT32_BYTES = 4;
const MAX_INT32 = 0x7fff_ffff;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

function checkIndex(file: string, what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_INT32) {
    throw new CheckpointStorageError(file, 'invalid-argument', `${what} ${String(value)} is not an int32 >= 0`);
  }
}

function chunksSize(chunks: readonly Uint8Array[]): number {
  let size = INT32_BYTES;
  for (const chunk of chunks) size += INT32_BYTES + chunk.length;
  return size;
}

class ByteWriter {
  private readonly view: DataView;
  private offset = 0;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  int32(value: number): void {
    this.view.setInt32(this.offset, value);
    this.offset += INT32_BYTES;
  }
  raw(bytes: Uint8Array): void {
    this.bytes.set(bytes, this.offset);
    this.offset += bytes.length;
  }
  chunks(chunks: readonly Uint8Array[]): void {
    this.int32(chunks.length);
    for (const chunk of chunks) {
      this.int32(chunk.length);
      this.raw(chunk);
    }
  }
  get position(): number {
    return this.offset;
  }
}

/** Encodes a snapshot into the `.state` file format. `file` only names the target in errors. */
export function encodeSubtaskState(snapshot: SubtaskStateSnapshot, file = '<subtask state>'): EncodedSubtaskState {
  const kind = textEncoder.encode(snapshot.operator.kind);
  for (const c of snapshot.inputChannels) {
    checkIndex(file, 'input gate', c.gate);
    checkIndex(file, 'input channel', c.channel);
  }
  for (const s of snapshot.outputSubpartitions) {
    checkIndex(file, 'output partition', s.partition);
    checkIndex(file, 'output subpartition', s.subpartition);
  }
  const operatorBytes = INT32_BYTES + kind.length + INT32_BYTES + snapshot.operator.data.length;
  let channelStateBytes = 3 * INT32_BYTES;
  for (const c of snapshot.inputChannels) channelStateBytes += 2 * INT32_BYTES + chunksSize(c.chunks);
  for (const s of snapshot.outputSubpartitions) channelStateBytes += 2 * INT32_BYTES + chunksSize(s.chunks);
  const bodyBytes = operatorBytes + channelStateBytes;
  if (bodyBytes > 0xffff_ffff) {
    throw new CheckpointStorageError(file, 'invalid-argument', `snapshot body of ${bodyBytes} bytes exceeds 4 GiB`);
  }

  const bytes = new Uint8Array(SUBTASK_STATE_HEADER_BYTES + bodyBytes);
  const body = new ByteWriter(bytes.subarray(SUBTASK_STATE_HEADER_BYTES));
  body.int32(kind.length);
  body.raw(kind);
  body.int32(snapshot.operator.data.length);
  body.raw(snapshot.operator.data);
  body.int32(CHANNEL_STATE_VERSION);
  body.int32(snapshot.inputChannels.length);
  for (const c of snapshot.inputChannels) {
    body.int32(c.gate);
    body.int32(c.channel);
    body.chunks(c.chunks);
  }
  body.int32(snapshot.outputSubpartitions.length);
  for (const s of snapshot.outputSubpartitions) {
    body.int32(s.partition);
    body.int32(s.subpartition);
    body.chunks(s.chunks);
  }

  const header = new DataView(bytes.buffer, bytes.byteOffset, SUBTASK_STATE_HEADER_BYTES);
  header.setUint32(0, SUBTASK_STATE_MAGIC);
  header.setUint16(4, SUBTASK_STATE_FORMAT_VERSION);
  header.setUint16(6, 0);
  header.setUint32(8, bodyBytes);
  header.setUint32(12, crc32(body.bytes));
  return { bytes, stateBytes: SUBTASK_STATE_HEADER_BYTES + operatorBytes, channelStateBytes };
}

class ByteReader {
  private readonly view: DataView;
  private offset = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(count: number, what: string): void {
    if (this.offset + count > this.bytes.length) {
      throw new CheckpointStorageError(this.file, 'malformed', `${what} at body offset ${this.offset} runs past the end of the body`);
    }
  }
  int32(what: string): number {
    this.need(INT32_BYTES, what);
    const value = this.view.getInt32(this.offset);
    this.offset += INT32_BYTES;
    if (value < 0) throw new CheckpointStorageError(this.file, 'malformed', `${what} is negative (${value})`);
    return value;
  }
  /** A view into the file's bytes (no copy). */
  raw(length: number, what: string): Uint8Array {
    this.need(length, what);
    const view = new Uint8Array(this.bytes.buffer, this.bytes.byteOffset + this.offset, length);
    this.offset += length;
    return view;
  }
  chunks(what: string): Uint8Array[] {
    const count = this.int32(`${what} chunk count`);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < count; i++) chunks.push(this.raw(this.int32(`${what} chunk length`), `${what} chunk`));
    return chunks;
  }
  get remaining(): number {
    return this.bytes.length - this.offset;
  }
}

/**
 * Decodes a `.state` file, checking magic, version, length and checksum. The returned chunks and operator data
 * are views into `bytes`. Throws {@link CheckpointStorageError} naming `file`.
 */
export function decodeSubtaskState(bytes: Uint8Array, file = '<subtask state>'): SubtaskStateSnapshot {
  if (bytes.length < SUBTASK_STATE_HEADER_BYTES) {
    throw new CheckpointStorageError(file, 'truncated', `${bytes.length} bytes is shorter than the ${SUBTASK_STATE_HEADER_BYTES}-byte header`);
  }
  const header = new DataView(bytes.buffer, bytes.byteOffset, SUBTASK_STATE_HEADER_BYTES);
  const magic = header.getUint32(0);
  if (magic !== SUBTASK_STATE_MAGIC) {
    throw new CheckpointStorageError(file, 'bad-magic', `magic 0x${magic.toString(16).padStart(8, '0')}, expected 0x${SUBTASK_STATE_MAGIC.toString(16)}`);
  }
  const version = header.getUint16(4);
  if (version !== SUBTASK_STATE_FORMAT_VERSION) {
    throw new CheckpointStorageError(file, 'unsupported-version', `format version ${version}, this build reads ${SUBTASK_STATE_FORMAT_VERSION}`);
  }
  if (header.getUint16(6) !== 0) {
    throw new CheckpointStorageError(file, 'malformed', `reserved header field is 0x${header.getUint16(6).toString(16)}, expected 0`);
  }
  const bodyBytes = header.getUint32(8);
  const actualBodyBytes = bytes.length - SUBTASK_STATE_HEADER_BYTES;
  if (actualBodyBytes < bodyBytes) {
    throw new CheckpointStorageError(file, 'truncated', `body has ${actualBodyBytes} of ${bodyBytes} bytes`);
  }
  if (actualBodyBytes > bodyBytes) {
    throw new CheckpointStorageError(file, 'malformed', `${actualBodyBytes - bodyBytes} trailing bytes after a ${bodyBytes}-byte body`);
  }
  const body = bytes.subarray(SUBTASK_STATE_HEADER_BYTES);
  const expectedCrc = header.getUint32(12);
  const actualCrc = crc32(body);
  if (actualCrc !== expectedCrc) {
    throw new CheckpointStorageError(
      file,
      'checksum-mismatch',
      `CRC-32 of the body is 0x${actualCrc.toString(16).padStart(8, '0')}, header says 0x${expectedCrc.toString(16).padStart(8, '0')}`,
    );
  }

  const reader = new ByteReader(body, file);
  let kind: string;
  try {
    kind = textDecoder.decode(reader.raw(reader.int32('operator kind length'), 'operator kind'));
  } catch (error) {
    if (error instanceof CheckpointStorageError) throw error;
    throw new CheckpointStorageError(file, 'malformed', 'operator kind is not valid UTF-8', { cause: error });
  }
  const data = reader.raw(reader.int32('operator data length'), 'operator data');
  const channelStateVersion = reader.int32('channel-state version');
  if (channelStateVersion !== CHANNEL_STATE_VERSION) {
    throw new CheckpointStorageError(file, 'unsupported-version', `channel-state version ${channelStateVersion}, this build reads ${CHANNEL_STATE_VERSION}`);
  }
  const inputChannels: InputChannelState[] = [];
  const inputCount = reader.int32('input-channel count');
  for (let i = 0; i < inputCount; i++) {
    const gate = reader.int32('input gate');
    const channel = reader.int32('input channel');
    inputChannels.push({ gate, channel, chunks: reader.chunks(`input channel ${gate}/${channel}`) });
  }
  const outputSubpartitions: OutputSubpartitionState[] = [];
  const outputCount = reader.int32('output-subpartition count');
  for (let i = 0; i < outputCount; i++) {
    const partition = reader.int32('output partition');
    const subpartition = reader.int32('output subpartition');
    outputSubpartitions.push({ partition, subpartition, chunks: reader.chunks(`output subpartition ${partition}/${subpartition}`) });
  }
  if (reader.remaining !== 0) {
    throw new CheckpointStorageError(file, 'malformed', `${reader.remaining} unread bytes after the channel state`);
  }
  return { operator: { kind, data }, inputChannels, outputSubpartitions };
}
