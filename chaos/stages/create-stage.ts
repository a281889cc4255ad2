/** Builds the stage that runs a toxic of a given type on one link. */
import type { StageContext, ToxicStage } from '../toxic-stage.js';
import type { ToxicState } from '../toxic-state.js';
import { BandwidthStage } from './bandwidth-stage.js';
import { LatencyStage } from './latency-stage.js';
import { LimitDataStage } from './limit-data-stage.js';
import { NoopStage } from './noop-stage.js';
import { ResetPeerStage } from './reset-peer-stage.js';
import { SlicerStage } from './slicer-stage.js';
import { SlowCloseStage } from './slow-close-stage.js';
import { TimeoutStage } from './timeout-stage.js';

export function createStage(toxic: ToxicState, ctx: StageContext): ToxicStage {
  switch (toxic.type) {
    case 'latency':
      return new LatencyStage(toxic, ctx);
    case 'bandwidth':
      return new BandwidthStage(toxic, ctx);
    case 'slow_close':
      return new SlowCloseStage(toxic, ctx);
    case 'timeout':
      return new TimeoutStage(toxic, ctx);
    case 'reset_peer':
      return new ResetPeerStage(toxic, ctx);
    case 'slicer':
      return new SlicerStage(toxic, ctx);
    case 'limit_data':
      return new LimitDataStage(toxic, ctx);
    case 'noop':
      return new NoopStage(toxic, ctx);
  }
}
