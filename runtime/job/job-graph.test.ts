import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidJobGraphError, presetJobGraph, validateJobGraph, type JobGraphSpec, type SourceParams } from './job-graph.js';

const withSource = (source: Partial<SourceParams>): JobGraphSpec => presetJobGraph('source-sink', 1, source);

/** Asserts the graph is rejected with an error naming `element` and matching `message`. */
function rejects(graph: JobGraphSpec, element: string, message: RegExp): void {
  assert.throws(
    () => validateJobGraph(graph),
    (e: unknown) => e instanceof InvalidJobGraphError && e.element === element && message.test(e.message),
  );
}

test('a rate schedule and a size distribution are kept as validated, without stray fields', () => {
  const rateSchedule = [
    { durationMs: 1000, fromPerSec: 0, toPerSec: 5000 },
    { durationMs: 2000, fromPerSec: 5000, toPerSec: 5000 },
  ];
  const recordSizeDistribution = [
    { min: 28, max: 100, weight: 0.9 },
    { min: 4096, max: 4096, weight: 0.1 },
  ];
  const graph = withSource({ durationMs: 3000, rateSchedule: rateSchedule.map((s) => ({ ...s, note: 'x' })), recordSizeDistribution });
  const source = validateJobGraph(graph).vertices[0]!.source!;
  assert.deepEqual(source.rateSchedule, rateSchedule);
  assert.deepEqual(source.recordSizeDistribution, recordSizeDistribution);
  assert.equal('rateSchedule' in validateJobGraph(withSource({})).vertices[0]!.source!, false, 'absent stays absent');
  // durations may be off by up to 1 ms (the last segment ends at durationMs)
  validateJobGraph(withSource({ durationMs: 3000, rateSchedule: [{ durationMs: 2999.5, fromPerSec: 1, toPerSec: 1 }] }));
});

test('a bad rate schedule names the field', () => {
  const seg = { durationMs: 1000, fromPerSec: 100, toPerSec: 100 };
  const bad = (rateSchedule: unknown, durationMs = 3000): JobGraphSpec => withSource({ durationMs, rateSchedule: rateSchedule as SourceParams['rateSchedule'] });
  rejects(bad([]), 'vertex source', /source\.rateSchedule \[\] must be a non-empty array/);
  rejects(bad('fast'), 'vertex source', /source\.rateSchedule "fast"/);
  rejects(bad([seg, null, seg]), 'vertex source', /source\.rateSchedule\[1\] null must be an object/);
  rejects(bad([seg, seg, { ...seg, toPerSec: -1 }]), 'vertex source', /source\.rateSchedule\[2\]\.toPerSec -1 must be a finite number ≥ 0/);
  rejects(bad([seg, seg, { ...seg, toPerSec: Infinity }]), 'vertex source', /source\.rateSchedule\[2\]\.toPerSec Infinity must be a finite number/);
  rejects(bad([{ ...seg, fromPerSec: '5' }, seg, seg]), 'vertex source', /source\.rateSchedule\[0\]\.fromPerSec "5"/);
  rejects(bad([seg, { ...seg, durationMs: 0 }, seg]), 'vertex source', /source\.rateSchedule\[1\]\.durationMs 0 must be a finite number > 0/);
  rejects(bad([seg, seg]), 'vertex source', /source\.rateSchedule \[1000,1000\] durations sum to 2000 ms but must equal source\.durationMs \(3000 ms\)/);
  rejects(bad([seg, seg, seg], 3002), 'vertex source', /durations sum to 3000 ms/);
});

test('a bad size distribution names the field', () => {
  const bucket = { min: 100, max: 200, weight: 1 };
  const bad = (recordSizeDistribution: unknown): JobGraphSpec => withSource({ recordSizeDistribution: recordSizeDistribution as SourceParams['recordSizeDistribution'] });
  rejects(bad([]), 'vertex source', /source\.recordSizeDistribution \[\] must be a non-empty array/);
  rejects(bad([bucket, { ...bucket, min: 27 }]), 'vertex source', /source\.recordSizeDistribution\[1\]\.min 27 must be an integer in \[28 \(the record header\), 64 MiB\]/);
  rejects(bad([{ ...bucket, min: 100.5 }]), 'vertex source', /recordSizeDistribution\[0\]\.min 100\.5/);
  rejects(bad([{ ...bucket, max: 99 }]), 'vertex source', /source\.recordSizeDistribution\[0\]\.max 99 must be an integer ≥ recordSizeDistribution\[0\]\.min/);
  rejects(bad([{ ...bucket, max: 64 * 1024 * 1024 + 1 }]), 'vertex source', /recordSizeDistribution\[0\]\.max 67108865 .*≤ 64 MiB/);
  rejects(bad([bucket, bucket, { ...bucket, weight: 0 }]), 'vertex source', /source\.recordSizeDistribution\[2\]\.weight 0 must be a finite number > 0/);
  rejects(bad([{ ...bucket, weight: Number.NaN }]), 'vertex source', /recordSizeDistribution\[0\]\.weight NaN/);
});

test('slot sharing groups are names like ids; absent means the default group', () => {
  const graph = presetJobGraph('source-sink', 1);
  graph.vertices[0]!.slotSharingGroup = 'ingest_1';
  assert.equal(validateJobGraph(graph).vertices[0]!.slotSharingGroup, 'ingest_1');
  assert.equal(validateJobGraph(graph).vertices[1]!.slotSharingGroup, undefined);
  for (const name of ['', 'a b', '1st', 'ä']) {
    graph.vertices[1]!.slotSharingGroup = name;
    rejects(graph, 'vertex sink', /slotSharingGroup .* must be a name like "default"/);
  }
  (graph.vertices[1] as { slotSharingGroup: unknown }).slotSharingGroup = 3;
  rejects(graph, 'vertex sink', /slotSharingGroup 3/);
});
