/**
 * The job summary of a run stopped by bad input, before any request. Apart from report.ts so that the entry
 * chunk, which every run loads, stays small.
 */
import { countProblems } from './errors';

/** A fenced text block whose fence is longer than any run of backticks in the text, so nothing breaks out of it. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

/** `an input` / `2 inputs of the step`, `a problem in the fleet file x` ... */
function whatToFix(problems: readonly string[], file: string | undefined): string {
  const { inFile, inInputs } = countProblems(problems, file);
  const inputs = inInputs === 0 ? '' : inInputs === 1 ? 'an input of the step' : `${inInputs} inputs of the step`;
  const inTheFile = inFile === 0 ? '' : `${inFile === 1 ? 'a problem' : `${inFile} problems`} in the fleet file \`${file ?? ''}\``;
  return [inputs, inTheFile].filter((s) => s !== '').join(' and ');
}

/**
 * Every problem, each naming its input, or its place in the fleet file (`file:line: path`). Problems never carry
 * the value of a secret input (config.ts shows plain inputs' only).
 */
export function inputProblemsMarkdown(problems: readonly string[], file?: string): string {
  const { inFile } = countProblems(problems, file);
  const kind = inFile === 0 ? 'bad input' : inFile === problems.length ? 'a bad fleet file' : 'bad input and a bad fleet file';
  return [
    '## Entra client secret rotation',
    '',
    `**Result:** ❌ Failed on ${kind}: fix ${whatToFix(problems, file)}. Nothing was sent to Entra ID, Microsoft Graph or GitHub.`,
    '',
    fenced(problems.join('\n')),
    '',
  ].join('\n');
}
