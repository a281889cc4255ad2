export { NetworkEnvironment, type NetworkEnvironmentOptions, type NetworkEnvironmentStats } from './network-environment.js';
