import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FaultTimelineError, checkFaultTargets, matchLinks, parseFault, parseFaultTimeline } from './fault-timeline.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');

test('the four entry shapes of --fault parse into typed faults', () => {
  assert.deepEqual(parseFault('at=5s,duration=3s,link=data-tm-1-*,stream=downstream,toxic=latency,latency=50,jitter=5'), {
    kind: 'toxic',
    atMs: 5000,
    durationMs: 3000,
    link: 'data-tm-1-*',
    stream: 'downstream',
    toxic: 'latency',
    toxicity: 1,
    attributes: { latency: 50, jitter: 5 },
    entry: 'at=5s,duration=3s,link=data-tm-1-*,stream=downstream,toxic=latency,latency=50,jitter=5',
  });
  assert.deepEqual(parseFault('at=4s,duration=2s,link=data-*,partition'), { kind: 'partition', atMs: 4000, durationMs: 2000, link: 'data-*', entry: 'at=4s,duration=2s,link=data-*,partition' });
  assert.equal(parseFault('at=4s,duration=2 s,link=ctrl-tm-0,partition-hard').kind, 'partition-hard');
  assert.deepEqual(parseFault('at=6s,kill-taskmanager=tm-1'), { kind: 'kill-taskmanager', atMs: 6000, taskManager: 'tm-1', entry: 'at=6s,kill-taskmanager=tm-1' });
  assert.equal(parseFault('at=8s,restart-taskmanager=tm-1').kind, 'restart-taskmanager');
  // defaults: stream downstream, attributes filled, no duration = until the end
  const bw = parseFault('at=500ms,link=data-tm-0-tm-1,toxic=bandwidth,rate=100,stream=upstream');
  assert.ok(bw.kind === 'toxic' && bw.durationMs === undefined && bw.stream === 'upstream' && bw.attributes['rate'] === 100);
  assert.deepEqual(parseFaultTimeline(['at=8s,restart-taskmanager=tm-1', 'at=6s,kill-taskmanager=tm-1']).map((f) => f.atMs), [6000, 8000]);
});

function rejects(entry: string, field: string, pattern?: RegExp): void {
  assert.throws(
    () => parseFault(entry),
    (e: unknown) => e instanceof FaultTimelineError && e.code === 'ERR_INVALID_FAULT' && e.field === field && (pattern ? pattern.test(e.message) : true),
    `${entry} should be rejected for ${field}`,
  );
}

test('a bad entry is rejected with an error naming the field', () => {
  rejects('at=1s,duration=1s,link=data-*,toxic=lag,latency=5', 'toxic', /latency, bandwidth/);
  rejects('at=1s,duration=soon,link=data-*,toxic=latency,latency=5', 'duration', /duration such as/);
  rejects('at=-1s,link=data-*,toxic=latency,latency=5', 'at');
  rejects('duration=1s,link=data-*,toxic=latency,latency=5', 'at');
  rejects('at=1s,duration=1s,toxic=latency,latency=5', 'link');
  rejects('at=1s,duration=1s,link=data-*,toxic=latency,latency=fast', 'latency', /integer/);
  rejects('at=1s,duration=1s,link=data-*,toxic=latency', 'latency', /required/);
  rejects('at=1s,duration=1s,link=data-*,toxic=latency,latency=5,rate=3', 'rate', /attribute of latency/);
  rejects('at=1s,duration=1s,link=data-*,toxic=latency,latency=5,stream=sideways', 'stream');
  rejects('at=1s,duration=1s,link=data-*,toxic=latency,latency=5,toxicity=2', 'toxicity');
  rejects('at=1s,link=data-*,partition', 'duration', /healed/);
  rejects('at=1s,duration=1s,link=data-*,partition,toxic=latency,latency=1', 'kind');
  rejects('at=1s,kill-taskmanager=tm-1,link=data-*', 'link');
  rejects('at=1s,duration=1s,link=data-*,blackhole', 'blackhole');
});

test('link globs: * and ? match, a glob that matches no link of the cluster is an error', () => {
  const links = ['ctrl-tm-0', 'ctrl-tm-1', 'data-tm-0-tm-1', 'data-tm-1-tm-0'];
  assert.deepEqual(matchLinks('data-*', links), ['data-tm-0-tm-1', 'data-tm-1-tm-0']);
  assert.deepEqual(matchLinks('data-tm-?-tm-0', links), ['data-tm-1-tm-0']);
  assert.deepEqual(matchLinks('ctrl.tm-0', links), [], 'a dot is literal');
  checkFaultTargets(parseFaultTimeline(['at=1s,duration=1s,link=*,partition', 'at=1s,kill-taskmanager=tm-1']), links, ['tm-0', 'tm-1']);
  assert.throws(() => checkFaultTargets([parseFault('at=1s,duration=1s,link=data-tm-2-*,partition')], links, ['tm-0', 'tm-1']), (e: unknown) => e instanceof FaultTimelineError && e.field === 'link' && /data-tm-0-tm-1/.test(e.message));
  assert.throws(() => checkFaultTargets([parseFault('at=1s,kill-taskmanager=tm-7')], links, ['tm-0', 'tm-1']), (e: unknown) => e instanceof FaultTimelineError && e.field === 'kill-taskmanager');
});

test('flowlab run rejects a bad --fault with exit code 2 before starting processes', () => {
  let failed: { status: number | null; stderr: string } | undefined;
  try {
    execFileSync(process.execPath, [CLI, 'run', '--fault', 'at=1s,duration=1s,link=data-*,toxic=lag'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { status: number | null; stderr: Buffer };
    failed = { status: e.status, stderr: e.stderr.toString() };
  }
  assert.ok(failed, 'the CLI must fail');
  assert.equal(failed.status, 2);
  assert.match(failed.stderr, /toxic "lag"/);
});
