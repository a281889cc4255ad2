/**
 * A TaskManager's data server (spec §2.6). Consumers connect and request subpartitions; per connection the
 * server keeps one reader per logical channel and a FIFO of readers that may send, and writes in round robin
 * with exactly one socket write (a corked batch, sent as one writev) in flight. A frame that fails to decode
 * closes that connection with a typed error; the server keeps serving the others.
 */
import { EventEmitter } from 'node:events';
import type { Server, Socket } from 'node:net';
import { ProtocolError, createLogger, toError, type Logger } from '../../core/index.js';
import type { NetworkBuffer } from '../buffer/index.js';
import { CreditBasedReader, type ReaderQueue } from './credit-based-reader.js';
import { FrameDecoder, type FrameHandler } from './frame-decoder.js';
import {
  BUFFER_RESPONSE_FRAME_OVERHEAD,
  MessageId,
  decodePartitionRequest,
  encodeErrorResponse,
  encodeIntAndReceiver,
  writeBufferResponseHeader,
} from './messages.js';
import type { ResultPartitionManager } from './result-partition-manager.js';
import { createInternalServer, type InternalTls } from '../security/index.js';

/** Frames and bytes gathered into one socket write at most. */
const MAX_BATCH_FRAMES = 64;
const MAX_BATCH_BYTES = 256 * 1024;
/**
 * Frames one reader may put into one socket write. Flink's server sends a channel's buffers one write at a time while
 * the task thread keeps refilling the subpartition, so the backlog each buffer carries is current and the receiver
 * asks for floating buffers for all of it. Here the task refills only between writes (same thread): a batch that
 * took all of a channel's credit would stamp its last buffer with the backlog left after the batch, before the refill,
 * and the receiver's credit window would swing between k and exclusive + backlog − k (about half of it on average).
 * Capping a channel's share of a write keeps its backlog current at the cost of more writes per channel; many
 * channels still share one write. Measured in `bench network` (a): 3 → window 9.1 of 10 buffers; 4 → 8.5; 64 → 6.1.
 */
export const MAX_READER_FRAMES_PER_WRITE = 4;
/** How long a request for a partition not yet registered waits (Flink's partition-request-timeout). */
const PARTITION_REQUEST_TIMEOUT_MS = 10_000;

const SERVER_ACCEPTS: ReadonlySet<number> = new Set([
  MessageId.PARTITION_REQUEST,
  MessageId.TASK_EVENT_REQUEST,
  MessageId.CANCEL_PARTITION_REQUEST,
  MessageId.CLOSE_REQUEST,
  MessageId.ADD_CREDIT,
  MessageId.RESUME_CONSUMPTION,
  MessageId.ACK_ALL_USER_RECORDS_PROCESSED,
  MessageId.NEW_BUFFER_SIZE,
]);

export interface PartitionRequestServerOptions {
  partitions: ResultPartitionManager;
  segmentSizeBytes: number;
  host?: string;
  port?: number;
  logger?: Logger;
  /** TLS with mutual authentication (`security.ssl.internal.enabled`); plaintext when undefined. */
  tls?: InternalTls;
}

export interface ServerStats {
  connections: number;
  readers: number;
  bytesWritten: number;
  framesWritten: number;
  /** Batched socket writes (one writev each) carrying those frames. */
  socketWrites: number;
  connectionErrors: number;
  /** NewBufferSize messages received (buffer debloating announcements from consumers). */
  newBufferSizeReceived: number;
}

