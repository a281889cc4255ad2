/**
 * The runtime's micro-benchmark cases (`flowlab bench micro`): record serializer and spanning deserializer, frame
 * encode/decode, buffer pools, credit bookkeeping, key-group selection and HDR recording, each through the
 * component's public entry points. Every case checks what its last run produced (see core/micro-case.ts).
 */
import * as hdr from 'hdr-histogram-js';
import { expectMicro, type MicroCase } from '../../core/index.js';
import { DataType, NetworkBuffer, NetworkBufferPool, unpooledBuffer, type BufferRecycler } from '../buffer/index.js';
import { PipelinedSubpartition, QueuedBuffer } from '../partition/index.js';
import { KeyGroupSelector, assignToKeyGroup, computeOperatorIndexForKeyGroup } from '../partition/selectors/index.js';
import { DeserializationResult, RECORD_LENGTH_PREFIX_BYTES, RecordSerializer, RecordView, SpanningRecordDeserializer } from '../record/index.js';
import { BUFFER_RESPONSE_FRAME_OVERHEAD, CreditBasedReader, FrameDecoder, MessageId, writeBufferResponseHeader, type BufferResponseHeader } from '../network/index.js';

const SEGMENT_BYTES = 32_768;
const SOURCE_SUBTASK = 3;
const EMIT_TIME_US = 1_700_000_000_000_000;

/** Key and sequence of record `i` of a batch (distinct per record, so a check notices a record written twice). */
const keyOf = (i: number): number => (i * 7919) % 100_003;

function serializeBatch(serializer: RecordSerializer, target: Buffer, count: number, bodyBytes: number): number {
  let offset = 0;
  for (let i = 0; i < count; i++) offset += serializer.serializeInto(target, offset, keyOf(i), i, SOURCE_SUBTASK, EMIT_TIME_US + i, bodyBytes);
  return offset;
}

/** Reads `count` records of `bodyBytes` from `bytes` and throws unless each has the fields {@link serializeBatch} wrote. */
function checkBatch(name: string, bytes: Buffer, count: number, bodyBytes: number): void {
  const view = new RecordView();
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const length = bytes.readInt32BE(offset);
    expectMicro(name, length === bodyBytes, `record ${i}: length prefix ${length}, expected ${bodyBytes}`);
    view.set(bytes, offset + RECORD_LENGTH_PREFIX_BYTES, length);
    expectMicro(name, view.key === keyOf(i) && view.sequence === i && view.sourceSubtask === SOURCE_SUBTASK, `record ${i}: key ${view.key} sequence ${view.sequence}, expected ${keyOf(i)} and ${i}`);
    offset += RECORD_LENGTH_PREFIX_BYTES + length;
  }
}

/** Serializes `count` records of `bodyBytes` into one segment per run. */
export function serializerCase(bodyBytes: number, name: string): MicroCase {
  const count = Math.floor(SEGMENT_BYTES / (RECORD_LENGTH_PREFIX_BYTES + bodyBytes));
  const serializer = new RecordSerializer({ seed: 1 });
  const target = Buffer.alloc(SEGMENT_BYTES);
  return {
    name,
    operation: `one ${bodyBytes} B record serialized into a network buffer`,
    opsPerRun: count,
    run: () => void serializeBatch(serializer, target, count, bodyBytes),
    check: () => checkBatch(name, target, count, bodyBytes),
  };
}

/** Reads back a segment full of `bodyBytes` records per run. */
export function deserializerCase(bodyBytes: number, name: string): MicroCase {
  const count = Math.floor(SEGMENT_BYTES / (RECORD_LENGTH_PREFIX_BYTES + bodyBytes));
  const segment = Buffer.alloc(SEGMENT_BYTES);
  const size = serializeBatch(new RecordSerializer({ seed: 1 }), segment, count, bodyBytes);
  const buffer = unpooledBuffer(segment.subarray(0, size), DataType.DATA_BUFFER);
  const deserializer = new SpanningRecordDeserializer();
  const view = new RecordView();
  let records = 0;
  let sequenceSum = 0;
  return {
    name,
    operation: `one ${bodyBytes} B record read from a network buffer`,
    opsPerRun: count,
    run: () => {
      records = 0;
      sequenceSum = 0;
      deserializer.setNextBuffer(buffer);
      for (;;) {
        const result = deserializer.getNextRecord(view);
        if (result === DeserializationResult.PARTIAL_RECORD) break;
        records++;
        sequenceSum += view.sequence;
        if (result === DeserializationResult.LAST_RECORD_FROM_BUFFER) break;
      }
    },
    check: () => {
      expectMicro(name, records === count, `read ${records} records, expected ${count}`);
      expectMicro(name, sequenceSum === (count * (count - 1)) / 2, `sequence numbers sum to ${sequenceSum}, expected ${(count * (count - 1)) / 2}`);
    },
  };
}

