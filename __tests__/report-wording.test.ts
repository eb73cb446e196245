/** Each line of the plan and the summary says what is true (issue 11): no claim the run cannot back. */
import { CLIENT_SECRET } from '../src/core/credential-kind';
import type { PasswordInfo, Target, TargetState } from './support/types';
import { DAY_MS, IN_FLIGHT_MS, makePlan, type PlanInput, type RotationSettings } from '../src/core/plan';
import { formatPlan, summaryMarkdown } from '../src/core/report';
import { newOutcome, type Outcome } from '../src/core/outcome';

const NOW = new Date('2026-06-01T12:00:00Z');
const settings: RotationSettings = { kind: CLIENT_SECRET, credentialName: 'managed', lifetimeDays: 180, rotateBeforeDays: 30, force: false, keepPrevious: 1 };
const repoSecret: Target = { scope: { service: 'actions', owner: 'o', repo: 'r' }, name: 'AZURE_CLIENT_SECRET', kind: 'secret' };

function secret(keyId: string, startMsAgo: number): PasswordInfo {
  const start = new Date(NOW.getTime() - startMsAgo);
  return { keyId, displayName: 'managed', hint: 'abc', startDateTime: start, endDateTime: new Date(start.getTime() + 180 * DAY_MS) };
}

function input(credentials: PasswordInfo[], targets: TargetState[]): PlanInput {
  return { app: { displayName: 'billing', appId: 'app-id', objectId: 'obj-id', credentials }, targets, settings, servicePrincipal: false, now: NOW, runStart: NOW };
}

const noChanges = { changes: [], federated: { add: [], remove: [], coveredByOthers: [] } };

function dryOutcome(plan: ReturnType<typeof makePlan>): Outcome {
  return { ...newOutcome(true, CLIENT_SECRET), plan };
}

describe('plan and summary wording', () => {
  it('says "app properties: as declared" only when some property was declared', () => {
    const plan = { ...makePlan(input([secret('k1', 10 * DAY_MS)], [{ target: repoSecret, stored: { updatedAt: new Date(NOW.getTime() - 10 * DAY_MS + 5000) } }])), reconcile: noChanges };
    expect(formatPlan(plan, false)).not.toContain('as declared');
    expect(formatPlan(plan, false, true)).toContain('app properties: as declared');
  });

  it('says "client secrets: none" rather than a lone count of zero', () => {
    const text = formatPlan(makePlan(input([], [{ target: repoSecret, stored: undefined }])), false);
    expect(text).toContain('client secrets: none');
    expect(text).not.toContain('client secrets (0)');
  });

  it('a dry run without a token does not claim that every target holds the secret, in the plan or the summary', () => {
    const plan = makePlan(input([secret('k1', 10 * DAY_MS)], [{ target: repoSecret, stored: 'unread' }]));
    const text = formatPlan(plan, true);
    const summary = summaryMarkdown(dryOutcome(plan), 'tenant');
    for (const t of [text, summary]) {
      expect(t).not.toContain('every target holds it');
      expect(t).toContain('not read');
    }
    expect(text).toMatch(/whether the targets hold it is not known: they were not read \(no github-token\)/);
  });

  it('explains why a previous secret younger than the in-flight window is kept', () => {
    const young = secret('young', 60_000);
    const older = secret('older', 2 * DAY_MS);
    const plan = makePlan(input([young, older], [{ target: repoSecret, stored: { updatedAt: new Date(NOW.getTime() - 55_000) } }]));
    const text = formatPlan(plan, false);
    const minutes = IN_FLIGHT_MS / 60_000;
    const forced = makePlan({ ...input([young, older], [{ target: repoSecret, stored: { updatedAt: new Date(NOW.getTime() - 55_000) } }]), settings: { ...settings, force: true } });
    expect(formatPlan(forced, false)).toContain(`note: kept young: made less than ${minutes} minutes ago (2026-06-01 11:59 UTC), a run going on now may still be writing it`);
    // Not rotating: the young one is the current secret and the older one is kept by keep-previous, not by its age.
    expect(text).not.toContain('note: kept');
  });

  it('shows every timestamp a person reads as YYYY-MM-DD HH:MM UTC, never ISO with seconds', () => {
    const plan = makePlan({ ...input([secret('k1', 10 * DAY_MS)], [{ target: repoSecret, stored: undefined }]), settings: { ...settings, force: true } });
    const text = formatPlan(plan, false);
    const summary = summaryMarkdown(dryOutcome(plan), 'tenant');
    expect(text).toContain('2026-05-22 12:00 UTC → 2026-11-18 12:00 UTC');
    expect(text).toContain('valid until 2026-11-28 12:00 UTC');
    expect(summary).toContain('| 2026-05-22 12:00 UTC | 2026-11-18 12:00 UTC |');
    for (const t of [text, summary]) expect(t).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
  });
});

it('does not say "every target holds it" when a target may hold either of two secrets', () => {
  const a = secret('older', 3 * 60_000);
  const b = secret('newer', 2 * 60_000);
  // Written between the two: it may hold either (overlapping runs), and that is not settled yet.
  const plan = makePlan(input([a, b], [{ target: repoSecret, stored: { updatedAt: new Date(NOW.getTime() - 60_000) } }]));
  expect(plan.rotate).toBe(false);
  expect(plan.notes.join('\n')).toMatch(/may hold newer or older/);
  expect(plan.reasons.join('\n')).not.toContain('every target holds it');
  expect(plan.reasons.join('\n')).toContain('some targets may hold it or another managed secret (see the notes)');
});