/** Events: `connection-error` (ProtocolError | Error, connection name). */
export class PartitionRequestServer extends EventEmitter {
  private readonly connections = new Set<ServerConnection>();
  private closed = false;
  bytesWritten = 0;
  framesWritten = 0;
  socketWrites = 0;
  connectionErrors = 0;
  newBufferSizeReceived = 0;

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
    readonly options: PartitionRequestServerOptions,
    readonly logger: Logger,
  ) {
    super();
  }

  static start(options: PartitionRequestServerOptions): Promise<PartitionRequestServer> {
    const logger = options.logger ?? createLogger('data-server');
    return new Promise((resolve, reject) => {
      let instance: PartitionRequestServer | undefined;
      const server = createInternalServer(
        options.tls,
        (socket) => instance?.accept(socket),
        (error) => instance?.reportError(error, error.peer),
      );
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        if (address === null || typeof address === 'string') {
          reject(new Error('data server has no TCP address'));
          return;
        }
        instance = new PartitionRequestServer(server, address.address, address.port, options, logger);
        resolve(instance);
      });
    });
  }

  get stats(): ServerStats {
    let readers = 0;
    for (const c of this.connections) readers += c.readerCount;
    return {
      connections: this.connections.size,
      readers,
      bytesWritten: this.bytesWritten,
      framesWritten: this.framesWritten,
      socketWrites: this.socketWrites,
      connectionErrors: this.connectionErrors,
      newBufferSizeReceived: this.newBufferSizeReceived,
    };
  }

  /** Closes the listener and every connection. Idempotent. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.connections) c.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const connection = new ServerConnection(this, socket);
    this.connections.add(connection);
    socket.once('close', () => this.connections.delete(connection));
  }

  /** @internal */
  reportError(error: Error, connection: string): void {
    this.connectionErrors++;
    this.logger.warn('data connection failed', { connection, error: error.message });
    if (this.listenerCount('connection-error') > 0) this.emit('connection-error', error, connection);
  }
}

class ServerConnection implements ReaderQueue, FrameHandler {
  private readonly readers = new Map<string, CreditBasedReader>();
  /** Receivers whose PartitionRequest waits for the partition to be registered, with credit and sizes announced meanwhile. */
  private readonly pendingReceivers = new Map<string, Array<(reader: CreditBasedReader) => void>>();
  /** Receivers whose request was answered with an ErrorResponse; late credit for them is dropped, not fatal. */
  private readonly refusedReceivers = new Set<string>();
  private readonly available: CreditBasedReader[] = [];
  private readonly decoder: FrameDecoder;
  private readonly name: string;
  private readonly headerArena = Buffer.alloc(MAX_BATCH_FRAMES * BUFFER_RESPONSE_FRAME_OVERHEAD);
  private inFlight: NetworkBuffer[] = [];
  private chunks: Buffer[] = [];
  /** Readers that reached {@link MAX_READER_FRAMES_PER_WRITE} in the batch being gathered. */
  private readonly deferred: CreditBasedReader[] = [];
  private batch = 0;
  private writing = false;
  private loopScheduled = false;
  private closed = false;
  private readonly onWritten = (error?: Error | null): void => this.afterWrite(error ?? undefined);

