/**
 * Child-process entry for `bench:network`. One role per process; the orchestrator drives it over IPC:
 * `{cmd:'mark'}` starts the measured window, `{cmd:'stop'}` ends it and the worker replies with its figures.
 * Roles: raw-sink / raw-source (a plain socket pipe), raw-pong / raw-ping (1-byte ping-pong), producer / consumer
 * (flowlab's network stack).
 */
import { createServer, connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import { resolveConfig, systemClock, SeededRandom, type SerializedConfig } from '../../core/index.js';
import { DataType } from '../buffer/index.js';
import { createChannelSelector } from '../partition/selectors/index.js';
import { RecordSerializer, RecordView, SpanningRecordDeserializer, DeserializationResult } from '../record/index.js';
import { RecordWriter } from '../writer/index.js';
import { NetworkEnvironment } from '../shuffle/index.js';
import type { ResultPartitionId } from '../partition/index.js';

export interface WorkerParams {
  role: 'raw-sink' | 'raw-source' | 'raw-pong' | 'raw-ping' | 'producer' | 'consumer';
  /** Serialized record size in bytes (length prefix included); 0 = raw bytes, no records. */
  recordBytes: number;
  /** Records per second for the producer; 0 = as fast as possible. */
  ratePerSec: number;
  channels: number;
  config: SerializedConfig;
  port?: number;
  partitionId?: ResultPartitionId;
  host?: string;
  latency?: boolean;
}

export interface WorkerReport {
  bytes: number;
  records: number;
  elapsedMs: number;
  /** User + system CPU of this process in the window, µs (a noise-robust cost: time spent, not waited). */
  cpuUs: number;
  /** flowlab sides: socket writes in the window (data batches on the producer, credit writes on the consumer). */
  socketWrites?: number;
  latencyUs?: { p50: number; p99: number; p999: number; max: number; count: number };
}

type Command = { cmd: 'mark' } | { cmd: 'stop' } | { cmd: 'start'; port?: number; partitionId?: ResultPartitionId };

const params = JSON.parse(process.argv[2] ?? '{}') as WorkerParams;
const send = (message: unknown): void => {
  process.send?.(message);
};

const CHUNK_BYTES = 32 * 1024;
/** The flowlab consumer's read buffer size (client-connection.ts), used by the raw sink too. */
const READ_BUFFER_BYTES = 256 * 1024;
const SLICE_MS = 2;

function histogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
}

function summarize(h: hdr.Histogram): WorkerReport['latencyUs'] {
  return {
    p50: h.getValueAtPercentile(50),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.maxValue,
    count: h.totalCount,
  };
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return d.user + d.system;
}

/** Counts bytes and records between mark and stop. */
class Window {
  bytes = 0;
  records = 0;
  private markedBytes = 0;
  private markedRecords = 0;
  private markedAt = performance.now();
  private markedCpu = process.cpuUsage();
  readonly latency = histogram();
  measuring = false;

  mark(): void {
    this.markedBytes = this.bytes;
    this.markedRecords = this.records;
    this.markedAt = performance.now();
    this.markedCpu = process.cpuUsage();
    this.latency.reset();
    this.measuring = true;
  }

  report(): WorkerReport {
    const r: WorkerReport = {
      bytes: this.bytes - this.markedBytes,
      records: this.records - this.markedRecords,
      elapsedMs: performance.now() - this.markedAt,
      cpuUs: cpuSince(this.markedCpu),
    };
    if (params.latency) r.latencyUs = summarize(this.latency);
    return r;
  }
}

/** Writes serialized records into `target` until it is full; returns bytes written. */
function fillWithRecords(serializer: RecordSerializer, target: Buffer, recordBytes: number, state: { seq: number }): number {
  let offset = 0;
  while (offset + recordBytes <= target.length) {
    offset += serializer.serializeInto(target, offset, state.seq % 1024, state.seq, 0, 0, recordBytes - 4);
    state.seq++;
  }
  return offset;
}

/**
 * The raw pipe's receiving end: connects to the source and reads into one reused 256 KiB buffer through `onread`,
 * the way flowlab's consumer reads its data connection (so both sides pay the same read path, not a fresh Buffer
 * per read). With `recordBytes` > 0 it parses the length-prefixed records as a consumer would.
 */
