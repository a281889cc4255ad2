/**
 * The shipped scrape configuration and Grafana dashboard against a real Prometheus (Debian's `prometheus`
 * package; skipped, naming the binary, where it is missing): a local cluster runs a job with checkpoints and
 * buffer debloating, Prometheus scrapes its JobManager and TaskManagers, and every panel query of the dashboard
 * returns series that carry this run's labels.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil, resolveConfig } from '../../core/index.js';
import { LocalCluster, presetJobGraph } from '../../runtime/index.js';
import { dashboardQueries, expandQuery, loadDashboard } from './dashboard.js';
import { rewriteScrapeConfig } from './prometheus-config.js';
import { PrometheusNotFoundError, PrometheusServer, PromQLError, findPrometheusBinary, type PromSample } from './prometheus-server.js';
import { SHIPPED_FILES } from './shipped-files.js';

const SCRAPE_INTERVAL_MS = 500;

/** The prometheus binary; where it is missing, the test is marked skipped with the reason and this is undefined. */
async function prometheusBinary(t: TestContext): Promise<string | undefined> {
  try {
    return await findPrometheusBinary();
  } catch (error) {
    if (!(error instanceof PrometheusNotFoundError)) throw error;
    t.skip(error.message);
    return undefined;
  }
}
const RATE_INTERVAL = '5s';

