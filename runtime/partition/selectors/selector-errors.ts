/** Typed errors of the channel selectors. */
import { FlowlabError } from '../../../core/index.js';

/** `createChannelSelector` was asked for a kind it does not know. Code `ERR_UNKNOWN_CHANNEL_SELECTOR`. */
export class UnknownChannelSelectorError extends FlowlabError {
  readonly kind: string;

  constructor(kind: string, known: readonly string[]) {
    super(
      'ERR_UNKNOWN_CHANNEL_SELECTOR',
      `Unknown channel selector kind ${JSON.stringify(kind)}: expected one of ${known.map((k) => `'${k}'`).join(', ')}.`,
    );
    this.kind = kind;
  }
}
