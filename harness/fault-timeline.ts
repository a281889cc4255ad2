/**
 * Fault timelines (`--fault`): parsing and validation of entries such as
 * `at=5s,duration=3s,link=data-tm-1-*,stream=downstream,toxic=latency,latency=50,jitter=5`,
 * `at=4s,duration=2s,link=data-*,partition`, `at=6s,kill-taskmanager=tm-1`, `at=6s,duration=2s,pause-taskmanager=tm-1`,
 * `at=6s,duration=3s,blackhole=tm-1` (a host) or `blackhole=tm-0~tm-1` (a link; `--deploy netns` only). Everything is checked before any
 * process starts; link globs are checked against the real links once the cluster exists ({@link checkFaultTargets}).
 */
import { FlowlabError, parseDurationMs } from '../core/index.js';
import { TOXIC_TYPES, type ToxicDirection, type ToxicType } from '../chaos/index.js';

/** A fault entry that cannot be used; `field` names the offending key. */
export class FaultTimelineError extends FlowlabError {
  constructor(
    readonly entry: string,
    readonly field: string,
    readonly value: unknown,
    allowed: string,
  ) {
    super('ERR_INVALID_FAULT', `Invalid fault ${JSON.stringify(entry)}: ${field}${value === undefined ? '' : ` ${JSON.stringify(value)}`} — expected ${allowed}`);
  }
}

interface FaultBase {
  /** Start, ms after the job was submitted. */
  readonly atMs: number;
  /** The entry as given, for reports. */
  readonly entry: string;
}

/** A Toxiproxy toxic on every proxy whose name matches `link`, from `atMs` for `durationMs` (or to the end). */
export interface ToxicFault extends FaultBase {
  readonly kind: 'toxic';
  readonly durationMs: number | undefined;
  readonly link: string;
  readonly stream: ToxicDirection;
  readonly toxic: ToxicType;
  readonly toxicity: number;
  readonly attributes: Readonly<Record<string, number>>;
}

/**
 * `partition`: `bandwidth rate=0` in both directions, so the link stalls but its connections stay open and the
 * stream resumes after the heal. `partition-hard`: the proxies are disabled, which closes live connections.
 */
export interface PartitionFault extends FaultBase {
  readonly kind: 'partition' | 'partition-hard';
  readonly durationMs: number;
  readonly link: string;
}

/** SIGKILL a TaskManager process, or start a new process with the same id. */
export interface TaskManagerFault extends FaultBase {
  readonly kind: 'kill-taskmanager' | 'restart-taskmanager';
  readonly taskManager: string;
}

/** SIGSTOP a TaskManager process for `durationMs`, then SIGCONT: it freezes with its sockets open. */
export interface PauseFault extends FaultBase {
  readonly kind: 'pause-taskmanager';
  readonly taskManager: string;
  readonly durationMs: number;
}

/**
 * Packets silently dropped for `durationMs` (`--deploy netns` only): to and from a host (`target` a process id:
 * its port on the run's bridge goes down), or on a link (`a~b`: blackhole routes in both namespaces). TCP sees
 * nothing; the JobManager notices through heartbeat timeouts.
 */
export interface BlackholeFault extends FaultBase {
  readonly kind: 'blackhole';
  readonly target: string;
  readonly durationMs: number;
}

export type FaultSpec = ToxicFault | PartitionFault | TaskManagerFault | PauseFault | BlackholeFault;

/** Kill and restart: instantaneous faults on one TaskManager. */
export function isTaskManagerFault(f: FaultSpec): f is TaskManagerFault {
  return f.kind === 'kill-taskmanager' || f.kind === 'restart-taskmanager';
}

/** Faults that act on a process through the deployer (kill, restart, pause). */
export function isProcessFault(f: FaultSpec): f is TaskManagerFault | PauseFault {
  return isTaskManagerFault(f) || f.kind === 'pause-taskmanager';
}

/** Faults that act on Toxiproxy proxies (and need `--chaos`). */
export function isProxyFault(f: FaultSpec): f is ToxicFault | PartitionFault {
  return f.kind === 'toxic' || f.kind === 'partition' || f.kind === 'partition-hard';
}

/** What a fault acts on: its link glob, TaskManager or blackhole target. */
export function faultTarget(f: FaultSpec): string {
  return isProxyFault(f) ? f.link : f.kind === 'blackhole' ? f.target : f.taskManager;
}

