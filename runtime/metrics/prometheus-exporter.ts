/**
 * A TaskManager's metrics for Prometheus (prom-client), under the names Flink's Prometheus reporter uses:
 * `flink_taskmanager_job_task_<metric>{job_id, task_name, subtask_index, tm_id}` and
 * `flink_taskmanager_Status_Shuffle_Netty_*MemorySegments{tm_id}`. Served on 127.0.0.1 at `/metrics`; values are
 * read from the live tasks at each scrape.
 */
import { createServer, type Server } from 'node:http';
import { Gauge, Registry } from 'prom-client';

/** One task's figures at scrape time. */
export interface TaskMetricsSample {
  jobId: string;
  taskName: string;
  subtaskIndex: number;
  /** Debloat gauges are left out for tasks that do not debloat (sources, or debloating disabled), as in Flink. */
  values: Readonly<Record<Exclude<TaskMetricName, OptionalTaskMetricName>, number> & Partial<Record<OptionalTaskMetricName, number>>>;
}

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

export class PrometheusExporter {
  private readonly registry = new Registry();
  private readonly taskGauges = new Map<TaskMetricName, Gauge>();
  private readonly poolGauges: Record<keyof PoolSample, Gauge>;
  private stopped = false;

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
  ) {
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

  static start(options: PrometheusExporterOptions): Promise<PrometheusExporter> {
    let exporter: PrometheusExporter | undefined;
    const server = createServer((req, res) => {
      if (!exporter || req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      exporter.update(options.tmId, options.collect());
      exporter.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': exporter!.registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
      );
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        const address = server.address();
        if (address === null || typeof address === 'string') {
          reject(new Error('metrics server has no TCP address'));
          return;
        }
        exporter = new PrometheusExporter(server, address.address, address.port);
        resolve(exporter);
      });
    });
  }

  private update(tmId: string, sample: { tasks: TaskMetricsSample[]; pool: PoolSample }): void {
    for (const gauge of this.taskGauges.values()) gauge.reset();
    for (const task of sample.tasks) {
      const labels = { job_id: task.jobId, task_name: task.taskName, subtask_index: String(task.subtaskIndex), tm_id: tmId };
      for (const [name, gauge] of this.taskGauges) {
        const value = task.values[name];
        if (value !== undefined) gauge.set(labels, value);
      }
    }
    for (const [key, gauge] of Object.entries(this.poolGauges) as Array<[keyof PoolSample, Gauge]>) gauge.set({ tm_id: tmId }, sample.pool[key]);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
