import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { JobRun } from './job-run.js';
import { faultRunOptions, fastFailoverConfig } from './test-support.js';
import { parseFaultTimeline } from './fault-timeline.js';

const HEARTBEAT_TIMEOUT_MS = 1000;

test('pause-taskmanager (SIGSTOP, then SIGCONT) on the local deployer: the JobManager loses it, the job restarts exactly-once', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flowlab-pause-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const options = faultRunOptions({
    durationMs: 6_000,
    deploy: 'local',
    childStderr: 'ignore',
    logsDir: join(dir, 'logs'),
    config: fastFailoverConfig(join(dir, 'checkpoints'), HEARTBEAT_TIMEOUT_MS),
    faults: parseFaultTimeline(['at=1500ms,duration=2500ms,pause-taskmanager=tm-1']),
  });
  const result = await new JobRun(options).execute();
  assert.equal(result.state, 'completed', result.error);
  assert.equal(result.sink.lost, 0);
  assert.equal(result.sink.duplicated, 0);
  assert.equal(result.deployment?.deployer, 'local');
  const fault = result.faults[0]!;
  assert.equal(fault.kind, 'pause-taskmanager');
  assert.notEqual(fault.appliedAtMs, null);
  assert.notEqual(fault.removedAtMs, null, 'resumed at the end of its duration');
  assert.match(fault.measured.detectedAs?.reason ?? '', /TaskManager tm-1 lost: no heartbeat/);
  assert.equal(fault.measured.detectedAs?.restarted, true);
  // a frozen process stops heartbeating: the JobManager notices one timeout after the last heartbeat it got
  const detect = fault.measured.timeToDetectMs!;
  assert.ok(detect >= HEARTBEAT_TIMEOUT_MS - 100 && detect < HEARTBEAT_TIMEOUT_MS + 2_000, `time to detect ${detect} ms`);
  assert.ok(result.phases.some((p) => p.name === 'fault-0-during'), result.phases.map((p) => p.name).join(', '));
  assert.ok(fault.recovery, 'time to recover is judged for a pause as for a toxic');
  assert.ok(existsSync(join(dir, 'logs', 'tm-1.log')), 'each process log is kept');
});
