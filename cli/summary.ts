/** The human summary of a run's result document (the terminal table `flowlab run` prints). */
import type { ResultDocument } from '../harness/index.js';

const n = (v: number, digits = 0): string => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = (us: number): string => `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];
function bytes(v: number): string {
  let unit = 0;
  while (v >= 1000 && unit < UNITS.length - 1) {
    v /= 1000;
    unit++;
  }
  return `${n(v, unit === 0 ? 0 : 1)} ${UNITS[unit]!}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

export function renderSummary(r: ResultDocument): string {
  const out: string[] = [];
  const head = `${r.topology.preset}, parallelism ${r.topology.parallelism}, ${r.topology.taskManagers} TaskManagers, ${r.workload.ratePerSec === 'unbounded' ? 'unbounded rate' : `${n(r.workload.ratePerSec)} records/s per source`}, ${r.workload.recordSizeBytes}-byte records`;
  out.push(`\n${head}`);
  if (r.state !== 'completed') out.push(`\nRun ${r.state}: ${r.error ?? ''}`);
  // buffer debloating: the size each task's gate last announced and its estimated time to consume (sources: none)
  const debloating = r.tasks.some((t) => t.debloatedBufferSize !== undefined);
  out.push(
    '',
    table([
      ['throughput', 'records/s', 'MB/s'],
      ['measured window', n(r.throughput.recordsPerSec), n(r.throughput.bytesPerSec / 1e6, 1)],
    ]),
    '',
    table([
      ['end-to-end latency', 'p50', 'p90', 'p99', 'p99.9', 'max', 'samples'],
      ['from intended emit time', ms(r.latencyUs.p50), ms(r.latencyUs.p90), ms(r.latencyUs.p99), ms(r.latencyUs.p999), ms(r.latencyUs.max), n(r.latencyUs.count)],
    ]),
    '',
    table([
      ['task', 'backpressured', 'idle', 'busy', 'in pool', 'out pool', 'records in', 'records out', ...(debloating ? ['debloated buffer / time to consume'] : [])],
      ...r.tasks.map((t) => [
        `${t.vertex}#${t.subtask}`,
        `${(t.backPressuredTimeMsPerSecond / 10).toFixed(0)}%`,
        `${(t.idleTimeMsPerSecond / 10).toFixed(0)}%`,
        `${(t.busyTimeMsPerSecond / 10).toFixed(0)}%`,
        `${(t.inPoolUsage * 100).toFixed(0)}%`,
        `${(t.outPoolUsage * 100).toFixed(0)}%`,
        n(t.numRecordsIn),
        n(t.numRecordsOut),
        ...(debloating ? [t.debloatedBufferSize === undefined ? '-' : `${n(t.debloatedBufferSize)} B / ${n(t.estimatedTimeToConsumeBuffersMs ?? 0)} ms`] : []),
      ]),
    ]),
    '',
    `sink: ${n(r.sink.records)} records, lost ${r.sink.lost === null ? 'n/a' : n(r.sink.lost)}, duplicated ${n(r.sink.duplicated)}, out of order ${n(r.sink.outOfOrder)}`,
    r.calibration.loopbackBytesPerSec > 0
      ? `calibration: raw loopback ${n(r.calibration.loopbackBytesPerSec / 1e6)} MB/s, RTT ${n(r.calibration.loopbackRttUs)} µs   (time ms/s as Flink reports it; percentages of 1 s)`
      : 'calibration: not measured (--no-calibrate)',
    ...checkpointLines(r.checkpoints),
  );
  if (r.faults.length > 0) {
    out.push(
      '',
      table([
        ['fault', 'links', 'applied', 'removed', 'probe', 'took effect', 'job records/s before → during'],
        ...r.faults.map((f) => {
          const probe = (f.measured.probes ?? [])
            .map((p) => (p.addedLatencyMs !== undefined ? `+${p.addedLatencyMs} ms` : p.achievedBytesPerSec !== undefined ? `${n(p.achievedBytesPerSec / 1000)} kB/s` : (p.error ?? '?')))
            .join(' ');
          const job = f.measured.job;
          return [
            `#${f.index} ${f.kind}${f.toxic ? ` ${f.toxic}` : ''}`,
            f.links.join(' ') || f.link,
            f.appliedAtMs === null ? '-' : `${(f.appliedAtMs / 1000).toFixed(1)} s`,
            f.removedAtMs === null ? '-' : `${(f.removedAtMs / 1000).toFixed(1)} s`,
            probe || '-',
            f.measured.tookEffect === null ? '?' : f.measured.tookEffect ? 'yes' : 'NO',
            job ? `${n(job.recordsPerSecBefore ?? 0)} → ${n(job.recordsPerSecDuring ?? 0)}` : '-',
          ];
        }),
      ]),
    );
    for (const f of r.faults) if (f.error) out.push(`fault #${f.index}: ${f.error}`);
  }
  return out.join('\n');
}

/** Two lines when any checkpoint was triggered (or the figures are missing), none otherwise. */
function checkpointLines(c: ResultDocument['checkpoints']): string[] {
  if (c.error) return [`checkpoints: ${c.error}`];
  if (c.completed + c.failed === 0) return [];
  const d = c.durationMs;
  const timing = d.count > 0 ? `, duration p50 ${n(d.p50)} ms, p99 ${n(d.p99)} ms, max ${n(d.max)} ms` : '';
  const lines = [`checkpoints: ${n(c.completed)} completed, ${n(c.failed)} failed${timing}`];
  if (d.count > 0) {
    lines.push(`checkpoint alignment max ${n(c.alignmentMs.max)} ms, start delay max ${n(c.startDelayMs.max)} ms, persisted in-flight data p50 ${bytes(c.persistedBytes.p50)} (max ${bytes(c.persistedBytes.max)}), state p50 ${bytes(c.stateBytes.p50)}`);
  }
  return lines;
}
