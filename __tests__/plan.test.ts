import { CLIENT_SECRET } from '../src/core/credential-kind';
import type { PasswordInfo, Target, TargetState } from './support/types';
import { CLOCK_SKEW_MS, DAY_MS, holdings, IN_FLIGHT_MS, makePlan, managedSecrets, mayHold, rotationCheck, secretsToRemove, WRITE_WINDOW_MS, type RotationSettings } from '../src/core/plan';

const NOW = new Date('2026-06-01T12:00:00Z');
const settings: RotationSettings = { kind: CLIENT_SECRET, credentialName: 'managed', lifetimeDays: 180, rotateBeforeDays: 30, force: false, keepPrevious: 1 };

let n = 0;
function pw(startDaysAgo: number, lifetimeDays: number, displayName: string | null = 'managed'): PasswordInfo {
  n += 1;
  const start = new Date(NOW.getTime() - startDaysAgo * DAY_MS);
  return { keyId: `key-${n}`, displayName, hint: 'abc', startDateTime: start, endDateTime: new Date(start.getTime() + lifetimeDays * DAY_MS) };
}

const repoSecret: Target = { scope: { service: 'actions', owner: 'o', repo: 'r' }, name: 'AZURE_CLIENT_SECRET', kind: 'secret' };
const clientIdTarget: Target = { scope: { service: 'actions', owner: 'o', repo: 'r' }, name: 'AZURE_CLIENT_ID', kind: 'client-id' };
const written = (daysAgo: number, target: Target = repoSecret): TargetState => ({ target, stored: { updatedAt: new Date(NOW.getTime() - daysAgo * DAY_MS) } });
/** A target a run wrote `afterMs` after it added `p` (runs write within seconds). */
const writtenWith = (p: PasswordInfo, afterMs = 5000, target: Target = repoSecret): TargetState => ({
  target,
  stored: { updatedAt: new Date(Math.floor((p.startDateTime.getTime() + afterMs) / 1000) * 1000) },
});

describe('managedSecrets', () => {
  it('keeps only secrets with the credential name, newest first', () => {
    const old = pw(100, 180);
    const mine = pw(10, 180);
    const theirs = pw(1, 180, 'Password uploaded on Thu Mar 16 2023');
    const nameless = pw(2, 180, null);
    expect(managedSecrets([old, theirs, mine, nameless], 'managed').map((p) => p.keyId)).toEqual([mine.keyId, old.keyId]);
  });
});

