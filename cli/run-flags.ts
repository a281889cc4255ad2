/**
 * The `run` flags are sugar over the scenario schema: each maps to one field, and an explicit flag overrides the
 * scenario file's value (`--set path=value` reaches any field). Defaults come from the schema, not from yargs, so a
 * flag left out never overrides the file.
 */
import type { Options } from 'yargs';
import type { FieldOverride } from '../harness/index.js';

/** A run flag: its scenario field, and how yargs reads it. */
interface RunFlag {
  readonly field: string;
  readonly describe: string;
  readonly type?: 'string' | 'boolean';
}

/** Flag → scenario field. Defaults in the descriptions are the schema's. */
export const RUN_FLAGS = {
  'task-managers': { field: 'cluster.taskManagers', describe: 'TaskManager processes (default 2)' },
  slots: { field: 'cluster.slots', describe: 'slots per TaskManager (default: enough for the job)' },
  deploy: { field: 'cluster.deploy', describe: 'local (default: child processes on 127.0.0.1) | netns (a network namespace and address per process; Linux, root, iproute2)' },
  topology: { field: 'job.topology', describe: 'source-sink | source-map-sink | keyby-aggregate (default) | fan-in' },
  parallelism: { field: 'job.parallelism', describe: 'parallelism of every preset vertex (fan-in: of the sources; default 2)' },
  'map-cost-us': { field: 'job.mapCostUs', describe: 'CPU µs per record in map (source-map-sink)' },
  'sink-cost-us': { field: 'job.sinkCostUs', describe: 'CPU µs per record in the sink (a slow sink, spec S9)' },
  rate: { field: 'workload.rate', describe: 'records/s per source subtask, or unbounded (default)' },
  'record-size': { field: 'workload.recordSize', describe: 'record bytes, header 28 + payload (default 100)' },
  keys: { field: 'workload.keys', describe: 'key space (default 1024)' },
  'key-distribution': { field: 'workload.keyDistribution', describe: 'uniform (default) | zipf' },
  duration: { field: 'workload.duration', describe: 'measured time after the warm-up, with a unit (default 18s)' },
  warmup: { field: 'workload.warmup', describe: 'warm-up excluded from the figures, with a unit (default 2s)' },
  seed: { field: 'seed', describe: 'seed for keys, sizes, partitioners, toxicity and random fault times (default 42)' },
  chaos: { field: 'chaos', describe: 'route every TaskManager link through Toxiproxy (TOXIPROXY_URL, else embedded)', type: 'boolean' },
  calibrate: { field: 'calibrate', describe: 'measure raw loopback throughput and RTT first (default true; --no-calibrate)', type: 'boolean' },
} as const satisfies Record<string, RunFlag>;

export type RunFlagName = keyof typeof RUN_FLAGS;

/** yargs options for every run flag (no defaults: an absent flag leaves the scenario's value). */
export function runFlagOptions(): Record<RunFlagName, Options> {
  return Object.fromEntries(
    Object.entries(RUN_FLAGS).map(([name, flag]: [string, RunFlag]) => [name, { type: flag.type ?? 'string', describe: `${flag.describe} [${flag.field}]` }]),
  ) as Record<RunFlagName, Options>;
}

/** Overrides from the flags given on the command line, `-D`, `--fault` and `--set`, in that order. */
export function runOverrides(args: Record<string, unknown>): FieldOverride[] {
  const out: FieldOverride[] = [];
  for (const [name, flag] of Object.entries(RUN_FLAGS) as Array<[RunFlagName, RunFlag]>) {
    const value = args[name];
    if (value === undefined) continue;
    out.push({ path: flag.field, value, origin: `--${name} ${JSON.stringify(value)}` });
  }
  for (const pair of (args['D'] as string[] | undefined) ?? []) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq).trim() : pair;
    out.push({ path: ['config', key], value: eq > 0 ? pair.slice(eq + 1).trim() : '', origin: `-D ${pair}`, literal: true });
  }
  for (const entry of (args['fault'] as string[] | undefined) ?? []) out.push({ path: ['faults'], value: entry, origin: `--fault ${entry}`, append: true, literal: true });
  for (const pair of (args['set'] as string[] | undefined) ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) out.push({ path: pair, value: undefined, origin: `--set ${pair} (expected path=value, e.g. workload.rate=5000)` });
    else out.push({ path: pair.slice(0, eq).trim(), value: pair.slice(eq + 1), origin: `--set ${pair}` });
  }
  return out;
}
