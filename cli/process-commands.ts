/**
 * `flowlab jobmanager` and `flowlab taskmanager --jobmanager host:port`: one cluster process each, for containers,
 * orchestrators and other hosts. Every setting is a flag or a `FLOWLAB_…` environment variable (the flag wins); Flink
 * keys come from `-D key=value` over `FLOWLAB_PROPERTIES` (one `key: value` or `key=value` per line). Each check
 * names the flag or variable it read. The process prints one JSON ready line on stdout (see runtime's
 * job-manager-process.ts / task-manager-process.ts); warnings go to stderr.
 */
import { hostname } from 'node:os';
import type { Argv, CommandModule, Options } from 'yargs';
import { FlowlabError, parseDurationMs, parseKeyValuePairs, resolveConfig, serializeConfig, type ConfigKey, type ResolvedConfig } from '../core/index.js';
import {
  DEFAULT_BIND_HOST,
  isLoopbackHost,
  runJobManagerProcess,
  runTaskManagerProcess,
  type JobManagerProcessOptions,
  type TaskManagerProcessOptions,
} from '../runtime/index.js';

/** Flink's `jobmanager.rpc.port`: the control port a JobManager started by hand listens on unless told otherwise. */
export const DEFAULT_RPC_PORT = 6123;
/** Flink's `taskmanager.registration.timeout`. */
const DEFAULT_REGISTRATION_TIMEOUT = '5min';

interface ProcessFlag {
  readonly env: string;
  readonly describe: string;
}

/** Flag → environment variable, shared by both commands where they mean the same. */
export const PROCESS_FLAGS = {
  'bind-address': { env: 'FLOWLAB_BIND_ADDRESS', describe: `interface every listener binds (default ${DEFAULT_BIND_HOST}; 0.0.0.0 for all — prints a warning)` },
  'advertised-address': { env: 'FLOWLAB_ADVERTISED_ADDRESS', describe: 'host others use to reach this process (default: the bind address; for 0.0.0.0 the first non-loopback IPv4)' },
  'rest-port': { env: 'FLOWLAB_REST_PORT', describe: 'JobManager REST port, 0 = OS-chosen (default: rest.port, 8081)' },
  'rpc-port': { env: 'FLOWLAB_RPC_PORT', describe: `JobManager control port TaskManagers register on, 0 = OS-chosen (default ${DEFAULT_RPC_PORT})` },
  jobmanager: { env: 'FLOWLAB_JOBMANAGER', describe: "the JobManager's control address host:port (its ready line's advertised.control), e.g. 10.0.0.5:6123 or [::1]:6123" },
  id: { env: 'FLOWLAB_TASKMANAGER_ID', describe: 'TaskManager id, unique in the cluster (default tm-<hostname>-<pid>)' },
  'data-port': { env: 'FLOWLAB_DATA_PORT', describe: 'TaskManager data port, 0 = OS-chosen (default: taskmanager.data.port, 0)' },
  'metrics-port': { env: 'FLOWLAB_METRICS_PORT', describe: 'Prometheus /metrics port (JobManager and TaskManager alike), 0 = OS-chosen (default 0)' },
  slots: { env: 'FLOWLAB_SLOTS', describe: 'task slots (default: taskmanager.numberOfTaskSlots, 1)' },
  'registration-timeout': { env: 'FLOWLAB_REGISTRATION_TIMEOUT', describe: `keep retrying to reach the JobManager this long, with a unit (default ${DEFAULT_REGISTRATION_TIMEOUT})` },
} as const satisfies Record<string, ProcessFlag>;

type FlagName = keyof typeof PROCESS_FLAGS;

const PROPERTIES_ENV = 'FLOWLAB_PROPERTIES';

const JOBMANAGER_FLAGS: readonly FlagName[] = ['bind-address', 'advertised-address', 'rest-port', 'rpc-port', 'metrics-port'];
const TASKMANAGER_FLAGS: readonly FlagName[] = ['jobmanager', 'id', 'bind-address', 'advertised-address', 'data-port', 'metrics-port', 'slots', 'registration-timeout'];

function options(flags: readonly FlagName[]): Record<string, Options> {
  const out: Record<string, Options> = {};
  for (const flag of flags) out[flag] = { type: 'string', describe: `${PROCESS_FLAGS[flag].describe} [env ${PROCESS_FLAGS[flag].env}]` };
  out['D'] = { type: 'string', array: true, default: [] as string[], describe: `Flink config key=value, repeatable (over ${PROPERTIES_ENV}: one key: value per line)` };
  return out;
}

