/**
 * Chaos placement and fault timelines on real processes: every remote link goes through its proxy, a latency
 * toxic on one data link slows only the records on that link, a partition (rate 0 both ways) stalls that link and
 * the job still finishes exactly-once after the heal, and a hard partition fails the job naming the link.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pollUntil, resolveConfig } from '../core/index.js';
import { LocalCluster } from '../runtime/index.js';
import { ChaosPlacement } from './chaos-placement.js';
import { parseFaultTimeline } from './fault-timeline.js';
import { JobRun, type RunOptions } from './job-run.js';

const base: RunOptions = {
  taskManagers: 2,
  parallelism: 2,
  topology: 'source-sink',
  ratePerSec: 5000,
  recordSizeBytes: 100,
  keys: 64,
  keyDistribution: 'uniform',
  mapCostUs: 0,
  durationMs: 9000,
  warmupMs: 1000,
  seed: 7,
  config: { 'execution.buffer-timeout': '10 ms', 'taskmanager.numberOfTaskSlots': 1 },
  calibrate: false,
  chaos: true,
};

test('placement: control links and every remote data link go through their own proxy', async () => {
  await using placement = await ChaosPlacement.start();
  const config = resolveConfig({ 'rest.port': 0, 'heartbeat.interval': '200 ms', 'heartbeat.timeout': '2 s' });
  await using cluster = await LocalCluster.start({ taskManagers: 2, config, childStderr: 'ignore', controlAddressFor: placement.controlAddressFor });
  const registered = await cluster.client.awaitTaskManagers(2);
  const overrides = await placement.placeDataLinks(cluster.taskManagers);
  await cluster.client.setLinkOverrides(overrides);

  const proxies = await placement.client.listProxies();
  assert.deepEqual([...proxies.keys()].sort(), ['ctrl-tm-0', 'ctrl-tm-1', 'data-tm-0-tm-1', 'data-tm-1-tm-0']);
  const jmControl = `${cluster.jobManager.control.host}:${cluster.jobManager.control.port}`;
  assert.equal(proxies.get('ctrl-tm-0')!.upstream, jmControl);
  assert.equal(proxies.get('ctrl-tm-1')!.upstream, jmControl);
  const dataOf = (id: string): string => {
    const a = registered.find((t) => t.id === id)!.dataAddress;
    return `${a.host}:${a.port}`;
  };
  // the consumer dials the producer: data-<consumer>-<producer> forwards to the producer's data server
  assert.equal(proxies.get('data-tm-0-tm-1')!.upstream, dataOf('tm-1'));
  assert.equal(proxies.get('data-tm-1-tm-0')!.upstream, dataOf('tm-0'));
  const { links } = await cluster.client.links();
  for (const name of ['data-tm-0-tm-1', 'data-tm-1-tm-0']) {
    assert.deepEqual(links[name], { host: proxies.get(name)!.host, port: proxies.get(name)!.port }, `${name}: the JobManager hands out the proxy`);
  }
  // the TaskManager's only connection to the JobManager is the proxy: taking it down loses tm-1
  await proxies.get('ctrl-tm-1')!.disable();
  const left = await pollUntil('the JobManager to lose tm-1', async () => {
    const tms = await cluster.client.taskManagers();
    return tms.length === 1 ? tms : undefined;
  }, { timeoutMs: 15_000 });
  assert.deepEqual(left.map((t) => t.id), ['tm-0']);
});

test('latency on one data link slows only its records; a partition stalls the link and the job still ends exactly-once', async () => {
  const faults = parseFaultTimeline([
    'at=2s,duration=3s,link=data-tm-0-tm-1,toxic=latency,latency=200',
    'at=6s,duration=3s,link=data-tm-1-tm-0,partition',
  ]);
  const result = await new JobRun({ ...base, faults }).execute();
  assert.equal(result.state, 'completed', result.error);
  assert.equal(result.sink.lost, 0);
  assert.equal(result.sink.duplicated, 0);
  assert.ok(result.sink.records > 50_000, `records ${result.sink.records}`);
  assert.deepEqual(result.chaos?.proxies.filter((p) => !p.name.startsWith('probe-')).map((p) => p.name), ['ctrl-tm-0', 'ctrl-tm-1', 'data-tm-0-tm-1', 'data-tm-1-tm-0']);

  const [latency, partition] = result.faults;
  assert.ok(latency && partition);
  assert.ok(latency.appliedAtMs !== null && latency.removedAtMs !== null && latency.removedAtMs > latency.appliedAtMs + 2500);
  const probe = latency.measured.probes?.[0];
  assert.equal(latency.measured.tookEffect, true, JSON.stringify(latency.measured));
  assert.ok(probe?.addedLatencyMs !== undefined && probe.addedLatencyMs >= 150 && probe.addedLatencyMs < 600, `probe added ${probe?.addedLatencyMs} ms`);
  const links = latency.measured.job?.links ?? {};
  const p50 = (link: string): number => links[link]?.latencyP50UsDuring ?? Number.NaN;
  assert.ok(p50('data-tm-0-tm-1') >= 150_000, `records over data-tm-0-tm-1: p50 ${p50('data-tm-0-tm-1')} µs`);
  for (const other of ['local-tm-0', 'local-tm-1', 'data-tm-1-tm-0']) {
    assert.ok(p50(other) < 100_000, `records over ${other} are not slowed: p50 ${p50(other)} µs`);
  }

  assert.equal(partition.measured.tookEffect, true, JSON.stringify(partition.measured));
  assert.ok((partition.measured.probes?.[0]?.achievedBytesPerSec ?? 1) < 1024, 'nothing passes the probe');
  const rateOn = (tMs: number): number | undefined => result.timeseries.find((s) => s.tMs === tMs)?.links?.['data-tm-1-tm-0'];
  const before = result.timeseries.filter((s) => s.tMs > 1000 && s.tMs <= partition.appliedAtMs!).map((s) => rateOn(s.tMs) ?? 0);
  const during = result.timeseries.filter((s) => s.tMs >= partition.appliedAtMs! + 1500 && s.tMs <= partition.removedAtMs! + 500).map((s) => rateOn(s.tMs) ?? 0);
  assert.ok(before.length > 0 && during.length > 0, JSON.stringify(result.timeseries));
  assert.ok(Math.min(...during) <= Math.max(...before) * 0.05, `link rate during ${during.join(',')} vs before ${before.join(',')}`);
  assert.ok(result.phases.some((p) => p.name === 'fault-1-after'), result.phases.map((p) => p.name).join(','));
});

test('a hard partition (proxies disabled) breaks the connection and fails the job with the link named', async () => {
  const faults = parseFaultTimeline(['at=1500ms,duration=2s,link=data-tm-0-tm-1,partition-hard']);
  const result = await new JobRun({ ...base, durationMs: 5000, faults }).execute();
  assert.equal(result.state, 'errored');
  assert.match(result.error ?? '', /data-tm-0-tm-1/);
  const [fault] = result.faults;
  assert.ok(fault?.appliedAtMs !== null);
  assert.equal(fault?.measured.tookEffect, true);
});

test('with checkpointing, a broken data connection restarts the job from its latest checkpoint and it still ends exactly-once', async () => {
  const faults = parseFaultTimeline(['at=2500ms,duration=1s,link=data-tm-0-tm-1,partition-hard']);
  const config = {
    ...base.config,
    'execution.checkpointing.interval': '300 ms',
    'restart-strategy.fixed-delay.delay': '500 ms',
  };
  const result = await new JobRun({ ...base, durationMs: 6000, config, faults }).execute();
  assert.equal(result.state, 'completed', result.error);
  assert.equal(result.faults[0]?.measured.tookEffect, true);
  assert.equal(result.sink.lost, 0, 'restored from a checkpoint, nothing is lost');
  assert.equal(result.sink.duplicated, 0, 'and nothing is delivered twice');
  assert.equal(result.sink.records, 2 * 5000 * 7, 'every record the sources emit (6 s run + 1 s warm-up) arrives once');
});
