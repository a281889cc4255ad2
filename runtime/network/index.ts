export * from './messages.js';
export { FrameDecoder, type BufferResponseHeader, type FrameHandler } from './frame-decoder.js';
export { MAX_READER_FRAMES_PER_WRITE, PartitionRequestServer, type PartitionRequestServerOptions, type ServerStats } from './partition-request-server.js';
export { ResultPartitionManager } from './result-partition-manager.js';
export { CreditBasedReader } from './credit-based-reader.js';
