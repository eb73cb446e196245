/** One contract test: a promise, by id, run with `it`, or with `it.failing` where the side is known to break it. */
import { ServiceError } from '../../src/core/errors';
import type { KnownBreaks } from './worlds.ts';

export function promiseTest(broken: KnownBreaks): (id: string, title: string, fn: () => Promise<void>) => void {
  return (id, title, fn) => {
    const why = broken[id];
    if (why === undefined) it(`${id}: ${title}`, fn);
    else it.failing(`${id}: ${title} [KNOWN BROKEN: ${why}]`, fn);
  };
}

export const SECOND = 1000;
export const DAY = 86_400_000;

/** A moment `ms` from `from`, to the whole second (Graph and GitHub keep seconds). */
export function at(from: Date, ms: number): Date {
  return new Date(Math.floor((from.getTime() + ms) / SECOND) * SECOND);
}

/** The ServiceError `p` fails with; anything else (success included) fails the test. */
export async function rejection(p: Promise<unknown>): Promise<ServiceError> {
  const outcome = await p.then(
    () => 'success',
    (e: unknown) => e,
  );
  if (!(outcome instanceof ServiceError)) throw new Error(`expected a ServiceError, got ${outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : JSON.stringify(outcome)}`);
  return outcome;
}
