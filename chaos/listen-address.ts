/**
 * `listen` and `upstream` strings the way Go's `net` package reads them (spec/toxiproxy-api.md §1.6): split
 * host and port at the last colon (IPv6 in brackets), `localhost` resolves to 127.0.0.1, an empty or
 * unspecified host binds the dual-stack wildcard and reports `[::]:<port>`, and errors carry Go's texts
 * (`listen tcp: address …: missing port in address`, `… bind: address already in use`).
 */
import { lookup } from 'node:dns/promises';
import { isIP, type AddressInfo, type Server } from 'node:net';
import { ApiError, HTTP_INTERNAL_ERROR } from './api-error.js';

const MAX_PORT = 65_535;

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Splits `host:port` like Go's `net.SplitHostPort` plus port parsing; the error text is Go's reason. */
export function splitHostPort(address: string): HostPort | { error: string } {
  let host: string;
  let portText: string;
  if (address === '') return { host: '', port: 0 }; // Go's Listen takes "" as any address, random port
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    if (close < 0) return { error: "missing ']' in address" };
    if (close + 1 >= address.length) return { error: 'missing port in address' };
    if (address[close + 1] !== ':') return { error: 'missing port in address' };
    host = address.slice(1, close);
    portText = address.slice(close + 2);
  } else {
    const colon = address.lastIndexOf(':');
    if (colon < 0) return { error: 'missing port in address' };
    host = address.slice(0, colon);
    if (host.includes(':')) return { error: 'too many colons in address' };
    portText = address.slice(colon + 1);
  }
  if (portText === '') return { host, port: 0 };
  if (!/^\d+$/.test(portText)) return { error: 'unknown port' };
  const port = Number(portText);
  if (port > MAX_PORT) return { error: 'invalid port' };
  return { host, port };
}

function isWildcard(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::';
}

/** Formats an address the way Go prints a TCP address: `1.2.3.4:5`, `[::1]:5`. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

async function resolveHost(host: string, context: string): Promise<string> {
  if (host === 'localhost') return '127.0.0.1';
  if (isIP(host) !== 0) return host;
  try {
    return (await lookup(host, { family: 4 })).address;
  } catch (error) {
    throw new ApiError(HTTP_INTERNAL_ERROR, `${context}: lookup ${host}: no such host`, { cause: error });
  }
}

/**
 * Resolves `listen` to the address string Go would compare it by, without binding (used by the update
 * "differs" check, §1.4.3). Throws a 500 {@link ApiError} with Go's text when it cannot.
 */
export async function resolveListenAddress(listen: string): Promise<string> {
  const parsed = splitHostPort(listen);
  if ('error' in parsed) throw new ApiError(HTTP_INTERNAL_ERROR, `address ${listen}: ${parsed.error}`);
  if (parsed.host === '') return `:${parsed.port}`;
  return formatAddress(await resolveHost(parsed.host, 'lookup'), parsed.port);
}

function bindErrorText(address: string, error: NodeJS.ErrnoException): string {
  const reason =
    error.code === 'EADDRINUSE'
      ? 'bind: address already in use'
      : error.code === 'EACCES'
        ? 'bind: permission denied'
        : error.code === 'EADDRNOTAVAIL'
          ? 'bind: cannot assign requested address'
          : error.message;
  return `listen tcp ${address}: ${reason}`;
}

function listenOn(server: Server, host: string, port: number, ipv6Only: boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen({ host, port, ipv6Only, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Binds `server` to `listen` and returns the actual address as Toxiproxy reports it. Throws a 500
 * {@link ApiError} with Go's text on a bad address or a bind failure.
 */
export async function bindListen(server: Server, listen: string): Promise<string> {
  const parsed = splitHostPort(listen);
  if ('error' in parsed) throw new ApiError(HTTP_INTERNAL_ERROR, `listen tcp: address ${listen}: ${parsed.error}`);
  if (isWildcard(parsed.host)) {
    try {
      await listenOn(server, '::', parsed.port, false);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL') {
        throw new ApiError(HTTP_INTERNAL_ERROR, bindErrorText(formatAddress('::', parsed.port), error as NodeJS.ErrnoException), {
          cause: error,
        });
      }
      await listenOn(server, '0.0.0.0', parsed.port, false).catch((fallbackError: unknown) => {
        throw new ApiError(HTTP_INTERNAL_ERROR, bindErrorText(`0.0.0.0:${parsed.port}`, fallbackError as NodeJS.ErrnoException), {
          cause: fallbackError,
        });
      });
    }
  } else {
    const host = await resolveHost(parsed.host, 'listen tcp');
    try {
      await listenOn(server, host, parsed.port, false);
    } catch (error) {
      throw new ApiError(HTTP_INTERNAL_ERROR, bindErrorText(formatAddress(host, parsed.port), error as NodeJS.ErrnoException), {
        cause: error,
      });
    }
  }
  const address = server.address() as AddressInfo;
  return formatAddress(address.address, address.port);
}
