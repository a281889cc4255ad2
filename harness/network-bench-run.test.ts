/**
 * The network bench as gated results: a bad `network:` field fails before anything starts, naming the field; a suite
 * runs a `network:` scenario (real worker processes on 127.0.0.1) into a result document with its `network` section,
 * which `flowlab gate` judges against each case's own target and `flowlab baseline save` stores with the case's
 * direction; `flowlab bench network --out` writes the same row shape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadScenarioFile } from './scenario-loader.js';
import { FileValidationError } from './source-locations.js';
import { networkBenchRowSchema, resultDocumentSchema } from './result-schema.js';
import { suiteIndexSchema } from './suite-schema.js';
import { baselineSchema, verdictDocumentSchema } from './gate/index.js';
import { CLI, latestSuiteDir, tempDir } from './test-support.js';

const exec = promisify(execFile);

/** Runs the CLI; resolves with the exit code and output whatever the code. */
async function cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

test('a bad network: field is a typed error naming it (cases, rounds, duration, network with micro)', (t) => {
  const dir = tempDir(t);
  const cases: Array<[string, string, RegExp]> = [
    ['network: { cases: [a, z] }', 'network.cases', /"a" \| "b"|expected one of/i],
    ['network: { cases: [] }', 'network.cases', /at least 1|>=1|too small/i],
    ['network: { rounds: 0 }', 'network.rounds', /1|too small/i],
    ['network: { duration: 2 }', 'network.duration', /needs a unit/],
    ['network: {}\nmicro: {}', 'network', /either `micro` or `network`/],
    ['network: { targets: { z: 1 } }', 'network.targets.z', /unknown key "z"/],
    ['network: { targets: { g: 0 } }', 'network.targets.g', /0|too small|positive/i],
  ];
  for (const [i, [body, path, message]] of cases.entries()) {
    const file = join(dir, `bad-${i}.yaml`);
    writeFileSync(file, `name: bad\ndescription: a bad network scenario\n${body}\n`);
    assert.throws(
      () => loadScenarioFile(file),
      (error: unknown) => {
        assert.ok(error instanceof FileValidationError, String(error));
        const issue = error.issues.find((x) => x.path === path || x.path.startsWith(`${path}[`));
        assert.ok(issue, `${body}: an issue at ${path} among ${error.issues.map((x) => `${x.path}: ${x.message}`).join('; ')}`);
        assert.match(issue.message, message, body);
        assert.match(error.message, new RegExp(path.replace('.', '\\.')), 'the message names the field');
        return true;
      },
    );
  }
  const good = join(dir, 'good.yaml');
  writeFileSync(good, 'name: good\ndescription: fine\nnetwork: { cases: [a, d], duration: 2s, warmup: 1s, rounds: 3 }\n');
  assert.deepEqual(loadScenarioFile(good).scenario.network, { cases: ['a', 'd'], duration: 2000, warmup: 1000, rounds: 3 });
});

test('flowlab suite runs a network: scenario into a result document with a network section; gate judges its target, baseline save keeps its direction', async (t) => {
  const dir = tempDir(t);
  const suiteFile = join(dir, 'network-smoke.yaml');
  writeFileSync(
    suiteFile,
    [
      'name: network-smoke',
      'description: one case, one round, half a second',
      'repetitions: 1',
      'scenarios:',
      '  - scenario:',
      '      name: network-bench',
      '      description: case d (p99 at buffer timeout 0 ÷ ping-pong p99)',
      '      network: { cases: [d], duration: 500ms, warmup: 200ms, rounds: 1, targets: { d: 1000 } }',
      '',
    ].join('\n'),
  );
  const out = join(dir, 'results');
  const suite = await cli(['suite', suiteFile, '--out', out]);
  assert.equal(suite.code, 0, suite.stderr);
  assert.match(suite.stderr, /completed · ratios d \d+\.\d\d; [01] missed beyond noise/);
  const results = latestSuiteDir(out, 'network-smoke');
  const index = suiteIndexSchema.parse(JSON.parse(readFileSync(join(results, 'suite.json'), 'utf8')));
  assert.equal(index.runs[0]!.state, 'completed', index.runs[0]!.error);
  const doc = resultDocumentSchema.parse(JSON.parse(readFileSync(join(results, index.runs[0]!.dir!, 'result.json'), 'utf8')));
  assert.equal(doc.scenario?.['kind'], 'network-bench');
  const [row] = doc.network!.rows;
  assert.equal(doc.network!.rows.length, 1);
  assert.equal(row!.name, 'd');
  assert.equal(row!.targetOp, '<=');
  assert.equal(row!.targetValue, 1000, 'the scenario sets d’s target for this machine');
  assert.equal(row!.target, '≤ 1000 (set for this machine; issue 13: 1.5)');
  assert.ok(row!.ratio !== null && row!.ratio > 0 && row!.flowlab! > 0 && row!.baseline! > 0, JSON.stringify(row));
  assert.equal(row!.ratio, row!.flowlab! / row!.baseline!);
  assert.deepEqual(
    doc.gates!.map((g) => [g.metric, g.phase, g.op, g.threshold, g.verdict]),
    [['network.ratio', 'd', '<=', 1000, 'pass']],
  );

  const gate = await cli(['gate', results, '--json']);
  const verdict = verdictDocumentSchema.parse(JSON.parse(gate.stdout));
  assert.equal(gate.code, verdict.exitCode, gate.stderr);
  const target = verdict.scenarios[0]!.gates.find((g) => g.metric === 'network.ratio')!;
  assert.equal(target.gate, 'network.ratio in d ≤ 1000 (set for this machine; issue 13: 1.5) (its target)');
  assert.equal(target.direction, 'lower-is-better');
  // one run, one round: no noise, so the verdict is exactly the ratio against the scenario's 1000
  assert.equal(target.verdict, 'pass');
  assert.equal(verdict.exitCode, 0);

  const baselineFile = join(dir, 'baseline.json');
  const saved = await cli(['baseline', 'save', results, '--to', baselineFile]);
  assert.equal(saved.code, 0, saved.stderr);
  const scalar = baselineSchema.parse(JSON.parse(readFileSync(baselineFile, 'utf8'))).scenarios['network-bench/base']!.scalars['network.ratio@d']!;
  assert.deepEqual([scalar.direction, scalar.unit, scalar.samples], ['lower-is-better', '× baseline', [row!.ratio]]);
});

test('flowlab bench network --out writes the result section’s row shape; flowlab run refuses a network: scenario', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'network.json');
  const bench = await cli(['bench', 'network', '--smoke', '--only', 'a', '--out', file]);
  assert.equal(bench.code, 0, bench.stderr);
  const written = JSON.parse(readFileSync(file, 'utf8')) as { benchmark: string; rows: unknown[] };
  assert.equal(written.benchmark, 'network');
  const rows = written.rows.map((r) => networkBenchRowSchema.parse(r));
  assert.deepEqual(rows.map((r) => [r.name, r.targetOp, r.targetValue]), [['a', '>=', 0.85]]);

  const scenario = join(dir, 'network.yaml');
  writeFileSync(scenario, 'name: net\ndescription: bench\nnetwork: { cases: [a] }\n');
  const refused = await cli(['run', scenario]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /network: scenarios run no job; use flowlab suite \(a suite entry\) or flowlab bench network/);
});
