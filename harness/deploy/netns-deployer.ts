/**
 * `--deploy netns`: each JobManager and TaskManager in its own network namespace with its own address (see
 * netns-network.ts), launched through `ip netns exec`; every control and data link crosses a real kernel path
 * between distinct addresses. Linux, root and iproute2 only; `check()` says which is missing.
 */
import type { Deployer, DeployOptions, NetworkFaults, StartedDeployment } from './deployment.js';
import { DeployerUnavailableError } from './deployment.js';
import { NetnsNetwork, netnsUnavailableReason, removeStaleNetworks } from './netns-network.js';
import { ProcessDeployment, type ProcessPlacement } from './process-deployment.js';

function processIds(taskManagers: number): string[] {
  return ['jobmanager', ...Array.from({ length: taskManagers }, (_, i) => `tm-${i}`)];
}

function placementOf(network: NetnsNetwork): ProcessPlacement {
  const faults: NetworkFaults = {
    targets: network.processIds,
    blackhole: (target) => network.blackhole(target),
    heal: (target) => network.heal(target),
  };
  return {
    hostFor: (id) => network.addressOf(id),
    wrapperFor: (id) => ({ command: 'ip', args: ['netns', 'exec', network.namespaceOf(id)] }),
    proxyHost: network.rootAddress,
    network: faults,
    describeProcess: (id) => ({ namespace: network.namespaceOf(id) }),
    subnet: network.subnet,
    teardown: () => network.teardown(),
  };
}

export const netnsDeployer: Deployer = {
  mode: 'netns',
  async check(): Promise<void> {
    const missing = await netnsUnavailableReason();
    if (missing !== undefined) throw new DeployerUnavailableError('netns', missing);
  },
  async start(options: DeployOptions): Promise<StartedDeployment> {
    await this.check();
    // a run killed before it could clean up left namespaces behind: its owner is gone, so they go now
    await removeStaleNetworks();
    const network = await NetnsNetwork.create(processIds(options.taskManagers));
    return ProcessDeployment.start('netns', options, placementOf(network));
  },
};
