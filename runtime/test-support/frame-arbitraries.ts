/**
 * fast-check arbitraries for the fuzz suite: byte streams that look like Flink frames (right magic, any id,
 * plausible or hostile lengths, bodies built from the message's own fields or random bytes), mixed with
 * plain garbage, cut into chunks at random points as a socket would deliver them.
 */
import fc from 'fast-check';
import { BODY_LENGTH, FRAME_HEADER_LENGTH, MAGIC_NUMBER, MessageId, encodeErrorResponse } from '../network/index.js';

const ID_HEX = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex'));
const INT = fc.oneof(fc.integer(), fc.constantFrom(0, -1, 1, 2 ** 31 - 1, -(2 ** 31)));

function frame(id: number, body: Buffer, lengthDelta = 0, magic = MAGIC_NUMBER): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_LENGTH);
  header.writeInt32BE((FRAME_HEADER_LENGTH + body.length + lengthDelta) | 0, 0);
  header.writeInt32BE(magic, 4);
  header.writeInt8(id > 127 ? id - 256 : id, 8);
  return Buffer.concat([header, body]);
}

/** A body of exactly the message's fixed length, made of typed fields (ids, ints) or raw bytes. */
const fixedBody = (id: number): fc.Arbitrary<Buffer> => {
  const fixed = BODY_LENGTH[id] ?? 0;
  if (fixed < 0) return fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)); // variable length
  const fields = fc.array(fc.oneof(ID_HEX.map((h) => Buffer.from(h, 'hex')), INT.map((n) => Buffer.from(Int32Array.of(n).buffer).reverse())), { maxLength: 8 });
  return fc.oneof(
    fields.map((parts) => {
      const b = Buffer.alloc(fixed);
      Buffer.concat(parts).copy(b);
      return b;
    }),
    fc.uint8Array({ minLength: fixed, maxLength: fixed }).map((u) => Buffer.from(u)),
  );
};

const errorResponseBody = fc.oneof(
  fc.record({ code: fc.string(), message: fc.string() }).chain((e) => fc.option(ID_HEX).map((r) => encodeErrorResponse(e, r ?? undefined).subarray(FRAME_HEADER_LENGTH))),
  fc.tuple(INT, fc.string(), fc.uint8Array({ maxLength: 20 })).map(([len, json, tail]) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(len, 0);
    return Buffer.concat([b, Buffer.from(json), Buffer.from(tail)]);
  }),
  fc.jsonValue().map((v) => {
    const json = Buffer.from(JSON.stringify(v) ?? 'null');
    const b = Buffer.alloc(4);
    b.writeInt32BE(json.length, 0);
    return Buffer.concat([b, json, Buffer.from([1]), Buffer.alloc(16, 7)]);
  }),
);

const bufferResponseBody = fc
  .tuple(ID_HEX, INT, INT, INT, fc.integer({ min: -1, max: 8 }), fc.boolean(), fc.integer({ min: 0, max: 40_000 }), fc.integer({ min: -2, max: 2 }))
  .map(([receiver, sub, seq, backlog, type, compressed, size, skew]) => {
    const h = Buffer.alloc(34);
    h.write(receiver, 0, 'hex');
    h.writeInt32BE(sub, 16);
    h.writeInt32BE(seq, 20);
    h.writeInt32BE(backlog, 24);
    h[28] = type & 0xff;
    h[29] = compressed ? 1 : 0;
    h.writeInt32BE(size + skew, 30);
    return Buffer.concat([h, Buffer.alloc(size, 0xab)]);
  });

/** One frame: well-formed for its id, with a wrong length, a wrong magic, an unknown id, or garbage. */
export const anyFrame: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(...Object.values(MessageId).filter((id) => id !== MessageId.BUFFER_RESPONSE && id !== MessageId.ERROR_RESPONSE)).chain((id) => fixedBody(id).map((body) => frame(id, body))),
  bufferResponseBody.map((body) => frame(MessageId.BUFFER_RESPONSE, body)),
  errorResponseBody.map((body) => frame(MessageId.ERROR_RESPONSE, body)),
  fc.tuple(fc.integer({ min: -128, max: 255 }), fc.uint8Array({ maxLength: 80 }), fc.integer({ min: -20, max: 20 })).map(([id, body, delta]) => frame(id & 0xff, Buffer.from(body), delta)),
  fc.tuple(fc.integer({ min: 0, max: 11 }), fc.uint8Array({ maxLength: 40 }), INT).map(([id, body, magic]) => frame(id, Buffer.from(body), 0, magic)),
  fc.tuple(fc.integer({ min: 0, max: 11 }), INT).map(([id, length]) => {
    const h = Buffer.alloc(FRAME_HEADER_LENGTH);
    h.writeInt32BE(length, 0);
    h.writeInt32BE(MAGIC_NUMBER, 4);
    h.writeInt8(id, 8);
    return h;
  }),
  fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)),
);

/** A byte stream of a few frames, cut into socket-sized chunks at random points. */
export const frameStream: fc.Arbitrary<Buffer[]> = fc
  .tuple(fc.array(anyFrame, { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 4096 }), { maxLength: 8 }))
  .map(([frames, cuts]) => {
    const all = Buffer.concat(frames);
    const chunks: Buffer[] = [];
    let pos = 0;
    for (const cut of cuts) {
      if (pos >= all.length) break;
      chunks.push(all.subarray(pos, pos + cut));
      pos += cut;
    }
    if (pos < all.length) chunks.push(all.subarray(pos));
    return chunks;
  });
