/**
 * A failed call to a Toxiproxy API (the embedded server or a real Toxiproxy), as the client facade reports it.
 * Unlike toxiproxy-node-client's own error it keeps the server's `error` text and the HTTP status.
 */
import { FlowlabError } from '../core/index.js';

export interface ToxiproxyErrorDetails {
  /** HTTP method and URL of the failed call. */
  readonly method: string;
  readonly url: string;
  /** HTTP status; `undefined` when no response arrived (connection refused, …). */
  readonly status?: number | undefined;
  /** The server's `error` text (or raw body when it was not Toxiproxy's JSON). */
  readonly serverMessage?: string | undefined;
  readonly cause?: unknown;
}

export class ToxiproxyError extends FlowlabError {
  readonly method: string;
  readonly url: string;
  readonly status: number | undefined;
  readonly serverMessage: string | undefined;

  constructor(details: ToxiproxyErrorDetails) {
    const what = `${details.method} ${details.url}`;
    const message =
      details.status === undefined
        ? `${what}: ${details.serverMessage ?? 'request failed'}`
        : `${what}: HTTP ${details.status}: ${details.serverMessage ?? ''}`;
    super('ERR_TOXIPROXY', message, { cause: details.cause });
    this.method = details.method;
    this.url = details.url;
    this.status = details.status;
    this.serverMessage = details.serverMessage;
  }
}
