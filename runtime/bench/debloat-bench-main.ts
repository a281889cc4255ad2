/**
 * Entry for `npm run bench:debloat [-- --smoke] [--only s10,s11,s13] [--checkpoints 3] [--settle s] [--target ms] [--out file]`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultDebloatCases, renderDebloatBench, runDebloatBench } from './debloat-bench.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function positive(name: string, fallback: number): number {
  const raw = arg(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`${name}: expected a positive number, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}

const smoke = process.argv.includes('--smoke');
const shapes = (arg('--only') ?? 's10,s11,s13').split(',').map((s) => s.trim().toUpperCase());
const unknown = shapes.filter((s) => !['S10', 'S11', 'S13'].includes(s));
if (unknown.length > 0) {
  console.error(`--only: unknown shape ${unknown.join(', ')}; choose from s10, s11, s13`);
  process.exit(2);
}
const targetMs = positive('--target', 300);
const all = smoke ? defaultDebloatCases({ targetMs, costsUs: [50, 250], floorCostUs: 5000, s13CostUs: 1000, s13Checkpoints: 1, s13Rounds: 1 }) : defaultDebloatCases({ targetMs });
const cases = all.filter((c) => shapes.includes(c.shape));
const out = arg('--out') ?? join('bench-results', 'debloat.json');
const result = await runDebloatBench(
  {
    cases,
    checkpoints: positive('--checkpoints', smoke ? 1 : 3),
    settleMs: positive('--settle', smoke ? 1.5 : 4) * 1000,
    maxConvergeMs: smoke ? 3000 : 20_000,
    warmupCheckpoint: !smoke,
    targetMs,
  },
  (line) => process.stderr.write(`${line}\n`),
);
console.log(renderDebloatBench(result));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`\nwritten: ${out}`);
const failed = result.checks.filter((c) => !c.pass).length + result.results.filter((r) => r.error).length;
if (failed > 0 && !smoke) console.log(`\n${failed} check(s) failed or errored`);
