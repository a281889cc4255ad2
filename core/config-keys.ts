/**
 * The Flink configuration keys flowlab understands, with Flink's defaults and units. This table is the single
 * source for validation, defaults, `--help` text and docs. A key not in this table is rejected by name.
 */
import { formatDurationMs, formatMemorySize, parseDurationMs, parseMemorySize } from './units.js';

/** How one key parses and prints. `T` is the resolved value type. */
export interface KeySpec<T> {
  readonly kind: 'memory' | 'duration' | 'int' | 'float' | 'bool' | 'optional-int' | 'optional-duration' | 'optional-string' | 'enum';
  readonly default: T;
  readonly description: string;
  /** What is accepted, in words, for error messages. */
  readonly allowed: string;
  /** Parses user input (string, number or boolean) into the resolved value, or undefined if it is not valid. */
  parse(raw: unknown): T | undefined;
  /** The canonical text form (Flink notation), for reports and docs. */
  format(value: T): string;
}

interface RangeOptions {
  min?: number;
  max?: number;
}

function inRange(value: number, { min = -Infinity, max = Infinity }: RangeOptions): boolean {
  return value >= min && value <= max;
}

function rangeText(unitText: (n: number) => string, { min, max }: RangeOptions): string {
  if (min !== undefined && max !== undefined) return ` between ${unitText(min)} and ${unitText(max)}`;
  if (min !== undefined) return ` of at least ${unitText(min)}`;
  if (max !== undefined) return ` of at most ${unitText(max)}`;
  return '';
}

function memory(defaultBytes: number, description: string, range: RangeOptions = {}): KeySpec<number> {
  return {
    kind: 'memory',
    default: defaultBytes,
    description,
    allowed: `a memory size such as 32kb, 64mb or 1gb${rangeText(formatMemorySize, range)}`,
    parse(raw) {
      let bytes: number | undefined;
      if (typeof raw === 'number' && Number.isInteger(raw)) bytes = raw;
      else if (typeof raw === 'string') bytes = raw.trim().toLowerCase() === 'infinite' ? Number.MAX_SAFE_INTEGER : parseMemorySize(raw);
      return bytes !== undefined && inRange(bytes, range) ? bytes : undefined;
    },
    format: formatMemorySize,
  };
}

function duration(defaultMs: number, description: string, range: RangeOptions = {}): KeySpec<number> {
  return {
    kind: 'duration',
    default: defaultMs,
    description,
    allowed: `a duration such as 100 ms or 1 s${rangeText(formatDurationMs, range)}`,
    parse(raw) {
      let ms: number | undefined;
      if (typeof raw === 'number' && Number.isFinite(raw)) ms = raw;
      else if (typeof raw === 'string') ms = parseDurationMs(raw);
      return ms !== undefined && inRange(ms, range) ? ms : undefined;
    },
    format: formatDurationMs,
  };
}

function parseNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && raw.trim() !== '') {
    const n = Number(raw.trim().replace(/_/g, ''));
    return Number.isNaN(n) ? undefined : n;
  }
  return undefined;
}

function int(defaultValue: number, description: string, range: RangeOptions = {}): KeySpec<number> {
  return {
    kind: 'int',
    default: defaultValue,
    description,
    allowed: `an integer${rangeText(String, range)}`,
    parse(raw) {
      const n = parseNumber(raw);
      return n !== undefined && Number.isSafeInteger(n) && inRange(n, range) ? n : undefined;
    },
    format: String,
  };
}

function optionalInt(description: string, range: RangeOptions = {}): KeySpec<number | null> {
  return {
    kind: 'optional-int',
    default: null,
    description,
    allowed: `an integer${rangeText(String, range)} (or unset)`,
    parse(raw) {
      if (raw === null) return null;
      const n = parseNumber(raw);
      return n !== undefined && Number.isSafeInteger(n) && inRange(n, range) ? n : undefined;
    },
    format: (v) => (v === null ? '(unset)' : String(v)),
  };
}

