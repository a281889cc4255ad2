/**
 * Reports of a real suite run: `flowlab suite` writes every format into its results folder and appends the Markdown
 * to $GITHUB_STEP_SUMMARY; the HTML report opens in headless Chromium (Debian's, driven by playwright-core) with no
 * console error, no network request and marks in every chart, and a screenshot is saved; `flowlab report` renders a
 * results folder again for another goal and constraint.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, 'main.js');
const REPO = join(here, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
/** Where the screenshot goes (gitignored; CI can keep it as an artifact). */
const OUTPUT = join(REPO, '.flowlab', 'test-output', 'report-browser');
/** Flags Chromium needs on a closed network as root (the environment's notes). */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const SUITE = `name: report-browser
description: a tiny suite for the reports' browser test — a checkpointed partition and a buffer-timeout sweep
repetitions: 1
scenarios:
  - scenario:
      name: partition-checkpointed
      description: source-sink on 2 TaskManagers, checkpoints every 500 ms, data-tm-1-tm-0 stalls for 1 s
      cluster: { taskManagers: 2, slots: 1 }
      config: { execution.buffer-timeout: 10 ms, execution.checkpointing.interval: 500ms }
      job: { topology: source-sink, parallelism: 2 }
      workload: { rate: 2000, warmup: 1s, duration: 5s }
      faults:
        - { kind: partition, at: 2500ms, duration: 1s, link: data-tm-1-tm-0 }
      calibrate: false
      gates: [ sink.lost == 0 ]
  - scenario:
      name: timeout-sweep
      description: source-sink at parallelism 1 across 2 TaskManagers, two buffer timeouts
      cluster: { taskManagers: 2 }
      placement: { slotSharingGroups: { source: a, sink: b } }
      job: { topology: source-sink, parallelism: 1 }
      workload: { rate: 2000, warmup: 500ms, duration: 1500ms }
      calibrate: false
    sweep:
      matrix:
        execution.buffer-timeout: [0ms, 100ms]
`;

/** Runs in the page: per chart, the data marks (vega's role-mark groups) with a non-empty bounding box. */
const COUNT_MARKS = `[...document.querySelectorAll('figure.chart')].map((f) => ({
  id: f.getAttribute('data-chart'),
  marks: [...f.querySelectorAll('svg g[class*="role-mark"] > *')].filter((m) => { const b = m.getBBox(); return b.width + b.height > 0; }).length,
}))`;

