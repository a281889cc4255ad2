/**
 * chaos/: flowlab's embedded Toxiproxy-compatible server (spec/toxiproxy-api.md) and the client facade over
 * toxiproxy-node-client that drives it or a real Toxiproxy.
 */
export { startToxiproxyServer, type ToxiproxyServerOptions, type StartedToxiproxyServer } from './toxiproxy-server.js';
export { TOXIPROXY_COMPATIBLE_VERSION } from './api-handlers.js';
export {
  ToxiproxyClient,
  ProxyHandle,
  ToxicHandle,
  type ProxyOptions,
  type ToxicInfo,
} from './toxiproxy-client.js';
export {
  connectToxiproxy,
  TOXIPROXY_URL_ENV,
  type ConnectToxiproxyOptions,
  type ToxiproxyConnection,
  type EmbeddedToxiproxy,
  type EmbeddedToxiproxyMode,
} from './toxiproxy-connect.js';
export { startToxiproxyProcess, type ToxiproxyProcessOptions, type StartedToxiproxyProcess } from './toxiproxy-process.js';
export { toxics, type ToxicSpec, type ToxicOptions, type ToxicAttributesByType } from './toxic-builders.js';
export { ToxiproxyError, type ToxiproxyErrorDetails } from './toxiproxy-error.js';
export { TOXIC_TYPES, type ToxicType, type ToxicDirection } from './toxic-types.js';
export { runChaosBench, BENCH_GROUPS, type BenchGroup, type ChaosBenchOptions, type ChaosBenchResult } from './bench/chaos-bench.js';
export { chunkQueueCase } from './bench/micro-cases.js';