function float(defaultValue: number, description: string, range: RangeOptions = {}): KeySpec<number> {
  return {
    kind: 'float',
    default: defaultValue,
    description,
    allowed: `a number${rangeText(String, range)}`,
    parse(raw) {
      const n = parseNumber(raw);
      return n !== undefined && Number.isFinite(n) && inRange(n, range) ? n : undefined;
    },
    format: String,
  };
}

function optionalDuration(description: string, range: RangeOptions = {}): KeySpec<number | null> {
  return {
    kind: 'optional-duration',
    default: null,
    description,
    allowed: `a duration such as 10 s or 500 ms${rangeText(formatDurationMs, range)} (or unset)`,
    parse(raw) {
      if (raw === null) return null;
      let ms: number | undefined;
      if (typeof raw === 'number' && Number.isFinite(raw)) ms = raw;
      else if (typeof raw === 'string') ms = parseDurationMs(raw);
      return ms !== undefined && inRange(ms, range) ? ms : undefined;
    },
    format: (v) => (v === null ? '(unset)' : formatDurationMs(v)),
  };
}

function optionalString(description: string): KeySpec<string | null> {
  return {
    kind: 'optional-string',
    default: null,
    description,
    allowed: 'a non-empty string (or unset)',
    parse(raw) {
      if (raw === null) return null;
      return typeof raw === 'string' && raw.trim() !== '' ? raw.trim() : undefined;
    },
    format: (v) => v ?? '(unset)',
  };
}

/** A secret (a password): parsed like {@link optionalString}, never printed in reports or logs. */
function secretString(description: string): KeySpec<string | null> {
  return { ...optionalString(description), allowed: 'a non-empty string (or unset)', format: (v) => (v === null ? '(unset)' : '******') };
}

function oneOf<T extends string>(values: readonly T[], defaultValue: T | null, description: string): KeySpec<T | null> {
  return {
    kind: 'enum',
    default: defaultValue,
    description,
    allowed: `one of ${values.join(', ')}`,
    parse(raw) {
      if (raw === null) return null;
      if (typeof raw !== 'string') return undefined;
      const v = raw.trim().toLowerCase();
      return (values as readonly string[]).includes(v) ? (v as T) : undefined;
    },
    format: (v) => v ?? '(unset)',
  };
}

export function bool(defaultValue: boolean, description: string): KeySpec<boolean> {
  return {
    kind: 'bool',
    default: defaultValue,
    description,
    allowed: 'true or false',
    parse(raw) {
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string') {
        const t = raw.trim().toLowerCase();
        if (t === 'true') return true;
        if (t === 'false') return false;
      }
      return undefined;
    },
    format: String,
  };
}

const MiB = 1024 * 1024;

