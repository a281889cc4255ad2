/**
 * The network of one `--deploy netns` run, built with iproute2: a hub namespace `fl-<run>-hub` holding a bridge,
 * one namespace per process (`fl-<run>-jm`, `fl-<run>-tm-0`, …) with `eth0` on that bridge, and one veth
 * `fl-<run>-h` in the root namespace on the same bridge, so the harness (and the chaos proxies, which listen on
 * its address) reach every process. The bridge lives in its own namespace so the host's firewall never filters
 * the bridged frames. Addresses come from a /24 in 10.0.0.0/8 that nothing on this machine routes yet:
 * `.1` the root side, `.2` the JobManager, `.3…` the TaskManagers.
 *
 * A state file `/run/flowlab-netns/<run>.json` names the process that owns the run; at the start of a run, every
 * `fl-<run>-…` namespace or device whose owner is gone (a SIGKILLed run) is removed.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { FlowlabError, toError } from '../../core/index.js';

/** Where run state files live (tmpfs, cleared at boot like the namespaces themselves). */
export const NETNS_STATE_DIR = '/run/flowlab-netns';
/** Every name of a run starts `fl-<6 hex>-`. */
export const NETNS_NAME = /^fl-([0-9a-f]{6})-/;
const HUB_BRIDGE = 'br0';
const HUB_UPLINK = 'uplink';
const FIRST_TASK_MANAGER_OCTET = 3;
const SUBNET_ATTEMPTS = 64;
const IP_TIMEOUT_MS = 10_000;

/** A failed `ip` command, with its arguments and what it printed. */
export class NetnsCommandError extends FlowlabError {
  constructor(args: readonly string[], stderr: string) {
    super('ERR_NETNS_COMMAND', `ip ${args.join(' ')} failed: ${stderr.trim() || 'no message'}`);
  }
}

/** Runs `ip …`; rejects with {@link NetnsCommandError}. */
export function ip(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', args, { timeout: IP_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error) reject(new NetnsCommandError(args, stderr || error.message));
      else resolve(stdout);
    });
  });
}

