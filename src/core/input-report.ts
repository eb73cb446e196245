/**
 * The job summary of a run stopped by bad input, before any request. Apart from report.ts so that the entry
 * chunk, which every run loads, stays small.
 */

/** A fenced text block whose fence is longer than any run of backticks in the text, so nothing breaks out of it. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

/** Every problem, each naming its input. Problems never carry the value of a secret input (config.ts shows plain inputs' only). */
export function inputProblemsMarkdown(problems: readonly string[]): string {
  const count = problems.length === 1 ? 'an input' : `${problems.length} inputs`;
  return [
    '## Entra client secret rotation',
    '',
    `**Result:** ❌ Failed on bad input: fix ${count} of the step. Nothing was sent to Entra ID, Microsoft Graph or GitHub.`,
    '',
    fenced(problems.join('\n')),
    '',
  ].join('\n');
}
