/**
 * Scheduling a validated job graph onto TaskManager slots with Flink's slot sharing: a job needs as many slots as
 * its largest vertex parallelism, and subtask i of every vertex runs in the i-th slot. Slots are taken in an order
 * that interleaves TaskManagers (tm0 slot0, tm1 slot0, tm0 slot1, …) so consecutive subtasks land on different
 * TaskManagers. Produces one {@link TaskDeployment} per subtask, wired with result partitions and input channels.
 */
import { FlowlabError } from '../../core/index.js';
import { newId16, type ResultPartitionId } from '../partition/index.js';
import { defaultMaxParallelism } from '../partition/selectors/index.js';
import type { Address, InputChannelDeployment, OutputDeployment, TaskDeployment } from './control-protocol.js';
import type { EdgeSpec, JobGraphSpec, VertexSpec } from './job-graph.js';

/** The job needs more free slots than the registered TaskManagers offer. */
export class NotEnoughSlotsError extends FlowlabError {
  constructor(
    readonly requiredSlots: number,
    readonly availableSlots: number,
    readonly totalSlots: number,
    readonly taskManagers: number,
  ) {
    super(
      'ERR_NOT_ENOUGH_SLOTS',
      `Not enough task slots: the job needs ${requiredSlots} (its largest vertex parallelism, slots are shared), ` +
        `but only ${availableSlots} of ${totalSlots} slots on ${taskManagers} TaskManager(s) are available`,
    );
  }
}

/** What the scheduler needs to know about one registered TaskManager. */
export interface SchedulableTaskManager {
  readonly tmId: string;
  readonly dataAddress: Address;
  readonly slots: number;
  /** Slot indexes already taken by other jobs. */
  readonly occupiedSlots: ReadonlySet<number>;
}

export interface SlotRef {
  readonly tmId: string;
  readonly slotIndex: number;
}

/** One subtask's place: which TaskManager slot it runs in and its execution attempt. */
export interface PlacedSubtask {
  readonly vertexId: string;
  readonly subtaskIndex: number;
  readonly tmId: string;
  readonly slotIndex: number;
  readonly attemptId: string;
}

export interface JobPlan {
  readonly jobId: string;
  /** Slots the job occupies, in subtask order (slot i hosts subtask i of every vertex). */
  readonly slots: readonly SlotRef[];
  readonly subtasks: readonly PlacedSubtask[];
  /** Tasks per TaskManager id, for one `deploy` message each. */
  readonly deployments: ReadonlyMap<string, TaskDeployment[]>;
}

export interface ScheduleOptions {
  jobId: string;
  /** In registration order. */
  taskManagers: readonly SchedulableTaskManager[];
  /**
   * Addresses that replace a producer's data address for one consumer/producer pair (a chaos proxy). Keyed by the
   * proxy name `data-<consumerTmId>-<producerTmId>` (DESIGN.md §2); the bare `<consumerTmId>-<producerTmId>` is
   * accepted too, the `data-` spelling wins when both are present.
   */
  linkOverrides?: Readonly<Record<string, Address>>;
}

/** Free slots in interleaved order: slot 0 of every TaskManager (registration order), then slot 1, … */
export function interleavedFreeSlots(taskManagers: readonly SchedulableTaskManager[]): SlotRef[] {
  const out: SlotRef[] = [];
  const maxSlots = Math.max(0, ...taskManagers.map((tm) => tm.slots));
  for (let slotIndex = 0; slotIndex < maxSlots; slotIndex++) {
    for (const tm of taskManagers) {
      if (slotIndex < tm.slots && !tm.occupiedSlots.has(slotIndex)) out.push({ tmId: tm.tmId, slotIndex });
    }
  }
  return out;
}

/** The address a consumer on `consumerTmId` connects to for data produced on `producerTmId`. */
export function resolveDataAddress(
  consumerTmId: string,
  producerTmId: string,
  producerAddress: Address,
  linkOverrides: Readonly<Record<string, Address>> = {},
): Address {
  const override = linkOverrides[`data-${consumerTmId}-${producerTmId}`] ?? linkOverrides[`${consumerTmId}-${producerTmId}`];
  return override ? { host: override.host, port: override.port } : { host: producerAddress.host, port: producerAddress.port };
}

