/**
 * What stopped a run, in words, instead of the bare error of the request that noticed it ("fetch failed"): the
 * interruption the user asked for, or the cluster process that exited (with its signal or exit code).
 */
import type { StartedDeployment } from './deploy/index.js';

/** How long to wait for a process exit to be observed after a request to it failed. */
const EXIT_OBSERVE_MS = 1_000;

function processName(id: string): string {
  return id === 'jobmanager' ? 'JobManager' : `TaskManager ${id}`;
}

/**
 * The reason to record for a run that failed with `error`: `abortReason` when the run was interrupted, else the
 * cluster processes that exited (the JobManager first), else the error's own message.
 */
export async function describeRunFailure(error: Error, o: { abortReason?: string | undefined; deployment?: StartedDeployment | undefined }): Promise<string> {
  if (o.abortReason !== undefined) return o.abortReason;
  const deployment = o.deployment;
  if (!deployment) return error.message;
  const processes = [deployment.jobManager, ...deployment.taskManagers];
  // a refused request often arrives before the child's exit event: give it a moment
  await deployment.anyExit(EXIT_OBSERVE_MS);
  const exited = processes.flatMap((p) => {
    const how = deployment.exitOf(p.id);
    return how === undefined ? [] : [`${processName(p.id)} process (pid ${p.pid}) exited with ${how}`];
  });
  if (exited.length === 0) return error.message;
  return `${exited.join('; ')} (${error.message})`;
}
