/**
 * A failed API request on the embedded server: the HTTP status and the exact `error` text that Toxiproxy
 * answers with (spec/toxiproxy-api.md §1.5). Handlers throw it; the HTTP layer turns it into
 * `{"error":…,"status":N}\n`.
 */
import { FlowlabError } from '../core/index.js';

export class ApiError extends FlowlabError {
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('ERR_TOXIPROXY_API', message, options);
  }
}

export const HTTP_BAD_REQUEST = 400;
export const HTTP_NOT_FOUND = 404;
export const HTTP_CONFLICT = 409;
export const HTTP_INTERNAL_ERROR = 500;

/** `400 bad request body: <detail>`. */
export function badRequestBody(detail: string): ApiError {
  return new ApiError(HTTP_BAD_REQUEST, `bad request body: ${detail}`);
}
