/**
 * One `flowlab run`: calibrate the machine (raw loopback throughput and RTT), start a local cluster, submit the job,
 * sample its metrics every second (emitting `progress` events), wait until it ends, and build the result document.
 * The engine only emits events; printers subscribe.
 */
import { EventEmitter } from 'node:events';
import { environmentFingerprint, flowlabVersion } from '../core/index.js';
import * as hdr from 'hdr-histogram-js';
import { CONFIG_KEYS, InvalidConfigError, resolveConfig, systemClock, toError, type ConfigInput, type ResolvedConfig } from '../core/index.js';
import {
  checkNetworkBuffers,
  presetJobGraph,
  rawPingPong,
  requiredSlots,
  rawPipe,
  validateJobGraph,
  type JobGraphSpec,
  type JobManagerClient,
  type JobDetails,
  type JobMetrics,
  type SourceParams,
  type HttpSourceParams,
  type TopologyPreset,
} from '../runtime/index.js';
import { PoolUsageSampler, RESULT_SCHEMA_VERSION, checkpointsSection, emptyCheckpoints, taskRows, type CheckpointsSection, type ResultDocument } from './result-document.js';
import { ChaosPlacement } from './chaos-placement.js';
import { isProxyFault, type FaultSpec } from './fault-timeline.js';
import { deployerFor, type DeployMode, type DeployerChaos, type StartedDeployment } from './deploy/index.js';
import { FaultRunner, type FaultRecord } from './fault-runner.js';
import { evaluateGate, type MetricReader } from './absolute-gates.js';
import { guardedSummary } from './percentile-guard.js';
import { timeToRecover } from './recovery.js';
import { startEchoServer, type StartedEchoServer } from './link-probe.js';
import type { AbsoluteGate } from './absolute-gates.js';
import type { Scenario } from './scenario-schema.js';
import type { GuardedLatencySummary, RestLoadSection } from './result-schema.js';
import { RunSamples, perLinkFromMetrics, type WindowFigures } from './run-samples.js';
import { describeRunFailure } from './run-failure.js';
import { LoadGenerator, autocannonVersion, latencyOf } from './load-generator.js';
import { IngestDriver, httpSourceUrls, ingestBody, ingestSection, type IngestLoad, type IngestOptions } from './http-ingest.js';

const SAMPLE_INTERVAL_MS = 1000;
/** Shortest fault phase (before/during/after). */
const MIN_PHASE_MS = 1000;
const CALIBRATION = { durationMs: 400, warmupMs: 150 };
/** How long the end of a run waits for the JobManager's checkpoint figures before recording that they are missing. */
const CHECKPOINTS_FETCH_TIMEOUT_MS = 5_000;
/** How long an abort waits for the JobManager to cancel the job before stopping the processes. */
const ABORT_CANCEL_WAIT_MS = 2_000;
/** The dashboard load runs until the job ends; past warm-up + duration + this it stops anyway (a drain that never ends). */
const DASHBOARD_OVERRUN_MS = 120_000;

export interface RunOptions {
  taskManagers: number;
  parallelism: number;
  topology: TopologyPreset;
  /** Records per second per source subtask; 0 = unbounded (ignored with `source.rateSchedule`). */
  ratePerSec: number;
  recordSizeBytes: number;
  keys: number;
  keyDistribution: 'uniform' | 'zipf';
  mapCostUs: number;
  /** CPU µs per record in the sink (a slow sink back-pressures every exchange, spec S9). @default 0 */
  sinkCostUs?: number;
  durationMs: number;
  warmupMs: number;
  seed: number;
  /** Flink keys (`-D`). */
  config: ConfigInput;
  /** Slots per TaskManager when `config` does not set `taskmanager.numberOfTaskSlots`. @default enough for the job */
  slots?: number | undefined;
  calibrate: boolean;
  /** Route every TaskManager link through a Toxiproxy proxy (implied by link faults). @default false */
  chaos?: boolean;
  /** Fault timeline, parsed by `parseFaultTimeline`; times are relative to the job's submission. @default [] */
  faults?: readonly FaultSpec[];
  /** Toxiproxy API to use. @default process.env.TOXIPROXY_URL, else an embedded server in its own process */
  toxiproxyUrl?: string;
  /** An explicit job graph instead of the preset; the workload's source parameters apply to every source vertex. */
  graph?: JobGraphSpec;
  /** Source parameters beyond the plain fields: rate schedule, size range or distribution, Zipf exponent. */
  source?: Partial<SourceParams>;
  /** Vertex id → Flink slot sharing group. */
  slotSharingGroups?: Readonly<Record<string, string>>;
  /** The resolved scenario this run comes from, recorded in the result. */
  scenario?: Scenario;
  /** Absolute gates evaluated on the result. */
  gates?: readonly AbsoluteGate[];
  /** Swept fields of a suite variant, and the repetition (1-based), recorded in the result. */
  variant?: Readonly<Record<string, unknown>>;
  repetition?: number;
  /** The command that reruns this scenario, recorded in the result. */
  command?: string;
  /** Where the cluster runs (`--deploy`). @default 'local' */
  deploy?: DeployMode;
  /** Whether the processes' stderr also reaches this process's stderr (their logs are kept either way). @default 'inherit' */
  childStderr?: 'inherit' | 'ignore';
  /** A folder that receives each process's log (`<id>.log`) when the run ends. @default none: the logs are dropped */
  logsDir?: string;
  /** `kind: http`: the sources serve POST /records (`sourceHttp`) and autocannon drives them (`ingest`). */
  ingest?: IngestOptions;
  sourceHttp?: HttpSourceParams;
  /** Dashboard load: GETs to the REST API at a fixed rate while the job runs (`{job}` in a path is the job id). */
  dashboard?: { ratePerSec: number; connections: number; paths: readonly string[] };
}

