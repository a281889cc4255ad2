/**
 * Applies a fault timeline to a running job and records each fault: when it was applied and removed, and its
 * measured effect on the link, taken through a `probe-<link>` proxy (upstream: an echo server) that carries the
 * same toxics at the same time, so the job's own connections are not disturbed. Latency-type toxics are measured
 * by ping-pong (added round-trip latency), the others by a bulk echo (achieved rate). A fault whose measured
 * effect is nil reports `tookEffect: false`.
 */
import { WaitTimeoutError, pollUntil, systemClock, toError, type Clock, type TimerHandle } from '../core/index.js';
import type { ProxyHandle, ToxicDirection, ToxicSpec, ToxicType } from '../chaos/index.js';
import type { Address, JobDetails } from '../runtime/index.js';
import type { ChaosPlacement } from './chaos-placement.js';
import type { StartedDeployment } from './deploy/index.js';
import { checkFaultTargets, faultEndMs, faultTarget, isProxyFault, matchLinks, type FaultSpec } from './fault-timeline.js';
import { bulkEcho, pingPong } from './link-probe.js';
import type { WindowFigures } from './run-samples.js';

const BASELINE_PINGS = 5;
const PROBE_MAX_PINGS = 5;
const PROBE_MAX_BUDGET_MS = 1000;
const PROBE_BUDGET_SHARE = 0.5;
const BASELINE_BULK_MS = 200;
/** A rate fault took effect when the probe achieves less than this share of the unfaulted rate. */
const RATE_EFFECT_SHARE = 0.5;
/** A latency fault took effect when the probe sees at least this share of the configured latency. */
const LATENCY_EFFECT_SHARE = 0.5;
const MIN_EFFECT_MS = 1;
const TM_EVENT_TIMEOUT_MS = 10_000;
const POLL_MS = 50;
const PING_TOXICS: ReadonlySet<ToxicType> = new Set(['latency', 'slicer', 'slow_close', 'noop']);

/** The probe's view of one link while the fault was active. */
export interface LinkProbeResult {
  readonly link: string;
  readonly baselineRttUs?: number | undefined;
  readonly rttUs?: number | undefined;
  readonly addedLatencyMs?: number | undefined;
  readonly baselineBytesPerSec?: number | undefined;
  readonly achievedBytesPerSec?: number | undefined;
  readonly error?: string | undefined;
}

/** One link's job-level figures before and during the fault. */
export interface LinkJobEffect {
  /** Whether the fault targets this link (unaffected links are listed for comparison). */
  readonly affected: boolean;
  readonly recordsPerSecBefore: number | null;
  readonly recordsPerSecDuring: number | null;
  readonly latencyP50UsBefore: number | null;
  readonly latencyP50UsDuring: number | null;
}

export interface FaultMeasurement {
  /** Whether the probe (or process check) saw the fault act; null when it could not tell. */
  tookEffect: boolean | null;
  probes?: LinkProbeResult[];
  /** Kill/restart: how long until the process exited or the new one registered. */
  afterMs?: number;
  /**
   * The JobManager's view: its first failure of the job at or after the fault was applied (a lost TaskManager, a
   * failed task), ms after the fault was applied; null when the job never failed while or after it acted.
   */
  timeToDetectMs?: number | null;
  /** The reason the JobManager gave for that failure, and whether the job restarted after it. */
  detectedAs?: { reason: string; restarted: boolean };
  /** Sink records/s of the whole job and per affected link, the window before vs during the fault. */
  job?: { recordsPerSecBefore: number | null; recordsPerSecDuring: number | null; links: Record<string, LinkJobEffect> };
}

