import { test } from 'node:test';
import assert from 'node:assert/strict';
import { presetJobGraph, validateJobGraph, type JobGraphSpec } from '../job/index.js';
import { NotEnoughSlotsError, requiredSlots, scheduleJob, slotSharingGroups, type SchedulableTaskManager } from './scheduler.js';

/** `n` TaskManagers `tm-0`… with `slots` slots each (ports 6000 + i). */
function cluster(n: number, slots: number, occupied: Record<string, number[]> = {}): SchedulableTaskManager[] {
  return Array.from({ length: n }, (_, i) => ({
    tmId: `tm-${i}`,
    dataAddress: { host: '127.0.0.1', port: 6000 + i },
    slots,
    occupiedSlots: new Set(occupied[`tm-${i}`] ?? []),
  }));
}

/** source → sink at parallelism 1, each vertex in the given group (undefined: the default group). */
function sourceSink(sourceGroup?: string, sinkGroup?: string): JobGraphSpec {
  const graph = presetJobGraph('source-sink', 1);
  if (sourceGroup) graph.vertices[0]!.slotSharingGroup = sourceGroup;
  if (sinkGroup) graph.vertices[1]!.slotSharingGroup = sinkGroup;
  return validateJobGraph(graph);
}

const placement = (graph: JobGraphSpec, tms: SchedulableTaskManager[]): string[] =>
  scheduleJob(graph, { jobId: 'j', taskManagers: tms }).subtasks.map((s) => `${s.vertexId}/${s.subtaskIndex}@${s.tmId}:${s.slotIndex}`);

test('one slot sharing group: source and sink share a slot and the exchange is a local channel', () => {
  const plan = scheduleJob(sourceSink(), { jobId: 'j', taskManagers: cluster(2, 1) });
  assert.deepEqual(plan.subtasks.map((s) => s.tmId), ['tm-0', 'tm-0']);
  assert.deepEqual(plan.slots, [{ tmId: 'tm-0', slotIndex: 0 }]);
  const sink = plan.deployments.get('tm-0')!.find((t) => t.vertexId === 'sink')!;
  assert.equal(sink.input!.channels[0]!.producerTm, 'tm-0');
});

test('two slot sharing groups on 2 TaskManagers × 1 slot: source on tm-0, sink on tm-1, the sink reads over the network', () => {
  const plan = scheduleJob(sourceSink('a', 'b'), { jobId: 'j', taskManagers: cluster(2, 1), linkOverrides: { 'data-tm-1-tm-0': { host: '10.0.0.9', port: 7000 } } });
  assert.deepEqual(placement(sourceSink('a', 'b'), cluster(2, 1)), ['source/0@tm-0:0', 'sink/0@tm-1:0']);
  assert.deepEqual(plan.slots, [{ tmId: 'tm-0', slotIndex: 0 }, { tmId: 'tm-1', slotIndex: 0 }]);
  assert.deepEqual(plan.deployments.get('tm-0')!.map((t) => t.vertexId), ['source']);
  const [sink] = plan.deployments.get('tm-1')!;
  assert.equal(sink!.vertexId, 'sink');
  assert.equal(sink!.input!.channels[0]!.producerTm, 'tm-0');
  assert.deepEqual(sink!.input!.channels[0]!.address, { host: '10.0.0.9', port: 7000 }, 'a remote channel goes through the link override');
  // a group named "default" explicitly is the default group
  assert.deepEqual(placement(sourceSink('default', undefined), cluster(2, 1)), ['source/0@tm-0:0', 'sink/0@tm-0:0']);
});

test('groups take the interleaved free slots in order of first appearance; subtask i runs in its group\'s i-th slot', () => {
  const graph = presetJobGraph('source-map-sink', 2);
  graph.vertices[0]!.slotSharingGroup = 'a';
  graph.vertices[1]!.slotSharingGroup = 'b';
  graph.vertices[1]!.parallelism = 3;
  graph.vertices[2]!.slotSharingGroup = 'a';
  const valid = validateJobGraph(graph);
  assert.deepEqual(slotSharingGroups(valid), [
    { name: 'a', vertexIds: ['source', 'sink'], slots: 2 },
    { name: 'b', vertexIds: ['map'], slots: 3 },
  ]);
  assert.equal(requiredSlots(valid), 5);
  // interleaved: tm-0:0 tm-1:0 tm-2:0 tm-0:1 tm-1:1 tm-2:1 → a gets the first 2, b the next 3
  assert.deepEqual(placement(valid, cluster(3, 2)), [
    'source/0@tm-0:0',
    'source/1@tm-1:0',
    'map/0@tm-2:0',
    'map/1@tm-0:1',
    'map/2@tm-1:1',
    'sink/0@tm-0:0',
    'sink/1@tm-1:0',
  ]);
  // slots another job holds are skipped
  assert.deepEqual(placement(valid, cluster(3, 2, { 'tm-0': [0] })).slice(0, 3), ['source/0@tm-1:0', 'source/1@tm-2:0', 'map/0@tm-0:1']);
  assert.equal(requiredSlots(validateJobGraph(presetJobGraph('source-map-sink', 4))), 4, 'one group: the largest parallelism');
});

test('NotEnoughSlotsError counts slots per group and says why', () => {
  const graph = presetJobGraph('source-sink', 2);
  graph.vertices[1]!.slotSharingGroup = 'sinks';
  assert.throws(
    () => scheduleJob(validateJobGraph(graph), { jobId: 'j', taskManagers: cluster(3, 1) }),
    (e: unknown) =>
      e instanceof NotEnoughSlotsError &&
      e.requiredSlots === 4 &&
      e.availableSlots === 3 &&
      /needs 4 \(slot sharing groups default=2 \+ sinks=2; each slot sharing group needs its largest vertex parallelism, groups never share a slot\), but only 3 of 3 slots on 3 TaskManager/.test(e.message),
  );
  assert.throws(
    () => scheduleJob(sourceSink(), { jobId: 'j', taskManagers: cluster(1, 1, { 'tm-0': [0] }) }),
    (e: unknown) => e instanceof NotEnoughSlotsError && /needs 1 \(each slot sharing group needs its largest vertex parallelism.*only 0 of 1/.test(e.message),
  );
});
