/**
 * A TaskManager's network stack in one object (Flink's NettyShuffleEnvironment): the global buffer pool sized from
 * the config, the partitions it produces, its data server, and its connections to other data servers.
 */
import { createLogger, type Clock, type Logger, type ResolvedConfig } from '../../core/index.js';
import { NetworkBufferPool, numberOfNetworkBuffers, outputPoolSpec, type NetworkBufferPoolStats } from '../buffer/index.js';
import { ConnectionManager, SingleInputGate, type InputChannelSpec } from '../consumer/index.js';
import { PartitionRequestServer, ResultPartitionManager, type ServerStats } from '../network/index.js';
import { ResultPartition, newId16, type ResultPartitionId } from '../partition/index.js';
import { internalTlsFromConfig } from '../security/index.js';

export interface NetworkEnvironmentOptions {
  config: ResolvedConfig;
  host?: string;
  clock?: Clock;
  logger?: Logger;
}

export interface NetworkEnvironmentStats {
  globalPool: NetworkBufferPoolStats;
  server: ServerStats;
  partitions: number;
  connections: number;
}

export class NetworkEnvironment {
  readonly globalPool: NetworkBufferPool;
  readonly connections: ConnectionManager;
  private readonly gates = new Set<SingleInputGate>();
  private stopped = false;

  private constructor(
    readonly config: ResolvedConfig,
    readonly server: PartitionRequestServer,
    readonly partitions: ResultPartitionManager,
    globalPool: NetworkBufferPool,
    private readonly clock: Clock | undefined,
    logger: Logger,
  ) {
    this.globalPool = globalPool;
    this.connections = new ConnectionManager(config['taskmanager.memory.segment-size'], logger.child('client'), server.options.tls);
  }

  static async start(options: NetworkEnvironmentOptions): Promise<NetworkEnvironment> {
    const { config } = options;
    const tls = internalTlsFromConfig(config); // a keystore that does not work fails before memory is allocated
    const logger = options.logger ?? createLogger('network');
    const segmentSizeBytes = config['taskmanager.memory.segment-size'];
    const globalPool = new NetworkBufferPool({
      numBuffers: numberOfNetworkBuffers(config),
      segmentSizeBytes,
      requestTimeoutMs: config['taskmanager.network.memory.exclusive-buffers-request-timeout-ms'],
      ...(options.clock ? { clock: options.clock } : {}),
    });
    const partitions = new ResultPartitionManager();
    const server = await PartitionRequestServer.start({
      tls,
      partitions,
      segmentSizeBytes,
      host: options.host ?? '127.0.0.1',
      port: config['taskmanager.data.port'],
      logger: logger.child('server'),
    });
    return new NetworkEnvironment(config, server, partitions, globalPool, options.clock, logger);
  }

  get dataAddress(): { host: string; port: number } {
    return { host: this.server.host, port: this.server.port };
  }

  /** Creates and registers a pipelined-bounded partition with Flink's output pool sizing. */
  createResultPartition(options: { numSubpartitions: number; id?: Partial<ResultPartitionId> }): ResultPartition {
    const id: ResultPartitionId = {
      dataSetId: options.id?.dataSetId ?? newId16(),
      partitionIndex: options.id?.partitionIndex ?? 0,
      attemptId: options.id?.attemptId ?? newId16(),
    };
    const spec = outputPoolSpec(this.config, options.numSubpartitions);
    const pool = this.globalPool.createBufferPool({ ...spec, name: `out/${id.partitionIndex}` });
    const partition = new ResultPartition({
      id,
      numSubpartitions: options.numSubpartitions,
      pool,
      bufferTimeoutMs: this.config['execution.buffer-timeout'],
      // with debloating, producers start at the size their consumers' gates start from (and announce when they connect)
      ...(this.config['taskmanager.network.memory.buffer-debloat.enabled'] ? { initialBufferSizeBytes: this.config['taskmanager.memory.starting-segment-size'] } : {}),
      ...(this.clock ? { clock: this.clock } : {}),
    });
    this.partitions.register(partition);
    return partition;
  }

  /** Creates an input gate over remote channels (call `setup()` on it to connect). */
  createInputGate(name: string, channels: readonly InputChannelSpec[]): SingleInputGate {
    const gate = new SingleInputGate({
      name,
      channels,
      globalPool: this.globalPool,
      connections: this.connections,
      config: this.config,
      partitions: this.partitions,
      ...(this.clock ? { clock: this.clock } : {}),
    });
    this.gates.add(gate);
    return gate;
  }

  get stats(): NetworkEnvironmentStats {
    return {
      globalPool: this.globalPool.stats,
      server: this.server.stats,
      partitions: this.partitions.size,
      connections: this.connections.size,
    };
  }

  /** Releases gates and partitions, closes connections and the server. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const gate of this.gates) gate.release();
    this.gates.clear();
    this.partitions.releaseAll();
    await this.connections.closeAll();
    await this.server.stop();
    this.globalPool.destroy();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
