/** Writes the chosen formats of a report into a folder: report.md, report.html, junit.xml, report.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlowlabError } from '../core/index.js';
import { groupRuns, variantFigures } from './figures.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import type { ReportInput } from './report-input.js';
import { buildTuningReport, sweptScenarios } from './tuning.js';

export const REPORT_FORMATS = ['md', 'html', 'junit', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPORT_FILES: Readonly<Record<ReportFormat, string>> = { md: 'report.md', html: 'report.html', junit: 'junit.xml', json: 'report.json' };

/** `md,html` → formats; an unknown one fails naming it. */
export function parseReportFormats(text: string): ReportFormat[] {
  const formats = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const f of formats) if (!(REPORT_FORMATS as readonly string[]).includes(f)) throw new FlowlabError('ERR_USAGE', `--format: unknown format "${f}"; one or more of ${REPORT_FORMATS.join(', ')}`);
  return [...new Set(formats)] as ReportFormat[];
}

/** The figures the other formats show, as JSON: per scenario and variant the medians, checks, and the tuning ranking. */
export function renderReportJson(input: ReportInput): string {
  const groups = groupRuns(input.runs);
  return `${JSON.stringify(
    {
      schemaVersion: 1,
      title: input.title,
      suite: input.suite ? { suite: input.suite.suite, state: input.suite.state, file: input.suite.file } : null,
      scenarios: groups.map((g) => ({ scenario: g.name, sweptKeys: g.sweptKeys, variants: g.variants.map((v) => ({ variant: v.variant, parameters: v.parameters, figures: variantFigures(v) })) })),
      tuning: sweptScenarios(groups).map((g) => buildTuningReport(g, input.tuning)),
      rateSweeps: input.suite?.rateSweeps ?? [],
      shapes: input.suite?.shapes ?? [],
      baseline: input.baseline ? { label: input.baseline.label, verdicts: input.baseline.verdicts ?? [] } : null,
    },
    null,
    2,
  )}\n`;
}

/** Renders each format and writes it into `dir` (created); returns format → path. */
export async function writeReports(input: ReportInput, dir: string, formats: readonly ReportFormat[] = REPORT_FORMATS): Promise<Partial<Record<ReportFormat, string>>> {
  mkdirSync(dir, { recursive: true });
  const written: Partial<Record<ReportFormat, string>> = {};
  for (const format of formats) {
    const text = format === 'md' ? renderMarkdown(input) : format === 'html' ? await renderHtml(input) : format === 'junit' ? renderJunit(input) : renderReportJson(input);
    const path = join(dir, REPORT_FILES[format]);
    writeFileSync(path, text);
    written[format] = path;
  }
  return written;
}
