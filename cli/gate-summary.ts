/** The human rendering of a gate verdict document (what `flowlab gate` prints without --json). Pure: document in, text out. */
import type { Baseline, GateVerdict, VerdictDocument, VerdictKind } from '../harness/index.js';

const SHOUT: Readonly<Record<VerdictKind, string>> = { pass: 'pass', improvement: 'improvement', regression: 'REGRESSION', inconclusive: 'inconclusive', invalid: 'INVALID' };

function signed(v: number | null): string {
  if (v === null) return '';
  const abs = Math.abs(v);
  return `${v > 0 ? '+' : v < 0 ? '−' : '±'}${abs < 10 ? abs.toFixed(1) : abs.toFixed(0)} %`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd());
}

function detail(g: GateVerdict): string {
  if (g.verdict === 'inconclusive' && g.runsToSettle !== undefined) return `${g.reason} → about ${g.runsToSettle} runs per side would settle it`;
  if (g.rule === 'baseline' && g.method === 'welch' && g.pValue !== null) return `p = ${g.pValue < 0.001 ? '< 0.001' : g.pValue.toFixed(3)}${g.current?.mean != null && g.baseline?.mean != null ? `; ${fmt(g.baseline.mean)} → ${fmt(g.current.mean)} ${g.unit ?? ''}` : ''}`;
  if (g.method === 'bootstrap' && g.current?.mean != null && g.baseline?.mean != null) return `${fmt(g.baseline.mean)} → ${fmt(g.current.mean)} µs`;
  return g.reason;
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3);
}

export function renderGateVerdict(doc: VerdictDocument): string {
  const out: string[] = [];
  out.push(`flowlab gate: ${SHOUT[doc.verdict]} (exit ${doc.exitCode}) — ${doc.headline}`);
  const commits = doc.current.commits.map((c) => c?.slice(0, 12) ?? 'unknown').join(', ');
  out.push(`results: ${doc.current.sources.join(', ')} (${doc.current.runs} runs, commit ${commits})`);
  if (doc.baseline) out.push(`baseline: ${doc.baseline.name} (${doc.baseline.source}, ${doc.baseline.file}, commit ${doc.baseline.commit?.slice(0, 12) ?? 'unknown'}, ${doc.baseline.createdAt})`);
  out.push(`like-for-like: ${doc.likeForLike.like ? 'yes' : `no — ${doc.likeForLike.differences.join('; ')}`}`);
  if (doc.noiseFloor) out.push(`A/A noise floor: throughput ${doc.noiseFloor.throughputPct ?? 'n/a'} %, p99 ${doc.noiseFloor.latencyPct ?? 'n/a'} % (${doc.noiseFloor.from}); no threshold is tighter`);
  if (doc.controlCheck) out.push(`A/A control judged B against A by the same rules (no floor): ${SHOUT[doc.controlCheck.verdict]}${doc.controlCheck.flagged.length > 0 ? ` — ${doc.controlCheck.flagged.length} of ${doc.controlCheck.gates} gates flagged` : ''}`);
  for (const note of doc.notes) out.push(`note: ${note}`);
  for (const s of doc.scenarios) {
    out.push('', `${s.scenario}/${s.variant}: ${SHOUT[s.verdict]} (${s.runs.completed} of ${s.runs.current} runs completed${s.runs.baseline !== null ? `; baseline ${s.runs.baseline} runs` : ''})`);
    out.push(
      ...table([
        ['  gate', 'verdict', 'change', '95 % CI', 'threshold', 'detail'],
        ...s.gates.map((g) => [
          `  ${g.gate}`,
          SHOUT[g.verdict],
          signed(g.changePct),
          g.ci95Pct ? `${signed(g.ci95Pct[0])}…${signed(g.ci95Pct[1])}` : '',
          g.thresholdPct !== null ? `${g.thresholdPct.toFixed(1)} % (${g.thresholdFrom})` : '',
          detail(g),
        ]),
      ]),
    );
    for (const g of s.gates) if (g.diagnosis) out.push(`  → ${SHOUT[g.verdict]}: ${g.diagnosis}`);
    for (const k of s.skipped) out.push(`  not judged: ${k.gate}: ${k.reason}`);
  }
  if (doc.history) {
    const h = doc.history;
    out.push('', `history: ${h.nights} nights, ${h.method}, p < ${h.pValue}, segments ≥ ${h.minSegment}`);
    const short = h.nights < 2 * h.minSegment;
    const found = short ? [] : h.series.filter((s) => s.changePoints.length > 0 || s.verdict !== 'pass');
    if (short) out.push(`  ${h.series.length} series, inconclusive: ${h.nights} night(s), a change point needs ≥ ${h.minSegment} on each side`);
    else if (found.length === 0) out.push(`  no change point in ${h.series.length} series`);
    for (const s of found) out.push(`  ${SHOUT[s.verdict].padEnd(12)} ${s.scenario}/${s.variant} ${s.metric}${s.phase ? ` in ${s.phase}` : ''}: ${s.reason}`);
  }
  const c = doc.counts;
  out.push('', `gates: ${c.pass} pass, ${c.improvement} improvement, ${c.regression} regression, ${c.inconclusive} inconclusive, ${c.invalid} invalid`);
  return out.join('\n');
}

/** What `flowlab baseline save` prints. */
export function renderBaselineSaved(file: string, b: Baseline): string {
  const rows = Object.entries(b.scenarios).map(([key, e]) => {
    const tput = e.scalars['throughput.recordsPerSec@steady'];
    const p99 = e.latency['steady']?.p99 ?? null;
    return [`  ${key}`, String(e.runs), tput ? `${Math.round(tput.mean).toLocaleString('en-US')} ± ${Math.round(tput.stddev ?? 0).toLocaleString('en-US')}` : 'n/a', p99 === null ? 'n/a' : `${(p99 / 1000).toFixed(2)} ms`, String(Object.keys(e.scalars).length + Object.keys(e.latency).length)];
  });
  return [
    `baseline ${b.name} written to ${file}`,
    `from ${b.recordedFrom.paths.join(', ')} · commit ${b.flowlab.commit?.slice(0, 12) ?? 'unknown'} · ${b.environment ? `${b.environment.cpuModel}, ${b.environment.cores} cores, Node ${b.environment.node}` : 'environment unknown'}`,
    b.calibration ? `calibration: loopback ${(b.calibration.loopbackBytesPerSec / 1e6).toFixed(0)} MB/s, RTT ${b.calibration.loopbackRttUs.toFixed(0)} µs` : 'calibration: not measured (only same-machine comparisons of raw throughput)',
    b.noiseFloor ? `A/A noise floor (${b.noiseFloor.scenario}): throughput ${b.noiseFloor.throughputPct ?? 'n/a'} %, p99 ${b.noiseFloor.latencyPct ?? 'n/a'} %` : 'A/A noise floor: no control in these results',
    '',
    ...table([['  scenario/variant', 'runs', 'records/s (mean ± σ)', 'steady p99', 'figures'], ...rows]),
  ].join('\n');
}
