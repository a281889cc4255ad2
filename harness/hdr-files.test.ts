import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as hdr from 'hdr-histogram-js';
import { FlowlabError } from '../core/index.js';
import { renderHgrm, renderHlog, type HlogInterval } from './hdr-files.js';
import { histogramOf } from './test-support.js';


function range(from: number, to: number, step = 1): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** Reads a histogram back for assertions and frees it. */
function withDecoded<T>(base64: string, read: (h: hdr.Histogram) => T): T {
  const h = hdr.decodeFromCompressedBase64(base64);
  try {
    return read(h);
  } finally {
    h.destroy();
  }
}

interface HgrmRow {
  value: number;
  percentile: number;
  totalCount: number;
}

/** The table rows of a `.hgrm` (`Value Percentile TotalCount 1/(1-Percentile)`). */
function parseHgrmRows(text: string): HgrmRow[] {
  return text
    .split('\n')
    .filter((line) => /^\s*\d/.test(line))
    .map((line) => {
      const [value, percentile, totalCount] = line.trim().split(/\s+/).map(Number);
      return { value: value!, percentile: percentile!, totalCount: totalCount! };
    });
}

const sameWithinHdrPrecision = (a: number, b: number): boolean => Math.abs(a - b) <= Math.max(a, b) / 1_000;

describe('renderHgrm', () => {
  it("prints HdrHistogram's percentile distribution, in µs", () => {
    const base64 = histogramOf(range(10, 100_000, 10));
    const text = renderHgrm(base64);
    const lines = text.split('\n');
    assert.equal(lines[0], '       Value     Percentile TotalCount 1/(1-Percentile)');
    assert.equal(lines[1], '');
    // the wire format keeps counts per bucket, so the max read back is the highest value equivalent to 100,000
    const max = withDecoded(base64, (h) => h.maxValue);
    assert.ok(sameWithinHdrPrecision(max, 100_000), String(max));
    const footer = new RegExp(`\\n#\\[Mean {4}= +[\\d.]+, StdDeviation {3}= +[\\d.]+\\]\\n#\\[Max {5}= +${max}\\.000, Total count {4}= +10000\\]\\n#\\[Buckets = +\\d+, SubBuckets {5}= +2048\\]\\n$`);
    assert.match(text, footer);
    const rows = parseHgrmRows(text);
    assert.deepEqual(rows[0], { value: 10, percentile: 0, totalCount: 1 });
    assert.equal(rows.at(-1)!.percentile, 1);
    assert.equal(rows.at(-1)!.totalCount, 10_000);
    // 5 ticks per half distance: 0, 0.1 … 0.5, then 0.55 …
    assert.deepEqual(rows.slice(0, 8).map((r) => r.percentile), [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6]);
    withDecoded(base64, (h) => {
      const p99 = h.getValueAtPercentile(99);
      const at = rows.findIndex((r) => r.percentile >= 0.99);
      const row = rows[at]!;
      assert.equal(row.value, h.getValueAtPercentile(row.percentile * 100), 'a row shows the value at its percentile');
      assert.ok(sameWithinHdrPrecision(row.value, p99), `the 99th-percentile row ${row.value} vs getValueAtPercentile(99) ${p99}`);
      assert.ok(rows[at - 1]!.value <= p99 && p99 <= row.value, 'p99 lies between the rows around 0.99');
    });
  });

  it('shows exactly getValueAtPercentile(99) in the 99th-percentile row when p99 is a step', () => {
    const base64 = histogramOf([...Array<number>(985).fill(100), ...Array<number>(15).fill(5_000)]);
    const row = parseHgrmRows(renderHgrm(base64)).find((r) => r.percentile >= 0.99)!;
    withDecoded(base64, (h) => assert.equal(row.value, h.getValueAtPercentile(99)));
  });

  it('scales values by outputValueUnitScalingRatio (1000: ms)', () => {
    const base64 = histogramOf(range(1_000, 1_000_000, 1_000));
    const text = renderHgrm(base64, { outputValueUnitScalingRatio: 1_000 });
    const maxMs = withDecoded(base64, (h) => h.maxValue / 1_000);
    assert.ok(text.includes(`#[Max     = ${maxMs.toFixed(3).padStart(12)}, Total count    =         1000]`), text);
    const rows = parseHgrmRows(text);
    withDecoded(base64, (h) => assert.equal(rows[0]!.value, h.getValueAtPercentile(0) / 1_000));
    assert.throws(() => renderHgrm(base64, { outputValueUnitScalingRatio: 0 }), FlowlabError);
  });

  it('renders an empty histogram as a table without rows', () => {
    const text = renderHgrm(histogramOf([]));
    assert.equal(parseHgrmRows(text).length, 0);
    assert.match(text, /Total count {4}= +0\]/);
  });
});

