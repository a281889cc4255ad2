/**
 * The JobManager's data-link overrides: per consumer/producer pair, the address a consumer dials instead of the
 * producer's own (a chaos proxy), keyed `data-<consumerTm>-<producerTm>` (or `<consumerTm>-<producerTm>`). Jobs are
 * wired with the overrides current when they are scheduled.
 */
import type { Logger } from '../../core/index.js';
import { isAddress, type Address } from '../job/index.js';
import { HttpError } from './job-manager-rest.js';

export class LinkOverrides {
  private links: Readonly<Record<string, Address>>;

  constructor(
    initial: Readonly<Record<string, Address>>,
    private readonly logger: Logger,
  ) {
    this.links = { ...initial };
  }

  /** The overrides jobs scheduled now are wired with. */
  get current(): Readonly<Record<string, Address>> {
    return this.links;
  }

  /** A copy of the overrides (`GET /links`). */
  snapshot(): Record<string, Address> {
    return { ...this.links };
  }

  /** Replaces every override (`PUT /links`); a body that is not `{ name: {host, port} }` is a 400 naming the link. */
  replace(body: unknown): Record<string, Address> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new HttpError(400, 'ERR_BAD_REQUEST', 'Request body must be an object mapping link names to {host, port}');
    }
    const next: Record<string, Address> = {};
    for (const [name, address] of Object.entries(body)) {
      if (!isAddress(address)) throw new HttpError(400, 'ERR_BAD_REQUEST', `link ${JSON.stringify(name)} needs an address {host, port}, got ${JSON.stringify(address)}`);
      next[name] = { host: address.host, port: address.port };
    }
    this.links = next;
    this.logger.info('link overrides set', { links: Object.keys(next).length });
    return { ...next };
  }
}
