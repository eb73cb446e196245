/**
 * The write window (src/core/write-window.ts) held against what the adapters are configured with: the removal rule
 * (plan.ts) may remove a secret only because a write of a new value ends within WRITE_WINDOW_MS of adding it. A
 * longer request timeout, more retries or a longer wait in an adapter fails here; a wait that does not end in the
 * deadline check fails the emulator tests below, which run the real GitHub adapter over HTTPS.
 */
import { githubLimits, githubWriteBounds } from '../src/adapters/github-bounds';
import { defaultRetryPolicy, type RetryPolicy } from '../src/adapters/retry';
import * as plan from '../src/core/plan';
import {
  ATTEMPT_TIMEOUT_MS,
  CLOCK_SKEW_MS,
  endsWithinWindow,
  IN_FLIGHT_MS,
  latestWriteEnd,
  MAX_ATTEMPTS,
  MAX_TOTAL_WAIT_MS,
  MAX_WAIT_MS,
  RETRY_BUDGET,
  WINDOW_SLACK_MS,
  WRITE_DEADLINE_MS,
  WRITE_WINDOW_MS,
  writeDeadline,
  type WriteBounds,
} from '../src/core/write-window';
import type { GitHubScope, Target as AnyTarget } from '../src/core/model';

type Target = AnyTarget<GitHubScope>;
import { runAdapter } from '../test/github-adapter.ts';
import { startEmulator, type Emulator } from '../test/emulator/index.ts';

const POLICIES: Array<[string, RetryPolicy]> = [
  ['production', defaultRetryPolicy({})],
  ["the tests' (ENTRA_ROTATOR_RETRY_BASE_MS=20)", defaultRetryPolicy({ ENTRA_ROTATOR_RETRY_BASE_MS: '20' })],
];

/** What the test prints: 'within the window', or by how much and why not. */
function verdict(bounds: WriteBounds): string {
  if (endsWithinWindow(bounds)) return 'within the window';
  const end = latestWriteEnd(bounds, WRITE_DEADLINE_MS, WRITE_DEADLINE_MS);
  const allowed = WRITE_WINDOW_MS - WINDOW_SLACK_MS;
  return `a write started at the deadline (${WRITE_DEADLINE_MS} ms after adding) can end ${end} ms after adding, ${end - allowed} ms past deadline + longest attempt (${allowed} ms; the window is ${WRITE_WINDOW_MS} ms with ${WINDOW_SLACK_MS} ms of slack): ${JSON.stringify(bounds)}`;
}

describe('the write window', () => {
  it('is the deadline, the longest attempt and the stated slack: 6 minutes, never less (runs of earlier versions wrote within it)', () => {
    expect(WRITE_WINDOW_MS).toBe(WRITE_DEADLINE_MS + ATTEMPT_TIMEOUT_MS + WINDOW_SLACK_MS);
    expect(WRITE_WINDOW_MS).toBeGreaterThanOrEqual(6 * 60_000);
    expect(IN_FLIGHT_MS).toBe(WRITE_WINDOW_MS + CLOCK_SKEW_MS);
    expect(writeDeadline(new Date(0)).getTime()).toBe(WRITE_DEADLINE_MS);
  });

  it('is what the removal rule decides with', () => {
    expect([plan.WRITE_DEADLINE_MS, plan.WRITE_WINDOW_MS, plan.CLOCK_SKEW_MS, plan.IN_FLIGHT_MS]).toEqual([WRITE_DEADLINE_MS, WRITE_WINDOW_MS, CLOCK_SKEW_MS, IN_FLIGHT_MS]);
  });

  const bounds: WriteBounds = { attemptTimeoutMs: 1000, attempts: 3, maxWaitMs: 500, maxTotalWaitMs: 800 };
  it.each([
    ['the last attempt starts at notAfter', 0, 100_000, 0 + 2 * 1000 + 800 + 1000],
    ['notAfter comes before every attempt and wait is spent', 0, 1500, 1500 + 1000],
    ['the first attempt starts at notAfter', 5000, 5000, 6000],
  ])('latestWriteEnd: %s', (_, startedAt, notAfter, end) => {
    expect(latestWriteEnd(bounds, startedAt, notAfter)).toBe(end);
  });
});

describe.each(POLICIES)('the GitHub adapter with the %s retry policy', (_, policy) => {
  const bounds = githubWriteBounds(githubLimits(policy));

  it('ends a write started at the deadline within the window', () => {
    expect(verdict(bounds)).toBe('within the window');
  });

  it('tries and waits no more than the window module allows', () => {
    expect(bounds.attemptTimeoutMs).toBeLessThanOrEqual(ATTEMPT_TIMEOUT_MS);
    expect(bounds.attempts).toBeLessThanOrEqual(MAX_ATTEMPTS);
    expect(bounds.maxWaitMs).toBeLessThanOrEqual(MAX_WAIT_MS);
    expect(bounds.maxTotalWaitMs).toBeLessThanOrEqual(MAX_TOTAL_WAIT_MS);
  });
});

describe("the tests' shortcuts", () => {
  it.each([
    ['ENTRA_ROTATOR_RETRY_BASE_MS', 'baseMs', '20', 20],
    ['ENTRA_ROTATOR_RETRY_BASE_MS', 'baseMs', '60000', RETRY_BUDGET.backoffBaseMs],
    ['ENTRA_ROTATOR_ATTEMPT_TIMEOUT_MS', 'timeoutMs', '500', 500],
    ['ENTRA_ROTATOR_ATTEMPT_TIMEOUT_MS', 'timeoutMs', '90000', ATTEMPT_TIMEOUT_MS],
    ['ENTRA_ROTATOR_ATTEMPT_TIMEOUT_MS', 'timeoutMs', '0', ATTEMPT_TIMEOUT_MS],
  ] as const)('%s shortens %s, never lengthens it: %s gives %d', (name, field, value, expected) => {
    const policy = defaultRetryPolicy({ [name]: value });
    expect(policy[field]).toBe(expected);
    expect(endsWithinWindow(githubWriteBounds(githubLimits(policy)))).toBe(true);
  });
});

