/**
 * Scheduling a validated job graph onto TaskManager slots with Flink's slot sharing groups: vertices of one group
 * share slots (the group needs as many as its largest vertex parallelism, and subtask i of each of its vertices runs
 * in the group's i-th slot); different groups never share a slot, so a job needs the sum over its groups. Free
 * slots are taken in an order that interleaves TaskManagers (tm0 slot0, tm1 slot0, tm0 slot1, …), each group in order
 * of first appearance taking the next ones, so consecutive subtasks land on different TaskManagers. Produces one
 * {@link TaskDeployment} per subtask, wired with result partitions and input channels.
 */
import { FlowlabError } from '../../core/index.js';
import { newId16, type ResultPartitionId } from '../partition/index.js';
import { defaultMaxParallelism } from '../partition/selectors/index.js';
import { type Address, type InputChannelDeployment, type OutputDeployment, type TaskDeployment, DEFAULT_SLOT_SHARING_GROUP, type EdgeSpec, type JobGraphSpec, type VertexSpec } from '../job/index.js';

/** The job needs more free slots than the registered TaskManagers offer. */
export class NotEnoughSlotsError extends FlowlabError {
  constructor(
    readonly requiredSlots: number,
    readonly availableSlots: number,
    readonly totalSlots: number,
    readonly taskManagers: number,
    /** The job's slot sharing groups with the slots each needs. */
    readonly groups: readonly SlotSharingGroup[] = [],
  ) {
    super(
      'ERR_NOT_ENOUGH_SLOTS',
      `Not enough task slots: the job needs ${requiredSlots} (${describeGroups(groups)}), ` +
        `but only ${availableSlots} of ${totalSlots} slots on ${taskManagers} TaskManager(s) are available`,
    );
  }
}

function describeGroups(groups: readonly SlotSharingGroup[]): string {
  const rule = 'each slot sharing group needs its largest vertex parallelism, groups never share a slot';
  return groups.length <= 1 ? rule : `slot sharing groups ${groups.map((g) => `${g.name}=${g.slots}`).join(' + ')}; ${rule}`;
}

/** A slot sharing group of a job: its name, its vertices, and the slots it needs (their largest parallelism). */
export interface SlotSharingGroup {
  readonly name: string;
  readonly vertexIds: readonly string[];
  readonly slots: number;
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
  /** Slots the job occupies: each slot sharing group's slots in group order, within a group in subtask order. */
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

/** The slot sharing groups of a graph in order of first appearance among its vertices. */
export function slotSharingGroups(graph: JobGraphSpec): SlotSharingGroup[] {
  const groups = new Map<string, { name: string; vertexIds: string[]; slots: number }>();
  for (const v of graph.vertices) {
    const name = v.slotSharingGroup ?? DEFAULT_SLOT_SHARING_GROUP;
    const group = groups.get(name) ?? { name, vertexIds: [], slots: 0 };
    group.vertexIds.push(v.id);
    group.slots = Math.max(group.slots, v.parallelism);
    groups.set(name, group);
  }
  return [...groups.values()];
}

/** Slots a job needs: per slot sharing group its largest vertex parallelism, summed over the groups. */
export function requiredSlots(graph: JobGraphSpec): number {
  return slotSharingGroups(graph).reduce((sum, g) => sum + g.slots, 0);
}

/** Where every subtask of a job runs. */
export interface SlotAssignment {
  /** Slots the job occupies, group by group (see {@link JobPlan.slots}). */
  readonly slots: readonly SlotRef[];
  /** Per vertex id, the slot of each subtask (index = subtask index). */
  readonly byVertex: ReadonlyMap<string, readonly SlotRef[]>;
}

/**
 * The placement rule, shared by the scheduler and the buffer preflight: each slot sharing group (in order of first
 * appearance) takes the next `group.slots` free slots in interleaved order, and subtask i of a vertex runs in its
 * group's i-th slot. Throws {@link NotEnoughSlotsError} when the free slots do not suffice.
 */
export function assignSlots(graph: JobGraphSpec, taskManagers: readonly SchedulableTaskManager[]): SlotAssignment {
  const groups = slotSharingGroups(graph);
  const needed = groups.reduce((sum, g) => sum + g.slots, 0);
  const free = interleavedFreeSlots(taskManagers);
  if (free.length < needed) {
    const total = taskManagers.reduce((sum, tm) => sum + tm.slots, 0);
    throw new NotEnoughSlotsError(needed, free.length, total, taskManagers.length, groups);
  }
  const firstSlotOf = new Map<string, number>();
  let next = 0;
  for (const group of groups) {
    firstSlotOf.set(group.name, next);
    next += group.slots;
  }
  const byVertex = new Map<string, SlotRef[]>();
  for (const v of graph.vertices) {
    const first = firstSlotOf.get(v.slotSharingGroup ?? DEFAULT_SLOT_SHARING_GROUP)!;
    byVertex.set(v.id, free.slice(first, first + v.parallelism));
  }
  return { slots: free.slice(0, needed), byVertex };
}

/**
 * Places and wires every subtask of a validated graph. Throws {@link NotEnoughSlotsError} when the free slots do
 * not suffice. Does not send anything.
 */
export function scheduleJob(graph: JobGraphSpec, options: ScheduleOptions): JobPlan {
  const { jobId, taskManagers } = options;
  const { slots, byVertex } = assignSlots(graph, taskManagers);
  const addressOf = new Map(taskManagers.map((tm) => [tm.tmId, tm.dataAddress]));

  const placed = new Map<string, PlacedSubtask[]>();
  for (const v of graph.vertices) {
    placed.set(
      v.id,
      byVertex.get(v.id)!.map((slot, i) => ({ vertexId: v.id, subtaskIndex: i, tmId: slot.tmId, slotIndex: slot.slotIndex, attemptId: newId16() })),
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
        ...(graph.seed !== undefined ? { seed: graph.seed } : {}),
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
