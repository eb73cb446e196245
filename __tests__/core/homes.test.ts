/**
 * Homes other than GitHub secrets, over the fakes: a Key Vault secret says which credential it holds (its tag), so
 * the run knows without the write window, rotates when a vault holds an older one, and never removes the one a
 * vault holds; variables show their value, so a companion (client or tenant ID) is written only when it differs.
 */
import { runFleet, type FleetOutcome } from '../../src/core/fleet.ts';
import type { AppSpec } from '../../src/core/spec.ts';
import { fakePorts, type Fake } from '../../test/fakes/index.ts';
import { convergenceProblems, newManaged, seedNearExpiry, seedNothing, violations } from '../../test/fakes/seed.ts';
import { appSpec, DAY, fleetSettings, repo, single, target, TENANT, vault, variables } from '../../test/fakes/specs.ts';

const KV = vault('kv-payments');
const keyVaultOnly = (keepPrevious = 1): AppSpec => appSpec({ keepPrevious, targets: [target(KV, 'payments-api-client-secret')] });

async function runOne(fake: Fake, spec: AppSpec): Promise<FleetOutcome> {
  return runFleet([spec], fleetSettings(), single, fake.ports());
}

describe('a Key Vault home', () => {
  it('near expiry: the new secret is written to the vault with the key id it holds and its expiry, the old one removed; nothing of GitHub is touched', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, keyVaultOnly());
    const result = await runOne(fake, s.spec);
    expect(result.apps[0]?.outcome.error).toBeUndefined();
    const [made] = newManaged(fake, s);
    const held = fake.store.held(KV, 'payments-api-client-secret');
    expect(held?.value).toBe(made?.value);
    expect(held?.holds).toBe(made?.keyId);
    expect(held?.expires).toEqual(made?.endDateTime);
    expect(held?.appId).toBe(s.app?.appId);
    expect(fake.world.effects.map((e) => e.call)).toEqual(['addPassword', 'write', 'removePassword']);
    expect(violations(fake, s)).toEqual([]);
    expect(convergenceProblems(fake, s)).toEqual([]);
  });

  it('steady: a vault that holds the newest managed secret is not written, whenever it was last written', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, keyVaultOnly());
    await runOne(fake, s.spec);
    // Much later than any write window, and with the vault written long after the secret was made: the tag decides.
    fake.clock.advance(5 * DAY);
    const [made] = newManaged(fake, s);
    fake.store.put(KV, 'payments-api-client-secret', made?.value ?? '', fake.clock.now(), undefined, made?.keyId);
    const effects = fake.world.effects.length;
    const again = await runOne(fake, s.spec);
    expect(again.apps[0]?.outcome.rotated).toBe(false);
    expect(fake.world.effects.slice(effects)).toEqual([]);
    expect(again.apps[0]?.outcome.plan?.reasons.join(' ')).toMatch(/every target holds it/);
  });

  it('a vault that holds an older key id is a reason to rotate, and that key id is kept while the vault holds it', async () => {
    const fake = fakePorts();
    const spec = appSpec({ keepPrevious: 0, targets: [target(KV, 'payments-api-client-secret'), target(repo('app'), 'AZURE_CLIENT_SECRET')] });
    const s = seedNearExpiry(fake, spec);
    // The current secret is far from expiry; the vault still holds the older managed one (another run wrote only GitHub).
    const app = fake.directory.apps[0];
    const [current, older] = app?.passwords ?? [];
    if (current === undefined || older === undefined) throw new Error('seed');
    current.endDateTime = new Date(fake.clock.now().getTime() + 150 * DAY);
    fake.store.put(KV, 'payments-api-client-secret', older.value, new Date(current.startDateTime.getTime() + 5_000), undefined, older.keyId);
    const plan = (await runFleet([spec], fleetSettings(), { ...single, dryRun: true }, fake.ports())).apps[0]?.outcome.plan;
    expect(plan?.rotate).toBe(true);
    expect(plan?.reasons.join('\n')).toMatch(new RegExp(`payments-api-client-secret \\(Key Vault https://kv-payments\\.vault\\.azure\\.net\\) was last written .*with ${older.keyId}, not the newest managed secret \\(${current.keyId}\\)`));
    // With keep-previous 0 the older one would go after a rotation; a failed vault write keeps every secret instead.
    fake.world.plan({ call: 'write', labelIncludes: 'payments-api-client-secret', kind: 'refused' });
    const run = await runOne(fake, spec);
    expect(run.apps[0]?.outcome.error).toBeDefined();
    expect(app?.passwords.some((p) => p.keyId === older.keyId)).toBe(true);
    expect(violations(fake, s)).toEqual([]);
  });

  it("a vault holding the credential an overlapping run wrote after the newest was made: not a reason to rotate until no run can still be writing, and both are kept", async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, keyVaultOnly(0));
    await runOne(fake, s.spec);
    const [made] = newManaged(fake, s);
    const app = fake.directory.apps[0];
    if (made === undefined || app === undefined) throw new Error('seed');
    // Another run added a newer one 2 minutes ago; the vault was last written by this run, with `made`.
    fake.clock.advance(60_000);
    const newer = await fake.directory.addPassword({ ...app, passwordCredentials: [], settings: {} as never, signInAudience: 'AzureADMyOrg' }, made.displayName ?? '', new Date(fake.clock.now().getTime() + 180 * DAY));
    fake.clock.advance(2 * 60_000);
    const plan = (await runFleet([s.spec], fleetSettings(), { ...single, dryRun: true }, fake.ports())).apps[0]?.outcome.plan;
    expect(plan?.rotate).toBe(false);
    expect(plan?.notes.join('\n')).toMatch(new RegExp(`holds ${made.keyId}, not the newest managed secret \\(${newer.info.keyId}\\), which a run made .* and may still be writing: both are kept`));
    expect(plan?.removals.map((r) => r.credential.keyId)).not.toContain(made.keyId);
    fake.clock.advance(15 * 60_000);
    const later = (await runFleet([s.spec], fleetSettings(), { ...single, dryRun: true }, fake.ports())).apps[0]?.outcome.plan;
    expect(later?.rotate).toBe(true);
  });

  it('a vault left holding the old credential by a run that wrote the other targets but not it: rotated at once (the one it holds is not young)', async () => {
    const fake = fakePorts();
    const spec = appSpec({ targets: [target(KV, 'payments-api-client-secret'), target(repo('app'), 'AZURE_CLIENT_SECRET')] });
    const s = seedNearExpiry(fake, spec);
    fake.world.plan({ call: 'write', labelIncludes: 'payments-api-client-secret', kind: 'refused', times: Infinity });
    await runOne(fake, spec);
    fake.world.faults.length = 0;
    const next = await runOne(fake, spec);
    expect(next.apps[0]?.outcome.rotated).toBe(true);
    expect(convergenceProblems(fake, s)).toEqual([]);
  });

  it('a missing vault secret needs a new credential (its value cannot be read back): created with the app', async () => {
    const fake = fakePorts();
    const s = seedNothing(fake, keyVaultOnly());
    const result = await runOne(fake, s.spec);
    expect(result.apps[0]?.outcome.error).toBeUndefined();
    const [made] = newManaged(fake, s);
    expect(fake.store.held(KV, 'payments-api-client-secret')?.holds).toBe(made?.keyId);
  });

  it('no home took the value (the vault refused): the new secret is removed again, every old one kept', async () => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, keyVaultOnly(0));
    fake.world.plan({ call: 'write', kind: 'refused' });
    const result = await runOne(fake, s.spec);
    expect(result.apps[0]?.outcome.error?.message).toMatch(/No target could be written, so the new client secret was removed again/);
    expect(newManaged(fake, s)).toEqual([]);
    expect(fake.directory.apps[0]?.passwords.map((p) => p.keyId)).toEqual(s.keyIds);
  });
});

