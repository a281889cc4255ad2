/**
 * The JobManager's TaskManager registry: registrations (checked and bounded), the last message time of each
 * TaskManager, the heartbeat check that declares silent ones lost, and sending control messages to one.
 */
import type { Socket } from 'node:net';
import { serializeConfig, type Clock, type Logger, type ResolvedConfig } from '../../core/index.js';
import { isAddress, type Address, type JmToTm, type TmToJm } from '../job/index.js';
import { ControlProtocolError, writeJsonLine } from './json-lines.js';

/** Most slots one registration may claim: the upper bound of `taskmanager.numberOfTaskSlots`. */
export const MAX_SLOTS_PER_TASK_MANAGER = 1024;
/** Most TaskManagers registered at once, so a flood of registrations cannot grow the JobManager without bound. */
export const MAX_TASK_MANAGERS = 1024;

/** A registered TaskManager. */
export interface TaskManagerEntry {
  readonly tmId: string;
  readonly dataAddress: Address;
  /** Where the TaskManager serves Prometheus metrics, if it does. */
  readonly metricsAddress: Address | undefined;
  readonly slots: number;
  readonly pid: number;
  readonly socket: Socket;
  /** Epoch ms of the registration. */
  readonly registeredAtMs: number;
  /** Monotonic ms of the last message. */
  lastHeartbeatMs: number;
}

export interface TaskManagerRegistryOptions {
  config: ResolvedConfig;
  clock: Clock;
  logger: Logger;
  /** Epoch ms (for registration times). */
  epochMs: () => number;
  /** A registered TaskManager was removed: silent past `heartbeat.timeout`, its connection closed, or replaced. */
  onLost: (tm: TaskManagerEntry, why: string) => void;
}

export class TaskManagerRegistry {
  private readonly entries = new Map<string, TaskManagerEntry>();

  constructor(private readonly options: TaskManagerRegistryOptions) {}

  get size(): number {
    return this.entries.size;
  }

  get(tmId: string): TaskManagerEntry | undefined {
    return this.entries.get(tmId);
  }

  has(tmId: string): boolean {
    return this.entries.has(tmId);
  }

  values(): IterableIterator<TaskManagerEntry> {
    return this.entries.values();
  }

  /** Total slots of every registered TaskManager. */
  get slotsTotal(): number {
    let total = 0;
    for (const tm of this.entries.values()) total += tm.slots;
    return total;
  }

  /**
   * Registers the TaskManager behind `socket` from its first message (which must be `register`), answers
   * `registered` with the JobManager's config, and returns its entry. Throws a {@link ControlProtocolError} for
   * anything else.
   */
  register(socket: Socket, connection: string, message: TmToJm): TaskManagerEntry {
    if (message.type !== 'register') throw new ControlProtocolError(`expected "register" first, got "${message.type}"`, connection);
    const { tmId, dataAddress, slots, pid } = message;
    if (typeof tmId !== 'string' || tmId === '') throw new ControlProtocolError('register needs a non-empty tmId', connection);
    if (!isAddress(dataAddress)) throw new ControlProtocolError(`register from ${tmId} needs dataAddress {host, port}`, connection);
    if (!Number.isInteger(slots) || slots < 1 || slots > MAX_SLOTS_PER_TASK_MANAGER) {
      throw new ControlProtocolError(`register from ${tmId}: slots ${String(slots)} must be an integer from 1 to ${MAX_SLOTS_PER_TASK_MANAGER} (taskmanager.numberOfTaskSlots)`, connection);
    }
    if (this.entries.size >= MAX_TASK_MANAGERS && !this.entries.has(tmId)) {
      throw new ControlProtocolError(`register from ${tmId}: ${MAX_TASK_MANAGERS} TaskManagers are registered already`, connection);
    }
    const previous = this.entries.get(tmId);
    // a restarted TaskManager may register before the close of its predecessor's connection is observed
    if (previous && (previous.socket.destroyed || !previous.socket.writable)) this.lose(previous, 'replaced by a new registration');
    else if (previous) throw new ControlProtocolError(`a TaskManager with id ${tmId} is already registered`, connection);
    const tm: TaskManagerEntry = {
      tmId,
      dataAddress: { host: dataAddress.host, port: dataAddress.port },
      metricsAddress: isAddress(message.metricsAddress) ? { host: message.metricsAddress.host, port: message.metricsAddress.port } : undefined,
      slots,
      pid: Number.isInteger(pid) ? pid : -1,
      socket,
      registeredAtMs: this.options.epochMs(),
      lastHeartbeatMs: this.options.clock.nowMs(),
    };
    this.entries.set(tmId, tm);
    this.send(tm, { type: 'registered', config: serializeConfig(this.options.config) });
    this.options.logger.info('TaskManager registered', { tmId, dataAddress: tm.dataAddress, slots, pid: tm.pid });
    return tm;
  }

  /** Any message counts as a heartbeat. */
  heard(tm: TaskManagerEntry): void {
    tm.lastHeartbeatMs = this.options.clock.nowMs();
  }

  /** Whether `tm` is the current registration of its id. */
  isCurrent(tm: TaskManagerEntry): boolean {
    return this.entries.get(tm.tmId) === tm;
  }

  /** Declares every TaskManager silent for `heartbeat.timeout` lost and closes its connection. */
  checkHeartbeats(): void {
    const timeoutMs = this.options.config['heartbeat.timeout'];
    const now = this.options.clock.nowMs();
    for (const tm of [...this.entries.values()]) {
      const silentMs = now - tm.lastHeartbeatMs;
      if (silentMs >= timeoutMs) {
        this.lose(tm, `no heartbeat for ${Math.round(silentMs)} ms (heartbeat.timeout ${timeoutMs} ms)`);
        tm.socket.destroy();
      }
    }
  }

  /** Removes `tm` (if it is still the current registration of its id) and reports it lost. */
  lose(tm: TaskManagerEntry, why: string): void {
    if (!this.isCurrent(tm)) return;
    this.entries.delete(tm.tmId);
    this.options.onLost(tm, why);
  }

  send(tm: TaskManagerEntry, message: JmToTm): void {
    writeJsonLine(tm.socket, message);
  }

  /** Sends `message` to TaskManager `tmId` if it is registered. */
  sendTo(tmId: string, message: JmToTm): void {
    const tm = this.entries.get(tmId);
    if (tm) this.send(tm, message);
  }

  /** Names the TaskManager behind every data address in `text` (a lost producer shows up as a closed connection). */
  nameDataAddresses(text: string): string {
    let out = text;
    for (const tm of this.entries.values()) {
      const address = `${tm.dataAddress.host}:${tm.dataAddress.port}`;
      out = out.split(address).join(`${address} (${tm.tmId})`);
    }
    return out;
  }
}
