/**
 * Binary encoding of operator state for checkpoints: a sequence of tagged sections (numbers and Float64Arrays),
 * written and read in the same order. Opaque to the storage layer.
 */
import { FlowlabError } from '../../core/index.js';

export class StateFormatError extends FlowlabError {
  constructor(message: string) {
    super('ERR_STATE_FORMAT', message);
  }
}

const NUMBER = 1;
const ARRAY = 2;

export class StateWriter {
  private parts: Buffer[] = [];

  number(value: number): this {
    const b = Buffer.allocUnsafe(9);
    b[0] = NUMBER;
    b.writeDoubleBE(value, 1);
    this.parts.push(b);
    return this;
  }

  array(values: Float64Array, length = values.length): this {
    const b = Buffer.allocUnsafe(5 + length * 8);
    b[0] = ARRAY;
    b.writeUInt32BE(length, 1);
    for (let i = 0; i < length; i++) b.writeDoubleBE(values[i]!, 5 + i * 8);
    this.parts.push(b);
    return this;
  }

  toBytes(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

export class StateReader {
  private offset = 0;
  private readonly bytes: Buffer;

  constructor(bytes: Uint8Array) {
    this.bytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  number(): number {
    this.expect(NUMBER, 9);
    const v = this.bytes.readDoubleBE(this.offset + 1);
    this.offset += 9;
    return v;
  }

  array(): Float64Array {
    this.expect(ARRAY, 5);
    const length = this.bytes.readUInt32BE(this.offset + 1);
    if (this.offset + 5 + length * 8 > this.bytes.length) throw new StateFormatError(`state array of ${length} numbers is truncated`);
    const out = new Float64Array(length);
    for (let i = 0; i < length; i++) out[i] = this.bytes.readDoubleBE(this.offset + 5 + i * 8);
    this.offset += 5 + length * 8;
    return out;
  }

  private expect(tag: number, size: number): void {
    if (this.offset + size > this.bytes.length) throw new StateFormatError('operator state is truncated');
    if (this.bytes[this.offset] !== tag) throw new StateFormatError(`operator state section ${this.bytes[this.offset]} where ${tag} was expected`);
  }
}
