import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { crc32 } from './crc32.js';

/** Bit-at-a-time reference: slow and obviously right. */
function crc32Bitwise(bytes: Uint8Array): number {
  let crc = 0xffff_ffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb8_8320 : crc >>> 1;
  }
  return (crc ^ 0xffff_ffff) >>> 0;
}

test('crc32 matches the standard check values', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf4_3926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  assert.equal(crc32(new TextEncoder().encode('The quick brown fox jumps over the lazy dog')), 0x414f_a339);
});

test('the table-driven crc32 agrees with the bitwise reference and continues across pieces', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
      const joined = new Uint8Array([...a, ...b]);
      assert.equal(crc32(joined), crc32Bitwise(joined));
      assert.equal(crc32(b, crc32(a)), crc32(joined));
    }),
  );
});

test('crc32 agrees with zlib.crc32 where the runtime has it', (t) => {
  const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
  if (typeof zlibCrc32 !== 'function') {
    t.skip('node:zlib has no crc32 in this Node version');
    return;
  }
  fc.assert(fc.property(fc.uint8Array({ maxLength: 1000 }), (bytes) => assert.equal(crc32(bytes), zlibCrc32(bytes))));
});
