// The Go-compatible JSON reader and the slicer's splitting rule (spec/toxiproxy-api.md §1.1, §2.4.7).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../core/index.js';
import { GoJsonError, JsonNumber, JsonObject, goMarshal, parseGoJson } from './go-json.js';
import { decodeStruct } from './json-decode.js';
import { sliceLengths } from './stages/slicer-stage.js';

function goError(text: string): string {
  try {
    parseGoJson(text);
  } catch (error) {
    assert.ok(error instanceof GoJsonError);
    return error.message;
  }
  return 'no error';
}

describe('parseGoJson', () => {
  it('reads the first value only and keeps number literals and key order', () => {
    const value = parseGoJson(' {"a": 1.50, "A": [true, null, "x\\u0041"]} trailing garbage');
    assert.ok(value instanceof JsonObject);
    assert.deepEqual(value.entries.map(([k]) => k), ['a', 'A']);
    const first = value.entries[0]![1];
    assert.ok(first instanceof JsonNumber);
    assert.equal(first.raw, '1.50');
    assert.deepEqual(value.entries[1]![1], [true, null, 'xA']);
  });

  it('reports errors with Go decoder texts', () => {
    assert.equal(goError(''), 'EOF');
    assert.equal(goError('   '), 'EOF');
    assert.equal(goError('{"a":'), 'unexpected EOF');
    assert.equal(goError('{"a" 1}'), "invalid character '1' after object key");
    assert.equal(goError('{bad}'), "invalid character 'b' looking for beginning of object key string");
    assert.equal(goError('{"a":1 "b":2}'), "invalid character '\"' after object key:value pair");
    assert.equal(goError('[1 2]'), "invalid character '2' after array element");
    assert.equal(goError('nul'), 'unexpected EOF');
    assert.equal(goError('nulx'), "invalid character 'x' in literal null (expecting 'l')");
    assert.equal(goError('x'), "invalid character 'x' looking for beginning of value");
  });

  it('decodes structs case-insensitively with Go type errors', () => {
    const fields = decodeStruct(parseGoJson('{"RATE": 5, "rate": 7, "other": "x"}'), 'BandwidthToxic', 'toxics.BandwidthToxic', [{ key: 'rate', type: 'int64' }]);
    assert.equal(fields.get('rate'), 7, 'the last matching key wins');
    assert.throws(
      () => decodeStruct(parseGoJson('{"rate": 1e3}'), 'BandwidthToxic', 'toxics.BandwidthToxic', [{ key: 'rate', type: 'int64' }]),
      /cannot unmarshal number 1e3 into Go struct field BandwidthToxic\.rate of type int64/,
    );
    assert.throws(() => decodeStruct(parseGoJson('[]'), 'Proxy', 'toxiproxy.Proxy', []), /cannot unmarshal array into Go value of type toxiproxy\.Proxy/);
  });

  it('marshals with Go HTML escapes', () => {
    assert.equal(goMarshal({ error: "invalid character '<'" }), '{"error":"invalid character \'\\u003c\'"}');
  });
});

describe('slicer splitting', () => {
  it('gives 1-byte slices for {1,0} and keeps every byte', () => {
    const random = new SeededRandom(1);
    assert.deepEqual(sliceLengths(24, 1, 0, random), new Array<number>(24).fill(1));
  });

  it('keeps slices near the average for {1024,512}', () => {
    const random = new SeededRandom(2);
    const lengths = sliceLengths(480_000, 1024, 512, random);
    assert.equal(lengths.reduce((a, b) => a + b, 0), 480_000);
    assert.ok(lengths.length >= 240 && lengths.length <= 720, `${lengths.length} slices`);
    assert.ok(lengths.every((l) => l > 0 && l <= 1024 + 512));
  });

  it('replays from the seed', () => {
    assert.deepEqual(sliceLengths(10_000, 100, 50, new SeededRandom(3)), sliceLengths(10_000, 100, 50, new SeededRandom(3)));
  });
});
