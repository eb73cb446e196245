/**
 * The write window: the one promise the removal rule in plan.ts (mayHold, secretsToRemove) rests on, and every
 * number it is made of. A run starts no write of a new credential's value later than WRITE_DEADLINE_MS after it
 * began adding the credential, and no request attempt lasts longer than ATTEMPT_TIMEOUT_MS, so every target it
 * writes is written within WRITE_WINDOW_MS of the credential's start. The adapters take their request timeout and
 * their retries and waits from here, and __tests__/write-window.test.ts holds what they are configured with to it:
 * a longer timeout or a new wait that is not counted here fails that test, not a later run's removals.
 */

/** After a run begins adding a credential, no write of its value starts later than this (rotate.ts: writeDeadline). */
export const WRITE_DEADLINE_MS = 5 * 60_000;

/** The longest one request attempt may last, the answer's body read included: every HTTP client's timeout. */
export const ATTEMPT_TIMEOUT_MS = 30_000;

/**
 * What no timer bounds: a timer that fires late on a busy runner, the moments between the deadline check and the
 * start of the attempt's timeout, and GitHub stamping updated_at a little after the request reached it.
 */
export const WINDOW_SLACK_MS = 30_000;

/**
 * A target written by a run holds a credential that run added at most this long before (6 minutes). Runs of every
 * version rely on it when they read what an earlier run wrote: it may grow, never shrink.
 */
export const WRITE_WINDOW_MS = WRITE_DEADLINE_MS + ATTEMPT_TIMEOUT_MS + WINDOW_SLACK_MS;

/** How far the clocks of Entra, GitHub and the runner may disagree. */
export const CLOCK_SKEW_MS = 2 * 60_000;

/** A managed secret this young may still be written by a run going on now: never removed. */
export const IN_FLIGHT_MS = WRITE_WINDOW_MS + CLOCK_SKEW_MS;

/** The deadline of the writes of a credential a run begins adding at `addingAt` (before its request is sent). */
export function writeDeadline(addingAt: Date): Date {
  return new Date(addingAt.getTime() + WRITE_DEADLINE_MS);
}

/**
 * The retries and waits one request (a write included) may make. None of them stretches the window: every wait
 * ends in a check of the write's deadline, and no attempt starts after it. They bound a request that has none.
 */
export const RETRY_BUDGET = Object.freeze({
  /** Tries for a server error or a lost answer, the first included. */
  attempts: 5,
  /** The longest Retry-After honoured on a server error or a throttled answer; beyond it the answer stands. */
  maxRetryAfterMs: 60_000,
  /** Backoffs grow from this; GitHub writes also start at least this long after the one before ended. */
  backoffBaseMs: 1000,
  /** The longest backoff of our own between two tries (Graph, Entra). */
  maxBackoffMs: 10_000,
  /** GitHub's rate limits: the longest one wait, and how many waits one request makes at most. */
  maxLimitWaitMs: 180_000,
  maxLimitWaits: 6,
});

/** Tries of one request for every reason together: the retries of server errors and lost answers, and one after each rate-limit wait. */
export const MAX_ATTEMPTS = RETRY_BUDGET.attempts + RETRY_BUDGET.maxLimitWaits;

/** The longest single wait of any kind inside one request. */
export const MAX_WAIT_MS = Math.max(RETRY_BUDGET.maxRetryAfterMs, RETRY_BUDGET.maxBackoffMs, RETRY_BUDGET.maxLimitWaitMs);

/**
 * All the waits of one request together, at most: the longest Retry-After before each retry, every rate-limit
 * wait, and the spacing of writes before each attempt.
 */
export const MAX_TOTAL_WAIT_MS =
  (RETRY_BUDGET.attempts - 1) * RETRY_BUDGET.maxRetryAfterMs + RETRY_BUDGET.maxLimitWaits * RETRY_BUDGET.maxLimitWaitMs + MAX_ATTEMPTS * RETRY_BUDGET.backoffBaseMs;

/** What an adapter's configuration lets one write do: how the window's test reads an adapter. */
export interface WriteBounds {
  /** The longest one attempt lasts (its request timeout). */
  attemptTimeoutMs: number;
  /** The most attempts one write makes, for every reason together. */
  attempts: number;
  /** The longest single wait between two attempts. */
  maxWaitMs: number;
  /** All the waits of one write together, at most. */
  maxTotalWaitMs: number;
}

/**
 * The latest moment a write can end when its first attempt starts at `startedAt` and no attempt starts after
 * `notAfter` (ms since the epoch): its last attempt starts by then, or once every attempt and wait is spent.
 */
export function latestWriteEnd(bounds: WriteBounds, startedAt: number, notAfter: number): number {
  const allSpent = startedAt + (bounds.attempts - 1) * bounds.attemptTimeoutMs + bounds.maxTotalWaitMs;
  return Math.max(startedAt, Math.min(notAfter, allSpent)) + bounds.attemptTimeoutMs;
}

/** Whether a write under `bounds` that starts as late as the deadline allows still ends within the window. */
export function endsWithinWindow(bounds: WriteBounds): boolean {
  return latestWriteEnd(bounds, WRITE_DEADLINE_MS, WRITE_DEADLINE_MS) <= WRITE_WINDOW_MS - WINDOW_SLACK_MS;
}

/** GitHub keeps updated_at to the second; Entra keeps startDateTime to the sub-second. */
export function floorToSecond(d: Date): number {
  return Math.floor(d.getTime() / 1000) * 1000;
}

/**
 * The managed credentials a home last written at `updatedAt` may hold, newest first in the order given: those that
 * started within WRITE_WINDOW_MS before it, give or take CLOCK_SKEW_MS. How a home whose value cannot be read back
 * (a GitHub secret) tells what it holds.
 */
export function mayHold<C extends { startDateTime: Date }>(updatedAt: Date, managed: readonly C[]): C[] {
  const written = updatedAt.getTime();
  return managed.filter((p) => {
    const start = floorToSecond(p.startDateTime);
    return start <= written + CLOCK_SKEW_MS && start >= written - WRITE_WINDOW_MS - CLOCK_SKEW_MS;
  });
}