function rawSink(port: number): void {
  const window = new Window();
  const view = new RecordView();
  let carry = Buffer.alloc(0);
  const onChunk = (chunk: Buffer): void => {
    window.bytes += chunk.length;
    if (params.recordBytes === 0) return;
    // parse length-prefixed records the way a consumer would (header fields read through a view)
    let data = chunk;
    if (carry.length > 0) data = Buffer.concat([carry, chunk]);
    let o = 0;
    while (o + 4 <= data.length) {
      const len = data.readInt32BE(o);
      if (o + 4 + len > data.length) break;
      view.set(data, o + 4, len);
      if (view.sequence < 0) throw new Error('bad record');
      window.records++;
      o += 4 + len;
    }
    // the read buffer is reused: a partial record at the end is copied out
    carry = o < data.length ? Buffer.from(data.subarray(o)) : Buffer.alloc(0);
  };
  const socket = connect({
    host: '127.0.0.1',
    port,
    noDelay: true,
    onread: {
      buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
      callback: (bytes: number, buffer: Uint8Array): boolean => {
        onChunk((buffer as Buffer).subarray(0, bytes));
        return true;
      },
    },
  });
  socket.on('error', () => undefined);
  process.on('message', (m: Command) => {
    if (m.cmd === 'mark') window.mark();
    if (m.cmd === 'stop') {
      send({ report: window.report() });
      socket.destroy();
      setTimeout(() => process.exit(0), 50).unref();
    }
  });
}

