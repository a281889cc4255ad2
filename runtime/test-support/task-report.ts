/** A task metrics report with every counter and gauge at zero, for tests; `extra` sets what a test cares about. */
import type { TaskMetricsReport } from '../job/index.js';

export function taskReport(vertexId: string, subtaskIndex: number, operator: TaskMetricsReport['operator'], extra: Partial<TaskMetricsReport> = {}): TaskMetricsReport {
  return {
    vertexId,
    subtaskIndex,
    operator,
    state: 'RUNNING',
    numRecordsIn: 0,
    numRecordsOut: 0,
    numBytesIn: 0,
    numBytesOut: 0,
    numBuffersIn: 0,
    numBuffersOut: 0,
    backPressuredTimeMsPerSecond: 0,
    idleTimeMsPerSecond: 0,
    busyTimeMsPerSecond: 0,
    accumulateBackPressuredTimeMs: 0,
    accumulateIdleTimeMs: 0,
    accumulateBusyTimeMs: 0,
    isBackPressured: false,
    inPoolUsage: 0,
    outPoolUsage: 0,
    inputExclusiveBuffersUsage: 0,
    inputFloatingBuffersUsage: 0,
    ...extra,
  };
}
