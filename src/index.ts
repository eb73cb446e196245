/** Entry point: runs the action and turns anything thrown into a failed step. */
import { main } from './main';
import { fail } from './adapters/runner';

main().catch((error: unknown) => {
  fail(error instanceof Error ? error.message : `Unexpected failure: ${String(error)}`);
});
