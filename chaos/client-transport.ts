/**
 * The HTTP transport under toxiproxy-node-client. The package's own `HttpClient` throws
 * `Request failed with status code N` and drops the server's `{"error","status"}` body (spec/toxiproxy-api.md
 * §3); this subclass makes the same calls with `fetch` but reads the error body and throws a
 * {@link ToxiproxyError} carrying the server's message and status. It is installed as the `api` of a
 * `Toxiproxy` instance, so every `Proxy` and `Toxic` the package creates uses it.
 */
import { HttpClient, type HttpResponse } from 'toxiproxy-node-client/dist/HttpClient.js';
import { toError } from '../core/index.js';
import { ToxiproxyError } from './toxiproxy-error.js';

function serverMessageOf(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && 'error' in parsed && typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not Toxiproxy's JSON error body: report the text itself
  }
  return text.trim();
}

export class ErrorPreservingHttpClient extends HttpClient {
  override async get<T>(url: string): Promise<HttpResponse<T>> {
    return this.sendJson<T>('GET', url);
  }

  override async post<T>(url: string, body?: unknown): Promise<HttpResponse<T>> {
    return this.sendJson<T>('POST', url, body);
  }

  override async delete(url: string): Promise<void> {
    await this.sendJson('DELETE', url);
  }

  override async getText(url: string): Promise<string> {
    return (await this.fetchChecked('GET', url)).text;
  }

  private async sendJson<T>(method: string, url: string, body?: unknown): Promise<HttpResponse<T>> {
    const { text } = await this.fetchChecked(method, url, body);
    if (text.length === 0) return { data: undefined as T };
    try {
      return { data: JSON.parse(text) as T };
    } catch (error) {
      throw new ToxiproxyError({ method, url, serverMessage: `invalid JSON in response: ${toError(error).message}`, cause: error });
    }
  }

  private async fetchChecked(method: string, url: string, body?: unknown): Promise<{ text: string }> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, init);
      text = await response.text();
    } catch (error) {
      const cause = toError(error);
      const detail = cause.cause instanceof Error ? `${cause.message} (${cause.cause.message})` : cause.message;
      throw new ToxiproxyError({ method, url, serverMessage: detail, cause });
    }
    if (!response.ok) throw new ToxiproxyError({ method, url, status: response.status, serverMessage: serverMessageOf(text) });
    return { text };
  }
}
