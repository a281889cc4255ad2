/**
 * Checks before anything starts that every TaskManager has enough network buffers for the subtasks it will run
 * (output pools' minimums, input gates' exclusive and required floating buffers), with the placement the
 * JobManager uses (subtask i of every vertex in slot i, slots interleaved across TaskManagers).
 */
import { InsufficientBuffersError, type ResolvedConfig } from '../../core/index.js';
import { inputGateBuffersSpec, numberOfNetworkBuffers, outputPoolSpec } from '../buffer/index.js';
import type { JobGraphSpec } from './job-graph.js';

/** TaskManager index of subtask `i` (slot order tm0 s0, tm1 s0, tm0 s1, …). */
export function taskManagerOf(subtaskIndex: number, taskManagers: number): number {
  return subtaskIndex % taskManagers;
}

/** Guaranteed buffers each TaskManager needs for `graph`. */
export function requiredBuffersPerTaskManager(graph: JobGraphSpec, config: ResolvedConfig, taskManagers: number): number[] {
  const need = new Array<number>(taskManagers).fill(0);
  const byId = new Map(graph.vertices.map((v) => [v.id, v]));
  for (const edge of graph.edges) {
    const from = byId.get(edge.from)!;
    const to = byId.get(edge.to)!;
    const forward = edge.partitioner === 'forward';
    for (let p = 0; p < from.parallelism; p++) {
      need[taskManagerOf(p, taskManagers)]! += outputPoolSpec(config, forward ? 1 : to.parallelism).min;
    }
    for (let c = 0; c < to.parallelism; c++) {
      const tm = taskManagerOf(c, taskManagers);
      const producers = forward ? [c] : Array.from({ length: from.parallelism }, (_, i) => i);
      const spec = inputGateBuffersSpec(config, producers.length);
      const remote = producers.filter((p) => taskManagerOf(p, taskManagers) !== tm).length;
      need[tm]! += spec.floatingMin + spec.exclusivePerChannel * remote;
    }
  }
  return need;
}

/** Throws Flink's "Insufficient number of network buffers" error (naming the keys to change) if a TaskManager is short. */
export function checkNetworkBuffers(graph: JobGraphSpec, config: ResolvedConfig, taskManagers: number): void {
  const total = numberOfNetworkBuffers(config);
  const need = requiredBuffersPerTaskManager(graph, config, taskManagers);
  const worst = Math.max(...need);
  if (worst > total) throw new InsufficientBuffersError(worst, total, total, config['taskmanager.memory.segment-size']);
}