/** Every key flowlab accepts. Defaults are Flink 1.20's. */
export const CONFIG_KEYS = {
  'taskmanager.memory.segment-size': memory(32 * 1024, 'Size of every network buffer (memory segment).', {
    min: 256,
    max: 64 * MiB,
  }),
  'taskmanager.memory.min-segment-size': memory(256, 'Lower bound of a debloated buffer size.', { min: 1 }),
  'taskmanager.memory.starting-segment-size': memory(
    1024,
    'Buffer size a debloating input gate starts from (and announces when it connects); between min-segment-size and segment-size (when left unset it is clamped into that range).',
    { min: 1 },
  ),
  'taskmanager.network.memory.buffer-debloat.enabled': bool(
    false,
    'Buffer debloating: every input gate sizes the buffers its producers cut so the buffered input takes `buffer-debloat.target` to consume at the measured throughput.',
  ),
  'taskmanager.network.memory.buffer-debloat.target': duration(1000, 'Target time to consume the buffered in-flight input data of a gate.', { min: 1 }),
  'taskmanager.network.memory.buffer-debloat.period': duration(200, 'Time between two recalculations of the debloated buffer size.', { min: 1 }),
  'taskmanager.network.memory.buffer-debloat.samples': int(20, 'Samples the buffer size is averaged over: EMA with alpha = 2 / (samples + 1).', { min: 1 }),
  'taskmanager.network.memory.buffer-debloat.threshold-percentages': int(
    25,
    'Smallest change of the buffer size, in percent of the last announced size, that is announced to the producers.',
    { min: 0, max: 100 },
  ),
  'taskmanager.memory.process.size': memory(
    1728 * MiB,
    'Total process memory of a TaskManager; network memory is a fraction of the Flink memory derived from it (metaspace 256mb and JVM overhead 10% in [192mb, 1gb] are subtracted, as Flink does).',
    { min: 64 * MiB },
  ),
  'taskmanager.memory.network.fraction': float(0.1, 'Fraction of total Flink memory used for network buffers.', {
    min: 0,
    max: 1,
  }),
  'taskmanager.memory.network.min': memory(64 * MiB, 'Lower bound of network memory per TaskManager.'),
  'taskmanager.memory.network.max': memory(
    Number.MAX_SAFE_INTEGER,
    'Upper bound of network memory per TaskManager (infinite by default since Flink 1.17); set min = max for an exact size.',
  ),
  'taskmanager.network.numberOfBuffers': optionalInt(
    'Explicit number of network buffers per TaskManager. Deprecated and ignored by Flink >= 1.10; flowlab honours it when set, overriding the memory-derived count.',
    { min: 1, max: 2_147_483_647 }, // a Java int in Flink
  ),
  'taskmanager.network.memory.buffers-per-channel': int(
    2,
    'Exclusive buffers per remote input channel (the initial credit); per-subpartition share of the output pool maximum.',
    { min: 0 },
  ),
  'taskmanager.network.memory.floating-buffers-per-gate': int(
    8,
    'Floating buffers per input gate, shared by its channels by backlog; also added to the output pool maximum.',
    { min: 0 },
  ),
  'taskmanager.network.memory.max-buffers-per-channel': int(
    10,
    'Buffers one subpartition may hold in the output pool before the pool reports itself unavailable.',
    { min: 1 },
  ),
  'taskmanager.network.memory.max-overdraft-buffers-per-gate': int(
    5,
    'Extra buffers an output pool may borrow from the global pool while a record is being written.',
    { min: 0 },
  ),
  'taskmanager.network.memory.read-buffer.required-per-gate.max': optionalInt(
    'Threshold between required and optional buffers of an input gate (unset: no limit for streaming).',
    { min: 1 },
  ),
  'taskmanager.network.memory.exclusive-buffers-request-timeout-ms': int(
    30_000,
    'Timeout in ms while waiting for exclusive buffers from the global pool.',
    { min: 1 },
  ),
  'taskmanager.network.max-num-tcp-connections': int(1, 'TCP connections between one pair of TaskManagers.', {
    min: 1,
    max: 1,
  }),
  'taskmanager.data.port': int(0, 'Port of the TaskManager data server (0: chosen by the OS).', { min: 0, max: 65_535 }),
  'execution.buffer-timeout': duration(
    100,
    'Output flusher interval: 0 flushes after every record, -1 sends only full buffers (and events).',
    { min: -1 },
  ),
  'taskmanager.numberOfTaskSlots': int(1, 'Slots per TaskManager; one subtask of every vertex fits in one slot (slot sharing).', {
    min: 1,
    max: 1024,
  }),
  'parallelism.default': int(1, 'Parallelism of vertices that do not set one.', { min: 1, max: 32_768 }),
  'heartbeat.interval': duration(10_000, 'How often TaskManagers send heartbeats to the JobManager.', { min: 1 }),
  'heartbeat.timeout': duration(50_000, 'A TaskManager silent for this long is considered lost and its job fails.', { min: 1 }),
  'rest.port': int(8081, 'Port of the JobManager REST API (0: chosen by the OS; `flowlab run` uses 0 unless set).', {
    min: 0,
    max: 65_535,
  }),
  'execution.checkpointing.interval': optionalDuration('Checkpoint interval; unset disables periodic checkpoints.', { min: 1 }),
  'execution.checkpointing.timeout': duration(600_000, 'A pending checkpoint older than this is aborted (expired).', { min: 1 }),
  'execution.checkpointing.min-pause': duration(0, 'Least time between the end of one checkpoint and the start of the next.', { min: 0 }),
  'execution.checkpointing.max-concurrent-checkpoints': int(1, 'Checkpoints that may be pending at once (unaligned needs 1).', { min: 1 }),
  'execution.checkpointing.tolerable-failed-checkpoints': int(0, 'Failed checkpoints tolerated before the job fails.', { min: 0 }),
  'execution.checkpointing.unaligned': bool(false, 'Unaligned checkpoints: barriers overtake in-flight data, which is persisted as channel state.'),
  'execution.checkpointing.aligned-checkpoint-timeout': duration(
    0,
    'With unaligned checkpoints: start aligned and switch to unaligned after this time (0: always unaligned).',
    { min: 0 },
  ),
  'flowlab.checkpointing.aligned-checkpoint-timeout.sender-side': bool(
    true,
    'flowlab only, not a Flink key: the aligned-checkpoint timeout also converts barriers still queued at senders (Flink 1.16+); false checks it only where barriers are received (Flink 1.14-1.15), for comparing the two (spec S12).',
  ),
  'execution.checkpointing.dir': optionalString('Directory for checkpoints (default: a folder under the run output or the temp directory).'),
  'state.checkpoints.num-retained': int(1, 'Completed checkpoints kept on disk.', { min: 1 }),
  'restart-strategy': oneOf(['none', 'fixed-delay'] as const, null, 'Restart strategy (unset: fixed-delay when checkpointing is enabled, else none).'),
  'restart-strategy.fixed-delay.attempts': int(2_147_483_647, 'Restart attempts before the job fails (fixed-delay).', { min: 0 }),
  'restart-strategy.fixed-delay.delay': duration(1000, 'Delay between restart attempts (fixed-delay).', { min: 0 }),
  'security.ssl.internal.enabled': bool(
    false,
    'TLS with mutual authentication on the internal connections (data and control); a peer without a trusted certificate is refused.',
  ),
  'security.ssl.internal.keystore': optionalString(
    'This process\'s key and certificate chain: a PKCS12 file, or PEM (key and certificates in one file) with keystore-type PEM. Unset: flowlab run and cluster start generate a run-scoped self-signed pair.',
  ),
  'security.ssl.internal.keystore-password': secretString('Password of the PKCS12 keystore.'),
  'security.ssl.internal.key-password': secretString('Password of the private key (an encrypted PEM key; PKCS12 uses the keystore password).'),
  'security.ssl.internal.keystore-type': oneOf(['pkcs12', 'pem'] as const, 'pkcs12', 'Format of the keystore (JKS is not readable by Node: convert it with keytool -importkeystore to PKCS12).'),
  'security.ssl.internal.truststore': optionalString('Certificates (PEM) of the authorities a peer\'s certificate must chain to; the self-signed certificate itself for a shared pair.'),
  'security.ssl.internal.truststore-password': secretString('Password of the truststore (accepted for Flink compatibility; a PEM truststore has none).'),
  'security.ssl.internal.truststore-type': oneOf(['pem'] as const, 'pem', 'Format of the truststore (PEM; extract a PKCS12 one with openssl pkcs12 -nokeys).'),
  'security.ssl.internal.cert.fingerprint': optionalString('Comma-separated SHA-1 fingerprints (hex, colons optional); when set, a peer certificate must match one of them.'),
  'security.ssl.internal.handshake-timeout': int(-1, 'TLS handshake timeout in ms on internal connections (-1: 10 000 ms, as Netty).', { min: -1 }),
  'security.ssl.protocol': oneOf(['tlsv1.2', 'tlsv1.3'] as const, 'tlsv1.2', 'The TLS protocol version internal connections use.'),
  'security.ssl.verify-hostname': bool(true, 'Check that the peer certificate names the host dialled (the run-scoped pair names localhost, 127.0.0.1 and ::1).'),
} as const;

/** Every config key flowlab accepts. */
export type ConfigKey = keyof typeof CONFIG_KEYS;

type ValueOf<S> = S extends KeySpec<infer T> ? T : never;

/** Resolved config: every key present, typed, validated. */
export type ResolvedConfig = { readonly [K in ConfigKey]: ValueOf<(typeof CONFIG_KEYS)[K]> };

/** User input: any subset of keys, values as text (`32kb`), numbers or booleans. */
export type ConfigInput = { readonly [K in ConfigKey]?: string | number | boolean | null };
