/** Golden-file helper for the reports' tests: compares with `reports/testdata/<name>`; `UPDATE_GOLDEN=1` rewrites it. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The source folder of the test data (tests run compiled from dist/reports/). */
export const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'reports', 'testdata');

export function assertGolden(name: string, actual: string): void {
  const path = join(TESTDATA, name);
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(path, actual);
  assert.equal(actual, readFileSync(path, 'utf8'), `${name} differs from the golden file (UPDATE_GOLDEN=1 rewrites it after a deliberate change)`);
}
