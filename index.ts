/**
 * flowlab's public API (`import … from 'flowlab'`): run scenarios and suites from code, read their results, and
 * start the pieces on their own. An explicit list: anything not here is internal.
 */
export { FlowlabError, InvalidConfigError, CONFIG_KEYS, resolveConfig, defaultConfig, type ConfigInput, type ResolvedConfig } from './core/index.js';
export { LocalCluster, JobManagerClient, TOPOLOGY_PRESETS, validateJobGraph, type JobGraphSpec, type TopologyPreset, type LocalClusterOptions } from './runtime/index.js';
export { startToxiproxyServer, connectToxiproxy, ToxiproxyClient, type ToxiproxyConnection } from './chaos/index.js';
export {
  JobRun,
  SuiteRunner,
  loadScenario,
  loadScenarioFile,
  planSuite,
  writeRunFiles,
  scenarioSchema,
  suiteSchema,
  resultDocumentSchema,
  suiteIndexSchema,
  jsonSchemas,
  FileValidationError,
  SourceFile,
  RESULT_SCHEMA_VERSION,
  type RunOptions,
  type Scenario,
  type ScenarioInput,
  type LoadedScenario,
  type FieldOverride,
  type Suite,
  type SuitePlan,
  type SuiteIndex,
  type ResultDocument,
  type FileIssue,
  evaluateGates,
  analyzeHistory,
  loadCurrentResults,
  loadResultSets,
  buildBaseline,
  loadBaseline,
  saveBaseline,
  baselineSchema,
  verdictDocumentSchema,
  DEFAULT_GATE_OPTIONS,
  type GateOptions,
  type Baseline,
  type VerdictDocument,
  type GateVerdict,
} from './harness/index.js';
