/**
 * Consumer side of the data plane (spec §2.1, §2.7): one TCP connection per remote data server, opened by the
 * consumer with TCP_NODELAY, carrying every logical channel to that server. Incoming payloads are decoded
 * straight into the target channel's buffers; credit announcements and other requests go out with one socket
 * write in flight.
 */
import { connect, type Socket } from 'node:net';
import { ProtocolError, createLogger, toError, type Logger } from '../../core/index.js';
import type { NetworkBuffer } from '../buffer/index.js';
import {
  FrameDecoder,
  MessageId,
  decodeErrorResponse,
  encodeCloseRequest,
  encodeIntAndReceiver,
  encodePartitionRequest,
  encodeReceiverOnly,
  type BufferResponseHeader,
  type FrameHandler,
} from '../network/index.js';
import type { ChannelConnection, RemoteInputChannel } from './remote-input-channel.js';
import type { InternalTls } from '../security/index.js';

const READ_BUFFER_BYTES = 256 * 1024;
const CLIENT_ACCEPTS: ReadonlySet<number> = new Set([
  MessageId.BUFFER_RESPONSE,
  MessageId.ERROR_RESPONSE,
  MessageId.BACKLOG_ANNOUNCEMENT,
]);

export interface DataAddress {
  host: string;
  port: number;
}

/** One connection per remote data server address, shared by every channel to it. */
export class ConnectionManager {
  private readonly connections = new Map<string, Promise<ClientConnection>>();
  /** Connections opened (kept for their counters after they close). */
  private readonly open = new Set<ClientConnection>();
  private readonly logger: Logger;

  constructor(
    private readonly segmentSizeBytes: number,
    logger?: Logger,
    /** TLS with mutual authentication (`security.ssl.internal.enabled`); plaintext when undefined. */
    private readonly tls?: InternalTls,
  ) {
    this.logger = logger ?? createLogger('data-client');
  }

  connect(address: DataAddress): Promise<ClientConnection> {
    const key = `${address.host}:${address.port}`;
    let connection = this.connections.get(key);
    if (!connection) {
      connection = ClientConnection.open(address, this.segmentSizeBytes, this.logger, () => this.connections.delete(key), this.tls);
      this.connections.set(key, connection);
      connection.then(
        (c) => this.open.add(c),
        () => this.connections.delete(key),
      );
    }
    return connection;
  }

  get size(): number {
    return this.connections.size;
  }

  /** Socket writes and AddCredit messages over the open connections (what the credit loop costs in syscalls). */
  get stats(): { socketWrites: number; addCreditMessages: number } {
    let socketWrites = 0;
    let addCreditMessages = 0;
    for (const c of this.open) {
      socketWrites += c.socketWrites;
      addCreditMessages += c.addCreditMessages;
    }
    return { socketWrites, addCreditMessages };
  }

  async closeAll(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.close()));
  }
}

export class ClientConnection implements ChannelConnection, FrameHandler {
  readonly name: string;
  private readonly channels = new Map<string, RemoteInputChannel>();
  private readonly decoder: FrameDecoder;
  private readonly creditQueue: RemoteInputChannel[] = [];
  private readonly outbox: Buffer[] = [];
  private writing = false;
  private scheduled = false;
  private closed = false;
  bytesRead = 0;
  socketWrites = 0;
  addCreditMessages = 0;

