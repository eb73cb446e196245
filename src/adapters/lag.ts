/**
 * Right after a create, Graph answers 404 / NoBackingApplicationObject for a while (replication lag).
 * Retry such answers, for objects this run created only, with bounded exponential backoff.
 */
export interface LagPolicy {
  /** First wait; doubles each time. */
  baseMs: number;
  /** Total waiting allowed before giving up. */
  budgetMs: number;
}

export const defaultLagPolicy = (): LagPolicy => ({
  baseMs: Number(process.env['ENTRA_ROTATOR_LAG_BASE_MS'] ?? '') || 1000,
  budgetMs: 60_000,
});

export async function retryWhileLagging<T>(
  call: () => Promise<T>,
  isLag: (error: unknown) => boolean,
  policy: LagPolicy,
  onWait: (waitMs: number, attempt: number) => void,
): Promise<T> {
  let waited = 0;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const wait = Math.min(policy.baseMs * 2 ** (attempt - 1), 10_000);
      if (!isLag(error) || waited + wait > policy.budgetMs) throw error;
      onWait(wait, attempt);
      await new Promise((resolve) => setTimeout(resolve, wait));
      waited += wait;
    }
  }
}
