/**
 * Configuration in three stages: user input (any subset of Flink keys, text or typed values) → resolved
 * (readonly, every key, defaults applied, cross-field rules checked once) → serialized (plain JSON for child
 * processes; resolving it again yields the same config).
 */
import { InvalidConfigError } from './errors.js';
import { CONFIG_KEYS, type ConfigKey, type KeySpec, type ResolvedConfig } from './config-keys.js';

export { CONFIG_KEYS, type ConfigKey, type ConfigInput, type ResolvedConfig } from './config-keys.js';

/** Serialized config: plain JSON numbers, booleans and nulls keyed by Flink key. */
export type SerializedConfig = Readonly<Record<string, number | boolean | string | null>>;

const KEY_NAMES = Object.keys(CONFIG_KEYS) as ConfigKey[];

const DEFAULTS: ResolvedConfig = Object.freeze(
  Object.fromEntries(KEY_NAMES.map((k) => [k, CONFIG_KEYS[k].default])) as unknown as ResolvedConfig,
);

/** The resolved defaults (Flink's). */
export function defaultConfig(): ResolvedConfig {
  return DEFAULTS;
}

function isKnownKey(key: string): key is ConfigKey {
  return Object.prototype.hasOwnProperty.call(CONFIG_KEYS, key);
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

function suggestKey(key: string): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of KEY_NAMES) {
    const d = editDistance(key, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best !== undefined && bestDistance <= Math.max(3, key.length / 4) ? ` Did you mean '${best}'?` : '';
}

/**
 * Resolves user input (or a serialized config) into a validated config. Throws {@link InvalidConfigError} naming
 * the key, the value and what is allowed, for unknown keys, ill-typed values, out-of-range values and
 * inconsistent combinations.
 */
export function resolveConfig(input: Readonly<Record<string, unknown>> = {}): ResolvedConfig {
  const out: Record<string, unknown> = { ...DEFAULTS };
  for (const [key, raw] of Object.entries(input)) {
    if (!isKnownKey(key)) {
      throw new InvalidConfigError(key, raw, 'a known configuration key', {
        detail: `flowlab does not know '${key}'.${suggestKey(key)}`,
      });
    }
    if (raw === undefined) continue;
    const spec = CONFIG_KEYS[key] as KeySpec<unknown>;
    const value = spec.parse(raw);
    if (value === undefined) throw new InvalidConfigError(key, raw, spec.allowed);
    out[key] = value;
  }
  clampUnsetStartingSegmentSize(out, input);
  const resolved = Object.freeze(out) as unknown as ResolvedConfig;
  checkCrossFieldRules(resolved);
  return resolved;
}

/** An unset `starting-segment-size` (1 KiB) follows a segment or min size set outside it, so `segment-size: 512b` stays valid. */
function clampUnsetStartingSegmentSize(out: Record<string, unknown>, input: Readonly<Record<string, unknown>>): void {
  const startKey = 'taskmanager.memory.starting-segment-size';
  if (input[startKey] !== undefined) return;
  const max = out['taskmanager.memory.segment-size'] as number;
  const min = out['taskmanager.memory.min-segment-size'] as number;
  out[startKey] = Math.min(max, Math.max(min, out[startKey] as number));
}

function checkCrossFieldRules(c: ResolvedConfig): void {
  const minKey = 'taskmanager.memory.network.min';
  const maxKey = 'taskmanager.memory.network.max';
  if (c[minKey] > c[maxKey]) {
    throw new InvalidConfigError(minKey, c[minKey], `at most '${maxKey}' (${c[maxKey]} bytes)`);
  }
  if (c['heartbeat.interval'] >= c['heartbeat.timeout']) {
    throw new InvalidConfigError('heartbeat.interval', c['heartbeat.interval'], `less than 'heartbeat.timeout' (${c['heartbeat.timeout']} ms)`);
  }
  if (c['execution.checkpointing.unaligned'] && c['execution.checkpointing.max-concurrent-checkpoints'] !== 1) {
    throw new InvalidConfigError(
      'execution.checkpointing.max-concurrent-checkpoints',
      c['execution.checkpointing.max-concurrent-checkpoints'],
      "1 when 'execution.checkpointing.unaligned' is true",
    );
  }
  const segKey = 'taskmanager.memory.segment-size';
  const minSegKey = 'taskmanager.memory.min-segment-size';
  if (c[minSegKey] > c[segKey]) {
    throw new InvalidConfigError(minSegKey, c[minSegKey], `at most '${segKey}' (${c[segKey]} bytes)`);
  }
  const startKey = 'taskmanager.memory.starting-segment-size';
  if (c[startKey] < c[minSegKey] || c[startKey] > c[segKey]) {
    throw new InvalidConfigError(startKey, c[startKey], `between '${minSegKey}' (${c[minSegKey]} bytes) and '${segKey}' (${c[segKey]} bytes)`);
  }
}

/** Plain JSON form for crossing a process boundary; `resolveConfig(serializeConfig(c))` equals `c`. */
export function serializeConfig(config: ResolvedConfig): SerializedConfig {
  return Object.fromEntries(KEY_NAMES.map((k) => [k, config[k]]));
}

/** Only the keys that differ from Flink's defaults, in Flink notation (for reports and logs). */
export function describeNonDefaults(config: ResolvedConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of KEY_NAMES) {
    const spec = CONFIG_KEYS[k] as KeySpec<unknown>;
    if (config[k] !== DEFAULTS[k]) out[k] = spec.format(config[k]);
  }
  return out;
}

/** Parses repeated `key=value` strings (the `-D` flag) into config input. */
export function parseKeyValuePairs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InvalidConfigError(pair, pair, 'key=value, e.g. taskmanager.memory.segment-size=16kb');
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}
