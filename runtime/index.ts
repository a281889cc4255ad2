/** runtime/: flowlab's reference implementation of Flink's network stack. The front door for other layers. */
export * from './buffer/index.js';
export * from './event/index.js';
export * from './partition/index.js';
export * from './partition/selectors/index.js';
export * from './record/index.js';
export * from './writer/index.js';
export * from './network/index.js';
export * from './consumer/index.js';
export * from './metrics/index.js';
export * from './shuffle/index.js';
export { runNetworkBench, renderBenchTable, type BenchOptions, type BenchRow, type NetworkBenchResult } from './bench/network-bench.js';