/** Attributes per toxic type: which are required and their defaults (Toxiproxy's units: ms, KB/s, bytes, µs). */
const TOXIC_ATTRIBUTES: Readonly<Record<ToxicType, Readonly<Record<string, number | 'required'>>>> = {
  latency: { latency: 'required', jitter: 0 },
  bandwidth: { rate: 'required' },
  slow_close: { delay: 'required' },
  timeout: { timeout: 'required' },
  reset_peer: { timeout: 0 },
  slicer: { average_size: 'required', size_variation: 0, delay: 0 },
  limit_data: { bytes: 'required' },
  noop: {},
};

const PLAIN_KEYS = new Set(['at', 'duration', 'link', 'stream', 'toxic', 'toxicity']);
const FLAGS = new Set(['partition', 'partition-hard']);
const TM_KEYS = new Set(['kill-taskmanager', 'restart-taskmanager', 'pause-taskmanager', 'blackhole']);
const PROCESS_ID = /^[\w.-]+$/;

function duration(entry: string, field: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDurationMs(text);
  if (ms === undefined || ms < 0) throw new FaultTimelineError(entry, field, text, 'a duration such as 5s, 500ms or 1 min');
  return ms;
}

/** Parses one `--fault` entry. Throws {@link FaultTimelineError} naming the field. */
export function parseFault(entry: string): FaultSpec {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (const raw of entry.split(',')) {
    const token = raw.trim();
    if (token === '') continue;
    const eq = token.indexOf('=');
    if (eq < 0) {
      if (!FLAGS.has(token)) throw new FaultTimelineError(entry, token, undefined, `key=value, or one of the flags ${[...FLAGS].join(', ')}`);
      flags.add(token);
      continue;
    }
    const key = token.slice(0, eq).trim();
    if (values.has(key)) throw new FaultTimelineError(entry, key, token, 'each key once');
    values.set(key, token.slice(eq + 1).trim());
  }
  const atMs = duration(entry, 'at', values.get('at'));
  if (atMs === undefined) throw new FaultTimelineError(entry, 'at', undefined, 'at=<duration after the job starts>, e.g. at=5s');
  const durationMs = duration(entry, 'duration', values.get('duration'));
  const tmKeys = [...values.keys()].filter((k) => TM_KEYS.has(k));
  const kinds = [...flags, ...tmKeys, ...(values.has('toxic') ? ['toxic'] : [])];
  if (kinds.length !== 1) {
    throw new FaultTimelineError(entry, 'kind', kinds.join('+') || undefined, 'exactly one of toxic=<type>, partition, partition-hard, kill-taskmanager=<tm>, restart-taskmanager=<tm>, pause-taskmanager=<tm>, blackhole=<host or a~b>');
  }
  const kind = kinds[0]!;
  const allowOnly = (allowed: readonly string[]): void => {
    for (const key of values.keys()) {
      if (!allowed.includes(key)) throw new FaultTimelineError(entry, key, values.get(key), `only ${allowed.join(', ')} with ${kind}`);
    }
  };

  if (kind === 'kill-taskmanager' || kind === 'restart-taskmanager') {
    allowOnly(['at', kind]);
    const taskManager = values.get(kind)!;
    if (!PROCESS_ID.test(taskManager)) throw new FaultTimelineError(entry, kind, taskManager, 'a TaskManager id such as tm-1');
    return { kind, atMs, taskManager, entry };
  }
  if (kind === 'pause-taskmanager' || kind === 'blackhole') {
    allowOnly(['at', 'duration', kind]);
    if (durationMs === undefined || durationMs <= 0) throw new FaultTimelineError(entry, 'duration', values.get('duration'), `a positive duration: ${kind} is healed after it`);
    const target = values.get(kind)!;
    if (kind === 'pause-taskmanager') {
      if (!PROCESS_ID.test(target)) throw new FaultTimelineError(entry, kind, target, 'a TaskManager id such as tm-1');
      return { kind, atMs, durationMs, taskManager: target, entry };
    }
    const ends = target.split('~');
    if (ends.length > 2 || !ends.every((e) => PROCESS_ID.test(e)) || ends[0] === ends[1]) {
      throw new FaultTimelineError(entry, kind, target, 'a host (jobmanager, tm-1) or a link between two of them (tm-0~tm-1)');
    }
    return { kind, atMs, durationMs, target, entry };
  }
  const link = values.get('link');
  if (link === undefined || link === '') throw new FaultTimelineError(entry, 'link', link, 'link=<proxy name or glob>, e.g. link=data-tm-0-tm-1 or link=data-*');
  if (kind === 'partition' || kind === 'partition-hard') {
    allowOnly(['at', 'duration', 'link']);
    if (durationMs === undefined || durationMs <= 0) throw new FaultTimelineError(entry, 'duration', values.get('duration'), `a positive duration: ${kind} is healed after it`);
    return { kind, atMs, durationMs, link, entry };
  }

  const toxic = values.get('toxic')!;
  if (!(TOXIC_TYPES as readonly string[]).includes(toxic)) throw new FaultTimelineError(entry, 'toxic', toxic, `one of ${TOXIC_TYPES.join(', ')}`);
  const type = toxic as ToxicType;
  const stream = values.get('stream') ?? 'downstream';
  if (stream !== 'upstream' && stream !== 'downstream') throw new FaultTimelineError(entry, 'stream', stream, 'upstream or downstream');
  const toxicityText = values.get('toxicity') ?? '1';
  const toxicity = Number(toxicityText);
  if (toxicityText === '' || !Number.isFinite(toxicity) || toxicity < 0 || toxicity > 1) throw new FaultTimelineError(entry, 'toxicity', toxicityText, 'a number from 0 to 1');
  if (durationMs === 0) throw new FaultTimelineError(entry, 'duration', values.get('duration'), 'a positive duration, or none (until the end)');
  const known = TOXIC_ATTRIBUTES[type];
  const attributes: Record<string, number> = {};
  for (const [key, text] of values) {
    if (PLAIN_KEYS.has(key)) continue;
    if (!(key in known)) throw new FaultTimelineError(entry, key, text, `an attribute of ${type}: ${Object.keys(known).join(', ') || 'none'}`);
    const n = Number(text);
    if (text === '' || !Number.isInteger(n) || n < 0) throw new FaultTimelineError(entry, key, text, `a non-negative integer (${type}.${key})`);
    attributes[key] = n;
  }
  for (const [key, fallback] of Object.entries(known)) {
    if (attributes[key] !== undefined) continue;
    if (fallback === 'required') throw new FaultTimelineError(entry, key, undefined, `${key}=<integer>, required by toxic=${type}`);
    attributes[key] = fallback;
  }
  return { kind: 'toxic', atMs, durationMs, link, stream, toxic: type, toxicity, attributes, entry };
}

