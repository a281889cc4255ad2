import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderHtml } from './html.js';
import { goldenInput } from './test-fixtures.js';

describe('renderHtml', () => {
  it('is one self-contained page: styles and data inline, a policy that forbids fetches, no external reference', async () => {
    const html = await renderHtml(goldenInput({ baseline: true, histograms: true }));
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
    assert.doesNotMatch(html, /<(script|link|img|iframe)[^>]+(src|href)=/i);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i);
    assert.match(html, /<script type="application\/json" id="flowlab-report-data">/);
  });

  it('draws every chart as SVG with marks: time series, HDR per phase, checkpoints, task heat map, sweep, Pareto, rate sweep', async () => {
    const html = await renderHtml(goldenInput({ histograms: true }));
    const figures = [...html.matchAll(/<figure class="chart" data-chart="([^"]+)">([\s\S]*?)<\/figure>/g)];
    const ids = figures.map((f) => f[1]);
    for (const id of ['steady-timeseries', 'steady-hdr', 'steady-checkpoints', 'steady-tasks', 'partition-timeseries', 'buffers-sweep', 'buffers-hdr', 'buffers-pareto', 'rate-sweep-0']) assert.ok(ids.includes(id), `chart ${id} in ${ids.join(', ')}`);
    for (const f of figures) assert.match(f[2]!, /<g class="mark-(line|rect|symbol|rule|text)[^"]*role-mark[^>]*><(path|line|text)/, `chart ${f[1]!} has marks`);
  });

  it('marks each fault with its measured effect', async () => {
    const html = await renderHtml(goldenInput({ histograms: true }));
    assert.match(html, /partition data-tm-1-tm-0/);
    assert.match(html, /8,000 → 2,000 records\/s, recovered in 1.3 s/);
  });

  it('overlays the baseline runs (dashed) on the percentile distribution', async () => {
    const input = goldenInput({ histograms: true });
    const html = await renderHtml({ ...input, baseline: { label: 'last-week', runs: input.runs } });
    const hdr = /<figure class="chart" data-chart="partition-hdr">([\s\S]*?)<\/figure>/.exec(html)?.[1] ?? '';
    assert.match(hdr, /baseline fault 0 during/);
    assert.match(hdr, /stroke-dasharray="6,3"/);
    assert.match(hdr, /Dashed: the baseline\./);
  });
});
