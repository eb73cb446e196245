/**
 * The one command line `npm run emulator` prints: `env NAME=value ... node dist/index.js`, with every variable a
 * runner would give the step (every INPUT_* action.yml declares, with its default unless given). Passed through
 * `env` and not exported, so the shell's own environment (its CA bundle for npm, say) is never changed; `env` also
 * takes the hyphenated INPUT_ names, which `export` refuses.
 */
import { inputEnv, readAction } from '../test/action-yml.ts';

/** Single-quotes a word for sh: safe whatever it holds. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface RunFiles {
  /** GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and RUNNER_TEMP, as a runner gives them. */
  output: string;
  summary: string;
  runnerTemp: string;
}

/**
 * `runnerEnv`: what the runner sets besides the inputs (NODE_EXTRA_CA_CERTS, GITHUB_API_URL, GITHUB_REPOSITORY...);
 * `inputs`: what a workflow step would give under `with:`.
 */
export function actionCommand(runnerEnv: Readonly<Record<string, string>>, files: RunFiles, inputs: Readonly<Record<string, string>>, entry = 'dist/index.js'): string {
  const env: Record<string, string> = {
    ...runnerEnv,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: files.runnerTemp,
    GITHUB_ACTIONS: 'true',
  };
  // In action.yml's order, as a person reading the line looks for them.
  const given = inputEnv(inputs);
  for (const name of Object.keys(readAction().inputs)) {
    const variable = `INPUT_${name.toUpperCase()}`;
    const value = given[variable];
    if (value !== undefined) env[variable] = value;
  }
  const assignments = Object.entries(env).map(([k, v]) => shellQuote(`${k}=${v}`));
  return ['env', ...assignments, 'node', shellQuote(entry)].join(' ');
}
