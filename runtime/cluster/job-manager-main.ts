/**
 * Entry of a JobManager process forked by LocalCluster: its {@link JobManagerProcessOptions} come as JSON in
 * FLOWLAB_PROCESS_ARGS (or argv[2]); see job-manager-process.ts for the ready line and how it stops.
 * `flowlab jobmanager` runs the same process from flags.
 */
import { exitWithError, runJobManagerProcess } from './job-manager-process.js';
import { parseJobManagerProcessOptions, readForkedOptions } from './process-options.js';

process.on('uncaughtException', (error) => exitWithError('JobManager', error));
process.on('unhandledRejection', (error) => exitWithError('JobManager', error));
Promise.resolve()
  .then(() => runJobManagerProcess(parseJobManagerProcessOptions(readForkedOptions()))).catch((error: unknown) => exitWithError('JobManager', error));
