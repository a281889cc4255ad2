/**
 * Turns zod issues into located, readable file issues: the path, the value found, what is allowed, and for an
 * unknown key the nearest known one.
 */
import type { z } from 'zod';
import { editDistance } from '../core/index.js';
import { SourceFile, type FileIssue, type PathSegment } from './source-locations.js';

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

/** The closest candidate within a few edits (or sharing a case-insensitive spelling), else undefined. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, c);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function def(schema: AnySchema): Record<string, unknown> & { type: string } {
  return (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
}

function unwrap(schema: AnySchema): AnySchema {
  let s = schema;
  for (;;) {
    const d = def(s);
    if (['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(d.type)) s = d['innerType'] as AnySchema;
    else if (d.type === 'pipe') s = d['in'] as AnySchema;
    else return s;
  }
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** The union branch that fits `value` best: an object branch for an object (by discriminator or shared keys). */
function pickBranch(options: readonly AnySchema[], value: unknown, discriminator?: string): AnySchema | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const objects: AnySchema[] = [];
  for (const o of options.map(unwrap)) {
    const d = def(o);
    if (d.type === 'object') objects.push(o);
    // a union inside a union (text or a discriminated union of objects): its own best branch competes
    else if (d.type === 'union') {
      const inner = pickBranch(d['options'] as AnySchema[], value, d['discriminator'] as string | undefined);
      if (inner) objects.push(inner);
    }
  }
  const record = value as Record<string, unknown>;
  if (discriminator) {
    return objects.find((o) => {
      const lit = unwrap((def(o)['shape'] as Record<string, AnySchema>)[discriminator]!);
      return (def(lit)['values'] as unknown[] | undefined)?.includes(record[discriminator]);
    });
  }
  let best: AnySchema | undefined;
  let bestShared = -1;
  for (const o of objects) {
    const keys = Object.keys(def(o)['shape'] as object);
    const shared = Object.keys(record).filter((k) => keys.includes(k)).length;
    if (shared > bestShared) {
      bestShared = shared;
      best = o;
    }
  }
  return best;
}

/** The object schema at `path` (following the data through unions), or undefined. */
export function objectSchemaAt(root: AnySchema, path: readonly PathSegment[], data: unknown): AnySchema | undefined {
  let s: AnySchema | undefined = unwrap(root);
  for (let i = 0; i <= path.length && s; i++) {
    const d = def(s);
    if (d.type === 'union') {
      s = pickBranch(d['options'] as AnySchema[], valueAt(data, path.slice(0, i)), d['discriminator'] as string | undefined);
      if (!s) return undefined;
    }
    if (i === path.length) return def(s).type === 'object' ? s : undefined;
    const seg = path[i]!;
    const dd = def(s);
    if (dd.type === 'object') s = (dd['shape'] as Record<string, AnySchema>)[String(seg)];
    else if (dd.type === 'array') s = dd['element'] as AnySchema;
    else if (dd.type === 'record') s = dd['valueType'] as AnySchema;
    else return undefined;
    s = s ? unwrap(s) : undefined;
  }
  return undefined;
}

function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function unionMessage(issue: Issue & { code: 'invalid_union' }, value: unknown): string | undefined {
  if (issue.errors.length === 0) {
    // a discriminated union whose discriminator matched no option
    const options = 'options' in issue ? (issue.options ?? []) : [];
    if (options.length === 0) return issue.message;
    const guess = typeof value === 'string' ? nearest(value, options.map(String)) : undefined;
    return `expected one of ${options.map((v) => JSON.stringify(v)).join(', ')}, got ${shown(value)}${guess ? ` — did you mean "${guess}"?` : ''}`;
  }
  const expected: string[] = [];
  for (const branch of issue.errors) {
    for (const e of branch) {
      if (e.path.length > 0) return undefined;
      if (e.code === 'invalid_type') expected.push(e.expected === 'object' ? 'a mapping' : `a ${e.expected}`);
      else if (e.code === 'invalid_value') expected.push(e.values.map((v) => JSON.stringify(v)).join(' or '));
      else expected.push(e.message);
    }
  }
  return `expected ${[...new Set(expected)].join(', or ')}`;
}

/** Locates every issue, with the value found and, for unknown keys, a suggestion and the allowed keys. */
export function describeIssues(source: SourceFile, schema: AnySchema, issues: readonly Issue[], data: unknown, base: readonly PathSegment[] = []): FileIssue[] {
  const out: FileIssue[] = [];
  for (const issue of issues) {
    const path = [...base, ...(issue.path as PathSegment[])];
    if (issue.code === 'unrecognized_keys') {
      const obj = objectSchemaAt(schema, issue.path as PathSegment[], data);
      const allowed = obj ? Object.keys(def(obj)['shape'] as object).filter((k) => !k.startsWith('$')) : [];
      for (const key of issue.keys) {
        const guess = nearest(key, allowed);
        const hint = guess ? ` — did you mean "${guess}"?` : '';
        out.push(source.locate(path, `unknown key "${key}"${hint}${allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : ''}`, { keyOf: key }));
      }
      continue;
    }
    if (issue.code === 'invalid_union') {
      const value = valueAt(data, issue.path as PathSegment[]);
      const simple = unionMessage(issue, value);
      if (simple !== undefined) {
        out.push(source.locate(path, issue.errors.length === 0 ? simple : `${simple}, got ${shown(value)}`));
        continue;
      }
      // descend into the branch that got furthest (its issues have paths below the union)
      const branch = issue.errors.find((b) => b.some((e) => e.path.length > 0)) ?? issue.errors[0] ?? [];
      out.push(...describeIssues(source, schema, branch.map((e) => ({ ...e, path: [...issue.path, ...e.path] })), data, base));
      continue;
    }
    const value = valueAt(data, issue.path as PathSegment[]);
    let message = issue.message.replace(/^Invalid input: /, '').replace(/^Invalid option: /, '');
    if (issue.code === 'invalid_value' && 'values' in issue) message = `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    if (issue.code === 'invalid_type') message = message.replace(/, received \w+$/, '');
    if (issue.code === 'invalid_type' && value === undefined) message = `required: ${message}`;
    else if (issue.code !== 'custom' || value !== undefined) message = `${message}, got ${shown(value)}`;
    if (issue.code === 'invalid_value' && typeof value === 'string') {
      const guess = nearest(value, issue.values.filter((v): v is string => typeof v === 'string'));
      if (guess !== undefined) message += ` — did you mean "${guess}"?`;
    }
    out.push(source.locate(path, message));
  }
  return out;
}

/** Sorts issues by line and column (issues from flags last). */
export function inFileOrder(issues: readonly FileIssue[]): FileIssue[] {
  return [...issues].sort((a, b) => (a.line || Infinity) - (b.line || Infinity) || a.column - b.column);
}