function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('reports of a real suite run', () => {
  let dir = '';
  let folder = '';
  let summary = '';
  let stderr = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowlab-report-'));
    writeFileSync(join(dir, 'suite.yaml'), SUITE);
    summary = join(dir, 'step-summary.md');
    writeFileSync(summary, '# earlier step\n');
    const r = await cli(['suite', join(dir, 'suite.yaml'), '--out', join(dir, 'results')], { GITHUB_STEP_SUMMARY: summary });
    stderr = r.stderr;
    assert.equal(r.code, 0, r.stderr);
    const stamps = readdirSync(join(dir, 'results', 'report-browser')).sort();
    folder = join(dir, 'results', 'report-browser', stamps.at(-1)!);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('flowlab suite writes every format into its folder and appends the Markdown to $GITHUB_STEP_SUMMARY', () => {
    for (const f of ['report.md', 'report.html', 'junit.xml', 'report.json']) assert.ok(existsSync(join(folder, f)), `${f} in ${folder}`);
    const md = readFileSync(summary, 'utf8');
    assert.ok(md.startsWith('# earlier step\n# flowlab report: report-browser\n'), 'appended after what was there');
    assert.match(md, /## ✅ partition-checkpointed/);
    assert.match(md, /\| fault 0 during \|/);
    assert.match(md, /### Tuning: optimize latency/);
    assert.match(stderr, /Recommended for timeout-sweep \(optimize latency\):\n# flowlab: timeout-sweep, variant buffer-timeout=\d+ms; goal: latency\nexecution.buffer-timeout: \d+ ms/);
    const junit = readFileSync(join(folder, 'junit.xml'), 'utf8');
    assert.match(junit, /<testsuite name="partition-checkpointed" tests="4" failures="0"/);
  });

  it('the HTML report opens in Chromium with no console error, no network request and marks in every chart', async (t) => {
    if (!existsSync(CHROMIUM)) {
      t.skip(`Chromium not found at ${CHROMIUM} (Debian package "chromium"; .ci/run installs it)`);
      return;
    }
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(join(folder, 'report.html')).href;
      await page.goto(url, { waitUntil: 'load' });
      const charts = await page.evaluate<{ id: string; marks: number }[]>(COUNT_MARKS);
      mkdirSync(OUTPUT, { recursive: true });
      const shot = join(OUTPUT, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      t.diagnostic(`screenshot: ${shot}`);
      assert.deepEqual(problems, []);
      assert.deepEqual(requests, [url], 'the only request is the file itself');
      const ids = charts.map((c) => c.id);
      for (const id of ['partition-checkpointed-timeseries', 'partition-checkpointed-hdr', 'partition-checkpointed-checkpoints', 'partition-checkpointed-tasks', 'timeout-sweep-sweep', 'timeout-sweep-hdr']) {
        assert.ok(ids.includes(id), `chart ${id} among ${ids.join(', ')}`);
      }
      for (const c of charts) assert.ok(c.marks > 0, `chart ${c.id} drew no marks`);
    } finally {
      await browser.close();
    }
  });

  it('flowlab report renders the folder again for a goal and constraint, only the formats asked for', async () => {
    const out = join(dir, 'again');
    const r = await cli(['report', join(dir, 'results', 'report-browser'), '--format', 'md,junit', '--out', out, '--optimize', 'throughput', '--constraint', 'p99 < 10s']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(out).sort(), ['junit.xml', 'report.md']);
    assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /### Tuning: optimize throughput with p99 < 10s/);
    assert.match(r.stdout, /Recommended for timeout-sweep \(optimize throughput, p99 < 10s\)/);
  });

  it('flowlab report takes result files and renders them as one report', async () => {
    const index = JSON.parse(readFileSync(join(folder, 'suite.json'), 'utf8')) as { runs: { dir: string }[] };
    const files = index.runs.map((r) => join(folder, r.dir, 'result.json'));
    const out = join(dir, 'files');
    const r = await cli(['report', ...files, '--format', 'md', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(md, /^# flowlab report: partition-checkpointed, timeout-sweep\n/);
    assert.match(md, /\| buffer-timeout=0ms \| 1\/1 \|/);
  });

  it('flowlab report names a bad format or constraint and exits 2', async () => {
    const format = await cli(['report', folder, '--format', 'pdf']);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /--format: unknown format "pdf"; one or more of md, html, junit, json/);
    const constraint = await cli(['report', folder, '--constraint', 'p98 < 1ms']);
    assert.equal(constraint.code, 2);
    assert.match(constraint.stderr, /constraint "p98 < 1ms": unknown metric "p98"/);
  });
});

describe('flowlab run --report', () => {
  it('writes the reports of one run beside its results', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'flowlab-run-report-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const r = await cli(['run', '--topology', 'source-sink', '--parallelism', '1', '--rate', '2000', '--duration', '2s', '--warmup', '500ms', '--no-calibrate', '--out', join(dir, 'run'), '--report', join(dir, 'report')]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(join(dir, 'report')).sort(), ['junit.xml', 'report.html', 'report.json', 'report.md']);
    assert.match(readFileSync(join(dir, 'report', 'report.md'), 'utf8'), /^# flowlab report: run\n/);
    assert.match(readFileSync(join(dir, 'report', 'junit.xml'), 'utf8'), /<testcase classname="flowlab.run.base" name="rep 1: invariant lost = 0" time="0.000"\/>/);
    // the run folder renders to the same Markdown through flowlab report
    const again = await cli(['report', join(dir, 'run'), '--format', 'md', '--out', join(dir, 'again')]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(readFileSync(join(dir, 'again', 'report.md'), 'utf8'), readFileSync(join(dir, 'report', 'report.md'), 'utf8'));
  });
});
