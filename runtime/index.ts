/** runtime/: flowlab's reference implementation of Flink's network stack. The front door for other layers. */
export * from './buffer/index.js';
export * from './event/index.js';
export * from './partition/index.js';
export * from './partition/selectors/index.js';
export * from './record/index.js';
export * from './writer/index.js';
export * from './network/index.js';
export * from './consumer/index.js';
export * from './metrics/index.js';
export * from './shuffle/index.js';
export * from './task/index.js';
export { validateJobGraph, presetJobGraph, InvalidJobGraphError, TOPOLOGY_PRESETS, DEFAULT_SOURCE_PARAMS, type JobGraphSpec, type VertexSpec, type EdgeSpec, type SourceParams, type MapParams, type TopologyPreset, type OperatorKind, type PartitionerKind } from './cluster/job-graph.js';
export type { Address, TaskState, JobState, TaskMetricsReport, TaskDeployment, SinkReport } from './cluster/control-protocol.js';
export { LocalCluster, type LocalClusterOptions, type TaskManagerInfo, type ProcessInfo } from './cluster/local-cluster.js';
export { JobManagerClient, RestError, type JobDetails, type JobMetrics, type LatencySummary } from './cluster/rest-client.js';
export { TaskManager } from './cluster/task-manager.js';
export { checkNetworkBuffers, requiredBuffersPerTaskManager } from './cluster/buffer-preflight.js';
export { rawPipe, rawPingPong, runtimePipe, runNetworkBench, renderBenchTable, type BenchOptions, type BenchRow, type NetworkBenchResult } from './bench/network-bench.js';
