/**
 * The toxic catalogue of spec/toxiproxy-api.md §1.2 and §2.4: type names, their integer attributes in Go struct
 * order (which is also the JSON key order), and the checks that keep inputs which crash the Go server from
 * reaching the data path.
 */
import type { GoField } from './json-decode.js';

export const TOXIC_TYPES = ['latency', 'bandwidth', 'slow_close', 'timeout', 'reset_peer', 'slicer', 'limit_data', 'noop'] as const;
export type ToxicType = (typeof TOXIC_TYPES)[number];

/** Which byte stream a toxic sits on: upstream = client → server, downstream = server → client. */
export type ToxicDirection = 'upstream' | 'downstream';

/** Attribute keys per type, in Go struct order. Every key is always present in output, default 0. */
export const TOXIC_ATTRIBUTE_KEYS: Readonly<Record<ToxicType, readonly string[]>> = {
  latency: ['latency', 'jitter'],
  bandwidth: ['rate'],
  slow_close: ['delay'],
  timeout: ['timeout'],
  reset_peer: ['timeout'],
  slicer: ['average_size', 'size_variation', 'delay'],
  limit_data: ['bytes'],
  noop: [],
};

/** Go struct names, used in decoder error texts. */
export const TOXIC_STRUCT_NAMES: Readonly<Record<ToxicType, string>> = {
  latency: 'LatencyToxic',
  bandwidth: 'BandwidthToxic',
  slow_close: 'SlowCloseToxic',
  timeout: 'TimeoutToxic',
  reset_peer: 'ResetToxic',
  slicer: 'SlicerToxic',
  limit_data: 'LimitDataToxic',
  noop: 'NoopToxic',
};

/** Integer attribute values keyed by attribute name. */
export type ToxicAttributes = Readonly<Record<string, number>>;

export function isToxicType(value: string): value is ToxicType {
  return (TOXIC_TYPES as readonly string[]).includes(value);
}

/** Parses a stream name case-insensitively; `undefined` when it is neither direction (including `""`). */
export function parseDirection(stream: string): ToxicDirection | undefined {
  const lower = stream.toLowerCase();
  return lower === 'upstream' || lower === 'downstream' ? lower : undefined;
}

/** Go field descriptors for decoding a type's attributes (slicer's fields are Go `int`, others `int64`). */
export function attributeFields(type: ToxicType): GoField[] {
  const goType = type === 'slicer' ? 'int' : 'int64';
  return TOXIC_ATTRIBUTE_KEYS[type].map((key) => ({ key, type: goType }));
}

/** All attributes of `type` at their zero defaults, in output order. */
export function defaultAttributes(type: ToxicType): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of TOXIC_ATTRIBUTE_KEYS[type]) out[key] = 0;
  return out;
}

/**
 * Returns why a toxic's attributes are unsafe, or `undefined` when they are fine. These are inputs the Go
 * server does not survive, which flowlab answers with 400 instead (spec/toxiproxy-api.md §2.4.3: a negative
 * bandwidth rate panics; §2.4.7: slicer with `average_size = 0` overflows the stack and
 * `size_variation >= average_size` panics on reversed slice bounds; §6 "never crash on the inputs that crash
 * Go"). Negative slicer sizes and delays are rejected for the same reason.
 */
export function unsafeAttributesReason(type: ToxicType, attributes: ToxicAttributes): string | undefined {
  const value = (key: string): number => attributes[key] ?? 0;
  if (type === 'bandwidth' && value('rate') < 0) return 'bandwidth rate must not be negative';
  if (type === 'slicer') {
    if (value('average_size') <= 0) return 'slicer average_size must be greater than 0';
    if (value('size_variation') < 0) return 'slicer size_variation must not be negative';
    if (value('size_variation') >= value('average_size')) return 'slicer size_variation must be smaller than average_size';
    if (value('delay') < 0) return 'slicer delay must not be negative';
  }
  return undefined;
}
