export { StreamTask, TaskRestoreError, TASK_SLICE_MS, type TaskContext, type TaskCheckpoint } from './stream-task.js';
export { CheckpointBarrierHandler, type AlignmentResult, type BarrierHandlerActions } from './checkpoint-barrier-handler.js';
export { StateWriter, StateReader, StateFormatError } from './operator-state.js';
export { SourceTask } from './source-task.js';
export { RateSchedule } from './rate-schedule.js';
export { RecordSizeSampler } from './record-size-sampler.js';
export { OneInputTask } from './one-input-task.js';
export { MapProcessor, FlatMapProcessor, AggregateProcessor, type RecordProcessor } from './record-processor.js';
export { VerifyingSink } from './verifying-sink.js';
