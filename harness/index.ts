/** harness/: scenarios, runs, deployers, recorders, gates. */
export { JobRun, prepareRun, type RunOptions, type ProgressEvent } from './job-run.js';
export { RESULT_SCHEMA_VERSION, type ResultDocument, type RunState } from './result-document.js';
