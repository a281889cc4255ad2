/**
 * The HTML report: one self-contained file (styles, SVG charts and data inlined, a Content-Security-Policy that
 * forbids every fetch), readable offline from a CI artifact. Charts are Vega-Lite specs rendered to SVG in Node, so
 * the page needs no script to draw them.
 */
import {
  faultEffect,
  checkpointSpec,
  hdrSpec,
  paretoSpec,
  rateSweepSpec,
  sweepSpec,
  taskHeatmapSpec,
  timeseriesSpec,
  type ChartSpec,
  type HdrSeries,
} from './charts.js';
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
  type VariantGroup,
} from './figures.js';
import type { ReportInput, ReportResult } from './report-input.js';
import { checkTable, criterion, shapeCheckSpec, shapeSummaryRows, VERDICT_MARK } from './shapes.js';
import { renderSvg } from './svg.js';
import { buildTuningReport, sweptScenarios, type TuningReport } from './tuning.js';

/** Variants drawn in a sweep's percentile chart (frontier first, by rank). */
const HDR_SWEEP_SERIES = 8;

export function htmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const e = htmlEscape;

function table(head: readonly string[], rows: readonly (readonly string[])[], className = ''): string {
  return `<table${className ? ` class="${className}"` : ''}><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${e(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

interface Chart {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  readonly spec: ChartSpec | null;
}

async function figure(c: Chart): Promise<string> {
  if (!c.spec) return '';
  const svg = await renderSvg(c.id, c.spec);
  return `<figure class="chart" data-chart="${e(c.id)}"><h3>${e(c.title)}</h3>${svg}<figcaption>${e(c.caption)}</figcaption></figure>`;
}

const slug = (s: string): string => s.replace(/[^A-Za-z0-9_-]+/g, '-');
const rate = (v: number | null): string => (v === null ? 'n/a' : formatNumber(Math.round(v)));

function figuresTable(group: ScenarioGroup): string {
  if (group.sweptKeys.length === 0) {
    return group.variants
      .map((v) => {
        const f = variantFigures(v);
        if (f.completed === 0) return `<p class="bad">${e(v.variant)}: no run completed (${e(v.runs.map((r) => `${r.state}${r.error ? `: ${r.error}` : ''}`).join('; '))})</p>`;
        const cases = networkCaseRows(v);
        if (cases.length > 0) {
          const note = `Each ratio is flowlab ÷ a baseline measured in the same run${f.runs > 1 ? ` (medians of ${f.runs} runs)` : ''}; ± noise is half the range of a run's per-round ratios.`;
          return `${group.variants.length > 1 ? `<h4>${e(v.variant)}</h4>` : ''}${table([...NETWORK_CASE_HEAD], cases.map(networkCaseCells))}<p>${e(note)}</p>`;
        }
        const facts = [
          f.checkpoints.completed > 0 ? `checkpoints ${f.checkpoints.completed} completed, ${f.checkpoints.failed} failed, p50 ${formatMs(f.checkpoints.p50Ms)}, p99 ${formatMs(f.checkpoints.p99Ms)}` : 'no checkpoints',
          `lost ${f.lost ?? 'n/a'}`,
          `duplicated ${f.duplicated ?? 'n/a'}`,
          ...f.recoveries.map((r) => `fault ${r.fault} ${r.timeToRecoverMs === null ? `not recovered${r.reason ? ` (${r.reason})` : ''}` : `recovered in ${formatMs(r.timeToRecoverMs)}`}`),
        ];
        return `${group.variants.length > 1 ? `<h4>${e(v.variant)}</h4>` : ''}${table(['phase', 'records/s', 'p50', 'p99', 'p99.9'], f.phases.map((p) => [phaseLabel(p.phase), rate(p.recordsPerSec), formatUsAsMs(p.p50Us), formatUsAsMs(p.p99Us), formatUsAsMs(p.p999Us)]))}<p>${e(facts.join(' · '))}${f.runs > 1 ? ` (medians of ${f.runs} runs)` : ''}</p>`;
      })
      .join('');
  }
  return table(
    ['variant', 'runs', 'records/s', 'p50', 'p99', 'p99.9', 'ckpt p99', 'lost', 'dup'],
    group.variants.map((v) => {
      const f = variantFigures(v);
      return [v.variant, `${f.completed}/${f.runs}`, rate(f.recordsPerSec), formatUsAsMs(f.p50Us), formatUsAsMs(f.p99Us), formatUsAsMs(f.p999Us), formatMs(f.checkpoints.p99Ms), String(f.lost ?? 'n/a'), String(f.duplicated ?? 'n/a')];
    }),
  );
}

