/**
 * Entry for running the embedded server in its own process (benchmarks, the local deployer):
 * `node dist/chaos/serve-main.js [--host 127.0.0.1] [--port 0] [--seed N]`. Prints one JSON line
 * `{"url":…,"host":…,"port":…,"seed":…}` on stdout once listening; stops on SIGTERM/SIGINT or when stdin
 * closes (so it never outlives a parent that pipes stdin).
 */
import { parseArgs } from 'node:util';
import { createLogger } from '../core/index.js';
import { startToxiproxyServer } from './toxiproxy-server.js';

const log = createLogger('chaos/serve-main');

// node's own parser, strict: an unknown flag or a flag without its value is an error, not silently ignored
const { values } = parseArgs({ options: { host: { type: 'string' }, port: { type: 'string' }, seed: { type: 'string' } }, strict: true });

function numberFlag(name: 'port' | 'seed'): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new Error(`--${name} must be a non-negative integer, got ${raw}`);
  return Number(raw);
}

async function main(): Promise<void> {
  const port = numberFlag('port');
  const seed = numberFlag('seed');
  const server = await startToxiproxyServer({
    host: values.host ?? '127.0.0.1',
    ...(port !== undefined ? { port } : {}),
    ...(seed !== undefined ? { seed } : {}),
  });
  process.stdout.write(`${JSON.stringify({ url: server.url, host: server.host, port: server.port, seed: server.seed })}\n`);
  const shutdown = (): void => {
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('stop failed', { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  if (!process.stdin.isTTY) {
    process.stdin.once('end', shutdown);
    process.stdin.once('close', shutdown);
    process.stdin.resume();
  }
}

main().catch((error: unknown) => {
  log.error('failed to start', { error: String(error) });
  process.exit(1);
});
