/**
 * The one typed options object of each cluster process. `flowlab jobmanager` / `flowlab taskmanager` build it from
 * flags and environment variables; LocalCluster hands it to a forked `*-main.js` as JSON in
 * {@link PROCESS_OPTIONS_ENV}; both end in `runJobManagerProcess` / `runTaskManagerProcess`. A malformed object is
 * a typed error naming the field.
 */
import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { z } from 'zod';
import { FlowlabError } from '../../core/index.js';
import type { Address } from '../job/index.js';
import { summarizeIssues } from './zod-issues.js';

/** Environment variable that carries a forked child's options as JSON (removed once read). */
export const PROCESS_OPTIONS_ENV = 'FLOWLAB_PROCESS_ARGS';

/** Every listener binds here unless told otherwise. */
export const DEFAULT_BIND_HOST = '127.0.0.1';

const port = z.int().min(0).max(65_535);
const addressSchema = z.object({ host: z.string().min(1), port: z.int().min(1).max(65_535) }).strict();
const serializedConfigSchema = z.record(z.string(), z.union([z.number(), z.boolean(), z.string(), z.null()]));

export const jobManagerProcessOptionsSchema = z
  .object({
    /** Flink config (serialized; resolved and validated by the process). */
    config: serializedConfigSchema,
    /** Interface the REST and control servers listen on. */
    bindHost: z.string().min(1).default(DEFAULT_BIND_HOST),
    /** Host others use to reach this process (default: the bind host, or this machine's first non-loopback IPv4 for a wildcard). */
    advertisedHost: z.string().min(1).optional(),
    /** REST port (0: OS-chosen). Default: the config's `rest.port`. */
    restPort: port.optional(),
    /** Control (RPC) port TaskManagers register on (0: OS-chosen). */
    controlPort: port.default(0),
    /** Prometheus metrics port (0: OS-chosen). */
    metricsPort: port.default(0),
    /** Data address overrides per link (`data-<consumerTm>-<producerTm>`), e.g. chaos proxies. */
    linkOverrides: z.record(z.string(), addressSchema).default({}),
  })
  .strict();

export const taskManagerProcessOptionsSchema = z
  .object({
    /** TaskManager id: unique in the cluster, used in link names (`data-<consumer>-<producer>`). */
    tmId: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only').max(128),
    /** The JobManager's control address. */
    jobManager: addressSchema,
    config: serializedConfigSchema,
    /** Interface the data server and the metrics endpoint listen on. */
    bindHost: z.string().min(1).default(DEFAULT_BIND_HOST),
    /** Host the JobManager and other TaskManagers use to reach this one (see jobManager's advertisedHost). */
    advertisedHost: z.string().min(1).optional(),
    /** Prometheus metrics port (0: OS-chosen). The data port is the config's `taskmanager.data.port`. */
    metricsPort: port.default(0),
    /** Keep retrying to reach the JobManager this long before giving up (0: one attempt). */
    registrationTimeoutMs: z.number().min(0).default(0),
  })
  .strict();

/** A JobManager process's options as given (defaults not yet applied). */
export type JobManagerProcessOptions = z.input<typeof jobManagerProcessOptionsSchema>;
/** A TaskManager process's options as given (defaults not yet applied). */
export type TaskManagerProcessOptions = z.input<typeof taskManagerProcessOptionsSchema>;
export type ResolvedJobManagerProcessOptions = z.output<typeof jobManagerProcessOptionsSchema>;
export type ResolvedTaskManagerProcessOptions = z.output<typeof taskManagerProcessOptionsSchema>;

/** Options of a process that failed validation; the message names each bad field. */
export class InvalidProcessOptionsError extends FlowlabError {
  constructor(
    readonly process: 'jobmanager' | 'taskmanager',
    readonly fields: string[],
    message: string,
  ) {
    super('ERR_INVALID_PROCESS_OPTIONS', `invalid ${process} options: ${message}`);
  }
}

function parseWith<S extends z.ZodType>(schema: S, processName: 'jobmanager' | 'taskmanager', input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const { fields, detail } = summarizeIssues(parsed.error, '(options)');
  throw new InvalidProcessOptionsError(processName, fields, detail);
}

export function parseJobManagerProcessOptions(input: unknown): ResolvedJobManagerProcessOptions {
  return parseWith(jobManagerProcessOptionsSchema, 'jobmanager', input);
}

export function parseTaskManagerProcessOptions(input: unknown): ResolvedTaskManagerProcessOptions {
  return parseWith(taskManagerProcessOptionsSchema, 'taskmanager', input);
}

/** The options JSON of a forked child: {@link PROCESS_OPTIONS_ENV} (argv[2] for a manual start), removed once read. */
export function readForkedOptions(): unknown {
  const raw = process.argv[2] ?? process.env[PROCESS_OPTIONS_ENV];
  delete process.env[PROCESS_OPTIONS_ENV]; // not inherited by anything this process starts
  if (raw === undefined) throw new FlowlabError('ERR_USAGE', `no options: set ${PROCESS_OPTIONS_ENV} to the options JSON (or use flowlab jobmanager / flowlab taskmanager)`);
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    throw new FlowlabError('ERR_USAGE', `${PROCESS_OPTIONS_ENV} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** 0.0.0.0, :: and the empty host listen on every interface. */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';
}

/** localhost, 127.0.0.0/8 and ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.')) || h === '::ffff:127.0.0.1';
}

/** The host to advertise for `bindHost`: it, unless it is a wildcard (then this machine's first non-loopback IPv4). */
export function advertisedHostFor(bindHost: string, advertisedHost?: string): string {
  if (advertisedHost !== undefined) return advertisedHost;
  if (!isWildcardHost(bindHost)) return bindHost;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return DEFAULT_BIND_HOST;
}

/** `address` with the advertised host in place of the bound one. */
export function advertise(address: Address, host: string): Address {
  return { host, port: address.port };
}