/** One record whose bytes lie in three buffers, gathered into the spanning buffer per run. */
export function spanningDeserializerCase(name = 'deserializer-spanning-3-buffers'): MicroCase {
  const segmentBytes = 4096;
  const bodyBytes = 2 * segmentBytes + 100;
  const serializer = new RecordSerializer({ seed: 1 });
  const length = serializer.serialize(11, 42, SOURCE_SUBTASK, EMIT_TIME_US, bodyBytes);
  const bytes = serializer.scratch.subarray(0, length);
  const cuts = [segmentBytes - 2, 2 * segmentBytes - 2];
  const pieces = [bytes.subarray(0, cuts[0]), bytes.subarray(cuts[0], cuts[1]), bytes.subarray(cuts[1])];
  const buffers = pieces.map((p) => unpooledBuffer(Buffer.from(p), DataType.DATA_BUFFER));
  const deserializer = new SpanningRecordDeserializer();
  const view = new RecordView();
  let results: number[] = [];
  let got = { key: -1, sequence: -1, bodySize: -1 };
  return {
    name,
    operation: `one ${bodyBytes} B record gathered from 3 buffers of ${segmentBytes} B`,
    opsPerRun: 1,
    run: () => {
      results = [];
      for (const b of buffers) {
        deserializer.setNextBuffer(b);
        results.push(deserializer.getNextRecord(view));
      }
      got = { key: view.key, sequence: view.sequence, bodySize: view.bodySize };
    },
    check: () => {
      const expected = [DeserializationResult.PARTIAL_RECORD, DeserializationResult.PARTIAL_RECORD, DeserializationResult.LAST_RECORD_FROM_BUFFER];
      expectMicro(name, results.join() === expected.join(), `results ${results.join()}, expected ${expected.join()}`);
      expectMicro(name, got.key === 11 && got.sequence === 42 && got.bodySize === bodyBytes, `read key ${got.key} sequence ${got.sequence} size ${got.bodySize}, expected 11, 42, ${bodyBytes}`);
    },
  };
}

const FRAMES_PER_RUN = 64;
const FRAME_PAYLOAD_BYTES = 1024;

/** Writes 64 BufferResponse frames (header + 1 KiB payload) into one chunk per run. */
export function frameEncodeCase(name = 'frame-encode'): MicroCase {
  const receiverId = Buffer.alloc(16, 7);
  const payload = Buffer.alloc(FRAME_PAYLOAD_BYTES, 5);
  const frameBytes = BUFFER_RESPONSE_FRAME_OVERHEAD + FRAME_PAYLOAD_BYTES;
  const out = Buffer.alloc(FRAMES_PER_RUN * frameBytes);
  return {
    name,
    operation: `one BufferResponse frame (${FRAME_PAYLOAD_BYTES} B payload) encoded`,
    opsPerRun: FRAMES_PER_RUN,
    run: () => {
      let offset = 0;
      for (let i = 0; i < FRAMES_PER_RUN; i++) {
        writeBufferResponseHeader(out, offset, receiverId, 0, i, FRAMES_PER_RUN - i, DataType.DATA_BUFFER, FRAME_PAYLOAD_BYTES);
        payload.copy(out, offset + BUFFER_RESPONSE_FRAME_OVERHEAD);
        offset += frameBytes;
      }
    },
    check: () => {
      const decoded = decodeFrames(out);
      expectMicro(name, decoded.length === FRAMES_PER_RUN, `decoded ${decoded.length} frames, expected ${FRAMES_PER_RUN}`);
      decoded.forEach((h, i) => expectMicro(name, h.sequenceNumber === i && h.size === FRAME_PAYLOAD_BYTES, `frame ${i}: sequence ${h.sequenceNumber} size ${h.size}`));
    },
  };
}

function decodeFrames(bytes: Buffer, into: NetworkBuffer = new NetworkBuffer(Buffer.alloc(FRAME_PAYLOAD_BYTES))): Array<{ sequenceNumber: number; size: number }> {
  const frames: Array<{ sequenceNumber: number; size: number }> = [];
  const decoder = new FrameDecoder(
    {
      onBufferResponseHeader: () => into,
      onBufferResponse: (h: BufferResponseHeader) => void frames.push({ sequenceNumber: h.sequenceNumber, size: h.size }),
      onControlMessage: () => undefined,
    },
    'micro',
    SEGMENT_BYTES,
    new Set([MessageId.BUFFER_RESPONSE]),
  );
  try {
    decoder.feed(bytes);
  } catch {
    return frames; // a check reads what decoded before the bad frame
  }
  return frames;
}