/** A fault as the result document records it (DESIGN.md §4, §6). */
export interface FaultRecord {
  readonly index: number;
  readonly entry: string;
  readonly kind: FaultSpec['kind'];
  readonly toxic?: ToxicType;
  readonly stream?: ToxicDirection;
  /** Planned start and end, ms after the job was submitted (`until` null: to the end / instantaneous). */
  readonly at: number;
  readonly until: number | null;
  /** The glob, TaskManager or blackhole target as given, and the proxies it matched. */
  readonly link: string;
  links: string[];
  readonly attributes: Record<string, number>;
  /** Actual times, ms after the job was submitted; null when it never happened (the run ended first). */
  appliedAtMs: number | null;
  removedAtMs: number | null;
  error?: string;
  measured: FaultMeasurement;
}

export interface FaultRunnerOptions {
  readonly faults: readonly FaultSpec[];
  /** Process faults and blackholes go through the deployment only. */
  readonly deployment: StartedDeployment;
  /** Absent without `--chaos` (then only process faults and blackholes are allowed). */
  readonly placement: ChaosPlacement | undefined;
  /** Echo server the probe proxies forward to. */
  readonly echo: Address | undefined;
  readonly clock?: Clock;
  readonly log?: (line: string) => void;
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** See the file comment. Lifecycle: `prepare()` → `start(t0)` → `finish()` (heals what is still active). */
export class FaultRunner {
  readonly records: FaultRecord[];
  private readonly clock: Clock;
  private readonly timers: TimerHandle[] = [];
  private readonly probeBaselines = new Map<string, { rttUs: number | undefined; bytesPerSec: number }>();
  private readonly active = new Set<number>();
  /** When each fault's application began (ms after t0): a job may notice it before the last proxy is changed. */
  private readonly applyingAtMs = new Map<number, number>();
  private queue: Promise<void> = Promise.resolve();
  private t0 = 0;
  private finished = false;

  constructor(private readonly options: FaultRunnerOptions) {
    this.clock = options.clock ?? systemClock;
    this.records = options.faults.map((f, index) => ({
      index,
      entry: f.entry,
      kind: f.kind,
      ...(f.kind === 'toxic' ? { toxic: f.toxic, stream: f.stream } : {}),
      at: f.atMs,
      until: faultEndMs(f) ?? null,
      link: faultTarget(f),
      links: [],
      attributes: f.kind === 'toxic' ? { ...f.attributes } : f.kind === 'partition' ? { rate: 0 } : {},
      appliedAtMs: null,
      removedAtMs: null,
      measured: { tookEffect: null },
    }));
  }

  /** Checks targets against the cluster, creates the probe proxies and measures their unfaulted baseline. */
  async prepare(): Promise<void> {
    const { placement, deployment, echo } = this.options;
    const linkNames = placement?.linkNames() ?? [];
    checkFaultTargets(this.options.faults, linkNames, deployment.taskManagers.map((t) => t.id), deployment.network?.targets);
    const probed = new Set<string>();
    this.options.faults.forEach((f, i) => {
      if (!isProxyFault(f)) return;
      const links = matchLinks(f.link, linkNames);
      this.records[i]!.links = links;
      for (const l of links) probed.add(l);
    });
    if (!placement || !echo) return;
    for (const link of probed) {
      const probe = await placement.createProxy(`probe-${link}`, echo);
      const ping = await pingPong(probe, { budgetMs: PROBE_MAX_BUDGET_MS, maxPings: BASELINE_PINGS });
      const bulk = await bulkEcho(probe, BASELINE_BULK_MS);
      this.probeBaselines.set(link, { rttUs: ping.p50Us, bytesPerSec: bulk.achievedBytesPerSec });
    }
  }

  /** Schedules every fault relative to `t0` (monotonic ms of the job's submission). */
  start(t0: number): void {
    this.t0 = t0;
    this.options.faults.forEach((f, i) => {
      const elapsed = this.clock.nowMs() - t0;
      this.timers.push(this.clock.setTimeout(() => this.enqueue(() => this.apply(f, i)), Math.max(0, f.atMs - elapsed)));
      const end = faultEndMs(f);
      if (end !== undefined) this.timers.push(this.clock.setTimeout(() => this.enqueue(() => this.remove(f, i)), Math.max(0, end - elapsed)));
    });
  }

