export { TimerGauge, METRICS_UPDATE_INTERVAL_MS } from './timer-gauge.js';
export { TaskIoMetrics, type TaskIoMetricsSnapshot } from './task-io-metrics.js';
