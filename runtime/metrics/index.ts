export { TimerGauge, METRICS_UPDATE_INTERVAL_MS } from './timer-gauge.js';
export { TaskIoMetrics, type TaskIoMetricsSnapshot } from './task-io-metrics.js';
export { PrometheusExporter, TASK_METRICS, END_TO_END_LATENCY_METRIC, type TaskMetricName, type OptionalTaskMetricName, type TaskMetricsSample, type PoolSample } from './prometheus-exporter.js';
export { MetricsHttpServer, type MetricsHttpServerOptions } from './metrics-http-server.js';
export { LatencyBuckets, LATENCY_BUCKET_BOUNDS_US, renderLatencyHistogram, type LatencyBucketsSnapshot } from './latency-buckets.js';
export { JobManagerPrometheusExporter, JOB_METRICS, JOB_STATES, type JobMetricsSample, type JobManagerMetricsSample, type JobManagerPrometheusExporterOptions } from './job-manager-exporter.js';
