/** A regression the gate finds reaches the rendered Markdown and JUnit with its diagnosis. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../core/index.js';
import { renderJunit, renderMarkdown, type ReportRun } from '../../reports/index.js';
import { buildBaseline } from './baseline.js';
import { fakeResult, normal } from './fake-results.js';
import { DEFAULT_GATE_OPTIONS, evaluateGates } from './gate-evaluate.js';
import { runFigures } from './gate-metrics.js';
import { reportBaselineOf } from './report-verdicts.js';

function results(seed: number, meanRps: number, mapBusy: number): ReturnType<typeof fakeResult>[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: 5 }, (_, i) => fakeResult({ repetition: i + 1, recordsPerSec: normal(random, meanRps, meanRps * 0.01), tasks: { map: { busy: mapBusy, backPressured: 0 } } }));
}

test('the gate verdicts become the reports baseline input: a throughput regression with its diagnosis in Markdown and JUnit', () => {
  const before = results(1, 100_000, 300);
  const after = results(2, 60_000, 990);
  const baseline = buildBaseline([{ source: 'base', suite: null, runs: before.map((d, i) => runFigures(d, `b${i}`)), startedAt: before[0]!.startedAt, commit: before[0]!.flowlab.commit }], {
    name: 'nightly',
    createdAt: new Date('2026-11-30T00:00:00Z'),
  });
  const doc = evaluateGates(
    { runs: after.map((d, i) => runFigures(d, `a${i}`)), sources: ['current'], baseline: { file: 'suites/baselines/nightly.json', document: baseline }, now: new Date('2026-11-30T01:00:00Z') },
    { ...DEFAULT_GATE_OPTIONS, bootstrapIterations: 200 },
  );
  const input = reportBaselineOf(doc);
  assert.match(input.label, /^nightly \(nightly\.json/);
  const throughput = input.verdicts?.find((v) => v.metric === 'throughput.recordsPerSec');
  assert.equal(throughput?.verdict, 'regression');
  assert.ok(throughput.deltaPct !== null && throughput.deltaPct < -30, String(throughput.deltaPct));
  assert.match(throughput.diagnosis ?? '', /map/);
  const runs: ReportRun[] = after.map((result, i) => ({ scenario: 'pipeline', variant: 'base', parameters: {}, repetition: i + 1, state: 'completed', result }));
  const md = renderMarkdown({ title: 'nightly', runs, baseline: input });
  assert.match(md, /regression/);
  assert.ok(md.includes(throughput.diagnosis!), 'the diagnosis line is in the Markdown');
  assert.match(renderJunit({ title: 'nightly', runs, baseline: input }), /<failure[^>]*>[^<]*map/);
});
