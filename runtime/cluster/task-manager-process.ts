/**
 * A TaskManager as an OS process: starts it from its {@link TaskManagerProcessOptions} (it registers with the
 * JobManager, retrying for `registrationTimeoutMs`), prints one ready line (JSON on stdout) once registered, and exits
 * when the JobManager goes away (1) or asks it to shut down (0), on SIGTERM/SIGINT (0), or when its launcher's IPC
 * channel closes. Shared by `flowlab taskmanager` and the forked `task-manager-main.js`.
 */
import { createLogger, resolveConfig } from '../../core/index.js';
import type { Address } from '../job/index.js';
import { TaskManager } from './task-manager.js';
import { advertisedHostFor, parseTaskManagerProcessOptions, type TaskManagerProcessOptions } from './process-options.js';

/**
 * The ready line: `{"process":"taskmanager","tmId","pid","data":{"host","port"},"metrics":{…},"jobManager":{…},
 * "advertised":{"data":{…},"metrics":{…}}}` — `data`/`metrics` as bound, `advertised` as registered with the JobManager.
 */
export interface TaskManagerReadyLine {
  process: 'taskmanager';
  tmId: string;
  pid: number;
  data: Address;
  metrics: Address | null;
  jobManager: Address;
  advertised: { data: Address; metrics: Address | null };
}

/** Starts the TaskManager, prints its ready line once registered and keeps the process running until it stops. */
export async function runTaskManagerProcess(input: TaskManagerProcessOptions): Promise<TaskManagerReadyLine> {
  const options = parseTaskManagerProcessOptions(input);
  const logger = createLogger(options.tmId);
  const tm = await TaskManager.start({
    tmId: options.tmId,
    jobManager: options.jobManager,
    config: resolveConfig(options.config),
    host: options.bindHost,
    advertisedHost: advertisedHostFor(options.bindHost, options.advertisedHost),
    metricsPort: options.metricsPort,
    registrationTimeoutMs: options.registrationTimeoutMs,
    logger,
  });
  tm.once('stopped', (reason: string) => {
    logger.info(`stopped: ${reason}`);
    setTimeout(() => process.exit(reason.startsWith('shutdown') || reason === 'signal' ? 0 : 1), 20).unref();
  });
  const stop = (): void => void tm.stop('signal').finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.once('disconnect', stop);
  const metrics = tm.metrics ? { host: tm.metrics.host, port: tm.metrics.port } : null;
  const ready: TaskManagerReadyLine = {
    process: 'taskmanager',
    tmId: tm.tmId,
    pid: process.pid,
    data: tm.dataAddress,
    metrics,
    jobManager: options.jobManager,
    advertised: { data: tm.advertisedDataAddress, metrics: tm.advertisedMetricsAddress ?? null },
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  return ready;
}