function checksBlock(group: ScenarioGroup): string {
  const checks = group.variants.flatMap((v) => v.runs.flatMap((run) => runChecks(run).map((c) => ({ c, run }))));
  const bad = checks.filter(({ c }) => c.verdict !== 'pass');
  if (bad.length === 0) return `<p class="ok">✔ all ${checks.length} checks passed (completed, lost = 0, duplicated = 0${checks.some(({ c }) => c.kind === 'gate') ? ', gates' : ''})</p>`;
  return `<p class="bad">${checks.length - bad.length} of ${checks.length} checks passed</p><ul class="checks">${bad.map(({ c, run }) => `<li class="${c.verdict}">${e(`${run.variant} rep ${run.repetition} · ${c.kind} ${c.name}: ${c.message ?? c.verdict}`)}</li>`).join('')}</ul>`;
}

function baselineBlock(group: ScenarioGroup, input: ReportInput): string {
  const verdicts = (input.baseline?.verdicts ?? []).filter((v) => v.scenario === group.name);
  if (verdicts.length === 0) return '';
  const pct = (v: number | null | undefined): string => (v === null || v === undefined ? 'n/a' : `${v > 0 ? '+' : ''}${v.toFixed(1)} %`);
  return `<h3>Against ${e(input.baseline?.label ?? 'baseline')}</h3>${table(
    ['metric', 'phase', 'variant', 'baseline', 'now', 'Δ', 'CI', 'verdict', 'diagnosis'],
    verdicts.map((v) => [v.metric, phaseLabel(v.phase), v.variant ?? 'all', String(v.baseline ?? 'n/a'), String(v.value ?? 'n/a'), pct(v.deltaPct), v.ci ? `[${pct(v.ci.lowPct)}, ${pct(v.ci.highPct)}]` : 'n/a', v.verdict, v.diagnosis ?? '']),
  )}`;
}

function baselineSeries(input: ReportInput, scenario: string, variant: string): HdrSeries[] {
  const runs = (input.baseline?.runs ?? []).filter((r) => r.scenario === scenario && r.variant === variant && r.result);
  const doc = runs[0]?.result;
  if (!doc) return [];
  return doc.phases.filter((p) => p.name !== 'warmup' && p.latencyUs?.histogram).map((p) => ({ label: `baseline ${phaseLabel(p.name)}`, histogram: p.latencyUs?.histogram, baseline: true }));
}

function runCharts(id: string, doc: ReportResult, note: string): Chart[] {
  const faults = doc.faults.map((f) => `fault ${f.index} (${f.entry}): ${faultEffect(f) || 'no measurement'}`).join('; ');
  return [
    {
      id: `${id}-timeseries`,
      title: `Throughput and p99 over time${note}`,
      caption: `Records/s at the sinks and their cumulative p99, one sample a second. ${faults ? `Shaded: each fault's before (blue), during (red) and after (green) phase; dashed lines: ${faults}.` : 'No faults in this run.'}`,
      spec: timeseriesSpec(doc),
    },
    {
      id: `${id}-checkpoints`,
      title: `Checkpoints${note}`,
      caption: 'Each checkpoint the JobManager kept (the last ten) split into the slowest subtask’s start delay, alignment, sync and async parts (the rest is barrier travel, acknowledgements and metadata); right: the histogram of every completed checkpoint’s duration.',
      spec: checkpointSpec(doc),
    },
    {
      id: `${id}-tasks`,
      title: `Back-pressured, busy and idle time per task${note}`,
      caption: doc.timeseries.some((s) => s.tasks)
        ? 'Flink’s backPressuredTimeMsPerSecond, busyTimeMsPerSecond and idleTimeMsPerSecond of each subtask (vertex#subtask) per 1 s sample; 1000 ms/s is the whole second.'
        : 'This result has no per-task samples; the row is the most back-pressured task at each sample.',
      spec: taskHeatmapSpec(doc),
    },
  ];
}

