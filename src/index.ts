/**
 * Entry point. Inputs are checked first, before the network modules (node:http2, node:tls: ~40 ms) load, so
 * bad input fails fast; then the run. Anything thrown becomes a failed step.
 */
import { readConfig } from './config';
import { fail } from './adapters/runner';

try {
  const config = readConfig(process.env);
  const { main } = await import('./main');
  await main(config);
} catch (error) {
  fail(error instanceof Error ? error.message : `Unexpected failure: ${String(error)}`);
}
