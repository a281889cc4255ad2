/**
 * A TaskManager double for JobManager tests: a raw control connection on a real socket that registers, records
 * what the JobManager sends and sends whatever a test (or a fuzzer) writes.
 */
import { connect, type Socket } from 'node:net';
import type { JobManager } from '../cluster/job-manager.js';
import type { Address, JmToTm, TaskState, TmToJm } from '../job/index.js';
import { readJsonLines, writeJsonLine } from '../cluster/json-lines.js';
import { within } from './environment.js';

const WAIT_MS = 10_000;

export type Deploy = Extract<JmToTm, { type: 'deploy' }>;

/** A TaskManager double: a raw control connection that records what the JobManager sends. */
export class FakeTm {
  readonly messages: JmToTm[] = [];
  private waiters: (() => void)[] = [];
  private heartbeat: NodeJS.Timeout | undefined;
  closed = false;

  private constructor(
    readonly tmId: string,
    readonly socket: Socket,
    readonly dataAddress: Address,
  ) {
    readJsonLines<JmToTm>(
      socket,
      tmId,
      (m) => {
        this.messages.push(m);
        this.notify();
      },
      () => undefined,
    );
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.stopHeartbeats();
      this.notify();
    });
  }

  static async connect(jm: JobManager, tmId: string, options: { slots?: number; dataPort?: number; register?: boolean } = {}): Promise<FakeTm> {
    const socket = connect(jm.controlAddress.port, jm.controlAddress.host);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const tm = new FakeTm(tmId, socket, { host: '127.0.0.1', port: options.dataPort ?? 40_000 + Number(tmId.replace(/\D/g, '') || 0) });
    if (options.register !== false) {
      tm.send({ type: 'register', tmId, dataAddress: tm.dataAddress, slots: options.slots ?? 1, pid: 1000 });
      await tm.next('registered');
    }
    return tm;
  }

  send(message: TmToJm | Record<string, unknown>): void {
    writeJsonLine(this.socket, message);
  }

  taskState(jobId: string, vertexId: string, subtaskIndex: number, state: TaskState, error?: string): void {
    this.send({ type: 'task-state', jobId, vertexId, subtaskIndex, state, ...(error !== undefined ? { error } : {}) });
  }

  /** Reports every task of its deployment in `state`. */
  reportAll(deploy: Deploy, state: TaskState): void {
    for (const t of deploy.tasks) this.taskState(deploy.jobId, t.vertexId, t.subtaskIndex, state);
  }

  startHeartbeats(intervalMs: number): void {
    this.heartbeat = setInterval(() => this.send({ type: 'heartbeat', tmId: this.tmId }), intervalMs);
  }

  stopHeartbeats(): void {
    clearInterval(this.heartbeat);
  }

  /** The first message of `type` not yet taken (messages are consumed in order per type). */
  async next<T extends JmToTm['type']>(type: T): Promise<Extract<JmToTm, { type: T }>> {
    return within(this.until(() => this.take(type)), WAIT_MS, `${this.tmId}: a "${type}" message`);
  }

  async waitClosed(): Promise<void> {
    await within(this.until(() => (this.closed ? true : undefined)), WAIT_MS, `${this.tmId}: connection closed by the JobManager`);
  }

  close(): void {
    this.stopHeartbeats();
    this.socket.destroy();
  }

  private taken = new Set<JmToTm>();

  private take<T extends JmToTm['type']>(type: T): Extract<JmToTm, { type: T }> | undefined {
    const m = this.messages.find((x) => x.type === type && !this.taken.has(x));
    if (m) this.taken.add(m);
    return m as Extract<JmToTm, { type: T }> | undefined;
  }

  private async until<R>(probe: () => R | undefined): Promise<R> {
    for (;;) {
      const r = probe();
      if (r !== undefined) return r;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

