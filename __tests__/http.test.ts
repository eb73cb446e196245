import { backoffMs, defaultRetryPolicy, retryAfterMs, retryReason, type HttpResponse } from '../src/adapters/http';

const response = (status: number, headers: Record<string, string> = {}): HttpResponse => ({ status, headers, body: '' });

describe('the retry policy', () => {
  it.each<[number, Record<string, string>, boolean, string | undefined]>([
    [429, {}, false, 'HTTP 429'],
    // Not idempotent (creating an app, adding a secret): a 5xx may come after the work was done; the caller decides.
    [503, {}, false, undefined],
    [503, {}, true, 'HTTP 503'],
    [403, { 'retry-after': '30' }, false, undefined],
    [500, {}, true, 'HTTP 500'],
    [500, {}, false, undefined],
    [502, {}, true, 'HTTP 502'],
    [504, {}, false, undefined],
    [400, {}, true, undefined],
    [401, {}, true, undefined],
    [403, {}, true, undefined],
    [403, { 'retry-after': '30' }, true, 'HTTP 403 rate limit'],
    [403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 5) }, true, 'HTTP 403 rate limit'],
    [404, {}, true, undefined],
    [409, {}, true, undefined],
    [422, {}, true, undefined],
  ])('HTTP %i %j (idempotent %s) → %s', (status, headers, idempotent, reason) => {
    expect(retryReason({ idempotent }, response(status, headers))).toBe(reason);
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
