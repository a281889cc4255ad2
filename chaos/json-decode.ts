/**
 * Decodes parsed JSON into flat records the way Go's `encoding/json` fills a struct
 * (spec/toxiproxy-api.md §1.1): keys match case-insensitively (the last matching key wins), unknown keys are
 * ignored, `null` leaves the default in place, and a wrong type fails with Go's
 * `json: cannot unmarshal <kind> into Go struct field <Struct>.<field> of type <type>` text.
 */
import { GoJsonError, JsonNumber, JsonObject, goKindOf, type JsonValue } from './go-json.js';

export type GoFieldType = 'string' | 'bool' | 'int64' | 'int' | 'float32' | 'raw';

export interface GoField {
  /** The JSON key (Go struct tag). */
  readonly key: string;
  readonly type: GoFieldType;
}

/** A decoded field value: strings, booleans, numbers, or the raw JSON value for `raw` fields. */
export type DecodedField = number | JsonValue;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const FLOAT32_MAX = 3.4028234663852886e38;

function typeError(kind: string, struct: string, field: string, goType: string): GoJsonError {
  return new GoJsonError(`json: cannot unmarshal ${kind} into Go struct field ${struct}.${field} of type ${goType}`);
}

function decodeField(value: JsonValue, field: GoField, struct: string): DecodedField {
  const mismatch = (): GoJsonError => typeError(goKindOf(value), struct, field.key, field.type === 'bool' ? 'bool' : field.type);
  switch (field.type) {
    case 'raw':
      return value;
    case 'string':
      if (typeof value !== 'string') throw mismatch();
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw mismatch();
      return value;
    case 'int64':
    case 'int': {
      if (!(value instanceof JsonNumber)) throw mismatch();
      if (!/^-?\d+$/.test(value.raw)) throw typeError(`number ${value.raw}`, struct, field.key, field.type);
      const big = BigInt(value.raw);
      if (big < INT64_MIN || big > INT64_MAX) throw typeError(`number ${value.raw}`, struct, field.key, field.type);
      return Number(big);
    }
    case 'float32': {
      if (!(value instanceof JsonNumber)) throw mismatch();
      const n = value.value;
      if (!Number.isFinite(n) || Math.abs(n) > FLOAT32_MAX) throw typeError(`number ${value.raw}`, struct, field.key, 'float32');
      return n;
    }
  }
}

/**
 * Fills a struct named `struct` (e.g. `Proxy`; `goType` such as `toxiproxy.Proxy` is used for top-level
 * mismatches) from `value`. Returns only the fields present with a non-null value, keyed by their JSON key.
 */
export function decodeStruct(
  value: JsonValue,
  struct: string,
  goType: string,
  fields: readonly GoField[],
): Map<string, DecodedField> {
  const out = new Map<string, DecodedField>();
  if (value === null) return out;
  if (!(value instanceof JsonObject)) {
    throw new GoJsonError(`json: cannot unmarshal ${goKindOf(value)} into Go value of type ${goType}`);
  }
  const byLowerKey = new Map(fields.map((f) => [f.key.toLowerCase(), f] as const));
  for (const [key, entry] of value.entries) {
    const field = byLowerKey.get(key.toLowerCase());
    if (field === undefined || entry === null) continue;
    out.set(field.key, decodeField(entry, field, struct));
  }
  return out;
}

/** Reads a decoded string field (or `fallback` when absent). */
export function stringField(fields: Map<string, DecodedField>, key: string, fallback: string): string {
  const v = fields.get(key);
  return typeof v === 'string' ? v : fallback;
}

/** Reads a decoded boolean field (or `fallback` when absent). */
export function boolField(fields: Map<string, DecodedField>, key: string, fallback: boolean): boolean {
  const v = fields.get(key);
  return typeof v === 'boolean' ? v : fallback;
}

/** Reads a decoded numeric field (or `fallback` when absent). */
export function numberField(fields: Map<string, DecodedField>, key: string, fallback: number): number {
  const v = fields.get(key);
  return typeof v === 'number' ? v : fallback;
}
