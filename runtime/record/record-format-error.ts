/** The typed error for a record whose bytes (or whose fields, when serializing) break flowlab's record layout. */
import { FlowlabError } from '../../core/index.js';

/** A record length, header field or body that breaks the layout of `record-layout.ts`. Code `ERR_RECORD_FORMAT`. */
export class RecordFormatError extends FlowlabError {
  /** The field that was wrong, e.g. `length`, `key`, `sourceSubtask`. */
  readonly field: string;
  readonly value: number;
  /** What would be accepted, in words. */
  readonly allowed: string;

  constructor(field: string, value: number, allowed: string, options?: { cause?: unknown }) {
    super('ERR_RECORD_FORMAT', `Invalid record ${field} ${value}: expected ${allowed}.`, options);
    this.field = field;
    this.value = value;
    this.allowed = allowed;
  }
}