test('every query of the Grafana dashboard returns series with the run’s labels from a real Prometheus', async (t) => {
  const binary = await prometheusBinary(t);
  if (binary === undefined) return;
  const dir = await mkdtemp(join(tmpdir(), 'flowlab-prom-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const config = resolveConfig({
    'rest.port': 0,
    'taskmanager.numberOfTaskSlots': 2,
    'execution.buffer-timeout': '10 ms',
    'execution.checkpointing.interval': '300 ms',
    'execution.checkpointing.dir': dir,
    'taskmanager.network.memory.buffer-debloat.enabled': true,
  });
  await using cluster = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore' });
  const tms = await pollUntil('two TaskManagers', async () => {
    const list = await cluster.client.taskManagers();
    return list.length === 2 ? list : undefined;
  }, { timeoutMs: 20_000 });
  const hostPort = (url: string): string => new URL(url).host;
  const scrape = rewriteScrapeConfig(await readFile(SHIPPED_FILES.scrapeConfig, 'utf8'), {
    jobManager: `${cluster.jobManager.metrics.host}:${cluster.jobManager.metrics.port}`,
    taskManagers: tms.map((tm) => hostPort(tm.metricsUrl!)),
    scrapeIntervalMs: SCRAPE_INTERVAL_MS,
  });
  await using prometheus = await PrometheusServer.start({ config: scrape, binary });

  const graph = presetJobGraph('keyby-aggregate', 2, { ratePerSec: 2000, durationMs: 120_000, keys: 64, seed: 11 });
  const { jobId } = await cluster.client.submitJob(graph);
  t.after(() => cluster.client.cancel(jobId).then(() => undefined, () => undefined));

  const queries = dashboardQueries(await loadDashboard()).map((q) => ({ ...q, promql: expandQuery(q.expr, { jobId, rateInterval: RATE_INTERVAL }) }));
  assert.ok(queries.length >= 20, `the dashboard has its queries (${queries.length})`);
  // every query answers with data once a few scrapes (and a completed checkpoint) are in
  const results = await pollUntil('every dashboard query to return series', async () => {
    const out = new Map<string, PromSample[]>();
    for (const q of queries) out.set(q.promql, await prometheus.query(q.promql));
    const completed = out.get(queries.find((q) => q.expr.startsWith('flink_jobmanager_job_numberOfCompletedCheckpoints'))!.promql)?.[0]?.value ?? 0;
    return [...out.values()].every((series) => series.length > 0) && completed >= 1 ? out : undefined;
  }, { timeoutMs: 40_000, intervalMs: 200 }).catch(async (error: unknown) => {
    const targets = await prometheus.targets();
    const empty = [];
    for (const q of queries) if ((await prometheus.query(q.promql)).length === 0) empty.push(`${q.panel}/${q.refId}`);
    throw new Error(`${String(error)}; empty: ${empty.join(', ')}; targets: ${JSON.stringify(targets)}; prometheus log: ${prometheus.log}`);
  });

  const targets = await prometheus.targets();
  assert.equal(targets.length, 3, 'the JobManager and both TaskManagers are scraped');
  for (const target of targets) assert.equal(target.health, 'up', `${target.scrapePool} ${target.scrapeUrl}: ${target.lastError}`);

  const tmIds = new Set(tms.map((tm) => tm.id));
  for (const q of queries) {
    const series = results.get(q.promql)!;
    for (const s of series) {
      if (q.expr.includes('$job_id')) assert.equal(s.labels['job_id'], jobId, `${q.panel}/${q.refId}: ${JSON.stringify(s.labels)} is this run's job`);
      if (s.labels['tm_id'] !== undefined) assert.ok(tmIds.has(s.labels['tm_id']), `${q.panel}/${q.refId}: tm_id ${s.labels['tm_id']} is one of this run's`);
      if (s.labels['job'] !== undefined) assert.match(s.labels['job'], /^flowlab-(jobmanager|taskmanager)$/, `${q.panel}/${q.refId}: scraped by the shipped jobs`);
      assert.ok(Number.isFinite(s.value), `${q.panel}/${q.refId}: ${s.value} is a number`);
    }
    t.diagnostic(`${q.panel} / ${q.refId}: ${series.length} series, e.g. ${series[0]!.value}  ${q.promql}`);
  }

  // the figures behind the panels are the job's, not just present
  const value = (prefix: string, pick: (s: PromSample[]) => number = (s) => s[0]!.value): number => pick(results.get(queries.find((q) => q.expr.startsWith(prefix))!.promql)!);
  assert.ok(value('sum by (job_id, task_name) (rate(flink_taskmanager_job_task_numRecordsOut', (s) => Math.max(...s.map((x) => x.value))) > 0, 'records flow');
  const p99 = value('histogram_quantile(0.99');
  assert.ok(p99 > 0 && p99 <= 60_000_000, `p99 latency ${p99} µs is a latency`);
  assert.equal(value('flink_jobmanager_job_runningState'), 1);
  assert.equal(value('flink_jobmanager_job_numRestarts'), 0, 'no failure in this run (restarts are counted in job-manager-metrics.test)');
  assert.ok(value('flink_jobmanager_job_lastCheckpointDuration') > 0, 'a checkpoint completed');
  assert.ok(value('flink_taskmanager_job_task_debloatedBufferSize', (s) => Math.min(...s.map((x) => x.value))) > 0, 'debloating announces a buffer size');
  assert.equal(value('flink_jobmanager_numRegisteredTaskManagers'), 2);
});

test('a query Prometheus cannot parse is a PromQLError naming the query', async (t) => {
  const binary = await prometheusBinary(t);
  if (binary === undefined) return;
  await using prometheus = await PrometheusServer.start({ config: 'scrape_configs: []\n', binary });
  await assert.rejects(prometheus.query('sum by (job_id (rate(x[5s]))'), (error: unknown) => {
    assert.ok(error instanceof PromQLError);
    assert.equal(error.errorType, 'bad_data');
    assert.match(error.message, /sum by \(job_id \(rate/);
    return true;
  });
  assert.deepEqual(await prometheus.query('vector(1)'), [{ labels: {}, value: 1 }]);
});

test('without the binary, start fails naming it', async () => {
  await assert.rejects(findPrometheusBinary({ PATH: '/nonexistent' }), (error: unknown) => error instanceof PrometheusNotFoundError && /"prometheus" on PATH/.test(error.message));
  await assert.rejects(findPrometheusBinary({ FLOWLAB_PROMETHEUS: '/nonexistent/prometheus' }), /FLOWLAB_PROMETHEUS=\/nonexistent\/prometheus/);
});
