/** Entry for `npm run bench:cluster [-- --smoke] [--duration s] [--warmup s] [--rounds n] [--record-bytes n] [--out file]`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderClusterBench, runClusterBench } from './cluster-bench.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const smoke = process.argv.includes('--smoke');
const out = arg('--out') ?? join('bench-results', 'cluster.json');
const result = await runClusterBench(
  {
    durationMs: Number(arg('--duration') ?? (smoke ? 0.5 : 5)) * 1000,
    warmupMs: Number(arg('--warmup') ?? (smoke ? 0.5 : 1.5)) * 1000,
    rounds: Number(arg('--rounds') ?? (smoke ? 1 : 2)),
    recordBytes: Number(arg('--record-bytes') ?? 100),
  },
  (line) => process.stderr.write(`${line}\n`),
);
console.log(renderClusterBench(result));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`\nwritten: ${out}`);
