/** harness/deploy/: the Deployer seam and its deployers (local, netns). */
export { DeployerUnavailableError, type Deployer, type DeployerChaos, type DeployMode, type DeployOptions, type StartedDeployment, type DeployedProcess, type DeployedJobManager, type DeployedTaskManager, type DeploymentRecord, type NetworkFaults } from './deployment.js';
export { deployerFor, registerDeployer, registeredDeployModes } from './deployers.js';
export { localDeployer } from './local-deployer.js';
export { netnsDeployer } from './netns-deployer.js';
export { ProcessDeployment, type ProcessPlacement } from './process-deployment.js';
export { NetnsNetwork, NetnsCommandError, NETNS_NAME, NETNS_STATE_DIR, netnsUnavailableReason, removeStaleNetworks, ip } from './netns-network.js';
