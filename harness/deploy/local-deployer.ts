/** `--deploy local` (the default): every process a child of this one on 127.0.0.1. */
import type { Deployer, DeployOptions, StartedDeployment } from './deployment.js';
import { ProcessDeployment, type ProcessPlacement } from './process-deployment.js';

const LOOPBACK = '127.0.0.1';

const loopback: ProcessPlacement = {
  hostFor: () => LOOPBACK,
  wrapperFor: () => undefined,
  proxyHost: LOOPBACK,
  network: undefined,
  describeProcess: () => ({}),
  teardown: async () => undefined,
};

export const localDeployer: Deployer = {
  mode: 'local',
  check: async () => undefined,
  start: (options: DeployOptions): Promise<StartedDeployment> => ProcessDeployment.start('local', options, loopback),
};
