/**
 * HdrHistogram's text formats for the results folder, from histograms in their wire form (V2 compressed base64;
 * flowlab records latencies in µs):
 * - `.hgrm`: the percentile distribution that `outputPercentileDistribution()` prints in every HdrHistogram port
 *   (readable by the HdrHistogram plotter);
 * - `.hlog`: an interval log in the format of Java's `HistogramLogWriter` v1.3 (readable by
 *   `HistogramLogReader`, `HistogramLogProcessor` and HistogramLogAnalyzer).
 */
import * as hdr from 'hdr-histogram-js';
import { FlowlabError } from '../core/index.js';

/** Reporting ticks per half distance to 100 % in a `.hgrm` table, as HdrHistogram's default. */
const HGRM_TICKS_PER_HALF_DISTANCE = 5;
const MS_PER_SEC = 1000;
const TIME_FRACTION_DIGITS = 3;
/** A tag is one field of a comma/space separated line (Java's reader splits on both). */
const INVALID_TAG = /[\s,]/;

/** Options of {@link renderHgrm}. */
export interface HgrmOptions {
  /**
   * Divides every value (rows, mean, std deviation, max) for output: 1 prints µs, 1000 prints ms.
   * @default 1 (values in µs, as recorded)
   */
  readonly outputValueUnitScalingRatio?: number;
}

/**
 * The `.hgrm` percentile distribution of a histogram: the `Value Percentile TotalCount 1/(1-Percentile)` table
 * (5 ticks per half distance), then `#[Mean = …]`, `#[Max = …]` and `#[Buckets = …]`. Values are in µs unless
 * scaled by `outputValueUnitScalingRatio`.
 */
export function renderHgrm(histogramBase64: string, options: HgrmOptions = {}): string {
  const ratio = options.outputValueUnitScalingRatio ?? 1;
  checkPositive('outputValueUnitScalingRatio', ratio);
  const h = hdr.decodeFromCompressedBase64(histogramBase64);
  try {
    return h.outputPercentileDistribution(HGRM_TICKS_PER_HALF_DISTANCE, ratio);
  } finally {
    h.destroy();
  }
}

/** One interval of an `.hlog`. */
export interface HlogInterval {
  /** Interval start, ms after `startTimeMsEpoch`. */
  readonly startMs: number;
  /** Interval end, ms after `startTimeMsEpoch`. */
  readonly endMs: number;
  /** Written as `Tag=<tag>,`; no commas or whitespace. @default no tag */
  readonly tag?: string;
  /** The interval's histogram, V2 compressed base64. */
  readonly histogram: string;
}

/** Options of {@link renderHlog}. */
export interface HlogOptions {
  /** Epoch ms the interval times are relative to; written as the log's `StartTime` and `BaseTime`. */
  readonly startTimeMsEpoch: number;
  /**
   * Divides each interval's max for the `Interval_Max` column (Java's `maxValueUnitRatio`); the histograms
   * themselves are never scaled.
   * @default 1 (max in µs, as recorded)
   */
  readonly maxValueUnitRatio?: number;
}

/**
 * An HdrHistogram interval log (Java `HistogramLogWriter` format v1.3): the version, `StartTime` and `BaseTime`
 * comments (seconds since the epoch; the date is ISO 8601 UTC so the text does not depend on the time zone), the
 * legend, then one line per interval: `[Tag=<tag>,]<start s>,<length s>,<max>,<base64>`, times relative to
 * `startTimeMsEpoch` with 3 decimals. `Interval_Max` is the max of the histogram as decoded: the wire format keeps
 * counts per bucket, so it is the highest value equivalent to the recorded max (within HDR precision). Intervals
 * are written in the given order.
 */
export function renderHlog(intervals: readonly HlogInterval[], options: HlogOptions): string {
  const ratio = options.maxValueUnitRatio ?? 1;
  checkPositive('maxValueUnitRatio', ratio);
  if (!Number.isFinite(options.startTimeMsEpoch)) invalid('startTimeMsEpoch', options.startTimeMsEpoch, 'a finite number of epoch ms');
  const out: string[] = [];
  const writer = new hdr.HistogramLogWriter((text) => out.push(text));
  writer.outputLogFormatVersion();
  // written here rather than by outputStartTime(), which adds a blank line and a local-time date
  const startSec = formatSeconds(options.startTimeMsEpoch);
  writer.outputComment(`[StartTime: ${startSec} (seconds since epoch), ${new Date(options.startTimeMsEpoch).toISOString()}]`);
  writer.outputComment(`[BaseTime: ${startSec} (seconds since epoch)]`);
  writer.outputLegend();
  for (const interval of intervals) {
    if (interval.tag !== undefined && (interval.tag === '' || INVALID_TAG.test(interval.tag))) {
      invalid('tag', interval.tag, 'a non-empty tag without commas or whitespace');
    }
    if (!(Number.isFinite(interval.startMs) && Number.isFinite(interval.endMs) && interval.endMs >= interval.startMs)) {
      invalid('interval', `${interval.startMs}..${interval.endMs}`, 'finite startMs ≤ endMs');
    }
    const h = hdr.decodeFromCompressedBase64(interval.histogram);
    try {
      if (interval.tag !== undefined) h.tag = interval.tag;
      writer.outputIntervalHistogram(h, interval.startMs / MS_PER_SEC, interval.endMs / MS_PER_SEC, ratio);
    } finally {
      h.destroy();
    }
  }
  return out.join('');
}

function formatSeconds(ms: number): string {
  return (ms / MS_PER_SEC).toFixed(TIME_FRACTION_DIGITS);
}

function checkPositive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) invalid(name, value, 'a finite number > 0');
}

function invalid(name: string, value: unknown, allowed: string): never {
  throw new FlowlabError('ERR_INVALID_ARGUMENT', `invalid ${name} ${JSON.stringify(value)}: expected ${allowed}`);
}