async function scenarioSection(group: ScenarioGroup, input: ReportInput, tuning: TuningReport | undefined): Promise<string> {
  const id = slug(group.name);
  const first = group.variants[0]!;
  const doc = representative(first);
  const description = doc?.scenario?.['description'];
  const parts = [`<section id="scenario-${id}"><h2>${e(group.name)}</h2>`, typeof description === 'string' ? `<p class="description">${e(description)}</p>` : ''];
  if (group.sweptKeys.length > 0) parts.push(`<p>Swept: ${group.sweptKeys.map((k) => `<code>${e(k)}</code>`).join(' × ')}; steady phase, medians over repetitions.</p>`);
  parts.push(figuresTable(group), checksBlock(group), baselineBlock(group, input));
  const charts: Chart[] = [];
  if (group.sweptKeys.length === 0) {
    // a benchmark scenario (network:, micro:) ran no job: no phases, nothing to chart
    if (doc && doc.phases.length > 0) {
      const series: HdrSeries[] = doc.phases.filter((p) => p.name !== 'warmup').map((p) => ({ label: phaseLabel(p.name), histogram: p.latencyUs?.histogram }));
      const note = group.variants.length > 1 || first.runs.length > 1 ? ` (${first.variant}, rep ${first.runs.find((r) => r.result === doc)?.repetition ?? 1})` : '';
      charts.push(...runCharts(id, doc, note).slice(0, 1), {
        id: `${id}-hdr`,
        title: `Latency percentile distribution per phase${note}`,
        caption: `End-to-end latency from each record's intended emit time, per phase, as HdrHistogram's plotter draws it: x is 1/(1−q) on a log scale (labelled as percentiles), so the tail gets the room. ${baselineSeries(input, group.name, first.variant).length > 0 ? 'Dashed: the baseline.' : 'No baseline given.'}`,
        spec: hdrSpec([...series, ...baselineSeries(input, group.name, first.variant)]),
      });
      charts.push(...runCharts(id, doc, note).slice(1));
    }
  } else {
    const points = group.variants.map((v) => {
      const f = variantFigures(v);
      return { parameters: v.parameters, recordsPerSec: f.recordsPerSec, p99Us: f.p99Us };
    });
    charts.push({
      id: `${id}-sweep`,
      title: 'Throughput and p99 against each swept parameter',
      caption: 'One row per swept parameter: the median steady-phase throughput and p99 at each of its values, one line per combination of the other parameters.',
      spec: sweepSpec(group.sweptKeys, points),
    });
    const ranked: VariantGroup[] = tuning
      ? [...tuning.rows].sort((a, b) => Number(b.pareto) - Number(a.pareto) || a.rank - b.rank).flatMap((r) => group.variants.filter((v) => v.variant === r.variant))
      : [...group.variants];
    const shown = ranked.slice(0, HDR_SWEEP_SERIES);
    charts.push({
      id: `${id}-hdr`,
      title: 'Steady-phase latency percentile distribution per variant',
      caption: `x is 1/(1−q) on a log scale (labelled as percentiles). ${shown.length < group.variants.length ? `${shown.length} of ${group.variants.length} variants: the Pareto frontier first, by rank.` : 'Every variant.'}`,
      spec: hdrSpec(
        shown.flatMap((v) => {
          const d = representative(v);
          const steady = d?.phases.find((p) => p.name === 'steady');
          return steady ? [{ label: v.variant, histogram: steady.latencyUs?.histogram }, ...baselineSeries(input, group.name, v.variant).filter((s) => s.label === 'baseline steady').map((s) => ({ ...s, label: `baseline ${v.variant}` }))] : [];
        }),
      ),
    });
    if (tuning) {
      charts.push({
        id: `${id}-pareto`,
        title: 'Variants: throughput against p99, Pareto frontier',
        caption: 'Each point a variant (median of its runs); orange: on the Pareto frontier over throughput, p99, checkpoint p99 and network memory (the number is its rank); size: network memory; diamond: the recommendation.',
        spec: paretoSpec(tuning),
      });
      const best = group.variants.find((v) => v.variant === tuning.recommended?.variant) ?? group.variants[0]!;
      const bestDoc = representative(best);
      if (bestDoc) charts.push(...runCharts(`${id}-best`, bestDoc, ` (${best.variant})`));
    }
  }
  for (const c of charts) parts.push(await figure(c));
  if (tuning) parts.push(tuningBlock(tuning));
  parts.push('</section>');
  return parts.join('\n');
}

