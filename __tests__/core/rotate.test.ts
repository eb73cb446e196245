/**
 * One app's make-before-break order and its unknown outcomes, run from src/core against the in-memory fakes
 * (test/fakes): add the new secret → Entra accepts it → write every target → only then remove old managed secrets;
 * never remove one a target may hold; an answer that never came is "maybe done".
 */
import { runFleet, type FleetOutcome } from '../../src/core/fleet.ts';
import { WRITE_DEADLINE_MS } from '../../src/core/plan.ts';
import type { AppSpec } from '../../src/core/spec.ts';
import { fakePorts, type Fake } from '../../test/fakes/index.ts';
import { heldSecret, newManaged, seedNearExpiry, seedNothing, violations, type Seeded } from '../../test/fakes/seed.ts';
import { appSpec, DAY, fleetSettings, repo, single, target } from '../../test/fakes/specs.ts';

async function runOne(fake: Fake, spec: AppSpec, run = 'run'): Promise<FleetOutcome> {
  return runFleet([spec], fleetSettings(), single, fake.ports(run));
}

/** The effects in order, as `call label` without ids, e.g. `write AZURE_CLIENT_SECRET repository octo/app`. */
function effects(fake: Fake): string[] {
  return fake.world.effects.map((e) => e.call);
}

const companions = (): AppSpec =>
  appSpec({
    targets: ['production', 'staging area'].flatMap((env) => [
      target(repo('app', env), 'AZURE_CLIENT_SECRET'),
      target(repo('app', env), 'AZURE_CREDENTIALS', 'credentials'),
      target(repo('app', env), 'AZURE_CLIENT_ID', 'client-id'),
    ]),
  });

/** Every secret value Entra holds or held must appear in no log line. */
function expectNoValueLogged(fake: Fake, s: Seeded, run = 'run'): void {
  const text = fake.log(run).text();
  const app = fake.directory.byName(s.spec.app.name ?? '')[0];
  for (const p of app?.passwords ?? []) expect(text).not.toContain(p.value);
}

