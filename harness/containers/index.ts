/** harness/containers/: the container deployers and the observability files shipped for them (Prometheus, Grafana). */
import { registerDeployer } from '../deploy/index.js';
import { containersDeployer } from './container-deployment.js';
import { composeDeployer } from './compose-deployment.js';

// the container deployers join the Deployer seam's table (harness/deploy/deployers.ts)
registerDeployer(containersDeployer);
registerDeployer(composeDeployer);

export { SHIPPED_FILES, PACKAGE_ROOT } from './shipped-files.js';
export { loadDashboard, parseDashboard, dashboardQueries, expandQuery, InvalidDashboardError, type Dashboard, type DashboardQuery, type DashboardVariables } from './dashboard.js';
export { rewriteScrapeConfig, ScrapeConfigError, JOBMANAGER_SCRAPE_JOB, TASKMANAGER_SCRAPE_JOB, type ScrapeTargets } from './prometheus-config.js';
export { PrometheusServer, PrometheusNotFoundError, PromQLError, findPrometheusBinary, PROMETHEUS_BINARY_ENV, type PromSample, type PromTarget, type PrometheusServerOptions } from './prometheus-server.js';
export { loadComposeFile, parseComposeFile, interpolate, serviceEnvironment, publishedPorts, serviceCommand, InvalidComposeFileError, type ComposeFile, type ComposeService, type PublishedPort } from './compose-project.js';
export {
  jobManagerSpec,
  taskManagerSpec,
  propertiesText,
  flowlabImage,
  UnsupportedInContainersError,
  FLOWLAB_IMAGE_ENV,
  BUILT_IMAGE_NAME,
  TOXIPROXY_IMAGE,
  TOXIPROXY_ALIAS,
  JOBMANAGER_ALIAS,
  CONTAINER_PORTS,
  CHECKPOINT_MOUNT,
  type ContainerSpec,
  type SpecOptions,
} from './container-specs.js';
export { dockerEngineUnavailableReason, dockerComposeUnavailableReason } from './docker-engine.js';
export { demuxDockerLogs, describeExitStatus } from './docker-logs.js';
export { containersDeployer, ContainerDeployment, ContainerChaos } from './container-deployment.js';
export { composeDeployer, ComposeDeployment, ComposeChaos, composeEnvironment, COMPOSE_PROJECT } from './compose-deployment.js';