describe.each(POLICIES)('the retry policy every adapter shares (Graph, Entra, GitHub), %s', (_, policy) => {
  it("takes the window's timeout and budget", () => {
    expect(policy.timeoutMs).toBe(ATTEMPT_TIMEOUT_MS);
    expect(policy.attempts).toBe(RETRY_BUDGET.attempts);
    expect(policy.maxWaitMs).toBe(RETRY_BUDGET.maxRetryAfterMs);
    expect(policy.maxBackoffMs).toBe(RETRY_BUDGET.maxBackoffMs);
    expect(policy.baseMs).toBeLessThanOrEqual(RETRY_BUDGET.backoffBaseMs);
  });

  it('lets one Graph request end within the window when it starts at the deadline', () => {
    const wait = Math.max(policy.maxWaitMs, policy.maxBackoffMs);
    expect(verdict({ attemptTimeoutMs: policy.timeoutMs, attempts: policy.attempts, maxWaitMs: wait, maxTotalWaitMs: (policy.attempts - 1) * wait })).toBe('within the window');
  });
});

describe('the GitHub adapter against an answer that does not come (emulator)', () => {
  const PAT = 'github_pat_11WINDOW0emulatorTokenForTests';
  const TIMEOUT_MS = 400;
  const NOT_AFTER_MS = 1500;
  /** Timers and the adapter's event loop: what the window's slack is for. */
  const MARGIN_MS = 300;
  /** From an attempt's start to the emulator receiving it (an open connection). */
  const SENT_MS = 100;
  const target = (name: string): Target => ({ scope: { service: 'actions', owner: 'octo', repo: 'app' }, name, kind: 'secret' });
  let emu: Emulator;
  beforeEach(async () => {
    emu = await startEmulator();
    emu.github.addRepo('octo/app');
    emu.github.addToken(PAT, 'pat');
  });
  afterEach(async () => {
    await emu.close();
  });
  const puts = (name = ''): number[] => emu.log.filter((e) => e.service === 'github' && e.method === 'PUT' && e.path.endsWith(`/${name}`.replace(/^\/$/, ''))).map((e) => e.at);
  /** notAfter is set in the adapter's process when the step starts, before its first request: at most this. */
  const notAfter = (): number => (emu.log[0]?.at ?? 0) + NOT_AFTER_MS;

  it('gives up by notAfter + the attempt timeout, outcome unknown, and starts no attempt after notAfter', async () => {
    // GitHub receives every PUT and never answers (as a request stuck past the client's timeout would look).
    emu.hold({ match: { service: 'github', method: 'PUT' } });
    const run = await runAdapter(emu, PAT, [{ op: 'write', target: target('HUNG'), value: 'v', notAfterMs: NOT_AFTER_MS }], { timeoutMs: TIMEOUT_MS });
    const result = run.results[0];
    expect(result).toMatchObject({ ok: false });
    expect(result?.ok === false ? result.error : '').toContain('(no response, ETIMEDOUT; it may have taken effect all the same)');
    // Retried after each timeout while the time allowed; the last attempt, started before notAfter, ran its full timeout.
    expect(puts().length).toBeGreaterThanOrEqual(2);
    for (const at of puts()) expect(at).toBeLessThanOrEqual(notAfter() + SENT_MS);
    expect(result!.ms).toBeLessThanOrEqual(NOT_AFTER_MS + TIMEOUT_MS + MARGIN_MS);
    expect(run.log.at(-1)?.message).toMatch(/^Not retrying writing HUNG .*: the time this run allows for it is over$/);
  });

  it('does not send a write queued behind hung ones once notAfter has passed', async () => {
    emu.hold({ match: { service: 'github', method: 'PUT' } });
    const names = ['FIRST', 'SECOND', 'THIRD', 'FOURTH', 'FIFTH'];
    const run = await runAdapter(emu, PAT, [{ op: 'writeAll', targets: names.map(target), value: 'v', notAfterMs: NOT_AFTER_MS }], { timeoutMs: TIMEOUT_MS });
    const errors = run.results[0]?.ok === true ? (run.results[0].value as string[]) : [];
    // Writes run one at a time and each attempt lasts its whole timeout: at most four start before notAfter.
    // A target that got a PUT may hold the value; one that got none was never sent to, and says so.
    const sent = names.map((n) => puts(n).length > 0);
    expect(sent.filter(Boolean).length).toBeLessThanOrEqual(Math.ceil(NOT_AFTER_MS / TIMEOUT_MS));
    expect(sent.filter((s) => !s).length).toBeGreaterThanOrEqual(1);
    errors.forEach((e, i) => expect(e).toContain(sent[i] ? 'it may have taken effect all the same' : 'ELATE): not sent: the time this run allows for it is over'));
    // The hint names both reasons a write may come too late, not only a slow Entra.
    errors.forEach((e, i) => (sent[i] ? undefined : expect(e).toContain('or GitHub was slow with the writes before it')));
    for (const at of puts()) expect(at).toBeLessThanOrEqual(notAfter() + SENT_MS);
    expect(run.results[0]!.ms).toBeLessThanOrEqual(NOT_AFTER_MS + TIMEOUT_MS + MARGIN_MS);
  });
});
