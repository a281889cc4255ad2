/**
 * Entry of a TaskManager process forked by LocalCluster: its {@link TaskManagerProcessOptions} come as JSON in
 * FLOWLAB_PROCESS_ARGS (or argv[2]); see task-manager-process.ts for the ready line and when it exits.
 * `flowlab taskmanager` runs the same process from flags.
 */
import { exitWithError } from './job-manager-process.js';
import { runTaskManagerProcess } from './task-manager-process.js';
import { parseTaskManagerProcessOptions, readForkedOptions } from './process-options.js';

Promise.resolve()
  .then(() => runTaskManagerProcess(parseTaskManagerProcessOptions(readForkedOptions()))).catch((error: unknown) => exitWithError('TaskManager', error));
