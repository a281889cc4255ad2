/**
 * Process entry of a TaskManager. argv[2] (or FLOWLAB_PROCESS_ARGS, as LocalCluster passes it): JSON
 * `{ tmId, jobManager: {host, port}, config: SerializedConfig }`.
 * Prints one JSON line `{"tmId","data":{host,port},"pid"}` when registered. Exits when the JobManager goes away,
 * asks it to shut down, on SIGTERM/SIGINT, or when its parent's IPC channel closes.
 */
import { createLogger, resolveConfig, type SerializedConfig } from '../../core/index.js';
import type { Address } from '../job/index.js';
import { TaskManager } from './task-manager.js';
import { processArgs } from './process-args.js';

interface Args {
  tmId: string;
  jobManager: Address;
  config: SerializedConfig;
  /** Address every listener binds and advertises. @default '127.0.0.1' */
  host?: string;
}

async function main(): Promise<void> {
  const args = JSON.parse(processArgs() ?? '{}') as Args;
  const logger = createLogger(args.tmId ?? 'taskmanager');
  const tm = await TaskManager.start({ tmId: args.tmId, jobManager: args.jobManager, config: resolveConfig(args.config), logger, ...(args.host !== undefined ? { host: args.host } : {}) });
  process.stdout.write(`${JSON.stringify({ tmId: tm.tmId, data: tm.dataAddress, ...(tm.metrics ? { metrics: { host: tm.metrics.host, port: tm.metrics.port } } : {}), pid: process.pid })}\n`);
  tm.once('stopped', (reason: string) => {
    logger.info(`stopped: ${reason}`);
    setTimeout(() => process.exit(reason.startsWith('shutdown') ? 0 : 1), 20).unref();
  });
  const stop = (): void => void tm.stop('signal').finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.once('disconnect', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`taskmanager: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
