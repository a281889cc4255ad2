import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as hdr from 'hdr-histogram-js';
import { RunSamples } from './run-samples.js';
import { histogramOf } from './test-support.js';


function samples(points: Array<[asOfMs: number, records: number, latencies: number[]]>): RunSamples {
  const s = new RunSamples();
  for (const [asOfMs, records, latencies] of points) s.add({ tMs: asOfMs + 5, total: { asOfMs, records, latency: histogramOf(latencies) }, links: new Map() });
  return s;
}

test('a window snaps each end to the nearest sink report and carries its histogram', () => {
  const s = samples([
    [1000, 100, [10, 20]],
    [2000, 300, [10, 20, 30, 40]],
    [3000, 600, [10, 20, 30, 40, 50, 60]],
  ]);
  const w = s.window(1900, 3100)!;
  assert.deepEqual([w.startMs, w.endMs, w.records, w.recordsPerSec], [2000, 3000, 300, 300]);
  const h = hdr.decodeFromCompressedBase64(w.latencyHistogram!);
  assert.equal(h.totalCount, 2);
  h.destroy();
  assert.equal(s.window(2100, 2400), undefined, 'both ends on the same report');
});

test('a window across a restart (sink counters start again from 0) counts the new attempt\'s records, never a negative number', () => {
  const s = samples([
    [1000, 1000, [10]],
    [2000, 2000, [10, 20]],
    [3000, 1500, [10, 20, 30]],
  ]);
  const w = s.window(2000, 3000)!;
  assert.equal(w.records, 1500);
  assert.equal(w.recordsPerSec, 1500);
});

test("a fault's before window ends at the last report at or before the fault, not on a report after the restart", () => {
  const s = samples([
    [1000, 1000, [10]],
    [2000, 2000, [10, 20]],
    [3000, 50, [10]],
  ]);
  assert.equal(s.window(1000, 2600)!.records, 50, 'the nearest report to 2600 is the restarted attempt’s');
  const before = s.window(1000, 2600, undefined, { endNotAfter: true })!;
  assert.deepEqual([before.startMs, before.endMs, before.records, before.recordsPerSec], [1000, 2000, 1000, 1000]);
  assert.equal(s.window(1000, 1900, undefined, { endNotAfter: true }), undefined, 'no report between the start and the fault');
});

test('a later sample with the same report time replaces the earlier one (newer figures from a sink that reported in between)', () => {
  const s = samples([
    [1000, 100, [10]],
    [1000, 150, [10, 11]],
    [2000, 400, [10, 11, 12]],
  ]);
  assert.equal(s.window(0, 1000)!.records, 150);
  assert.equal(s.window(1000, 2000)!.records, 250);
});
