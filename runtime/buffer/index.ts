export { DataType, isEventType, isBlockingUpstream, hasPriority, isValidDataType } from './data-type.js';
export { NetworkBuffer, unpooledBuffer, type BufferRecycler } from './network-buffer.js';
export { NetworkBufferPool, BufferRequestTimeoutError, type NetworkBufferPoolOptions, type NetworkBufferPoolStats } from './network-buffer-pool.js';
export { LocalBufferPool, type BufferListener, type LocalBufferPoolOptions, type LocalBufferPoolStats } from './local-buffer-pool.js';
export {
  totalFlinkMemoryBytes,
  networkMemoryBytes,
  numberOfNetworkBuffers,
  checkNetworkMemoryFits,
  outputPoolSpec,
  inputGateBuffersSpec,
  type OutputPoolSpec,
  type InputGateBuffersSpec,
} from './buffer-sizing.js';
