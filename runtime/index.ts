/** runtime/: flowlab's reference implementation of Flink's network stack. The front door for other layers. */
export * from './buffer/index.js';
export * from './event/index.js';
export * from './partition/index.js';
export * from './partition/selectors/index.js';
export * from './record/index.js';
export * from './writer/index.js';
export * from './network/index.js';
export * from './consumer/index.js';
export * from './throughput/index.js';
export * from './metrics/index.js';
export * from './shuffle/index.js';
export * from './task/index.js';
export { validateJobGraph, presetJobGraph, InvalidJobGraphError, TOPOLOGY_PRESETS, DEFAULT_SOURCE_PARAMS, DEFAULT_FLAT_MAP_PARAMS, DEFAULT_HTTP_SOURCE_PARAMS, type HttpSourceParams, DEFAULT_SLOT_SHARING_GROUP, type JobGraphSpec, type VertexSpec, type EdgeSpec, type SourceParams, type RateSegment, type RecordSizeBucket, type MapParams, type FlatMapParams, type SinkParams, type TopologyPreset, type OperatorKind, type PartitionerKind } from './job/index.js';
export type { Address, TaskState, JobState, TaskMetricsReport, TaskDeployment, SinkReport, HttpSourceReport } from './job/index.js';
export { LocalCluster, type LocalClusterOptions, type TaskManagerInfo, type ProcessInfo } from './cluster/local-cluster.js';
export { JobManagerClient, RestError, type JobDetails, type JobMetrics, type LatencySummary, type CheckpointView, type CheckpointsView, type CheckpointSummaryView, type CheckpointSubtaskView, type CheckpointDetailsView } from './cluster/rest-client.js';
export * from './checkpoint/index.js';
export { CheckpointCoordinator, type CheckpointStats } from './cluster/checkpoint-coordinator.js';
export { TaskManager } from './cluster/task-manager.js';
export { runJobManagerProcess, type JobManagerReadyLine } from './cluster/job-manager-process.js';
export { runTaskManagerProcess, type TaskManagerReadyLine } from './cluster/task-manager-process.js';
export {
  DEFAULT_BIND_HOST,
  InvalidProcessOptionsError,
  isLoopbackHost,
  isWildcardHost,
  parseJobManagerProcessOptions,
  parseTaskManagerProcessOptions,
  type JobManagerProcessOptions,
  type TaskManagerProcessOptions,
} from './cluster/process-options.js';
export { checkNetworkBuffers, requiredBuffersPerTaskManager, taskManagerPlacement } from './cluster/buffer-preflight.js';
export { requiredSlots, slotSharingGroups, NotEnoughSlotsError, type SlotSharingGroup } from './cluster/scheduler.js';
export {
  rawPipe,
  rawPingPong,
  runtimePipe,
  runNetworkBench,
  renderBenchTable,
  judge,
  ratioNoise,
  NETWORK_BENCH_CASES,
  NETWORK_BENCH_TARGETS,
  type BenchOptions,
  type BenchRow,
  type BenchTarget,
  type BenchVerdict,
  type NetworkBenchResult,
  type PipeReport,
} from './bench/network-bench.js';
export * from './security/index.js';
export { runClusterBench, renderClusterBench, type ClusterBenchOptions, type ClusterBenchResult } from './bench/cluster-bench.js';
export { runMemoryBench, renderMemoryBench, MEMORY_MARGIN_BYTES, type MemoryBenchOptions, type MemoryBenchResult } from './bench/memory-bench.js';
export { runCheckpointBench, renderCheckpointBench, DEFAULT_ALIGNED_TIMEOUT_MS, type CheckpointBenchMode, type CheckpointBenchOptions, type CheckpointBenchResult } from './bench/checkpoint-bench.js';
export { runDebloatBench, renderDebloatBench, defaultDebloatCases, type DebloatBenchOptions, type DebloatBenchResult } from './bench/debloat-bench.js';
export { runtimeMicroCases, serializerCase, deserializerCase, spanningDeserializerCase } from './bench/micro-cases.js';