  /** Cancels what has not happened yet, removes faults still active, and waits for pending operations. */
  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    for (const t of this.timers) t.cancel();
    await this.queue;
    for (const i of [...this.active]) await this.remove(this.options.faults[i]!, i).catch(() => undefined);
    for (const r of this.records) {
      if (r.appliedAtMs === null && r.error === undefined) r.error = 'not applied: the run ended first';
    }
  }

  /** Adds job-level figures to each fault, from the run's samples. */
  addJobEffects(window: (fromMs: number, toMs: number, link?: string, options?: { endNotAfter?: boolean }) => WindowFigures | undefined, runEndMs: number, allLinks: readonly string[]): void {
    for (const r of this.records) {
      if (r.appliedAtMs === null) continue;
      const to = r.removedAtMs ?? runEndMs;
      const length = Math.max(1000, to - r.appliedAtMs);
      const from = Math.max(0, r.appliedAtMs - length);
      // `before` ends at the last report at or before the fault, never on one after a restart
      const before = window(from, r.appliedAtMs, undefined, { endNotAfter: true });
      const during = window(r.appliedAtMs, to);
      const links: Record<string, LinkJobEffect> = {};
      for (const link of allLinks) {
        const b = window(from, r.appliedAtMs, link, { endNotAfter: true });
        const d = window(r.appliedAtMs, to, link);
        links[link] = {
          affected: affects(r, link),
          recordsPerSecBefore: b ? round(b.recordsPerSec) : null,
          recordsPerSecDuring: d ? round(d.recordsPerSec) : null,
          latencyP50UsBefore: b && b.latencyUs.count > 0 ? b.latencyUs.p50 : null,
          latencyP50UsDuring: d && d.latencyUs.count > 0 ? d.latencyUs.p50 : null,
        };
      }
      r.measured.job = {
        recordsPerSecBefore: before ? round(before.recordsPerSec) : null,
        recordsPerSecDuring: during ? round(during.recordsPerSec) : null,
        links,
      };
    }
  }

  private enqueue(op: () => Promise<void>): void {
    if (this.finished) return;
    this.queue = this.queue.then(op).catch((error: unknown) => this.options.log?.(`fault operation failed: ${toError(error).message}`));
  }

  private elapsedMs(): number {
    return Math.round(this.clock.nowMs() - this.t0);
  }

  private async apply(f: FaultSpec, i: number): Promise<void> {
    const record = this.records[i]!;
    this.applyingAtMs.set(i, this.elapsedMs());
    this.options.log?.(`fault ${i} applied: ${f.entry}`);
    try {
      switch (f.kind) {
        case 'kill-taskmanager':
          return await this.kill(f.taskManager, record);
        case 'restart-taskmanager':
          return await this.restart(f.taskManager, record);
        case 'pause-taskmanager':
          this.options.deployment.pause(f.taskManager);
          return this.activated(i, record);
        case 'blackhole':
          await this.network(f.entry).blackhole(f.target);
          return this.activated(i, record);
        case 'toxic':
        case 'partition':
        case 'partition-hard':
          await this.onProxies(record.links, (p) => this.addFault(p, f, i));
          record.appliedAtMs = this.elapsedMs();
          this.active.add(i);
          void this.measure(f, record).catch((error: unknown) => (record.error = `probe failed: ${toError(error).message}`));
          return;
      }
    } catch (error) {
      record.error = toError(error).message;
    }
  }

  private async remove(f: FaultSpec, i: number): Promise<void> {
    if (!this.active.delete(i)) return;
    const record = this.records[i]!;
    try {
      if (f.kind === 'pause-taskmanager') this.options.deployment.resume(f.taskManager);
      else if (f.kind === 'blackhole') await this.network(f.entry).heal(f.target);
      else await this.onProxies(record.links, (p) => this.removeFault(p, f, i));
      record.removedAtMs = this.elapsedMs();
      this.options.log?.(`fault ${i} removed: ${f.entry}`);
    } catch (error) {
      record.error = `removing: ${toError(error).message}`;
    }
  }