describe('rotationCheck', () => {
  const cases: Array<[string, () => [PasswordInfo[], TargetState[]], Partial<RotationSettings>, RegExp | null]> = [
    ['no managed secret', () => [[pw(10, 180, 'portal')], [written(5)]], {}, /has no client secret named 'managed'/],
    ['far from expiry, target written with it', () => { const p = pw(10, 180); return [[p], [writtenWith(p)]]; }, {}, null],
    ['within rotate-before-days', () => { const p = pw(160, 180); return [[p], [writtenWith(p)]]; }, {}, /expires on .*within rotate-before-days \(30\)/],
    ['exactly at the boundary', () => { const p = pw(150, 180); return [[p], [writtenWith(p)]]; }, {}, /within rotate-before-days/],
    ['one day outside the boundary', () => { const p = pw(149, 180); return [[p], [writtenWith(p)]]; }, {}, null],
    ['expired', () => { const p = pw(200, 180); return [[p], [writtenWith(p)]]; }, {}, /expired on/],
    ['forced', () => { const p = pw(10, 180); return [[p], [writtenWith(p)]]; }, { force: true }, /force-rotation is true/],
    ['target missing', () => [[pw(10, 180)], [{ target: repoSecret, stored: undefined }]], {}, /does not exist/],
    ['target written before the newest secret', () => [[pw(10, 180)], [written(11)]], {}, /last written .*, before the newest managed secret \(.*\) was made, and not with any managed secret the app has: it holds an older value$/],
    // Not "an older value": nothing this action made is older than what it holds (the words are the fix; rotating is right).
    ['target written long after every secret (by hand, or by something else)', () => [[pw(10, 180)], [written(5)]], {}, /last written .*, after every managed secret was made: it holds a value this action did not write$/],
    ['target written with an older managed secret', () => { const old = pw(100, 180); return [[old, pw(10, 180)], [writtenWith(old)]]; }, {}, /last written .*, with .*, not the newest managed secret \(.*\): it holds an older value$/],
    ['missing companion does not rotate', () => { const p = pw(10, 180); return [[p], [writtenWith(p), { target: clientIdTarget, stored: undefined }]]; }, {}, null],
    ['unread targets do not rotate', () => [[pw(10, 180)], [{ target: repoSecret, stored: 'unread' }]], {}, null],
  ];
  it.each(cases)('%s', (_name, make, overrides, expected) => {
    const [passwords, targets] = make();
    const reasons = rotationCheck(managedSecrets(passwords, 'managed'), targets, { ...settings, ...overrides }, NOW).due;
    if (expected === null) expect(reasons).toEqual([]);
    else expect(reasons.join('\n')).toMatch(expected);
  });

  it('compares with GitHub updated_at at one-second precision', () => {
    const p = pw(0, 180);
    p.startDateTime = new Date('2026-06-01T11:59:59.731Z');
    const stored: TargetState = { target: repoSecret, stored: { updatedAt: new Date('2026-06-01T11:59:59Z') } };
    expect(rotationCheck([p], [stored], settings, NOW).due).toEqual([]);
  });

  describe('two runs that overlapped', () => {
    // Run A added a, run B added b a minute later; B wrote the target, then A did: it holds a, though b is newest.
    const overlap = (minutesAgo: number): [PasswordInfo[], TargetState] => {
      const a = pw(0, 180);
      a.startDateTime = new Date(NOW.getTime() - minutesAgo * 60_000);
      const b = pw(0, 180);
      b.startDateTime = new Date(a.startDateTime.getTime() + 60_000);
      return [managedSecrets([a, b], 'managed'), writtenWith(a, 90_000)];
    };

    it('while either run may still be writing, does not rotate but says the target may hold either', () => {
      const [managed, target] = overlap(3);
      const check = rotationCheck(managed, [target], settings, NOW);
      expect(check.due).toEqual([]);
      expect(check.notes.join('\n')).toMatch(/may hold key-\d+ or key-\d+ .*all of them are kept, and a run after .* settles it/);
    });

    it('once no run can be writing any more, rotates so that the target holds one known secret', () => {
      const [managed, target] = overlap(60);
      const check = rotationCheck(managed, [target], settings, NOW);
      expect(check.due.join('\n')).toMatch(/may hold key-\d+ or key-\d+: runs that overlapped wrote it/);
    });
  });
});

describe('mayHold', () => {
  const p = pw(0, 180);
  p.startDateTime = new Date('2026-06-01T10:00:00.400Z');
  it.each<[string, number, boolean]>([
    ['written a second after it started', 1000, true],
    ['written at the end of the write window', WRITE_WINDOW_MS, true],
    ['written within the clock skew before it started', -CLOCK_SKEW_MS + 1000, true],
    ['written before it started, beyond the clock skew', -CLOCK_SKEW_MS - 1000, false],
    ['written after the write window and the clock skew', WRITE_WINDOW_MS + CLOCK_SKEW_MS + 1000, false],
  ])('%s', (_name, offsetMs, expected) => {
    expect(mayHold(new Date(p.startDateTime.getTime() + offsetMs), [p])).toEqual(expected ? [p] : []);
  });
});

