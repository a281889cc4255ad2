/** core/: config (Flink keys, units, validation), errors, clock, seeded random, logging. */
export { FlowlabError, InvalidConfigError, InsufficientBuffersError, ProtocolError, IllegalStateError, toError } from './errors.js';
export {
  CONFIG_KEYS,
  defaultConfig,
  resolveConfig,
  serializeConfig,
  describeNonDefaults,
  editDistance,
  parseKeyValuePairs,
  type ConfigKey,
  type ConfigInput,
  type ResolvedConfig,
  type SerializedConfig,
} from './config.js';
export { parseMemorySize, parseDurationMs, formatMemorySize, formatDurationMs } from './units.js';
export { systemClock, ManualClock, type Clock, type TimerHandle } from './clock.js';
export { environmentFingerprint, flowlabVersion, type EnvironmentFingerprint, type FlowlabVersion } from './environment.js';
export { pollUntil, WaitTimeoutError, type PollOptions, type PollAnswer } from './poll.js';
export { SeededRandom } from './random.js';
export { createLogger, type Logger, type LogLevel } from './log.js';
export { ZipfDistribution, MAX_ZIPF_KEYS } from './zipf.js';
export { fuzzParameters, type FuzzParameters } from './fuzz-parameters.js';
export { MicroCheckError, expectMicro, type MicroCase } from './micro-case.js';
