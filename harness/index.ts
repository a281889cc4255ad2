/** harness/: scenarios, runs, deployers, recorders, gates. */
export { JobRun, prepareRun, usesChaos, type RunOptions, type ProgressEvent } from './job-run.js';
export { parseFault, parseFaultTimeline, FaultTimelineError, matchLinks, globToRegExp, type FaultSpec, type ToxicFault, type PartitionFault, type TaskManagerFault } from './fault-timeline.js';
export { ChaosPlacement, controlLinkName, dataLinkName, type PlacedProxy } from './chaos-placement.js';
export type { FaultRecord, FaultMeasurement, LinkProbeResult } from './fault-runner.js';
export { RESULT_SCHEMA_VERSION, type ResultDocument, type RunState } from './result-document.js';
