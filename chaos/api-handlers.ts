/**
 * The Toxiproxy API operations (spec/toxiproxy-api.md §1.3-§1.4): each takes the path parameters and the raw
 * request body, checks in Toxiproxy's order (proxy and toxic existence before the body is read), and returns
 * the status and JSON value to send. Failures are thrown as {@link ApiError}.
 */
import { ApiError, HTTP_BAD_REQUEST, HTTP_CONFLICT, HTTP_NOT_FOUND, badRequestBody } from './api-error.js';
import { GoJsonError, goKindOf, goMarshal, parseGoJson, type JsonValue } from './go-json.js';
import { boolField, decodeStruct, numberField, stringField, type DecodedField } from './json-decode.js';
import type { ProxyRegistry, ProxySpec } from './proxy-registry.js';
import { ToxicState } from './toxic-state.js';
import {
  TOXIC_STRUCT_NAMES,
  attributeFields,
  defaultAttributes,
  isToxicType,
  parseDirection,
  unsafeAttributesReason,
  type ToxicType,
} from './toxic-types.js';

/** The version `/version` reports: flowlab implements Toxiproxy 2.12.0 behaviour. */
export const TOXIPROXY_COMPATIBLE_VERSION = '2.12.0';

const HTTP_OK = 200;
const HTTP_CREATED = 201;
const HTTP_NO_CONTENT = 204;

/** What a handler answers: a status and either pre-serialised JSON text or nothing (204). */
export interface ApiResult {
  readonly status: number;
  readonly json?: string;
}

/** Runs a decoding step, turning Go decoder failures into `400 bad request body: …`. */
function asBadRequest<T>(decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof GoJsonError) throw badRequestBody(error.message);
    throw error;
  }
}

/** Decodes a body: Go-JSON parse plus struct decoding. */
function decodeBody<T>(body: string, decode: (value: JsonValue) => T): T {
  return asBadRequest(() => decode(parseGoJson(body)));
}

const PROXY_FIELDS = [
  { key: 'name', type: 'string' },
  { key: 'listen', type: 'string' },
  { key: 'upstream', type: 'string' },
  { key: 'enabled', type: 'bool' },
] as const;

function proxySpecFrom(fields: Map<string, DecodedField>): ProxySpec {
  return {
    name: stringField(fields, 'name', ''),
    listen: stringField(fields, 'listen', ''),
    upstream: stringField(fields, 'upstream', ''),
    enabled: boolField(fields, 'enabled', true),
  };
}

function ok(value: unknown, status = HTTP_OK): ApiResult {
  return { status, json: goMarshal(value) };
}

export class ApiHandlers {
  constructor(private readonly registry: ProxyRegistry) {}

  /** GET /proxies: an object keyed by name, keys in Go's sorted order (written by hand: JS would put numeric keys first). */
  listProxies(): ApiResult {
    const parts = this.registry.list().map((p) => `${goMarshal(p.name)}:${goMarshal(p)}`);
    return { status: HTTP_OK, json: `{${parts.join(',')}}` };
  }

  /** POST /proxies. */
  async createProxy(body: string): Promise<ApiResult> {
    const spec = decodeBody(body, (v) => proxySpecFrom(decodeStruct(v, 'Proxy', 'toxiproxy.Proxy', PROXY_FIELDS)));
    if (spec.name === '') throw new ApiError(HTTP_BAD_REQUEST, 'missing required field: name');
    if (spec.upstream === '') throw new ApiError(HTTP_BAD_REQUEST, 'missing required field: upstream');
    return ok(await this.registry.create(spec), HTTP_CREATED);
  }

  /** POST /populate; on failure the error body also carries the proxies stored before it. */
  async populate(body: string): Promise<ApiResult> {
    let specs: ProxySpec[];
    try {
      specs = decodeBody(body, (value) => {
        if (value === null) return [];
        if (!Array.isArray(value)) {
          throw new GoJsonError(`json: cannot unmarshal ${goKindOf(value)} into Go value of type []toxiproxy.Proxy`);
        }
        return value.map((item) => proxySpecFrom(decodeStruct(item, 'Proxy', 'toxiproxy.Proxy', PROXY_FIELDS)));
      });
    } catch (error) {
      throw withProxies(error, null);
    }
    let outcome;
    try {
      outcome = await this.registry.populate(specs);
    } catch (error) {
      throw withProxies(error, null);
    }
    const proxies = outcome.proxies.length > 0 ? outcome.proxies : null;
    if (outcome.error) throw withProxies(outcome.error, proxies);
    return ok({ proxies }, HTTP_CREATED);
  }

  /** GET /proxies/{proxy}. */
  getProxy(name: string): ApiResult {
    return ok(this.registry.get(name));
  }

  /** POST|PATCH /proxies/{proxy}: decoded over the current values; a name in the body is ignored. */
  async updateProxy(name: string, body: string): Promise<ApiResult> {
    const proxy = this.registry.get(name);
    const fields = decodeBody(body, (v) => decodeStruct(v, 'Proxy', 'toxiproxy.Proxy', PROXY_FIELDS));
    await this.registry.update(proxy, {
      listen: stringField(fields, 'listen', proxy.listen),
      upstream: stringField(fields, 'upstream', proxy.upstream),
      enabled: boolField(fields, 'enabled', proxy.enabled),
    });
    return ok(proxy);
  }

