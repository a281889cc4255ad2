/**
 * The deployers by `--deploy` / `cluster.deploy` value. A value without a deployer here is refused with what is
 * missing; another deployer registers itself by adding its entry (the table is the only place that lists them).
 */
import type { Deployer, DeployMode } from './deployment.js';
import { DeployerUnavailableError } from './deployment.js';
import { localDeployer } from './local-deployer.js';
import { netnsDeployer } from './netns-deployer.js';

const DEPLOYERS: Partial<Record<DeployMode, Deployer>> = {
  local: localDeployer,
  netns: netnsDeployer,
};

/** Why a mode has no deployer in this build. */
const NOT_YET: Partial<Record<DeployMode, string>> = {
  containers: 'the containers deployer is not part of this version (use local or netns)',
  compose: 'the compose deployer is not part of this version (use local or netns)',
};

/** The deployer of `mode`; throws {@link DeployerUnavailableError} when none is registered. */
export function deployerFor(mode: DeployMode): Deployer {
  const deployer = DEPLOYERS[mode];
  if (!deployer) throw new DeployerUnavailableError(mode, NOT_YET[mode] ?? 'no deployer is registered for it');
  return deployer;
}

/** Registers (or replaces) the deployer of its mode. */
export function registerDeployer(deployer: Deployer): void {
  DEPLOYERS[deployer.mode] = deployer;
  delete NOT_YET[deployer.mode];
}

/** The modes a scenario may name in this build: those with a registered deployer. */
export function registeredDeployModes(): DeployMode[] {
  return Object.keys(DEPLOYERS) as DeployMode[];
}
