/**
 * The Markdown report, for CI step summaries (`$GITHUB_STEP_SUMMARY`) and PR comments: per scenario the figures per
 * phase (or per variant for a sweep), checks, baseline verdicts where given, the tuning ranking of a sweep, rate
 * sweeps, and at most two Mermaid `xychart-beta` charts (GitHub renders them). Pure and deterministic: the same input
 * gives the same text, with no clock read.
 */
import {
  formatBytes,
  formatMs,
  formatNumber,
  formatUsAsMs,
  groupRuns,
  networkCaseCells,
  networkCaseRows,
  NETWORK_CASE_HEAD,
  phaseLabel,
  representative,
  runChecks,
  variantFigures,
  type ScenarioGroup,
} from './figures.js';
import type { BaselineVerdict, RateSweepInput, ReportInput, ReportResult, ShapeInput } from './report-input.js';
import { checkTable, criterion, shapeSummaryRows, VERDICT_MARK } from './shapes.js';
import { buildTuningReport, sweptScenarios, type TuningReport } from './tuning.js';

/** Variants shown in a tuning table before "… n more". */
const TUNING_ROWS_SHOWN = 10;
/** Points of a Mermaid line (longer series are thinned). */
const MERMAID_POINTS = 40;

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(head: readonly string[], rows: readonly (readonly string[])[], alignRight = true): string {
  const sep = head.map((_, i) => (i === 0 || !alignRight ? '---' : '---:'));
  return [head, sep, ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n');
}

const icon = (verdict: string): string => (verdict === 'pass' ? '✅' : verdict === 'fail' || verdict === 'regression' ? '❌' : verdict === 'improvement' ? '🟢' : '⚠️');

function recordsPerSec(v: number | null): string {
  return v === null ? 'n/a' : formatNumber(Math.round(v));
}

function scenarioSection(group: ScenarioGroup, input: ReportInput, tuning: TuningReport | undefined): string[] {
  const out: string[] = [];
  const checks = group.variants.flatMap((v) => v.runs.flatMap((run) => runChecks(run).map((c) => ({ c, run }))));
  const failed = checks.filter(({ c }) => c.verdict !== 'pass');
  const status = failed.some(({ c }) => c.verdict === 'fail') ? '❌' : failed.length > 0 ? '⚠️' : '✅';
  out.push(`## ${status} ${group.name}`, '');
  const description = representative(group.variants[0]!)?.scenario?.['description'];
  if (typeof description === 'string') out.push(`${description}`, '');
  const reps = Math.max(...group.variants.map((v) => v.runs.length));
  const medianNote = reps > 1 ? ` (medians of ${reps} repetitions)` : '';
  if (group.sweptKeys.length === 0) {
    for (const v of group.variants) {
      const f = variantFigures(v);
      if (group.variants.length > 1) out.push(`**${v.variant}**`, '');
      if (f.completed === 0) {
        out.push(`No run completed: ${v.runs.map((r) => `${r.state}${r.error ? ` (${r.error})` : ''}`).join('; ')}`, '');
        continue;
      }
      const cases = networkCaseRows(v);
      if (cases.length > 0) {
        out.push(table([...NETWORK_CASE_HEAD], cases.map(networkCaseCells), false), '', `Each ratio is flowlab ÷ a baseline measured in the same run${medianNote}; ± noise is half the range of a run's per-round ratios.`, '');
        continue;
      }
      out.push(table(['phase', 'records/s', 'p50', 'p99', 'p99.9'], f.phases.map((p) => [phaseLabel(p.phase), recordsPerSec(p.recordsPerSec), formatUsAsMs(p.p50Us), formatUsAsMs(p.p99Us), formatUsAsMs(p.p999Us)])));
      const facts = [
        f.checkpoints.completed > 0 ? `checkpoints ${f.checkpoints.completed} completed, ${f.checkpoints.failed} failed, p50 ${formatMs(f.checkpoints.p50Ms)}, p99 ${formatMs(f.checkpoints.p99Ms)}` : `checkpoints: none${f.checkpoints.failed > 0 ? ` completed, ${f.checkpoints.failed} failed` : ''}`,
        `lost ${f.lost === null ? 'n/a' : formatNumber(f.lost)}`,
        `duplicated ${f.duplicated === null ? 'n/a' : formatNumber(f.duplicated)}`,
        ...f.recoveries.map((r) => `fault ${r.fault} (\`${r.entry}\`): ${r.timeToRecoverMs !== null ? `recovered in ${formatMs(r.timeToRecoverMs)}${r.recovered < r.runs ? ` (${r.recovered} of ${r.runs} runs)` : ''}` : `not recovered${r.reason ? `: ${r.reason}` : ''}`}`),
      ];
      out.push('', `${facts.join(' · ')}${medianNote}`, '');
    }
  } else {
    const withFaults = group.variants.some((v) => variantFigures(v).recoveries.length > 0);
    const rows = group.variants.map((v) => {
      const f = variantFigures(v);
      return [
        v.variant,
        `${f.completed}/${f.runs}`,
        recordsPerSec(f.recordsPerSec),
        formatUsAsMs(f.p50Us),
        formatUsAsMs(f.p99Us),
        formatUsAsMs(f.p999Us),
        formatMs(f.checkpoints.p50Ms),
        formatMs(f.checkpoints.p99Ms),
        f.lost === null ? 'n/a' : formatNumber(f.lost),
        f.duplicated === null ? 'n/a' : formatNumber(f.duplicated),
        ...(withFaults ? [f.recoveries.map((r) => (r.timeToRecoverMs === null ? 'no' : formatMs(r.timeToRecoverMs))).join(', ') || '–'] : []),
      ];
    });
    out.push(
      `Swept: ${group.sweptKeys.map((k) => `\`${k}\``).join(' × ')}; steady phase${medianNote}.`,
      '',
      table(['variant', 'runs', 'records/s', 'p50', 'p99', 'p99.9', 'ckpt p50', 'ckpt p99', 'lost', 'dup', ...(withFaults ? ['recovered in'] : [])], rows),
      '',
    );
  }
  const passed = checks.length - failed.length;
  out.push(failed.length === 0 ? `${icon('pass')} all ${checks.length} checks passed (completed, lost = 0, duplicated = 0${checks.some(({ c }) => c.kind === 'gate') ? ', gates' : ''}).` : `${passed} of ${checks.length} checks passed:`, '');
  for (const { c, run } of failed) out.push(`- ${icon(c.verdict)} ${checkWhere(group, run.variant, run.repetition)}${c.kind} \`${c.name}\`: ${c.message ?? c.verdict}`);
  if (failed.length > 0) out.push('');
  const verdicts = (input.baseline?.verdicts ?? []).filter((v) => v.scenario === group.name);
  if (verdicts.length > 0) out.push(...baselineSection(verdicts, input.baseline?.label ?? 'baseline'));
  if (tuning) out.push(...tuningSection(tuning));
  return out;
}

