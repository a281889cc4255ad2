import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHtml, renderJunit, renderMarkdown } from '../reports/index.js';
import { fakeResult } from './gate/fake-results.js';
import { DEFAULT_GATE_OPTIONS, evaluateGates } from './gate/gate-evaluate.js';
import { loadBaseline } from './gate/baseline.js';
import { publishedBaseline } from './gate/published-baseline.js';
import type { ResultDocument } from './result-schema.js';
import { evaluateShapes, metricOf, numericValue, shapeProblems, type ShapeRun } from './shape-model.js';
import { shapeSchema, type ShapeInput } from './shape-schema.js';
import { planSuite } from './suite-plan.js';
import { FileValidationError } from './source-locations.js';
import { CLI, REPO, tempDir } from './test-support.js';

const KEY = 'config.taskmanager.network.memory.buffers-per-channel';

/** A completed run of entry 0 with the given swept parameters, throughput and resolved config. */
function run(parameters: Record<string, unknown>, recordsPerSec: number, config: Record<string, string> = {}, extra: Partial<ResultDocument> = {}): ShapeRun {
  const doc = { ...fakeResult({ recordsPerSec }), config: { 'taskmanager.memory.segment-size': '32 kb', ...config }, ...extra };
  const variant = Object.entries(parameters).map(([k, v]) => `${k.split('.').at(-1)}=${String(v)}`).join(',') || 'base';
  return { entry: 0, scenario: 'credit', variant, parameters, result: doc };
}

const creditShape: ShapeInput = {
  id: 'S5',
  title: 'credit window',
  source: 'spec S5',
  vars: {
    t: { metric: 'throughput.bytesPerSec' },
    credits: { param: 'taskmanager.network.memory.buffers-per-channel' },
    segment: { param: 'taskmanager.memory.segment-size' },
    t1: { metric: 'throughput.bytesPerSec', where: { 'taskmanager.network.memory.buffers-per-channel': 1 } },
    t4: { metric: 'throughput.bytesPerSec', where: { 'taskmanager.network.memory.buffers-per-channel': 4 } },
  },
  checks: [
    { name: 'window ÷ RTT', measured: 't', predicted: 'credits * segment / 0.01', tolerance: [0.7, 1.1], x: 'taskmanager.network.memory.buffers-per-channel' },
    { name: 'T(4) ÷ T(1)', measured: 't4 / t1', min: 3, published: { value: 4, source: 'the model' } },
  ],
};

// bytesPerSec = recordsPerSec × 128 in fake results; predicted = credits × 32768 / 0.01 s
const perCredit = (credits: number, factor: number): number => (credits * 32768 * 100 * factor) / 128;

test('a formula check is evaluated per variant: measured ÷ predicted against the tolerance, with the row that misses named', () => {
  const runs = [run({ [KEY]: 1 }, perCredit(1, 0.95)), run({ [KEY]: 2 }, perCredit(2, 0.9)), run({ [KEY]: 4 }, perCredit(4, 0.5))];
  const [outcome] = evaluateShapes([{ scenario: 'credit', shape: shapeSchema.parse(creditShape) }], [], runs);
  assert.equal(outcome!.verdict, 'fail');
  const window = outcome!.checks[0]!;
  assert.deepEqual(
    window.rows.map((r) => [r.x, r.verdict, Number(r.ratio!.toFixed(2))]),
    [
      [1, 'pass', 0.95],
      [2, 'pass', 0.9],
      [4, 'fail', 0.5],
    ],
  );
  assert.match(window.rows[2]!.reason!, /outside \[0\.7, 1\.1\]/);
  const ratio = outcome!.checks[1]!;
  assert.equal(ratio.rows.length, 1, 'a check whose vars all name their variant is evaluated once');
  assert.equal(ratio.rows[0]!.variant, null);
  assert.ok(Math.abs(ratio.rows[0]!.measured! - (4 * 0.5) / 0.95) < 1e-9);
  assert.equal(ratio.verdict, 'fail');
});

test('the same shape passes when every variant follows the model; medians over repetitions are used', () => {
  const runs = [run({ [KEY]: 1 }, perCredit(1, 1)), run({ [KEY]: 1 }, perCredit(1, 0.2)), run({ [KEY]: 1 }, perCredit(1, 1.02)), run({ [KEY]: 4 }, perCredit(4, 1))];
  const [outcome] = evaluateShapes([{ scenario: 'credit', shape: shapeSchema.parse(creditShape) }], [], runs);
  assert.equal(outcome!.verdict, 'pass', JSON.stringify(outcome!.checks.map((c) => c.rows)));
  assert.ok(Math.abs(outcome!.checks[0]!.rows[0]!.ratio! - 1) < 1e-9, 'the median of 1, 0.2 and 1.02 is 1');
});

