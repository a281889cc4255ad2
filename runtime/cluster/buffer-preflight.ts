/**
 * Checks before anything starts that every TaskManager has enough network buffers for the subtasks it will run
 * (output pools' minimums, input gates' exclusive and required floating buffers), with the placement the
 * JobManager uses ({@link assignSlots}: slot sharing groups, slots interleaved across TaskManagers) on a fresh
 * cluster of `taskManagers` TaskManagers with `taskmanager.numberOfTaskSlots` slots each.
 */
import { InsufficientBuffersError, type ResolvedConfig } from '../../core/index.js';
import { checkNetworkMemoryFits, inputGateBuffersSpec, numberOfNetworkBuffers, outputPoolSpec } from '../buffer/index.js';
import type { JobGraphSpec } from '../job/index.js';
import { assignSlots, requiredSlots, type SchedulableTaskManager } from './scheduler.js';

/**
 * TaskManager index (0-based, registration order) of every subtask, per vertex id, as the scheduler places `graph` on a
 * fresh cluster of `taskManagers` × `slotsPerTaskManager` slots. With fewer slots than the job needs, places it as
 * if each TaskManager had just enough (the same TaskManagers, since slots interleave); the slot check reports the
 * shortage.
 */
export function taskManagerPlacement(graph: JobGraphSpec, taskManagers: number, slotsPerTaskManager: number): Map<string, number[]> {
  const slots = Math.max(slotsPerTaskManager, Math.ceil(requiredSlots(graph) / taskManagers));
  const cluster: SchedulableTaskManager[] = Array.from({ length: taskManagers }, (_, i) => ({
    tmId: String(i),
    dataAddress: { host: '127.0.0.1', port: 0 },
    slots,
    occupiedSlots: new Set<number>(),
  }));
  const { byVertex } = assignSlots(graph, cluster);
  return new Map([...byVertex].map(([vertexId, refs]) => [vertexId, refs.map((slot) => Number(slot.tmId))]));
}

/** Guaranteed buffers each TaskManager needs for `graph` (index = TaskManager in registration order). */
export function requiredBuffersPerTaskManager(
  graph: JobGraphSpec,
  config: ResolvedConfig,
  taskManagers: number,
  slotsPerTaskManager: number = config['taskmanager.numberOfTaskSlots'],
): number[] {
  const need = new Array<number>(taskManagers).fill(0);
  const byId = new Map(graph.vertices.map((v) => [v.id, v]));
  const placement = taskManagerPlacement(graph, taskManagers, slotsPerTaskManager);
  for (const edge of graph.edges) {
    const from = byId.get(edge.from)!;
    const to = byId.get(edge.to)!;
    const producerTm = placement.get(from.id)!;
    const consumerTm = placement.get(to.id)!;
    const forward = edge.partitioner === 'forward';
    for (let p = 0; p < from.parallelism; p++) {
      need[producerTm[p]!]! += outputPoolSpec(config, forward ? 1 : to.parallelism).min;
    }
    for (let c = 0; c < to.parallelism; c++) {
      const tm = consumerTm[c]!;
      const producers = forward ? [c] : Array.from({ length: from.parallelism }, (_, i) => i);
      const spec = inputGateBuffersSpec(config, producers.length);
      const remote = producers.filter((p) => producerTm[p] !== tm).length;
      need[tm]! += spec.floatingMin + spec.exclusivePerChannel * remote;
    }
  }
  return need;
}

/**
 * Throws Flink's "Insufficient number of network buffers" error (naming the keys to change) if a TaskManager is short.
 * `slotsPerTaskManager` defaults to the config's `taskmanager.numberOfTaskSlots`.
 */
export function checkNetworkBuffers(
  graph: JobGraphSpec,
  config: ResolvedConfig,
  taskManagers: number,
  slotsPerTaskManager: number = config['taskmanager.numberOfTaskSlots'],
): void {
  checkNetworkMemoryFits(config, taskManagers);
  const total = numberOfNetworkBuffers(config);
  const need = requiredBuffersPerTaskManager(graph, config, taskManagers, slotsPerTaskManager);
  const worst = Math.max(...need);
  if (worst > total) throw new InsufficientBuffersError(worst, total, total, config['taskmanager.memory.segment-size']);
}
