/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as in zlib and java.util.zip.CRC32), table-driven.
 * Node 20 has no `zlib.crc32`, so flowlab carries its own.
 */

const POLYNOMIAL = 0xedb8_8320;
const TABLE_SIZE = 256;
const BITS_PER_BYTE = 8;

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(TABLE_SIZE);
  for (let n = 0; n < TABLE_SIZE; n++) {
    let c = n;
    for (let k = 0; k < BITS_PER_BYTE; k++) c = c & 1 ? POLYNOMIAL ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC-32 of `bytes`, as an unsigned 32-bit integer. Pass the previous result as `initial` to continue a
 * checksum over several pieces: `crc32(b, crc32(a))` equals `crc32(a ++ b)`.
 */
export function crc32(bytes: Uint8Array, initial = 0): number {
  let crc = (initial ^ 0xffff_ffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    crc = (TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> BITS_PER_BYTE)) >>> 0;
  }
  return (crc ^ 0xffff_ffff) >>> 0;
}
