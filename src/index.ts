/**
 * Entry point. Inputs are checked first, with only @actions/core loaded; @azure/identity, the Graph client,
 * Octokit and undici load after (main and all it imports are separate chunks of the bundle), so bad input fails
 * fast. Then the run. Anything thrown becomes a failed step; bad input also gets its job summary.
 */
import { getInput } from '@actions/core';
import { actionDefaults } from './adapters/action-defaults';
import { readConfig } from './config';
import { fail, runnerLog, writeSummary } from './adapters/runner';
import { InputError } from './core/errors';
import { inputProblemsMarkdown } from './core/input-report';

try {
  const config = readConfig(getInput, process.env, getInput('config') === '' ? undefined : actionDefaults());
  const { main } = await import('./main');
  await main(config);
} catch (error) {
  fail(error instanceof Error ? error.message : `Unexpected failure: ${String(error)}`);
  if (error instanceof InputError) await summarise(error);
}

async function summarise(error: InputError): Promise<void> {
  try {
    await writeSummary(inputProblemsMarkdown(error.problems, error.file));
  } catch (e) {
    runnerLog.warning(`The job summary could not be written: ${e instanceof Error ? e.message : String(e)}`);
  }
}
