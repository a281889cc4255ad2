/** harness/gate/: `flowlab gate` and `flowlab baseline` — noise-aware verdicts against baselines, history, diagnosis. */
export { GateInputError, GateDocumentError } from './gate-errors.js';
export { SCALAR_METRICS, LATENCY_METRICS, METRIC_SPECS, runFigures, groupKey, metricKey, metricLabel, type RunFigures, type Direction } from './gate-metrics.js';
export { loadResultSets, loadCurrentResults, type ResultSet } from './results-input.js';
export { compareScalar, DEFAULT_RULE_OPTIONS, type Comparison, type RuleOptions, type Verdict } from './scalar-rule.js';
export { compareLatency, mergeHistograms, DEFAULT_BOOTSTRAP } from './latency-bootstrap.js';
export { baselineSchema, BASELINE_SCHEMA_VERSION, type Baseline, type BaselineEntry } from './baseline-schema.js';
export { buildBaseline, saveBaseline, loadBaseline, baselineEntry } from './baseline.js';
export { publishedBaseline, SHAPE_SCALAR_PREFIX } from './published-baseline.js';
export { noiseFloorOf } from './noise-floor.js';
export { verdictDocumentSchema, VERDICT_SCHEMA_VERSION, VERDICTS, type VerdictDocument, type GateVerdict, type ScenarioVerdict, type VerdictKind } from './verdict-schema.js';
export { evaluateGates, likeForLike, DEFAULT_GATE_OPTIONS, type GateOptions, type GateInput } from './gate-evaluate.js';
export { changePoints, energyDivergence, DEFAULT_CHANGE_POINT_OPTIONS, type ChangePoint, type ChangePointOptions } from './change-points.js';
export { analyzeHistory, historySchema, type History, type HistorySeries } from './history.js';
export { reportBaselineOf } from './report-verdicts.js';