/** Whether a run routes links through Toxiproxy: `--chaos`, or any fault on a link. */
export function usesChaos(options: RunOptions): boolean {
  return options.chaos === true || (options.faults ?? []).some(isProxyFault);
}

export interface ProgressEvent {
  elapsedMs: number;
  recordsPerSec: number;
  latencyP99Us: number;
  busiest: { task: string; backPressuredTimeMsPerSecond: number } | undefined;
  state: string;
}

/** Validates options into a resolved config and job graph before anything starts. */
export function prepareRun(options: RunOptions): { config: ResolvedConfig; graph: JobGraphSpec } {
  const source: Partial<SourceParams> = {
    ratePerSec: options.ratePerSec,
    durationMs: options.warmupMs + options.durationMs,
    keys: options.keys,
    keyDistribution: options.keyDistribution,
    recordSize: { min: options.recordSizeBytes, max: options.recordSizeBytes },
    seed: options.seed,
    ...options.source,
    ...(options.sourceHttp ? { http: options.sourceHttp } : {}),
  };
  const shape = options.graph
    ? { ...options.graph, vertices: options.graph.vertices.map((v) => (v.operator === 'source' ? { ...v, source: { ...source, ...v.source } } : { ...v })) }
    : presetJobGraph(options.topology, options.parallelism, source, { costUs: options.mapCostUs }, { costUs: options.sinkCostUs ?? 0 });
  shape.seed = options.seed;
  for (const v of shape.vertices) {
    const group = options.slotSharingGroups?.[v.id];
    if (group !== undefined) v.slotSharingGroup = group;
  }
  const graph = validateJobGraph(shape);
  if (!Number.isInteger(options.taskManagers) || options.taskManagers < 1) throw new InvalidConfigError('cluster.taskManagers', options.taskManagers, 'an integer ≥ 1');
  const slotsNeeded = requiredSlots(graph);
  const input: Record<string, unknown> = { 'rest.port': 0, ...options.config };
  if (input['taskmanager.numberOfTaskSlots'] === undefined) input['taskmanager.numberOfTaskSlots'] = options.slots ?? Math.max(1, Math.ceil(slotsNeeded / options.taskManagers));
  const config = resolveConfig(input);
  const slots = options.taskManagers * config['taskmanager.numberOfTaskSlots'];
  if (slotsNeeded > slots) {
    throw new InvalidConfigError(
      'taskmanager.numberOfTaskSlots',
      config['taskmanager.numberOfTaskSlots'],
      `at least ${Math.ceil(slotsNeeded / options.taskManagers)} (the job needs ${slotsNeeded} slots on ${options.taskManagers} TaskManagers)`,
    );
  }
  checkNetworkBuffers(graph, config, options.taskManagers);
  return { config, graph };
}

function decode(base64: string | undefined): hdr.Histogram | undefined {
  return base64 ? hdr.decodeFromCompressedBase64(base64) : undefined;
}


/** Events: `phase` (string), `progress` (ProgressEvent), `log` (string). */
export class JobRun extends EventEmitter {
  private cluster: StartedDeployment | undefined;
  private placement: ChaosPlacement | undefined;
  private aborted = false;
  private jobId: string | undefined;
  private abortReason: string | undefined;
  private ingest: IngestDriver | undefined;
  private readonly dashboardLoad = new LoadGenerator();
  /** 1 s intervals of end-to-end latency after `execute()`, tagged by phase (for the `.hlog`). */
  intervals: LatencyInterval[] = [];

  constructor(readonly options: RunOptions) {
    super();
  }

