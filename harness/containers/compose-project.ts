/**
 * docker-compose.yml read as data, with Compose's variable interpolation (`${VAR}`, `${VAR:-default}`) applied for
 * a given environment: what `--deploy compose` and the static checks need to know about it (services, images,
 * published ports, environments).
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { FlowlabError } from '../../core/index.js';
import { SHIPPED_FILES } from './shipped-files.js';

const portSchema = z.union([z.string(), z.number(), z.object({ target: z.number(), published: z.union([z.string(), z.number()]).optional(), host_ip: z.string().optional() }).loose()]);
const serviceSchema = z
  .object({
    image: z.string().min(1).optional(),
    build: z.union([z.string(), z.object({ context: z.string(), dockerfile: z.string().optional() }).loose()]).optional(),
    command: z.union([z.string(), z.array(z.string())]).optional(),
    environment: z.union([z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])), z.array(z.string())]).optional(),
    ports: z.array(portSchema).optional(),
    volumes: z.array(z.union([z.string(), z.object({ source: z.string().optional(), target: z.string() }).loose()])).optional(),
    depends_on: z.union([z.array(z.string()), z.record(z.string(), z.unknown())]).optional(),
    deploy: z.object({ replicas: z.union([z.number(), z.string()]).optional() }).loose().optional(),
  })
  .loose();
const composeSchema = z.object({ name: z.string().optional(), services: z.record(z.string(), serviceSchema), volumes: z.record(z.string(), z.unknown()).optional() }).loose();
export type ComposeService = z.infer<typeof serviceSchema>;
export type ComposeFile = z.infer<typeof composeSchema>;

/** A published port: `host_ip:published:target`. */
export interface PublishedPort {
  hostIp: string | undefined;
  published: number | undefined;
  target: number;
}

export class InvalidComposeFileError extends FlowlabError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super('ERR_INVALID_COMPOSE_FILE', `${file}: ${message}`);
  }
}

/** Compose's interpolation of one string: `$$` is a `$`; an unset variable without a default is an error. */
export function interpolate(text: string, env: Readonly<Record<string, string | undefined>>, where: string): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (match, braced: string | undefined, op: string | undefined, fallback: string | undefined, bare: string | undefined) => {
    if (match === '$$') return '$';
    const name = (braced ?? bare)!;
    const value = env[name];
    if (op === ':-') return value === undefined || value === '' ? (fallback ?? '') : value;
    if (op === '-') return value === undefined ? (fallback ?? '') : value;
    if (value === undefined) throw new FlowlabError('ERR_COMPOSE_VARIABLE', `${where}: $${name} is not set and has no default`);
    return value;
  });
}

function interpolateDeep(value: unknown, env: Readonly<Record<string, string | undefined>>, where: string): unknown {
  if (typeof value === 'string') return interpolate(value, env, where);
  if (Array.isArray(value)) return value.map((v, i) => interpolateDeep(v, env, `${where}.${i}`));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env, `${where}.${k}`)]));
  return value;
}

/** Parses a compose file (YAML with merge keys and `x-` extensions) and interpolates it for `env`. */
export function parseComposeFile(text: string, env: Readonly<Record<string, string | undefined>> = {}, file = 'docker-compose.yml'): ComposeFile {
  let raw: unknown;
  try {
    raw = parse(text, { merge: true });
  } catch (error) {
    throw new InvalidComposeFileError(file, `not YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = composeSchema.safeParse(interpolateDeep(raw, env, '(root)'));
  if (!parsed.success) throw new InvalidComposeFileError(file, parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  return parsed.data;
}

export async function loadComposeFile(env: Readonly<Record<string, string | undefined>> = {}, file: string = SHIPPED_FILES.composeFile): Promise<ComposeFile> {
  return parseComposeFile(await readFile(file, 'utf8'), env, file);
}

/** A service's environment as a map (list form `K=V` too). */
export function serviceEnvironment(service: ComposeService): Record<string, string> {
  const env = service.environment;
  if (env === undefined) return {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((entry) => [entry.split('=')[0]!, entry.slice(entry.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(env).flatMap(([k, v]) => (v === null ? [] : [[k, String(v)]])));
}

/** A service's published ports (short syntax `[ip:]published:target[/proto]` or the long form). */
export function publishedPorts(service: ComposeService): PublishedPort[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'number') return { hostIp: undefined, published: undefined, target: port };
    if (typeof port === 'object') return { hostIp: port.host_ip, published: port.published === undefined ? undefined : Number(port.published), target: port.target };
    const parts = port.replace(/\/(tcp|udp)$/, '').split(':');
    const target = Number(parts.at(-1));
    const published = parts.length >= 2 ? Number(parts.at(-2)) : undefined;
    return { hostIp: parts.length === 3 ? parts[0] : undefined, published, target };
  });
}

/** The service's command as a list (a string command is split on spaces, as Compose does for simple commands). */
export function serviceCommand(service: ComposeService): string[] {
  const command = service.command;
  if (command === undefined) return [];
  return typeof command === 'string' ? command.split(/\s+/).filter(Boolean) : command;
}