test('a missing variant, or a run that did not complete, gives no-data naming what is missing', () => {
  const errored = run({ [KEY]: 4 }, perCredit(4, 1));
  const runs = [run({ [KEY]: 1 }, perCredit(1, 1)), { ...errored, result: { ...errored.result!, state: 'errored' as const } }];
  const [outcome] = evaluateShapes([{ scenario: 'credit', shape: shapeSchema.parse(creditShape) }], [], runs);
  assert.equal(outcome!.verdict, 'no-data');
  assert.match(outcome!.checks[1]!.rows[0]!.reason!, /t4: no completed run with config\.taskmanager\.network\.memory\.buffers-per-channel=4/);
});

test('slope, table and param vars; a check without a criterion is shown, not judged', () => {
  const timeout = 'config.execution.buffer-timeout';
  const lat = (p50: number): Partial<ResultDocument> => ({ latencyUs: { ...fakeResult({ recordsPerSec: 1 }).latencyUs, p50 } });
  const runs = [1, 5, 10, 20].map((ms) => ({ ...run({ [timeout]: `${ms}ms` }, 100, {}, lat(1000 + ms * 500)) }));
  const shape = shapeSchema.parse({
    id: 'S2',
    title: 'latency',
    source: 'spec S2',
    vars: { slope: { slope: 'latencyUs.p50', x: 'execution.buffer-timeout' }, p50: { metric: 'latencyUs.p50' }, t: { param: 'execution.buffer-timeout' }, flink: { table: 'execution.buffer-timeout', values: { '1ms': 1.5, '10ms': 6 } } },
    checks: [
      { name: 'slope', measured: 'slope / 1000', min: 0.4, max: 0.6 },
      { name: 'curve', measured: 'p50 / 1000', predicted: 'flink', x: 'execution.buffer-timeout' },
      { name: 'timeout as a number', measured: 't', max: 20 },
    ],
  });
  const [outcome] = evaluateShapes([{ scenario: 'lat', shape }], [], runs);
  assert.equal(outcome!.checks[0]!.rows[0]!.measured, 0.5);
  const curve = outcome!.checks[1]!;
  assert.equal(curve.judged, false);
  assert.deepEqual(curve.rows.map((r) => r.predicted), [1.5, null, 6, null], 'a table gives values only where it has them');
  assert.deepEqual(outcome!.checks[2]!.rows.map((r) => r.measured), [1, 5, 10, 20], 'durations are milliseconds');
  assert.equal(outcome!.verdict, 'pass', 'the unjudged curve does not decide the verdict');
});

test('metric paths reach phases, tasks (aggregated) and nested figures; parameter values convert units', () => {
  const doc = fakeResult({ recordsPerSec: 10, tasks: { source: { busy: 100, backPressured: 800 }, sink: { busy: 900, backPressured: 0 } } });
  assert.equal(metricOf(doc, 'tasks.*.accountedMsPerSecond', 'min'), 1000);
  assert.equal(metricOf(doc, 'tasks.source.backPressuredTimeMsPerSecond'), 800);
  assert.equal(metricOf(doc, 'tasks.*.busyTimeMsPerSecond', 'sum'), 1000);
  assert.equal(metricOf(doc, 'phases.steady.throughput.recordsPerSec'), 10);
  assert.equal(metricOf(doc, 'checkpoints.durationMs.p50'), null, 'no completed checkpoint is no data, not 0 ms');
  assert.equal(metricOf(doc, 'checkpoints.completed'), 0, 'a count of checkpoints is a figure');
  assert.equal(metricOf(doc, 'latencyUs.p999'), null);
  assert.equal(numericValue('100 ms'), 100);
  assert.equal(numericValue('2 s'), 2000);
  assert.equal(numericValue('32kb'), 32768);
  assert.equal(numericValue(true), 1);
  assert.equal(numericValue('unbounded'), undefined);
});

