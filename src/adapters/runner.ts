/**
 * The Actions runner's protocol, written directly: workflow commands on stdout (::add-mask::, ::warning::,
 * ::error::), and the GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files. (@actions/core does the same but takes
 * 3-4 times the start-up of `node -e 0` to load; see the README's performance section.)
 */
import { appendFileSync } from 'node:fs';
import { EOL } from 'node:os';
import type { Log } from '../core/ports';

/** Command data escaping, as the runner decodes it. */
const escapeData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

function command(name: string, message: string): void {
  process.stdout.write(`::${name}::${escapeData(message)}${EOL}`);
}

export const runnerLog: Log = {
  info: (message) => process.stdout.write(`${message}${EOL}`),
  warning: (message) => command('warning', message),
  mask: (value) => {
    if (value === '') return;
    command('add-mask', value);
  },
};

export function setOutputs(outputs: Record<string, string>, env: NodeJS.ProcessEnv = process.env): void {
  const file = env['GITHUB_OUTPUT'];
  if (!file) {
    // Outside a runner (or an old one): the deprecated command still works.
    for (const [name, value] of Object.entries(outputs)) process.stdout.write(`${EOL}::set-output name=${name}::${escapeData(value)}${EOL}`);
    return;
  }
  let text = '';
  for (const [name, value] of Object.entries(outputs)) {
    const delimiter = `ghadelimiter_${globalThis.crypto.randomUUID()}`;
    text += `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`;
  }
  appendFileSync(file, text, { encoding: 'utf8' });
}

export function writeSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = env['GITHUB_STEP_SUMMARY'];
  if (file) appendFileSync(file, `${markdown}${EOL}`, { encoding: 'utf8' });
}

export function fail(message: string): void {
  command('error', message);
  process.exitCode = 1;
}
