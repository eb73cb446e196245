/**
 * action.yml's input defaults, read at run time from the action's own directory (action.yml sits next to dist/,
 * which holds the bundle). Fleet mode needs them to tell an input the step gives from one the runner filled in.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * `<action>/action.yml`: the bundle is `<action>/dist/index.js`. Built from the module's own path at run time;
 * a literal `new URL('../action.yml', import.meta.url)` would make the bundler copy the file as an asset instead.
 */
function actionFile(): string {
  const bundleDir = dirname(fileURLToPath(import.meta.url));
  return join(dirname(bundleDir), 'action.yml');
}

export function actionDefaults(): Record<string, string> {
  const parsed = parse(readFileSync(actionFile(), 'utf8')) as { inputs?: Record<string, { default?: unknown }> } | null;
  const defaults: Record<string, string> = {};
  for (const [name, input] of Object.entries(parsed?.inputs ?? {})) {
    const value = input.default;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') defaults[name] = String(value);
  }
  return defaults;
}
