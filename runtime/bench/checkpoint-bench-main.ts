/** Entry for `npm run bench:checkpoint [-- --smoke] [--costs 50,250] [--checkpoints 3] [--settle s] [--aligned-only] [--out file]`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderCheckpointBench, runCheckpointBench } from './checkpoint-bench.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const smoke = process.argv.includes('--smoke');
const out = arg('--out') ?? join('bench-results', 'checkpoint.json');
const result = await runCheckpointBench(
  {
    costsUs: (arg('--costs') ?? (smoke ? '20,60' : '50,250')).split(',').map(Number),
    checkpoints: Number(arg('--checkpoints') ?? (smoke ? 1 : 3)),
    settleMs: Number(arg('--settle') ?? (smoke ? 0.8 : 3)) * 1000,
    modes: process.argv.includes('--aligned-only') ? ['aligned'] : ['aligned', 'unaligned'],
  },
  (line) => process.stderr.write(`${line}\n`),
);
console.log(renderCheckpointBench(result));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`\nwritten: ${out}`);
