/**
 * One toxic as the API knows it: its identity (name, type, stream) and its mutable settings (toxicity,
 * attributes). Live stages hold a reference and re-read the settings when told the toxic changed.
 */
import { TOXIC_ATTRIBUTE_KEYS, type ToxicAttributes, type ToxicDirection, type ToxicType } from './toxic-types.js';

/** The JSON shape of a toxic, keys in the order Toxiproxy emits them (spec/toxiproxy-api.md §1.2). */
export interface ToxicJson {
  attributes: Record<string, number>;
  name: string;
  type: ToxicType;
  stream: string;
  toxicity: number;
}

export class ToxicState {
  /**
   * @param stream the stream as given by the client, original case kept (it is echoed verbatim)
   * @param toxicity probability in [0, 1] that a connection is affected; stored as received, not range-checked
   */
  constructor(
    readonly name: string,
    readonly type: ToxicType,
    readonly stream: string,
    readonly direction: ToxicDirection,
    public toxicity: number,
    public attributes: ToxicAttributes,
  ) {}

  /** An attribute's value (0 when unset). */
  attribute(key: string): number {
    return this.attributes[key] ?? 0;
  }

  toJSON(): ToxicJson {
    const attributes: Record<string, number> = {};
    for (const key of TOXIC_ATTRIBUTE_KEYS[this.type]) attributes[key] = this.attribute(key);
    return { attributes, name: this.name, type: this.type, stream: this.stream, toxicity: this.toxicity };
  }
}
