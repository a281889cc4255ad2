/**
 * Diagnosis: what else changed in the same runs, so a regression comes with a line a person can act on — which
 * task's busy / back-pressured time moved most, pool usage, checkpoint alignment against the whole duration, and
 * for a fault phase the link and the fault's measured effect.
 * e.g. `throughput.recordsPerSec in steady −32 % (95 % CI −36…−28 %); map busy 410 → 890 ms/s; source back-pressured 0 → 540 ms/s`.
 */
import { median } from 'simple-statistics';
import type { BaselineEntry } from './baseline-schema.js';
import type { RunFigures, VertexFigures } from './gate-metrics.js';
import { pct } from './scalar-rule.js';
import type { GateVerdict } from './verdict-schema.js';

/** Smallest change in a task's time (ms per second) worth naming. */
const TIME_MS_PER_S = 50;
/** Smallest change in pool usage (fraction) worth naming. */
const POOL_USAGE = 0.15;

function currentVertices(runs: readonly RunFigures[]): Map<string, VertexFigures> {
  const out = new Map<string, VertexFigures>();
  const names = new Set(runs.flatMap((r) => Object.keys(r.vertices)));
  for (const name of names) {
    const rows = runs.flatMap((r) => (r.vertices[name] ? [r.vertices[name]] : []));
    const avg = (f: (v: VertexFigures) => number): number => rows.reduce((s, v) => s + f(v), 0) / rows.length;
    out.set(name, {
      backPressuredTimeMsPerSecond: avg((v) => v.backPressuredTimeMsPerSecond),
      busyTimeMsPerSecond: avg((v) => v.busyTimeMsPerSecond),
      idleTimeMsPerSecond: avg((v) => v.idleTimeMsPerSecond),
      inPoolUsage: avg((v) => v.inPoolUsage),
      outPoolUsage: avg((v) => v.outPoolUsage),
    });
  }
  return out;
}

interface Change {
  readonly text: string;
  readonly size: number;
}

function largest(changes: Change[]): Change | undefined {
  return changes.sort((a, b) => b.size - a.size)[0];
}

/** Evidence lines, most telling first: the task whose busy time grew most (the likely bottleneck), then back-pressure, pools, checkpoints, faults. */
export function evidenceOf(current: readonly RunFigures[], baseline: BaselineEntry | undefined): string[] {
  const lines: string[] = [];
  const completed = current.filter((r) => r.state === 'completed');
  if (baseline) {
    const now = currentVertices(completed);
    const time = (field: 'busyTimeMsPerSecond' | 'backPressuredTimeMsPerSecond' | 'idleTimeMsPerSecond', label: string): Change | undefined =>
      largest(
        [...now.entries()].flatMap(([v, c]) => {
          const b = baseline.vertices[v];
          if (!b) return [];
          const size = Math.abs(c[field] - b[field]);
          return size >= TIME_MS_PER_S ? [{ text: `${v} ${label} ${b[field].toFixed(0)} → ${c[field].toFixed(0)} ms/s`, size }] : [];
        }),
      );
    const pool = largest(
      [...now.entries()].flatMap(([v, c]) => {
        const b = baseline.vertices[v];
        if (!b) return [];
        return (['inPoolUsage', 'outPoolUsage'] as const).flatMap((f) => {
          const size = Math.abs(c[f] - b[f]);
          return size >= POOL_USAGE ? [{ text: `${v} ${f === 'inPoolUsage' ? 'in-pool' : 'out-pool'} ${(b[f] * 100).toFixed(0)} → ${(c[f] * 100).toFixed(0)} %`, size }] : [];
        });
      }),
    );
    for (const c of [time('busyTimeMsPerSecond', 'busy'), time('backPressuredTimeMsPerSecond', 'back-pressured'), pool]) if (c) lines.push(c.text);
    if (lines.length === 0) {
      const idle = time('idleTimeMsPerSecond', 'idle');
      if (idle) lines.push(idle.text);
    }
    const med = (key: string): number | null => {
      const v = completed.flatMap((r) => (r.scalars[key] === undefined ? [] : [r.scalars[key]]));
      return v.length === 0 ? null : median(v);
    };
    const align = med('checkpoints.alignmentMs.p99');
    const dur = med('checkpoints.durationMs.p99');
    const bAlign = baseline.scalars['checkpoints.alignmentMs.p99'];
    const bDur = baseline.scalars['checkpoints.durationMs.p99'];
    if (align !== null && dur !== null && bAlign && bDur) {
      lines.push(`checkpoint p99 ${bDur.mean.toFixed(0)} → ${dur.toFixed(0)} ms, of which alignment ${bAlign.mean.toFixed(0)} → ${align.toFixed(0)} ms`);
    }
  }
  const faults = new Map<number, RunFigures['faults'][number][]>();
  for (const r of completed) for (const f of r.faults) faults.set(f.index, [...(faults.get(f.index) ?? []), f]);
  for (const [index, fs] of faults) {
    const took = fs.filter((f) => f.tookEffect === true).length;
    const before = fs.flatMap((f) => (f.recordsPerSecBefore === null ? [] : [f.recordsPerSecBefore]));
    const during = fs.flatMap((f) => (f.recordsPerSecDuring === null ? [] : [f.recordsPerSecDuring]));
    const effect = before.length > 0 && during.length > 0 ? `, records/s ${median(before).toFixed(0)} → ${median(during).toFixed(0)} during it` : '';
    lines.push(`fault ${index} (${fs[0]!.kind} on ${fs[0]!.link}) took effect in ${took} of ${fs.length} runs${effect}`);
  }
  return lines;
}

/** The link a phase's fault hit (`fault-0-during` → `latency data-tm-1-tm-0`), for naming the phase. */
export function phaseContext(phase: string | null, current: readonly RunFigures[]): string {
  const index = phase === null ? undefined : /^fault-(\d+)-/.exec(phase)?.[1];
  if (index === undefined) return phase ?? '';
  const fault = current.flatMap((r) => r.faults).find((f) => String(f.index) === index);
  return fault ? `${phase} (${fault.kind} ${fault.link})` : phase!;
}

/** The one-line diagnosis of a regression or improvement. */
export function diagnosisLine(gate: GateVerdict, current: readonly RunFigures[], evidence: readonly string[]): string {
  const where = gate.phase === null ? gate.metric : `${gate.metric} in ${phaseContext(gate.phase, current)}`;
  const change = gate.changePct === null ? gate.reason : `${pct(gate.changePct)}${gate.ci95Pct ? ` (95 % CI ${pct(gate.ci95Pct[0])}…${pct(gate.ci95Pct[1])})` : ''}`;
  const relevant = gate.metric.startsWith('checkpoints.') ? evidence : evidence.filter((e) => !e.startsWith('checkpoint '));
  return [`${where} ${change}`, ...relevant.slice(0, 3)].join('; ');
}
