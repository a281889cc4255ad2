/** The human summary of a run's result document (the terminal table `flowlab run` prints). */
import { join } from 'node:path';
import { median } from 'simple-statistics';
import type { ResultDocument, SuiteIndex } from '../harness/index.js';
import { criterion, shapeNumber } from '../reports/index.js';

const n = (v: number, digits = 0): string => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = (us: number | null): string => (us === null ? 'n/a' : `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`);
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

/** kind: http: the load, its answers, the client's latency and the delivery proof. */
function ingestLines(i: ResultDocument['ingest']): string[] {
  if (!i) return [];
  return [
    '',
    `HTTP ingest (${i.tool}): ${n(i.intendedRequestsPerSec)} requests/s intended, ${n(i.requests.perSec)} answered/s over ${i.connections} connections × pipelining ${i.pipelining}, ${i.recordsPerRequest} records each`,
    `  answers: 2xx ${n(i.status.ok2xx)}, 503 ${n(i.status.unavailable503)}, other ${n(i.status.other)}, errors ${n(i.errors)}, timeouts ${n(i.timeouts)}`,
    table([
      ['  request → response', 'p50', 'p90', 'p99', 'p99.9', 'max', 'samples'],
      ['  autocannon clients', ms(i.latencyUs.p50), ms(i.latencyUs.p90), ms(i.latencyUs.p99), ms(i.latencyUs.p999), ms(i.latencyUs.max), n(i.latencyUs.count)],
    ]),
    `  records: accepted ${n(i.records.acceptedBySources)} (2xx seen by the client ${n(i.records.acceptedByClient)}, in flight at the stop ${n(i.records.unacknowledged)}), rejected ${n(i.records.rejectedBySources)}, at the sinks ${n(i.records.atSinks)}: ${i.delivery.exactlyOnce ? 'every accepted record exactly once' : `NOT exactly once: ${i.delivery.why}`}`,
  ];
}

/** Dashboard load: the REST API's answers while the job ran. */
function restLines(rest: ResultDocument['rest']): string[] {
  if (!rest) return [];
  return [
    '',
    `dashboard load (${rest.tool}): ${n(rest.intendedRequestsPerSec)} GET/s intended, ${n(rest.requests.perSec)} answered/s over ${rest.connections} connections (${rest.paths.join(', ')}); 2xx ${n(rest.ok2xx)}, other ${n(rest.other)}, errors ${n(rest.errors)}, timeouts ${n(rest.timeouts)}`,
    table([
      ['  REST request → response', 'p50', 'p90', 'p99', 'p99.9', 'max', 'samples'],
      ['  under this load', ms(rest.latencyUs.p50), ms(rest.latencyUs.p90), ms(rest.latencyUs.p99), ms(rest.latencyUs.p999), ms(rest.latencyUs.max), n(rest.latencyUs.count)],
    ]),
  ];
}