describe('make-before-break, one app', () => {
  it('adds, has Entra accept it, writes every target, and only then removes the old managed secret beyond keep-previous', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, companions());
    const [current, older, unmanaged] = s.app?.passwords ?? [];
    const result = await runOne(fake, s.spec);

    expect(result.apps[0]?.outcome.error).toBeUndefined();
    expect(effects(fake)).toEqual(['addPassword', 'write', 'write', 'write', 'write', 'write', 'write', 'removePassword']);
    // The verifier asked between the add and the first write.
    const calls = fake.world.calls.map((c) => c.call);
    expect(calls.indexOf('accepts')).toBeGreaterThan(calls.indexOf('addPassword'));
    expect(calls.indexOf('accepts')).toBeLessThan(calls.indexOf('write'));
    const added = newManaged(fake, s);
    expect(added).toHaveLength(1);
    for (const t of s.spec.targets.filter((t) => t.kind !== 'client-id')) expect(heldSecret(fake, t)).toBe(added[0]?.value);
    expect(fake.store.held(repo('app', 'production'), 'AZURE_CLIENT_ID')?.value).toBe(s.app?.appId);
    // keep-previous 1: the current one stays as the previous, the older managed one goes, the unmanaged one is never touched.
    expect(fake.directory.apps[0]?.passwords.map((p) => p.keyId)).toEqual([current?.keyId, unmanaged?.keyId, added[0]?.keyId]);
    expect(fake.world.effects.at(-1)?.label).toContain(older?.keyId);
    expect(violations(fake, s)).toEqual([]);
    // Masked the moment it exists: before any write, and never printed.
    expect(fake.log().masked[0]).toBe(added[0]?.value);
    expectNoValueLogged(fake, s);
  });

  it('changes nothing when the newest managed secret is far from expiry and every target holds it', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, appSpec());
    fake.clock.advance(-60 * DAY); // the current one has 70 days left
    const result = await runOne(fake, s.spec);
    expect(result.apps[0]?.outcome.error).toBeUndefined();
    expect(fake.world.effects).toEqual([]);
  });

  it('creates a missing app with its properties, its service principal, and a first secret before writing it', async () => {
    const fake = fakePorts();
    const spec = appSpec({ name: 'new-service', declared: { webRedirectUris: ['https://new-service.contoso.com/auth'], notes: 'billing' } });
    const s = seedNothing(fake, spec);
    const result = await runOne(fake, spec);
    expect(result.apps[0]?.outcome.error).toBeUndefined();
    expect(result.apps[0]?.outcome.appCreated).toBe(true);
    const order = effects(fake);
    expect(order[0]).toBe('createApp');
    expect(order.indexOf('addPassword')).toBeLessThan(order.indexOf('write'));
    expect(order).toContain('createServicePrincipal');
    const app = fake.directory.byName('new-service')[0];
    expect(app?.settings.webRedirectUris).toEqual(['https://new-service.contoso.com/auth']);
    expect(fake.directory.servicePrincipals.has(app?.appId ?? '')).toBe(true);
    expect(violations(fake, s)).toEqual([]);
    // A second run finds it as declared: nothing to change.
    fake.world.effects.length = 0;
    fake.clock.advance(DAY);
    await runOne(fake, spec);
    expect(fake.world.effects).toEqual([]);
  });

  it('creates the missing service principal of an existing app when the verification says it is missing, then verifies again', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, appSpec());
    fake.directory.servicePrincipals.clear();
    const result = await runOne(fake, s.spec);
    expect(result.apps[0]?.outcome.error).toBeUndefined();
    expect(effects(fake)).toEqual(['addPassword', 'createServicePrincipal', 'write', 'removePassword']);
    expect(fake.world.calls.filter((c) => c.call === 'accepts')).toHaveLength(2);
  });

  it('waits for Entra to accept the new secret (propagation) before any target gets it', async () => {
    const fake = fakePorts();
    fake.verifier.propagationMs = 18_000;
    const s = seedNearExpiry(fake, appSpec());
    await runOne(fake, s.spec);
    const added = fake.world.effects.find((e) => e.call === 'addPassword');
    const written = fake.world.effects.find((e) => e.call === 'write');
    expect((written?.at.getTime() ?? 0) - (added?.at.getTime() ?? 0)).toBeGreaterThanOrEqual(18_000);
    expect(violations(fake, s)).toEqual([]);
  });

  it('removes the new secret again, writing nothing, when Entra never accepts it', async () => {
    const fake = fakePorts();
    fake.verifier.propagationMs = 120_000; // beyond the adapter's 60 s budget
    const s = seedNearExpiry(fake, appSpec());
    const before = fake.directory.apps[0]?.passwords.map((p) => p.keyId);
    const result = await runOne(fake, s.spec);
    expect(result.apps[0]?.outcome.error?.message).toMatch(/did not accept the new client secret.*removed again/s);
    expect(result.apps[0]?.outcome.error?.message).toContain('AADSTS7000215');
    expect(effects(fake)).toEqual(['addPassword', 'removePassword']);
    expect(fake.directory.apps[0]?.passwords.map((p) => p.keyId)).toEqual(before);
    expect(violations(fake, s)).toEqual([]);
  });

  it('removes the new secret again, writing nothing, when the write window closed before Entra accepted it', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, appSpec());
    fake.world.plan({ call: 'accepts', kind: 'throttled', delayMs: WRITE_DEADLINE_MS + 1000 });
    const result = await runOne(fake, s.spec);
    expect(result.apps[0]?.outcome.error?.message).toContain('no target has it yet');
    expect(effects(fake)).toEqual(['addPassword', 'removePassword']);
    expect(violations(fake, s)).toEqual([]);
  });

  it("fails with Graph's 403 and changes nothing on an app the rotator does not own (Application.ReadWrite.OwnedBy)", async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, appSpec());
    if (s.app !== undefined) s.app.owned = false;
    const result = await runOne(fake, s.spec);
    expect(result.apps[0]?.outcome.error?.message).toMatch(/HTTP 403, Authorization_RequestDenied/);
    expect(result.apps[0]?.outcome.error?.message).toContain('What to try:');
    expect(fake.world.effects).toEqual([]);
  });
});

