/**
 * What the JobManager's Prometheus exporter reads at each scrape, taken from the JobManager's REST views (overview,
 * jobs, job details, checkpoints), so the exporter sees exactly what `GET /jobs/:id` and `/checkpoints` show.
 */
import type { JobState } from '../job/index.js';
import { JOB_STATES, JobManagerPrometheusExporter, type JobManagerMetricsSample, type JobMetricsSample } from '../metrics/index.js';
import type { CheckpointStats, CheckpointsSnapshot } from './checkpoint-coordinator.js';
import type { JobDetails } from './job-execution.js';
import type { JobManagerOverview } from './rest-contract.js';

/** The JobManager's views the metrics are computed from. */
export interface JobManagerMetricsSource {
  overview(): JobManagerOverview;
  listJobs(): { jobs: { id: string }[] };
  jobDetails(jobId: string): JobDetails;
  jobCheckpoints(jobId: string): CheckpointsSnapshot;
}

function stateName(state: JobState): JobMetricsSample['state'] {
  const name = state.toLowerCase();
  const known = JOB_STATES.find((s) => s === name);
  if (known === undefined) throw new Error(`job state ${state} has no metric`);
  return known;
}

/** The job's figures at `nowMs` (epoch ms). */
export function jobMetricsSample(details: JobDetails, checkpoints: CheckpointsSnapshot, nowMs: number): JobMetricsSample {
  const attempt = details.attempts.at(-1);
  const lastFailure = details.failureHistory.at(-1);
  const completed: CheckpointStats | undefined = checkpoints.history.find((c) => c.status === 'COMPLETED');
  return {
    jobId: details.jobId,
    jobName: details.name,
    state: stateName(details.state),
    values: {
      uptime: details.state === 'RUNNING' ? Math.max(0, nowMs - (attempt?.startTimeMs ?? details.startTimeMs)) : 0,
      downtime: details.state === 'RESTARTING' && lastFailure ? Math.max(0, nowMs - lastFailure.timestampMs) : 0,
      numRestarts: details.restarts,
      numberOfCompletedCheckpoints: checkpoints.counts.completed,
      numberOfFailedCheckpoints: checkpoints.counts.failed,
      numberOfInProgressCheckpoints: checkpoints.counts.inProgress,
      totalNumberOfCheckpoints: checkpoints.counts.completed + checkpoints.counts.failed + checkpoints.counts.inProgress,
      lastCheckpointDuration: completed?.durationMs ?? 0,
      lastCheckpointSize: completed ? completed.stateBytes + completed.persistedChannelStateBytes : 0,
      lastCheckpointPersistedData: completed?.persistedChannelStateBytes ?? 0,
      lastCompletedCheckpointId: completed?.id ?? -1,
      lastCheckpointRestoreTimestamp: attempt && attempt.restoredFromCheckpoint !== null ? attempt.startTimeMs : -1,
      lastCheckpointAlignmentDuration: completed?.maxAlignmentDurationMs ?? 0,
      lastCheckpointStartDelay: completed?.maxStartDelayMs ?? 0,
    },
  };
}

/** The whole JobManager's figures at `nowMs` (epoch ms). */
export function jobManagerMetricsSample(source: JobManagerMetricsSource, nowMs: number): JobManagerMetricsSample {
  const overview = source.overview();
  return {
    numRegisteredTaskManagers: overview.taskmanagers,
    taskSlotsTotal: overview.slotsTotal,
    taskSlotsAvailable: overview.slotsAvailable,
    numRunningJobs: overview.jobs.RUNNING,
    jobs: source.listJobs().jobs.map((job) => jobMetricsSample(source.jobDetails(job.id), source.jobCheckpoints(job.id), nowMs)),
  };
}

/** Starts the JobManager's `/metrics` endpoint on `host:port` (0: chosen by the OS). */
export function startJobManagerMetrics(source: JobManagerMetricsSource, host: string, port: number, epochMs: () => number): Promise<JobManagerPrometheusExporter> {
  return JobManagerPrometheusExporter.start({ host, port, collect: () => jobManagerMetricsSample(source, epochMs()) });
}