/** Parses every entry (repeatable `--fault`), sorted by start time. */
export function parseFaultTimeline(entries: readonly string[]): FaultSpec[] {
  return entries.map(parseFault).sort((a, b) => a.atMs - b.atMs);
}

/** When a fault ends (ms after job start), or undefined for one that lasts until the run ends or is instantaneous. */
export function faultEndMs(fault: FaultSpec): number | undefined {
  if (isTaskManagerFault(fault)) return undefined;
  return fault.durationMs === undefined ? undefined : fault.atMs + fault.durationMs;
}

/** `*` matches any run of characters, `?` one character; everything else literally. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** Names matching a glob, in the order given. */
export function matchLinks(glob: string, names: readonly string[]): string[] {
  const re = globToRegExp(glob);
  return names.filter((n) => re.test(n));
}

/**
 * Checks faults against the cluster: every link glob matches a proxy, every TaskManager exists, every blackhole
 * names hosts of a deployment that can drop packets (`hosts` undefined: one that cannot).
 */
export function checkFaultTargets(faults: readonly FaultSpec[], linkNames: readonly string[], taskManagers: readonly string[], hosts?: readonly string[]): void {
  for (const f of faults) {
    if (f.kind === 'blackhole') {
      if (!hosts) throw new FaultTimelineError(f.entry, 'blackhole', f.target, 'a run with --deploy netns (cluster.deploy: netns): only network namespaces can drop packets');
      const unknown = f.target.split('~').find((h) => !hosts.includes(h));
      if (unknown !== undefined) throw new FaultTimelineError(f.entry, 'blackhole', unknown, `one of ${hosts.join(', ')}`);
    } else if (isProcessFault(f)) {
      if (!taskManagers.includes(f.taskManager)) throw new FaultTimelineError(f.entry, f.kind, f.taskManager, `one of ${taskManagers.join(', ')}`);
    } else if (matchLinks(f.link, linkNames).length === 0) {
      throw new FaultTimelineError(f.entry, 'link', f.link, `a glob matching at least one link of this cluster: ${linkNames.join(', ') || '(none)'}`);
    }
  }
}
