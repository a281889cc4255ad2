/**
 * Process entry of a JobManager. argv[2] (or FLOWLAB_PROCESS_ARGS, as LocalCluster passes it) is JSON
 * `{ config: SerializedConfig, restPort?, controlPort?, linkOverrides? }`. When ready it prints exactly one JSON line to stdout:
 * `{"rest":{"host","port"},"control":{"host","port"},"pid":N}`. SIGTERM/SIGINT (or `POST /shutdown`) stop it with
 * exit code 0; a startup or uncaught error exits 1 with the message on stderr.
 */
import { createLogger, resolveConfig, toError, type SerializedConfig } from '../../core/index.js';
import type { Address } from '../job/index.js';
import { JobManager } from './job-manager.js';
import { processArgs } from './process-args.js';

export interface JobManagerProcessArgs {
  config: SerializedConfig;
  restPort?: number;
  controlPort?: number;
  linkOverrides?: Record<string, Address>;
}

const logger = createLogger('jobmanager-main');

function fatal(error: unknown): never {
  const e = toError(error);
  process.stderr.write(`flowlab JobManager: ${e.message}\n`);
  logger.debug('fatal error', { stack: e.stack });
  process.exit(1);
}

function parseArgs(raw: string | undefined): JobManagerProcessArgs {
  if (raw === undefined) throw new Error('usage: job-manager-main <json {config, restPort?, controlPort?, linkOverrides?}>');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new Error(`argument is not valid JSON: ${toError(error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('argument must be a JSON object');
  return parsed as JobManagerProcessArgs;
}

async function main(): Promise<void> {
  const args = parseArgs(processArgs());
  const config = resolveConfig(args.config ?? {});
  const jm = await JobManager.start({
    config,
    ...(args.restPort !== undefined ? { restPort: args.restPort } : {}),
    ...(args.controlPort !== undefined ? { controlPort: args.controlPort } : {}),
    ...(args.linkOverrides !== undefined ? { linkOverrides: args.linkOverrides } : {}),
  });
  const stopAndExit = (): void => {
    jm.stop().then(
      () => process.exit(0),
      (error: unknown) => fatal(error),
    );
  };
  process.once('SIGTERM', stopAndExit);
  process.once('SIGINT', stopAndExit);
  // forked by a launcher: if the launcher dies (even by SIGKILL) the IPC channel closes, and so do we
  process.once('disconnect', stopAndExit);
  void jm.stopped.then(() => process.exit(0));
  process.stdout.write(`${JSON.stringify({ rest: jm.restAddress, control: jm.controlAddress, metrics: jm.metricsAddress, pid: process.pid })}\n`);
}

process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);
main().catch(fatal);
