/** `noop` (spec/toxiproxy-api.md §2.4.9): passes data through; handy in tests. */
import { ToxicStage } from '../toxic-stage.js';

export class NoopStage extends ToxicStage {}
