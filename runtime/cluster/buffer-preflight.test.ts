import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InsufficientBuffersError, resolveConfig } from '../../core/index.js';
import { inputGateBuffersSpec, numberOfNetworkBuffers, outputPoolSpec } from '../buffer/index.js';
import { checkNetworkBuffers, requiredBuffersPerTaskManager, taskManagerPlacement } from './buffer-preflight.js';
import { presetJobGraph, validateJobGraph, type JobGraphSpec } from '../job/index.js';
import { scheduleJob, type SchedulableTaskManager } from './scheduler.js';

const config = resolveConfig({ 'taskmanager.numberOfTaskSlots': 1 });

function grouped(preset: Parameters<typeof presetJobGraph>[0], parallelism: number, groups: string[]): JobGraphSpec {
  const graph = presetJobGraph(preset, parallelism);
  graph.vertices.forEach((v, i) => (v.slotSharingGroup = groups[i]));
  return validateJobGraph(graph);
}

test('the preflight places subtasks exactly as the scheduler does on a fresh cluster', () => {
  const graph = grouped('source-map-sink', 3, ['a', 'b', 'a']);
  for (const [taskManagers, slots] of [[2, 3], [3, 2], [4, 2], [6, 1]] as const) {
    const tms: SchedulableTaskManager[] = Array.from({ length: taskManagers }, (_, i) => ({
      tmId: `tm-${i}`,
      dataAddress: { host: '127.0.0.1', port: 1 },
      slots,
      occupiedSlots: new Set(),
    }));
    const plan = scheduleJob(graph, { jobId: 'j', taskManagers: tms });
    const byPreflight = taskManagerPlacement(graph, taskManagers, slots);
    for (const s of plan.subtasks) assert.equal(`tm-${byPreflight.get(s.vertexId)![s.subtaskIndex]}`, s.tmId, `${s.vertexId}/${s.subtaskIndex} on ${taskManagers}×${slots}`);
  }
  // too few slots: placed as if each TaskManager had just enough (the slot check reports the shortage)
  assert.deepEqual(taskManagerPlacement(validateJobGraph(presetJobGraph('source-sink', 4)), 2, 1).get('sink'), [0, 1, 0, 1]);
});

test('a sink in its own slot sharing group needs exclusive buffers for its now remote channel', () => {
  const out = outputPoolSpec(config, 1).min;
  const gate = inputGateBuffersSpec(config, 1);
  assert.deepEqual(requiredBuffersPerTaskManager(grouped('source-sink', 1, ['default', 'default']), config, 2), [out + gate.floatingMin, 0]);
  assert.deepEqual(requiredBuffersPerTaskManager(grouped('source-sink', 1, ['a', 'b']), config, 2), [out, gate.floatingMin + gate.exclusivePerChannel]);
  // the slots per TaskManager come from the config unless given: with 2 slots on one TaskManager both groups fit there
  assert.deepEqual(requiredBuffersPerTaskManager(grouped('source-sink', 1, ['a', 'b']), config, 1, 2), [out + gate.floatingMin]);
});

test('checkNetworkBuffers throws Flink\'s error when a TaskManager is short', () => {
  const tiny = resolveConfig({ 'taskmanager.numberOfTaskSlots': 1, 'taskmanager.memory.network.min': '64kb', 'taskmanager.memory.network.max': '64kb' });
  const total = numberOfNetworkBuffers(tiny);
  const graph = grouped('source-sink', 1, ['a', 'b']);
  const need = requiredBuffersPerTaskManager(graph, tiny, 2);
  assert.ok(Math.max(...need) > total, `the test needs a short TaskManager (${need.join(', ')} of ${total})`);
  assert.throws(() => checkNetworkBuffers(graph, tiny, 2), InsufficientBuffersError);
  checkNetworkBuffers(graph, config, 2);
});
