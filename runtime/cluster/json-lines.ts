/** Newline-delimited JSON over a socket: one message per line, parsed as lines arrive. */
import type { Socket } from 'node:net';
import { FlowlabError } from '../../core/index.js';

const MAX_LINE_BYTES = 16 * 1024 * 1024;

export class ControlProtocolError extends FlowlabError {
  constructor(message: string, readonly connection: string) {
    super('ERR_CONTROL_PROTOCOL', `${message} (control connection ${connection})`);
  }
}

/** Calls `onMessage` for every line; a malformed line or an oversized one closes only this socket. */
export function readJsonLines<T>(socket: Socket, name: string, onMessage: (message: T) => void, onError: (error: Error) => void): void {
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    pending += chunk;
    if (pending.length > MAX_LINE_BYTES) {
      onError(new ControlProtocolError(`message longer than ${MAX_LINE_BYTES} bytes`, name));
      socket.destroy();
      return;
    }
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim() !== '') {
        let message: T;
        try {
          message = JSON.parse(line) as T;
        } catch {
          onError(new ControlProtocolError(`malformed JSON message ${JSON.stringify(line.slice(0, 80))}`, name));
          socket.destroy();
          return;
        }
        onMessage(message);
      }
      nl = pending.indexOf('\n');
    }
  });
}

export function writeJsonLine(socket: Socket, message: unknown): void {
  if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
}
