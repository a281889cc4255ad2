import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessSync, constants, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

test('the package bin (what `npx flowlab` runs) is an executable file that starts with a shebang and answers --help', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> };
  const bin = resolve(pkg.bin['flowlab']!);
  accessSync(bin, constants.X_OK); // a fresh clone's build must leave it executable
  assert.match(readFileSync(bin, 'utf8').split('\n')[0]!, /^#!\/usr\/bin\/env node/);
  const run = spawnSync(bin, ['--help'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /flowlab run/);
});
