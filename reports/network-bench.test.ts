/**
 * A network-bench scenario in every report format: the cases' ratios instead of an empty phase table, each run's
 * target verdict as a check (a miss named with its ratio and noise), no charts of a job that never ran.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import type { ReportInput, ReportResult } from './report-input.js';
import { resultDoc } from './test-fixtures.js';

function networkRun(repetition: number, d: number): ReportResult {
  const job = resultDoc({ name: 'network-bench', recordsPerSec: 0, p99Us: 0, repetition });
  const rows = [
    { name: 'a', measure: 'bytes/s, 1 channel, 1 KiB records ÷ raw pipe', ratio: 0.9, noise: 0.03, target: '≥ 0.85', verdict: 'met' as const },
    { name: 'd', measure: 'p99 record latency µs (timeout 0) ÷ ping-pong p99 round trip', ratio: d, noise: 0.1, target: '≤ 1.5', verdict: d <= 1.5 ? ('met' as const) : ('missed' as const) },
  ];
  return {
    ...job,
    phases: [],
    timeseries: [],
    network: { rows },
    gates: rows.map((r) => ({
      gate: `network.ratio in ${r.name} ${r.target} (its target)`,
      metric: 'network.ratio',
      phase: r.name,
      op: r.target.startsWith('≥') ? '>=' : '<=',
      threshold: r.name === 'a' ? 0.85 : 1.5,
      value: r.ratio,
      verdict: r.verdict === 'missed' ? ('fail' as const) : ('pass' as const),
      reason: `${r.ratio.toFixed(2)} ± ${r.noise.toFixed(2)} ${r.verdict === 'missed' ? 'misses it by more than its noise' : 'meets it'}`,
    })),
  };
}

const input: ReportInput = {
  title: 'network',
  runs: [1.2, 1.9, 1.3].map((d, i) => ({ scenario: 'network-bench', variant: 'base', parameters: {}, repetition: i + 1, state: 'completed', result: networkRun(i + 1, d) })),
};

describe('a network-bench scenario in the reports', () => {
  it('Markdown: a row per case with the median ratio, noise, target and each run’s verdict; the miss as a failed check', () => {
    const md = renderMarkdown(input);
    assert.match(md, /\| case \| measure \| ratio \| ± noise \| target \| verdict per run \|/);
    assert.match(md, /\| a \| bytes\/s, 1 channel, 1 KiB records ÷ raw pipe \| 0\.90 \| 0\.03 \| ≥ 0\.85 \| met, met, met \|/);
    assert.match(md, /\| d \| .* \| 1\.30 \| 0\.10 \| ≤ 1\.5 \| met, missed, met \|/);
    assert.match(md, /rep 2 · gate `network\.ratio in d ≤ 1\.5 \(its target\)`: .*1\.90 ± 0\.10 misses it by more than its noise/);
    assert.doesNotMatch(md, /\| phase \| records\/s \|/, 'no phase table for a run without a job');
  });

  it('HTML: the same table and no charts of phases that do not exist', async () => {
    const html = await renderHtml(input);
    assert.match(html, /<th[^>]*>verdict per run<\/th>/);
    assert.match(html, /met, missed, met/);
    assert.doesNotMatch(html, /Latency percentile distribution per phase/);
  });

  it('JUnit: each run’s target verdict is a testcase, the miss a failure', () => {
    const xml = renderJunit(input);
    assert.match(xml, /<testsuite name="network-bench" tests="\d+" failures="1" /);
    assert.match(xml, /name="rep 2: gate network\.ratio in d ≤ 1\.5 \(its target\)"[^>]*>\s*<failure type="gate"/);
  });
});
