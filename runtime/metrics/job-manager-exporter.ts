/**
 * The JobManager's metrics for Prometheus (prom-client), under the names Flink's Prometheus reporter uses for the
 * JobManager: `flink_jobmanager_<metric>` (cluster: registered TaskManagers, slots, running jobs) and
 * `flink_jobmanager_job_<metric>{job_id, job_name}` (checkpoint counts and durations, restarts, uptime, one
 * `<state>State` gauge per job state). Served at `/metrics` on its own port, like the TaskManagers'; values are
 * read from the JobManager at each scrape.
 */
import { Gauge, Registry } from 'prom-client';
import { MetricsHttpServer, ServedExporter } from './metrics-http-server.js';

/** Job-scope gauges: Flink's names, plus the alignment and start delay of the last checkpoint (flowlab's own). */
export const JOB_METRICS = {
  uptime: 'ms the job has been running without interruption (0 while not running)',
  downtime: 'ms the job has been failing or restarting since the current outage began (0 while running)',
  numRestarts: 'Restarts since the job was submitted',
  numberOfCompletedCheckpoints: 'Completed checkpoints',
  numberOfFailedCheckpoints: 'Failed checkpoints',
  numberOfInProgressCheckpoints: 'Checkpoints in progress',
  totalNumberOfCheckpoints: 'Checkpoints triggered (completed, failed and in progress)',
  lastCheckpointDuration: 'ms the last completed checkpoint took from trigger to completion',
  lastCheckpointSize: 'Bytes persisted by the last completed checkpoint (state and channel state)',
  lastCheckpointPersistedData: 'Channel-state bytes persisted by the last completed checkpoint (unaligned checkpoints)',
  lastCompletedCheckpointId: 'Id of the last completed checkpoint (-1 before the first)',
  lastCheckpointRestoreTimestamp: 'Epoch ms when the running attempt restored from a checkpoint (-1 if it started from scratch)',
  lastCheckpointAlignmentDuration: "ms the slowest subtask's barrier alignment took in the last completed checkpoint",
  lastCheckpointStartDelay: 'ms from the trigger until the slowest subtask saw the first barrier of the last completed checkpoint',
} as const;
export type JobMetricName = keyof typeof JOB_METRICS;

/** Job states with a `flink_jobmanager_job_<state>State` gauge (1 in that state, else 0), lower camel case as in Flink. */
export const JOB_STATES = ['created', 'running', 'restarting', 'finished', 'failed', 'canceled'] as const;

/** One job's figures at scrape time. */
export interface JobMetricsSample {
  jobId: string;
  jobName: string;
  state: (typeof JOB_STATES)[number];
  values: Readonly<Record<JobMetricName, number>>;
}

/** The JobManager's figures at scrape time. */
export interface JobManagerMetricsSample {
  numRegisteredTaskManagers: number;
  taskSlotsTotal: number;
  taskSlotsAvailable: number;
  numRunningJobs: number;
  jobs: JobMetricsSample[];
}

export interface JobManagerPrometheusExporterOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (chosen by the OS) */
  port?: number;
  collect(): JobManagerMetricsSample;
}

const CLUSTER_METRICS = {
  numRegisteredTaskManagers: 'TaskManagers registered with the JobManager',
  taskSlotsTotal: 'Slots of all registered TaskManagers',
  taskSlotsAvailable: 'Slots not held by an unfinished job',
  numRunningJobs: 'Jobs in state RUNNING',
} as const satisfies Record<Exclude<keyof JobManagerMetricsSample, 'jobs'>, string>;

export class JobManagerPrometheusExporter extends ServedExporter {
  private readonly registry = new Registry();
  private readonly clusterGauges = new Map<keyof typeof CLUSTER_METRICS, Gauge>();
  private readonly jobGauges = new Map<JobMetricName, Gauge>();
  private readonly stateGauges = new Map<(typeof JOB_STATES)[number], Gauge>();

  private constructor() {
    super();
    for (const [name, help] of Object.entries(CLUSTER_METRICS) as Array<[keyof typeof CLUSTER_METRICS, string]>) {
      this.clusterGauges.set(name, new Gauge({ name: `flink_jobmanager_${name}`, help, registers: [this.registry] }));
    }
    const labelNames = ['job_id', 'job_name'];
    for (const [name, help] of Object.entries(JOB_METRICS) as Array<[JobMetricName, string]>) {
      this.jobGauges.set(name, new Gauge({ name: `flink_jobmanager_job_${name}`, help, labelNames, registers: [this.registry] }));
    }
    for (const state of JOB_STATES) {
      this.stateGauges.set(state, new Gauge({ name: `flink_jobmanager_job_${state}State`, help: `1 while the job is ${state.toUpperCase()}, else 0`, labelNames, registers: [this.registry] }));
    }
  }

  static async start(options: JobManagerPrometheusExporterOptions): Promise<JobManagerPrometheusExporter> {
    const exporter = new JobManagerPrometheusExporter();
    exporter.server = await MetricsHttpServer.start({
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      render: async () => {
        exporter.update(options.collect());
        return { contentType: exporter.registry.contentType, text: await exporter.registry.metrics() };
      },
    });
    return exporter;
  }

  private update(sample: JobManagerMetricsSample): void {
    for (const [name, gauge] of this.clusterGauges) gauge.set(sample[name]);
    for (const gauge of [...this.jobGauges.values(), ...this.stateGauges.values()]) gauge.reset();
    for (const job of sample.jobs) {
      const labels = { job_id: job.jobId, job_name: job.jobName };
      for (const [name, gauge] of this.jobGauges) gauge.set(labels, job.values[name]);
      for (const [state, gauge] of this.stateGauges) gauge.set(labels, state === job.state ? 1 : 0);
    }
  }
}