test('plan-time problems: unknown vars, fields the entry does not sweep, bad metric paths, bad expressions, no criterion', () => {
  const shape = shapeSchema.parse({
    id: 'S9',
    title: 't',
    source: 's',
    vars: { a: { metric: 'throughput.recordsPerSecc' }, b: { metric: 'tasks.sink.bogus', where: { 'job.sinkCostUs': 1 } }, c: { slope: 'latencyUs.p50', x: 'workload.rate' } },
    checks: [
      { name: 'x', measured: 'a / zz', x: 'execution.buffer-timeout' },
      { name: 'y', measured: 'a +* b' },
    ],
  });
  const problems = shapeProblems(shape, ['config.execution.checkpointing.unaligned']).map(([path, message]) => `${path.join('.')}: ${message}`);
  const expect = [
    /^vars\.b\.where\.job\.sinkCostUs: job\.sinkCostUs is not swept by this entry \(swept: config\.execution\.checkpointing\.unaligned\)/,
    /^vars\.b\.metric: unknown task field "bogus"/,
    /^vars\.c\.x: workload\.rate is not swept/,
    /^checks\.0\.measured: "zz" is not one of the vars \(a, b, c\)/,
    /^checks\.0\.x: config\.execution\.buffer-timeout is not swept/,
    /^checks\.1\.measured: not an expression/,
    /^checks: a shape needs at least one check with a criterion/,
  ];
  for (const re of expect) assert.ok(problems.some((p) => re.test(p)), `${re} in\n${problems.join('\n')}`);
  assert.ok(
    shapeProblems(shapeSchema.parse({ ...shape, vars: { a: { metric: 'throughput.recordsPerSec' } }, checks: [{ name: 'ok', measured: 'a', min: 1 }] }), []).length === 0,
    'a correct shape has no problems',
  );
});

test('a suite names a shape file; its mistakes are reported at the shape file’s own lines before anything runs', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'scenario.yaml'), 'name: s\ndescription: d\njob: { topology: source-sink, parallelism: 1 }\nworkload: { rate: 100, duration: 1s, warmup: 0s }\n');
  writeFileSync(join(dir, 'bad.shape.yaml'), 'id: S2\ntitle: t\nsource: s\nvars:\n  p50: { metric: latencyUs.p50 }\nchecks:\n  - name: n\n    measured: p51\n    max: 3\n');
  writeFileSync(join(dir, 'suite.yaml'), 'name: x\ndescription: d\nscenarios:\n  - path: scenario.yaml\n    sweep: { matrix: { execution.buffer-timeout: [1ms, 5ms] } }\n    shape: bad.shape.yaml\nskipped:\n  - { id: S2, title: dup, reason: r }\n');
  let error: unknown;
  try {
    planSuite(join(dir, 'suite.yaml'));
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof FileValidationError, String(error));
  const lines = error.issues.map((i) => `${i.file.split('/').at(-1)}:${i.line} ${i.message}`);
  assert.ok(lines.some((l) => /^bad\.shape\.yaml:8 "p51" is not one of the vars \(p50\)/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^suite\.yaml:\d+ shape S2 appears more than once/.test(l)), lines.join('\n'));
  writeFileSync(join(dir, 'bad.shape.yaml'), 'id: S2\ntitle: t\nsource: s\nvars:\n  p50: { metric: latencyUs.p50 }\nchecks:\n  - name: n\n    measured: p50 / 1000\n    max: 3\n');
  writeFileSync(join(dir, 'suite.yaml'), 'name: x\ndescription: d\nscenarios:\n  - path: scenario.yaml\n    sweep: { matrix: { execution.buffer-timeout: [1ms, 5ms] } }\n    shape: bad.shape.yaml\n');
  const plan = planSuite(join(dir, 'suite.yaml'));
  assert.equal(plan.shapes[0]?.id, 'S2');
});

