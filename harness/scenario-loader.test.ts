/**
 * Scenario files: every broken file fails before any process starts, with the real `file:line:column` (1-based),
 * the field's path and a message that says what is wrong; a valid file lowers to the run options of one run;
 * overrides (`--set`, flags) are validated like the file and report their origin instead of a line.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fieldPath, loadScenarioFile, type FieldOverride, type LoadedScenario } from './scenario-loader.js';
import { FileValidationError, type FileIssue } from './source-locations.js';

const dir = mkdtempSync(join(tmpdir(), 'flowlab-scenario-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a scenario file; one argument per line, so line numbers in the cases below are the argument's position. */
function write(name: string, ...lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function issuesOf(file: string, overrides: readonly FieldOverride[] = []): readonly FileIssue[] {
  try {
    loadScenarioFile(file, overrides);
  } catch (error) {
    if (error instanceof FileValidationError) return error.issues;
    throw error;
  }
  assert.fail(`${file} should not load`);
}

interface Expected {
  readonly line: number;
  readonly column: number;
  readonly path: string;
  /** A fragment of the message, or a pattern. */
  readonly message: string | RegExp;
}

function assertIssues(actual: readonly FileIssue[], file: string, expected: readonly Expected[]): void {
  const shown = actual.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`).join('\n');
  assert.equal(actual.length, expected.length, `issues:\n${shown}`);
  expected.forEach((e, n) => {
    const i = actual[n]!;
    assert.deepEqual({ file: i.file, line: i.line, column: i.column, path: i.path }, { file, line: e.line, column: e.column, path: e.path }, `issue ${n}:\n${shown}`);
    if (typeof e.message === 'string') assert.ok(i.message.includes(e.message), `issue ${n}: ${JSON.stringify(i.message)} should contain ${JSON.stringify(e.message)}`);
    else assert.match(i.message, e.message);
    assert.equal(i.origin, undefined);
  });
}

const HEAD = ['name: broken', 'description: a broken scenario'];

interface BrokenFile {
  readonly title: string;
  readonly file: string;
  /** Lines 3 and on (lines 1 and 2 are name and description) unless `whole`. */
  readonly lines: readonly string[];
  readonly whole?: boolean;
  readonly issues: readonly Expected[];
}

const BROKEN: readonly BrokenFile[] = [
  {
    title: 'an unknown top-level key, with the nearest known key',
    file: 'unknown-top.yaml',
    whole: true,
    lines: ['nme: broken', 'description: d'],
    issues: [
      { line: 1, column: 1, path: 'name', message: 'required' },
      { line: 1, column: 1, path: 'nme', message: 'unknown key "nme" — did you mean "name"?' },
    ],
  },
  {
    title: 'an unknown nested key, at the key, with the allowed keys',
    file: 'unknown-nested.yaml',
    lines: ['workload:', '  rat: 5000'],
    issues: [{ line: 4, column: 3, path: 'workload.rat', message: /unknown key "rat" — did you mean "rate"\? \(allowed: rate, recordSize, keys, / }],
  },
  {
    title: 'a duration without a unit',
    file: 'duration-unit.yaml',
    lines: ['workload:', '  warmup: 2s', '  duration: 20'],
    issues: [{ line: 5, column: 13, path: 'workload.duration', message: 'a duration needs a unit, such as 20s or 20ms' }],
  },
  {
    title: 'a value outside an enum, with the nearest value',
    file: 'enum.yaml',
    lines: ['workload:', '  keyDistribution: zipff'],
    issues: [{ line: 4, column: 20, path: 'workload.keyDistribution', message: 'expected one of "uniform", "zipf", got "zipff" — did you mean "zipf"?' }],
  },
  {
    title: 'a value of the wrong type',
    file: 'wrong-type.yaml',
    lines: ['cluster:', '  taskManagers: two'],
    issues: [{ line: 4, column: 17, path: 'cluster.taskManagers', message: 'expected number, got "two"' }],
  },
  {
    title: 'a fault in a list without its link, at the entry',
    file: 'fault-missing-link.yaml',
    lines: ['faults:', '  - kind: partition', '    at: 1s', '    duration: 2s', '    link: data-*', '  - kind: partition', '    at: 4s', '    duration: 2s'],
    issues: [{ line: 8, column: 5, path: 'faults[1].link', message: 'required' }],
  },
  {
    title: 'a fault with an unknown toxic type, next to a text fault',
    file: 'fault-type.yaml',
    lines: ['faults:', '  - at=1s,kill-taskmanager=tm-1', '  - kind: toxic', '    at: 2s', '    link: data-*', '    type: latencyy', '    attributes: {latency: 50}'],
    issues: [{ line: 8, column: 11, path: 'faults[1].type', message: 'got "latencyy" — did you mean "latency"?' }],
  },
  {
    title: 'a fault with an unknown kind',
    file: 'fault-kind.yaml',
    lines: ['faults:', '  - kind: partitio', '    at: 1s'],
    issues: [{ line: 4, column: 11, path: 'faults[0].kind', message: 'expected one of "toxic", "partition", "partition-hard", "kill-taskmanager", "restart-taskmanager", "pause-taskmanager", "blackhole", got "partitio" — did you mean "partition"?' }],
  },
  {
    title: 'a misspelled field of a fault, with the fields of that kind',
    file: 'fault-key.yaml',
    lines: ['faults:', '  - kind: partition', '    at: 1s', '    duration: 1s', '    linkk: data-*'],
    issues: [
      { line: 4, column: 5, path: 'faults[0].link', message: 'required' },
      { line: 7, column: 5, path: 'faults[0].linkk', message: 'unknown key "linkk" — did you mean "link"? (allowed: kind, at, duration, link)' },
    ],
  },
  {
    title: 'a toxic attribute of another toxic type (the fault parser says which attributes apply)',
    file: 'toxic-attribute.yaml',
    lines: ['faults:', '  - kind: toxic', '    at: 2s', '    duration: 1s', '    link: data-*', '    type: latency', '    attributes:', '      latency: 50', '      rate: 100'],
    issues: [{ line: 11, column: 13, path: 'faults[0].attributes.rate', message: 'rate "100" — expected an attribute of latency: latency, jitter' }],
  },
  {
    title: 'a toxic attribute named like a field of the fault',
    file: 'toxic-attribute-clash.yaml',
    lines: ['faults:', '  - kind: toxic', '    at: 2s', '    link: data-*', '    type: latency', '    attributes: {latency: 50, at: 3}'],
    issues: [{ line: 8, column: 35, path: 'faults[0].attributes.at', message: '"at" names a field of the fault entry, not a toxic attribute' }],
  },
  {
    title: "an unknown Flink key, with Flink's suggestion",
    file: 'flink-key.yaml',
    lines: ['config:', '  execution.buffer-timeout: 5ms', '  taskmanager.memory.network.fractio: 0.2'],
    issues: [{ line: 5, column: 39, path: 'config.taskmanager.memory.network.fractio', message: "Did you mean 'taskmanager.memory.network.fraction'?" }],
  },
  {
    title: 'an edge to a vertex that does not exist, at the edge',
    file: 'graph-edge.yaml',
    lines: [
      'job:',
      '  vertices:',
      '    - {id: source, operator: source, parallelism: 1}',
      '    - {id: sink, operator: sink, parallelism: 1}',
      '  edges:',
      '    - {from: source, to: sink, partitioner: forward}',
      '    - {from: source, to: sinkk, partitioner: rebalance}',
    ],
    issues: [{ line: 9, column: 7, path: 'job.edges[1]', message: 'edge source->sinkk: target vertex "sinkk" does not exist' }],
  },
  {
    title: 'a preset field next to explicit vertices',
    file: 'graph-preset-field.yaml',
    lines: ['job:', '  parallelism: 4', '  vertices:', '    - {id: source, operator: source, parallelism: 1}', '    - {id: sink, operator: sink, parallelism: 1}', '  edges:', '    - {from: source, to: sink, partitioner: forward}'],
    issues: [{ line: 4, column: 16, path: 'job.parallelism', message: 'parallelism is for presets; with vertices, set it per vertex' }],
  },
  {
    title: 'a size bucket whose max is below its min, at the max',
    file: 'size-bucket.yaml',
    lines: ['workload:', '  recordSize:', '    distribution:', '      - {size: 100, weight: 3}', '      - {min: 500, max: 200, weight: 1}'],
    issues: [{ line: 7, column: 25, path: 'workload.recordSize.distribution[1].max', message: 'expected max ≥ min (500), got 200' }],
  },
  {
    title: 'a size bucket with neither size nor min/max',
    file: 'size-bucket-empty.yaml',
    lines: ['workload:', '  recordSize:', '    distribution:', '      - {weight: 1}'],
    issues: [{ line: 6, column: 9, path: 'workload.recordSize.distribution[0].size', message: 'a bucket needs `size`, or `min` and `max`' }],
  },
  {
    title: 'a YAML syntax error, where the parser stopped',
    file: 'syntax.yaml',
    lines: ['job: [a, b]]'],
    issues: [{ line: 3, column: 12, path: '', message: 'YAML syntax error: Unexpected flow-seq-end token' }],
  },
  {
    title: 'a duplicate key, at the second one',
    file: 'duplicate.yaml',
    lines: ['workload:', '  rate: 1000', '  keys: 16', '  rate: 2000'],
    issues: [{ line: 6, column: 3, path: '', message: 'duplicate key' }],
  },
  {
    title: 'slots given twice, differently (cluster.slots and the Flink key)',
    file: 'slots.yaml',
    lines: ['cluster:', '  slots: 2', 'config:', '  taskmanager.numberOfTaskSlots: 4'],
    issues: [{ line: 4, column: 10, path: 'cluster.slots', message: 'says 2 but config.taskmanager.numberOfTaskSlots says 4' }],
  },
  {
    title: 'a gate with an unknown metric',
    file: 'gate.yaml',
    lines: ['gates:', '  - latencyUs.p98 < 50ms in phase steady'],
    issues: [{ line: 4, column: 5, path: 'gates[0]', message: 'unknown metric "latencyUs.p98": one of throughput.recordsPerSec,' }],
  },
  {
    title: 'a rate step that is both a constant rate and a ramp',
    file: 'rate-step.yaml',
    lines: ['workload:', '  rate:', '    steps:', '      - {rate: 1000, for: 5s}', '      - {rate: 2000, from: 1000, to: 3000, for: 5s}'],
    issues: [{ line: 7, column: 16, path: 'workload.rate.steps[1].rate', message: 'a step is either `rate` (constant) or `from`/`to` (a ramp), not both' }],
  },
  {
    title: 'a JSON scenario (same loader; lines and columns in the JSON text)',
    file: 'broken.json',
    whole: true,
    lines: ['{', '  "name": "json-broken",', '  "description": "a JSON scenario",', '  "workload": {', '    "rate": 1000,', '    "keyDistribution": "zipff"', '  },', '  "cluster": { "taskManagerz": 2 }', '}'],
    issues: [
      { line: 6, column: 24, path: 'workload.keyDistribution', message: 'got "zipff"' },
      { line: 8, column: 16, path: 'cluster.taskManagerz', message: 'did you mean "taskManagers"?' },
    ],
  },
];

for (const broken of BROKEN) {
  test(`broken scenario: ${broken.title}`, () => {
    const file = write(broken.file, ...(broken.whole ? [] : HEAD), ...broken.lines);
    assertIssues(issuesOf(file), file, broken.issues);
  });
}

test('the error message lists every issue as file:line:column: path: message', () => {
  const file = write('message.yaml', ...HEAD, 'workload:', '  rat: 5000');
  assert.throws(
    () => loadScenarioFile(file),
    (e: unknown) => e instanceof FileValidationError && e.code === 'ERR_INVALID_FILE' && e.message.startsWith(`${file}:4:3: workload.rat: unknown key "rat"`),
  );
});

test('a file with several schema errors reports all of them, in file order', () => {
  const file = write('multi.yaml', ...HEAD, 'workload:', '  keyDistribution: zipff', '  duration: 20', 'cluster:', '  taskManagers: two', 'colour: blue');
  assertIssues(issuesOf(file), file, [
    { line: 4, column: 20, path: 'workload.keyDistribution', message: 'got "zipff"' },
    { line: 5, column: 13, path: 'workload.duration', message: 'needs a unit' },
    { line: 7, column: 17, path: 'cluster.taskManagers', message: 'got "two"' },
    { line: 8, column: 1, path: 'colour', message: 'unknown key "colour" (allowed: name, description,' },
  ]);
});

test('a file with several semantic errors reports all of them, in file order', () => {
  const file = write('multi-semantic.yaml', ...HEAD, 'gates:', '  - latencyUs.p98 < 5ms', 'placement:', '  slotSharingGroups:', '    mapp: isolated', 'cluster:', '  deploy: containers');
  assertIssues(issuesOf(file), file, [
    { line: 4, column: 5, path: 'gates[0]', message: 'unknown metric "latencyUs.p98"' },
    { line: 7, column: 11, path: 'placement.slotSharingGroups.mapp', message: 'no vertex "mapp" in the job (vertices: source, aggregate, sink)' },
    { line: 9, column: 11, path: 'cluster.deploy', message: 'the containers deployer is not part of this version' },
  ]);
});

test('a blackhole fault outside --deploy netns names the fault, structured or as text', () => {
  const file = write('blackhole-local.yaml', ...HEAD, 'faults:', '  - at=2s,duration=1s,blackhole=tm-1', '  - {kind: blackhole, at: 3s, duration: 1s, target: tm-0~tm-1}');
  assertIssues(issuesOf(file), file, [
    { line: 4, column: 5, path: 'faults[0]', message: 'blackhole needs cluster.deploy: netns (--deploy netns)' },
    { line: 5, column: 12, path: 'faults[1].kind', message: 'blackhole needs cluster.deploy: netns (--deploy netns)' },
  ]);
  // the same entries are fine where packets can be dropped
  const netns = write('blackhole-netns.yaml', ...HEAD, 'cluster:', '  deploy: netns', 'faults:', '  - at=2s,duration=1s,blackhole=tm-1', '  - {kind: blackhole, at: 3s, duration: 1s, target: tm-0~tm-1}');
  assert.deepEqual(loadScenarioFile(netns).options.faults?.map((f) => f.entry), ['at=2s,duration=1s,blackhole=tm-1', 'at=3000ms,duration=1000ms,blackhole=tm-0~tm-1']);
});

test('pause-taskmanager needs a duration and a TaskManager id', () => {
  const file = write('pause.yaml', ...HEAD, 'faults:', '  - at=2s,pause-taskmanager=tm-1', '  - {kind: pause-taskmanager, at: 3s, duration: 1s, taskManager: "tm 1"}');
  assertIssues(issuesOf(file), file, [
    { line: 4, column: 5, path: 'faults[0]', message: 'duration' },
    { line: 5, column: 66, path: 'faults[1].taskManager', message: 'a TaskManager id such as tm-1' },
  ]);
});

const VALID = [
  'name: valid',
  'description: every lowered field',
  'seed: 7',
  'workload:',
  '  warmup: 1s',
  '  duration: 9s',
  '  rate:',
  '    steps:',
  '      - {rate: 100, for: 2s}',
  '      - {from: 100, to: 500, for: 3s}',
  '  recordSize:',
  '    distribution:',
  '      - {size: 100, weight: 3}',
  '      - {min: 200, max: 400, weight: 1}',
  'job:',
  '  vertices:',
  '    - {id: source, operator: source, parallelism: 2}',
  '    - {id: work, operator: map, parallelism: 2, costUs: 5}',
  '    - {id: sink, operator: sink, parallelism: 1}',
  '  edges:',
  '    - {from: source, to: work, partitioner: rebalance}',
  '    - {from: work, to: sink, partitioner: keyBy}',
  'placement:',
  '  slotSharingGroups:',
  '    sink: isolated',
  'faults:',
  '  - kind: toxic',
  '    at: {between: [5s, 10s]}',
  '    duration: 2s',
  '    link: data-*',
  '    type: latency',
  '    attributes: {latency: 50, jitter: 5}',
  '  - kind: partition',
  '    at: 3s',
  '    duration: 1s',
  '    link: data-tm-0-*',
  '  - at=1s,kill-taskmanager=tm-1',
  'gates:',
  '  - latencyUs.p99 < 50ms',
];

function loadValid(overrides: readonly FieldOverride[] = []): LoadedScenario {
  return loadScenarioFile(write('valid.yaml', ...VALID), overrides);
}

test('a valid scenario lowers to the run options of one run', () => {
  const loaded = loadValid();
  const o = loaded.options;
  assert.equal(loaded.file, join(dir, 'valid.yaml'));
  assert.equal(o.warmupMs, 1000);
  assert.equal(o.durationMs, 9000);
  assert.equal(o.seed, 7);
  // the steps from the job start; the last rate holds to the end of warm-up + duration (10 s)
  assert.deepEqual(o.source?.rateSchedule, [
    { durationMs: 2000, fromPerSec: 100, toPerSec: 100 },
    { durationMs: 3000, fromPerSec: 100, toPerSec: 500 },
    { durationMs: 5000, fromPerSec: 500, toPerSec: 500 },
  ]);
  assert.equal(o.ratePerSec, 500);
  assert.deepEqual(o.source?.recordSizeDistribution, [
    { min: 100, max: 100, weight: 3 },
    { min: 200, max: 400, weight: 1 },
  ]);
  assert.deepEqual(o.slotSharingGroups, { sink: 'isolated' });
  assert.deepEqual(
    o.graph?.vertices.map((v) => [v.id, v.parallelism, v.map?.costUs]),
    [
      ['source', 2, undefined],
      ['work', 2, 5],
      ['sink', 1, undefined],
    ],
  );
  assert.deepEqual(loaded.gates.map((g) => [g.metric, g.op, g.threshold, g.phase]), [['latencyUs.p99', '<', 50_000, 'steady']]);
  // structured and text faults on one timeline, sorted by start
  const faults = o.faults ?? [];
  assert.deepEqual(
    faults.map((f) => f.kind),
    ['kill-taskmanager', 'partition', 'toxic'],
  );
  const toxic = faults[2]!;
  assert.ok(toxic.kind === 'toxic');
  assert.ok(toxic.atMs >= 5000 && toxic.atMs <= 10_000, `at ${toxic.atMs} ms is between 5 s and 10 s`);
  assert.deepEqual(
    { durationMs: toxic.durationMs, link: toxic.link, toxic: toxic.toxic, stream: toxic.stream, attributes: toxic.attributes },
    { durationMs: 2000, link: 'data-*', toxic: 'latency', stream: 'downstream', attributes: { latency: 50, jitter: 5 } },
  );
  assert.deepEqual(faults[1], { kind: 'partition', atMs: 3000, durationMs: 1000, link: 'data-tm-0-*', entry: 'at=3000ms,duration=1000ms,link=data-tm-0-*,partition' });
});

test('a random fault time is drawn from the seed: the same seed gives the same time', () => {
  const toxicAtOf = (loaded: LoadedScenario): number => (loaded.options.faults ?? []).find((f) => f.kind === 'toxic')!.atMs;
  const toxicAt = (seed: number): number => toxicAtOf(loadValid([{ path: 'seed', value: String(seed), origin: `--seed ${seed}` }]));
  assert.equal(toxicAt(7), toxicAt(7));
  assert.equal(toxicAtOf(loadValid()), toxicAt(7));
  const times = [1, 2, 3, 4, 5].map(toxicAt);
  assert.ok(new Set(times).size > 1, `different seeds draw different times: ${times.join(', ')}`);
  for (const t of times) assert.ok(t >= 5000 && t <= 10_000);
});

test('--set overrides a field as YAML text: workload.rate=5000 is the number 5000', () => {
  const loaded = loadValid([{ path: 'workload.rate', value: '5000', origin: '--set workload.rate=5000' }]);
  assert.equal(loaded.scenario.workload.rate, 5000);
  assert.equal(loaded.options.ratePerSec, 5000);
  assert.equal(loaded.options.source?.rateSchedule, undefined);
});

test('a bad override reports its origin instead of a line', () => {
  const file = write('valid.yaml', ...VALID);
  const issues = issuesOf(file, [{ path: 'workload.duration', value: '20', origin: '--set workload.duration=20' }]);
  assert.equal(issues.length, 1);
  assert.deepEqual(issues[0], { file, line: 0, column: 0, path: 'workload.duration', message: 'a duration needs a unit, such as 20s or 20ms, got 20', origin: '--set workload.duration=20' });
  // an unknown key brought in by an override, nested or at the top
  const nested = issuesOf(file, [{ path: 'workload.rat', value: '5', origin: '--set workload.rat=5' }]);
  assert.deepEqual(nested.map((i) => [i.line, i.path, i.origin]), [[0, 'workload.rat', '--set workload.rat=5']]);
  assert.match(nested[0]!.message, /did you mean "rate"/);
  const top = issuesOf(file, [{ path: 'execution.buffer-timeou', value: '5ms', origin: '--set execution.buffer-timeou=5ms' }]);
  assert.deepEqual(top.map((i) => [i.line, i.path, i.origin]), [[0, 'execution', '--set execution.buffer-timeou=5ms']]);
  // an appended --fault entry: its index, its origin
  const fault = issuesOf(file, [{ path: 'faults', value: 'at=1s,link=data-*,toxic=latency,latency=5,rate=3', origin: '--fault at=1s,…', append: true, literal: true }]);
  assert.deepEqual(fault.map((i) => [i.line, i.path, i.origin]), [[0, 'faults[3]', '--fault at=1s,…']]);
  assert.match(fault[0]!.message, /rate "3" — expected an attribute of latency: latency, jitter/);
});

test('a bare Flink key is a config override; -D keeps its text', () => {
  assert.deepEqual(fieldPath('execution.buffer-timeout'), ['config', 'execution.buffer-timeout']);
  assert.deepEqual(fieldPath('config.execution.buffer-timeout'), ['config', 'execution.buffer-timeout']);
  assert.deepEqual(fieldPath('workload.rate'), ['workload', 'rate']);
  assert.deepEqual(fieldPath('faults[1].link'), ['faults', 1, 'link']);
  const loaded = loadValid([
    { path: 'execution.buffer-timeout', value: '5ms', origin: '--set execution.buffer-timeout=5ms' },
    { path: 'config.taskmanager.memory.segment-size', value: '64kb', origin: '-D taskmanager.memory.segment-size=64kb', literal: true },
  ]);
  assert.deepEqual(loaded.options.config, { 'execution.buffer-timeout': '5ms', 'taskmanager.memory.segment-size': '64kb' });
  const file = join(dir, 'valid.yaml');
  const bad = issuesOf(file, [{ path: 'config.execution.buffer-timeou', value: '5ms', origin: '-D execution.buffer-timeou=5ms', literal: true }]);
  assert.deepEqual(bad.map((i) => [i.line, i.path, i.origin]), [[0, 'config.execution.buffer-timeou', '-D execution.buffer-timeou=5ms']]);
  assert.match(bad[0]!.message, /Did you mean 'execution\.buffer-timeout'\?/);
});
