/**
 * Test helpers: a producer and a consumer network environment on 127.0.0.1 with real sockets, and a pump that
 * drains an input gate. Used by the runtime's tests only.
 */
import { pollUntil, resolveConfig, type ConfigInput } from '../../core/index.js';
import { DataType, type NetworkBuffer } from '../buffer/index.js';
import type { SingleInputGate } from '../consumer/index.js';
import { newId16, type ResultPartition, type ResultPartitionId } from '../partition/index.js';
import type { TaskDeployment } from '../job/index.js';
import { NetworkEnvironment } from '../shuffle/index.js';

export interface Pair {
  producer: NetworkEnvironment;
  consumer: NetworkEnvironment;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startPair(config: ConfigInput = {}, consumerConfig: ConfigInput = config): Promise<Pair> {
  const base = { 'taskmanager.memory.network.min': '16mb', 'taskmanager.memory.network.max': '16mb' };
  const producer = await NetworkEnvironment.start({ config: resolveConfig({ ...base, ...config }) });
  const consumer = await NetworkEnvironment.start({ config: resolveConfig({ ...base, ...consumerConfig }) });
  return {
    producer,
    consumer,
    async [Symbol.asyncDispose]() {
      await consumer.stop();
      await producer.stop();
    },
  };
}

/** A gate in `consumer` reading every subpartition of `partition` (one channel per subpartition). */
export async function connectGate(pair: Pair, partition: ResultPartition, name = 'gate'): Promise<SingleInputGate> {
  const gate = pair.consumer.createInputGate(
    name,
    partition.subpartitions.map((s) => ({ partitionId: partition.id, subpartitionIndex: s.index, producer: pair.producer.dataAddress })),
  );
  await gate.setup();
  return gate;
}

export interface Drained {
  /** Data bytes per channel, concatenated in arrival order. */
  data: Buffer[];
  events: Array<{ channel: number; type: DataType; bytes: Buffer }>;
}

/**
 * Polls the gate until `until` says stop or `timeoutMs` passes; copies data and events out and releases every
 * buffer (unless `hold` keeps it).
 */
export function drain(
  gate: SingleInputGate,
  until: (d: Drained) => boolean,
  options: { timeoutMs?: number; hold?: (b: NetworkBuffer, channel: number) => boolean } = {},
): Promise<Drained> {
  const parts: Buffer[][] = gate.channels.map(() => []);
  const drained: Drained = { data: [], events: [] };
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const ticker = setInterval(() => pump(), 20);
    const timer = setTimeout(() => {
      clearInterval(ticker);
      gate.setDataListener(undefined);
      reject(new Error(`drain timed out after ${timeoutMs} ms; got ${JSON.stringify(parts.map((p) => Buffer.concat(p).length))} bytes`));
    }, timeoutMs);
    const pump = (): void => {
      for (let b = gate.pollNext(); b; b = gate.pollNext()) {
        const channel = gate.lastChannel;
        if (b.dataType === DataType.DATA_BUFFER) parts[channel]!.push(Buffer.from(b.segment.subarray(0, b.size)));
        else drained.events.push({ channel, type: b.dataType, bytes: Buffer.from(b.segment.subarray(0, b.size)) });
        if (!options.hold?.(b, channel)) b.release();
      }
      drained.data = parts.map((p) => Buffer.concat(p));
      if (until(drained)) {
        clearTimeout(timer);
        clearInterval(ticker);
        gate.setDataListener(undefined);
        resolve(drained);
      }
    };
    gate.setDataListener(() => setImmediate(pump));
    pump();
  });
}

/** Resolves when `predicate` holds, polling every few ms, or rejects after `timeoutMs`. */
export async function eventually(predicate: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  await pollUntil(what, predicate, { timeoutMs, intervalMs: 5 });
}

/** `[len:i32][bytes]` records filled with a recognizable pattern. */
export function lengthPrefixed(bodyLength: number, fill: number): Buffer {
  const b = Buffer.alloc(4 + bodyLength, fill);
  b.writeInt32BE(bodyLength, 0);
  return b;
}

/** A single sink subtask on the consumer of `pair`, reading subpartition 0 of each of `partitionIds` on the producer. */
export function sinkDeployment(pair: Pair, partitionIds: readonly ResultPartitionId[]): TaskDeployment {
  return {
    jobId: 'j',
    vertexId: 'sink',
    operator: 'sink',
    subtaskIndex: 0,
    parallelism: 1,
    attemptId: newId16(),
    outputs: [],
    input: { from: 'source', channels: partitionIds.map((id) => ({ partitionId: id, subpartitionIndex: 0, producerTm: 'tm-a', address: pair.producer.dataAddress })) },
  };
}
