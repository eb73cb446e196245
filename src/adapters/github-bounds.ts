/**
 * How long the GitHub adapter's requests may take and wait: the numbers github.ts gives Octokit, its plugins and
 * its own hooks, from the retry policy and the write window (src/core/write-window.ts). Kept apart from github.ts,
 * which jest cannot load (Octokit is ESM only), so that the window's test reads the very numbers the adapter uses.
 */
import { RETRY_BUDGET, type WriteBounds } from '../core/write-window';
import type { RetryPolicy } from './retry';

/** The retry policy's bounds; plugin-retry waits n² × baseMs before try n + 1, and writes start baseMs apart. */
export type GitHubTiming = Pick<RetryPolicy, 'attempts' | 'baseMs' | 'maxWaitMs' | 'timeoutMs'>;

export interface GitHubLimits {
  /** Each attempt's timeout (fetch's AbortSignal): the answer's body read included. */
  timeoutMs: number;
  /** plugin-retry's retries of a 5xx or a lost answer; it waits n² × backoffBaseMs before try n + 1. */
  retries: number;
  backoffBaseMs: number;
  /** The longest Retry-After honoured on a 5xx; beyond it the answer stands. */
  maxRetryAfterMs: number;
  /** GitHub's rate limits: the longest one wait, and how many waits one request makes at most. */
  maxLimitWaitMs: number;
  maxLimitWaits: number;
  /** A rate-limit answer naming no wait: GitHub advises a minute; baseMs scales it like every backoff (tests shorten it). */
  unnamedLimitWaitMs: number;
  /** Writes run one at a time, each starting at least this long after the one before ended. */
  writeSpacingMs: number;
}

export function githubLimits(timing: GitHubTiming): GitHubLimits {
  return {
    timeoutMs: timing.timeoutMs,
    retries: timing.attempts - 1,
    backoffBaseMs: timing.baseMs,
    maxRetryAfterMs: timing.maxWaitMs,
    maxLimitWaitMs: RETRY_BUDGET.maxLimitWaitMs,
    maxLimitWaits: RETRY_BUDGET.maxLimitWaits,
    unnamedLimitWaitMs: 60 * timing.baseMs,
    writeSpacingMs: timing.baseMs,
  };
}

/**
 * What the limits let one write do on its own. A write queued behind others also waits for them (Pacing in
 * github.ts): those waits are not counted here, and like every wait they end in the check that no attempt starts
 * after the write's notAfter, which is what keeps a write of a new value within the window.
 */
export function githubWriteBounds(limits: GitHubLimits): WriteBounds {
  const retryWaits = Array.from({ length: limits.retries }, (_, i) => Math.max((i + 1) ** 2 * limits.backoffBaseMs, limits.maxRetryAfterMs));
  const limitWaitMs = Math.max(limits.maxLimitWaitMs, limits.unnamedLimitWaitMs);
  const attempts = 1 + limits.retries + limits.maxLimitWaits;
  return {
    attemptTimeoutMs: limits.timeoutMs,
    attempts,
    maxWaitMs: Math.max(...retryWaits, limitWaitMs, limits.writeSpacingMs),
    maxTotalWaitMs: retryWaits.reduce((a, b) => a + b, 0) + limits.maxLimitWaits * limitWaitMs + attempts * limits.writeSpacingMs,
  };
}