/** `flowlab jobmanager`. */
export const jobManagerCommand: CommandModule = {
  command: 'jobmanager',
  describe: 'run a JobManager process (REST and control servers) in the foreground; prints one JSON ready line',
  builder: (c: Argv) => c.options(options(JOBMANAGER_FLAGS)).example('$0 jobmanager --bind-address 0.0.0.0 --advertised-address 10.0.0.5', 'reachable from other hosts'),
  handler: async (args) => {
    const options = jobManagerOptionsFrom(args, process.env); // a bad flag: exit 2 naming it
    await runJobManagerProcess(options).catch((error: unknown) => exitFailed('JobManager', error));
  },
};

/** `flowlab taskmanager --jobmanager host:port`. */
export const taskManagerCommand: CommandModule = {
  command: 'taskmanager',
  describe: 'run a TaskManager process that registers with a running JobManager; prints one JSON ready line once registered',
  builder: (c: Argv) =>
    c.options(options(TASKMANAGER_FLAGS)).example('$0 taskmanager --jobmanager 10.0.0.5:6123 --bind-address 0.0.0.0 --advertised-address 10.0.0.6 --slots 4', 'join from another host'),
  handler: async (args) => {
    const options = taskManagerOptionsFrom(args, process.env);
    await runTaskManagerProcess(options).catch((error: unknown) => exitFailed('TaskManager', error));
  },
};

