/**
 * A proxy's toxics: one chain per direction in creation order (spec/toxiproxy-api.md §2.1), names unique across
 * both. Listing gives all upstream toxics first, then all downstream ones (§1.4.7).
 */
import type { ToxicState } from './toxic-state.js';
import type { ToxicDirection } from './toxic-types.js';

export class ToxicCollection {
  private readonly chains: Record<ToxicDirection, ToxicState[]> = { upstream: [], downstream: [] };

  get(name: string): ToxicState | undefined {
    return this.chains.upstream.find((t) => t.name === name) ?? this.chains.downstream.find((t) => t.name === name);
  }

  /** The chain of one direction, in order. */
  chain(direction: ToxicDirection): readonly ToxicState[] {
    return this.chains[direction];
  }

  /** Upstream toxics, then downstream ones. */
  list(): ToxicState[] {
    return [...this.chains.upstream, ...this.chains.downstream];
  }

  add(toxic: ToxicState): void {
    this.chains[toxic.direction].push(toxic);
  }

  remove(toxic: ToxicState): void {
    const chain = this.chains[toxic.direction];
    const index = chain.indexOf(toxic);
    if (index >= 0) chain.splice(index, 1);
  }
}
