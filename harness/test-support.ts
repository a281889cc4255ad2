/** Test support for process and suite tests: child pids, liveness, temp dirs, tiny scenarios, the CLI's path. */
import { execFileSync } from 'node:child_process';
import * as hdr from 'hdr-histogram-js';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunOptions } from './job-run.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The compiled CLI entry. */
export const CLI = join(here, '..', 'cli', 'main.js');
/** The repository root (dist/.. ). */
export const REPO = join(here, '..', '..');

export function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A temporary folder removed after the test. */
export function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowlab-suite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An inline scenario (YAML, indented for a suite's `- scenario:`): parallelism 1 across two TaskManagers, 2 s. */
export const tinyScenario = (name: string): string => `
      name: ${name}
      description: test scenario ${name}
      job: { topology: source-sink, parallelism: 1 }
      cluster: { taskManagers: 2 }
      placement: { slotSharingGroups: { source: a, sink: b } }
      workload: { rate: 3000, warmup: 500ms, duration: 1500ms }
      config: { execution.buffer-timeout: 5 ms }
      calibrate: false`;

/** The newest results folder of a suite under `out`. */
export function latestSuiteDir(out: string, suite: string): string {
  const stamps = readdirSync(join(out, suite)).sort();
  return join(out, suite, stamps.at(-1)!);
}

/** V2 compressed base64 of a histogram holding `values` (µs). */
export function histogramOf(values: Iterable<number>): string {
  const h = hdr.build({ numberOfSignificantValueDigits: 3 });
  try {
    for (const v of values) h.recordValue(v);
    return hdr.encodeIntoCompressedBase64(h);
  } finally {
    h.destroy();
  }
}

/**
 * A short keyby-aggregate run (2 TaskManagers × 2 slots, 2,000 records/s per source, 3 s) for fault tests: one
 * TaskManager's slots can take the whole job after the other is lost. `config` adds to a 10 ms buffer timeout.
 */
export function faultRunOptions(extra: Partial<RunOptions> & { config?: RunOptions['config'] }): RunOptions {
  return {
    taskManagers: 2,
    slots: 2,
    parallelism: 2,
    topology: 'keyby-aggregate',
    ratePerSec: 2_000,
    recordSizeBytes: 100,
    keys: 64,
    keyDistribution: 'uniform',
    mapCostUs: 0,
    durationMs: 3_000,
    warmupMs: 0,
    seed: 5,
    calibrate: false,
    ...extra,
    config: { 'execution.buffer-timeout': '10 ms', ...extra.config },
  };
}

/** Flink keys for a fault test that restarts from checkpoints quickly: 300 ms checkpoints, 100 ms heartbeats. */
export function fastFailoverConfig(checkpointDir: string, heartbeatTimeoutMs: number): RunOptions['config'] {
  return {
    'execution.checkpointing.interval': '300 ms',
    'execution.checkpointing.dir': checkpointDir,
    'heartbeat.interval': '100 ms',
    'heartbeat.timeout': `${heartbeatTimeoutMs} ms`,
    'restart-strategy.fixed-delay.delay': '200 ms',
  };
}
