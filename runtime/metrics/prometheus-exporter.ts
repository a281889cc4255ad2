/**
 * A TaskManager's metrics for Prometheus (prom-client), under the names Flink's Prometheus reporter uses:
 * `flink_taskmanager_job_task_<metric>{job_id, task_name, subtask_index, tm_id}` and
 * `flink_taskmanager_Status_Shuffle_Netty_*MemorySegments{tm_id}`. Served on 127.0.0.1 at `/metrics`; values are
 * read from the live tasks at each scrape.
 */
import { Gauge, Registry } from 'prom-client';
import { MetricsHttpServer, ServedExporter } from './metrics-http-server.js';
import { renderLatencyHistogram, type LatencyBucketsSnapshot } from './latency-buckets.js';

/** One task's figures at scrape time. */
export interface TaskMetricsSample {
  jobId: string;
  taskName: string;
  subtaskIndex: number;
  /** Debloat gauges are left out for tasks that do not debloat (sources, or debloating disabled), as in Flink. */
  values: Readonly<Record<Exclude<TaskMetricName, OptionalTaskMetricName>, number> & Partial<Record<OptionalTaskMetricName, number>>>;
  /** A sink's end-to-end latency from the intended emit time (µs), exported as a histogram. */
  endToEndLatency?: LatencyBucketsSnapshot;
}

/** The histogram family of sinks' end-to-end latency (µs); flowlab's own, as Flink has no such metric. */
export const END_TO_END_LATENCY_METRIC = 'flink_taskmanager_job_task_endToEndLatencyUs';

export const TASK_METRICS = {
  numRecordsIn: 'Records read by the task',
  numRecordsOut: 'Records emitted by the task',
  numBytesIn: 'Bytes read from input channels',
  numBytesOut: 'Bytes in finished output buffers',
  numBuffersIn: 'Buffers read from input channels',
  numBuffersOut: 'Finished output buffers',
  backPressuredTimeMsPerSecond: 'ms per second the task was back-pressured (soft + hard)',
  idleTimeMsPerSecond: 'ms per second the task waited for input',
  busyTimeMsPerSecond: 'ms per second the task was busy',
  isBackPressured: '1 while the output is unavailable',
  Shuffle_Netty_Input_Buffers_inPoolUsage: 'Used input buffers / input buffers (exclusive + floating)',
  Shuffle_Netty_Input_Buffers_inputExclusiveBuffersUsage: 'Used exclusive input buffers / exclusive input buffers',
  Shuffle_Netty_Input_Buffers_inputFloatingBuffersUsage: 'Used floating input buffers / floating pool size',
  Shuffle_Netty_Output_Buffers_outPoolUsage: 'Used output buffers / output pool size',
  debloatedBufferSize: 'Buffer size (bytes) the input gate last announced to its producers (buffer debloating)',
  estimatedTimeToConsumeBuffersMs: 'Time (ms) the buffered input takes to consume at the measured throughput (buffer debloating)',
} as const;
export type TaskMetricName = keyof typeof TASK_METRICS;
/** Gauges only tasks that debloat their input have. */
export type OptionalTaskMetricName = 'debloatedBufferSize' | 'estimatedTimeToConsumeBuffersMs';

export interface PoolSample {
  availableSegments: number;
  usedSegments: number;
  totalSegments: number;
}

export interface PrometheusExporterOptions {
  tmId: string;
  host?: string;
  port?: number;
  collect(): { tasks: TaskMetricsSample[]; pool: PoolSample };
}

export class PrometheusExporter extends ServedExporter {
  private readonly registry = new Registry();
  private readonly taskGauges = new Map<TaskMetricName, Gauge>();
  private readonly poolGauges: Record<keyof PoolSample, Gauge>;
  private latencySeries: Array<{ labels: Record<string, string>; snapshot: LatencyBucketsSnapshot }> = [];

  private constructor() {
    super();
    const labelNames = ['job_id', 'task_name', 'subtask_index', 'tm_id'];
    for (const [name, help] of Object.entries(TASK_METRICS) as Array<[TaskMetricName, string]>) {
      this.taskGauges.set(name, new Gauge({ name: `flink_taskmanager_job_task_${name}`, help, labelNames, registers: [this.registry] }));
    }
    const pool = (name: string, help: string): Gauge => new Gauge({ name: `flink_taskmanager_Status_Shuffle_Netty_${name}`, help, labelNames: ['tm_id'], registers: [this.registry] });
    this.poolGauges = {
      availableSegments: pool('AvailableMemorySegments', 'Free network buffers in the global pool'),
      usedSegments: pool('UsedMemorySegments', 'Network buffers in use'),
      totalSegments: pool('TotalMemorySegments', 'Network buffers of this TaskManager'),
    };
  }

  static async start(options: PrometheusExporterOptions): Promise<PrometheusExporter> {
    const exporter = new PrometheusExporter();
    exporter.server = await MetricsHttpServer.start({
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      render: async () => {
        exporter.update(options.tmId, options.collect());
        const text = await exporter.registry.metrics();
        const latency = renderLatencyHistogram(END_TO_END_LATENCY_METRIC, "End-to-end latency (µs) from each record's intended emit time, at the sink", exporter.latencySeries);
        return { contentType: exporter.registry.contentType, text: `${text}${latency}` };
      },
    });
    return exporter;
  }

  private update(tmId: string, sample: { tasks: TaskMetricsSample[]; pool: PoolSample }): void {
    for (const gauge of this.taskGauges.values()) gauge.reset();
    this.latencySeries = [];
    for (const task of sample.tasks) {
      const labels = { job_id: task.jobId, task_name: task.taskName, subtask_index: String(task.subtaskIndex), tm_id: tmId };
      if (task.endToEndLatency) this.latencySeries.push({ labels, snapshot: task.endToEndLatency });
      for (const [name, gauge] of this.taskGauges) {
        const value = task.values[name];
        if (value !== undefined) gauge.set(labels, value);
      }
    }
    for (const [key, gauge] of Object.entries(this.poolGauges) as Array<[keyof PoolSample, Gauge]>) gauge.set({ tm_id: tmId }, sample.pool[key]);
  }
}
