/**
 * Flink's sizing formulas: network memory per TaskManager (spec §1.2), output pool size (§1.6) and input gate
 * buffers (§1.7), from the resolved config.
 */
import { totalmem } from 'node:os';
import { InvalidConfigError, type ConfigKey, type ResolvedConfig } from '../../core/index.js';

const MiB = 1024 * 1024;
const METASPACE_BYTES = 256 * MiB;
const OVERHEAD_MIN_BYTES = 192 * MiB;
const OVERHEAD_MAX_BYTES = 1024 * MiB;
const OVERHEAD_FRACTION = 0.1;

/** Total Flink memory derived from the process size, as Flink's defaults derive it. */
export function totalFlinkMemoryBytes(config: ResolvedConfig): number {
  const process = config['taskmanager.memory.process.size'];
  const overhead = Math.min(OVERHEAD_MAX_BYTES, Math.max(OVERHEAD_MIN_BYTES, Math.floor(process * OVERHEAD_FRACTION)));
  const flink = process - METASPACE_BYTES - overhead;
  if (flink <= 0) {
    throw new InvalidConfigError(
      'taskmanager.memory.process.size',
      process,
      `more than metaspace (256mb) plus JVM overhead (${overhead} bytes)`,
    );
  }
  return flink;
}

/** `clamp(fraction × totalFlinkMemory, min, max)`. */
export function networkMemoryBytes(config: ResolvedConfig): number {
  const fraction = config['taskmanager.memory.network.fraction'];
  const min = config['taskmanager.memory.network.min'];
  const max = config['taskmanager.memory.network.max'];
  return Math.min(max, Math.max(min, Math.floor(fraction * totalFlinkMemoryBytes(config))));
}

/** Number of network buffers per TaskManager (explicit count if `taskmanager.network.numberOfBuffers` is set). */
export function numberOfNetworkBuffers(config: ResolvedConfig): number {
  const explicit = config['taskmanager.network.numberOfBuffers'];
  if (explicit !== null) return explicit;
  const segment = config['taskmanager.memory.segment-size'];
  const count = Math.floor(networkMemoryBytes(config) / segment);
  if (count < 1) {
    throw new InvalidConfigError('taskmanager.memory.network.min', config['taskmanager.memory.network.min'], `at least one segment (${segment} bytes)`);
  }
  return count;
}

/**
 * Throws, before anything starts, when `taskManagers` TaskManagers' network buffers cannot fit in this machine's
 * memory (`availableBytes`, default `os.totalmem()`): otherwise each TaskManager allocates until it is killed or
 * times out. Names the key that set the size.
 */
export function checkNetworkMemoryFits(config: ResolvedConfig, taskManagers: number, availableBytes: number = totalmem()): void {
  const segment = config['taskmanager.memory.segment-size'];
  const perTaskManager = numberOfNetworkBuffers(config) * segment;
  if (perTaskManager * Math.max(1, taskManagers) <= availableBytes) return;
  const explicit = config['taskmanager.network.numberOfBuffers'];
  const bytes = networkMemoryBytes(config);
  const key: ConfigKey =
    explicit !== null
      ? 'taskmanager.network.numberOfBuffers'
      : bytes === config['taskmanager.memory.network.min']
        ? 'taskmanager.memory.network.min'
        : bytes === config['taskmanager.memory.network.max']
          ? 'taskmanager.memory.network.max'
          : 'taskmanager.memory.process.size';
  const fitting = Math.floor(availableBytes / Math.max(1, taskManagers) / segment);
  throw new InvalidConfigError(key, config[key], `network memory that fits this machine: at most ${fitting} buffers of ${segment} bytes per TaskManager`, {
    detail: `${taskManagers} TaskManager(s) × ${perTaskManager} bytes of network buffers exceed the ${availableBytes} bytes of memory here.`,
  });
}

export interface OutputPoolSpec {
  min: number;
  max: number;
  numSubpartitions: number;
  maxBuffersPerChannel: number;
  maxOverdraftBuffers: number;
}

/** Pipelined-bounded output pool of a partition with `numSubpartitions` subpartitions: n+1 … n·max(1,B)+F. */
export function outputPoolSpec(config: ResolvedConfig, numSubpartitions: number): OutputPoolSpec {
  const perChannel = Math.max(1, config['taskmanager.network.memory.buffers-per-channel']);
  const floating = config['taskmanager.network.memory.floating-buffers-per-gate'];
  const min = numSubpartitions + 1;
  return {
    min,
    max: Math.max(min, numSubpartitions * perChannel + floating),
    numSubpartitions,
    maxBuffersPerChannel: config['taskmanager.network.memory.max-buffers-per-channel'],
    maxOverdraftBuffers: config['taskmanager.network.memory.max-overdraft-buffers-per-gate'],
  };
}

export interface InputGateBuffersSpec {
  /** Exclusive buffers requested by each remote channel (its initial credit). */
  exclusivePerChannel: number;
  /** Floating pool bounds. */
  floatingMin: number;
  floatingMax: number;
  /** `m·B + F`. */
  targetTotal: number;
}

/** Input gate with `numChannels` channels (spec §1.7 required vs optional split). */
export function inputGateBuffersSpec(config: ResolvedConfig, numChannels: number): InputGateBuffersSpec {
  const key = 'taskmanager.network.memory.read-buffer.required-per-gate.max';
  const b = config['taskmanager.network.memory.buffers-per-channel'];
  const f = config['taskmanager.network.memory.floating-buffers-per-gate'];
  const threshold = config[key] ?? Number.MAX_SAFE_INTEGER;
  const m = numChannels;
  const targetRequired = m * b + 1;
  const targetTotal = m * b + f;
  const required = Math.min(threshold, targetRequired);
  const exclusivePerChannel = m === 0 ? 0 : Math.min(b, Math.floor((required - 1) / m));
  const exclusivePerGate = exclusivePerChannel * m;
  const requiredFloating = required - exclusivePerGate;
  const totalFloating = targetTotal - exclusivePerGate;
  if (requiredFloating <= 0 || totalFloating < requiredFloating) {
    throw new InvalidConfigError(
      'taskmanager.network.memory.floating-buffers-per-gate',
      f,
      `at least 1 floating buffer per gate (gate of ${m} channels needs ${requiredFloating} required floating buffers, ${totalFloating} configured)`,
    );
  }
  return { exclusivePerChannel, floatingMin: requiredFloating, floatingMax: totalFloating, targetTotal };
}
