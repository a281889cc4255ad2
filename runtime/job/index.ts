// The job as both the JobManager and the tasks see it: the job graph and the control messages that deploy and
// report on its tasks. It sits below runtime/cluster/ and runtime/task/ so neither imports the other's folder for
// these shapes.
export * from './job-graph.js';
export * from './control-protocol.js';
