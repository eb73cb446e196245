/**
 * The fleet file as parsed YAML that remembers lines: every problem names `file:line: path.to.key`, and an app entry
 * or a target is a value source for the same rules as the step's inputs.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';
import { numberedLines, type Item, type ValueSource } from './values';

export type Path = ReadonlyArray<string | number>;

/** `apps[2].targets[0].visibility` */
export function pathText(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

export class FleetDoc {
  readonly file: string;
  readonly doc: Document;
  readonly #lines: LineCounter;
  /** JSON pointers of values the schema already reported: the rules skip them, so nothing is said twice. */
  readonly reported = new Set<string>();
  /** JSON pointers of keys the schema does not know: reported, and then taken as absent. */
  readonly unknown = new Set<string>();

  constructor(file: string, text: string) {
    this.file = file;
    this.#lines = new LineCounter();
    this.doc = parseDocument(text, { lineCounter: this.#lines, uniqueKeys: true, prettyErrors: true });
  }

  /** YAML syntax problems, each `file:line: message`. */
  syntaxProblems(): string[] {
    return [...this.doc.errors, ...this.doc.warnings].map((e) => `${this.file}:${e.linePos?.[0].line ?? 1}: ${e.message.split('\n')[0] ?? ''}`);
  }

  /** The node at a path (undefined when absent), and the line of its key (or item, or nearest present parent). */
  locate(path: Path): { node: unknown; line: number } {
    let node: unknown = this.doc.contents;
    let line = this.lineOf(node) ?? 1;
    for (const segment of path) {
      if (isMap(node)) {
        const pair: Pair | undefined = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : p.key) === segment);
        if (pair === undefined) return { node: undefined, line };
        line = this.lineOf(pair.key) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
        line = this.lineOf(node) ?? line;
      } else return { node: undefined, line };
    }
    return { node, line };
  }

  /** `file:line: apps[0].secret-name` */
  where(path: Path): string {
    return `${this.file}:${this.locate(path).line}: ${pathText(path)}`;
  }

  isReported(path: Path): boolean {
    for (let i = path.length; i >= 0; i--) {
      if (this.reported.has(pointer(path.slice(0, i)))) return true;
    }
    return false;
  }

  lineOf(node: unknown): number | undefined {
    const range = (node as Node | null | undefined)?.range;
    return range ? this.#lines.linePos(range[0]).line : undefined;
  }
}

/** A JSON pointer, as Ajv's instancePath. */
export function pointer(path: Path): string {
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** A scalar's text: YAML numbers and booleans as written in an input; null as ''. */
function scalarText(node: unknown): string {
  if (!isScalar(node)) return '';
  const v = node.value;
  if (typeof v === 'string') return v.trim();
  return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : '';
}

/**
 * A mapping of the file as a value source: each key is looked up in `layers` in turn (an app entry, then
 * `defaults`), then in `fallback` (action.yml's defaults, as for an input the step leaves out).
 */
export function mapSource(doc: FleetDoc, layers: readonly Path[], fallback: Readonly<Record<string, string>>): ValueSource {
  const find = (key: string): Path | undefined =>
    layers.map((l) => [...l, key]).find((p) => !doc.unknown.has(pointer(p)) && doc.locate(p).node !== undefined);
  const own = layers[0] ?? [];
  return {
    text: (key) => {
      const path = find(key);
      // Absent: a missing required key is already reported; any other gets its default.
      if (path === undefined) return doc.isReported([...own, key]) ? undefined : (fallback[key] ?? '').trim();
      if (doc.isReported(path)) return undefined;
      const { node } = doc.locate(path);
      return isSeq(node) ? node.items.map(scalarText).join('\n') : scalarText(node);
    },
    items: (key) => {
      const path = find(key);
      return path === undefined || doc.isReported(path) ? undefined : itemsAt(doc, path);
    },
    where: (key) => doc.where(find(key) ?? [...own, key]),
    inherited: (key) => {
      const path = find(key);
      return path !== undefined && (path.length !== own.length + 1 || own.some((part, i) => path[i] !== part));
    },
    omitHint: 'or leave the key out to use the default',
  };
}

/** A YAML list's items (each with its own line), or a text's lines. */
function itemsAt(doc: FleetDoc, path: Path): Item[] | undefined {
  const { node } = doc.locate(path);
  if (isSeq(node)) {
    return node.items.flatMap((item, i) => {
      const itemPath = [...path, i];
      const text = scalarText(item);
      return doc.isReported(itemPath) || text === '' ? [] : [{ text, where: doc.where(itemPath) }];
    });
  }
  const lines = numberedLines(isScalar(node) && typeof node.value === 'string' ? node.value : '');
  return lines.length === 0 ? undefined : lines.map((l) => ({ text: l.text, where: `${doc.where(path)}, line ${l.line}` }));
}