function tuningBlock(t: TuningReport): string {
  const goal = `${t.goal.optimize}${t.goal.constraints.length > 0 ? ` with ${t.goal.constraints.join(', ')}` : ''}`;
  return [
    `<h3>Tuning: optimize ${e(goal)}</h3>`,
    table(
      ['rank', 'variant', 'records/s', 'p50', 'p99', 'p99.9', 'ckpt p99', 'network memory', 'Pareto', 'meets constraints'],
      t.rows.map((r) => [String(r.rank), r.variant, rate(r.recordsPerSec), formatUsAsMs(r.p50Us), formatUsAsMs(r.p99Us), formatUsAsMs(r.p999Us), formatMs(r.checkpointP99Ms), r.networkMemoryBytes === null ? 'n/a' : formatBytes(r.networkMemoryBytes), r.pareto ? '★' : '', r.violates.length === 0 ? 'yes' : `no: ${r.violates.join(', ')}`]),
      'tuning',
    ),
    t.recommended && t.yaml ? `<p><strong>Recommended: ${e(t.recommended.variant)}</strong></p><pre class="yaml">${e(t.yaml)}</pre>` : `<p class="bad">No recommendation: ${e(t.reason ?? 'no variant qualifies')}.</p>`,
  ].join('\n');
}

async function rateSweepSection(input: ReportInput): Promise<string> {
  const sweeps = input.suite?.rateSweeps ?? [];
  const parts: string[] = [];
  for (const [i, s] of sweeps.entries()) {
    const fixed = Object.entries(s.fixed).map(([k, v]) => `${k}=${String(v)}`).join(', ');
    parts.push(
      `<section id="rate-sweep-${i}"><h2>Rate sweep: ${e(s.scenario)}${fixed ? ` (${e(fixed)})` : ''}</h2>`,
      table(
        ['rate per subtask', 'intended', 'achieved', 'achieved ÷ intended', 'p99', 'sustainable'],
        s.steps.map((st) => [formatNumber(st.ratePerSubtask), formatNumber(Math.round(st.intendedRecordsPerSec)), formatNumber(Math.round(st.achievedRecordsPerSec)), st.achievedRatio.toFixed(3), formatUsAsMs(st.p99Us), st.sustainable ? 'yes' : `no${st.why ? `: ${st.why}` : ''}`]),
      ),
      `<p>${s.sustainableRatePerSubtask === null ? 'No step was sustainable.' : `Knee: ${e(formatNumber(s.sustainableRatePerSubtask))} records/s per source subtask.`}</p>`,
      await figure({
        id: `rate-sweep-${i}`,
        title: 'Latency against throughput',
        caption: 'Each step of the rate sweep: achieved records/s against steady p99; green steps are sustainable (achieved ≥ 99 % of intended, p99 not growing), the diamond is the knee.',
        spec: rateSweepSpec(s),
      }),
      '</section>',
    );
  }
  return parts.join('\n');
}

async function shapesSection(input: ReportInput): Promise<string> {
  const shapes = input.suite?.shapes ?? [];
  if (shapes.length === 0) return '';
  const parts = [
    '<section id="published-shapes"><h2>Published shapes: model vs measured</h2>',
    table(['shape', 'title', 'scenario', 'verdict'], shapeSummaryRows(shapes), 'shapes'),
  ];
  for (const s of shapes) {
    if (s.checks.length === 0) continue;
    parts.push(`<h3 id="shape-${e(s.id)}">${e(s.id)} — ${e(s.title)} <span class="${s.verdict === 'pass' ? 'ok' : 'bad'}">${e(VERDICT_MARK[s.verdict])}</span></h3>`, `<p class="source">${e(s.source)}</p>`);
    for (const [i, c] of s.checks.entries()) {
      const t = checkTable(c);
      parts.push(
        `<h4>${e(c.name)}: ${e(criterion(c))} — ${e(VERDICT_MARK[c.verdict])}</h4>`,
        `<p class="formula">measured = <code>${e(c.measured)}</code>${c.predicted ? `; predicted = <code>${e(c.predicted)}</code>` : ''}</p>`,
        table(t.header, t.rows, 'shape-check'),
        await figure({ id: `shape-${s.id}-${i}`, title: `${s.id}: ${c.name}`, caption: 'Measured (solid) and predicted (dashed) against the swept parameter.', spec: shapeCheckSpec(c) }),
      );
    }
  }
  parts.push('</section>');
  return parts.join('\n');
}

