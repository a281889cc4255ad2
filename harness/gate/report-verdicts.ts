/** The gate's verdict document as the reports' optional baseline input (`reports/`, which knows nothing of gates). */
import { basename } from 'node:path';
import type { BaselineInput, BaselineVerdict } from '../../reports/index.js';
import type { VerdictDocument } from './verdict-schema.js';

/** The gate's verdicts on baseline figures, in the renderers' terms (regressions carry their diagnosis line). */
export function reportBaselineOf(doc: VerdictDocument): BaselineInput {
  const verdicts: BaselineVerdict[] = [];
  for (const s of doc.scenarios) {
    for (const g of s.gates) {
      if (g.rule !== 'baseline' && g.rule !== 'published') continue;
      verdicts.push({
        scenario: s.scenario,
        variant: s.variant,
        metric: g.metric,
        phase: g.phase ?? 'steady',
        baseline: g.baseline?.mean ?? null,
        value: g.current?.mean ?? null,
        deltaPct: g.changePct,
        ci: g.ci95Pct ? { lowPct: g.ci95Pct[0], highPct: g.ci95Pct[1], level: 0.95 } : null,
        verdict: g.verdict,
        ...(g.diagnosis !== undefined ? { diagnosis: g.diagnosis } : {}),
      });
    }
  }
  return { label: doc.baseline ? `${doc.baseline.name} (${basename(doc.baseline.file)}${doc.baseline.commit ? `, ${doc.baseline.commit.slice(0, 10)}` : ''})` : 'baseline', verdicts };
}

