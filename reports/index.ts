/** reports/: pure renderers — result documents (and, where given, baseline verdicts) in; Markdown, HTML, JUnit XML and JSON out. */
export type {
  ReportInput,
  ReportRun,
  ReportResult,
  SuiteInfo,
  RateSweepInput,
  ShapeInput,
  ShapeCheckInput,
  ShapeRowInput,
  BaselineInput,
  BaselineVerdict,
  TuningGoal,
  OptimizeGoal,
} from './report-input.js';
export { renderMarkdown } from './markdown.js';
export { renderJunit } from './junit.js';
export { renderHtml } from './html.js';
export { renderSvg, ChartRenderError } from './svg.js';
export { buildTuningReport, sweptScenarios, RATE_FIELD, parseConstraint, configYaml, TuningConstraintError, OPTIMIZE_GOALS, DEFAULT_TUNING_GOAL, type TuningReport, type TuningRow } from './tuning.js';
export { groupRuns, runChecks, variantFigures, type RunCheck, type ScenarioGroup, type VariantFigures } from './figures.js';
export { percentileDistribution } from './hdr-distribution.js';
export { writeReports, renderReportJson, parseReportFormats, REPORT_FORMATS, REPORT_FILES, type ReportFormat } from './write-reports.js';
export { criterion, shapeNumber, checkTable, shapeCheckSpec } from './shapes.js';
