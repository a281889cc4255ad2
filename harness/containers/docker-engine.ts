/**
 * Whether a Docker engine (and, for compose, the Compose plugin) can be reached from here, asked the way
 * testcontainers asks; without one, `--deploy containers` / `compose` fail before anything starts and their tests
 * skip with the message this returns.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { toError } from '../../core/index.js';

const DOCKER_SOCKET = '/var/run/docker.sock';
const COMPOSE_VERSION_TIMEOUT_MS = 10_000;

/** What is missing for a Docker engine, in words; undefined when testcontainers reaches one. */
export async function dockerEngineUnavailableReason(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return undefined;
  } catch (error) {
    const host = env['DOCKER_HOST'];
    const where = host ? `DOCKER_HOST=${host} does not answer` : `DOCKER_HOST is unset and ${DOCKER_SOCKET} ${existsSync(DOCKER_SOCKET) ? 'does not answer' : 'does not exist'}`;
    return `no Docker engine: ${where} (testcontainers: ${toError(error).message})`;
  }
}

/** What is missing for `docker compose`, in words; undefined when the engine and the Compose plugin are there. */
export async function dockerComposeUnavailableReason(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const missing: string[] = [];
  try {
    await promisify(execFile)('docker', ['compose', 'version'], { timeout: COMPOSE_VERSION_TIMEOUT_MS, env });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    missing.push(e.code === 'ENOENT' ? 'no docker command on PATH' : `no Docker Compose plugin (docker compose version: ${(e.stderr ?? toError(error).message).trim().split('\n')[0]})`);
  }
  const engine = await dockerEngineUnavailableReason(env);
  if (engine) missing.push(engine);
  return missing.length > 0 ? missing.join('; ') : undefined;
}