  /** Stops the cluster; the run ends as `aborted`, with `reason` (e.g. `interrupted by SIGTERM`) as its error. */
  async abort(reason?: string): Promise<void> {
    this.aborted = true;
    this.abortReason ??= reason;
    this.ingest?.stop();
    this.dashboardLoad.stop();
    const cluster = this.cluster;
    // cancel the job first, so the JobManager records a cancellation rather than tasks vanishing under it
    if (cluster && this.jobId !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ABORT_CANCEL_WAIT_MS)));
      await Promise.race([cluster.client.cancel(this.jobId).catch(() => undefined), timeout]);
      clearTimeout(timer);
    }
    await cluster?.stop();
  }

  /** The running deployment (absent before it started). */
  get deployment(): StartedDeployment | undefined {
    return this.cluster;
  }

  async execute(): Promise<ResultDocument> {
    const { config, graph } = prepareRun(this.options);
    const deployer = deployerFor(this.options.deploy ?? 'local');
    await deployer.check(); // an unavailable deployer fails here, before any process starts
    const started = Date.now();
    const startedAt = new Date(started).toISOString();
    const doc: ResultDocument = {
      schemaVersion: RESULT_SCHEMA_VERSION,
      flowlab: flowlabVersion(),
      state: 'completed',
      environment: environmentFingerprint(),
      ...(this.options.scenario ? { scenario: this.options.scenario } : {}),
      ...(this.options.variant ? { variant: { ...this.options.variant } } : {}),
      ...(this.options.repetition !== undefined ? { repetition: this.options.repetition } : {}),
      ...(this.options.command ? { command: this.options.command } : {}),
      seed: this.options.seed,
      startedAt,
      durationMs: 0,
      config: Object.fromEntries(Object.entries(CONFIG_KEYS).map(([k, spec]) => [k, (spec.format as (v: unknown) => string)(config[k as keyof ResolvedConfig])])),
      workload: {
        ratePerSec: this.options.ratePerSec > 0 ? this.options.ratePerSec : 'unbounded',
        ...(this.options.source?.rateSchedule ? { rateSchedule: this.options.source.rateSchedule.map((r) => ({ ...r })) } : {}),
        recordSizeBytes: this.options.recordSizeBytes,
        keys: this.options.keys,
        keyDistribution: this.options.keyDistribution,
        durationMs: this.options.durationMs,
        warmupMs: this.options.warmupMs,
        mapCostUs: this.options.mapCostUs,
        sinkCostUs: this.options.sinkCostUs ?? 0,
      },
      topology: {
        preset: this.options.topology,
        parallelism: this.options.parallelism,
        taskManagers: this.options.taskManagers,
        slotsPerTaskManager: config['taskmanager.numberOfTaskSlots'],
        vertices: graph.vertices.map((v) => ({ id: v.id, operator: v.operator, parallelism: v.parallelism, ...(v.slotSharingGroup ? { slotSharingGroup: v.slotSharingGroup } : {}) })),
      },
      calibration: { loopbackBytesPerSec: 0, loopbackRttUs: 0 },
      throughput: { recordsPerSec: 0, bytesPerSec: 0 },
      latencyUs: latencySummary(undefined),
      checkpoints: emptyCheckpoints(),
      tasks: [],
      sink: { records: 0, lost: null, duplicated: 0, outOfOrder: 0 },
      phases: [],
      faults: [],
      timeseries: [],
    };
    let echo: StartedEchoServer | undefined;
    let deployerChaos: DeployerChaos | undefined;
    let faults: FaultRunner | undefined;
    const samples = new RunSamples();
    let runEndMs = 0;
    let jobId: string | undefined;
    try {
      if (this.options.calibrate) {
        this.emit('phase', 'calibrating loopback');
        const pipe = await rawPipe(0, { ...CALIBRATION, rounds: 1 });
        const ping = await rawPingPong({ ...CALIBRATION, rounds: 1 });
        doc.calibration = { loopbackBytesPerSec: (pipe.bytes * 1000) / pipe.elapsedMs, loopbackRttUs: ping.latencyUs?.p50 ?? 0 };
      }
      if (usesChaos(this.options)) {
        // a deployer with its own Toxiproxy (containers, compose) starts it first; the others use the embedded one
        if (deployer.chaos) deployerChaos = await deployer.chaos({ taskManagers: this.options.taskManagers, config });
        const url = deployerChaos?.url ?? this.options.toxiproxyUrl;
        this.placement = await ChaosPlacement.start({ ...(url ? { url } : {}), seed: this.options.seed });
        this.emit('phase', `chaos: Toxiproxy API at ${this.placement.url}${this.placement.embedded ? ' (embedded)' : ''}`);
        if (deployerChaos?.probesReachable !== false) echo = await startEchoServer();
      }
      this.emit('phase', `starting ${this.options.taskManagers} TaskManagers (--deploy ${deployer.mode})`);
      this.throwIfAborted();
      this.cluster = await deployer.start({
        taskManagers: this.options.taskManagers,
        config,
        ...(this.options.childStderr ? { childStderr: this.options.childStderr } : {}),
        ...(this.placement ? { controlAddressFor: this.placement.controlAddressFor } : {}),
        ...(deployerChaos ? { chaos: deployerChaos } : {}),
      });
      doc.deployment = this.cluster.describe();
      this.emit('phase', `deployed (${deployer.mode}${doc.deployment.subnet ? ` on ${doc.deployment.subnet}` : ''}): ${doc.deployment.processes.map((p) => `${p.id} ${p.host}${p.namespace ? ` in ${p.namespace}` : ''}`).join(', ')}`);
      // an abort that came while the cluster started stops it now
      if (this.aborted) await this.cluster.stop();
      this.throwIfAborted();
      await this.cluster.client.awaitTaskManagers(this.options.taskManagers);
      if (this.placement) {
        const overrides = await this.placement.placeDataLinks(this.cluster.taskManagers, this.cluster.proxyHost);
        await this.cluster.client.setLinkOverrides(overrides);
      }
      faults = new FaultRunner({ faults: this.options.faults ?? [], deployment: this.cluster, placement: this.placement, echo: echo?.address, log: (line) => this.emit('log', line) });
      await faults.prepare();
      if (this.placement) doc.chaos = { toxiproxyUrl: this.placement.url, embedded: this.placement.embedded, proxies: this.placement.describe() };
      this.throwIfAborted();
      ({ jobId } = await this.cluster.client.submitJob(graph));
      this.jobId = jobId;
      const t0 = Date.now();
      doc.jobSubmittedAt = new Date(t0).toISOString();
      const cpuAtSubmit = process.cpuUsage();
      faults.start(systemClock.nowMs());
      this.emit('phase', `running ${graph.name} (job ${jobId})`);
      const load = this.options.ingest ? this.driveIngest(this.cluster, jobId, graph).catch(toError) : undefined;
      const dashboard = this.options.dashboard ? this.pollRest(this.cluster.client.baseUrl, jobId, this.options.dashboard).catch(toError) : undefined;
      await this.observe(this.cluster, jobId, doc, t0, samples, () => {
        // the harness's own CPU while the job ran (polling, merges), not calibration, start-up or the final summaries
        const cpu = process.cpuUsage(cpuAtSubmit);
        const wallMs = Date.now() - t0;
        doc.harness = { cpuMsPerSecond: round2(((cpu.user + cpu.system) / 1000 / Math.max(1, wallMs)) * 1000), wallMs };
      });
      runEndMs = Date.now() - t0;
      this.dashboardLoad.stop();
      if (dashboard) {
        const seen = await dashboard;
        if (seen instanceof Error) throw new Error(`dashboard load: ${seen.message}`, { cause: seen });
        doc.rest = seen;
      }
      if (load) {
        const seen = await load;
        if (seen instanceof Error) throw new Error(`HTTP ingest: ${seen.message}`, { cause: seen });
        doc.ingest = ingestSection(this.options.ingest!, seen, (await this.cluster.client.metrics(jobId)).tasks);
      }
    } catch (error) {
      doc.state = this.aborted ? 'aborted' : 'errored';
      const reason = this.aborted && this.abortReason === undefined ? 'interrupted: the run was stopped before its job ended' : await describeRunFailure(toError(error), { abortReason: this.abortReason, deployment: this.cluster });
      doc.error = this.placement ? this.placement.nameAddresses(reason) : reason;
      if (doc.timeseries.length > 0) doc.partial = true;
    } finally {
      try {
        const endOfRun = runEndMs || (samples.samples.at(-1)?.tMs ?? 0);
        if (faults) {
          await faults.finish();
          const window = (from: number, to: number, link?: string, options?: { endNotAfter?: boolean }): WindowFigures | undefined => samples.window(from, to, link, options);
          faults.addJobEffects(window, endOfRun, samples.links());
          doc.faults = faults.records;
          doc.phases.push(...faultPhases(faults, samples, endOfRun));
        }
        addSteadyTrend(doc, samples);
        this.intervals = latencyIntervals(samples, doc.phases);
        addRecovery(doc, this.intervals);
        // after the job ended (or failed to), while the JobManager still answers
        if (this.cluster && jobId !== undefined && !this.aborted) {
          doc.checkpoints = await fetchCheckpoints(this.cluster.client, jobId);
          if (faults && doc.jobSubmittedAt !== undefined) {
            const failures = (await this.cluster.client.job(jobId).catch(() => undefined))?.failureHistory;
            if (failures) faults.addDetection(failures, Date.parse(doc.jobSubmittedAt));
          }
          doc.deployment = this.cluster.describe();
        }
      } catch (error) {
        // a bug in the figures must not leave processes behind: record it and stop everything all the same
        doc.state = doc.state === 'completed' ? 'errored' : doc.state;
        doc.error = `${doc.error ? `${doc.error}; ` : ''}building the result failed: ${toError(error).message}`;
      } finally {
        this.dashboardLoad.stop();
        this.ingest?.stop();
        await this.stopDeployment(doc);
        await echo?.stop();
        await this.placement?.close();
        if (!this.cluster) await deployerChaos?.release();
      }
      doc.durationMs = Date.now() - started;
      if (this.options.gates && this.options.gates.length > 0) doc.gates = this.options.gates.map((g) => evaluateGate(g, metricReader(doc)));
    }
    return doc;
  }

  /** Stops every process, copies their logs to `logsDir`, and removes what the deployment created. */
  private async stopDeployment(doc: ResultDocument): Promise<void> {
    const deployment = this.cluster;
    if (!deployment) return;
    try {
      await deployment.stop();
      if (this.options.logsDir !== undefined) await deployment.collectLogs(this.options.logsDir);
    } catch (error) {
      doc.state = doc.state === 'completed' ? 'errored' : doc.state;
      doc.error = `${doc.error ? `${doc.error}; ` : ''}stopping the deployment: ${toError(error).message}`;
    } finally {
      await deployment[Symbol.asyncDispose]();
    }
  }

  /** GETs the REST paths at the dashboard rate until the job ends. */
  private async pollRest(baseUrl: string, jobId: string, d: NonNullable<RunOptions['dashboard']>): Promise<RestLoadSection> {
    const paths = d.paths.map((p) => p.replaceAll('{job}', jobId));
    const seen = await this.dashboardLoad.run({
      urls: [baseUrl],
      method: 'GET',
      paths,
      ratePerSec: d.ratePerSec,
      connections: d.connections,
      pipelining: 1,
      durationMs: this.options.warmupMs + this.options.durationMs + DASHBOARD_OVERRUN_MS,
      timeoutMs: 10_000,
    });
    const ok2xx = Object.entries(seen.byStatus).reduce((n, [code, k]) => (Number(code) >= 200 && Number(code) < 300 ? n + k : n), 0);
    return {
      tool: `autocannon ${autocannonVersion()}`,
      url: baseUrl,
      paths: [...d.paths],
      intendedRequestsPerSec: d.ratePerSec,
      connections: d.connections,
      durationMs: seen.durationMs,
      requests: { sent: seen.sent, answered: seen.answered, perSec: seen.durationMs > 0 ? seen.answered / (seen.durationMs / 1000) : 0 },
      ok2xx,
      other: seen.answered - ok2xx,
      errors: seen.errors,
      timeouts: seen.timeouts,
      latencyUs: latencyOf(seen.latencyHistogram),
    };
  }

  /** Finds the HTTP sources' ports, then runs autocannon until shortly before the sources stop serving. */
  private async driveIngest(cluster: StartedDeployment, jobId: string, graph: JobGraphSpec): Promise<IngestLoad> {
    const options = this.options.ingest!;
    const subtasks = graph.vertices.filter((v) => v.operator === 'source').reduce((n, v) => n + v.parallelism, 0);
    const { urls, servingUntilMs } = await httpSourceUrls(cluster.client, jobId, subtasks, () => this.aborted);
    this.ingest = new IngestDriver(options);
    this.emit('log', `HTTP ingest: ${options.ratePerSec} requests/s of ${options.recordsPerRequest} records over ${options.connections} connections to ${urls.join(', ')}`);
    return this.ingest.run(urls, ingestBody(options.recordsPerRequest, this.options.keys, this.options.seed).body, servingUntilMs - Date.now());
  }

  private throwIfAborted(): void {
    if (this.aborted) throw new Error('interrupted before the job was submitted');
  }

  private async observe(cluster: StartedDeployment, jobId: string, doc: ResultDocument, t0: number, samples: RunSamples, jobEnded: () => void): Promise<void> {
    // the sources start when the job is deployed, a little after its submission (t0)
    let sourceStartMs: number | undefined;
    let warmup: { records: number; bytes: number; latency: hdr.Histogram | undefined; tMs: number; asOfMs: number } | undefined;
    let previous = { tMs: 0, records: 0 };
    const pools = new PoolUsageSampler();
    let last: JobMetrics | undefined;
    let stopped: Error | undefined;
    for (;;) {
      await new Promise((r) => setTimeout(r, SAMPLE_INTERVAL_MS));
      const tMs = Date.now() - t0;
      let job: JobDetails;
      let metrics: JobMetrics;
      try {
        [job, metrics] = await Promise.all([cluster.client.job(jobId), cluster.client.metrics(jobId)]);
      } catch (error) {
        if (!last) throw error;
        stopped = toError(error); // keep what was sampled: the figures below come from the last answer
        break;
      }
      last = metrics;
      if (sourceStartMs === undefined && job.startTimeMs !== undefined) sourceStartMs = Math.max(0, job.startTimeMs - t0);
      const warmupEndMs = (sourceStartMs ?? 0) + this.options.warmupMs;
      const sinkRecords = metrics.aggregate.sinkRecordsIn;
      // counters restart with a new attempt after a restart: a drop is not negative throughput
      const rate = Math.max(0, ((sinkRecords - previous.records) * 1000) / Math.max(1, tMs - previous.tMs));
      previous = { tMs, records: sinkRecords };
      let busiest: ProgressEvent['busiest'];
      for (const t of metrics.tasks) {
        if (!busiest || t.backPressuredTimeMsPerSecond > busiest.backPressuredTimeMsPerSecond) {
          busiest = { task: `${t.vertexId}#${t.subtaskIndex}`, backPressuredTimeMsPerSecond: t.backPressuredTimeMsPerSecond };
        }
      }
      if (tMs >= warmupEndMs) pools.add(metrics.tasks);
      const links = perLinkFromMetrics(metrics, t0, tMs);
      const sinkAsOf = metrics.tasks.filter((t) => t.operator === 'sink').map((t) => (t.receivedAtMs !== undefined ? t.receivedAtMs - t0 : tMs));
      const linkRates: Record<string, number> = {};
      const previousSample = samples.samples.at(-1);
      for (const [link, now] of links) {
        const before = previousSample?.links.get(link)?.records ?? 0;
        linkRates[link] = Math.round(((now.records - before) * 1000) / Math.max(1, tMs - (previousSample?.tMs ?? 0)));
      }
      samples.add({ tMs, total: { asOfMs: sinkAsOf.length > 0 ? Math.min(...sinkAsOf) : tMs, records: sinkRecords, latency: metrics.aggregate.latencyUs.histogram }, links });
      doc.timeseries.push({
        tMs,
        recordsPerSec: rate,
        latencyP99Us: metrics.aggregate.latencyUs.p99,
        maxBackPressuredTimeMsPerSecond: busiest?.backPressuredTimeMsPerSecond ?? 0,
        ...(links.size > 0 ? { links: linkRates } : {}),
        tasks: Object.fromEntries(
          metrics.tasks.map((t) => [
            `${t.vertexId}#${t.subtaskIndex}`,
            {
              backPressuredTimeMsPerSecond: t.backPressuredTimeMsPerSecond,
              idleTimeMsPerSecond: t.idleTimeMsPerSecond,
              busyTimeMsPerSecond: t.busyTimeMsPerSecond,
              ...(t.debloatedBufferSize !== undefined ? { debloatedBufferSize: t.debloatedBufferSize } : {}),
              ...(t.estimatedTimeToConsumeBuffersMs !== undefined ? { estimatedTimeToConsumeBuffersMs: t.estimatedTimeToConsumeBuffersMs } : {}),
            },
          ]),
        ),
      });
      this.emit('progress', { elapsedMs: tMs, recordsPerSec: rate, latencyP99Us: metrics.aggregate.latencyUs.p99, busiest, state: job.state } satisfies ProgressEvent);
      if (!warmup && tMs >= warmupEndMs) {
        warmup = { records: sinkRecords, bytes: sinkBytes(metrics), latency: decode(metrics.aggregate.latencyUs.histogram), tMs, asOfMs: samples.samples.at(-1)!.total.asOfMs };
      }
      if (job.state === 'FAILED' || job.state === 'CANCELED') {
        doc.state = this.aborted ? 'aborted' : 'errored';
        const reason = job.failureReason ?? (this.aborted ? 'interrupted' : 'no reason given');
        doc.error = `job ${job.state.toLowerCase()}: ${this.placement ? this.placement.nameAddresses(reason) : reason}`;
        break;
      }
      if (job.state === 'FINISHED') break;
    }
    jobEnded();
    const final = last;
    doc.tasks = taskRows(final.tasks, pools.means());
    const agg = final.aggregate;
    doc.sink = {
      records: agg.sinkRecordsIn,
      lost: doc.state === 'completed' && !stopped ? Math.max(0, agg.sourceRecordsOut - agg.sinkRecordsIn) : null,
      duplicated: agg.sinkDuplicated,
      outOfOrder: agg.sinkOutOfOrder,
    };
    const endMs = samples.samples.at(-1)?.total.asOfMs ?? Date.now() - t0;
    const total = decode(agg.latencyUs.histogram);
    const measured = total && warmup?.latency ? subtract(total, warmup.latency) : total;
    doc.latencyUs = latencySummary(measured ? encode(measured) : undefined);
    const warmupLatency = latencySummary(warmup?.latency ? encode(warmup.latency) : undefined);
    const steadyStart = warmup?.asOfMs ?? 0;
    const steadyRecords = agg.sinkRecordsIn - (warmup?.records ?? 0);
    // throughput while the sources emitted (the drain after they stop is not the rate the job sustained); latency
    // covers every record that arrived after the warm-up, drained ones included
    const emittingUntil = Math.min(endMs, (sourceStartMs ?? 0) + this.options.warmupMs + this.options.durationMs);
    const active = samples.window(steadyStart, emittingUntil);
    const overall = (steadyRecords * 1000) / Math.max(1, endMs - steadyStart);
    const recordsPerSec = active && active.endMs - active.startMs >= MIN_PHASE_MS ? active.recordsPerSec : overall;
    const bytesPerRecord = steadyRecords > 0 ? (sinkBytes(final) - (warmup?.bytes ?? 0)) / steadyRecords : 0;
    doc.throughput = { recordsPerSec, bytesPerSec: recordsPerSec * bytesPerRecord };
    doc.phases = [
      { name: 'warmup', startMs: 0, endMs: steadyStart, throughput: { recordsPerSec: ((warmup?.records ?? 0) * 1000) / Math.max(1, steadyStart), records: warmup?.records ?? 0 }, latencyUs: warmupLatency },
      {
        name: 'steady',
        startMs: steadyStart,
        endMs,
        ...(active ? { emittingUntilMs: active.endMs } : {}),
        throughput: { recordsPerSec, records: steadyRecords },
        latencyUs: doc.latencyUs,
      },
    ];
    for (const h of [total, measured, warmup?.latency]) h?.destroy();
    if (stopped) throw stopped;
  }
}

