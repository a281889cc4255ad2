/** Checks of `flowlab cluster start` flags that yargs' types do not catch; each names the flag. */
import { FlowlabError } from '../core/index.js';

/** `--task-managers` must be a whole number ≥ 1 (`flowlab jobmanager` runs a JobManager alone). */
export function checkTaskManagersFlag(value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new FlowlabError('ERR_USAGE', `--task-managers takes a whole number ≥ 1, got ${String(value)} (flowlab jobmanager runs a JobManager alone)`);
  }
}