  constructor(
    private readonly server: PartitionRequestServer,
    private readonly socket: Socket,
  ) {
    this.name = `${socket.remoteAddress}:${socket.remotePort} -> ${socket.localAddress}:${socket.localPort}`;
    this.decoder = new FrameDecoder(this, this.name, server.options.segmentSizeBytes, SERVER_ACCEPTS);
    socket.on('data', (chunk: Buffer) => {
      if (this.closed) return;
      try {
        this.decoder.feed(chunk);
      } catch (error) {
        this.fail(toError(error));
      }
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.close());
  }

  get readerCount(): number {
    return this.readers.size;
  }

  enqueueAvailableReader(reader: CreditBasedReader): void {
    if (reader.queued || this.closed) return;
    if (!reader.isAvailable()) {
      const backlog = reader.subpartition.getBacklog();
      if (backlog > 0 && reader.initialCredit === 0 && reader.credit === 0) {
        this.sendControl(encodeIntAndReceiver(MessageId.BACKLOG_ANNOUNCEMENT, backlog, reader.receiverId));
      }
      return;
    }
    reader.queued = true;
    this.available.push(reader);
    this.scheduleWrite();
  }

  onBufferResponseHeader(): NetworkBuffer | null {
    return null; // not accepted on this side (decoder rejects id 0 before this)
  }

  onBufferResponse(): void {}

  onControlMessage(id: MessageId, body: Buffer): void {
    switch (id) {
      case MessageId.PARTITION_REQUEST:
        this.onPartitionRequest(body);
        return;
      case MessageId.ADD_CREDIT: {
        const credit = body.readInt32BE(0);
        const receiverId = body.toString('hex', 4, 20);
        if (credit <= 0) throw new ProtocolError('ERR_BAD_CREDIT', `AddCredit of ${credit}`, this.name, receiverId);
        const reader = this.readers.get(receiverId);
        if (reader) reader.addCredit(credit);
        else this.pendingOrRefused(receiverId, 'AddCredit').push((r) => r.addCredit(credit));
        return;
      }
      case MessageId.RESUME_CONSUMPTION: {
        const receiverId = body.toString('hex', 0, 16);
        const reader = this.readers.get(receiverId);
        if (reader) reader.resumeConsumption();
        else this.pendingOrRefused(receiverId, 'ResumeConsumption').push((r) => r.resumeConsumption());
        return;
      }
      case MessageId.CANCEL_PARTITION_REQUEST: {
        const receiverId = body.toString('hex', 0, 16);
        const reader = this.readers.get(receiverId);
        if (reader) {
          reader.release();
          this.readers.delete(receiverId);
        }
        return;
      }
      case MessageId.NEW_BUFFER_SIZE: {
        const size = body.readInt32BE(0);
        const receiverId = body.toString('hex', 4, 20);
        const reader = this.readers.get(receiverId);
        if (size <= 0) throw new ProtocolError('ERR_BAD_BUFFER_SIZE', `NewBufferSize of ${size}`, this.name, receiverId);
        this.server.newBufferSizeReceived++;
        if (reader) reader.subpartition.bufferSizeBytes = size;
        else this.pendingOrRefused(receiverId, 'NewBufferSize').push((r) => (r.subpartition.bufferSizeBytes = size));
        return;
      }
      case MessageId.CLOSE_REQUEST:
        this.close();
        return;
      default:
        return; // TaskEventRequest, AckAllUserRecordsProcessed: accepted, nothing to do in streaming mode
    }
  }

  /**
   * The pending request a message for a receiver without a reader belongs to. A receiver that never asked
   * fails the connection, as Flink's `No reader for receiverId = … exists` does.
   */
  private pendingOrRefused(receiverId: string, message: string): Array<(reader: CreditBasedReader) => void> {
    const pending = this.pendingReceivers.get(receiverId);
    if (pending) return pending;
    if (this.refusedReceivers.has(receiverId)) return [];
    throw new ProtocolError('ERR_UNKNOWN_RECEIVER', `${message} for receiver ${receiverId}, which has no reader on this connection`, this.name, receiverId);
  }

  private onPartitionRequest(body: Buffer): void {
    const request = decodePartitionRequest(body);
    const { receiverId, subpartitionIndex, initialCredit, partitionId } = request;
    if (this.readers.has(receiverId) || this.pendingReceivers.has(receiverId)) {
      this.sendError('ERR_DUPLICATE_RECEIVER', `receiver ${receiverId} already requested a subpartition`, receiverId);
      return;
    }
    if (initialCredit < 0) {
      throw new ProtocolError('ERR_BAD_CREDIT', `PartitionRequest with initial credit ${initialCredit}`, this.name, receiverId);
    }
    const early: Array<(reader: CreditBasedReader) => void> = [];
    this.pendingReceivers.set(receiverId, early);
    void this.server.options.partitions.waitFor(partitionId, PARTITION_REQUEST_TIMEOUT_MS).then((partition) => {
      this.pendingReceivers.delete(receiverId);
      if (this.closed) return;
      if (!partition || partition.isReleased) {
        this.refuse(receiverId, 'ERR_PARTITION_NOT_FOUND', `partition ${partitionId.dataSetId}:${partitionId.partitionIndex} not found`);
        return;
      }
      const subpartition = partition.subpartitions[subpartitionIndex];
      if (!subpartition || request.subpartitionEnd !== subpartitionIndex) {
        this.refuse(receiverId, 'ERR_BAD_SUBPARTITION', `subpartition ${subpartitionIndex} of ${partition.numSubpartitions} does not exist`);
        return;
      }
      if (subpartition.isBeingConsumed) {
        // Flink's PipelinedSubpartition.createReadView: one reader per subpartition, the newcomer gets the error
        this.refuse(
          receiverId,
          'ERR_SUBPARTITION_CONSUMED',
          `Subpartition ${subpartitionIndex} of partition ${partitionId.dataSetId}:${partitionId.partitionIndex} is being (or already has been) consumed, ` +
            'but pipelined subpartitions can only be consumed once.',
        );
        return;
      }
      const reader = new CreditBasedReader(receiverId, initialCredit, subpartition, this);
      this.readers.set(receiverId, reader);
      subpartition.setListener(reader);
      for (const apply of early) apply(reader); // credit, resumes and buffer sizes announced while the request waited, in order
      this.enqueueAvailableReader(reader);
    });
  }

  private scheduleWrite(): void {
    if (this.loopScheduled || this.writing) return;
    this.loopScheduled = true;
    queueMicrotask(() => {
      this.loopScheduled = false;
      this.writeLoop();
    });
  }

  /** Gathers frames in round robin over readers that may send, and writes them as one batch. */
  private writeLoop(): void {
    if (this.writing || this.closed) return;
    const chunks = this.chunks;
    const batch = ++this.batch;
    let frames = 0;
    let bytes = 0;
    while (frames < MAX_BATCH_FRAMES && bytes < MAX_BATCH_BYTES) {
      const reader = this.available.shift();
      if (!reader) break;
      reader.queued = false;
      const next = reader.next();
      if (!next) continue;
      if (reader.batch !== batch) {
        reader.batch = batch;
        reader.framesInBatch = 0;
      }
      if (++reader.framesInBatch >= MAX_READER_FRAMES_PER_WRITE) this.deferred.push(reader);
      else if (reader.isAvailable()) {
        reader.queued = true;
        this.available.push(reader);
      }
      const headerOffset = frames * BUFFER_RESPONSE_FRAME_OVERHEAD;
      writeBufferResponseHeader(
        this.headerArena,
        headerOffset,
        reader.receiverIdBytes,
        reader.subpartition.index,
        next.sequenceNumber,
        next.backlog,
        next.dataType,
        next.length,
      );
      chunks.push(this.headerArena.subarray(headerOffset, headerOffset + BUFFER_RESPONSE_FRAME_OVERHEAD));
      if (next.length > 0) chunks.push(next.buffer.segment.subarray(next.offset, next.offset + next.length));
      this.inFlight.push(next.buffer);
      frames++;
      bytes += BUFFER_RESPONSE_FRAME_OVERHEAD + next.length;
    }
    // readers at their share go to the back of the queue for the next write (the task refills them before it)
    for (const reader of this.deferred) {
      if (!reader.queued && reader.isAvailable()) {
        reader.queued = true;
        this.available.push(reader);
      }
    }
    this.deferred.length = 0;
    if (frames === 0) return;
    this.writing = true;
    this.server.framesWritten += frames;
    this.server.socketWrites++;
    this.server.bytesWritten += bytes;
    const socket = this.socket;
    socket.cork();
    const last = chunks.length - 1;
    for (let i = 0; i < last; i++) socket.write(chunks[i]!);
    socket.write(chunks[last]!, this.onWritten);
    socket.uncork();
    chunks.length = 0;
  }

  private afterWrite(error: Error | undefined): void {
    const done = this.inFlight;
    this.inFlight = [];
    for (const b of done) b.release();
    this.writing = false;
    if (error) {
      this.fail(error);
      return;
    }
    if (this.available.length > 0) this.writeLoop();
  }

  private sendControl(frame: Buffer): void {
    if (!this.closed) this.socket.write(frame);
  }

  private refuse(receiverId: string, code: string, message: string): void {
    this.refusedReceivers.add(receiverId);
    this.sendError(code, message, receiverId);
  }

  private sendError(code: string, message: string, receiverId?: string): void {
    this.sendControl(encodeErrorResponse({ code, message }, receiverId));
  }

  private fail(error: Error): void {
    if (this.closed) return;
    this.server.reportError(error, this.name);
    if (error instanceof ProtocolError) this.sendError(error.code, error.message);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const reader of this.readers.values()) reader.release();
    this.readers.clear();
    this.available.length = 0;
    if (!this.writing) {
      for (const b of this.inFlight) b.release();
      this.inFlight = [];
    }
    this.socket.end();
    this.socket.destroySoon();
  }
}
