/** The pass/fail checks of `bench:debloat` (spec S10, S11, S13) over its measured cases. */
import { resolveConfig } from '../../core/index.js';
import { bufferDebloatConfiguration, recomputeSample, type BufferDebloatConfiguration } from '../throughput/index.js';
import { median } from './bench-common.js';
import type { DebloatCase, DebloatCaseResult, DebloatCheck, DebloatShape } from './debloat-bench.js';

/** Exchanges between source and sink in S9's topology. */
const EXCHANGES = 2;

export const fmt = (v: number, digits = 0): string => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

/** The pass/fail checks of S10, S11 and S13 over the measured cases (missing cases leave their checks out). */
export function debloatChecks(results: readonly DebloatCaseResult[], targetMs: number): DebloatCheck[] {
  const ok = results.filter((r) => !r.error && r.durationsMs.length > 0);
  const find = (shape: DebloatShape, debloat: boolean, costUs?: number): DebloatCaseResult | undefined =>
    ok.find((r) => r.case.shape === shape && r.case.debloat === debloat && (costUs === undefined || r.case.sinkCostUs === costUs) && !r.case.flatMap);
  const checks: DebloatCheck[] = [];
  const s10on = ok.filter((r) => r.case.shape === 'S10' && r.case.debloat).sort((a, b) => a.case.sinkCostUs - b.case.sinkCostUs);
  const model = EXCHANGES * targetMs;
  // the two moderate costs (5× apart); the slowest debloat case is the floor case when there are three
  const moderate = s10on.length >= 3 ? s10on.slice(0, -1) : s10on;
  for (const r of moderate) {
    const off = find('S10', false, r.case.sinkCostUs);
    checks.push({
      shape: 'S10',
      figure: `aligned duration, debloat on, sink ${r.case.sinkCostUs} µs/record${off ? ` (S9 without: ${fmt(off.medianDurationMs)} ms)` : ''}`,
      model: `${EXCHANGES} exchanges × ${targetMs} ms = ${model} ms`,
      measured: `${fmt(r.medianDurationMs)} ms (${fmt(r.medianDurationMs / model, 2)}×)${off ? `, ${fmt(off.medianDurationMs / r.medianDurationMs, 1)}× shorter than without` : ''}`,
      criterion: 'within 3× of the model',
      pass: r.medianDurationMs >= model / 3 && r.medianDurationMs <= model * 3,
    });
  }
  if (moderate.length >= 2) {
    const [a, b] = [moderate[0]!, moderate[moderate.length - 1]!];
    const ratioOn = b.medianDurationMs / a.medianDurationMs;
    const offA = find('S10', false, a.case.sinkCostUs);
    const offB = find('S10', false, b.case.sinkCostUs);
    const ratioOff = offA && offB ? offB.medianDurationMs / offA.medianDurationMs : NaN;
    const costRatio = b.case.sinkCostUs / a.case.sinkCostUs;
    checks.push({
      shape: 'S10',
      figure: `aligned duration at ${b.case.sinkCostUs} ÷ at ${a.case.sinkCostUs} µs/record (${fmt(costRatio)}× the cost)`,
      model: `debloat on: 1.0 (Flink: 0.629 vs 0.622 checkpoints/s); off (S9): ~${fmt(costRatio)}`,
      measured: `on ${fmt(ratioOn, 2)}, off ${fmt(ratioOff, 2)}`,
      criterion: 'on ≤ 2 and on < off ÷ 2',
      pass: ratioOn <= 2 && (!Number.isFinite(ratioOff) || ratioOn < ratioOff / 2),
    });
  }
  if (s10on.length >= 3) {
    const slow = s10on[s10on.length - 1]!;
    const prev = moderate[moderate.length - 1]!;
    const modelFloor = Object.values(slow.estimatedTimeMsByVertex).reduce((a, b) => a + b, 0);
    checks.push({
      shape: 'S10',
      figure: `floor binds: aligned duration, sink ${slow.case.sinkCostUs} µs/record, debloated size min ${fmt(slow.minDebloatedBytes)} B`,
      model: `Σ over exchanges of size × buffers in use ÷ throughput, from the logged recalculations = ${fmt(modelFloor)} ms`,
      measured: `${fmt(slow.medianDurationMs)} ms (${fmt(slow.medianDurationMs / modelFloor, 2)}×); at ${prev.case.sinkCostUs} µs ${fmt(prev.medianDurationMs)} ms`,
      criterion: 'size at the 256 B floor, longer than at the moderate cost, within 3× of the model',
      pass: slow.minDebloatedBytes <= 256 && slow.medianDurationMs > prev.medianDurationMs && slow.medianDurationMs >= modelFloor / 3 && slow.medianDurationMs <= modelFloor * 3,
    });
  }
  const debloatRuns = ok.filter((r) => r.case.debloat && r.samples.length > 0);
  if (debloatRuns.length > 0) {
    let n = 0;
    let maxDelta = 0;
    let wrongAnnouncements = 0;
    let suppressed = 0;
    let thresholdViolations = 0;
    for (const r of debloatRuns) {
      const c = caseDebloatConfig(r.case);
      for (const s of r.samples) {
        n++;
        const again = recomputeSample(s, c);
        maxDelta = Math.max(maxDelta, Math.abs(again.newSize - s.newSize));
        if (again.announced !== s.announced) wrongAnnouncements++;
        const delta = Math.abs(s.newSize - s.lastAnnouncedBefore);
        const underThreshold = delta > 0 && delta < Math.floor((s.lastAnnouncedBefore * c.thresholdPercentages) / 100) && s.newSize > c.minBufferSize && s.newSize < c.maxBufferSize;
        if (underThreshold && s.announced) thresholdViolations++;
        if (underThreshold && !s.announced) suppressed++;
      }
    }
    checks.push({
      shape: 'S10',
      figure: `every logged recalculation (${n}) recomputed from its throughput, buffers in use and EMA state`,
      model: 'size = EMA(min(T × target ÷ max(1, N), 2 × last)) clamped to [256 B, 32 KiB]',
      measured: `max |Δ| ${maxDelta} B, ${wrongAnnouncements} announcement decisions differ`,
      criterion: '±1 byte, no decision differs',
      pass: n > 0 && maxDelta <= 1 && wrongAnnouncements === 0,
    });
    checks.push({
      shape: 'S10',
      figure: 'changes under the threshold (25 % of the last announced size, not at min/max)',
      model: 'not announced',
      measured: `${suppressed} suppressed, ${thresholdViolations} announced`,
      criterion: '0 announced (and the rule exercised)',
      pass: thresholdViolations === 0 && suppressed > 0,
    });
  }
  const ucOff = find('S11', false);
  const ucOn = find('S11', true);
  if (ucOff && ucOn) {
    // the sizes buffers were actually cut at while the checkpoints were taken (32 KiB without debloating, under backpressure)
    const modelRatio = ucOff.bytesPerBufferOut / ucOn.bytesPerBufferOut;
    const measured = ucOff.medianPersistedBytes / ucOn.medianPersistedBytes;
    checks.push({
      shape: 'S11',
      figure: `unaligned persisted channel state, off ÷ on (sink ${ucOn.case.sinkCostUs} µs/record; announced sizes ≈ ${fmt(ucOn.meanDebloatedBytes)} B)`,
      model: `bytes per output buffer off ÷ on = ${fmt(ucOff.bytesPerBufferOut)} B ÷ ${fmt(ucOn.bytesPerBufferOut)} B = ${fmt(modelRatio, 1)}`,
      measured: `${fmt(ucOff.medianPersistedBytes)} B ÷ ${fmt(ucOn.medianPersistedBytes)} B = ${fmt(measured, 1)}`,
      criterion: 'within 2× of the model',
      pass: measured >= modelRatio / 2 && measured <= modelRatio * 2,
    });
  }
  const s13 = (overdraft: number): DebloatCaseResult[] => ok.filter((r) => r.case.shape === 'S13' && r.case.config?.['taskmanager.network.memory.max-overdraft-buffers-per-gate'] === overdraft);
  const [od0, od5] = [s13(0), s13(5)];
  if (od0.length > 0 && od5.length > 0) {
    const fm = od5[0]!.case.flatMap!;
    const all = (rs: DebloatCaseResult[]): number[] => rs.flatMap((r) => r.durationsMs);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [d0, d5] = [median(all(od0)), median(all(od5))];
    const [m0, m5] = [mean(all(od0)), mean(all(od5))];
    const [x0, x5] = [Math.max(...all(od0)), Math.max(...all(od5))];
    const size = Math.min(...od5.map((r) => r.minDebloatedBytes));
    checks.push({
      shape: 'S13',
      figure: `UC duration, flatMap ${fm.fanOut} × ${fm.recordSize} B per input into ${fmt(size)} B buffers, sink ${od5[0]!.case.sinkCostUs} µs/record (${od5.length} alternating rounds, checkpoints pooled)`,
      model: 'overdraft 5 < overdraft 0 (Flink 1.16: "vastly" shorter; C9: stalls with 256 B buffers)',
      measured: `median 5: ${fmt(d5)} ms vs 0: ${fmt(d0)} ms (${fmt(d0 / d5, 1)}×); mean ${fmt(m5)} vs ${fmt(m0)} ms; max ${fmt(x5)} vs ${fmt(x0)} ms`,
      criterion: 'with 5 < with 0 (median and mean)',
      pass: d5 < d0 && m5 < m0,
    });
  }
  return checks;
}

function caseDebloatConfig(c: DebloatCase): BufferDebloatConfiguration {
  return bufferDebloatConfiguration(resolveConfig({ 'taskmanager.network.memory.buffer-debloat.enabled': true, ...c.config }))!;
}