/** Decodes 64 BufferResponse frames from one chunk per run, payloads copied into one network buffer. */
export function frameDecodeCase(name = 'frame-decode'): MicroCase {
  const receiverId = Buffer.alloc(16, 7);
  const frameBytes = BUFFER_RESPONSE_FRAME_OVERHEAD + FRAME_PAYLOAD_BYTES;
  const chunk = Buffer.alloc(FRAMES_PER_RUN * frameBytes);
  for (let i = 0; i < FRAMES_PER_RUN; i++) writeBufferResponseHeader(chunk, i * frameBytes, receiverId, 0, i, 0, DataType.DATA_BUFFER, FRAME_PAYLOAD_BYTES);
  const target = new NetworkBuffer(Buffer.alloc(FRAME_PAYLOAD_BYTES));
  let frames = 0;
  let lastSequence = -1;
  const decoder = new FrameDecoder(
    {
      onBufferResponseHeader: () => target,
      onBufferResponse: (h: BufferResponseHeader) => {
        frames++;
        lastSequence = h.sequenceNumber;
      },
      onControlMessage: () => undefined,
    },
    'micro',
    SEGMENT_BYTES,
    new Set([MessageId.BUFFER_RESPONSE]),
  );
  return {
    name,
    operation: `one BufferResponse frame (${FRAME_PAYLOAD_BYTES} B payload) decoded`,
    opsPerRun: FRAMES_PER_RUN,
    run: () => {
      frames = 0;
      lastSequence = -1;
      decoder.feed(chunk);
    },
    check: () => expectMicro(name, frames === FRAMES_PER_RUN && lastSequence === FRAMES_PER_RUN - 1 && decoder.isIdle, `decoded ${frames} frames (last sequence ${lastSequence}), expected ${FRAMES_PER_RUN}`),
  };
}

const BUFFERS_PER_RUN = 64;

/** Takes 64 segments from the global pool and recycles them, per run. */
export function globalPoolCase(name = 'buffer-pool-global'): MicroCase {
  const pool = new NetworkBufferPool({ numBuffers: BUFFERS_PER_RUN * 2, segmentSizeBytes: SEGMENT_BYTES });
  const held: Array<NetworkBuffer | null> = new Array<NetworkBuffer | null>(BUFFERS_PER_RUN).fill(null);
  let taken = 0;
  return {
    name,
    operation: 'one segment requested from the global pool and recycled',
    opsPerRun: BUFFERS_PER_RUN,
    run: () => {
      taken = 0;
      for (let i = 0; i < BUFFERS_PER_RUN; i++) {
        held[i] = pool.requestPooledSegment();
        if (held[i]) taken++;
      }
      for (let i = 0; i < BUFFERS_PER_RUN; i++) if (held[i]) pool.recycle(held[i]!);
    },
    check: () => {
      expectMicro(name, taken === BUFFERS_PER_RUN, `took ${taken} segments, expected ${BUFFERS_PER_RUN}`);
      expectMicro(name, pool.availableSegments === pool.totalSegments, `${pool.totalSegments - pool.availableSegments} segments not recycled`);
    },
    dispose: () => pool.destroy(),
  };
}

/** Requests 64 buffers from a local (output) pool and releases them, per run. */
export function localPoolCase(name = 'buffer-pool-local'): MicroCase {
  const global = new NetworkBufferPool({ numBuffers: BUFFERS_PER_RUN * 2, segmentSizeBytes: SEGMENT_BYTES });
  const pool = global.createBufferPool({ min: BUFFERS_PER_RUN, max: BUFFERS_PER_RUN, numSubpartitions: 4, maxBuffersPerChannel: BUFFERS_PER_RUN, name: 'micro' });
  const held: Array<NetworkBuffer | null> = new Array<NetworkBuffer | null>(BUFFERS_PER_RUN).fill(null);
  let taken = 0;
  return {
    name,
    operation: 'one buffer requested from a local pool and released',
    opsPerRun: BUFFERS_PER_RUN,
    run: () => {
      taken = 0;
      for (let i = 0; i < BUFFERS_PER_RUN; i++) {
        held[i] = pool.requestBuffer(i & 3);
        if (held[i]) taken++;
      }
      for (let i = 0; i < BUFFERS_PER_RUN; i++) held[i]?.release();
    },
    check: () => {
      expectMicro(name, taken === BUFFERS_PER_RUN, `took ${taken} buffers, expected ${BUFFERS_PER_RUN}`);
      const stats = pool.stats;
      expectMicro(name, stats.usedSegments === 0 && pool.isAvailable(), `${stats.usedSegments} buffers still in use after release`);
    },
    dispose: () => {
      global.destroyBufferPool(pool);
      global.destroy();
    },
  };
}

