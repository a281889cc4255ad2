/**
 * Model vs measured for published shapes (spec §8): the table every format shows per shape — predicted, measured,
 * ratio, criterion, verdict — and, for a check drawn over a swept parameter, a chart of both curves.
 */
import type { ChartSpec } from './charts.js';
import type { ShapeCheckInput, ShapeInput, ShapeRowInput } from './report-input.js';

/** Significant but short: 3 significant digits, thousands grouped. */
export function shapeNumber(v: number | null): string {
  if (v === null) return 'n/a';
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1000) return Math.round(v).toLocaleString('en-US');
  return Number(v.toPrecision(3)).toString();
}

/** The pass criterion of a check, in words. */
export function criterion(c: ShapeCheckInput): string {
  const parts: string[] = [];
  if (c.tolerance) parts.push(`measured ÷ predicted in [${c.tolerance[0]}, ${c.tolerance[1]}]`);
  if (c.min !== null && c.max !== null) parts.push(`measured in [${c.min}, ${c.max}]`);
  else if (c.min !== null) parts.push(`measured ≥ ${c.min}`);
  else if (c.max !== null) parts.push(`measured ≤ ${c.max}`);
  return parts.length > 0 ? parts.join(' and ') : 'shown, not judged';
}

export const VERDICT_MARK: Readonly<Record<ShapeInput['verdict'], string>> = { pass: 'pass', fail: 'FAIL', 'no-data': 'no data', skipped: 'skipped' };

/** Table header and rows of one check (plain strings; each format escapes and lays them out). */
export function checkTable(c: ShapeCheckInput): { header: string[]; rows: string[][] } {
  const unit = c.unit ? ` (${c.unit})` : '';
  const header = ['variant', `predicted${unit}`, `measured${unit}`, 'ratio', ...(c.published ? ['published'] : []), 'verdict'];
  const rows = c.rows.map((r: ShapeRowInput) => [
    r.variant ?? 'all variants',
    c.predicted === null ? '—' : shapeNumber(r.predicted),
    shapeNumber(r.measured),
    r.ratio === null ? '—' : r.ratio.toFixed(2),
    ...(c.published ? [`${shapeNumber(c.published.value)} (${c.published.source})`] : []),
    c.judged || r.verdict === 'no-data' ? `${VERDICT_MARK[r.verdict]}${r.reason ? `: ${r.reason}` : ''}` : '—',
  ]);
  return { header, rows };
}

/** The summary line of every shape: one row each, skipped ones with their reason. */
export function shapeSummaryRows(shapes: readonly ShapeInput[]): string[][] {
  return shapes.map((s) => [s.id, s.title, s.scenario ?? '—', `${VERDICT_MARK[s.verdict]}${s.reason && s.verdict !== 'pass' ? `: ${s.reason}` : ''}`]);
}

/** A check over a swept parameter: measured and predicted against it, one line per combination of the other parameters. */
export function shapeCheckSpec(c: ShapeCheckInput): ChartSpec | null {
  if (c.x === null) return null;
  const xKey = c.x;
  const short = (k: string): string => k.split('.').at(-1) ?? k;
  const series = (r: ShapeRowInput): string =>
    Object.entries(r.parameters)
      .filter(([k]) => k !== xKey)
      .map(([k, v]) => `${short(k)}=${String(v)}`)
      .join(', ') || 'all';
  const values = c.rows.flatMap((r) =>
    r.x === null
      ? []
      : [
          ...(r.measured !== null ? [{ x: r.x, value: r.measured, kind: 'measured', series: series(r) }] : []),
          ...(r.predicted !== null ? [{ x: r.x, value: r.predicted, kind: 'predicted', series: series(r) }] : []),
        ],
  );
  if (values.filter((v) => v.kind === 'measured').length < 2) return null;
  const unit = c.unit ? ` (${c.unit})` : '';
  return {
    width: 420,
    height: 220,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: short(xKey) },
      y: { field: 'value', type: 'quantitative', title: `${c.name}${unit}` },
      color: { field: 'series', type: 'nominal', title: null },
      strokeDash: { field: 'kind', type: 'nominal', title: null, scale: { domain: ['measured', 'predicted'], range: [[1, 0], [5, 4]] } },
      tooltip: [{ field: 'series' }, { field: 'kind' }, { field: 'x' }, { field: 'value', format: '.4~g' }],
    },
  };
}