/** What `--deploy netns` needs that this machine lacks, or undefined when it can run. */
export async function netnsUnavailableReason(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  const uid = process.getuid?.();
  if (uid !== 0) return `creating network namespaces needs root (running as uid ${String(uid)})`;
  try {
    await ip(['-V']);
  } catch (error) {
    return `the ip command (iproute2) is missing: ${toError(error).message}`;
  }
  // root in a container may still lack the capabilities or the kernel's veth and bridge: try them once
  const probe = `flprobe-${process.pid}`;
  try {
    await ip(['netns', 'add', probe]);
    await ip(['-n', probe, 'link', 'add', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1']);
    await ip(['-n', probe, 'link', 'add', 'probebr', 'type', 'bridge']);
  } catch (error) {
    return `a trial namespace with a veth pair and a bridge could not be made (needs CAP_SYS_ADMIN, CAP_NET_ADMIN and the veth and bridge drivers): ${toError(error).message}`;
  } finally {
    await ip(['netns', 'del', probe]).catch(() => undefined);
  }
  return undefined;
}

interface RunState {
  readonly pid: number;
  /** The owner's start time in clock ticks after boot (/proc/<pid>/stat field 22), so a reused pid does not count. */
  readonly startTicks: string;
  readonly subnet: string;
}

async function startTicksOf(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces: count from the closing parenthesis
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

async function readState(runId: string): Promise<RunState | undefined> {
  try {
    return JSON.parse(await readFile(join(NETNS_STATE_DIR, `${runId}.json`), 'utf8')) as RunState;
  } catch {
    return undefined;
  }
}

async function isLive(runId: string): Promise<boolean> {
  const state = await readState(runId);
  return state !== undefined && (await startTicksOf(state.pid)) === state.startTicks;
}

async function namespaces(): Promise<string[]> {
  return (await ip(['netns', 'list'])).split('\n').map((l) => l.split(' ')[0]!).filter((n) => n !== '');
}

async function rootDevices(): Promise<string[]> {
  return (await ip(['-o', 'link', 'show'])).split('\n').flatMap((l) => {
    const name = /^\d+:\s+([^:@\s]+)/.exec(l)?.[1];
    return name ? [name] : [];
  });
}

/** Kills what still runs in a namespace, then deletes it. */
async function deleteNamespace(ns: string): Promise<void> {
  const pids = (await ip(['netns', 'pids', ns]).catch(() => '')).split('\n').map(Number).filter((p) => Number.isInteger(p) && p > 0);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await ip(['netns', 'del', ns]).catch((error: unknown) => {
    if (!/No such file|not found|does not exist/i.test(toError(error).message)) throw error;
  });
}

async function deleteDevice(name: string): Promise<void> {
  await ip(['link', 'del', name]).catch((error: unknown) => {
    if (!/Cannot find device|does not exist/i.test(toError(error).message)) throw error;
  });
}

/**
 * Removes every namespace and root-namespace device of a run whose owner is no longer running (killed before it
 * could clean up). Returns the run ids removed.
 */
export async function removeStaleNetworks(): Promise<string[]> {
  const byRun = new Map<string, { namespaces: string[]; devices: string[] }>();
  const entry = (id: string): { namespaces: string[]; devices: string[] } => {
    let e = byRun.get(id);
    if (!e) byRun.set(id, (e = { namespaces: [], devices: [] }));
    return e;
  };
  for (const ns of await namespaces()) {
    const id = NETNS_NAME.exec(ns)?.[1];
    if (id) entry(id).namespaces.push(ns);
  }
  for (const dev of await rootDevices()) {
    const id = NETNS_NAME.exec(dev)?.[1];
    if (id) entry(id).devices.push(dev);
  }
  for (const file of await readdir(NETNS_STATE_DIR).catch(() => [] as string[])) {
    const id = /^([0-9a-f]{6})\.json$/.exec(file)?.[1];
    if (id) entry(id);
  }
  const removed: string[] = [];
  for (const [id, found] of byRun) {
    if (await isLive(id)) continue;
    for (const ns of found.namespaces) await deleteNamespace(ns);
    for (const dev of found.devices) await deleteDevice(dev);
    await rm(join(NETNS_STATE_DIR, `${id}.json`), { force: true });
    removed.push(id);
  }
  return removed;
}

function ipv4ToInt(text: string): number | undefined {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

/** Address ranges `[first, last]` routed or assigned in the root namespace (the default route excluded). */
async function usedRanges(): Promise<Array<[number, number]>> {
  const text = `${await ip(['-4', 'route', 'show', 'table', 'all'])}\n${await ip(['-4', '-o', 'addr', 'show'])}`;
  const out: Array<[number, number]> = [];
  for (const match of text.matchAll(/(\d{1,3}(?:\.\d{1,3}){3})(?:\/(\d{1,2}))?/g)) {
    const base = ipv4ToInt(match[1]!);
    const bits = match[2] === undefined ? 32 : Number(match[2]);
    if (base === undefined || bits === 0) continue;
    const size = 2 ** (32 - bits);
    const first = Math.floor(base / size) * size;
    out.push([first, first + size - 1]);
  }
  return out;
}

async function chooseSubnet(): Promise<string> {
  const used = await usedRanges();
  const claimed = new Set<string>();
  for (const file of await readdir(NETNS_STATE_DIR).catch(() => [] as string[])) {
    const state = await readState(file.replace(/\.json$/, ''));
    if (state) claimed.add(state.subnet);
  }
  for (let i = 0; i < SUBNET_ATTEMPTS; i++) {
    const [a, b] = randomBytes(2);
    const prefix = `10.${100 + (a! % 150)}.${b!}`;
    const first = ipv4ToInt(`${prefix}.0`)!;
    if (claimed.has(prefix) || used.some(([lo, hi]) => lo <= first + 255 && first <= hi)) continue;
    return prefix;
  }
  throw new FlowlabError('ERR_NETNS_SUBNET', `no free /24 in 10.100.0.0–10.249.255.0 after ${SUBNET_ATTEMPTS} tries`);
}

/** One run's namespaces, bridge and addresses. Lifecycle: `create()` → … → `teardown()` (idempotent). */
export class NetnsNetwork {
  private tornDown: Promise<void> | undefined;
  private readonly blackholed = new Set<string>();

  private constructor(
    readonly runId: string,
    /** `10.A.B` */
    private readonly prefix: string,
    private readonly octets: ReadonlyMap<string, number>,
  ) {}

  /** Creates the network for `processIds` (`jobmanager` first, then the TaskManagers). Undoes itself on failure. */
  static async create(processIds: readonly string[]): Promise<NetnsNetwork> {
    const runId = randomBytes(3).toString('hex');
    await mkdir(NETNS_STATE_DIR, { recursive: true });
    const prefix = await chooseSubnet();
    const startTicks = await startTicksOf(process.pid);
    await writeFile(join(NETNS_STATE_DIR, `${runId}.json`), JSON.stringify({ pid: process.pid, startTicks, subnet: prefix } satisfies Partial<RunState>));
    const octets = new Map<string, number>();
    let next = FIRST_TASK_MANAGER_OCTET;
    for (const id of processIds) octets.set(id, id === 'jobmanager' ? 2 : next++);
    const network = new NetnsNetwork(runId, prefix, octets);
    try {
      await network.build();
    } catch (error) {
      await network.teardown();
      throw error;
    }
    return network;
  }

  get subnet(): string {
    return `${this.prefix}.0/24`;
  }

  /** The root namespace's address on the bridge: the harness and the chaos proxies. */
  get rootAddress(): string {
    return `${this.prefix}.1`;
  }

  get hub(): string {
    return `fl-${this.runId}-hub`;
  }

  get rootDevice(): string {
    return `fl-${this.runId}-h`;
  }

  get processIds(): string[] {
    return [...this.octets.keys()];
  }

  namespaceOf(id: string): string {
    this.octetOf(id);
    return `fl-${this.runId}-${id === 'jobmanager' ? 'jm' : id}`;
  }

  addressOf(id: string): string {
    return `${this.prefix}.${this.octetOf(id)}`;
  }

  /** `host` (a process id) or `a~b` (the link between two processes): packets silently dropped until {@link heal}. */
  async blackhole(target: string): Promise<void> {
    for (const args of this.blackholeCommands(target, 'add')) await ip(args);
    this.blackholed.add(target);
  }

  async heal(target: string): Promise<void> {
    if (!this.blackholed.delete(target)) return;
    for (const args of this.blackholeCommands(target, 'del')) await ip(args);
  }

  /** Deletes every namespace (and with them the veths and the bridge) and the state file. Idempotent. */
  teardown(): Promise<void> {
    this.tornDown ??= (async () => {
      const failures: string[] = [];
      const attempt = async (op: () => Promise<void>): Promise<void> => {
        try {
          await op();
        } catch (error) {
          failures.push(toError(error).message);
        }
      };
      for (const id of this.octets.keys()) await attempt(() => deleteNamespace(this.namespaceOf(id)));
      await attempt(() => deleteNamespace(this.hub));
      await attempt(() => deleteDevice(this.rootDevice));
      await rm(join(NETNS_STATE_DIR, `${this.runId}.json`), { force: true });
      if (failures.length > 0) throw new FlowlabError('ERR_NETNS_TEARDOWN', `removing the run's network left something behind: ${failures.join('; ')}`);
    })();
    return this.tornDown;
  }

  private octetOf(id: string): number {
    const octet = this.octets.get(id);
    if (octet === undefined) throw new FlowlabError('ERR_UNKNOWN_PROCESS', `no process named ${id} in this run (processes: ${[...this.octets.keys()].join(', ')})`);
    return octet;
  }

  private port(id: string): string {
    return `p${this.octetOf(id)}`;
  }

  private blackholeCommands(target: string, op: 'add' | 'del'): string[][] {
    const pair = target.split('~');
    if (pair.length === 1) return [['-n', this.hub, 'link', 'set', this.port(target), op === 'add' ? 'down' : 'up']];
    const [a, b] = pair as [string, string];
    return [
      ['-n', this.namespaceOf(a), 'route', op, 'blackhole', `${this.addressOf(b)}/32`],
      ['-n', this.namespaceOf(b), 'route', op, 'blackhole', `${this.addressOf(a)}/32`],
    ];
  }

  private async build(): Promise<void> {
    const hub = this.hub;
    await ip(['netns', 'add', hub]);
    await ip(['-n', hub, 'link', 'add', HUB_BRIDGE, 'type', 'bridge']);
    await ip(['-n', hub, 'link', 'set', HUB_BRIDGE, 'up']);
    await ip(['link', 'add', this.rootDevice, 'type', 'veth', 'peer', 'name', HUB_UPLINK, 'netns', hub]);
    await ip(['-n', hub, 'link', 'set', HUB_UPLINK, 'master', HUB_BRIDGE, 'up']);
    await ip(['addr', 'add', `${this.rootAddress}/24`, 'dev', this.rootDevice]);
    await ip(['link', 'set', this.rootDevice, 'up']);
    for (const id of this.octets.keys()) {
      const ns = this.namespaceOf(id);
      await ip(['netns', 'add', ns]);
      await ip(['-n', hub, 'link', 'add', this.port(id), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await ip(['-n', hub, 'link', 'set', this.port(id), 'master', HUB_BRIDGE, 'up']);
      await ip(['-n', ns, 'addr', 'add', `${this.addressOf(id)}/24`, 'dev', 'eth0']);
      await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
  }
}
