export { TimerGauge, METRICS_UPDATE_INTERVAL_MS } from './timer-gauge.js';
export { TaskIoMetrics, type TaskIoMetricsSnapshot } from './task-io-metrics.js';
export { PrometheusExporter, TASK_METRICS, type TaskMetricName, type OptionalTaskMetricName, type TaskMetricsSample, type PoolSample } from './prometheus-exporter.js';
