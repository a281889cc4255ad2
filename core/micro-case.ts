/**
 * One micro-benchmark case (`flowlab bench micro`): `run` does `opsPerRun` operations of one component and is what
 * tinybench times; `check` reads what the last `run` produced and throws {@link MicroCheckError} if it is wrong, so a
 * benchmark of code that does nothing cannot pass. Case names are stable keys (baselines are stored under them).
 */
import { FlowlabError } from './errors.js';

export interface MicroCase {
  /** Stable key, e.g. `serializer-100b`. */
  readonly name: string;
  /** What one operation is, for people (`one 100 B record serialized into a buffer`). */
  readonly operation: string;
  /** Operations per `run` call (small operations are batched so the timer's overhead does not dominate). */
  readonly opsPerRun: number;
  run(): void;
  /** Verifies the output of the last `run`; throws {@link MicroCheckError}. */
  check(): void;
  /** Releases what the case holds (pools, buffers). */
  dispose?(): void;
}

export class MicroCheckError extends FlowlabError {
  constructor(
    readonly caseName: string,
    message: string,
  ) {
    super('ERR_MICRO_CHECK', `micro case ${caseName}: ${message}`);
  }
}

/** Throws {@link MicroCheckError} for `caseName` unless `ok`. */
export function expectMicro(caseName: string, ok: boolean, message: string): void {
  if (!ok) throw new MicroCheckError(caseName, message);
}
