// Fuzz (issue 14): the frame decoder on arbitrary and near-valid byte streams, cut at arbitrary points, in both
// directions. It either hands over frames or throws a typed ProtocolError; nothing else escapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProtocolError, fuzzParameters } from '../../core/index.js';
import { NetworkBuffer } from '../buffer/index.js';
import { frameStream } from '../test-support/frame-arbitraries.js';
import { FrameDecoder, MessageId, type FrameHandler } from './index.js';

const SEGMENT = 32 * 1024;
const SERVER_ACCEPTS = new Set<number>([2, 3, 4, 5, 6, 7, 8, 10]);
const CLIENT_ACCEPTS = new Set<number>([MessageId.BUFFER_RESPONSE, MessageId.ERROR_RESPONSE, MessageId.BACKLOG_ANNOUNCEMENT]);

function decodeAll(chunks: Buffer[], accepts: ReadonlySet<number>): void {
  const target = new NetworkBuffer(Buffer.alloc(SEGMENT));
  const handler: FrameHandler = {
    onBufferResponseHeader: (h) => {
      target.size = 0;
      return h.size <= SEGMENT ? target : null;
    },
    onBufferResponse: () => undefined,
    onControlMessage: () => undefined,
  };
  const decoder = new FrameDecoder(handler, 'fuzz', SEGMENT, accepts);
  try {
    for (const chunk of chunks) decoder.feed(chunk);
    decoder.assertIdleAtClose();
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    assert.match(error.code, /^ERR_/);
  }
}

test('fuzz: the server-side decoder throws only ProtocolError', () => {
  fc.assert(
    fc.property(frameStream, (chunks) => decodeAll(chunks, SERVER_ACCEPTS)),
    fuzzParameters(2000),
  );
});

test('fuzz: the client-side decoder throws only ProtocolError', () => {
  fc.assert(
    fc.property(frameStream, (chunks) => decodeAll(chunks, CLIENT_ACCEPTS)),
    fuzzParameters(2000),
  );
});
