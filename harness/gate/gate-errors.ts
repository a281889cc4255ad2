/** Errors of `flowlab gate` and `flowlab baseline`: each names the flag, file or field that is wrong. */
import { FlowlabError } from '../../core/index.js';

/** A results path, baseline file or option that cannot be used (exit 2). */
export class GateInputError extends FlowlabError {
  constructor(
    /** The flag or argument at fault, e.g. `--baseline` or `<results>`. */
    readonly flag: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('ERR_GATE_INPUT', `${flag}: ${message}`, options);
  }
}

/** A baseline or verdict document that does not match its schema; `field` is the first offending path. */
export class GateDocumentError extends FlowlabError {
  constructor(
    readonly file: string,
    readonly field: string,
    message: string,
  ) {
    super('ERR_GATE_DOCUMENT', `${file}: ${field === '' ? '' : `${field}: `}${message}`);
  }
}
