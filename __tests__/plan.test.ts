import type { PasswordInfo, Target, TargetState } from './support/types';
import { CONCURRENT_RUN_MARGIN_MS, DAY_MS, makePlan, managedSecrets, rotationReasons, secretsToRemove, type RotationSettings } from '../src/core/plan';

const NOW = new Date('2026-06-01T12:00:00Z');
const settings: RotationSettings = { credentialName: 'managed', lifetimeDays: 180, rotateBeforeDays: 30, force: false, keepPrevious: 1 };

let n = 0;
function pw(startDaysAgo: number, lifetimeDays: number, displayName: string | null = 'managed'): PasswordInfo {
  n += 1;
  const start = new Date(NOW.getTime() - startDaysAgo * DAY_MS);
  return { keyId: `key-${n}`, displayName, hint: 'abc', startDateTime: start, endDateTime: new Date(start.getTime() + lifetimeDays * DAY_MS) };
}

const repoSecret: Target = { scope: { owner: 'o', repo: 'r' }, name: 'AZURE_CLIENT_SECRET', kind: 'secret' };
const clientIdTarget: Target = { scope: { owner: 'o', repo: 'r' }, name: 'AZURE_CLIENT_ID', kind: 'client-id' };
const written = (daysAgo: number, target: Target = repoSecret): TargetState => ({ target, stored: { updatedAt: new Date(NOW.getTime() - daysAgo * DAY_MS) } });

describe('managedSecrets', () => {
  it('keeps only secrets with the credential name, newest first', () => {
    const old = pw(100, 180);
    const mine = pw(10, 180);
    const theirs = pw(1, 180, 'Password uploaded on Thu Mar 16 2023');
    const nameless = pw(2, 180, null);
    expect(managedSecrets([old, theirs, mine, nameless], 'managed').map((p) => p.keyId)).toEqual([mine.keyId, old.keyId]);
  });
});

describe('rotationReasons', () => {
  it.each<[string, PasswordInfo[], TargetState[], Partial<RotationSettings>, RegExp | null]>([
    ['no managed secret', [pw(10, 180, 'portal')], [written(5)], {}, /has no client secret named 'managed'/],
    ['far from expiry, target current', [pw(10, 180)], [written(5)], {}, null],
    ['within rotate-before-days', [pw(160, 180)], [written(150)], {}, /expires on .*within rotate-before-days \(30\)/],
    ['exactly at the boundary', [pw(150, 180)], [written(150)], {}, /within rotate-before-days/],
    ['one day outside the boundary', [pw(149, 180)], [written(140)], {}, null],
    ['expired', [pw(200, 180)], [written(150)], {}, /expired on/],
    ['forced', [pw(10, 180)], [written(5)], { force: true }, /force-rotation is true/],
    ['target missing', [pw(10, 180)], [{ target: repoSecret, stored: undefined }], {}, /does not exist/],
    ['target older than the newest secret', [pw(10, 180)], [written(11)], {}, /last written before/],
    ['missing companion does not rotate', [pw(10, 180)], [written(5), { target: clientIdTarget, stored: undefined }], {}, null],
    ['unread targets do not rotate', [pw(10, 180)], [{ target: repoSecret, stored: 'unread' }], {}, null],
  ])('%s', (_name, passwords, targets, overrides, expected) => {
    const reasons = rotationReasons(managedSecrets(passwords, 'managed'), targets, { ...settings, ...overrides }, NOW);
    if (expected === null) expect(reasons).toEqual([]);
    else expect(reasons.join('\n')).toMatch(expected);
  });

  it('compares with GitHub updated_at at one-second precision', () => {
    const p = pw(0, 180);
    p.startDateTime = new Date('2026-06-01T11:59:59.731Z');
    const stored: TargetState = { target: repoSecret, stored: { updatedAt: new Date('2026-06-01T11:59:59Z') } };
    expect(rotationReasons([p], [stored], settings, NOW)).toEqual([]);
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
  ])('%s', (_name, keepPrevious, specs, removedIdx) => {
    const ps = specs.map(([ago, life]) => pw(ago, life));
    const removed = secretsToRemove(managedSecrets(ps, 'managed'), { keepPrevious }, NOW, runStart).map((r) => r.secret.keyId);
    expect(removed.sort()).toEqual(removedIdx.map((i) => ps[i]?.keyId).sort());
  });

  it('never removes a secret that started after the run began (another run at the same time)', () => {
    const concurrent = pw(0, 180);
    concurrent.startDateTime = new Date(runStart.getTime() + 1000);
    const justBefore = pw(0, 180);
    justBefore.startDateTime = new Date(runStart.getTime() - CONCURRENT_RUN_MARGIN_MS / 2);
    const old = pw(400, 500);
    const removed = secretsToRemove(managedSecrets([concurrent, justBefore, old], 'managed'), { keepPrevious: 0 }, NOW, runStart);
    expect(removed.map((r) => r.secret.keyId)).toEqual([old.keyId]);
  });
});

