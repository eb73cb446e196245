/**
 * Entry point. Inputs are checked first, before @azure/identity, the Graph client and the network modules load
 * (main and all it imports are separate chunks of the bundle), so bad input fails fast; then the run. Anything
 * thrown becomes a failed step; bad input also gets its job summary.
 */
import { readConfig } from './config';
import { fail, runnerLog, writeSummary } from './adapters/runner';
import { InputError } from './core/errors';
import { inputProblemsMarkdown } from './core/input-report';

try {
  const config = readConfig(process.env);
  const { main } = await import('./main');
  await main(config);
} catch (error) {
  fail(error instanceof Error ? error.message : `Unexpected failure: ${String(error)}`);
  if (error instanceof InputError) summarise(error);
}

function summarise(error: InputError): void {
  try {
    writeSummary(inputProblemsMarkdown(error.problems));
  } catch (e) {
    runnerLog.warning(`The job summary could not be written: ${e instanceof Error ? e.message : String(e)}`);
  }
}
