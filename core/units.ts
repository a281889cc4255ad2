/**
 * Parsing of Flink's unit notation: memory sizes (`32kb`, `64 mb`, `1g`; binary multiples, as Flink's
 * MemorySize) and durations (`100 ms`, `1 s`, `2min`; a bare number is milliseconds, as Flink's TimeUtils).
 */

const MEMORY_UNITS: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['b', 1],
  ['bytes', 1],
  ['k', 1024],
  ['kb', 1024],
  ['kibibytes', 1024],
  ['m', 1024 ** 2],
  ['mb', 1024 ** 2],
  ['mebibytes', 1024 ** 2],
  ['g', 1024 ** 3],
  ['gb', 1024 ** 3],
  ['gibibytes', 1024 ** 3],
  ['t', 1024 ** 4],
  ['tb', 1024 ** 4],
  ['tebibytes', 1024 ** 4],
]);

const DURATION_UNITS_MS: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['ns', 1e-6],
  ['nano', 1e-6],
  ['nanos', 1e-6],
  ['nanosecond', 1e-6],
  ['nanoseconds', 1e-6],
  ['us', 1e-3],
  ['µs', 1e-3],
  ['micro', 1e-3],
  ['micros', 1e-3],
  ['microsecond', 1e-3],
  ['microseconds', 1e-3],
  ['ms', 1],
  ['milli', 1],
  ['millis', 1],
  ['millisecond', 1],
  ['milliseconds', 1],
  ['s', 1000],
  ['sec', 1000],
  ['secs', 1000],
  ['second', 1000],
  ['seconds', 1000],
  ['m', 60_000],
  ['min', 60_000],
  ['minute', 60_000],
  ['minutes', 60_000],
  ['h', 3_600_000],
  ['hour', 3_600_000],
  ['hours', 3_600_000],
  ['d', 86_400_000],
  ['day', 86_400_000],
  ['days', 86_400_000],
]);

const NUMBER_WITH_UNIT = /^\s*(-?\d+(?:\.\d+)?)\s*([a-zµ]*)\s*$/i;

/** Parses `32kb` → 32768. Returns undefined when the text is not a memory size. */
export function parseMemorySize(text: string): number | undefined {
  const match = NUMBER_WITH_UNIT.exec(text);
  if (!match) return undefined;
  const factor = MEMORY_UNITS.get((match[2] ?? '').toLowerCase());
  if (factor === undefined) return undefined;
  const value = Number(match[1]) * factor;
  return Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}

/** Parses `100 ms` → 100, `1 s` → 1000, `250` → 250 (milliseconds). Returns undefined when not a duration. */
export function parseDurationMs(text: string): number | undefined {
  const match = NUMBER_WITH_UNIT.exec(text);
  if (!match) return undefined;
  const unit = (match[2] ?? '').toLowerCase();
  const factor = DURATION_UNITS_MS.get(unit);
  if (factor === undefined) return undefined;
  const value = Number(match[1]) * factor;
  return Number.isFinite(value) ? value : undefined;
}

/** Formats bytes the way Flink prints them (`32kb`, `64mb`, `100b`) when exact, else as bytes. */
export function formatMemorySize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes >= Number.MAX_SAFE_INTEGER) return 'infinite';
  for (const [unit, factor] of [
    ['tb', 1024 ** 4],
    ['gb', 1024 ** 3],
    ['mb', 1024 ** 2],
    ['kb', 1024],
  ] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes}b`;
}

/** Formats a duration in milliseconds as Flink does in docs (`100 ms`, `1 s`). */
export function formatDurationMs(ms: number): string {
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms !== 0 && ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}