/** A process that could not start (after its flags were accepted): the message on stderr, exit 1. */
function exitFailed(processName: string, error: unknown): never {
  process.stderr.write(`flowlab ${processName}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

type Env = Readonly<Record<string, string | undefined>>;

/** A setting's text and where it came from (for messages), or undefined when neither flag nor variable is set. */
function read(args: Readonly<Record<string, unknown>>, env: Env, flag: FlagName): { text: string; source: string } | undefined {
  const value = args[flag];
  if (typeof value === 'string') return { text: value, source: `--${flag}` };
  if (Array.isArray(value)) throw new FlowlabError('ERR_USAGE', `--${flag} is given more than once`);
  const fromEnv = env[PROCESS_FLAGS[flag].env];
  return fromEnv !== undefined && fromEnv !== '' ? { text: fromEnv, source: PROCESS_FLAGS[flag].env } : undefined;
}

function portOf(setting: { text: string; source: string } | undefined): number | undefined {
  if (!setting) return undefined;
  const n = Number(setting.text);
  if (!/^\d+$/.test(setting.text.trim()) || !Number.isSafeInteger(n) || n > 65_535) {
    throw new FlowlabError('ERR_USAGE', `${setting.source} takes a port from 0 to 65535 (0: chosen by the OS), got ${JSON.stringify(setting.text)}`);
  }
  return n;
}

function hostOf(setting: { text: string; source: string } | undefined): string | undefined {
  if (!setting) return undefined;
  const host = setting.text.trim().replace(/^\[(.*)\]$/, '$1');
  if (host === '' || /[\s/]/.test(host)) throw new FlowlabError('ERR_USAGE', `${setting.source} takes a host name or IP address, got ${JSON.stringify(setting.text)}`);
  return host;
}

/** `host:port` or `[v6]:port`, port 1–65535. */
export function parseHostPort(text: string, source: string): { host: string; port: number } {
  const match = /^\s*(?:\[([^\]]+)\]|([^:\s/]+)):(\d+)\s*$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || !Number.isSafeInteger(port) || port < 1 || port > 65_535) {
    throw new FlowlabError('ERR_USAGE', `${source} takes host:port (e.g. 127.0.0.1:6123, [::1]:6123), got ${JSON.stringify(text)}`);
  }
  return { host: (match[1] ?? match[2])!, port };
}

/** `FLOWLAB_PROPERTIES` (one `key: value` or `key=value` per line, # comments) under the `-D` pairs. */
function configFrom(args: Readonly<Record<string, unknown>>, env: Env): Record<string, string> {
  const fromEnv: string[] = [];
  for (const line of (env[PROPERTIES_ENV] ?? '').split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const colon = /^([^=:\s]+)\s*:\s*(.*)$/.exec(trimmed);
    fromEnv.push(colon ? `${colon[1]}=${colon[2]}` : trimmed);
  }
  const pairs = Array.isArray(args['D']) ? args['D'].map(String) : [];
  return { ...parseKeyValuePairs(fromEnv), ...parseKeyValuePairs(pairs) };
}

/** Sets a Flink key from a flag; a different value for it in -D (or FLOWLAB_PROPERTIES) is an error naming both. */
function setKey(config: Record<string, string>, key: ConfigKey, value: number | undefined, source: string): void {
  if (value === undefined) return;
  const given = config[key];
  if (given !== undefined && Number(given) !== value) throw new FlowlabError('ERR_USAGE', `${source} ${value} and -D ${key}=${given} disagree: give one`);
  config[key] = String(value);
}

/** Prints the warning for listeners reachable from other hosts. */
function warnIfExposed(processName: string, bindHost: string, config: ResolvedConfig, ports: string): void {
  if (isLoopbackHost(bindHost)) return;
  const tls = config['security.ssl.internal.enabled'];
  const what = tls
    ? `the REST API has no authentication (the control and data ports use mutual TLS)`
    : `the control and data ports have no authentication (nor does the REST API): anyone who can reach ${bindHost} can register TaskManagers, submit and cancel jobs and read or inject records; use -D security.ssl.internal.enabled=true and a firewall`;
  process.stderr.write(`flowlab ${processName}: warning: listening on ${bindHost} (${ports}), not loopback: ${what}\n`);
}

/** The JobManager's options from flags and environment. */
export function jobManagerOptionsFrom(args: Readonly<Record<string, unknown>>, env: Env): JobManagerProcessOptions {
  const raw = configFrom(args, env);
  setKey(raw, 'rest.port', portOf(read(args, env, 'rest-port')), '--rest-port');
  const config = resolveConfig(raw);
  const bindHost = hostOf(read(args, env, 'bind-address')) ?? DEFAULT_BIND_HOST;
  const advertisedHost = hostOf(read(args, env, 'advertised-address'));
  const controlPort = portOf(read(args, env, 'rpc-port')) ?? DEFAULT_RPC_PORT;
  const metricsPort = portOf(read(args, env, 'metrics-port')) ?? 0;
  warnIfExposed('jobmanager', bindHost, config, `REST ${config['rest.port']}, control ${controlPort}, metrics ${metricsPort || 'OS-chosen'}`);
  return { config: serializeConfig(config), bindHost, ...(advertisedHost ? { advertisedHost } : {}), restPort: config['rest.port'], controlPort, metricsPort };
}

/** The TaskManager's options from flags and environment. */
export function taskManagerOptionsFrom(args: Readonly<Record<string, unknown>>, env: Env): TaskManagerProcessOptions {
  const jm = read(args, env, 'jobmanager');
  if (!jm) throw new FlowlabError('ERR_USAGE', `--jobmanager (or ${PROCESS_FLAGS.jobmanager.env}) is required: the JobManager's control address host:port`);
  const jobManager = parseHostPort(jm.text, jm.source);
  const raw = configFrom(args, env);
  setKey(raw, 'taskmanager.data.port', portOf(read(args, env, 'data-port')), '--data-port');
  const slots = read(args, env, 'slots');
  if (slots && !/^\d+$/.test(slots.text.trim())) throw new FlowlabError('ERR_USAGE', `${slots.source} takes a whole number of slots ≥ 1, got ${JSON.stringify(slots.text)}`);
  setKey(raw, 'taskmanager.numberOfTaskSlots', slots ? Number(slots.text) : undefined, slots?.source ?? '--slots');
  const config = resolveConfig(raw);
  const timeout = read(args, env, 'registration-timeout');
  const registrationTimeoutMs = parseDurationMs(timeout?.text ?? DEFAULT_REGISTRATION_TIMEOUT);
  if (registrationTimeoutMs === undefined || !/[a-z]\s*$/i.test(timeout?.text ?? 's')) {
    throw new FlowlabError('ERR_USAGE', `${timeout?.source ?? '--registration-timeout'} takes a duration with a unit, e.g. 30s or 5min, got ${JSON.stringify(timeout?.text)}`);
  }
  const tmId = read(args, env, 'id')?.text ?? `tm-${hostname().replace(/[^A-Za-z0-9._-]/g, '-')}-${process.pid}`;
  const bindHost = hostOf(read(args, env, 'bind-address')) ?? DEFAULT_BIND_HOST;
  const advertisedHost = hostOf(read(args, env, 'advertised-address'));
  const metricsPort = portOf(read(args, env, 'metrics-port')) ?? 0;
  warnIfExposed('taskmanager', bindHost, config, `data ${config['taskmanager.data.port'] || 'OS-chosen'}, metrics ${metricsPort || 'OS-chosen'}`);
  return { tmId, jobManager, config: serializeConfig(config), bindHost, ...(advertisedHost ? { advertisedHost } : {}), metricsPort, registrationTimeoutMs };
}