  /**
   * Time to detect of every applied fault, from the job's failure history (epoch ms; `t0EpochMs` is the job's
   * submission): the first failure at or after the fault began to be applied and before the next fault did.
   */
  addDetection(failures: NonNullable<JobDetails['failureHistory']>, t0EpochMs: number): void {
    const startOf = (r: FaultRecord): number => this.applyingAtMs.get(r.index) ?? r.appliedAtMs!;
    const applied = this.records.filter((r) => r.appliedAtMs !== null).sort((a, b) => startOf(a) - startOf(b));
    applied.forEach((r, k) => {
      const from = t0EpochMs + startOf(r);
      const next = applied[k + 1];
      const until = next ? t0EpochMs + startOf(next) : Infinity;
      const failure = failures.find((x) => x.timestampMs >= from && x.timestampMs < until);
      r.measured.timeToDetectMs = failure ? failure.timestampMs - from : null;
      if (failure) {
        r.measured.detectedAs = { reason: failure.reason, restarted: failure.restarted };
        // a pause or blackhole the JobManager noticed has acted, whatever else was measured
        if (r.measured.tookEffect === null) r.measured.tookEffect = true;
      }
    });
  }

  private activated(i: number, record: FaultRecord): void {
    record.appliedAtMs = this.elapsedMs();
    this.active.add(i);
  }

  private network(entry: string): NonNullable<StartedDeployment['network']> {
    const network = this.options.deployment.network;
    if (!network) throw new Error(`${entry}: this deployment (${this.options.deployment.mode}) cannot drop packets`);
    return network;
  }

  /** Runs `op` on each link's proxy and its probe (the probe first, so it never lags the link). */
  private async onProxies(links: readonly string[], op: (p: ProxyHandle) => Promise<ProxyHandle | void>): Promise<void> {
    const placement = this.options.placement;
    if (!placement) return;
    for (const link of links) {
      for (const name of [`probe-${link}`, link]) {
        const proxy = placement.proxy(name);
        if (!proxy) continue;
        const updated = await op(proxy);
        if (updated) placement.remember(updated);
      }
    }
  }

  private async addFault(p: ProxyHandle, f: FaultSpec, i: number): Promise<ProxyHandle | void> {
    if (f.kind === 'partition-hard') return p.disable();
    if (f.kind === 'partition') {
      for (const stream of ['upstream', 'downstream'] as const) {
        await p.addToxic({ type: 'bandwidth', name: `fault-${i}-${stream}`, stream, toxicity: 1, attributes: { rate: 0 } });
      }
      return;
    }
    if (f.kind !== 'toxic') return;
    const spec = { type: f.toxic, name: `fault-${i}`, stream: f.stream, toxicity: f.toxicity, attributes: f.attributes } as unknown as ToxicSpec;
    await p.addToxic(spec);
  }

  private async removeFault(p: ProxyHandle, f: FaultSpec, i: number): Promise<ProxyHandle | void> {
    if (f.kind === 'partition-hard') return p.enable();
    const names = f.kind === 'partition' ? [`fault-${i}-upstream`, `fault-${i}-downstream`] : [`fault-${i}`];
    for (const name of names) await (await p.getToxic(name)).remove();
  }

