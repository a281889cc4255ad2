/** Docker's log stream of a container without a TTY: frames of an 8-byte header (stream, 0, 0, 0, size) and a payload. */

/** The text of a multiplexed log buffer, stdout and stderr interleaved as written; a buffer without frames is returned as text. */
export function demuxDockerLogs(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const stream = buffer[offset]!;
    const size = buffer.readUInt32BE(offset + 4);
    if (stream > 2 || buffer[offset + 1] !== 0 || buffer[offset + 2] !== 0 || buffer[offset + 3] !== 0 || offset + 8 + size > buffer.length) {
      return offset === 0 ? buffer.toString('utf8') : Buffer.concat([...parts, buffer.subarray(offset)]).toString('utf8');
    }
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  if (offset < buffer.length) parts.push(buffer.subarray(offset));
  return Buffer.concat(parts).toString('utf8');
}

/** How a container's main process ended, from its exit status (128 + n: killed by signal n), as the deployment reports it. */
export function describeExitStatus(status: number, signals: Readonly<Record<string, number>>): string {
  if (status > 128) {
    const name = Object.entries(signals).find(([, n]) => n === status - 128)?.[0];
    if (name) return `signal ${name}`;
  }
  return `code ${status}`;
}