describe('variables for the companions', () => {
  const withVariables = (): AppSpec =>
    appSpec({
      targets: [target(repo('app'), 'AZURE_CLIENT_SECRET'), target(variables('app'), 'AZURE_CLIENT_ID', 'client-id'), target(variables('app', 'production'), 'AZURE_TENANT_ID', 'tenant-id')],
    });

  it('written when missing, not written again when they hold the value, written when they hold another', async () => {
    const fake = fakePorts();
    const s = seedNothing(fake, withVariables());
    await runOne(fake, s.spec);
    const appId = fake.directory.apps[0]?.appId;
    expect(fake.store.held(variables('app'), 'AZURE_CLIENT_ID')?.value).toBe(appId);
    expect(fake.store.held(variables('app', 'production'), 'AZURE_TENANT_ID')?.value).toBe(TENANT);

    const writes = (): number => fake.world.effects.filter((e) => e.call === 'write').length;
    const before = writes();
    const steady = await runOne(fake, s.spec);
    expect(steady.apps[0]?.outcome.plan?.writes).toEqual([]);
    expect(writes()).toBe(before);

    fake.store.put(variables('app', 'production'), 'AZURE_TENANT_ID', '00000000-0000-0000-0000-000000000000', fake.clock.now());
    const fixed = await runOne(fake, s.spec);
    expect(fixed.apps[0]?.outcome.rotated).toBe(false);
    expect(fixed.apps[0]?.outcome.plan?.writes.map((w) => [w.target.name, w.reason])).toEqual([['AZURE_TENANT_ID', 'holds another value than the tenant ID']]);
    expect(fake.store.held(variables('app', 'production'), 'AZURE_TENANT_ID')?.value).toBe(TENANT);
  });

  it('a variable write counts against max-writes like a secret write', async () => {
    const fake = fakePorts();
    const s = seedNothing(fake, withVariables());
    const result = await runOne(fake, s.spec);
    expect(result.githubWrites.planned).toBe(3);
  });
});
