/**
 * A JSON reader that behaves like Go's `encoding/json` Decoder as the Toxiproxy API uses it
 * (spec/toxiproxy-api.md §1.1): only the first value is read (trailing bytes are ignored), an empty body is
 * `EOF`, a truncated one `unexpected EOF`, syntax errors read `invalid character 'x' looking for …`, numbers keep
 * their literal text (so integer fields can reject `1.5` the way Go does) and objects keep their entries in
 * input order (so case-insensitive key matching can let the last match win, as Go does).
 */

/** A JSON number with its literal text. */
export class JsonNumber {
  constructor(readonly raw: string) {}
  get value(): number {
    return Number(this.raw);
  }
}

/** A JSON object as its entries in input order (duplicate keys kept). */
export class JsonObject {
  constructor(readonly entries: ReadonlyArray<readonly [string, JsonValue]>) {}
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;

/** A decode failure; `message` is the Go decoder's text (without the API's `bad request body: ` prefix). */
export class GoJsonError extends Error {}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

function describeChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  const code = c.charCodeAt(0);
  if (code < 0x20) return `'\\x${code.toString(16).padStart(2, '0')}'`;
  return `'${c}'`;
}

/** Parses the first JSON value of `text`, Go style. Throws {@link GoJsonError}. */
export function parseGoJson(text: string): JsonValue {
  let pos = 0;

  const skipWhitespace = (): void => {
    while (pos < text.length && WHITESPACE.has(text[pos] ?? '')) pos++;
  };
  const eof = (): GoJsonError => new GoJsonError('unexpected EOF');
  const invalid = (context: string): GoJsonError => new GoJsonError(`invalid character ${describeChar(text[pos] ?? '')} ${context}`);

  const parseLiteral = (word: string, value: JsonValue): JsonValue => {
    for (let i = 0; i < word.length; i++, pos++) {
      if (pos >= text.length) throw eof();
      if (text[pos] !== word[i]) throw invalid(`in literal ${word} (expecting '${word[i] ?? ''}')`);
    }
    return value;
  };

  const parseNumber = (): JsonNumber => {
    const start = pos;
    if (text[pos] === '-') pos++;
    if (pos >= text.length) throw eof();
    if (text[pos] === '0') pos++;
    else if (/[1-9]/.test(text[pos] ?? '')) while (/[0-9]/.test(text[pos] ?? '')) pos++;
    else throw invalid('in numeric literal');
    if (text[pos] === '.') {
      pos++;
      if (pos >= text.length) throw eof();
      if (!/[0-9]/.test(text[pos] ?? '')) throw invalid('after decimal point in numeric literal');
      while (/[0-9]/.test(text[pos] ?? '')) pos++;
    }
    if (text[pos] === 'e' || text[pos] === 'E') {
      pos++;
      if (text[pos] === '+' || text[pos] === '-') pos++;
      if (pos >= text.length) throw eof();
      if (!/[0-9]/.test(text[pos] ?? '')) throw invalid('in exponent of numeric literal');
      while (/[0-9]/.test(text[pos] ?? '')) pos++;
    }
    return new JsonNumber(text.slice(start, pos));
  };

  const parseString = (): string => {
    const start = pos;
    pos++; // opening quote
    for (;;) {
      if (pos >= text.length) throw eof();
      const c = text[pos] ?? '';
      if (c === '"') {
        pos++;
        break;
      }
      if (c.charCodeAt(0) < 0x20) throw invalid('in string literal');
      if (c === '\\') {
        pos++;
        if (pos >= text.length) throw eof();
        const e = text[pos] ?? '';
        if (e === 'u') {
          for (let i = 1; i <= 4; i++) {
            if (pos + i >= text.length) throw eof();
            if (!/[0-9a-fA-F]/.test(text[pos + i] ?? '')) {
              pos += i;
              throw invalid('in \\u hexadecimal character escape');
            }
          }
          pos += 4;
        } else if (!'"\\/bfnrt'.includes(e)) {
          throw invalid('in string escape code');
        }
      }
      pos++;
    }
    return JSON.parse(text.slice(start, pos)) as string;
  };

  const parseValue = (context: string): JsonValue => {
    skipWhitespace();
    if (pos >= text.length) throw eof();
    const c = text[pos];
    switch (c) {
      case '{':
        return parseObject();
      case '[':
        return parseArray();
      case '"':
        return parseString();
      case 't':
        return parseLiteral('true', true);
      case 'f':
        return parseLiteral('false', false);
      case 'n':
        return parseLiteral('null', null);
      default:
        if (c === '-' || /[0-9]/.test(c ?? '')) return parseNumber();
        throw invalid(context);
    }
  };

  const parseObject = (): JsonObject => {
    pos++;
    const entries: Array<readonly [string, JsonValue]> = [];
    skipWhitespace();
    if (text[pos] === '}') {
      pos++;
      return new JsonObject(entries);
    }
    for (;;) {
      skipWhitespace();
      if (pos >= text.length) throw eof();
      if (text[pos] !== '"') throw invalid('looking for beginning of object key string');
      const key = parseString();
      skipWhitespace();
      if (pos >= text.length) throw eof();
      if (text[pos] !== ':') throw invalid('after object key');
      pos++;
      entries.push([key, parseValue('looking for beginning of value')]);
      skipWhitespace();
      if (pos >= text.length) throw eof();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === '}') {
        pos++;
        return new JsonObject(entries);
      }
      throw invalid('after object key:value pair');
    }
  };

  const parseArray = (): JsonValue[] => {
    pos++;
    const items: JsonValue[] = [];
    skipWhitespace();
    if (text[pos] === ']') {
      pos++;
      return items;
    }
    for (;;) {
      items.push(parseValue('looking for beginning of value'));
      skipWhitespace();
      if (pos >= text.length) throw eof();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === ']') {
        pos++;
        return items;
      }
      throw invalid('after array element');
    }
  };

  skipWhitespace();
  if (pos >= text.length) throw new GoJsonError('EOF');
  return parseValue('looking for beginning of value');
}

/** Go's name for a JSON value's kind in `cannot unmarshal <kind> into …` messages. */
export function goKindOf(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  if (value instanceof JsonNumber) return 'number';
  if (Array.isArray(value)) return 'array';
  return 'object';
}

/**
 * Serialises like Go's `json.Marshal`: `JSON.stringify` plus Go's HTML-safe escapes of `<`, `>`, `&` and the
 * line/paragraph separators.
 */
export function goMarshal(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