function environmentSection(input: ReportInput, groups: readonly ScenarioGroup[]): string {
  const docs = groups.flatMap((g) => {
    const d = representative(g.variants[0]!);
    return d ? [{ g, d }] : [];
  });
  const env = input.suite?.environment ?? docs[0]?.d.environment;
  const flowlab = input.suite?.flowlab ?? docs[0]?.d.flowlab;
  const rows: string[][] = [];
  if (env) rows.push(['machine', `${env.cpuModel}, ${env.cores} cores, ${formatBytes(env.memoryBytes)}, ${env.os}, Node ${env.node}`]);
  if (flowlab) rows.push(['flowlab', `${flowlab.version}${flowlab.commit ? ` at ${flowlab.commit}` : ''}`]);
  if (input.suite) rows.push(['suite', `${input.suite.file} (${input.suite.state}${input.suite.startedAt ? `, started ${input.suite.startedAt}` : ''}${input.suite.finishedAt ? `, finished ${input.suite.finishedAt}` : ''})`]);
  const perScenario = docs.map(({ g, d }) => [
    g.name,
    String(d.seed),
    d.calibration.loopbackBytesPerSec > 0 ? `${formatNumber(d.calibration.loopbackBytesPerSec / 1e6)} MB/s, RTT ${formatNumber(d.calibration.loopbackRttUs)} µs` : 'not measured',
    d.command ?? '',
  ]);
  const configs = docs.map(({ g, d }) => `<details><summary>${e(g.name)}: resolved Flink configuration</summary><pre>${e(Object.entries(d.config).map(([k, v]) => `${k}: ${v}`).join('\n'))}</pre></details>`).join('');
  return `<section id="environment"><h2>Environment, calibration, seeds and how to rerun</h2>${table(['', ''], rows, 'kv')}${table(['scenario', 'seed', 'calibration (raw loopback)', 'command to rerun'], perScenario)}${configs}</section>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0 auto;max-width:1100px;padding:16px 24px;color:#222}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}h4{margin:10px 0 4px}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}th:first-child,td:first-child{text-align:left}
table.tuning td:nth-child(2){text-align:left}table.shapes td{text-align:left}table.shape-check td:last-child,table.shape-check td:nth-last-child(2){text-align:left}table.kv thead{display:none}table.kv td{text-align:left}thead th{background:#f5f5f5}
.ok{color:#1a7f37}.bad{color:#cf222e}ul.checks li.fail{color:#cf222e}ul.checks li.invalid{color:#9a6700}
figure.chart{margin:18px 0;padding:8px;border:1px solid #eee;border-radius:4px;overflow-x:auto}figure.chart svg{max-width:100%;height:auto}figcaption{color:#555;font-size:12.5px;margin-top:4px}
pre{background:#f6f8fa;padding:8px;overflow-x:auto}code{background:#f6f8fa;padding:0 3px}nav a{margin-right:12px}.description{color:#444}
`;

/** Renders the HTML report (async: the charts are drawn by vega). */
export async function renderHtml(input: ReportInput): Promise<string> {
  const groups = groupRuns(input.runs);
  const tunings = sweptScenarios(groups).map((g) => buildTuningReport(g, input.tuning));
  const completed = input.runs.filter((r) => r.state === 'completed').length;
  const checks = input.runs.flatMap((r) => runChecks(r));
  const failed = checks.filter((c) => c.verdict !== 'pass').length;
  const sections: string[] = [];
  for (const g of groups) sections.push(await scenarioSection(g, input, tunings.find((t) => t.scenario === g.name)));
  const data = { title: input.title, suite: input.suite ?? null, runs: input.runs.map((r) => ({ scenario: r.scenario, variant: r.variant, repetition: r.repetition, state: r.state, dir: r.dir ?? null })), tuning: tunings };
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>flowlab report: ${e(input.title)}</title><style>${STYLE}</style></head><body>`,
    `<header><h1>flowlab report: ${e(input.title)}</h1>${input.suite ? `<p class="description">${e(input.suite.description)}</p>` : ''}`,
    `<p>${completed} of ${input.runs.length} runs completed · <span class="${failed === 0 ? 'ok' : 'bad'}">${checks.length - failed} of ${checks.length} checks passed</span>${input.baseline ? ` · baseline: ${e(input.baseline.label)}` : ' · no baseline'}</p>`,
    `<nav>${groups.map((g) => `<a href="#scenario-${slug(g.name)}">${e(g.name)}</a>`).join('')}${(input.suite?.rateSweeps ?? []).map((_, i) => `<a href="#rate-sweep-${i}">rate sweep ${i + 1}</a>`).join('')}${(input.suite?.shapes ?? []).length > 0 ? '<a href="#published-shapes">published shapes</a>' : ''}<a href="#environment">environment</a></nav></header>`,
    '<main>',
    ...sections,
    await rateSweepSection(input),
    await shapesSection(input),
    environmentSection(input, groups),
    '</main>',
    `<script type="application/json" id="flowlab-report-data">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
