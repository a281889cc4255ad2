import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { demuxDockerLogs, describeExitStatus } from './docker-logs.js';

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

test('container logs: frames of stdout and stderr become the text in the order written', () => {
  const buffer = Buffer.concat([frame(1, '{"process":"jobmanager"}\n'), frame(2, 'warning: listening on 0.0.0.0\n'), frame(1, 'µs\n')]);
  assert.equal(demuxDockerLogs(buffer), '{"process":"jobmanager"}\nwarning: listening on 0.0.0.0\nµs\n');
  assert.equal(demuxDockerLogs(Buffer.from('plain tty output\n')), 'plain tty output\n', 'a TTY log has no frames');
  assert.equal(demuxDockerLogs(Buffer.alloc(0)), '');
});

test('an exit status above 128 names the signal that ended the process', () => {
  assert.equal(describeExitStatus(137, constants.signals), 'signal SIGKILL');
  assert.equal(describeExitStatus(143, constants.signals), 'signal SIGTERM');
  assert.equal(describeExitStatus(1, constants.signals), 'code 1');
  assert.equal(describeExitStatus(0, constants.signals), 'code 0');
});
