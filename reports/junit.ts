/**
 * JUnit XML: a testsuite per scenario, a testcase per invariant (completed, lost = 0, duplicated = 0) and absolute gate
 * of every run, and one per baseline verdict where given. A failed check is a `<failure>` carrying the diagnosis; a
 * gate that could not be evaluated is an `<error>`; a run that never started is `<skipped>`. CI systems that ingest
 * JUnit then list gates as tests. Deterministic: times are the runs' own durations, no clock is read.
 */
import { groupRuns, runChecks, type CheckVerdict } from './figures.js';
import type { BaselineVerdict, ReportInput } from './report-input.js';
import { criterion, shapeNumber } from './shapes.js';

interface Case {
  readonly classname: string;
  readonly name: string;
  readonly timeSec: number;
  readonly outcome: { readonly kind: 'failure' | 'error' | 'skipped'; readonly type: string; readonly message: string } | null;
}

/** Escapes text for XML attributes and content; drops characters XML 1.0 cannot carry. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const seconds = (s: number): string => s.toFixed(3);

function outcomeOf(verdict: CheckVerdict, kind: string, message: string | undefined): Case['outcome'] {
  if (verdict === 'pass') return null;
  if (verdict === 'fail') return { kind: 'failure', type: kind, message: message ?? 'failed' };
  return { kind: 'error', type: `${kind}-invalid`, message: message ?? 'could not be evaluated' };
}

function baselineCase(scenario: string, v: BaselineVerdict): Case {
  const name = `baseline ${v.metric} in phase ${v.phase}${v.variant ? ` (${v.variant})` : ''}`;
  const delta = v.deltaPct === null ? 'n/a' : `${v.deltaPct > 0 ? '+' : ''}${v.deltaPct.toFixed(1)} %`;
  const ci = v.ci ? ` [${v.ci.lowPct.toFixed(1)} %, ${v.ci.highPct.toFixed(1)} %]` : '';
  const message = `${v.verdict}: Δ ${delta}${ci}${v.diagnosis ? ` — ${v.diagnosis}` : ''}`;
  const outcome: Case['outcome'] =
    v.verdict === 'regression' ? { kind: 'failure', type: 'baseline-regression', message } : v.verdict === 'invalid' ? { kind: 'error', type: 'baseline-invalid', message } : null;
  return { classname: `flowlab.${scenario}.baseline`, name, timeSec: 0, outcome };
}

function renderCase(c: Case): string {
  const open = `    <testcase classname="${xmlEscape(c.classname)}" name="${xmlEscape(c.name)}" time="${seconds(c.timeSec)}"`;
  if (!c.outcome) return `${open}/>`;
  const o = c.outcome;
  const body = o.kind === 'skipped' ? `<skipped message="${xmlEscape(o.message)}"/>` : `<${o.kind} type="${xmlEscape(o.type)}" message="${xmlEscape(o.message)}">${xmlEscape(o.message)}</${o.kind}>`;
  return `${open}>\n      ${body}\n    </testcase>`;
}

/** Renders the JUnit XML report. */
export function renderJunit(input: ReportInput): string {
  const suites: string[] = [];
  let total = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 };
  for (const group of groupRuns(input.runs)) {
    const cases: Case[] = [];
    for (const v of group.variants) {
      for (const run of v.runs) {
        const classname = `flowlab.${group.name}.${v.variant}`;
        const prefix = `rep ${run.repetition}: `;
        const timeSec = (run.result?.durationMs ?? 0) / 1000;
        if (run.state === 'skipped') {
          cases.push({ classname, name: `${prefix}run`, timeSec: 0, outcome: { kind: 'skipped', type: 'skipped', message: run.error ?? 'the run never started (interrupted or bailed suite)' } });
          continue;
        }
        runChecks(run).forEach((check, i) =>
          cases.push({ classname, name: `${prefix}${check.kind} ${check.name}`, timeSec: i === 0 ? timeSec : 0, outcome: outcomeOf(check.verdict, check.kind, check.message) }),
        );
      }
    }
    for (const v of input.baseline?.verdicts ?? []) if (v.scenario === group.name) cases.push(baselineCase(group.name, v));
    const count = {
      tests: cases.length,
      failures: cases.filter((c) => c.outcome?.kind === 'failure').length,
      errors: cases.filter((c) => c.outcome?.kind === 'error').length,
      skipped: cases.filter((c) => c.outcome?.kind === 'skipped').length,
      time: cases.reduce((s, c) => s + c.timeSec, 0),
    };
    total = { tests: total.tests + count.tests, failures: total.failures + count.failures, errors: total.errors + count.errors, skipped: total.skipped + count.skipped, time: total.time + count.time };
    suites.push(
      [
        `  <testsuite name="${xmlEscape(group.name)}" tests="${count.tests}" failures="${count.failures}" errors="${count.errors}" skipped="${count.skipped}" time="${seconds(count.time)}">`,
        ...cases.map(renderCase),
        '  </testsuite>',
      ].join('\n'),
    );
  }
  const shapes = input.suite?.shapes ?? [];
  if (shapes.length > 0) {
    const cases: Case[] = shapes.flatMap((s): Case[] => {
      const classname = `flowlab.published.${s.id}`;
      if (s.verdict === 'skipped') return [{ classname, name: s.title, timeSec: 0, outcome: { kind: 'skipped', type: 'skipped', message: s.reason ?? 'cannot run here' } }];
      if (s.checks.length === 0) return [{ classname, name: s.title, timeSec: 0, outcome: { kind: 'error', type: 'shape-no-data', message: s.reason ?? 'no data' } }];
      return s.checks.filter((c) => c.judged).map((c) => {
        const bad = c.rows.filter((r) => r.verdict !== 'pass').map((r) => `${r.variant ?? 'all variants'}: measured ${shapeNumber(r.measured)}${r.predicted !== null ? `, predicted ${shapeNumber(r.predicted)}` : ''}${r.reason ? ` (${r.reason})` : ''}`);
        const message = `${criterion(c)}; ${bad.join('; ')}`;
        return { classname, name: `${s.title}: ${c.name}`, timeSec: 0, outcome: c.verdict === 'pass' ? null : c.verdict === 'fail' ? { kind: 'failure', type: 'shape', message } : { kind: 'error', type: 'shape-no-data', message } };
      });
    });
    const count = { tests: cases.length, failures: cases.filter((c) => c.outcome?.kind === 'failure').length, errors: cases.filter((c) => c.outcome?.kind === 'error').length, skipped: cases.filter((c) => c.outcome?.kind === 'skipped').length };
    total = { ...total, tests: total.tests + count.tests, failures: total.failures + count.failures, errors: total.errors + count.errors, skipped: total.skipped + count.skipped };
    suites.push([`  <testsuite name="published shapes" tests="${count.tests}" failures="${count.failures}" errors="${count.errors}" skipped="${count.skipped}" time="0.000">`, ...cases.map(renderCase), '  </testsuite>'].join('\n'));
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlEscape(`flowlab ${input.title}`)}" tests="${total.tests}" failures="${total.failures}" errors="${total.errors}" skipped="${total.skipped}" time="${seconds(total.time)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