test('the gate judges each shape check (a miss is a regression, exit 1; a skipped shape is listed) and every report shows model vs measured', async () => {
  const runs = [run({ [KEY]: 1 }, perCredit(1, 1)), run({ [KEY]: 4 }, perCredit(4, 0.5))];
  const shapes = evaluateShapes([{ scenario: 'credit', shape: shapeSchema.parse(creditShape) }], [{ id: 'S3', title: 'idle channels', reason: 'needs 1,000 subtasks' }], runs);
  const verdict = evaluateGates({ runs: [], sources: ['x'], shapes }, DEFAULT_GATE_OPTIONS);
  assert.equal(verdict.exitCode, 1);
  const s5 = verdict.scenarios.find((s) => s.variant === 'S5')!;
  assert.equal(s5.verdict, 'regression');
  assert.match(s5.gates.find((g) => g.gate === 'S5: window ÷ RTT')!.reason, /measured ÷ predicted = 0\.500/);
  const s3 = verdict.scenarios.find((s) => s.variant === 'S3')!;
  assert.deepEqual(s3.skipped, [{ gate: 'S3: idle channels', reason: 'needs 1,000 subtasks' }]);
  const passing = evaluateShapes([{ scenario: 'credit', shape: shapeSchema.parse(creditShape) }], [], [run({ [KEY]: 1 }, perCredit(1, 1)), run({ [KEY]: 4 }, perCredit(4, 1))]);
  assert.equal(evaluateGates({ runs: [], sources: ['x'], shapes: passing }, DEFAULT_GATE_OPTIONS).scenarios.every((s) => s.verdict === 'pass'), true);

  const suite = { suite: 'published', description: 'd', file: 'suites/published.yaml', state: 'completed', shapes };
  const input = { title: 'published', suite, runs: [] };
  const md = renderMarkdown(input);
  assert.match(md, /## Published shapes: model vs measured/);
  assert.match(md, /\| S3 \| idle channels \| — \| skipped: needs 1,000 subtasks \|/);
  assert.match(md, /\| buffers-per-channel=4 \| 13,107,200 \| 6,553,600 \| 0\.50 \| FAIL: measured ÷ predicted = 0\.500, outside \[0\.7, 1\.1\] \|/);
  const junit = renderJunit(input);
  assert.match(junit, /<testsuite name="published shapes" tests="3" failures="2" errors="0" skipped="1"/);
  const html = await renderHtml(input);
  assert.match(html, /data-chart="shape-S5-0"><h3>S5: window ÷ RTT<\/h3><svg/);
  assert.match(html, /<svg/);
});

test('every shipped suite plans; the published suite accounts for all eighteen shapes, and its baseline matches its shape files', () => {
  const suites = readdirSync(join(REPO, 'suites')).filter((f) => f.endsWith('.yaml'));
  assert.ok(suites.includes('published.yaml') && suites.includes('published-quick.yaml'), suites.join(', '));
  for (const f of suites) planSuite(join(REPO, 'suites', f));
  const plan = planSuite(join(REPO, 'suites', 'published.yaml'));
  const ids = [...plan.shapes.flatMap((s) => (s ? [s.id] : [])), ...plan.suite.skipped.map((s) => s.id)];
  assert.deepEqual(ids.map((id) => Number(id.slice(1))).sort((a, b) => a - b), Array.from({ length: 18 }, (_, i) => i + 1));
  for (const s of plan.suite.skipped) assert.ok(s.reason.length > 40, `${s.id} says why it is skipped`);
  const quick = planSuite(join(REPO, 'suites', 'published-quick.yaml'));
  assert.ok(quick.shapes.filter(Boolean).length >= 3, 'the quick suite gates several shapes');
  const committed = loadBaseline(join(REPO, 'suites', 'baselines', 'published.json'));
  const fresh = publishedBaseline({ ...plan, file: 'suites/published.yaml' }, 'published', new Date(committed.createdAt));
  assert.deepEqual(committed, fresh, 'suites/baselines/published.json is stale: npx flowlab baseline published suites/published.yaml --to suites/baselines/published.json');
  assert.equal(committed.source, 'published');
});

test('flowlab baseline published writes the published baseline; baseline save and published are separate subcommands', (t) => {
  const dir = tempDir(t);
  const to = join(dir, 'published.json');
  const out = execFileSync(process.execPath, [CLI, 'baseline', 'published', join(REPO, 'suites', 'published-quick.yaml'), '--to', to], { encoding: 'utf8' });
  assert.match(out, /published figures of \d+ shapes \(source: published\)/);
  const written = loadBaseline(to);
  assert.equal(written.source, 'published');
  assert.ok(Object.keys(written.scenarios).some((k) => k.endsWith('/S9')), Object.keys(written.scenarios).join(', '));
  const bad = spawnSync(process.execPath, [CLI, 'baseline', 'published', join(REPO, 'suites', 'smoke.yaml'), '--to', join(dir, 'none.json')], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /has no shape check with a published figure/);
  const none = spawnSync(process.execPath, [CLI, 'baseline'], { encoding: 'utf8' });
  assert.notEqual(none.status, 0);
  assert.match(none.stderr, /baseline save <results…> or baseline published <suite>/);
});
