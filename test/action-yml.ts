/**
 * action.yml as the runner reads it: parsed strictly (any YAML error or warning is fatal, as the runner refuses a
 * file it cannot load), and the INPUT_* variables the runner derives from it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, parseDocument } from 'yaml';

export interface ActionInput {
  description?: unknown;
  required?: unknown;
  default?: unknown;
}

export interface ActionDefinition {
  name?: unknown;
  description?: unknown;
  inputs: Record<string, ActionInput>;
  outputs: Record<string, { description?: unknown }>;
  runs: { using?: unknown; main?: unknown };
}

/** npm scripts and jest both run from the package root. */
export const ACTION_YML = resolve('action.yml');

const STRICT = { strict: true, uniqueKeys: true } as const;

/** Parses YAML text, throwing on any error or warning, with the file name and every message. */
export function parseStrict(text: string, file: string): unknown {
  const doc = parseDocument(text, STRICT);
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) throw new Error(`${file} is not valid YAML:\n${problems.map((p) => p.message).join('\n')}`);
  return parse(text, STRICT);
}

let cached: ActionDefinition | undefined;

export function readAction(): ActionDefinition {
  if (cached) return cached;
  const parsed = parseStrict(readFileSync(ACTION_YML, 'utf8'), 'action.yml') as Partial<ActionDefinition> | null;
  if (parsed === null || typeof parsed !== 'object') throw new Error('action.yml: expected a mapping');
  cached = { inputs: {}, outputs: {}, runs: {}, ...parsed };
  return cached;
}

/** Each declared input that has a default, with the default as the runner passes it (a string). */
export function inputDefaults(): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const [name, input] of Object.entries(readAction().inputs)) {
    const value = input.default;
    if (value === undefined || value === null) continue;
    // The runner passes a YAML scalar as its text.
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw new Error(`action.yml: ${name}: default is not a scalar`);
    defaults[name] = String(value);
  }
  return defaults;
}

/**
 * The INPUT_<NAME> variables a runner sets for a step: every declared input with its default, then the values the
 * step gives (`undefined`: the default). A name action.yml does not declare is a mistake in the test.
 */
export function inputEnv(given: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const declared = readAction().inputs;
  const values: Record<string, string> = inputDefaults();
  for (const [name, value] of Object.entries(given)) {
    if (!Object.hasOwn(declared, name)) throw new Error(`'${name}' is not an input of action.yml`);
    if (value !== undefined) values[name] = value;
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) env[inputVariable(name)] = value;
  return env;
}

/** The variable a runner passes an input in. */
const inputVariable = (name: string): string => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;

/**
 * Reads inputs from variables as @actions/core's getInput does (the action passes getInput itself to readConfig;
 * @actions/core is ESM-only and jest here loads CommonJS).
 */
export function inputReader(env: Readonly<Record<string, string | undefined>>): (name: string) => string {
  return (name) => (env[inputVariable(name)] ?? '').trim();
}