/** The raw pipe's sending end: listens, and writes 32 KiB chunks (records when `recordBytes` > 0) to whoever connects. */
async function rawSource(): Promise<void> {
  const serializer = new RecordSerializer({ seed: 1 });
  const state = { seq: 0 };
  let stopped = false;
  let peer: Socket | undefined;
  const server = createServer({ noDelay: true }, (socket) => {
    peer = socket;
    const write = (): void => {
      while (!stopped) {
        const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
        const length = params.recordBytes > 0 ? fillWithRecords(serializer, chunk, params.recordBytes, state) : CHUNK_BYTES;
        if (!socket.write(length === CHUNK_BYTES ? chunk : chunk.subarray(0, length))) {
          socket.once('drain', write);
          return;
        }
      }
    };
    socket.on('error', () => undefined);
    write();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  send({ ready: true, port: typeof address === 'object' && address ? address.port : 0 });
  process.on('message', (m: Command) => {
    if (m.cmd === 'stop') {
      stopped = true;
      peer?.destroy();
      server.close();
      send({ report: { bytes: 0, records: 0, elapsedMs: 0, cpuUs: 0 } });
      setTimeout(() => process.exit(0), 50).unref();
    }
  });
}

async function rawPong(): Promise<void> {
  const server = createServer({ noDelay: true }, (socket) => {
    socket.on('data', (chunk: Buffer) => socket.write(chunk));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  send({ ready: true, port: typeof address === 'object' && address ? address.port : 0 });
  process.on('message', (m: Command) => {
    if (m.cmd === 'stop') {
      send({ report: { bytes: 0, records: 0, elapsedMs: 0, cpuUs: 0 } });
      server.close();
      setTimeout(() => process.exit(0), 50).unref();
    }
  });
}

function rawPing(port: number): void {
  const window = new Window();
  const socket: Socket = connect({ host: '127.0.0.1', port, noDelay: true });
  const ping = Buffer.from([1]);
  let sentAt = 0;
  let stopped = false;
  // paced like the runtime's light load: one ping every ~1 ms, so both see the same idle-wakeup costs
  const next = (): void => {
    if (stopped) return;
    sentAt = performance.now();
    socket.write(ping);
  };
  socket.on('data', () => {
    if (window.measuring) window.latency.recordValue(Math.max(1, Math.round((performance.now() - sentAt) * 1000)));
    window.records++;
    setTimeout(next, 1);
  });
  socket.on('connect', next);
  socket.on('error', () => undefined);
  process.on('message', (m: Command) => {
    if (m.cmd === 'mark') window.mark();
    if (m.cmd === 'stop') {
      stopped = true;
      send({ report: { ...window.report(), latencyUs: summarize(window.latency) } });
      socket.destroy();
      setTimeout(() => process.exit(0), 50).unref();
    }
  });
}

async function producer(): Promise<void> {
  const config = resolveConfig(params.config);
  const env = await NetworkEnvironment.start({ config });
  const partition = env.createResultPartition({ numSubpartitions: params.channels });
  const writer = new RecordWriter(partition, createChannelSelector(params.channels > 1 ? 'rebalance' : 'forward', { random: new SeededRandom(7) }), { seed: 1 });
  const body = params.recordBytes - 4;
  let seq = 0;
  let running = false;
  const intervalUs = params.ratePerSec > 0 ? 1e6 / params.ratePerSec : 0;
  let nextDueUs = 0;
  const pump = (): void => {
    if (!running) return;
    const deadline = performance.now() + SLICE_MS;
    for (let n = 1; running; n++) {
      let intended = 0;
      if (intervalUs > 0) {
        const now = systemClock.epochUs();
        if (now < nextDueUs) {
          setTimeout(pump, Math.max(0, Math.floor((nextDueUs - now) / 1000)));
          return;
        }
        intended = nextDueUs;
        nextDueUs += intervalUs;
      }
      // latency runs stamp the actual emit time: (d) measures the data plane, not the source's timer lateness
      const stamp = intervalUs > 0 ? systemClock.epochUs() : intended;
      if (!writer.emit(seq % 1024, seq, 0, stamp, body)) {
        seq++;
        writer.onAvailable(pump);
        return;
      }
      seq++;
      if ((n & 63) === 0 && performance.now() > deadline) {
        setImmediate(pump);
        return;
      }
    }
  };
  send({ ready: true, port: env.dataAddress.port, partitionId: partition.id });
  const window = new Window();
  let markedWrites = 0;
  process.on('message', (m: Command) => {
    if (m.cmd === 'mark') {
      window.mark();
      markedWrites = env.server.socketWrites;
    }
    if (m.cmd === 'start') {
      running = true;
      nextDueUs = systemClock.epochUs();
      pump();
    }
    if (m.cmd === 'stop') {
      running = false;
      send({ report: { ...window.report(), bytes: partition.numBytesOut, records: seq, socketWrites: env.server.socketWrites - markedWrites } });
      void env.stop().finally(() => setTimeout(() => process.exit(0), 50).unref());
    }
  });
}

async function consumer(port: number, partitionId: ResultPartitionId): Promise<void> {
  const config = resolveConfig(params.config);
  const env = await NetworkEnvironment.start({ config });
  const channels = Array.from({ length: params.channels }, (_, i) => ({
    partitionId,
    subpartitionIndex: i,
    producer: { host: '127.0.0.1', port },
  }));
  const gate = env.createInputGate('bench', channels);
  await gate.setup();
  const window = new Window();
  const view = new RecordView();
  const deserializers = channels.map(() => new SpanningRecordDeserializer());
  const latency = params.latency === true;
  let scheduled = false;
  const pump = (): void => {
    scheduled = false;
    const deadline = performance.now() + SLICE_MS;
    for (let buffer = gate.pollNext(); buffer; buffer = gate.pollNext()) {
      if (buffer.dataType !== DataType.DATA_BUFFER) {
        buffer.release();
        continue;
      }
      window.bytes += buffer.size;
      const d = deserializers[gate.lastChannel]!;
      d.setNextBuffer(buffer);
      for (;;) {
        const result = d.getNextRecord(view);
        if (result === DeserializationResult.PARTIAL_RECORD) {
          buffer.release();
          break;
        }
        window.records++;
        if (latency && window.measuring) {
          window.latency.recordValue(Math.max(1, Math.round(systemClock.epochUs() - view.intendedEmitTimeUs)));
        }
        if (result === DeserializationResult.LAST_RECORD_FROM_BUFFER) {
          buffer.release();
          break;
        }
      }
      if (performance.now() > deadline) break;
    }
    if (gate.hasData && !scheduled) {
      scheduled = true;
      setImmediate(pump);
    }
  };
  gate.setDataListener(() => {
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(pump);
    }
  });
  send({ ready: true });
  let markedWrites = 0;
  process.on('message', (m: Command) => {
    if (m.cmd === 'mark') {
      window.mark();
      markedWrites = env.connections.stats.socketWrites;
    }
    if (m.cmd === 'stop') {
      send({ report: { ...window.report(), socketWrites: env.connections.stats.socketWrites - markedWrites } });
      void env.stop().finally(() => setTimeout(() => process.exit(0), 50).unref());
    }
  });
}

async function main(): Promise<void> {
  switch (params.role) {
    case 'raw-source':
      return rawSource();
    case 'raw-pong':
      return rawPong();
    case 'producer':
      return producer();
    default:
      break;
  }
  process.once('message', (m: Command) => {
    if (m.cmd !== 'start') return;
    if (params.role === 'raw-sink') rawSink(m.port!);
    else if (params.role === 'raw-ping') rawPing(m.port!);
    else if (params.role === 'consumer') void consumer(m.port!, m.partitionId!);
  });
  send({ ready: true });
}

process.on('disconnect', () => process.exit(0));
void main();