function checkWhere(group: ScenarioGroup, variant: string, repetition: number): string {
  const many = group.variants.length > 1;
  const reps = Math.max(...group.variants.map((v) => v.runs.length)) > 1;
  return many || reps ? `${many ? `${variant} ` : ''}${reps ? `rep ${repetition} ` : ''}· ` : '';
}

function signed(v: number | null, digits = 1): string {
  return v === null ? 'n/a' : `${v > 0 ? '+' : ''}${v.toFixed(digits)} %`;
}

function baselineValue(metric: string, v: number | null): string {
  if (v === null) return 'n/a';
  if (metric === 'network.ratio') return v.toFixed(2);
  return metric.startsWith('latencyUs') ? formatUsAsMs(v) : metric.endsWith('Ms') ? formatMs(v) : formatNumber(v, 1);
}

function baselineSection(verdicts: readonly BaselineVerdict[], label: string): string[] {
  const out = [`### Against ${label}`, ''];
  out.push(
    table(
      ['metric', 'phase', 'variant', 'baseline', 'now', 'Δ', 'CI', 'verdict'],
      verdicts.map((v) => [
        v.metric,
        phaseLabel(v.phase),
        v.variant ?? 'all',
        baselineValue(v.metric, v.baseline),
        baselineValue(v.metric, v.value),
        signed(v.deltaPct),
        v.ci ? `[${signed(v.ci.lowPct)}, ${signed(v.ci.highPct)}]${v.ci.level ? ` @${Math.round(v.ci.level * 100)} %` : ''}` : 'n/a',
        `${icon(v.verdict)} ${v.verdict}`,
      ]),
    ),
    '',
  );
  for (const v of verdicts) if (v.verdict === 'regression' && v.diagnosis) out.push(`> ❌ **${v.metric}** (${phaseLabel(v.phase)}${v.variant ? `, ${v.variant}` : ''}): ${v.diagnosis}`, '');
  return out;
}

