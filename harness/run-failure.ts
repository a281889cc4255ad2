/**
 * What stopped a run, in words, instead of the bare error of the request that noticed it ("fetch failed"): the
 * interruption the user asked for, or the cluster process that exited (with its signal or exit code).
 */
import { once } from 'node:events';
import type { ProcessInfo } from '../runtime/index.js';

/** How long to wait for a process exit to be observed after a request to it failed. */
const EXIT_OBSERVE_MS = 1_000;

function exitOf(p: ProcessInfo): string | undefined {
  if (p.child.signalCode !== null) return `signal ${p.child.signalCode}`;
  if (p.child.exitCode !== null) return `code ${p.child.exitCode}`;
  return undefined;
}

function processName(id: string): string {
  return id === 'jobmanager' ? 'JobManager' : `TaskManager ${id}`;
}

/**
 * The reason to record for a run that failed with `error`: `abortReason` when the run was interrupted, else the
 * cluster processes that exited (the JobManager first), else the error's own message.
 */
export async function describeRunFailure(error: Error, o: { abortReason?: string | undefined; processes?: readonly ProcessInfo[] | undefined }): Promise<string> {
  if (o.abortReason !== undefined) return o.abortReason;
  const processes = o.processes ?? [];
  if (processes.length > 0 && processes.every((p) => exitOf(p) === undefined)) {
    // a refused request often arrives before the child's exit event: give it a moment
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, EXIT_OBSERVE_MS).unref());
    await Promise.race([timeout, ...processes.map((p) => once(p.child, 'exit').then(() => undefined))]);
  }
  const exited = processes.flatMap((p) => {
    const how = exitOf(p);
    return how === undefined ? [] : [`${processName(p.id)} process (pid ${p.pid}) exited with ${how}`];
  });
  if (exited.length === 0) return error.message;
  return `${exited.join('; ')} (${error.message})`;
}
