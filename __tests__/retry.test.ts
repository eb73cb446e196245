import { statusRetries } from '../src/adapters/graph-client';
import { backoffMs, defaultRetryPolicy, retryAfterMs } from '../src/adapters/retry';

describe('the retry policy', () => {
  // The Graph client's RetryHandler asks this for 429, 503 and 504 answers; idempotent calls alone may be repeated
  // after a 5xx, since a create or addPassword answered 5xx may have been done.
  it.each<[number, Record<string, string>, boolean, boolean]>([
    [429, {}, false, true],
    [503, {}, false, false],
    [504, {}, false, false],
    [503, {}, true, true],
    [504, {}, true, true],
    [429, { 'retry-after': '3600' }, true, false],
  ])('HTTP %i %j (idempotent %s) → retried %s', (status, headers, idempotent, retried) => {
    const lines: string[] = [];
    const options = statusRetries({ idempotent, doing: 'doing it' }, defaultRetryPolicy({}), (m) => lines.push(m));
    const response = new Response(null, { status, headers });
    expect(options.shouldRetry(0, 0, 'https://graph.example/v1.0/x', {}, response)).toBe(retried);
    expect(lines).toHaveLength(retried ? 1 : 0);
  });

  it('reads Retry-After in seconds, as an HTTP date, and from GitHub rate-limit headers', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    expect(retryAfterMs({ 'retry-after': '7' }, now)).toBe(7000);
    expect(retryAfterMs({ 'retry-after': 'Mon, 23 Nov 2026 12:00:30 GMT' }, now)).toBe(30_000);
    expect(retryAfterMs({ 'retry-after': 'Mon, 23 Nov 2026 11:00:00 GMT' }, now)).toBe(0);
    expect(retryAfterMs({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 12) }, now)).toBe(12_000);
    expect(retryAfterMs({ 'x-ratelimit-remaining': '10', 'x-ratelimit-reset': String(now / 1000 + 12) }, now)).toBeUndefined();
    expect(retryAfterMs({}, now)).toBeUndefined();
  });

  it('backs off exponentially with jitter, within bounds', () => {
    const policy = { ...defaultRetryPolicy({}), baseMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffMs(policy, a, () => 0))).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffMs(policy, a, () => 1))).toEqual([1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it('takes a shorter base wait only from a whole number', () => {
    expect(defaultRetryPolicy({}).baseMs).toBe(1000);
    expect(defaultRetryPolicy({ ENTRA_ROTATOR_RETRY_BASE_MS: '20' }).baseMs).toBe(20);
    expect(defaultRetryPolicy({ ENTRA_ROTATOR_RETRY_BASE_MS: '-1' }).baseMs).toBe(1000);
  });
});