/** The run's checkpoint figures; a failed or unanswered request is recorded in the section, not thrown. */
export async function fetchCheckpoints(client: JobManagerClient, jobId: string, timeoutMs = CHECKPOINTS_FETCH_TIMEOUT_MS): Promise<CheckpointsSection> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return checkpointsSection(await Promise.race([client.checkpoints(jobId), timeout]));
  } catch (error) {
    return { ...emptyCheckpoints(), error: `checkpoint figures could not be fetched from the JobManager: ${toError(error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

/** Kill and restart act at one moment; every other fault lasts until it is removed. */
function isInstantaneous(kind: FaultSpec['kind']): boolean {
  return kind === 'kill-taskmanager' || kind === 'restart-taskmanager';
}

/** When a fault stops acting: its removal, or for a process fault (instantaneous) the moment it was applied. */
function healedAtMs(r: Pick<FaultRecord, 'kind' | 'appliedAtMs' | 'removedAtMs'>, endOfRun: number): number {
  if (isInstantaneous(r.kind)) return r.appliedAtMs ?? endOfRun;
  return r.removedAtMs ?? endOfRun;
}

/**
 * Phases `fault-<i>-before|during|after` for every applied fault. `before` and `after` are as long as the fault
 * (at least 1 s, `after` at most to the end of the run); a process fault's `during` is the second after it.
 */
function faultPhases(faults: FaultRunner, samples: RunSamples, endOfRun: number): ResultDocument['phases'] {
  const out: ResultDocument['phases'] = [];
  for (const r of faults.records) {
    if (r.appliedAtMs === null) continue;
    const instantaneous = isInstantaneous(r.kind);
    const duringEnd = instantaneous ? Math.min(endOfRun, r.appliedAtMs + MIN_PHASE_MS) : healedAtMs(r, endOfRun);
    const length = Math.max(MIN_PHASE_MS, duringEnd - r.appliedAtMs);
    const windows: Array<[string, number, number]> = [
      ['before', Math.max(0, r.appliedAtMs - length), r.appliedAtMs],
      ['during', r.appliedAtMs, duringEnd],
      ['after', duringEnd, Math.min(endOfRun, duringEnd + length)],
    ];
    for (const [name, from, to] of windows) {
      const w = samples.window(from, to, undefined, { endNotAfter: name === 'before' });
      if (!w) continue;
      out.push({ name: `fault-${r.index}-${name}`, startMs: w.startMs, endMs: w.endMs, throughput: { recordsPerSec: w.recordsPerSec, records: w.records }, latencyUs: latencySummary(w.latencyHistogram) });
    }
  }
  return out;
}

/** One interval of the `.hlog`: ~1 s of end-to-end latency, tagged with the most specific phase it falls in. */
export interface LatencyInterval {
  readonly startMs: number;
  readonly endMs: number;
  readonly tag: string;
  readonly records: number;
  readonly recordsPerSec: number;
  /** HDR V2 compressed base64, µs; undefined when no record arrived in the interval. */
  readonly histogram: string | undefined;
  readonly p99Us: number | null;
}

/** Consecutive sample-to-sample windows, tagged `fault-<i>-during` etc. where a fault phase covers them, else warmup/steady. */
function latencyIntervals(samples: RunSamples, phases: ResultDocument['phases']): LatencyInterval[] {
  const out: LatencyInterval[] = [];
  const points = samples.samples.map((s) => s.total.asOfMs);
  const faultPhasesOnly = phases.filter((p) => p.name.startsWith('fault-'));
  const steadyStart = phases.find((p) => p.name === 'steady')?.startMs ?? 0;
  let from = 0;
  for (const to of points) {
    if (to <= from) continue;
    const w = samples.window(from, to);
    if (w) {
      const mid = (w.startMs + w.endMs) / 2;
      const tag = faultPhasesOnly.find((p) => p.startMs <= mid && mid < p.endMs && p.name.endsWith('-during'))?.name
        ?? faultPhasesOnly.find((p) => p.startMs <= mid && mid < p.endMs)?.name
        ?? (mid < steadyStart ? 'warmup' : 'steady');
      const p99 = guardedSummary(w.latencyHistogram).p99;
      out.push({ startMs: w.startMs, endMs: w.endMs, tag, records: w.records, recordsPerSec: w.recordsPerSec, histogram: w.latencyHistogram, p99Us: p99 });
    }
    from = to;
  }
  return out;
}

/** p99 of the first and the last third of the steady phase (from the 1 s samples). */
function addSteadyTrend(doc: ResultDocument, samples: RunSamples): void {
  const steady = doc.phases.find((p) => p.name === 'steady');
  if (!steady) return;
  const end = steady.emittingUntilMs ?? steady.endMs;
  const third = (end - steady.startMs) / 3;
  const p99Of = (from: number, to: number): number | null => guardedSummary(samples.window(from, to)?.latencyHistogram).p99;
  steady.trend = { p99FirstThirdUs: p99Of(steady.startMs, steady.startMs + third), p99LastThirdUs: p99Of(end - third, end) };
}

/** Time to recover of every applied fault, from the 1 s intervals and the fault's `before` phase. */
function addRecovery(doc: ResultDocument, intervals: readonly LatencyInterval[]): void {
  const endOfRun = intervals.at(-1)?.endMs ?? 0;
  for (const r of doc.faults) {
    if (r.appliedAtMs === null) continue;
    const before = doc.phases.find((p) => p.name === `fault-${r.index}-before`);
    if (!before) {
      r.recovery = { recovered: false, reason: 'no before phase to compare with' };
      continue;
    }
    const healed = healedAtMs(r, endOfRun);
    // only intervals mostly after the heal: one that straddles a kill is mostly the healthy second before it
    const series = intervals.filter((i) => (i.startMs + i.endMs) / 2 >= healed).map((i) => ({ tMs: i.endMs, recordsPerSec: i.recordsPerSec, p99Us: i.p99Us }));
    try {
      r.recovery = timeToRecover(series, healed, { recordsPerSec: before.throughput.recordsPerSec, p99Us: before.latencyUs?.p99 ?? null });
    } catch (error) {
      // the figures of a run are data: one that cannot be judged says why instead of failing the run
      r.recovery = { recovered: false, reason: `could not be computed: ${toError(error).message}` };
    }
  }
}

/** Reads a gate metric from a finished result, in the metric's own unit; percentiles honour the sample-size guard. */
export function metricReader(doc: ResultDocument): MetricReader {
  return (metric, phaseName) => {
    const phase = doc.phases.find((p) => p.name === phaseName);
    if (metric.startsWith('latencyUs.') || metric === 'throughput.recordsPerSec') {
      if (!phase) return { value: null, reason: `no phase ${phaseName} in this run (phases: ${doc.phases.map((p) => p.name).join(', ')})` };
      if (metric === 'throughput.recordsPerSec') return { value: phase.throughput.recordsPerSec };
      const key = metric.slice('latencyUs.'.length) as 'p50' | 'p90' | 'p99' | 'p999' | 'max';
      const value = phase.latencyUs?.[key] ?? null;
      return value === null ? { value, reason: phase.latencyUs?.reasons?.[key] ?? 'no latency samples' } : { value };
    }
    switch (metric) {
      case 'throughput.bytesPerSec':
        return { value: doc.throughput.bytesPerSec };
      case 'checkpoints.completed':
        return { value: doc.checkpoints.completed };
      case 'checkpoints.failed':
        return { value: doc.checkpoints.failed };
      case 'checkpoints.durationMs.p50':
      case 'checkpoints.durationMs.p99':
      case 'checkpoints.durationMs.max': {
        const d = doc.checkpoints.durationMs;
        return d.count === 0 ? { value: null, reason: 'no completed checkpoint' } : { value: d[metric.slice('checkpoints.durationMs.'.length) as 'p50' | 'p99' | 'max'] };
      }
      case 'checkpoints.alignmentMs.p99':
        return doc.checkpoints.alignmentMs.count === 0 ? { value: null, reason: 'no completed checkpoint' } : { value: doc.checkpoints.alignmentMs.p99 };
      case 'checkpoints.persistedBytes.p99':
        return doc.checkpoints.persistedBytes.count === 0 ? { value: null, reason: 'no completed checkpoint' } : { value: doc.checkpoints.persistedBytes.p99 };
      case 'sink.lost':
        return doc.sink.lost === null ? { value: null, reason: 'the run did not complete' } : { value: doc.sink.lost };
      case 'sink.duplicated':
        return { value: doc.sink.duplicated };
      case 'sink.outOfOrder':
        return { value: doc.sink.outOfOrder };
      case 'harness.cpuMsPerSecond':
        return doc.harness ? { value: doc.harness.cpuMsPerSecond } : { value: null, reason: 'not measured' };
      case 'recovery.timeToRecoverMs': {
        const index = /^fault-(\d+)/.exec(phaseName)?.[1];
        const fault = doc.faults.find((f) => String(f.index) === (index ?? '0'));
        if (!fault?.recovery) return { value: null, reason: `no fault ${index ?? '0'} with a recovery in this run` };
        return fault.recovery.recovered ? { value: fault.recovery.timeToRecoverMs } : { value: null, reason: `not recovered: ${fault.recovery.reason}` };
      }
      default:
        return { value: null, reason: `unknown metric ${metric}` };
    }
  };
}

/** Guarded percentiles plus the histogram itself (HDR V2 compressed base64), as the result document keeps them. */
function latencySummary(histogram: string | undefined): GuardedLatencySummary {
  const { reasons, ...figures } = guardedSummary(histogram);
  return { ...figures, ...(histogram ? { histogram } : {}), ...(reasons ? { reasons: { ...reasons } } : {}) };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function encode(h: hdr.Histogram): string | undefined {
  return h.totalCount > 0 ? hdr.encodeIntoCompressedBase64(h) : undefined;
}

function sinkBytes(metrics: JobMetrics): number {
  return metrics.tasks.filter((t) => t.operator === 'sink').reduce((sum, t) => sum + t.numBytesIn, 0);
}

function subtract(total: hdr.Histogram, before: hdr.Histogram): hdr.Histogram {
  const copy = hdr.decodeFromCompressedBase64(hdr.encodeIntoCompressedBase64(total));
  try {
    copy.subtract(before);
    return copy;
  } catch {
    // a restarted job's sinks start new histograms, which hold only the latest attempt's records
    copy.destroy();
    return hdr.decodeFromCompressedBase64(hdr.encodeIntoCompressedBase64(total));
  }
}
