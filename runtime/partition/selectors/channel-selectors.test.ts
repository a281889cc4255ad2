import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IllegalStateError, InvalidConfigError, SeededRandom } from '../../../core/index.js';
import {
  CHANNEL_SELECTOR_KINDS,
  KeyGroupSelector,
  UnknownChannelSelectorError,
  assignToKeyGroup,
  createChannelSelector,
  defaultMaxParallelism,
  type ChannelSelectorKind,
} from './index.js';

describe('createChannelSelector', () => {
  it('creates every known kind, and none is usable before setup except forward', () => {
    for (const kind of CHANNEL_SELECTOR_KINDS) {
      const selector = createChannelSelector(kind, { random: new SeededRandom(1) });
      assert.equal(selector.kind, kind);
      assert.equal(selector.isBroadcast, kind === 'broadcast');
      assert.equal(selector.numberOfChannels, 0);
    }
    assert.throws(() => createChannelSelector('rebalance', { random: new SeededRandom(1) }).selectChannel(0), IllegalStateError);
    assert.throws(() => createChannelSelector('keyBy').selectChannel(0), IllegalStateError);
  });

  it('names an unknown kind in a typed error', () => {
    assert.throws(
      () => createChannelSelector('shuffle' as ChannelSelectorKind),
      (error: unknown) => {
        assert.ok(error instanceof UnknownChannelSelectorError);
        assert.equal(error.code, 'ERR_UNKNOWN_CHANNEL_SELECTOR');
        assert.equal(error.kind, 'shuffle');
        assert.match(error.message, /"shuffle".*'forward', 'rebalance', 'keyBy', 'broadcast'/);
        return true;
      },
    );
  });

  it('rejects a channel count outside [1, 32768]', () => {
    for (const kind of CHANNEL_SELECTOR_KINDS) {
      const selector = createChannelSelector(kind, { random: new SeededRandom(1) });
      for (const n of [0, -1, 1.5, 32_769]) assert.throws(() => selector.setup(n), InvalidConfigError);
    }
  });
});

describe('forward', () => {
  it('always selects channel 0', () => {
    const selector = createChannelSelector('forward');
    selector.setup(1);
    for (let key = 0; key < 100; key++) assert.equal(selector.selectChannel(key * 7919), 0);
  });
});

describe('broadcast', () => {
  it('is broadcast and refuses to select a channel', () => {
    const selector = createChannelSelector('broadcast');
    selector.setup(4);
    assert.equal(selector.isBroadcast, true);
    assert.equal(selector.numberOfChannels, 4);
    assert.throws(() => selector.selectChannel(1), IllegalStateError);
  });
});

describe('rebalance', () => {
  it('starts at a seeded random channel and round-robins from start + 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 50 }), (seed, n) => {
        const start = new SeededRandom(seed).nextInt(n);
        const selector = createChannelSelector('rebalance', { random: new SeededRandom(seed) });
        selector.setup(n);
        for (let i = 1; i <= 3 * n; i++) assert.equal(selector.selectChannel(0), (start + i) % n);
      }),
    );
  });

  it('replays from the same seed and re-draws the start on a new setup', () => {
    const a = createChannelSelector('rebalance', { random: new SeededRandom(9) });
    const b = createChannelSelector('rebalance', { random: new SeededRandom(9) });
    a.setup(7);
    b.setup(7);
    const seqA = Array.from({ length: 10 }, () => a.selectChannel(0));
    const seqB = Array.from({ length: 10 }, () => b.selectChannel(0));
    assert.deepEqual(seqA, seqB);
    a.setup(3);
    assert.ok(a.selectChannel(0) < 3);
  });
});

describe('keyBy', () => {
  it('selects the channel owning the key group: keyGroup × n / maxParallelism', () => {
    fc.assert(
      fc.property(
        fc.maxSafeNat(),
        fc.integer({ min: 1, max: 300 }),
        fc.option(fc.integer({ min: 300, max: 32_768 }), { nil: undefined }),
        (key, n, maxParallelism) => {
          const selector = createChannelSelector('keyBy', { maxParallelism });
          selector.setup(n);
          const maxP = maxParallelism ?? defaultMaxParallelism(n);
          const keyGroup = assignToKeyGroup(key, maxP);
          assert.ok(keyGroup >= 0 && keyGroup < maxP);
          const channel = selector.selectChannel(key);
          assert.equal(channel, Math.floor((keyGroup * n) / maxP));
          assert.ok(channel >= 0 && channel < n);
        },
      ),
    );
  });

  it('matches JVM-computed channels and defaults max parallelism from the channel count', () => {
    const selector = new KeyGroupSelector();
    selector.setup(4);
    assert.equal(selector.maxParallelism, 128);
    assert.deepEqual([0, 1, 2, 42, 1000, 4_294_967_295].map((k) => selector.selectChannel(k)), [2, 2, 3, 0, 0, 2]);
    const wide = new KeyGroupSelector(32_768);
    wide.setup(3);
    assert.deepEqual([0, 1, 2, 42, 1000].map((k) => wide.selectChannel(k)), [2, 1, 1, 2, 0]);
  });

  it('maps every key group to a channel below n, each channel owning a contiguous, near-equal range', () => {
    for (const [n, maxP] of [[1, 128], [3, 128], [7, 128], [128, 128], [10, 32_768], [1000, 1024]] as const) {
      const counts = new Array<number>(n).fill(0);
      let previous = 0;
      for (let keyGroup = 0; keyGroup < maxP; keyGroup++) {
        const channel = Math.floor((keyGroup * n) / maxP);
        assert.ok(channel < n && channel >= previous);
        previous = channel;
        counts[channel]!++;
      }
      assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `n=${n} maxP=${maxP}`);
    }
  });

  it('spreads sequential keys over all channels roughly evenly', () => {
    const selector = createChannelSelector('keyBy');
    selector.setup(8);
    const counts = new Array<number>(8).fill(0);
    for (let key = 0; key < 80_000; key++) counts[selector.selectChannel(key)]!++;
    // 128 key groups over 8 channels: 16 groups each; murmur spreads keys over groups within a few percent
    for (const count of counts) assert.ok(count > 8_000 && count < 12_000, `channel count ${count}`);
  });

  it('rejects a max parallelism outside [1, 32768] or below the channel count', () => {
    for (const maxParallelism of [0, 32_769, 2.5]) {
      assert.throws(() => createChannelSelector('keyBy', { maxParallelism }), InvalidConfigError);
    }
    const selector = createChannelSelector('keyBy', { maxParallelism: 4 });
    assert.throws(() => selector.setup(5), /pipeline\.max-parallelism/);
  });
});