describe('secretsToRemove', () => {
  const runStart = NOW;
  it.each<[string, number, Array<[number, number]>, number[]]>([
    // [name, keepPrevious, [startDaysAgo, lifetime] newest..oldest, indexes removed]
    ['keeps one previous, removes older', 1, [[160, 180], [300, 180 + 150], [400, 500]], [1, 2]],
    ['keep-previous 0 removes all', 0, [[160, 180], [300, 400]], [0, 1]],
    ['keep-previous 2', 2, [[160, 180], [300, 400], [350, 400]], [2]],
    ['expired ones go even within keep-previous', 2, [[200, 180], [160, 180]], [0]],
  ])('after a rotation: %s', (_name, keepPrevious, specs, removedIdx) => {
    const ps = specs.map(([ago, life]) => pw(ago, life));
    const removed = secretsToRemove(managedSecrets(ps, 'managed'), { kind: CLIENT_SECRET, keepPrevious }, { runStart, now: NOW, holdings: [], afterRotation: true }).map((r) => r.credential.keyId);
    expect(removed.sort()).toEqual(removedIdx.map((i) => ps[i]?.keyId).sort());
  });

  it('never removes a secret a run going on now may still write', () => {
    const concurrent = pw(0, 180);
    concurrent.startDateTime = new Date(runStart.getTime() + 1000);
    const young = pw(0, 180);
    young.startDateTime = new Date(runStart.getTime() - IN_FLIGHT_MS + 1000);
    const old = pw(400, 500);
    const removed = secretsToRemove(managedSecrets([concurrent, young, old], 'managed'), { kind: CLIENT_SECRET, keepPrevious: 0 }, { runStart, now: NOW, holdings: [], afterRotation: true });
    expect(removed.map((r) => r.credential.keyId)).toEqual([old.keyId]);
  });

  it('never removes a secret a target may hold, whatever keep-previous says (runs that overlapped)', () => {
    const a = pw(1, 180);
    const b = pw(1, 180);
    b.startDateTime = new Date(a.startDateTime.getTime() + 60_000);
    const older = pw(100, 180);
    const managed = managedSecrets([a, b, older], 'managed');
    const held = holdings(managed, [writtenWith(a, 90_000)]);
    expect(held[0]?.candidates.map((p) => p.keyId).sort()).toEqual([a.keyId, b.keyId].sort());
    // Not rotating: the newest (b) stays as current; a may be what the target holds, so it stays too.
    const removed = secretsToRemove(managed.slice(1), { kind: CLIENT_SECRET, keepPrevious: 0 }, { runStart, now: NOW, holdings: held, afterRotation: false });
    expect(removed.map((r) => r.credential.keyId)).toEqual([older.keyId]);
  });
});

describe('makePlan', () => {
  it('plans a create from nothing: app, service principal, secret, every target', () => {
    const plan = makePlan({ app: { create: 'billing' }, targets: [{ target: repoSecret, stored: undefined }], settings, servicePrincipal: true, now: NOW, runStart: NOW });
    expect(plan.app).toEqual({ action: 'create', displayName: 'billing' });
    expect(plan.servicePrincipal).toBe('create');
    expect(plan.rotate).toBe(true);
    expect(plan.newCredential?.endDateTime.toISOString()).toBe('2026-11-28T12:00:00.000Z');
    expect(plan.writes.map((w) => w.target)).toEqual([repoSecret]);
    expect(plan.removals).toEqual([]);
  });

  it('plans nothing in the steady state, and writes only a missing companion', () => {
    const current = pw(10, 180);
    const plan = makePlan({
      app: { displayName: 'billing', appId: 'a', objectId: 'o', credentials: [current, pw(20, 100, 'portal')] },
      targets: [writtenWith(current), { target: clientIdTarget, stored: undefined }],
      settings,
      servicePrincipal: true,
      now: NOW,
      runStart: NOW,
    });
    expect(plan.rotate).toBe(false);
    expect(plan.servicePrincipal).toBe('skip');
    expect(plan.writes.map((w) => w.target)).toEqual([clientIdTarget]);
    expect(plan.removals).toEqual([]);
    expect(plan.credentials.map((s) => s.managed)).toEqual([true, false]);
  });

  it('cleans up leftovers in the steady state: beyond keep-previous, expired', () => {
    const current = pw(10, 180);
    const previous = pw(100, 180);
    const older = pw(150, 180);
    const expired = pw(400, 300);
    const plan = makePlan({
      app: { displayName: 'billing', appId: 'a', objectId: 'o', credentials: [current, previous, older, expired, pw(5, 30, 'portal')] },
      targets: [writtenWith(current)],
      settings,
      servicePrincipal: true,
      now: NOW,
      runStart: NOW,
    });
    expect(plan.rotate).toBe(false);
    expect(plan.removals.map((r) => r.credential.keyId).sort()).toEqual([older.keyId, expired.keyId].sort());
  });

  it('removes a secret no target holds (made by a failed run) instead of keeping it as the previous one', () => {
    const original = pw(170, 180);
    const orphan = pw(1, 180);
    const plan = makePlan({
      app: { displayName: 'billing', appId: 'a', objectId: 'o', credentials: [orphan, original] },
      targets: [writtenWith(original)],
      settings,
      servicePrincipal: true,
      now: NOW,
      runStart: NOW,
    });
    expect(plan.rotate).toBe(true);
    expect(plan.removals.map((r) => r.credential.keyId)).toEqual([orphan.keyId]);
  });

  it('never plans to remove an unmanaged secret', () => {
    const theirs = pw(400, 370, 'Temp');
    const current = pw(170, 180);
    const plan = makePlan({
      app: { displayName: 'billing', appId: 'a', objectId: 'o', credentials: [current, theirs] },
      targets: [writtenWith(current)],
      settings: { ...settings, keepPrevious: 0 },
      servicePrincipal: false,
      now: NOW,
      runStart: NOW,
    });
    expect(plan.rotate).toBe(true);
    expect(plan.removals.map((r) => r.credential.keyId)).not.toContain(theirs.keyId);
    expect(plan.removals).toHaveLength(1);
  });
});

