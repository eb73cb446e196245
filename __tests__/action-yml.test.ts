/**
 * action.yml is what the runner reads first: it must load under a strict YAML parser, and it must agree with what
 * src/config.ts reads and with the README's tables, defaults included.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { INPUT_NAMES, readConfig } from '../src/config';
import { ACTION_YML, inputEnv, inputReader, parseStrict, readAction } from '../test/action-yml.ts';

const action = readAction();
const G = '12345678-1234-1234-1234-123456789abc';

/** Rows of the first table under `## heading` in the README, as trimmed cells. */
function readmeTable(heading: string): string[][] {
  const lines = readFileSync(resolve('README.md'), 'utf8').split('\n');
  const start = lines.indexOf(`## ${heading}`);
  if (start < 0) throw new Error(`README.md has no '## ${heading}' section`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('## ')) break;
    if (line.startsWith('|')) rows.push(line.slice(1, -1).split(' | ').map((c) => c.trim()));
    else if (rows.length > 0) break;
  }
  return rows.slice(2); // header and separator
}

/** A README name cell: exactly one `name`. */
function nameCell(cell: string | undefined): string {
  const m = /^`([a-z0-9-]+)`$/.exec(cell ?? '');
  if (!m?.[1]) throw new Error(`README: expected one \`name\` per row, got '${cell}'`);
  return m[1];
}

/** What the README's default column says, in action.yml's terms: undefined for "required". */
function readmeDefault(cell: string | undefined): string | undefined {
  if (cell === 'required') return undefined;
  if (cell === "`''`") return '';
  const m = /^`([^`]+)`$/.exec(cell ?? '');
  if (!m) throw new Error(`README: a default is required, \`''\` or \`value\`, got '${cell}'`);
  return m[1];
}

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

describe('action.yml', () => {
  it('loads under a strict parser (no error, no warning, no duplicate key)', () => {
    expect(() => parseStrict(readFileSync(ACTION_YML, 'utf8'), 'action.yml')).not.toThrow();
  });

  it('would refuse the mistake it once had: an unquoted description containing `: `', () => {
    const broken = 'inputs:\n  client-secret:\n    description: Leave empty for OIDC (needs `permissions: id-token: write`).\n';
    expect(() => parseStrict(broken, 'broken.yml')).toThrow(/broken\.yml is not valid YAML/);
  });

  it('runs on node24, from a file that exists', () => {
    expect(action.runs.using).toBe('node24');
    expect(typeof action.runs.main).toBe('string');
    expect(existsSync(resolve(dirname(ACTION_YML), String(action.runs.main)))).toBe(true);
  });

  it('has a name and a description shorter than the Marketplace limit of 125 characters', () => {
    expect(typeof action.name === 'string' && action.name !== '').toBe(true);
    expect(typeof action.description).toBe('string');
    expect(String(action.description).length).toBeGreaterThan(0);
    expect(String(action.description).length).toBeLessThan(125);
  });

  it('describes every input and output', () => {
    for (const [name, input] of [...Object.entries(action.inputs), ...Object.entries(action.outputs)]) {
      expect([name, typeof input.description === 'string' && input.description.trim() !== '']).toEqual([name, true]);
    }
  });

  it('gives every input either `required: true` and no default, or a default (so the runner always passes it)', () => {
    for (const [name, input] of Object.entries(action.inputs)) {
      const required = input.required === true;
      expect([name, required, input.default === undefined]).toEqual([name, required, required]);
      if (!required) expect([name, typeof input.default]).toEqual([name, 'string']);
    }
  });
});

describe('action.yml, src/config.ts and the README agree', () => {
  it('declares exactly the inputs config.ts lists', () => {
    expect(sorted(Object.keys(action.inputs))).toEqual(sorted(INPUT_NAMES));
  });

  it('config.ts reads every input it lists, and no other', () => {
    const read = new Set<string>();
    const env = { GITHUB_REPOSITORY: 'octo/app', ...inputEnv({ 'tenant-id': G, 'client-id': G, 'app-name': 'billing', 'github-token': 'ghp_x' }) };
    const recording = new Proxy(env, {
      get(target, key, receiver) {
        if (typeof key === 'string' && key.startsWith('INPUT_')) read.add(key);
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    readConfig(inputReader(recording), recording);
    expect(sorted(read)).toEqual(sorted(INPUT_NAMES.map((n) => `INPUT_${n.toUpperCase()}`)));
  });

  it("lists every input once in the README's inputs table, with action.yml's default", () => {
    const rows = readmeTable('Inputs');
    const names = rows.map((r) => nameCell(r[0]));
    expect(sorted(names)).toEqual(sorted(Object.keys(action.inputs)));
    expect(new Set(names).size).toBe(names.length);
    for (const row of rows) {
      const name = nameCell(row[0]);
      expect([name, readmeDefault(row[1])]).toEqual([name, action.inputs[name]?.default]);
      expect([name, (row[2] ?? '') !== '']).toEqual([name, true]);
    }
  });

  it("lists every output once in the README's outputs table", () => {
    const names = readmeTable('Outputs').map((r) => nameCell(r[0]));
    expect(sorted(names)).toEqual(sorted(Object.keys(action.outputs)));
    expect(new Set(names).size).toBe(names.length);
  });
});
