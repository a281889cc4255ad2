/**
 * Incremental frame decoder for one connection. Control frames are accumulated and handed over whole; a
 * BufferResponse's payload is copied straight into the network buffer the handler provides (one copy from the
 * socket read buffer, none per record). Framing errors throw {@link ProtocolError}; the caller closes the
 * connection.
 */
import { ProtocolError } from '../../core/index.js';
import { DataType, isValidDataType, type NetworkBuffer } from '../buffer/index.js';
import {
  BODY_LENGTH,
  BUFFER_RESPONSE_HEADER_LENGTH,
  FRAME_HEADER_LENGTH,
  MAGIC_NUMBER,
  MAX_CONTROL_BODY_BYTES,
  MESSAGE_NAMES,
  MessageId,
} from './messages.js';

/** Parsed BufferResponse header; reused between frames. */
export interface BufferResponseHeader {
  receiverId: string;
  subpartitionId: number;
  sequenceNumber: number;
  backlog: number;
  dataType: number;
  isCompressed: boolean;
  size: number;
}

export interface FrameHandler {
  /** Where the payload goes; null discards it (the handler has failed or released the channel). */
  onBufferResponseHeader(header: BufferResponseHeader): NetworkBuffer | null;
  /** The payload is in `buffer` (`buffer.size` = header.size). */
  onBufferResponse(header: BufferResponseHeader, buffer: NetworkBuffer): void;
  /** Any other message; `body` is only valid during the call. */
  onControlMessage(id: MessageId, body: Buffer): void;
}

const State = { FRAME_HEADER: 0, BUFFER_HEADER: 1, PAYLOAD: 2, BODY: 3 } as const;
type State = (typeof State)[keyof typeof State];

export class FrameDecoder {
  private state: State = State.FRAME_HEADER;
  private readonly headerScratch = Buffer.alloc(FRAME_HEADER_LENGTH + BUFFER_RESPONSE_HEADER_LENGTH);
  private scratchFill = 0;
  private body = Buffer.alloc(256);
  private bodyLength = 0;
  private messageId: MessageId = MessageId.BUFFER_RESPONSE;
  private frameLength = 0;
  private payloadTarget: NetworkBuffer | null = null;
  private payloadRemaining = 0;
  private readonly header: BufferResponseHeader = {
    receiverId: '',
    subpartitionId: 0,
    sequenceNumber: 0,
    backlog: 0,
    dataType: 0,
    isCompressed: false,
    size: 0,
  };

  constructor(
    private readonly handler: FrameHandler,
    /** Names the connection in errors. */
    private readonly connection: string,
    /** Largest payload accepted (the segment size). */
    private readonly maxPayloadBytes: number,
    /** Message ids this side accepts. */
    private readonly accepted: ReadonlySet<number>,
  ) {}

  /** True if no frame is partly read (a connection closing now loses nothing). */
  get isIdle(): boolean {
    return this.state === State.FRAME_HEADER && this.scratchFill === 0;
  }

  /** A connection that closes mid-frame has a truncated frame. */
  assertIdleAtClose(): void {
    if (!this.isIdle) {
      throw new ProtocolError('ERR_TRUNCATED_FRAME', `Connection closed in the middle of a ${MESSAGE_NAMES[this.messageId] ?? 'frame'} frame`, this.connection);
    }
  }

  feed(chunk: Buffer, start = 0, end = chunk.length): void {
    let pos = start;
    while (pos < end) {
      switch (this.state) {
        case State.FRAME_HEADER: {
          pos = this.fill(chunk, pos, end, FRAME_HEADER_LENGTH);
          if (this.scratchFill < FRAME_HEADER_LENGTH) return;
          this.onFrameHeader();
          break;
        }
        case State.BUFFER_HEADER: {
          pos = this.fill(chunk, pos, end, FRAME_HEADER_LENGTH + BUFFER_RESPONSE_HEADER_LENGTH);
          if (this.scratchFill < FRAME_HEADER_LENGTH + BUFFER_RESPONSE_HEADER_LENGTH) return;
          this.onBufferHeader();
          break;
        }
        case State.PAYLOAD: {
          const n = Math.min(this.payloadRemaining, end - pos);
          const target = this.payloadTarget;
          if (target) {
            chunk.copy(target.segment, target.size, pos, pos + n);
            target.size += n;
          }
          pos += n;
          this.payloadRemaining -= n;
          if (this.payloadRemaining === 0) this.finishPayload();
          break;
        }
        case State.BODY: {
          const n = Math.min(this.bodyLength - this.scratchFill, end - pos);
          chunk.copy(this.body, this.scratchFill, pos, pos + n);
          this.scratchFill += n;
          pos += n;
          if (this.scratchFill === this.bodyLength) this.finishBody();
          break;
        }
      }
    }
  }

