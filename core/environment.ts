/**
 * Where a figure was measured and by which flowlab: the machine's fingerprint (as results, suites and benchmarks
 * record it) and flowlab's version and commit (as results record it and the JobManager reports it).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The machine a figure comes from: runs on different CPUs, core counts or Node majors are not like-for-like. */
export interface EnvironmentFingerprint {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  /** Kernel name and release, e.g. `Linux 6.1.0-18-amd64`. */
  os: string;
  /** Node's version, e.g. `v20.19.2`. */
  node: string;
}

export function environmentFingerprint(): EnvironmentFingerprint {
  const cpu = cpus();
  return { cpuModel: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryBytes: totalmem(), os: `${type()} ${release()}`, node: process.version };
}

export interface FlowlabVersion {
  /** From the nearest `package.json` named flowlab; `0.0.0` when there is none. */
  version: string;
  /** `git rev-parse HEAD` in that folder; null outside a git checkout. */
  commit: string | null;
}

let cached: FlowlabVersion | undefined;

/** flowlab's version and commit (works from the sources, from `dist/` and from an installed package). Cached. */
export function flowlabVersion(): FlowlabVersion {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  let root: string | undefined;
  let version = '0.0.0';
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'flowlab' && typeof pkg.version === 'string') {
        root = dir;
        version = pkg.version;
        break;
      }
    } catch {
      // not here; look one level up
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  let commit: string | null = null;
  if (root !== undefined) {
    try {
      commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || null;
    } catch {
      commit = null;
    }
  }
  cached = { version, commit };
  return cached;
}
