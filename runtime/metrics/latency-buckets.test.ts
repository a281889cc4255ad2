import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LATENCY_BUCKET_BOUNDS_US, LatencyBuckets, renderLatencyHistogram } from './latency-buckets.js';

test('latency buckets count each value in the first bucket whose bound is not below it, cumulatively', () => {
  const buckets = new LatencyBuckets();
  for (const us of [1, 100, 101, 999_999, 1_000_000, 120_000_000]) buckets.recordValue(us);
  const { cumulativeCounts, sumUs } = buckets.snapshot();
  assert.equal(cumulativeCounts.length, LATENCY_BUCKET_BOUNDS_US.length + 1);
  const at = (boundUs: number): number => cumulativeCounts[LATENCY_BUCKET_BOUNDS_US.indexOf(boundUs)]!;
  assert.equal(at(100), 2, '1 and 100 are ≤ 100 (le is inclusive)');
  assert.equal(at(250), 3);
  assert.equal(at(1_000_000), 5);
  assert.equal(at(60_000_000), 5, '120 s is above the last bound');
  assert.equal(cumulativeCounts.at(-1), 6, '+Inf holds every value');
  assert.equal(sumUs, 1 + 100 + 101 + 999_999 + 1_000_000 + 120_000_000);
});

test('the histogram family renders in the text exposition format with escaped labels', () => {
  const buckets = new LatencyBuckets();
  buckets.recordValue(300);
  const text = renderLatencyHistogram('x_latencyUs', 'help', [{ labels: { task_name: 'a"b\\c' }, snapshot: buckets.snapshot() }]);
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], '# HELP x_latencyUs help');
  assert.equal(lines[1], '# TYPE x_latencyUs histogram');
  assert.equal(lines[2], 'x_latencyUs_bucket{task_name="a\\"b\\\\c",le="100"} 0');
  assert.equal(lines[4], 'x_latencyUs_bucket{task_name="a\\"b\\\\c",le="500"} 1');
  assert.equal(lines.at(-3), 'x_latencyUs_bucket{task_name="a\\"b\\\\c",le="+Inf"} 1');
  assert.equal(lines.at(-2), 'x_latencyUs_sum{task_name="a\\"b\\\\c"} 300');
  assert.equal(lines.at(-1), 'x_latencyUs_count{task_name="a\\"b\\\\c"} 1');
  assert.equal(renderLatencyHistogram('x', 'h', []), '', 'no series, no family');
});
