// Keeps the chaos benchmark from rotting: runs its entry function in smoke mode (tiny durations) and checks
// the shape of the result, not the figures (those depend on the machine).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChaosBench, type ChaosBenchResult } from './chaos-bench.js';

describe('chaos bench (smoke)', () => {
  it('measures every figure and writes the JSON result', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flowlab-chaos-bench-'));
    try {
      const lines: string[] = [];
      const outFile = join(dir, 'chaos.json');
      const result = await runChaosBench({ smoke: true, outFile, print: (line) => lines.push(line) });
      assert.deepEqual(
        result.measurements.map((m) => m.name),
        [
          'throughput.ratio',
          'latency.added_p50_us',
          'latency_toxic_50ms.added_p50_ms',
          'bandwidth_1MBps.ratio',
          'bandwidth_10MBps.ratio',
          'bandwidth_100MBps.ratio',
        ],
      );
      for (const m of result.measurements) assert.ok(Number.isFinite(m.value) && m.value > 0, `${m.name} = ${m.value}`);
      const latencyToxic = result.measurements.find((m) => m.name === 'latency_toxic_50ms.added_p50_ms');
      assert.ok(latencyToxic && latencyToxic.value >= 45, 'the latency toxic adds about 50 ms even in smoke mode');
      const written = JSON.parse(await readFile(outFile, 'utf8')) as ChaosBenchResult;
      assert.equal(written.schemaVersion, 1);
      assert.equal(written.smoke, true);
      assert.equal(written.measurements.length, result.measurements.length);
      assert.ok(lines.some((l) => l.startsWith('throughput.ratio')));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