  private constructor(
    private readonly socket: Socket,
    segmentSizeBytes: number,
    private readonly logger: Logger,
    private readonly onClosed: () => void,
  ) {
    this.name = `${socket.localAddress}:${socket.localPort} -> ${socket.remoteAddress}:${socket.remotePort}`;
    this.decoder = new FrameDecoder(this, this.name, segmentSizeBytes, CLIENT_ACCEPTS);
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => {
      if (!this.closed) {
        try {
          this.decoder.assertIdleAtClose();
          this.fail(new ProtocolError('ERR_CONNECTION_CLOSED', 'data connection closed by the producer', this.name));
        } catch (error) {
          this.fail(toError(error));
        }
      }
    });
  }

  static open(address: DataAddress, segmentSizeBytes: number, logger: Logger, onClosed: () => void, tls?: InternalTls): Promise<ClientConnection> {
    if (tls) {
      // TLS decrypts into its own buffers, so no `onread` here: chunks arrive as 'data' events
      return tls.connect({ host: address.host, port: address.port, noDelay: true }).then((socket) => {
        const connection = new ClientConnection(socket, segmentSizeBytes, logger, onClosed);
        socket.on('data', (chunk: Buffer) => connection.onBytes(chunk, chunk.length));
        return connection;
      });
    }
    return new Promise((resolve, reject) => {
      const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
      let connection: ClientConnection | undefined;
      const socket = connect({
        host: address.host,
        port: address.port,
        noDelay: true,
        onread: {
          buffer: readBuffer,
          callback: (bytes: number, buffer: Uint8Array): boolean => {
            connection?.onBytes(buffer as Buffer, bytes);
            return true;
          },
        },
      });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.setNoDelay(true);
        connection = new ClientConnection(socket, segmentSizeBytes, logger, onClosed);
        resolve(connection);
      });
    });
  }

  get channelCount(): number {
    return this.channels.size;
  }

  /** Registers the channel and sends its PartitionRequest (initial credit = exclusive buffers). */
  requestSubpartition(channel: RemoteInputChannel): void {
    if (this.closed) {
      channel.fail(new ProtocolError('ERR_CONNECTION_CLOSED', 'data connection is closed', this.name, channel.receiverId));
      return;
    }
    channel.connection = this;
    this.channels.set(channel.receiverId, channel);
    this.send(
      encodePartitionRequest({
        partitionId: channel.partitionId,
        subpartitionIndex: channel.subpartitionIndex,
        receiverId: channel.receiverId,
        initialCredit: channel.initialCredit,
      }),
    );
  }

  notifyCreditAvailable(channel: RemoteInputChannel): void {
    if (channel.queuedForCredit || this.closed) return;
    channel.queuedForCredit = true;
    this.creditQueue.push(channel);
    this.schedule();
  }

  sendResumeConsumption(channel: RemoteInputChannel): void {
    this.send(encodeReceiverOnly(MessageId.RESUME_CONSUMPTION, channel.receiverId));
  }

  sendNewBufferSize(channel: RemoteInputChannel, size: number): void {
    this.send(encodeIntAndReceiver(MessageId.NEW_BUFFER_SIZE, size, channel.receiverId));
  }

  cancel(channel: RemoteInputChannel): void {
    if (this.channels.delete(channel.receiverId)) {
      this.send(encodeReceiverOnly(MessageId.CANCEL_PARTITION_REQUEST, channel.receiverId));
    }
  }

  onBufferResponseHeader(header: BufferResponseHeader): NetworkBuffer | null {
    const channel = this.channels.get(header.receiverId);
    if (!channel) return null; // released or cancelled channel: discard
    return channel.bufferForIncoming(header.sequenceNumber, header.dataType, header.size);
  }

  onBufferResponse(header: BufferResponseHeader, buffer: NetworkBuffer): void {
    const channel = this.channels.get(header.receiverId);
    if (channel) channel.onBuffer(buffer, header.backlog);
    else buffer.release();
  }

  onControlMessage(id: MessageId, body: Buffer): void {
    if (id === MessageId.BACKLOG_ANNOUNCEMENT) {
      const backlog = body.readInt32BE(0);
      this.channels.get(body.toString('hex', 4, 20))?.onSenderBacklog(backlog);
      return;
    }
    if (id === MessageId.ERROR_RESPONSE) {
      let decoded: ReturnType<typeof decodeErrorResponse>;
      try {
        decoded = decodeErrorResponse(body);
      } catch (cause) {
        throw new ProtocolError('ERR_BAD_ERROR_RESPONSE', `ErrorResponse that does not decode: ${toError(cause).message}`, this.name, undefined, { cause });
      }
      const { error, receiverId } = decoded;
      const remote = new ProtocolError(error.code, `producer reported: ${error.message}`, this.name, receiverId);
      if (receiverId) this.channels.get(receiverId)?.fail(remote);
      else this.fail(remote);
    }
  }

  /** Graceful close: CloseRequest, then end. Channels still open fail. */
  close(): void {
    if (this.closed) return;
    this.shutdown(new ProtocolError('ERR_CONNECTION_CLOSED', 'data connection closed locally', this.name));
    this.socket.end(encodeCloseRequest());
  }

  private onBytes(chunk: Buffer, length: number): void {
    if (this.closed) return;
    this.bytesRead += length;
    try {
      this.decoder.feed(chunk, 0, length);
    } catch (error) {
      this.fail(toError(error));
    }
  }

  private send(frame: Buffer): void {
    if (this.closed) return;
    this.outbox.push(frame);
    this.schedule();
  }

  /**
   * One socket write per read: the flush runs after the microtasks of the read callback that gained the credit
   * (the task's pump among them), so a read's recycled buffers leave as one AddCredit per channel. Not later:
   * libuv reads a busy socket up to 32 times before the check phase, and credit held that long stalls the sender.
   */
  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    queueMicrotask(this.flushNow);
  }

  private readonly flushNow = (): void => {
    this.scheduled = false;
    this.flushOutbox();
  };

  private readonly onWritten = (error?: Error | null): void => {
    this.writing = false;
    if (error) this.fail(error);
    else if (this.outbox.length > 0 || this.creditQueue.length > 0) this.schedule();
  };

  private flushOutbox(): void {
    if (this.writing || this.closed) return;
    const queue = this.creditQueue;
    for (let i = 0; i < queue.length; i++) {
      const channel = queue[i]!;
      channel.queuedForCredit = false;
      const credit = channel.takeUnannouncedCredit();
      if (credit > 0 && !channel.isReleased) {
        this.outbox.push(encodeIntAndReceiver(MessageId.ADD_CREDIT, credit, channel.receiverId));
        this.addCreditMessages++;
      }
    }
    queue.length = 0;
    if (this.outbox.length === 0) return;
    const frames = this.outbox.length === 1 ? this.outbox[0]! : Buffer.concat(this.outbox);
    this.outbox.length = 0;
    this.writing = true;
    this.socketWrites++;
    this.socket.write(frames, this.onWritten);
  }

  private fail(error: Error): void {
    if (this.closed) return;
    // a producer closing a connection whose channels have all ended (end of partition received) is the normal end
    const live = [...this.channels.values()].some((c) => !c.isReleased);
    if (live) this.logger.warn('data connection failed', { connection: this.name, error: error.message });
    else this.logger.debug('data connection closed after its channels ended', { connection: this.name, reason: error.message });
    this.shutdown(error instanceof ProtocolError ? error : new ProtocolError('ERR_CONNECTION', error.message, this.name, undefined, { cause: error }));
    this.socket.destroy();
  }

  private shutdown(error: ProtocolError): void {
    this.closed = true;
    this.onClosed();
    const channels = [...this.channels.values()];
    this.channels.clear();
    for (const channel of channels) {
      if (!channel.isReleased) channel.fail(new ProtocolError(error.code, error.message, this.name, channel.receiverId, { cause: error }));
    }
  }
}