/** Slots a job needs under slot sharing: its largest vertex parallelism. */
export function requiredSlots(graph: JobGraphSpec): number {
  return Math.max(...graph.vertices.map((v) => v.parallelism));
}

/**
 * Places and wires every subtask of a validated graph. Throws {@link NotEnoughSlotsError} when the free slots do
 * not suffice. Does not send anything.
 */
export function scheduleJob(graph: JobGraphSpec, options: ScheduleOptions): JobPlan {
  const { jobId, taskManagers } = options;
  const needed = requiredSlots(graph);
  const free = interleavedFreeSlots(taskManagers);
  if (free.length < needed) {
    const total = taskManagers.reduce((sum, tm) => sum + tm.slots, 0);
    throw new NotEnoughSlotsError(needed, free.length, total, taskManagers.length);
  }
  const slots = free.slice(0, needed);
  const addressOf = new Map(taskManagers.map((tm) => [tm.tmId, tm.dataAddress]));

  const placed = new Map<string, PlacedSubtask[]>();
  for (const v of graph.vertices) {
    placed.set(
      v.id,
      Array.from({ length: v.parallelism }, (_, i) => {
        const slot = slots[i]!;
        return { vertexId: v.id, subtaskIndex: i, tmId: slot.tmId, slotIndex: slot.slotIndex, attemptId: newId16() };
      }),
    );
  }
  const vertexById = new Map(graph.vertices.map((v) => [v.id, v]));
  // One intermediate data set per edge; partition index = producer subtask, attempt = producer attempt.
  const dataSets = new Map(graph.edges.map((e) => [edgeKey(e), newId16()]));
  const partitionId = (edge: EdgeSpec, producer: PlacedSubtask): ResultPartitionId => ({
    dataSetId: dataSets.get(edgeKey(edge))!,
    partitionIndex: producer.subtaskIndex,
    attemptId: producer.attemptId,
  });
  const maxParallelismFor = (consumer: VertexSpec): number => graph.maxParallelism ?? defaultMaxParallelism(consumer.parallelism);

  const deployments = new Map<string, TaskDeployment[]>();
  const subtasks: PlacedSubtask[] = [];
  for (const v of graph.vertices) {
    const outEdges = graph.edges.filter((e) => e.from === v.id);
    const inEdge = graph.edges.find((e) => e.to === v.id);
    for (const self of placed.get(v.id)!) {
      subtasks.push(self);
      const outputs: OutputDeployment[] = outEdges.map((e) => {
        const consumer = vertexById.get(e.to)!;
        return {
          partitionId: partitionId(e, self),
          numSubpartitions: e.partitioner === 'forward' ? 1 : consumer.parallelism,
          partitioner: e.partitioner,
          maxParallelism: maxParallelismFor(consumer),
          to: consumer.id,
        };
      });
      const task: TaskDeployment = {
        jobId,
        vertexId: v.id,
        operator: v.operator,
        subtaskIndex: self.subtaskIndex,
        parallelism: v.parallelism,
        attemptId: self.attemptId,
        outputs,
      };
      if (v.source) task.source = v.source as TaskDeployment['source'];
      if (v.map) task.map = v.map as TaskDeployment['map'];
      if (v.flatMap) task.flatMap = v.flatMap as TaskDeployment['flatMap'];
      if (v.sink) task.sink = v.sink as TaskDeployment['sink'];
      if (inEdge) {
        const producers = placed.get(inEdge.from)!;
        const forward = inEdge.partitioner === 'forward';
        const channels: InputChannelDeployment[] = (forward ? [producers[self.subtaskIndex]!] : producers).map((p) => ({
          partitionId: partitionId(inEdge, p),
          subpartitionIndex: forward ? 0 : self.subtaskIndex,
          producerTm: p.tmId,
          address: resolveDataAddress(self.tmId, p.tmId, addressOf.get(p.tmId)!, options.linkOverrides),
        }));
        task.input = { from: inEdge.from, channels };
      }
      const list = deployments.get(self.tmId) ?? [];
      list.push(task);
      deployments.set(self.tmId, list);
    }
  }
  return { jobId, slots, subtasks, deployments };
}

function edgeKey(e: EdgeSpec): string {
  return `${e.from}->${e.to}`;
}
