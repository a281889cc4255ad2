import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupRuns } from './figures.js';
import { goldenInput } from './test-fixtures.js';
import { TuningConstraintError, buildTuningReport, parseConstraint, rankedThroughput } from './tuning.js';

const buffers = (): ReturnType<typeof groupRuns>[number] => groupRuns(goldenInput().runs).find((g) => g.name === 'buffers')!;

describe('tuning report', () => {
  it('ranks for latency, marks the Pareto frontier and prints the Flink keys of the recommendation', () => {
    const t = buildTuningReport(buffers(), { optimize: 'latency', constraints: [] });
    assert.deepEqual(
      t.rows.map((r) => [r.rank, r.variant, r.pareto]),
      [
        [1, 'buffer-timeout=0ms,buffers-per-channel=1', true],
        [2, 'buffer-timeout=0ms,buffers-per-channel=4', false],
        [3, 'buffer-timeout=100ms,buffers-per-channel=1', false],
        [4, 'buffer-timeout=100ms,buffers-per-channel=4', true],
      ],
    );
    assert.equal(t.yaml, ['# flowlab: buffers, variant buffer-timeout=0ms,buffers-per-channel=1; goal: latency', 'execution.buffer-timeout: 0 ms', 'taskmanager.network.memory.buffers-per-channel: 1'].join('\n'));
  });

  it('with a throughput goal and a latency constraint, recommends the fastest variant that meets it', () => {
    const t = buildTuningReport(buffers(), { optimize: 'throughput', constraints: ['p99 < 100ms'] });
    // 100ms/4 is fastest but fails the constraint; 0ms/4, 0ms/1 are within 2 % of each other: the lower p99 wins
    assert.equal(t.recommended?.variant, 'buffer-timeout=0ms,buffers-per-channel=1');
    assert.deepEqual(t.rows.at(-1)?.violates, ['p99 < 100ms']);
  });

  it('says why nothing is recommended', () => {
    assert.equal(buildTuningReport(buffers(), { optimize: 'latency', constraints: ['p99 < 1ms'] }).reason, 'no variant meets p99 < 1ms');
    assert.match(buildTuningReport(buffers(), { optimize: 'checkpoint', constraints: [] }).reason ?? '', /no variant completed a checkpoint/);
  });

  it('parses constraints in their units and rejects what it cannot read, naming it', () => {
    assert.deepEqual(parseConstraint('p99 < 50ms'), { text: 'p99 < 50ms', metric: 'p99', op: '<', threshold: 50_000 });
    assert.equal(parseConstraint('checkpoint <= 2s').threshold, 2_000);
    assert.equal(parseConstraint('memory <= 64kb').threshold, 65_536);
    assert.equal(parseConstraint('throughput >= 20_000').threshold, 20_000);
    assert.throws(() => parseConstraint('p98 < 5ms'), (e: unknown) => e instanceof TuningConstraintError && e.code === 'ERR_TUNING_CONSTRAINT' && /unknown metric "p98"/.test(e.message));
    assert.throws(() => parseConstraint('p99 < fast'), TuningConstraintError);
  });

  it('caps throughput at the intended rate of a fixed-rate run (a backlog catching up is not headroom)', () => {
    const doc = goldenInput().runs[0]!.result!;
    assert.equal(rankedThroughput({ ...doc, throughput: { ...doc.throughput, recordsPerSec: 12_500 } }), 10_000);
    assert.equal(rankedThroughput({ ...doc, workload: { ...doc.workload, ratePerSec: 'unbounded' }, throughput: { ...doc.throughput, recordsPerSec: 12_500 } }), 12_500);
  });
});
