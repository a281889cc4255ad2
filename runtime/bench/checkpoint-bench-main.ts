/**
 * Entry for `npm run bench:checkpoint [-- --smoke] [--costs 200,1000] [--checkpoints 3] [--settle s]
 * [--modes aligned,unaligned,timeout-sender,timeout-receiver,aligned-idle] [--aligned-timeout ms] [--cost-at sink|map] [--out file]`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_ALIGNED_TIMEOUT_MS, renderCheckpointBench, runCheckpointBench, type CheckpointBenchMode } from './checkpoint-bench.js';

const MODES: readonly CheckpointBenchMode[] = ['aligned', 'unaligned', 'timeout-sender', 'timeout-receiver', 'aligned-idle'];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const smoke = process.argv.includes('--smoke');
const modes = (arg('--modes') ?? (process.argv.includes('--aligned-only') ? 'aligned' : MODES.join(','))).split(',') as CheckpointBenchMode[];
const costAt = arg('--cost-at') ?? 'sink';
if (costAt !== 'sink' && costAt !== 'map') {
  console.error(`--cost-at: ${costAt} is neither sink nor map`);
  process.exit(2);
}
const unknown = modes.filter((m) => !MODES.includes(m));
if (unknown.length > 0) {
  console.error(`--modes: unknown mode ${unknown.join(', ')}; choose from ${MODES.join(', ')}`);
  process.exit(2);
}
const out = arg('--out') ?? join('bench-results', 'checkpoint.json');
const result = await runCheckpointBench(
  {
    // S9's published reference points are 200 µs and 1 ms per record
    costsUs: (arg('--costs') ?? (smoke ? '20,60' : '200,1000')).split(',').map(Number),
    checkpoints: Number(arg('--checkpoints') ?? (smoke ? 1 : 3)),
    settleMs: Number(arg('--settle') ?? (smoke ? 0.8 : 3)) * 1000,
    modes,
    alignedTimeoutMs: Number(arg('--aligned-timeout') ?? DEFAULT_ALIGNED_TIMEOUT_MS),
    costAt: costAt === 'map' ? 'map' : 'sink',
  },
  (line) => process.stderr.write(`${line}\n`),
);
console.log(renderCheckpointBench(result));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`\nwritten: ${out}`);
