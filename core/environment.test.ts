import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { environmentFingerprint, flowlabVersion } from './environment.js';

test("flowlab's version is the package's, and the commit is this checkout's HEAD", () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  let head: string | null = null;
  try {
    head = execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    head = null; // a packaged copy without git
  }
  assert.deepEqual(flowlabVersion(), { version: pkg.version, commit: head });
});

test('the environment fingerprint names this machine', () => {
  const env = environmentFingerprint();
  assert.deepEqual(Object.keys(env).sort(), ['cores', 'cpuModel', 'memoryBytes', 'node', 'os']);
  assert.equal(env.cores, cpus().length);
  assert.equal(env.node, process.version);
  assert.ok(env.memoryBytes > 0 && env.os.length > 0);
});