export function renderSummary(r: ResultDocument): string {
  const out: string[] = [];
  const head = `${r.topology.preset}, parallelism ${r.topology.parallelism}, ${r.topology.taskManagers} TaskManagers, ${r.workload.ratePerSec === 'unbounded' ? 'unbounded rate' : `${n(r.workload.ratePerSec)} records/s per source`}, ${r.workload.recordSizeBytes}-byte records`;
  out.push(`\n${head}`);
  if (r.state !== 'completed') out.push(`\nRun ${r.state}: ${r.error ?? ''}${r.partial ? '\nPartial result: the figures below cover what was sampled until then.' : ''}`);
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
    ...guardNotes(r.latencyUs.reasons),
    ...ingestLines(r.ingest),
    ...restLines(r.rest),
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
    r.harness ? `harness: ${n(r.harness.cpuMsPerSecond, 1)} ms CPU per second (${n(r.harness.cpuMsPerSecond / 10, 2)} % of one core)` : '',
    ...(r.deployment && r.deployment.deployer !== 'local'
      ? [`deployed: ${r.deployment.deployer}${r.deployment.subnet ? ` on ${r.deployment.subnet}` : ''} — ${r.deployment.processes.map((p) => `${p.id} ${p.host}`).join(', ')}`]
      : []),
  );
  const phases = r.phases.filter((p) => p.name !== 'warmup');
  if (phases.length > 1) {
    out.push(
      '',
      table([
        ['phase', 'from', 'to', 'records/s', 'p50', 'p99', 'p99.9', 'samples'],
        ...phases.map((p) => [p.name, `${(p.startMs / 1000).toFixed(1)} s`, `${(p.endMs / 1000).toFixed(1)} s`, n(p.throughput.recordsPerSec), ms(p.latencyUs?.p50 ?? null), ms(p.latencyUs?.p99 ?? null), ms(p.latencyUs?.p999 ?? null), n(p.latencyUs?.count ?? 0)]),
      ]),
    );
  }
  if (r.faults.length > 0) {
    out.push(
      '',
      table([
        ['fault', 'links', 'applied', 'removed', 'probe', 'took effect', 'job records/s before → during', 'time to detect', 'time to recover'],
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
            f.measured.timeToDetectMs === undefined ? '-' : f.measured.timeToDetectMs === null ? 'not noticed' : `${n(f.measured.timeToDetectMs / 1000, 2)} s`,
            !f.recovery ? '-' : f.recovery.recovered ? `${n(f.recovery.timeToRecoverMs / 1000, 1)} s` : 'not recovered',
          ];
        }),
      ]),
    );
    for (const f of r.faults) if (f.error) out.push(`fault #${f.index}: ${f.error}`);
    for (const f of r.faults) if (f.recovery && !f.recovery.recovered) out.push(`fault #${f.index} not recovered: ${f.recovery.reason}`);
  }
  if (r.gates && r.gates.length > 0) {
    out.push('', table([['gate', 'value', 'verdict'], ...r.gates.map((g) => [g.gate, g.value === null ? 'n/a' : n(g.value, 1), g.verdict === 'invalid' ? `invalid: ${g.reason ?? ''}` : g.verdict])]));
  }
  return out.filter((line, i, all) => line !== '' || all[i - 1] !== '').join('\n');
}

/** Why percentiles are n/a (too few samples), one line each. */
function guardNotes(reasons: Record<string, string> | undefined): string[] {
  return reasons ? Object.values(reasons).map((why) => `  n/a: ${why}`) : [];
}