describe('makePlan', () => {
  it('plans a create from nothing: app, service principal, secret, every target', () => {
    const plan = makePlan({ app: { create: 'billing' }, targets: [{ target: repoSecret, stored: undefined }], settings, servicePrincipal: true, now: NOW, runStart: NOW });
    expect(plan.app).toEqual({ action: 'create', displayName: 'billing' });
    expect(plan.servicePrincipal).toBe('create');
    expect(plan.rotate).toBe(true);
    expect(plan.newSecret?.endDateTime.toISOString()).toBe('2026-11-28T12:00:00.000Z');
    expect(plan.writes.map((w) => w.target)).toEqual([repoSecret]);
    expect(plan.removals).toEqual([]);
  });

  it('plans nothing in the steady state, and writes only a missing companion', () => {
    const current = pw(10, 180);
    const plan = makePlan({
      app: { displayName: 'billing', appId: 'a', objectId: 'o', passwords: [current, pw(20, 100, 'portal')] },
      targets: [written(5), { target: clientIdTarget, stored: undefined }],
      settings,
      servicePrincipal: true,
      now: NOW,
      runStart: NOW,
    });
    expect(plan.rotate).toBe(false);
    expect(plan.servicePrincipal).toBe('skip');
    expect(plan.writes.map((w) => w.target)).toEqual([clientIdTarget]);
    expect(plan.removals).toEqual([]);
    expect(plan.secrets.map((s) => s.managed)).toEqual([true, false]);
  });

  it('cleans up leftovers in the steady state: beyond keep-previous, expired, held by no target', () => {
    const current = pw(10, 180);
    const previous = pw(100, 180);
    const older = pw(150, 180);
    const expired = pw(400, 300);
    const plan = makePlan({
      app: { displayName: 'billing', appId: 'a', objectId: 'o', passwords: [current, previous, older, expired, pw(5, 30, 'portal')] },
      targets: [written(9)],
      settings,
      servicePrincipal: true,
      now: NOW,
      runStart: NOW,
    });
    expect(plan.rotate).toBe(false);
    expect(plan.removals.map((r) => r.secret.keyId).sort()).toEqual([older.keyId, expired.keyId].sort());
  });

  it('removes a secret no target holds (made by a failed run) instead of keeping it as the previous one', () => {
    const original = pw(170, 180);
    const orphan = pw(1, 180);
    const plan = makePlan({
      app: { displayName: 'billing', appId: 'a', objectId: 'o', passwords: [orphan, original] },
      targets: [written(169)],
      settings,
      servicePrincipal: true,
      now: NOW,
      runStart: NOW,
    });
    expect(plan.rotate).toBe(true);
    expect(plan.removals.map((r) => r.secret.keyId)).toEqual([orphan.keyId]);
  });

  it('never plans to remove an unmanaged secret', () => {
    const theirs = pw(400, 370, 'Temp');
    const plan = makePlan({
      app: { displayName: 'billing', appId: 'a', objectId: 'o', passwords: [pw(170, 180), theirs] },
      targets: [written(160)],
      settings: { ...settings, keepPrevious: 0 },
      servicePrincipal: false,
      now: NOW,
      runStart: NOW,
    });
    expect(plan.rotate).toBe(true);
    expect(plan.removals.map((r) => r.secret.keyId)).not.toContain(theirs.keyId);
    expect(plan.removals).toHaveLength(1);
  });
});