describe('renderHlog', () => {
  const START_MS = 1_700_000_000_250;
  const intervals: HlogInterval[] = [
    { startMs: 0, endMs: 1_000, tag: 'total', histogram: histogramOf(range(100, 20_000, 2)) },
    { startMs: 0, endMs: 1_000, tag: 'data-tm-0-tm-1', histogram: histogramOf(range(1, 5_000)) },
    { startMs: 1_000, endMs: 2_500, tag: 'total', histogram: histogramOf([...range(1, 12_000), 250_000]) },
    { startMs: 2_500, endMs: 3_000, histogram: histogramOf([42]) },
  ];

  it('writes the v1.3 header and one line per interval', () => {
    const lines = renderHlog(intervals, { startTimeMsEpoch: START_MS }).split('\n');
    assert.deepEqual(lines.slice(0, 4), [
      '#[Histogram log format version 1.3]',
      '#[StartTime: 1700000000.250 (seconds since epoch), 2023-11-14T22:13:20.250Z]',
      '#[BaseTime: 1700000000.250 (seconds since epoch)]',
      '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"',
    ]);
    assert.equal(lines.length, 4 + intervals.length + 1);
    assert.equal(lines.at(-1), '');
    // Interval_Max is the max read back from the wire format: the highest value equivalent to the recorded max
    const max = intervals.map((i) => withDecoded(i.histogram, (h) => h.maxValue.toFixed(3)));
    assert.deepEqual(max.slice(0, 2), ['20015.000', '5003.000']);
    assert.match(lines[4]!, new RegExp(`^Tag=total,0\\.000,1\\.000,${max[0]},HISTF[A-Za-z0-9+/=]+$`));
    assert.match(lines[5]!, new RegExp(`^Tag=data-tm-0-tm-1,0\\.000,1\\.000,${max[1]},HISTF`));
    assert.match(lines[6]!, new RegExp(`^Tag=total,1\\.000,1\\.500,${max[2]},HISTF`));
    assert.match(lines[7]!, /^2\.500,0\.500,42\.000,HISTF/, 'an untagged interval has no Tag= field');
  });

  it('scales the Interval_Max column by maxValueUnitRatio (not the histograms)', () => {
    const line = renderHlog([intervals[1]!], { startTimeMsEpoch: START_MS, maxValueUnitRatio: 1_000 }).split('\n')[4]!;
    assert.match(line, /^Tag=data-tm-0-tm-1,0\.000,1\.000,5\.003,/);
  });

  it('reads back with HistogramLogReader: tags, times, counts and percentiles preserved', () => {
    const text = renderHlog(intervals, { startTimeMsEpoch: START_MS });
    assert.deepEqual(hdr.listTags(text).sort(), ['NO TAG', 'data-tm-0-tm-1', 'total']);
    const reader = new hdr.HistogramLogReader(text);
    for (const source of intervals) {
      const read = reader.nextIntervalHistogram();
      assert.ok(read, 'an interval per line');
      try {
        assert.equal(read.tag, source.tag ?? 'NO TAG');
        assert.ok(Math.abs(read.startTimeStampMsec - (START_MS + source.startMs)) < 1, `start ${read.startTimeStampMsec}`);
        assert.ok(Math.abs(read.endTimeStampMsec - (START_MS + source.endMs)) < 1, `end ${read.endTimeStampMsec}`);
        withDecoded(source.histogram, (h) => {
          assert.equal(read.totalCount, h.totalCount);
          assert.equal(read.maxValue, h.maxValue);
          for (const p of [50, 99, 99.9]) assert.equal(read.getValueAtPercentile(p), h.getValueAtPercentile(p), `p${p}`);
        });
      } finally {
        read.destroy();
      }
    }
    assert.equal(reader.nextIntervalHistogram(), null);
  });

  it('writes only the header for no intervals', () => {
    assert.equal(renderHlog([], { startTimeMsEpoch: 0 }).split('\n').length, 5);
  });

  it('rejects tags that would break the line, and reversed intervals', () => {
    const histogram = histogramOf([1]);
    for (const tag of ['a,b', 'a b', '', 'a\nb']) {
      assert.throws(() => renderHlog([{ startMs: 0, endMs: 1, tag, histogram }], { startTimeMsEpoch: 0 }), (e: unknown) => e instanceof FlowlabError && e.code === 'ERR_INVALID_ARGUMENT', JSON.stringify(tag));
    }
    assert.throws(() => renderHlog([{ startMs: 2, endMs: 1, histogram }], { startTimeMsEpoch: 0 }), FlowlabError);
  });
});