/** The end-of-suite summary: one line per scenario variant (medians over repetitions), the A/A noise floor, rate-sweep knees. */
export function renderSuiteSummary(index: SuiteIndex, dir: string): string {
  const out: string[] = [`\nsuite ${index.suite}: ${index.state}, ${index.runs.filter((r) => r.state === 'completed').length} of ${index.runs.length} runs completed`];
  const groups = new Map<string, SuiteIndex['runs']>();
  for (const r of index.runs) groups.set(`${r.scenario}\u0000${r.variant}`, [...(groups.get(`${r.scenario}\u0000${r.variant}`) ?? []), r]);
  // the same median as the reports and the suite analysis (the mean of the two middle values for an even count)
  const med = (values: number[]): number | null => (values.length === 0 ? null : median(values));
  const rows = [...groups.values()].map((runs) => {
    const done = runs.filter((r) => r.summary !== null && r.state === 'completed');
    const rate = med(done.map((r) => r.summary!.recordsPerSec));
    const p99 = med(done.flatMap((r) => (r.summary!.p99Us === null ? [] : [r.summary!.p99Us])));
    const lost = done.reduce((sum, r) => sum + (r.summary!.lost ?? 0), 0);
    const dup = done.reduce((sum, r) => sum + r.summary!.duplicated, 0);
    const gates = done.reduce((sum, r) => sum + r.summary!.gatesFailed, 0);
    const states = [...new Set(runs.map((r) => r.state))].join('/');
    return [runs[0]!.scenario, runs[0]!.variant, `${done.length}/${runs.length} ${states}`, rate === null ? '-' : n(rate), ms(p99), n(lost), n(dup), n(gates)];
  });
  out.push('', table([['scenario', 'variant', 'runs', 'records/s (median)', 'p99 (median)', 'lost', 'duplicated', 'gates failed'], ...rows]));
  // network-bench runs have no records/s: their figures are the cases' ratios
  for (const runs of groups.values()) {
    const ratios = runs.flatMap((r) => (r.state === 'completed' && r.summary?.ratios ? [r.summary.ratios] : []));
    if (ratios.length === 0) continue;
    const cases = [...new Set(ratios.flatMap((r) => Object.keys(r)))];
    const shown = cases.map((c) => {
      const m = med(ratios.flatMap((r) => (typeof r[c] === 'number' ? [r[c]] : [])));
      return `${c} ${m === null ? 'n/a' : m.toFixed(2)}`;
    });
    out.push(`${runs[0]!.scenario}/${runs[0]!.variant}: median ratios (flowlab ÷ baseline in the same run) ${shown.join(', ')}; gates failed = cases missing their target beyond noise`);
  }
  if (index.control) {
    const c = index.control;
    out.push('', `A/A control ${c.scenario} (${c.runsPerVariant} runs each): records/s ${c.recordsPerSec.diffPct === null ? 'n/a' : `${c.recordsPerSec.diffPct} %`} apart, p99 ${c.p99Us.diffPct === null ? 'n/a' : `${c.p99Us.diffPct} %`} apart (the run-to-run noise floor)`);
  }
  for (const sweep of index.rateSweeps) {
    const fixed = Object.entries(sweep.fixed).map(([k, v]) => `${k}=${String(v)}`).join(', ');
    out.push(
      '',
      `rate sweep ${sweep.scenario}${fixed ? ` (${fixed})` : ''}: sustainable up to ${sweep.sustainableRatePerSubtask === null ? 'none of the steps' : `${n(sweep.sustainableRatePerSubtask)} records/s per source subtask`}`,
      table([
        ['rate/subtask', 'intended/s', 'achieved/s', 'achieved ÷ intended', 'p99', 'p99 first → last third', 'sustainable'],
        ...sweep.steps.map((s) => [
          n(s.ratePerSubtask),
          n(s.intendedRecordsPerSec),
          n(s.achievedRecordsPerSec),
          s.achievedRatio.toFixed(3),
          ms(s.p99Us),
          `${ms(s.p99FirstThirdUs)} → ${ms(s.p99LastThirdUs)}`,
          s.sustainable ? (s.ratePerSubtask === sweep.sustainableRatePerSubtask ? 'yes ← knee' : 'yes') : `no: ${s.why ?? ''}`,
        ]),
      ]),
    );
    if (sweep.failedBelowKnee.length > 0) {
      out.push(`note: ${sweep.failedBelowKnee.map((r) => n(r)).join(', ')} records/s failed below the knee — noise (S18 holds each rate ≥ 60 s) or a real problem; rerun with more repetitions`);
    }
  }
  if (index.shapes.length > 0) {
    const rows = index.shapes.flatMap((s) =>
      s.verdict === 'skipped'
        ? [[s.id, s.title, '', '', '', '', `skipped: ${s.reason ?? ''}`]]
        : s.checks.flatMap((c) =>
            c.rows.map((r, i) => [i === 0 ? s.id : '', i === 0 ? `${c.name} (${criterion(c)})` : '', r.variant ?? 'all', c.predicted === null ? '—' : shapeNumber(r.predicted), shapeNumber(r.measured), r.ratio === null ? '—' : r.ratio.toFixed(2), c.judged || r.verdict === 'no-data' ? `${r.verdict}${r.reason ? `: ${r.reason}` : ''}` : 'shown']),
          ),
    );
    const count = (v: string): number => index.shapes.filter((s) => s.verdict === v).length;
    out.push('', `published shapes: ${count('pass')} pass, ${count('fail')} fail, ${count('no-data')} without data, ${count('skipped')} skipped`, table([['shape', 'check', 'variant', 'predicted', 'measured', 'ratio', 'verdict'], ...rows]));
  }
  const cpu = index.runs.flatMap((r) => (r.summary?.harnessCpuMsPerSecond != null ? [r.summary.harnessCpuMsPerSecond] : []));
  if (cpu.length > 0) out.push('', `harness CPU: median ${n(med(cpu)!, 1)} ms/s, max ${n(Math.max(...cpu), 1)} ms/s (target < 30 ms/s, 3 % of one core)`);
  out.push('', `results: ${join(dir, 'suite.json')}`);
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
