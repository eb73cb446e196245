/**
 * Entry point. Inputs are checked first, before the network modules (Octokit, undici, node:http2, node:tls) load,
 * so bad input fails fast: only @actions/core loads before. Then the run. Anything thrown becomes a failed step;
 * bad input also gets its job summary.
 */
import { getInput } from '@actions/core';
import { readConfig } from './config';
import { fail, runnerLog, writeSummary } from './adapters/runner';
import { InputError } from './core/errors';
import { inputProblemsMarkdown } from './core/input-report';

try {
  const config = readConfig(getInput, process.env);
  const { main } = await import('./main');
  await main(config);
} catch (error) {
  fail(error instanceof Error ? error.message : `Unexpected failure: ${String(error)}`);
  if (error instanceof InputError) await summarise(error);
}

async function summarise(error: InputError): Promise<void> {
  try {
    await writeSummary(inputProblemsMarkdown(error.problems));
  } catch (e) {
    runnerLog.warning(`The job summary could not be written: ${e instanceof Error ? e.message : String(e)}`);
  }
}
