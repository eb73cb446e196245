/**
 * Entry point. Inputs are checked first, with nothing heavy loaded, so bad input fails fast; then the run.
 * Anything thrown becomes a failed step.
 */
import { readConfig } from './config';
import { fail } from './adapters/runner';
import { main } from './main';

try {
  await main(readConfig(process.env));
} catch (error) {
  fail(error instanceof Error ? error.message : `Unexpected failure: ${String(error)}`);
}