function tuningSection(t: TuningReport): string[] {
  const goal = `${t.goal.optimize}${t.goal.constraints.length > 0 ? ` with ${t.goal.constraints.join(', ')}` : ''}`;
  const out = [`### Tuning: optimize ${goal}`, ''];
  const shown = t.rows.slice(0, TUNING_ROWS_SHOWN);
  out.push(
    table(
      ['rank', 'variant', 'records/s', 'p99', 'ckpt p99', 'network memory', 'Pareto', 'meets constraints'],
      shown.map((r) => [
        String(r.rank),
        r.variant,
        recordsPerSec(r.recordsPerSec),
        formatUsAsMs(r.p99Us),
        formatMs(r.checkpointP99Ms),
        r.networkMemoryBytes === null ? 'n/a' : formatBytes(r.networkMemoryBytes),
        r.pareto ? '★' : '',
        r.violates.length === 0 ? 'yes' : `no: ${r.violates.join(', ')}`,
      ]),
    ),
  );
  if (t.rows.length > shown.length) out.push('', `… ${t.rows.length - shown.length} more variants (all in report.json and report.html).`);
  out.push('', `★ Pareto frontier over throughput, p99, ${t.rows.some((r) => r.checkpointP99Ms !== null) ? 'checkpoint p99, ' : ''}network memory ((buffers-per-channel + floating-buffers-per-gate) × segment-size); throughput capped at the intended rate, and within 2 % counts as equal.`, '');
  if (t.recommended && t.yaml) out.push(`**Recommended: ${t.recommended.variant}**`, '', '```yaml', t.yaml, '```', '');
  else out.push(`No recommendation: ${t.reason ?? 'no variant qualifies'}.`, '');
  return out;
}

function rateSweepSection(sweeps: readonly RateSweepInput[]): string[] {
  const out: string[] = [];
  for (const s of sweeps) {
    const fixed = Object.entries(s.fixed).map(([k, v]) => `${k}=${String(v)}`).join(', ');
    out.push(`## Rate sweep: ${s.scenario}${fixed ? ` (${fixed})` : ''}`, '');
    out.push(
      table(
        ['rate per subtask', 'intended records/s', 'achieved records/s', 'achieved ÷ intended', 'p99', 'sustainable'],
        s.steps.map((st) => [formatNumber(st.ratePerSubtask), formatNumber(Math.round(st.intendedRecordsPerSec)), formatNumber(Math.round(st.achievedRecordsPerSec)), st.achievedRatio.toFixed(3), formatUsAsMs(st.p99Us), st.sustainable ? 'yes' : `no${st.why ? `: ${st.why}` : ''}`]),
      ),
      '',
      s.sustainableRatePerSubtask === null ? 'No step was sustainable.' : `Knee: ${formatNumber(s.sustainableRatePerSubtask)} records/s per source subtask.`,
      '',
    );
  }
  return out;
}

function thin<T>(values: readonly T[], max: number): T[] {
  if (values.length <= max) return [...values];
  const step = values.length / max;
  return Array.from({ length: max }, (_, i) => values[Math.floor(i * step)]!);
}

/** A Mermaid `xychart-beta` block. */
function mermaid(title: string, xLabels: readonly string[], yTitle: string, series: { kind: 'line' | 'bar'; values: readonly number[] }): string {
  const max = Math.max(1, ...series.values);
  return [
    '```mermaid',
    'xychart-beta',
    `    title "${title.replace(/"/g, "'")}"`,
    `    x-axis [${xLabels.map((l) => `"${l.replace(/"/g, "'")}"`).join(', ')}]`,
    `    y-axis "${yTitle}" 0 --> ${Math.ceil(max * 1.1)}`,
    `    ${series.kind} [${series.values.map((v) => String(Math.round(v * 100) / 100)).join(', ')}]`,
    '```',
  ].join('\n');
}

function throughputChart(name: string, doc: ReportResult): string | null {
  if (doc.timeseries.length < 2) return null;
  const points = thin(doc.timeseries, MERMAID_POINTS);
  const faults = doc.faults.filter((f) => f.appliedAtMs !== null).map((f) => `fault ${f.index} at ${((f.appliedAtMs ?? 0) / 1000).toFixed(1)} s`);
  return mermaid(`${name}: records/s over time${faults.length > 0 ? ` (${faults.join(', ')})` : ''}`, points.map((p) => `${(p.tMs / 1000).toFixed(0)}s`), 'records/s', { kind: 'line', values: points.map((p) => p.recordsPerSec) });
}

function charts(groups: readonly ScenarioGroup[], input: ReportInput, tunings: readonly TuningReport[]): string[] {
  const out: string[] = [];
  const withFault = groups.find((g) => g.sweptKeys.length === 0 && g.variants.some((v) => (representative(v)?.faults.length ?? 0) > 0));
  const first = withFault ?? groups.find((g) => g.sweptKeys.length === 0) ?? groups[0];
  const doc = first ? representative(first.variants[0]!) : undefined;
  const timeChart = first && doc ? throughputChart(first.name, doc) : null;
  if (timeChart) out.push(timeChart);
  const sweep = input.suite?.rateSweeps?.[0];
  if (sweep && sweep.steps.length > 1) {
    out.push(mermaid(`${sweep.scenario}: p99 (ms) per rate step`, sweep.steps.map((s) => formatNumber(s.ratePerSubtask)), 'p99 ms', { kind: 'line', values: sweep.steps.map((s) => (s.p99Us ?? 0) / 1000) }));
  } else if (tunings[0]) {
    const rows = thin(tunings[0].rows.filter((r) => r.p99Us !== null), MERMAID_POINTS);
    if (rows.length > 1) out.push(mermaid(`${tunings[0].scenario}: p99 (ms) by rank for ${tunings[0].goal.optimize}`, rows.map((r) => `#${r.rank}`), 'p99 ms', { kind: 'bar', values: rows.map((r) => (r.p99Us ?? 0) / 1000) }));
  }
  return out.slice(0, 2);
}

