/**
 * One set of rules for values from two places: the step's inputs, or an app entry of the fleet file. A source says
 * what a key holds and where a problem about it is; `Values` applies the rules and collects every problem.
 */
import { Secret } from '../core/secret';

/** One line of a list value, and where a problem about it is. */
export interface Item {
  text: string;
  where: string;
}

export interface ValueSource {
  /** The key's value as text ('' when empty or absent); undefined when a problem with it is already reported. */
  text(key: string): string | undefined;
  /**
   * A list value's entries: lines of a text (the step) or items of a YAML list (the file). Undefined when not
   * given (empty) or already reported; [] for an empty YAML list, which declares "none".
   */
  items(key: string): Item[] | undefined;
  /** Where a problem about the key is: `secret-name`, or `fleet.yml:12: apps[2].secret-name`. */
  where(key: string): string;
  /** How to get a key's default: said after an empty value where the default is not empty. */
  readonly omitHint: string;
  /** The key's value comes from a shared layer (a fleet file's `defaults`), not the entry itself. */
  inherited?(key: string): boolean;
}

export type Env = Readonly<Record<string, string | undefined>>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const GUID_EXAMPLE = 'a GUID like 00000000-0000-0000-0000-000000000000';
const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];

/** An absolute URL, or undefined when the text is not one. */
export function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** Lines of a text with their 1-based numbers; blank lines (normal in YAML block scalars) are skipped. */
export function numberedLines(value: string): Array<{ line: number; text: string }> {
  return value
    .split(/\r?\n/)
    .map((text, i) => ({ line: i + 1, text: text.trim() }))
    .filter((l) => l.text !== '');
}

/** The step's inputs as a source: `read` is @actions/core's getInput (INPUT_<NAME>). */
export function stepSource(read: (name: string) => string): ValueSource {
  return {
    text: (key) => read(key).trim(),
    items: (key) => {
      const lines = numberedLines(read(key));
      return lines.length === 0 ? undefined : lines.map((l) => ({ text: l.text, where: `${key}, line ${l.line}` }));
    },
    where: (key) => key,
    omitHint: 'or leave the input out to use its default',
  };
}

/**
 * Reads values from a source and collects every problem (in `problems`, shared by all sources of a run), so that
 * all are reported at once. Readers return undefined for an empty, a bad or an already reported value.
 */
export class Values {
  readonly problems: string[];
  readonly source: ValueSource;
  readonly #env: Env;

  constructor(source: ValueSource, env: Env, problems: string[]) {
    this.source = source;
    this.#env = env;
    this.problems = problems;
  }

  /** The same rules and problem list over another source (an app entry, a target). */
  withSource(source: ValueSource): Values {
    return new Values(source, this.#env, this.problems);
  }

  /** The key's text; '' when empty, absent or already reported. */
  value(key: string): string {
    return this.source.text(key) ?? '';
  }

  /** Whether the source reported a problem with the key already (the file's schema did). */
  /** The value comes from a shared layer (ValueSource.inherited): a rule about the entry itself may not apply. */
  inherited(key: string): boolean {
    return this.source.inherited?.(key) ?? false;
  }

  reported(key: string): boolean {
    return this.source.text(key) === undefined;
  }

  /** A secret: undefined when empty. Its value never reaches a problem message. */
  secret(key: string): Secret | undefined {
    const v = this.value(key);
    return v === '' ? undefined : new Secret(v);
  }

  /** A variable the runner sets (GITHUB_REPOSITORY, ...), trimmed. */
  environment(name: string): string {
    return (this.#env[name] ?? '').trim();
  }

  /** `where: got 'value', expected …`. Never called with a secret's value. */
  problem(where: string, value: string, expected: string): void {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    this.problems.push(`${where}: got '${shown}', expected ${expected}`);
  }

  /** A problem about a key that is not about one shown value: `where: message`. */
  about(key: string, message: string): void {
    this.problems.push(`${this.source.where(key)}: ${message}`);
  }

  /** A key whose default is not empty: empty is a problem. */
  given(key: string, expected: string): string | undefined {
    if (this.reported(key)) return undefined;
    const v = this.value(key);
    if (v === '') this.problem(this.source.where(key), v, `${expected} (${this.source.omitHint})`);
    return v === '' ? undefined : v;
  }

  guid(key: string, required: boolean): string | undefined {
    const v = this.value(key);
    if (v === '') {
      if (required && !this.reported(key)) this.about(key, `required, expected ${GUID_EXAMPLE}`);
      return undefined;
    }
    if (GUID.test(v)) return v.toLowerCase();
    this.problem(this.source.where(key), v, GUID_EXAMPLE);
    return undefined;
  }

  /** true or false; anything else is a problem, never a silent false. */
  bool(key: string): boolean | undefined {
    const v = this.given(key, 'true or false');
    if (v === undefined) return undefined;
    if (TRUE.includes(v)) return true;
    if (FALSE.includes(v)) return false;
    this.problem(this.source.where(key), v, 'true or false');
    return undefined;
  }

  /** A boolean whose default is '' (not given). */
  optionalBool(key: string): boolean | undefined {
    return this.value(key) === '' ? undefined : this.bool(key);
  }

  whole(key: string, min: number, max: number): number | undefined {
    const expected = `a whole number from ${min} to ${max}`;
    const v = this.given(key, expected);
    if (v === undefined) return undefined;
    if (/^\d+$/.test(v) && Number(v) >= min && Number(v) <= max) return Number(v);
    this.problem(this.source.where(key), v, expected);
    return undefined;
  }

  /** One of the options; `empty` says whether '' is the key's "not given" (its default) or a problem. */
  oneOf<T extends string>(key: string, options: readonly T[], empty: 'not given' | 'problem'): T | undefined {
    const expected = `one of ${options.join(', ')}`;
    const v = empty === 'not given' ? this.value(key) : this.given(key, expected);
    if (v === undefined || v === '') return undefined;
    if ((options as readonly string[]).includes(v)) return v as T;
    this.problem(this.source.where(key), v, expected);
    return undefined;
  }

  /** A list value's entries; undefined when not given (or already reported); [] for an empty YAML list. */
  items(key: string): Item[] | undefined {
    return this.source.items(key);
  }
}