/** Announces 64 credits to a sender-side reader and sends 64 finished buffers against them, per run. */
export function creditCase(name = 'credit-bookkeeping'): MicroCase {
  const recycler: BufferRecycler = { recycle: () => undefined };
  const buffers = Array.from({ length: BUFFERS_PER_RUN }, () => new NetworkBuffer(Buffer.alloc(64)));
  const subpartition = new PipelinedSubpartition(0);
  let wakeUps = 0;
  const reader = new CreditBasedReader('00112233445566778899aabbccddeeff', 0, subpartition, { enqueueAvailableReader: () => void wakeUps++ });
  subpartition.setListener(reader);
  let sent = 0;
  let refused = false;
  return {
    name,
    operation: 'one credit announced and one buffer sent against it',
    opsPerRun: BUFFERS_PER_RUN,
    run: () => {
      sent = 0;
      for (const b of buffers) {
        b.claim(recycler).size = 64;
        subpartition.add(new QueuedBuffer(b, true, true));
      }
      for (let i = 0; i < BUFFERS_PER_RUN; i++) {
        reader.addCredit(1);
        const polled = reader.next();
        if (!polled) break;
        polled.buffer.release();
        sent++;
      }
      refused = reader.next() === null;
    },
    check: () => {
      expectMicro(name, sent === BUFFERS_PER_RUN, `sent ${sent} buffers against ${BUFFERS_PER_RUN} credits`);
      expectMicro(name, reader.credit === 0 && refused, `credit left ${reader.credit}, a send without credit ${refused ? 'refused' : 'allowed'}`);
    },
  };
}

const KEYS_PER_RUN = 1024;

/** Selects the channel of 1,024 keys (murmur hash → key group → channel of 4, 128 key groups), per run. */
export function keyGroupCase(name = 'key-group-selection'): MicroCase {
  const selector = new KeyGroupSelector(128);
  selector.setup(4);
  const channels = new Int32Array(KEYS_PER_RUN).fill(-1);
  return {
    name,
    operation: 'one key mapped to its key group and channel',
    opsPerRun: KEYS_PER_RUN,
    run: () => {
      for (let k = 0; k < KEYS_PER_RUN; k++) channels[k] = selector.selectChannel(k);
    },
    check: () => {
      for (let k = 0; k < KEYS_PER_RUN; k++) {
        const expected = computeOperatorIndexForKeyGroup(128, 4, assignToKeyGroup(k, 128));
        expectMicro(name, channels[k] === expected, `key ${k}: channel ${channels[k]}, expected ${expected}`);
      }
    },
  };
}

const VALUES_PER_RUN = 1024;

/** Records 1,024 latencies into the sink's kind of HDR histogram (1 µs … 1 h, 3 digits), per run. */
export function hdrRecordCase(name = 'hdr-record'): MicroCase {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  const values = Float64Array.from({ length: VALUES_PER_RUN }, (_, i) => 50 + ((i * 7919) % 20_000));
  let before = 0;
  return {
    name,
    operation: 'one latency recorded into an HDR histogram',
    opsPerRun: VALUES_PER_RUN,
    run: () => {
      before = histogram.totalCount;
      for (let i = 0; i < VALUES_PER_RUN; i++) histogram.recordValue(values[i]!);
    },
    check: () => expectMicro(name, histogram.totalCount - before === VALUES_PER_RUN, `the histogram grew by ${histogram.totalCount - before}, expected ${VALUES_PER_RUN}`),
    dispose: () => histogram.destroy(),
  };
}

/** Every runtime case, in a stable order. */
export function runtimeMicroCases(): MicroCase[] {
  return [
    serializerCase(100, 'serializer-100b'),
    serializerCase(1024, 'serializer-1kib'),
    deserializerCase(100, 'deserializer-100b'),
    deserializerCase(1024, 'deserializer-1kib'),
    spanningDeserializerCase(),
    frameEncodeCase(),
    frameDecodeCase(),
    globalPoolCase(),
    localPoolCase(),
    creditCase(),
    keyGroupCase(),
    hdrRecordCase(),
  ];
}