function shapesSection(shapes: readonly ShapeInput[]): string[] {
  const cell = (text: string): string => text.replace(/\|/g, '\\|');
  const mdTable = (header: readonly string[], rows: readonly (readonly string[])[]): string[] => [`| ${header.map(cell).join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
  const out = ['## Published shapes: model vs measured', '', ...mdTable(['shape', 'title', 'scenario', 'verdict'], shapeSummaryRows(shapes)), ''];
  for (const s of shapes) {
    if (s.checks.length === 0) continue;
    out.push(`### ${s.id} — ${s.title}: ${VERDICT_MARK[s.verdict]}`, '', `Source: ${s.source}`, '');
    for (const c of s.checks) {
      const t = checkTable(c);
      out.push(`**${c.name}** — ${criterion(c)}: ${VERDICT_MARK[c.verdict]}. measured = \`${c.measured}\`${c.predicted ? `, predicted = \`${c.predicted}\`` : ''}`, '', ...mdTable(t.header, t.rows), '');
    }
  }
  return out;
}

function environmentSection(input: ReportInput, groups: readonly ScenarioGroup[]): string[] {
  const docs = groups.flatMap((g) => g.variants.map((v) => ({ g, doc: representative(v) }))).filter((x): x is { g: ScenarioGroup; doc: ReportResult } => x.doc !== undefined);
  const env = input.suite?.environment ?? docs[0]?.doc.environment;
  const flowlab = input.suite?.flowlab ?? docs[0]?.doc.flowlab;
  const out = ['<details><summary>Environment, calibration, seeds and how to rerun</summary>', ''];
  if (env) out.push(`- machine: ${env.cpuModel}, ${env.cores} cores, ${formatBytes(env.memoryBytes)}, ${env.os}, Node ${env.node}`);
  if (flowlab) out.push(`- flowlab ${flowlab.version}${flowlab.commit ? ` at ${flowlab.commit}` : ''}`);
  if (input.suite) out.push(`- suite file: \`${input.suite.file}\``);
  const seen = new Set<string>();
  for (const { g, doc } of docs) {
    if (seen.has(g.name)) continue;
    seen.add(g.name);
    const cal = doc.calibration.loopbackBytesPerSec > 0 ? `calibration ${formatNumber(doc.calibration.loopbackBytesPerSec / 1e6)} MB/s loopback, RTT ${formatNumber(doc.calibration.loopbackRttUs)} µs` : 'calibration not measured';
    out.push(`- ${g.name}: seed ${doc.seed}, ${cal}${doc.command ? `; rerun: \`${doc.command}\`` : ''}`);
  }
  out.push('', '</details>', '');
  return out;
}

/** Renders the Markdown report. Deterministic: no clock, no machine figures beyond those in the input. */
export function renderMarkdown(input: ReportInput): string {
  const groups = groupRuns(input.runs);
  const tunings = sweptScenarios(groups).map((g) => buildTuningReport(g, input.tuning));
  const runs = input.runs.length;
  const completed = input.runs.filter((r) => r.state === 'completed').length;
  const out = [`# flowlab report: ${input.title}`, ''];
  if (input.suite) out.push(`${input.suite.description}`, '', `Suite \`${input.suite.suite}\` ${input.suite.state}: ${completed} of ${runs} runs completed.`, '');
  else out.push(`${completed} of ${runs} runs completed.`, '');
  const control = input.suite?.control;
  if (control) {
    out.push(`A/A noise floor (${control.scenario}, two identical variants): records/s differ by ${signed(control.recordsPerSec.diffPct)}, p99 by ${signed(control.p99Us.diffPct)}; differences smaller than these are noise.`, '');
  }
  const chartBlocks = charts(groups, input, tunings);
  for (const g of groups) out.push(...scenarioSection(g, input, tunings.find((t) => t.scenario === g.name)));
  if (input.suite?.rateSweeps && input.suite.rateSweeps.length > 0) out.push(...rateSweepSection(input.suite.rateSweeps));
  if (input.suite?.shapes && input.suite.shapes.length > 0) out.push(...shapesSection(input.suite.shapes));
  if (chartBlocks.length > 0) out.push('## Charts', '', ...chartBlocks.flatMap((c) => [c, '']));
  out.push(...environmentSection(input, groups));
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
