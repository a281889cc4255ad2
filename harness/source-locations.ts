/**
 * Where a value sits in a YAML (or JSON) file, so a bad field is reported as `file:line:column` with its path.
 * Also: the located error type every file loader throws, path formatting, and overrides (`--set a.b=v`) applied to
 * the parsed document so errors in overridden values name the flag instead of a line.
 */
import { isMap, isScalar, isSeq, parseDocument, LineCounter, type Document, type Node, type Pair } from 'yaml';
import { FlowlabError } from '../core/index.js';

export type PathSegment = string | number;

/** One problem in a file, located. */
export interface FileIssue {
  readonly file: string;
  /** 1-based; 0 when the value does not come from the file (a flag, a default). */
  readonly line: number;
  readonly column: number;
  /** `faults[1].link`; empty for the whole document. */
  readonly path: string;
  readonly message: string;
  /** Where the value came from when not the file: `--set workload.rate=…`, `--rate`. */
  readonly origin?: string;
}

/** A scenario or suite file that cannot be used; `issues` lists every problem found, in file order. */
export class FileValidationError extends FlowlabError {
  constructor(readonly issues: readonly FileIssue[]) {
    super('ERR_INVALID_FILE', issues.map(formatIssue).join('\n'));
  }
}

export function formatIssue(i: FileIssue): string {
  const where = i.line > 0 ? `${i.file}:${i.line}:${i.column}` : i.origin ? (i.file === '(flags)' ? i.origin : `${i.file} (${i.origin})`) : i.file;
  return `${where}: ${i.path === '' ? '' : `${i.path}: `}${i.message}`;
}

/** `faults[1].link`, `config.execution.buffer-timeout`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

/**
 * Parses `workload.rate`, `faults[1].link`, `config.execution.buffer-timeout` into segments. Under `config` (and the
 * other maps keyed by free text: `placement.slotSharingGroups`, `faults[i].attributes`) the rest is one key.
 */
export function parsePath(text: string, freeKeyMaps: readonly string[] = ['config', 'placement.slotSharingGroups']): PathSegment[] {
  const out: PathSegment[] = [];
  let rest = text.trim();
  while (rest !== '') {
    const prefix = formatPath(out);
    if (freeKeyMaps.includes(prefix) && out.length > 0) {
      out.push(rest.replace(/^\./, ''));
      break;
    }
    const m = /^\.?([^.[\]]+)|^\[(\d+)\]/.exec(rest);
    if (!m) throw new FlowlabError('ERR_USAGE', `cannot read the path ${JSON.stringify(text)}: use a.b.c or a[0].b`);
    out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
    rest = rest.slice(m[0].length);
  }
  return out;
}

/** A parsed file: the document, its line counter, and which paths were overridden (and by what). */
export class SourceFile {
  private readonly overrides = new Map<string, string>();
  /** The document before the first override, to tell what the file itself holds. */
  private original: Document.Parsed | undefined;

  private constructor(
    readonly file: string,
    readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    /** Where this document's root sits in the file (an inline scenario of a suite: `scenarios[2].scenario`). */
    private readonly prefix: readonly PathSegment[] = [],
  ) {}

  /** Parses YAML or JSON text; syntax errors throw a {@link FileValidationError} with their lines. */
  static parse(file: string, text: string): SourceFile {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      throw new FileValidationError(
        doc.errors.map((e) => {
          // linePos is only filled with prettyErrors; the offset always is
          const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
          return { file, line: pos.line, column: pos.col, path: '', message: `${e.code === 'DUPLICATE_KEY' ? 'duplicate key' : 'YAML syntax error'}: ${e.message.split('\n')[0]}` };
        }),
      );
    }
    if (doc.contents !== null && !isMap(doc.contents)) {
      throw new FileValidationError([{ file, line: 1, column: 1, path: '', message: 'expected a mapping of fields (name: …, description: …)' }]);
    }
    return new SourceFile(file, doc, lines);
  }

  /** A file built from a plain object (flags alone). */
  static fromObject(file: string, value: unknown): SourceFile {
    return SourceFile.parse(file, JSON.stringify(value ?? {}));
  }

  /** An independent copy (overrides do not leak between copies). */
  clone(): SourceFile {
    const copy = new SourceFile(this.file, this.doc.clone() as Document.Parsed, this.lines, this.prefix);
    for (const [k, v] of this.overrides) copy.overrides.set(k, v);
    copy.original = this.original;
    return copy;
  }

  /** An independent copy of the mapping at `path`, whose locations still point into this file. */
  sub(path: readonly PathSegment[]): SourceFile {
    const copy = new SourceFile(this.file, this.doc.clone() as Document.Parsed, this.lines, [...this.prefix, ...path]);
    for (const [k, v] of this.overrides) copy.overrides.set(k, v);
    copy.original = this.original;
    return copy;
  }

  toJS(): Record<string, unknown> {
    const all = this.doc.toJS() as unknown;
    let v = all;
    for (const seg of this.prefix) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[seg] : undefined;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  }

  /** Sets `path` to `value` (parsed as YAML, so `5000` is a number and `10s` a string), remembering the origin. */
  set(path: readonly PathSegment[], value: unknown, origin: string): void {
    this.original ??= this.doc.clone() as Document.Parsed;
    if (this.doc.contents === null) this.doc.contents = this.doc.createNode({}) as never;
    this.doc.setIn([...this.prefix, ...path], this.doc.createNode(value));
    this.overrides.set(formatPath([...this.prefix, ...path]), origin);
  }

  /** Appends `value` to the sequence at `path` (created when missing), remembering the origin of the new item. */
  append(path: readonly PathSegment[], value: unknown, origin: string): void {
    this.original ??= this.doc.clone() as Document.Parsed;
    const existing = this.doc.getIn([...this.prefix, ...path]) as { items?: unknown[] } | undefined;
    const index = existing?.items?.length ?? 0;
    if (index === 0) this.doc.setIn([...this.prefix, ...path], this.doc.createNode([value]));
    else this.doc.addIn([...this.prefix, ...path], this.doc.createNode(value));
    this.overrides.set(formatPath([...this.prefix, ...path, index]), origin);
  }

  private existsInFile(text: string): boolean {
    return (this.original ?? this.doc).getIn(parsePath(text, [])) !== undefined;
  }

  /** Where `path` is: the value's position, the key's for `keyOf`, or the nearest existing ancestor's. */
  locate(relative: readonly PathSegment[], message: string, options: { keyOf?: string } = {}): FileIssue {
    const path = [...this.prefix, ...relative];
    const text = formatPath(options.keyOf !== undefined ? [...path, options.keyOf] : path);
    for (const [overridden, origin] of this.overrides) {
      const under = (a: string, b: string): boolean => a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`);
      if (under(text, overridden) || (text !== '' && under(overridden, text) && !this.existsInFile(text))) {
        return { file: this.file, line: 0, column: 0, path: text, message, origin };
      }
    }
    let node: Node | null = this.doc.contents;
    let offset = node?.range?.[0] ?? 0;
    const segments = options.keyOf !== undefined ? [...path, options.keyOf] : [...path];
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      if (isMap(node)) {
        const pair = (node.items as Array<Pair<Node, Node>>).find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
        if (!pair) break;
        const lastAndKey = options.keyOf !== undefined && i === segments.length - 1;
        offset = (lastAndKey ? pair.key?.range?.[0] : (pair.value?.range?.[0] ?? pair.key?.range?.[0])) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as Node | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else {
        break;
      }
    }
    const pos = this.lines.linePos(offset);
    return { file: this.file, line: pos.line, column: pos.col, path: text, message };
  }
}