  private async measure(f: FaultSpec, record: FaultRecord): Promise<void> {
    const placement = this.options.placement;
    if (!placement) return;
    const duration = faultEndMs(f) === undefined ? PROBE_MAX_BUDGET_MS * 2 : (faultEndMs(f)! - f.atMs);
    const budgetMs = Math.min(PROBE_MAX_BUDGET_MS, duration * PROBE_BUDGET_SHARE);
    const byPing = f.kind === 'toxic' && PING_TOXICS.has(f.toxic);
    const probes = await Promise.all(
      record.links.map(async (link): Promise<LinkProbeResult> => {
        const probe = placement.proxy(`probe-${link}`);
        const baseline = this.probeBaselines.get(link);
        if (!probe || !baseline) return { link, error: 'no probe' };
        const address = { host: probe.host, port: probe.port };
        if (byPing) {
          const ping = await pingPong(address, { budgetMs, maxPings: PROBE_MAX_PINGS });
          const added = ping.p50Us !== undefined && baseline.rttUs !== undefined ? (ping.p50Us - baseline.rttUs) / 1000 : undefined;
          return { link, baselineRttUs: baseline.rttUs, rttUs: ping.p50Us, addedLatencyMs: added === undefined ? undefined : round(added), ...(ping.error ? { error: ping.error } : {}) };
        }
        const bulk = await bulkEcho(address, budgetMs);
        return { link, baselineBytesPerSec: baseline.bytesPerSec, achievedBytesPerSec: bulk.achievedBytesPerSec, ...(bulk.error ? { error: bulk.error } : {}) };
      }),
    );
    record.measured.probes = probes;
    record.measured.tookEffect = probes.length > 0 && probes.every((p) => this.tookEffect(f, p));
  }

  private tookEffect(f: FaultSpec, p: LinkProbeResult): boolean {
    if (p.addedLatencyMs !== undefined || p.rttUs !== undefined) {
      const expectedMs = f.kind === 'toxic' && f.toxic === 'latency' ? (f.attributes['latency'] ?? 0) : 0;
      // no answer at all within the budget is an effect too
      if (p.addedLatencyMs === undefined) return true;
      return p.addedLatencyMs >= Math.max(MIN_EFFECT_MS, expectedMs * LATENCY_EFFECT_SHARE);
    }
    if (p.achievedBytesPerSec !== undefined) return p.achievedBytesPerSec < (p.baselineBytesPerSec ?? 0) * RATE_EFFECT_SHARE;
    return false;
  }

  private async kill(tmId: string, record: FaultRecord): Promise<void> {
    const { deployment } = this.options;
    const startedAt = this.clock.nowMs();
    deployment.kill(tmId);
    record.appliedAtMs = this.elapsedMs();
    const exited = await deployment.waitForExit(tmId, TM_EVENT_TIMEOUT_MS);
    record.measured = { tookEffect: exited, afterMs: Math.round(this.clock.nowMs() - startedAt) };
  }

  private async restart(tmId: string, record: FaultRecord): Promise<void> {
    const { deployment, placement } = this.options;
    const startedAt = this.clock.nowMs();
    const fresh = await deployment.restart(tmId);
    record.appliedAtMs = this.elapsedMs();
    if (placement) await placement.moveProducer(tmId, fresh.data);
    const registered = await waitForAsync(async () => {
      const tms = (await deployment.client.taskManagers()) as Array<{ id?: string; pid?: number }>;
      return tms.some((t) => t.id === tmId && t.pid === fresh.pid);
    }, TM_EVENT_TIMEOUT_MS);
    record.measured = { tookEffect: registered, afterMs: Math.round(this.clock.nowMs() - startedAt) };
  }
}

async function waitForAsync(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  return pollUntil('a TaskManager event', check, { timeoutMs, intervalMs: POLL_MS }).catch((error: unknown) => {
    if (error instanceof WaitTimeoutError) return false;
    throw error;
  });
}

/**
 * Whether a fault touches a job link (`data-<consumer>-<producer>`, `local-<tm>`): a proxy fault its matched
 * proxies, a process fault or a host blackhole every link of that host, a link blackhole `a~b` both directions.
 */
function affects(r: Pick<FaultRecord, 'kind' | 'link' | 'links'>, link: string): boolean {
  if (r.kind === 'toxic' || r.kind === 'partition' || r.kind === 'partition-hard') return r.links.includes(link);
  const ends = r.link.split('~');
  if (ends.length === 2) return link === `data-${ends[0]}-${ends[1]}` || link === `data-${ends[1]}-${ends[0]}`;
  const host = ends[0]!;
  return link === `local-${host}` || link.startsWith(`data-${host}-`) || (link.startsWith('data-') && link.endsWith(`-${host}`));
}

