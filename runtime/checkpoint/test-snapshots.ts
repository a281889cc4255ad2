/**
 * Test support only (not exported from index.ts): random and deterministic snapshots for the tests and the
 * writer fixture.
 */
import fc from 'fast-check';
import type { SubtaskStateSnapshot } from './subtask-state-snapshot.js';

const chunk = fc.uint8Array({ maxLength: 64 });
const chunks = fc.oneof(fc.constant([] as Uint8Array[]), fc.array(chunk, { minLength: 1, maxLength: 6 }));

/** fast-check's records have a null prototype; decoded snapshots are plain objects. */
function plain(s: SubtaskStateSnapshot): SubtaskStateSnapshot {
  return {
    operator: { kind: s.operator.kind, data: s.operator.data },
    inputChannels: s.inputChannels.map(({ gate, channel, chunks }) => ({ gate, channel, chunks: [...chunks] })),
    outputSubpartitions: s.outputSubpartitions.map(({ partition, subpartition, chunks }) => ({ partition, subpartition, chunks: [...chunks] })),
  };
}

/** Random snapshots, including empty ones, empty chunks, channels without chunks and multi-chunk channels. */
export const snapshotArbitrary: fc.Arbitrary<SubtaskStateSnapshot> = fc.record({
  operator: fc.record({ kind: fc.string({ unit: 'grapheme', maxLength: 16 }), data: fc.uint8Array({ maxLength: 512 }) }),
  inputChannels: fc.array(fc.record({ gate: fc.nat(7), channel: fc.nat(1023), chunks }), { maxLength: 4 }),
  outputSubpartitions: fc.array(fc.record({ partition: fc.nat(7), subpartition: fc.nat(1023), chunks }), { maxLength: 4 }),
}).map(plain);

/** A deterministic snapshot of about `chunkCount * chunkBytes * 2` bytes, different per vertex and subtask. */
export function deterministicSnapshot(vertexId: string, subtask: number, chunkBytes: number, chunkCount: number): SubtaskStateSnapshot {
  let seed = subtask + 1;
  for (const ch of vertexId) seed = (seed * 31 + ch.charCodeAt(0)) >>> 0;
  const bytes = (length: number): Uint8Array => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      out[i] = seed >>> 24;
    }
    return out;
  };
  const many = (): Uint8Array[] => Array.from({ length: chunkCount }, () => bytes(chunkBytes));
  return {
    operator: { kind: `${vertexId}-state`, data: bytes(64) },
    inputChannels: [{ gate: 0, channel: subtask, chunks: many() }],
    outputSubpartitions: [{ partition: 0, subpartition: subtask, chunks: many() }],
  };
}
