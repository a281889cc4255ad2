export { PipelinedSubpartition, QueuedBuffer, type BufferAndBacklog, type SubpartitionAvailabilityListener } from './pipelined-subpartition.js';
export { ResultPartition, type ResultPartitionOptions, type ResultPartitionStats } from './result-partition.js';
export { newId16, partitionKey, type ResultPartitionId } from './result-partition-id.js';
