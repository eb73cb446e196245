/**
 * The fleet file's shape, checked with the JSON Schema the repository ships (fleet.schema.json, the one editors use
 * too), each error said as `file:line: path: expected …, got …`.
 */
import { Ajv, type ErrorObject } from 'ajv';
import schema from '../../fleet.schema.json';
import { editDistance } from '../core/text';
import { pointer, type FleetDoc, type Path } from './fleet-doc';

/** An empty value in the file, in the schema's words and the rules' alike. */
export const EMPTY_EXPECTED = 'expected a value (an empty one means nothing: leave the key out to use its default)';

let compiled: ReturnType<Ajv['compile']> | undefined;

function validator(): ReturnType<Ajv['compile']> {
  compiled ??= new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true }).compile(schema);
  return compiled;
}

/** Checks the document against the schema; returns the problems and marks what they cover as reported. */
export function schemaProblems(doc: FleetDoc, data: unknown): string[] {
  const validate = validator();
  if (validate(data)) return [];
  return unique(validate.errors ?? []).map((e) => describe(doc, e));
}

/** Each error once (allErrors can report one through two schema paths). */
function unique(errors: readonly ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

function pathOf(instancePath: string): Path {
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describe(doc: FleetDoc, e: ErrorObject): string {
  const path = pathOf(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      doc.unknown.add(pointer([...path, key]));
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return `${at(doc, [...path, key])}: unknown key${nearest(key, allowed)}; expected one of ${allowed.join(', ')}`;
    }
    case 'required': {
      const key = String(params['missingProperty']);
      doc.reported.add(pointer([...path, key]));
      return `${at(doc, [...path, key])}: required`;
    }
    default:
      doc.reported.add(e.instancePath);
      return `${at(doc, path)}: ${expectation(e)}, got ${shown(e.data)}`;
  }
}

function at(doc: FleetDoc, path: Path): string {
  return path.length === 0 ? `${doc.file}:${doc.locate(path).line}: (top level)` : doc.where(path);
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value)',
};

function expectation(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'enum':
      return `expected ${orList((params['allowedValues'] as unknown[]).filter((v) => typeof v !== 'string' || !['true', 'false'].includes(v)).map(String))}`;
    case 'type':
      return `expected ${orList(String(params['type']).split(',').map((t) => TYPE_WORDS[t] ?? t))}`;
    case 'minimum':
      return `expected at least ${String(params['limit'])}`;
    case 'maximum':
      return `expected at most ${String(params['limit'])}`;
    case 'minLength':
      return EMPTY_EXPECTED;
    case 'minItems':
      return `expected at least ${String(params['limit'])} item${params['limit'] === 1 ? '' : 's'}`;
    default:
      return `expected a value that ${e.message ?? 'matches the schema'}`;
  }
}

/** `a, b or c` */
function orList(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1] ?? ''}`;
}

function shown(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return 'a mapping';
}

/** ` (did you mean x?)` when a known key is within two edits of an unknown one. */
function nearest(key: string, allowed: readonly string[]): string {
  const scored = allowed.map((k) => ({ k, d: editDistance(key.toLowerCase().replace(/_/g, '-'), k) })).sort((a, b) => a.d - b.d);
  const best = scored[0];
  return best !== undefined && best.d <= 2 ? ` (did you mean ${best.k}?)` : '';
}
