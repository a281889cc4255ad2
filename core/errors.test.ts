import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { toError } from './index.js';

test('toError keeps a message, and gives an empty-message error (AggregateError, bare code) one', async () => {
  assert.equal(toError('plain').message, 'plain');
  const named = new Error('named');
  assert.equal(toError(named), named);
  const aggregate = new AggregateError([new Error('connect ECONNREFUSED 127.0.0.1:1'), new Error('connect ECONNREFUSED ::1:1')], '');
  assert.equal(toError(aggregate).message, 'connect ECONNREFUSED 127.0.0.1:1; connect ECONNREFUSED ::1:1');
  const coded = Object.assign(new Error(''), { code: 'ECONNRESET' });
  assert.equal(toError(coded).message, 'ECONNRESET');
  // a real refused connection: whatever shape Node gives it, the text is not empty
  const refused = await new Promise<unknown>((resolve) => {
    const socket = connect({ host: 'localhost', port: 1, autoSelectFamily: true });
    socket.on('error', resolve);
  });
  assert.match(toError(refused).message, /ECONNREFUSED/);
});
