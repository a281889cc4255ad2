/**
 * A JobManager as an OS process: starts it from its {@link JobManagerProcessOptions}, prints one ready line (JSON on
 * stdout) and stops cleanly on SIGTERM/SIGINT, `POST /shutdown` or its launcher's IPC channel closing (exit 0).
 * Shared by `flowlab jobmanager` and the forked `job-manager-main.js`.
 */
import { createLogger, resolveConfig, toError } from '../../core/index.js';
import type { Address } from '../job/index.js';
import { JobManager } from './job-manager.js';
import { advertise, advertisedHostFor, parseJobManagerProcessOptions, type JobManagerProcessOptions } from './process-options.js';

/**
 * The ready line: addresses actually bound (`rest`, `control`; a wildcard bind shows the wildcard) and the ones to
 * give others (`advertised`). `{"process":"jobmanager","pid":N,"rest":{"host","port"},"control":{…},"metrics":{…},"advertised":{"rest":{…},"control":{…},"metrics":{…}}}`
 */
export interface JobManagerReadyLine {
  process: 'jobmanager';
  pid: number;
  rest: Address;
  control: Address;
  /** The Prometheus endpoint (`/metrics`). */
  metrics: Address;
  advertised: { rest: Address; control: Address; metrics: Address };
}

/** Writes `message` to stderr and exits 1. */
export function exitWithError(processName: string, error: unknown): never {
  const e = toError(error);
  process.stderr.write(`flowlab ${processName}: ${e.message}\n`);
  createLogger(processName).debug('fatal error', { stack: e.stack });
  process.exit(1);
}

/** Starts the JobManager, prints its ready line and keeps the process running until it is told to stop. */
export async function runJobManagerProcess(input: JobManagerProcessOptions): Promise<JobManagerReadyLine> {
  const options = parseJobManagerProcessOptions(input);
  const config = resolveConfig(options.config);
  const jm = await JobManager.start({
    config,
    host: options.bindHost,
    ...(options.restPort !== undefined ? { restPort: options.restPort } : {}),
    controlPort: options.controlPort,
    metricsPort: options.metricsPort,
    linkOverrides: options.linkOverrides,
  });
  const stopAndExit = (): void => {
    jm.stop().then(
      () => process.exit(0),
      (error: unknown) => exitWithError('JobManager', error),
    );
  };
  process.once('SIGTERM', stopAndExit);
  process.once('SIGINT', stopAndExit);
  // forked by a launcher: if the launcher dies (even by SIGKILL) the IPC channel closes, and so do we
  process.once('disconnect', stopAndExit);
  void jm.stopped.then(() => process.exit(0));
  const host = advertisedHostFor(options.bindHost, options.advertisedHost);
  const ready: JobManagerReadyLine = {
    process: 'jobmanager',
    pid: process.pid,
    rest: jm.restAddress,
    control: jm.controlAddress,
    metrics: jm.metricsAddress,
    advertised: { rest: advertise(jm.restAddress, host), control: advertise(jm.controlAddress, host), metrics: advertise(jm.metricsAddress, host) },
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  return ready;
}
