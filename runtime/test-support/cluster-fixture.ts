/** Helpers for tests that run a LocalCluster: polling a condition, waiting for a job to end. */
import { pollUntil, resolveConfig, type ConfigInput, type PollAnswer, type ResolvedConfig } from '../../core/index.js';
import type { JobDetails, JobManagerClient } from '../cluster/rest-client.js';

/**
 * Config of a small test cluster: REST port from the OS, 2 slots per TaskManager, 32 MiB of network memory, a 10 ms
 * buffer timeout, checkpoints under `checkpointDir`; `extra` adds or overrides keys.
 */
export function testClusterConfig(checkpointDir: string, extra: ConfigInput = {}): ResolvedConfig {
  return resolveConfig({
    'rest.port': 0,
    'taskmanager.numberOfTaskSlots': 2,
    'taskmanager.memory.network.min': '32mb',
    'taskmanager.memory.network.max': '32mb',
    'execution.buffer-timeout': '10 ms',
    'execution.checkpointing.dir': checkpointDir,
    ...extra,
  });
}

/** Polls `probe` every `everyMs` until it returns a value; throws naming `what` after `timeoutMs`. */
export function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 50): Promise<PollAnswer<T>> {
  return pollUntil(what, probe, { timeoutMs, intervalMs: everyMs });
}

/** Waits until the job is FINISHED, FAILED or CANCELED and returns its details. */
export function awaitJobEnd(client: JobManagerClient, jobId: string, timeoutMs = 40_000): Promise<JobDetails> {
  return until(
    `job ${jobId} to end`,
    async () => {
      const job = await client.job(jobId);
      return job.state === 'FINISHED' || job.state === 'FAILED' || job.state === 'CANCELED' ? job : undefined;
    },
    timeoutMs,
    100,
  );
}

/** Waits until `n` TaskManagers are registered. */
export async function awaitTaskManagers(client: JobManagerClient, n: number, timeoutMs = 20_000): Promise<void> {
  await client.awaitTaskManagers(n, timeoutMs);
}
