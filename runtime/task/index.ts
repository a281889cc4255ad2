export { StreamTask, TASK_SLICE_MS, type TaskContext } from './stream-task.js';
export { SourceTask } from './source-task.js';
export { OneInputTask } from './one-input-task.js';
export { MapProcessor, AggregateProcessor, type RecordProcessor } from './record-processor.js';
export { VerifyingSink } from './verifying-sink.js';