  private fill(chunk: Buffer, pos: number, end: number, want: number): number {
    const n = Math.min(want - this.scratchFill, end - pos);
    chunk.copy(this.headerScratch, this.scratchFill, pos, pos + n);
    this.scratchFill += n;
    return pos + n;
  }

  private onFrameHeader(): void {
    const s = this.headerScratch;
    this.frameLength = s.readInt32BE(0);
    const magic = s.readInt32BE(4);
    const id = s.readInt8(8);
    if (magic !== MAGIC_NUMBER) {
      throw new ProtocolError('ERR_BAD_MAGIC', `Network stream corrupted: received incorrect magic number 0x${(magic >>> 0).toString(16)}`, this.connection);
    }
    if (!this.accepted.has(id)) {
      const name = MESSAGE_NAMES[id];
      throw new ProtocolError(
        'ERR_UNKNOWN_MESSAGE',
        name ? `Unexpected message ${name} (id ${id}) in this direction` : `Received unknown message id ${id}`,
        this.connection,
      );
    }
    this.messageId = id as MessageId;
    const bodyLength = this.frameLength - FRAME_HEADER_LENGTH;
    if (id === MessageId.BUFFER_RESPONSE) {
      if (bodyLength < BUFFER_RESPONSE_HEADER_LENGTH) this.truncated(bodyLength, BUFFER_RESPONSE_HEADER_LENGTH);
      this.state = State.BUFFER_HEADER;
      return;
    }
    const expected = BODY_LENGTH[id] ?? -1;
    if (expected >= 0 && bodyLength !== expected) this.truncated(bodyLength, expected);
    if (bodyLength < 0 || bodyLength > MAX_CONTROL_BODY_BYTES) {
      throw new ProtocolError('ERR_FRAME_LENGTH', `${MESSAGE_NAMES[id]} frame length ${this.frameLength} is out of range`, this.connection);
    }
    this.bodyLength = bodyLength;
    if (this.body.length < bodyLength) this.body = Buffer.alloc(Math.max(bodyLength, this.body.length * 2));
    this.scratchFill = 0;
    if (bodyLength === 0) this.finishBody();
    else this.state = State.BODY;
  }

  private onBufferHeader(): void {
    const s = this.headerScratch;
    const o = FRAME_HEADER_LENGTH;
    const h = this.header;
    h.receiverId = s.toString('hex', o, o + 16);
    h.subpartitionId = s.readInt32BE(o + 16);
    h.sequenceNumber = s.readInt32BE(o + 20);
    h.backlog = s.readInt32BE(o + 24);
    h.dataType = s[o + 28]!;
    h.isCompressed = s[o + 29] !== 0;
    h.size = s.readInt32BE(o + 30);
    const payloadInFrame = this.frameLength - FRAME_HEADER_LENGTH - BUFFER_RESPONSE_HEADER_LENGTH;
    if (h.size < 0 || h.size !== payloadInFrame) {
      throw new ProtocolError(
        'ERR_TRUNCATED_FRAME',
        `BufferResponse declares ${h.size} payload bytes but its frame carries ${payloadInFrame}`,
        this.connection,
        h.receiverId,
      );
    }
    if (!isValidDataType(h.dataType) || h.dataType === DataType.NONE) {
      throw new ProtocolError('ERR_BAD_DATA_TYPE', `BufferResponse with unknown data type ${h.dataType}`, this.connection, h.receiverId);
    }
    const limit = h.dataType === DataType.DATA_BUFFER ? this.maxPayloadBytes : MAX_CONTROL_BODY_BYTES;
    if (h.size > limit) {
      throw new ProtocolError('ERR_FRAME_LENGTH', `BufferResponse of ${h.size} bytes exceeds the limit of ${limit} bytes`, this.connection, h.receiverId);
    }
    if (h.isCompressed) {
      throw new ProtocolError('ERR_UNSUPPORTED', 'compressed buffers are not supported', this.connection, h.receiverId);
    }
    this.payloadTarget = this.handler.onBufferResponseHeader(h);
    this.payloadRemaining = h.size;
    this.scratchFill = 0;
    if (h.size === 0) this.finishPayload();
    else this.state = State.PAYLOAD;
  }

  private finishPayload(): void {
    const target = this.payloadTarget;
    this.payloadTarget = null;
    this.state = State.FRAME_HEADER;
    this.scratchFill = 0;
    if (target) this.handler.onBufferResponse(this.header, target);
  }

  private finishBody(): void {
    this.state = State.FRAME_HEADER;
    this.scratchFill = 0;
    this.handler.onControlMessage(this.messageId, this.body.subarray(0, this.bodyLength));
  }

  private truncated(got: number, expected: number): never {
    throw new ProtocolError(
      'ERR_TRUNCATED_FRAME',
      `${MESSAGE_NAMES[this.messageId] ?? 'frame'} body has ${got} bytes, expected ${expected}`,
      this.connection,
    );
  }
}
