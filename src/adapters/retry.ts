/**
 * The retry policy shared by every adapter: bounded exponential backoff with jitter, and the wait a service asks
 * for (Retry-After in seconds or as an HTTP date, GitHub's rate-limit headers). Its bounds and the request timeout
 * are the write window's (src/core/write-window.ts): the removal rule rests on them.
 */
import { ATTEMPT_TIMEOUT_MS, RETRY_BUDGET } from '../core/write-window';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseMs: number;
  /** Longest wait a service may ask for with Retry-After; beyond it the answer stands. */
  maxWaitMs: number;
  /** Longest wait of our own backoff. */
  maxBackoffMs: number;
  timeoutMs: number;
}

export function defaultRetryPolicy(env: Readonly<Record<string, string | undefined>> = process.env): RetryPolicy {
  // ENTRA_ROTATOR_RETRY_BASE_MS shortens the waits and ENTRA_ROTATOR_ATTEMPT_TIMEOUT_MS the request timeout (the
  // test suite uses them); neither can lengthen what the write window allows.
  const { attempts, backoffBaseMs, maxRetryAfterMs, maxBackoffMs } = RETRY_BUDGET;
  const baseMs = shorterOf(env['ENTRA_ROTATOR_RETRY_BASE_MS'], backoffBaseMs, 0);
  const timeoutMs = shorterOf(env['ENTRA_ROTATOR_ATTEMPT_TIMEOUT_MS'], ATTEMPT_TIMEOUT_MS, 1);
  return { attempts, baseMs, maxWaitMs: maxRetryAfterMs, maxBackoffMs, timeoutMs };
}

/** A whole number of ms from `text`, at least `least` and at most `bound`; else `bound`. */
function shorterOf(text: string | undefined, bound: number, least: number): number {
  const ms = /^\d+$/.test(text ?? '') ? Number(text) : bound;
  return ms >= least && ms <= bound ? ms : bound;
}

/** How long the service asked us to wait, in ms, if it did. */
export function retryAfterMs(headers: Readonly<Record<string, string | undefined>>, now: number = Date.now()): number | undefined {
  const ra = headers['retry-after'];
  if (ra !== undefined && ra.trim() !== '') {
    if (/^\d+(\.\d+)?$/.test(ra.trim())) return Math.round(Number(ra) * 1000);
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  if (headers['x-ratelimit-remaining'] === '0' && headers['x-ratelimit-reset'] !== undefined) {
    const reset = Number(headers['x-ratelimit-reset']) * 1000;
    if (Number.isFinite(reset)) return Math.max(0, reset - now);
  }
  return undefined;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The wait before try `attempt + 1`: what the service asked for, else our backoff. */
export function waitMs(policy: RetryPolicy, asked: number | undefined, attempt: number): number {
  return asked ?? backoffMs(policy, attempt);
}

/** The one log line of a retry, the same for every adapter and for batched requests. */
export function retryLine(doing: string, waitedMs: number, nextAttempt: number, attempts: number, why: string): string {
  return `Retrying ${doing} in ${waitedMs} ms (attempt ${nextAttempt} of ${attempts}) after ${why}`;
}
