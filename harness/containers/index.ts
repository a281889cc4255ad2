/** harness/containers/: the container deployers and the observability files shipped for them (Prometheus, Grafana). */
export { SHIPPED_FILES, PACKAGE_ROOT } from './shipped-files.js';
export { loadDashboard, parseDashboard, dashboardQueries, expandQuery, InvalidDashboardError, type Dashboard, type DashboardQuery, type DashboardVariables } from './dashboard.js';
export { rewriteScrapeConfig, ScrapeConfigError, JOBMANAGER_SCRAPE_JOB, TASKMANAGER_SCRAPE_JOB, type ScrapeTargets } from './prometheus-config.js';
export { PrometheusServer, PrometheusNotFoundError, PromQLError, findPrometheusBinary, PROMETHEUS_BINARY_ENV, type PromSample, type PromTarget, type PrometheusServerOptions } from './prometheus-server.js';