describe('an organisation secret whose access drifted (issue 16: never a selection-only PUT)', () => {
  const org = { service: 'actions' as const, owner: 'o' };
  const access = { visibility: 'selected' as const, repositories: ['billing', 'invoices'] };
  const orgSecret: Target = { scope: org, name: 'APP_SECRET', kind: 'secret', access };
  const orgClientId: Target = { scope: org, name: 'APP_CLIENT_ID', kind: 'client-id', access };
  const selected = (state: TargetState, repositories: string[]): TargetState => ({ ...state, stored: { ...(state.stored as object), visibility: 'selected' } as TargetState['stored'], selected: repositories });
  const input = (p: PasswordInfo, targets: TargetState[]) => ({ app: { displayName: 'a', appId: 'id', objectId: 'oid', credentials: [p] }, targets, settings, servicePrincipal: false, now: NOW, runStart: NOW });

  it('rotates when a value target is shared with other repositories: the value is written with the declared selection in one PUT', () => {
    const p = pw(10, 180);
    const plan = makePlan(input(p, [selected(writtenWith(p, 5000, orgSecret), ['billing', 'ledger'])]));
    expect(plan.rotate).toBe(true);
    expect(plan.reasons.join('\n')).toMatch(/APP_SECRET \(organisation o\) is shared with billing, ledger, declared billing, invoices: it is written again with the declared repositories, which takes a value/);
    expect(plan.writes.map((w) => w.target)).toEqual([orgSecret]);
    expect(plan.githubWrites).toBe(1);
  });

  it('writes a companion whose selection drifted again, without a rotation (its value is known)', () => {
    const p = pw(10, 180);
    const plan = makePlan(input(p, [selected(writtenWith(p, 5000, orgSecret), ['invoices', 'Billing']), selected(writtenWith(p, 5000, orgClientId), ['billing'])]));
    expect(plan.rotate).toBe(false);
    expect(plan.writes.map((w) => [w.target.name, w.reason])).toEqual([['APP_CLIENT_ID', expect.stringContaining('is shared with billing, declared billing, invoices')]]);
    expect(plan.githubWrites).toBe(1);
  });

  it('counts one GitHub write per write step, and none when nothing is to be written', () => {
    const p = pw(10, 180);
    expect(makePlan(input(p, [writtenWith(p)])).githubWrites).toBe(0);
    expect(makePlan({ ...input(p, [writtenWith(p), writtenWith(p, 5000, clientIdTarget)]), settings: { ...settings, force: true } }).githubWrites).toBe(2);
    expect(makePlan(input(p, [writtenWith(p), { target: clientIdTarget, stored: undefined }])).githubWrites).toBe(1);
  });
});
