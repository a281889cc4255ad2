/**
 * Planning a suite (no process starts): sweeps expand to variants, the A/A control adds variants A and B, runs are
 * interleaved (A B C A B C …) with each entry's repetitions, `--filter` selects, and a problem anywhere — an inline
 * scenario, a sweep value, the control — is reported at the suite file's line before anything runs.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowlabError } from '../core/index.js';
import { FileValidationError, type FileIssue } from './source-locations.js';
import { expandSweep, planSuite, type SuitePlan } from './suite-plan.js';

const dir = mkdtempSync(join(tmpdir(), 'flowlab-suite-plan-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a file; one argument per line, so line numbers are the argument's position. */
function write(name: string, ...lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const order = (plan: SuitePlan): string[] => plan.runs.map((r) => `${r.scenario}/${r.variant}#${r.repetition}/${r.repetitions}`);

function issuesOf(file: string): readonly FileIssue[] {
  try {
    planSuite(file);
  } catch (error) {
    if (error instanceof FileValidationError) return error.issues;
    throw error;
  }
  assert.fail(`${file} should not plan`);
}

test('expandSweep: the cartesian product in matrix order', () => {
  assert.deepEqual(expandSweep({ matrix: { a: [1, 2], b: ['x', 'y'] }, include: [], exclude: [] }), [
    { a: 1, b: 'x' },
    { a: 1, b: 'y' },
    { a: 2, b: 'x' },
    { a: 2, b: 'y' },
  ]);
  assert.deepEqual(expandSweep({ matrix: { a: [1] }, include: [], exclude: [] }), [{ a: 1 }]);
});

test('expandSweep: include adds combinations, exclude drops every combination a partial pattern matches, duplicates go', () => {
  const combos = expandSweep({
    matrix: { a: [1, 2, 2], b: ['x', 'y'] },
    include: [{ a: 3, b: 'z' }, { b: 'x', a: 1 }, { a: 4 }],
    exclude: [{ b: 'y' }, { a: '2', b: 'x' }],
  });
  assert.deepEqual(combos, [{ a: 1, b: 'x' }, { a: 3, b: 'z' }, { a: 4 }]);
});

test('planSuite interleaves the variants (A B C A B C …), each with its own repetitions', () => {
  write('alpha.yaml', 'name: alpha', 'description: from a file', 'repetitions: 2');
  const file = write(
    'interleave.yaml',
    'name: interleave',
    'description: three scenarios with 2, 3 and 1 repetitions',
    'scenarios:',
    '  - path: alpha.yaml',
    '  - scenario: {name: beta, description: inline, repetitions: 5}',
    '    repetitions: 3',
    '  - scenario: {name: gamma, description: inline}',
    '    repetitions: 1',
  );
  const plan = planSuite(file);
  assert.equal(plan.suite.name, 'interleave');
  // the entry's repetitions win over the scenario's; the scenario's apply when the entry and suite say nothing
  assert.deepEqual(order(plan), ['alpha/base#1/2', 'beta/base#1/3', 'gamma/base#1/1', 'alpha/base#2/2', 'beta/base#2/3', 'beta/base#3/3']);
  assert.deepEqual(
    plan.runs.map((r) => r.entry),
    [0, 1, 2, 0, 1, 1],
  );
  // --repetitions overrides all of them
  assert.deepEqual(order(planSuite(file, { repetitions: 1 })), ['alpha/base#1/1', 'beta/base#1/1', 'gamma/base#1/1']);
});

test('a sweep makes one variant per combination, named after the swept fields', () => {
  const file = write(
    'sweep.yaml',
    'name: sweep',
    'description: rate x buffer timeout',
    'repetitions: 1',
    'scenarios:',
    '  - scenario: {name: swept, description: inline}',
    '    sweep:',
    '      matrix:',
    '        workload.rate: [1000, 2000]',
    '        execution.buffer-timeout: [0ms, 10ms]',
    '      exclude:',
    '        - {workload.rate: 2000, execution.buffer-timeout: 0ms}',
  );
  const plan = planSuite(file);
  assert.deepEqual(order(plan), ['swept/rate=1000,buffer-timeout=0ms#1/1', 'swept/rate=1000,buffer-timeout=10ms#1/1', 'swept/rate=2000,buffer-timeout=10ms#1/1']);
  const first = plan.runs[0]!;
  // parameters under their full paths, values as the scenario reads them
  assert.deepEqual(first.parameters, { 'workload.rate': 1000, 'config.execution.buffer-timeout': '0ms' });
  assert.equal(first.rateSwept, true);
  assert.equal(first.loaded.options.ratePerSec, 1000);
  assert.deepEqual(first.loaded.options.config, { 'execution.buffer-timeout': '0ms' });
  assert.equal(plan.runs[2]!.loaded.options.ratePerSec, 2000);
});

test('the control scenario runs as two identical variants A and B, interleaved with the others', () => {
  const file = write(
    'control.yaml',
    'name: control',
    'description: an A/A control next to a plain scenario',
    'control: noise',
    'repetitions: 2',
    'scenarios:',
    '  - scenario: {name: noise, description: inline}',
    '  - scenario: {name: other, description: inline}',
  );
  const plan = planSuite(file);
  assert.deepEqual(order(plan), ['noise/A#1/2', 'noise/B#1/2', 'other/base#1/2', 'noise/A#2/2', 'noise/B#2/2', 'other/base#2/2']);
  assert.deepEqual(plan.runs[0]!.parameters, { control: 'A' });
  assert.deepEqual(plan.runs[1]!.parameters, { control: 'B' });
  assert.deepEqual(plan.runs[0]!.loaded.options, plan.runs[1]!.loaded.options);
});

test('a control naming no scenario of the suite is reported at the control line', () => {
  const file = write('control-missing.yaml', 'name: control-missing', 'description: d', 'control: nois', 'scenarios:', '  - scenario: {name: noise, description: inline}');
  const issues = issuesOf(file);
  assert.deepEqual(
    issues.map((i) => [i.line, i.column, i.path]),
    [[3, 10, 'control']],
  );
  assert.match(issues[0]!.message, /no scenario named "nois" without a sweep in this suite \(scenarios: noise\)/);
});

test('--filter keeps the runs whose scenario/variant contains the text; a filter matching nothing lists what exists', () => {
  const file = join(dir, 'sweep.yaml');
  assert.deepEqual(order(planSuite(file, { filter: 'rate=1000' })), ['swept/rate=1000,buffer-timeout=0ms#1/1', 'swept/rate=1000,buffer-timeout=10ms#1/1']);
  assert.deepEqual(order(planSuite(file, { filter: 'buffer-timeout=10ms' })), ['swept/rate=1000,buffer-timeout=10ms#1/1', 'swept/rate=2000,buffer-timeout=10ms#1/1']);
  assert.throws(
    () => planSuite(file, { filter: 'nothing' }),
    (e: unknown) => e instanceof FlowlabError && e.code === 'ERR_USAGE' && e.message.includes('--filter "nothing" matches none of: swept/rate=1000,buffer-timeout=0ms,'),
  );
});

test('an error inside an inline scenario is reported at the suite file line, under scenarios[i].scenario', () => {
  const file = write(
    'inline-error.yaml',
    'name: inline-error',
    'description: two broken inline scenarios',
    'scenarios:',
    '  - scenario:',
    '      name: beta',
    '      description: b',
    '      workload:',
    '        duration: 20',
    '  - scenario:',
    '      name: gamma',
    '      description: g',
    '      workload:',
    '        rat: 5',
  );
  const issues = issuesOf(file);
  assert.deepEqual(
    issues.map((i) => [i.file, i.line, i.column, i.path]),
    [
      [file, 8, 19, 'scenarios[0].scenario.workload.duration'],
      [file, 13, 9, 'scenarios[1].scenario.workload.rat'],
    ],
  );
  assert.match(issues[0]!.message, /a duration needs a unit/);
  assert.match(issues[1]!.message, /did you mean "rate"/);
});

test('a bad value from a sweep or a suite-wide set names the suite line it comes from', () => {
  const file = write(
    'sweep-error.yaml',
    'name: sweep-error',
    'description: d',
    'set:',
    '  workload.warmup: 2',
    'scenarios:',
    '  - scenario: {name: swept, description: inline}',
    '    sweep:',
    '      matrix:',
    '        workload.keyDistribution: [uniform, zipff]',
  );
  const issues = issuesOf(file);
  assert.ok(issues.every((i) => i.line === 0));
  const distinct = [...new Set(issues.map((i) => `${i.path} ← ${i.origin}`))].sort();
  assert.deepEqual(distinct, [`scenarios[0].scenario.workload.keyDistribution ← ${file}:8:7 scenarios[0].sweep`, `scenarios[0].scenario.workload.warmup ← ${file}:4:20 set.workload.warmup`]);
});
