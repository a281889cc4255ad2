/** Buffer debloating (FLIP-183, spec §4): throughput measurement, the buffer-size EMA and the debloater. */
export { ThroughputCalculator } from './throughput-calculator.js';
export { BufferSizeEma } from './buffer-size-ema.js';
export { BufferDebloater, bufferDebloatConfiguration, recomputeSample, skipUpdate, type BufferDebloatConfiguration, type DebloatSample } from './buffer-debloater.js';