describe('an answer that never came is maybe done', () => {
  it('a lost answer to addPassword: the stray secret (our name, our expiry, not there before) is removed and one new secret is added', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, appSpec());
    const fault = fake.world.plan({ call: 'addPassword', kind: 'lost-after' });
    const result = await runOne(fake, s.spec);
    expect(fault.fired).toBe(1);
    expect(result.apps[0]?.outcome.error).toBeUndefined();
    expect(effects(fake)).toEqual(['addPassword', 'removePassword', 'addPassword', 'write', 'removePassword']);
    expect(newManaged(fake, s)).toHaveLength(1);
    expect(violations(fake, s)).toEqual([]);
    expect(fake.log().warnings().join('\n')).toContain('checking whether it was added anyway');
  });

  it('a failure before addPassword did anything: nothing to remove, added once', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, appSpec());
    fake.world.plan({ call: 'addPassword', kind: 'lost-before' });
    await runOne(fake, s.spec);
    expect(effects(fake)).toEqual(['addPassword', 'write', 'removePassword']);
    expect(violations(fake, s)).toEqual([]);
  });

  it('addPassword lost three times: the run fails, every target keeps a working secret, at most one orphan is left', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, appSpec());
    fake.world.plan({ call: 'addPassword', kind: 'lost-after', times: Infinity });
    const result = await runOne(fake, s.spec);
    expect(result.apps[0]?.outcome.error?.message).toContain('it may have taken effect all the same');
    expect(effects(fake).filter((e) => e === 'write')).toEqual([]);
    expect(violations(fake, s)).toEqual([]);
  });

  it.each(['lost-after', 'server-error-after'] as const)(
    'a write whose answer was lost (%s) is unconfirmed: the target holds the new value, and every client secret is kept',
    async (kind) => {
      const fake = fakePorts();
      const s = seedNearExpiry(fake, companions());
      const before = fake.directory.apps[0]?.passwords.map((p) => p.keyId) ?? [];
      fake.world.plan({ call: 'write', kind, labelIncludes: "AZURE_CREDENTIALS environment 'staging area'" });
      const result = await runOne(fake, s.spec);
      const o = result.apps[0]?.outcome;
      expect(o?.unconfirmed.map((u) => u.target.name)).toEqual(['AZURE_CREDENTIALS']);
      expect(o?.error?.message).toContain('unconfirmed');
      expect(effects(fake)).not.toContain('removePassword');
      const after = fake.directory.apps[0]?.passwords.map((p) => p.keyId) ?? [];
      expect(after).toEqual([...before, newManaged(fake, s)[0]?.keyId]);
      expect(violations(fake, s)).toEqual([]);
    },
  );

  it('a write lost before GitHub did anything: that target still holds the previous value, which is kept', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, companions());
    const current = s.app?.passwords[0];
    fake.world.plan({ call: 'write', kind: 'lost-before', labelIncludes: "AZURE_CLIENT_SECRET environment 'production'" });
    const result = await runOne(fake, s.spec);
    expect(result.apps[0]?.outcome.unconfirmed).toHaveLength(1);
    expect(heldSecret(fake, target(repo('app', 'production'), 'AZURE_CLIENT_SECRET'))).toBe(current?.value);
    expect(effects(fake)).not.toContain('removePassword');
    expect(violations(fake, s)).toEqual([]);
    // The next run (no faults) writes it again and only then removes what no target may hold.
    fake.world.faults.length = 0;
    fake.clock.advance(DAY);
    const next = await runOne(fake, s.spec);
    expect(next.apps[0]?.outcome.error).toBeUndefined();
    expect(heldSecret(fake, target(repo('app', 'production'), 'AZURE_CLIENT_SECRET'))).toBe(newManaged(fake, s).at(-1)?.value);
    expect(violations(fake, s)).toEqual([]);
  });

  it('every write refused: the new secret is removed again and the old ones are kept', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, appSpec());
    const before = fake.directory.apps[0]?.passwords.map((p) => p.keyId);
    fake.world.plan({ call: 'write', kind: 'refused', times: Infinity });
    const result = await runOne(fake, s.spec);
    expect(result.apps[0]?.outcome.error?.message).toContain('No target could be written');
    expect(effects(fake)).toEqual(['addPassword', 'removePassword']);
    expect(fake.directory.apps[0]?.passwords.map((p) => p.keyId)).toEqual(before);
  });

  it('a missing environment fails before the new secret is added', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, appSpec({ targets: [target(repo('app', 'production'), 'AZURE_CLIENT_SECRET')] }));
    fake.store.scopes.clear();
    const result = await runOne(fake, s.spec);
    expect(result.apps[0]?.outcome.error?.message).toMatch(/GitHub: failed listing the secrets of environment 'production'.*HTTP 404/);
    expect(fake.world.effects).toEqual([]);
  });

  it('a removal whose answer was lost took effect; the run warns and does not fail, and the next run is clean', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, appSpec());
    fake.world.plan({ call: 'removePassword', kind: 'lost-after' });
    const result = await runOne(fake, s.spec);
    expect(result.apps[0]?.outcome.error).toBeUndefined();
    expect(fake.log().warnings().join('\n')).toContain('Could not remove the old client secret');
    expect(violations(fake, s)).toEqual([]);
    fake.world.effects.length = 0;
    fake.clock.advance(DAY);
    await runOne(fake, s.spec);
    expect(fake.world.effects).toEqual([]);
  });
});
