/** The ServiceError a call fails with; the test fails if it succeeds or fails with anything else. */
import { ServiceError } from '../src/core/errors';

export async function failure(p: Promise<unknown>): Promise<ServiceError> {
  const outcome = await p.then(
    () => 'success',
    (err: unknown) => err,
  );
  if (!(outcome instanceof ServiceError)) throw new Error(`expected a ServiceError, got ${String(outcome)}`);
  return outcome;
}
