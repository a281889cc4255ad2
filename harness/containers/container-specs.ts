/**
 * What `--deploy containers` starts, as data: one container spec per process of the flowlab image on a dedicated
 * network, each process configured through `flowlab jobmanager` / `flowlab taskmanager` and their FLOWLAB_*
 * variables, and the real Toxiproxy next to them. The deployer hands these to testcontainers; tests check them here.
 */
import { FlowlabError, describeNonDefaults, type ResolvedConfig } from '../../core/index.js';
import type { Address } from '../../runtime/index.js';

/** Names the flowlab image to run instead of building it from the Dockerfile. */
export const FLOWLAB_IMAGE_ENV = 'FLOWLAB_IMAGE';
/** The tag an image built from the Dockerfile gets. */
export const BUILT_IMAGE_NAME = 'flowlab:local';
export const TOXIPROXY_IMAGE = 'ghcr.io/shopify/toxiproxy:2.9.0';
/** Network alias of the Toxiproxy container: chaos proxies listen on it. */
export const TOXIPROXY_ALIAS = 'toxiproxy';
export const JOBMANAGER_ALIAS = 'jobmanager';

/** Fixed ports inside each container (each container has its own address, so they never collide). */
export const CONTAINER_PORTS = { rest: 8081, rpc: 6123, data: 6121, metrics: 9249, toxiproxyApi: 8474 } as const;
/** Where the shared checkpoint directory is mounted in every flowlab container. */
export const CHECKPOINT_MOUNT = '/checkpoints';

/** Keys the commands take from their own variables (FLOWLAB_REST_PORT, FLOWLAB_DATA_PORT) or that the mount replaces. */
const KEYS_SET_BY_THE_DEPLOYER = new Set(['rest.port', 'taskmanager.data.port', 'execution.checkpointing.dir']);

export interface ContainerSpec {
  /** The process id in the run: `jobmanager`, `tm-0`, …; also its network alias. */
  id: string;
  image: string;
  command: string[];
  environment: Record<string, string>;
  networkAliases: string[];
  /** Container ports published to the harness (on a random host port). */
  exposedPorts: number[];
  bindMounts: Array<{ source: string; target: string; mode: 'rw' | 'ro' }>;
  /** A line the process prints once ready (its JSON ready line). */
  readyLog: RegExp;
  labels: Record<string, string>;
}

/** The run's Flink keys as `FLOWLAB_PROPERTIES` text (`key: value` lines), without the keys the deployer sets. */
export function propertiesText(config: ResolvedConfig): string {
  const lines = Object.entries(describeNonDefaults(config))
    .filter(([key]) => !KEYS_SET_BY_THE_DEPLOYER.has(key))
    .map(([key, value]) => `${key}: ${value}`);
  lines.push(`execution.checkpointing.dir: ${CHECKPOINT_MOUNT}`);
  return `${lines.join('\n')}\n`;
}

/** A configuration the containers cannot carry; the message names the key. */
export class UnsupportedInContainersError extends FlowlabError {
  constructor(
    readonly key: string,
    why: string,
  ) {
    super('ERR_UNSUPPORTED_IN_CONTAINERS', `--deploy containers: ${key}: ${why}`);
  }
}

export interface SpecOptions {
  image: string;
  config: ResolvedConfig;
  /** Host directory mounted at {@link CHECKPOINT_MOUNT} in every flowlab container. */
  checkpointDir: string;
  /** Label every container and the network carry, so a run's leftovers can be found. */
  runId: string;
}

function checkSupported(config: ResolvedConfig): void {
  if (config['security.ssl.internal.enabled']) {
    throw new UnsupportedInContainersError('security.ssl.internal.enabled', 'internal TLS needs keystores inside the containers, which this deployer does not mount yet; run without it or use --deploy local');
  }
}

function common(options: SpecOptions, id: string): Pick<ContainerSpec, 'id' | 'image' | 'networkAliases' | 'bindMounts' | 'labels'> {
  return {
    id,
    image: options.image,
    networkAliases: [id],
    bindMounts: [{ source: options.checkpointDir, target: CHECKPOINT_MOUNT, mode: 'rw' }],
    labels: { 'org.flowlab.run': options.runId, 'org.flowlab.process': id },
  };
}

/** The JobManager: REST and metrics published, control port reached by the TaskManagers on the network. */
export function jobManagerSpec(options: SpecOptions): ContainerSpec {
  checkSupported(options.config);
  return {
    ...common(options, JOBMANAGER_ALIAS),
    command: ['jobmanager'],
    environment: {
      FLOWLAB_BIND_ADDRESS: '0.0.0.0',
      FLOWLAB_ADVERTISED_ADDRESS: JOBMANAGER_ALIAS,
      FLOWLAB_REST_PORT: String(CONTAINER_PORTS.rest),
      FLOWLAB_RPC_PORT: String(CONTAINER_PORTS.rpc),
      FLOWLAB_METRICS_PORT: String(CONTAINER_PORTS.metrics),
      FLOWLAB_PROPERTIES: propertiesText(options.config),
    },
    exposedPorts: [CONTAINER_PORTS.rest, CONTAINER_PORTS.metrics],
    readyLog: /"process":"jobmanager"/,
  };
}

/** TaskManager `tmId`, dialing `jobManager` (the JobManager's alias and control port, or its `ctrl-<tm>` proxy). */
export function taskManagerSpec(options: SpecOptions & { tmId: string; jobManager: Address }): ContainerSpec {
  checkSupported(options.config);
  if (!/^[a-z0-9][a-z0-9_.-]*$/.test(options.tmId)) throw new FlowlabError('ERR_USAGE', `TaskManager id ${JSON.stringify(options.tmId)} cannot be a network alias (lower-case letters, digits, ".", "_", "-")`);
  return {
    ...common(options, options.tmId),
    command: ['taskmanager'],
    environment: {
      FLOWLAB_BIND_ADDRESS: '0.0.0.0',
      FLOWLAB_ADVERTISED_ADDRESS: options.tmId,
      FLOWLAB_JOBMANAGER: `${options.jobManager.host}:${options.jobManager.port}`,
      FLOWLAB_TASKMANAGER_ID: options.tmId,
      FLOWLAB_DATA_PORT: String(CONTAINER_PORTS.data),
      FLOWLAB_METRICS_PORT: String(CONTAINER_PORTS.metrics),
      FLOWLAB_PROPERTIES: propertiesText(options.config),
    },
    exposedPorts: [CONTAINER_PORTS.metrics],
    readyLog: new RegExp(`"process":"taskmanager","tmId":"${options.tmId.replace(/\./g, '\\.')}"`),
  };
}

/** The image to run: `$FLOWLAB_IMAGE`, else the one built from the Dockerfile. */
export function flowlabImage(env: NodeJS.ProcessEnv = process.env): { name: string; build: boolean } {
  const named = env[FLOWLAB_IMAGE_ENV]?.trim();
  return named ? { name: named, build: false } : { name: BUILT_IMAGE_NAME, build: true };
}
