/**
 * flowlab's coded error hierarchy. Every error thrown by flowlab is a {@link FlowlabError} with a stable
 * `code` that scripts and tests may rely on; `cause` keeps the underlying error.
 */
export class FlowlabError extends Error {
  /** Stable, machine-readable code, e.g. `ERR_INVALID_CONFIG`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A config value (a Flink key) that is unknown, ill-typed, out of range or inconsistent with another key. */
export class InvalidConfigError extends FlowlabError {
  readonly key: string;
  readonly value: unknown;
  /** What would be accepted, in words (e.g. `a memory size such as 32kb, between 256b and 32mb`). */
  readonly allowed: string;

  constructor(key: string, value: unknown, allowed: string, options?: { cause?: unknown; detail?: string }) {
    const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
    const detail = options?.detail ? ` ${options.detail}` : '';
    super('ERR_INVALID_CONFIG', `Invalid value ${shown} for config key '${key}': expected ${allowed}.${detail}`, options);
    this.key = key;
    this.value = value;
    this.allowed = allowed;
  }
}

/** The global network buffer pool cannot satisfy the guaranteed (minimum) buffers that were requested. */
export class InsufficientBuffersError extends FlowlabError {
  readonly required: number;
  readonly available: number;
  readonly totalBuffers: number;
  readonly segmentSizeBytes: number;

  constructor(required: number, available: number, totalBuffers: number, segmentSizeBytes: number) {
    super(
      'ERR_INSUFFICIENT_BUFFERS',
      `Insufficient number of network buffers: required ${required}, but only ${available} available. ` +
        `The total number of network buffers is currently set to ${totalBuffers} of ${segmentSizeBytes} bytes each. ` +
        `You can increase this number by setting the configuration keys 'taskmanager.memory.network.fraction', ` +
        `'taskmanager.memory.network.min', and 'taskmanager.memory.network.max'.`,
    );
    this.required = required;
    this.available = available;
    this.totalBuffers = totalBuffers;
    this.segmentSizeBytes = segmentSizeBytes;
  }
}

/** A frame or message on a data or control connection broke the protocol. Names the connection and channel. */
export class ProtocolError extends FlowlabError {
  /** e.g. `127.0.0.1:40112 -> 127.0.0.1:39021` */
  readonly connection: string;
  /** Hex input-channel id when the error concerns one logical channel; undefined when it is connection-wide. */
  readonly channel: string | undefined;

  constructor(code: string, message: string, connection: string, channel?: string, options?: { cause?: unknown }) {
    super(code, `${message} (connection ${connection}${channel ? `, channel ${channel}` : ''})`, options);
    this.connection = connection;
    this.channel = channel;
  }
}

/** A component was used in a state that does not allow the operation (e.g. a destroyed pool). */
export class IllegalStateError extends FlowlabError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_ILLEGAL_STATE', message, options);
  }
}

/** Turns anything caught into an Error (we never throw non-Errors, but dependencies might). */
export function toError(value: unknown): Error {
  if (!(value instanceof Error)) return new Error(String(value));
  if (value.message !== '') return value;
  // e.g. Node's AggregateError for a connection refused on every address: the message is empty, the parts are not
  const parts = value instanceof AggregateError ? value.errors.map((e: unknown) => (e instanceof Error ? e.message : String(e))).filter((m) => m !== '') : [];
  const code = (value as NodeJS.ErrnoException).code;
  const message = parts.length > 0 ? parts.join('; ') : (code ?? value.name);
  return new Error(message, { cause: value });
}