  /** DELETE /proxies/{proxy}. */
  deleteProxy(name: string): ApiResult {
    this.registry.delete(name);
    return { status: HTTP_NO_CONTENT };
  }

  /** GET /proxies/{proxy}/toxics: upstream toxics first, then downstream. */
  listToxics(proxyName: string): ApiResult {
    return ok(this.registry.get(proxyName).toxics.list());
  }

  /** POST /proxies/{proxy}/toxics (answers 200, not 201). */
  createToxic(proxyName: string, body: string): ApiResult {
    const proxy = this.registry.get(proxyName);
    const fields = decodeBody(body, (v) =>
      decodeStruct(v, 'Toxic', 'toxiproxy.ToxicWrapper', [
        { key: 'name', type: 'string' },
        { key: 'type', type: 'string' },
        { key: 'stream', type: 'string' },
        { key: 'toxicity', type: 'float32' },
        { key: 'attributes', type: 'raw' },
      ]),
    );
    const stream = stringField(fields, 'stream', 'downstream');
    const direction = parseDirection(stream);
    if (direction === undefined) throw new ApiError(HTTP_BAD_REQUEST, 'stream was invalid, can be either upstream or downstream');
    const typeName = stringField(fields, 'type', '');
    const name = stringField(fields, 'name', '') || `${typeName}_${stream}`;
    if (!isToxicType(typeName)) throw new ApiError(HTTP_BAD_REQUEST, 'invalid toxic type');
    if (proxy.toxics.get(name)) throw new ApiError(HTTP_CONFLICT, 'toxic already exists');
    const attributes = { ...defaultAttributes(typeName), ...decodeAttributes(typeName, fields.get('attributes') ?? null) };
    rejectUnsafe(typeName, attributes);
    const toxic = new ToxicState(name, typeName, stream, direction, numberField(fields, 'toxicity', 1), attributes);
    proxy.addToxic(toxic);
    return ok(toxic);
  }

  /** GET /proxies/{proxy}/toxics/{toxic}. */
  getToxic(proxyName: string, toxicName: string): ApiResult {
    return ok(this.toxicOf(proxyName, toxicName));
  }

  /** POST|PATCH /proxies/{proxy}/toxics/{toxic}: attributes merge, toxicity if present; name/type/stream ignored. */
  updateToxic(proxyName: string, toxicName: string, body: string): ApiResult {
    const proxy = this.registry.get(proxyName);
    const toxic = this.toxicOf(proxyName, toxicName);
    const fields = decodeBody(body, (v) =>
      decodeStruct(v, 'Toxic', 'toxiproxy.ToxicWrapper', [
        { key: 'toxicity', type: 'float32' },
        { key: 'attributes', type: 'raw' },
      ]),
    );
    const attributes = { ...toxic.attributes, ...decodeAttributes(toxic.type, fields.get('attributes') ?? null) };
    rejectUnsafe(toxic.type, attributes);
    toxic.attributes = attributes;
    toxic.toxicity = numberField(fields, 'toxicity', toxic.toxicity);
    proxy.toxicUpdated(toxic);
    return ok(toxic);
  }

  /** DELETE /proxies/{proxy}/toxics/{toxic}. */
  deleteToxic(proxyName: string, toxicName: string): ApiResult {
    const proxy = this.registry.get(proxyName);
    proxy.removeToxic(this.toxicOf(proxyName, toxicName));
    return { status: HTTP_NO_CONTENT };
  }

  /** POST /reset. */
  async reset(): Promise<ApiResult> {
    await this.registry.reset();
    return { status: HTTP_NO_CONTENT };
  }

  private toxicOf(proxyName: string, toxicName: string): ToxicState {
    const toxic = this.registry.get(proxyName).toxics.get(toxicName);
    if (!toxic) throw new ApiError(HTTP_NOT_FOUND, 'toxic not found');
    return toxic;
  }
}

function decodeAttributes(type: ToxicType, raw: DecodedField): Record<string, number> {
  const struct = TOXIC_STRUCT_NAMES[type];
  const fields = asBadRequest(() => decodeStruct(raw as JsonValue, struct, `toxics.${struct}`, attributeFields(type)));
  const out: Record<string, number> = {};
  for (const [key, v] of fields) if (typeof v === 'number') out[key] = v;
  return out;
}

/** 400 for attributes the Go server would crash on (see {@link unsafeAttributesReason}). */
function rejectUnsafe(type: ToxicType, attributes: Record<string, number>): void {
  const reason = unsafeAttributesReason(type, attributes);
  if (reason !== undefined) throw new ApiError(HTTP_BAD_REQUEST, `invalid toxic attributes: ${reason}`);
}

/** An error for populate, which carries `proxies` in its body. */
export class PopulateError extends ApiError {
  constructor(
    cause: ApiError,
    readonly proxies: unknown[] | null,
  ) {
    super(cause.status, cause.message, { cause });
  }
}

function withProxies(error: unknown, proxies: unknown[] | null): unknown {
  return error instanceof ApiError ? new PopulateError(error, proxies) : error;
}
