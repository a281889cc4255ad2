/**
 * The embedded Toxiproxy-compatible server in a child process (`serve-main.js`), so that proxying does not share
 * an event loop with the caller's own work (metric polling, histogram merges). The child prints one JSON line
 * with its address once listening; it exits on SIGTERM or when its stdin closes, so it never outlives us.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FlowlabError } from '../core/index.js';

/** Options of {@link startToxiproxyProcess}. */
export interface ToxiproxyProcessOptions {
  /** Seed of the server's random choices. @default drawn by the server (reported as `seed`) */
  readonly seed?: number;
  /** How long the child may take to print its address. @default 10_000 ms */
  readonly startupTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL. @default 5_000 ms */
  readonly stopGraceMs?: number;
  /** Script to run instead of `serve-main.js` (tests of the start-up failures). @default serve-main.js next to this file */
  readonly entry?: string;
}

/** A running server process. `stop()` is idempotent and resolves once the process has exited. */
export interface StartedToxiproxyProcess extends AsyncDisposable {
  /** Base URL of the API, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The seed in use (the given one, or the one the server drew). */
  readonly seed: number;
  /** The child's process id. */
  readonly pid: number;
  stop(): Promise<void>;
}

const DEFAULT_STARTUP_TIMEOUT_MS = 10_000;
const DEFAULT_STOP_GRACE_MS = 5_000;
/** More output than this without a newline is not an address line. */
const MAX_ADDRESS_LINE_CHARS = 4_096;
const ERR_START = 'ERR_TOXIPROXY_PROCESS_START';

interface AddressLine {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly seed: number;
}

/** Starts `serve-main.js --port 0 [--seed N]` and resolves once it printed where it listens. */
export async function startToxiproxyProcess(options: ToxiproxyProcessOptions = {}): Promise<StartedToxiproxyProcess> {
  const entry = options.entry ?? fileURLToPath(new URL('./serve-main.js', import.meta.url));
  const args = [entry, '--port', '0', ...(options.seed === undefined ? [] : ['--seed', String(options.seed)])];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // a child that is gone closes its stdin pipe; the write error is expected, not a crash
  child.stdin?.on('error', () => {});
  let address: AddressLine;
  try {
    address = await readAddressLine(child, options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS);
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (child.pid !== undefined) await exited;
    throw error;
  }
  // keep draining stdout so that a chatty child never blocks on a full pipe
  child.stdout?.resume();
  const graceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.stdin?.end();
      child.kill('SIGTERM');
      await exited;
      clearTimeout(kill);
    })();
    return stopped;
  };
  return { ...address, pid: child.pid!, stop, [Symbol.asyncDispose]: stop };
}

/** The child's first stdout line as an address; rejects when it exits, times out or prints something else. */
function readAddressLine(child: ChildProcess, timeoutMs: number): Promise<AddressLine> {
  const name = `the embedded Toxiproxy server process${child.pid === undefined ? '' : ` (pid ${child.pid})`}`;
  return new Promise<AddressLine>((resolve, reject) => {
    let buffered = '';
    const finish = (outcome: () => void): void => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      child.stdout?.off('data', onData);
      outcome();
    };
    const timer = setTimeout(() => finish(() => reject(new FlowlabError(ERR_START, `${name} did not report its address within ${timeoutMs} ms`))), timeoutMs);
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      const how = code !== null ? `with code ${code}` : `on ${signal ?? 'a signal'}`;
      const printed = buffered === '' ? '' : ` after printing ${JSON.stringify(buffered)}`;
      finish(() => reject(new FlowlabError(ERR_START, `${name} exited ${how} before it was listening${printed}`)));
    };
    const onError = (error: Error): void => finish(() => reject(new FlowlabError(ERR_START, `cannot start ${name}: ${error.message}`, { cause: error })));
    const onData = (chunk: string): void => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline < 0 && buffered.length <= MAX_ADDRESS_LINE_CHARS) return;
      const line = newline < 0 ? buffered : buffered.slice(0, newline);
      const parsed = parseAddressLine(line);
      finish(() =>
        parsed
          ? resolve(parsed)
          : reject(new FlowlabError(ERR_START, `${name} printed ${JSON.stringify(line.slice(0, MAX_ADDRESS_LINE_CHARS))} instead of {"url","host","port","seed"}`)),
      );
    };
    child.once('exit', onExit);
    child.once('error', onError);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', onData);
  });
}

function parseAddressLine(line: string): AddressLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { url, host, port, seed } = value as Record<string, unknown>;
  if (typeof url !== 'string' || typeof host !== 'string' || !Number.isInteger(port) || !Number.isInteger(seed)) return undefined;
  return { url, host, port: port as number, seed: seed as number };
}
