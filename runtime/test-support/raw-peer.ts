/**
 * Test helpers that speak the data-plane protocol by hand over plain `node:net` sockets: a raw client (to poke a
 * real PartitionRequestServer) and a raw server (to play a misbehaving producer against a real consumer). Frames
 * are parsed independently of the runtime's FrameDecoder so the tests check the bytes on the wire.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import {
  BUFFER_RESPONSE_FRAME_OVERHEAD,
  FRAME_HEADER_LENGTH,
  MessageId,
  decodePartitionRequest,
  encodeIntAndReceiver,
  writeBufferResponseHeader,
  type BufferResponseHeader,
  type PartitionRequest,
} from '../network/index.js';

/** One frame as seen on the wire. */
export interface RawFrame {
  magic: number;
  id: number;
  body: Buffer;
}

/** A decoded BufferResponse body (1.20 layout). */
export type RawBufferResponse = BufferResponseHeader & { payload: Buffer };

/** Splits a byte stream into `[len][magic][id][body]` frames. */
export class FrameCollector {
  readonly frames: RawFrame[] = [];
  private pending = Buffer.alloc(0);

  feed(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= FRAME_HEADER_LENGTH) {
      const length = this.pending.readInt32BE(0);
      if (length < FRAME_HEADER_LENGTH || this.pending.length < length) return;
      this.frames.push({
        magic: this.pending.readInt32BE(4),
        id: this.pending.readInt8(8),
        body: Buffer.from(this.pending.subarray(FRAME_HEADER_LENGTH, length)),
      });
      this.pending = this.pending.subarray(length);
    }
  }
}

export function decodeBufferResponse(body: Buffer): RawBufferResponse {
  const size = body.readInt32BE(30);
  return {
    receiverId: body.toString('hex', 0, 16),
    subpartitionId: body.readInt32BE(16),
    sequenceNumber: body.readInt32BE(20),
    backlog: body.readInt32BE(24),
    dataType: body[28]!,
    isCompressed: body[29] !== 0,
    size,
    payload: Buffer.from(body.subarray(34, 34 + size)),
  };
}

/** A whole BufferResponse frame. */
export function bufferResponseFrame(
  receiverId: string,
  subpartitionId: number,
  sequenceNumber: number,
  backlog: number,
  dataType: number,
  payload: Buffer,
): Buffer {
  const frame = Buffer.alloc(BUFFER_RESPONSE_FRAME_OVERHEAD + payload.length);
  writeBufferResponseHeader(frame, 0, Buffer.from(receiverId, 'hex'), subpartitionId, sequenceNumber, backlog, dataType, payload.length);
  payload.copy(frame, BUFFER_RESPONSE_FRAME_OVERHEAD);
  return frame;
}

/** A frame with arbitrary header fields (for corrupt-frame tests). */
export function rawFrame(frameLength: number, magic: number, id: number, body: Buffer): Buffer {
  const b = Buffer.alloc(FRAME_HEADER_LENGTH + body.length);
  b.writeInt32BE(frameLength, 0);
  b.writeInt32BE(magic, 4);
  b.writeInt8(id, 8);
  body.copy(b, FRAME_HEADER_LENGTH);
  return b;
}

export function addCreditFrame(credit: number, receiverId: string): Buffer {
  return encodeIntAndReceiver(MessageId.ADD_CREDIT, credit, receiverId);
}

/** One raw socket with its parsed incoming frames and close state. */
export class RawPeer {
  readonly collector = new FrameCollector();
  closed = false;
  readonly whenClosed: Promise<void>;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.collector.feed(chunk));
    socket.on('error', () => undefined); // a reset by the peer is an expected outcome in these tests
    this.whenClosed = new Promise((resolve) => {
      socket.once('close', () => {
        this.closed = true;
        resolve();
      });
    });
  }

  get frames(): RawFrame[] {
    return this.collector.frames;
  }

  /** BufferResponses received so far, decoded. */
  bufferResponses(): RawBufferResponse[] {
    return this.frames.filter((f) => f.id === MessageId.BUFFER_RESPONSE).map((f) => decodeBufferResponse(f.body));
  }

  /** PartitionRequests received so far, decoded. */
  partitionRequests(): Array<PartitionRequest & { subpartitionEnd: number }> {
    return this.frames.filter((f) => f.id === MessageId.PARTITION_REQUEST).map((f) => decodePartitionRequest(f.body));
  }

  /** Σ AddCredit announced per receiver id. */
  announcedCredit(receiverId: string): number {
    let sum = 0;
    for (const f of this.frames) {
      if (f.id === MessageId.ADD_CREDIT && f.body.toString('hex', 4, 20) === receiverId) sum += f.body.readInt32BE(0);
    }
    return sum;
  }

  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.socket.destroy();
    await this.whenClosed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Connects a raw client to a data server. */
export function connectRaw(address: { host: string; port: number }): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address.host, port: address.port, noDelay: true });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(new RawPeer(socket));
    });
  });
}

/** A raw server standing in for a producer's data server; every accepted socket becomes a {@link RawPeer}. */
export class RawServer {
  readonly peers: RawPeer[] = [];

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
  ) {
    server.on('connection', (socket) => {
      socket.setNoDelay(true);
      this.peers.push(new RawPeer(socket));
    });
  }

  static start(): Promise<RawServer> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        if (address === null || typeof address === 'string') {
          reject(new Error('raw server has no TCP address'));
          return;
        }
        resolve(new RawServer(server, address.address, address.port));
      });
    });
  }

  get address(): { host: string; port: number } {
    return { host: this.host, port: this.port };
  }

  async stop(): Promise<void> {
    await Promise.all(this.peers.map((p) => p.close()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
