/**
 * Fleets from src/core against the fakes: the budget (max-rotations, max-writes, nearest expiry first), shards,
 * one app's failure not stopping the others, the expiry report, the job summary and the JSON report.
 */
import { inShard, runFleet } from '../../src/core/fleet.ts';
import { fleetSummary, reportJson } from '../../src/core/summary.ts';
import type { AppSpec } from '../../src/core/spec.ts';
import { fakePorts, type Fake } from '../../test/fakes/index.ts';
import { newManaged, seedNearExpiry, violations, type Seeded } from '../../test/fakes/seed.ts';
import { appSpec, DAY, fleet, fleetSettings, MANAGED, repo, target, TENANT } from '../../test/fakes/specs.ts';

/** Apps near expiry; the i-th one's current secret ends `daysLeft[i]` days from now. */
function seedFleet(fake: Fake, daysLeft: readonly number[], targetsEach = 1): Seeded[] {
  return daysLeft.map((days, i) => {
    const spec = appSpec({ name: `app-${i}`, targets: Array.from({ length: targetsEach }, (_, k) => target(repo(`repo-${i}`), `SECRET_${k}`)) });
    const s = seedNearExpiry(fake, spec);
    const current = s.app?.passwords[0];
    if (current !== undefined) current.endDateTime = new Date(fake.clock.now().getTime() + days * DAY);
    return s;
  });
}

const specsOf = (seeded: readonly Seeded[]): AppSpec[] => seeded.map((s) => s.spec);
const rotatedNames = (fake: Fake): string[] => fake.world.effects.filter((e) => e.call === 'addPassword').map((e) => e.label.split(' ')[0] ?? '');

describe('the budget', () => {
  it('max-rotations: the nearest expiry rotate, the others are deferred (and say until when their secret holds)', async () => {
    const fake = fakePorts();
    const seeded = seedFleet(fake, [20, 3, 12, 8]);
    const result = await runFleet(specsOf(seeded), fleetSettings({ maxRotations: 2 }), fleet, fake.ports());
    expect(rotatedNames(fake)).toEqual(['app-1', 'app-3']);
    expect(result.apps.map((a) => a.outcome.deferredBy ?? null)).toEqual(['max-rotations', null, 'max-rotations', null]);
    expect(fake.log().infos()).toContain('4 apps are due and max-rotations is 2: the 2 nearest expiry rotate now, 2 wait for a later run');
    expect(fake.log().warnings().find((w) => w.startsWith('app-0: rotation due, deferred'))).toContain('valid until');
    for (const s of seeded) expect(violations(fake, s)).toEqual([]);
  });

  it('max-writes: whole apps go ahead while their writes fit, nearest expiry first; an app that can never fit fails', async () => {
    const fake = fakePorts();
    const seeded = seedFleet(fake, [5, 6, 7], 2);
    const huge = appSpec({ name: 'huge', targets: Array.from({ length: 5 }, (_, k) => target(repo('big'), `S${k}`)) });
    seeded.push(seedNearExpiry(fake, huge));
    const result = await runFleet(specsOf(seeded), fleetSettings({ maxWrites: 4 }), fleet, fake.ports());
    expect(rotatedNames(fake)).toEqual(['app-0', 'app-1']);
    expect(fake.world.effects.filter((e) => e.call === 'write')).toHaveLength(4);
    expect(result.apps[2]?.outcome.deferredBy).toBe('max-writes');
    expect(result.apps[3]?.outcome.error?.message).toContain('raise max-writes to at least 5');
    expect(result.githubWrites).toEqual({ planned: 4, max: 4 });
  });

  it('an app to be created (nothing works yet) goes before every app near expiry', async () => {
    const fake = fakePorts();
    const seeded = seedFleet(fake, [1]);
    const fresh = appSpec({ name: 'fresh', targets: [target(repo('fresh'), 'S')] });
    fake.store.addScope(repo('fresh'));
    await runFleet([...specsOf(seeded), fresh], fleetSettings({ maxRotations: 1 }), fleet, fake.ports());
    expect(fake.world.effects[0]?.call).toBe('createApp');
    expect(rotatedNames(fake)).toEqual(['fresh']);
  });
});

describe('shards and failures', () => {
  it('every app belongs to exactly one shard, and a shard runs only its own apps', async () => {
    const fake = fakePorts();
    const seeded = seedFleet(fake, Array.from({ length: 12 }, () => 5));
    const specs = specsOf(seeded);
    const owners = specs.map((s) => [1, 2, 3].filter((index) => inShard(s.key, { index, count: 3 })));
    expect(owners.every((o) => o.length === 1)).toBe(true);
    const result = await runFleet(specs, fleetSettings({ shard: { index: 2, count: 3 } }), fleet, fake.ports());
    const mine = specs.filter((_, i) => owners[i]?.[0] === 2).map((s) => s.app.name);
    expect(result.apps.map((a) => a.spec.app.name)).toEqual(mine);
    expect(result.otherShards).toBe(12 - mine.length);
    expect(rotatedNames(fake)).toEqual(mine);
  });

  it("one app's failure (a missing environment) is its own; the others rotate", async () => {
    const fake = fakePorts();
    const seeded = seedFleet(fake, [5, 6]);
    const broken = appSpec({ name: 'broken', targets: [target(repo('repo-0', 'nowhere'), 'S')] });
    seeded.push(seedNearExpiry(fake, broken));
    fake.store.scopes.delete('actions:octo/repo-0#nowhere');
    const result = await runFleet(specsOf(seeded), fleetSettings(), fleet, fake.ports());
    expect(result.apps.map((a) => a.outcome.error === undefined)).toEqual([true, true, false]);
    expect(rotatedNames(fake)).toEqual(['app-0', 'app-1']);
    expect(fake.log().warnings().some((w) => w.startsWith('broken (inputs): GitHub: failed listing the secrets'))).toBe(true);
  });

  it('each app of a fleet logs in its own group', async () => {
    const fake = fakePorts();
    const seeded = seedFleet(fake, [5, 6]);
    await runFleet(specsOf(seeded), fleetSettings(), fleet, fake.ports());
    const log = fake.log();
    expect(log.lines.filter((l) => l.level === 'group').map((l) => l.text)).toEqual(['app-0', 'app-1']);
    expect(log.lines.find((l) => l.text.startsWith('Added client secret'))?.group).toBe('app-0');
    expect(log.infos()).toContain('2 of 2 apps done: app-1 rotated');
  });

  it('a dry run reads and plans but changes nothing', async () => {
    const fake = fakePorts();
    const seeded = seedFleet(fake, [5]);
    const result = await runFleet(specsOf(seeded), fleetSettings(), { ...fleet, dryRun: true }, fake.ports());
    expect(fake.world.effects).toEqual([]);
    expect(result.apps[0]?.outcome.plan?.rotate).toBe(true);
  });
});

describe('the expiry report, the summary and the JSON report', () => {
  it('reads certificates once for the fleet and warns of credentials a person must rotate', async () => {
    const fake = fakePorts();
    const seeded = seedFleet(fake, [40, 50]);
    const now = fake.clock.now().getTime();
    fake.directory.apps[1]?.certificates.push({ keyId: 'cert-1', displayName: 'CN=orders', type: 'AsymmetricX509Cert', startDateTime: new Date(now - DAY), endDateTime: new Date(now + 7 * DAY), pem: 'cert-1 pem' });
    const result = await runFleet(specsOf(seeded), fleetSettings(), fleet, fake.ports());
    expect(fake.world.calls.filter((c) => c.call === 'certificates')).toHaveLength(1);
    const flagged = result.credentials.filter((c) => c.flagged);
    expect(flagged.map((c) => `${c.app.displayName} ${c.kind} ${c.managed ? 'managed' : 'not managed'}`)).toEqual([
      'app-0 client secret managed',
      'app-1 client secret managed',
      'app-1 certificate not managed',
    ]);
    // Previous managed secrets are the action's to remove: no warning for them; the certificate gets one.
    expect(fake.log().warnings()).toEqual([expect.stringContaining("App 'app-1' (client ID") as unknown]);
    expect(fake.log().warnings()[0]).toContain('certificate cert-1');
  });

  it('the fleet summary and the JSON report say what each app did and carry no secret value', async () => {
    const fake = fakePorts();
    const seeded = seedFleet(fake, [5, 6, 100]);
    fake.world.plan({ call: 'write', kind: 'lost-after', labelIncludes: 'repo-1' });
    const result = await runFleet(specsOf(seeded), fleetSettings(), fleet, fake.ports());
    const md = fleetSummary(result, TENANT, false);
    expect(md).toContain('**3 apps** in this run');
    expect(md).toContain('1 rotated · 0 due, deferred · 1 failed');
    expect(md).toMatch(/\| app-1 \| `[^`]+` \| [\d-]+ \| failed \| 0 of 1 \| SECRET_0 \(repository octo\/repo-1\) \|/);
    const json = JSON.parse(reportJson(result, TENANT, fake.clock.now())) as { apps: Array<{ action: string; targets: Array<{ result: string }> }> };
    expect(json.apps.map((a) => `${a.action}: ${a.targets.map((t) => t.result).join(',')}`)).toEqual(['rotated: written', 'failed: unconfirmed', 'unchanged: unchanged']);
    const values = fake.directory.apps.flatMap((a) => a.passwords.map((p) => p.value));
    for (const text of [md, reportJson(result, TENANT, fake.clock.now()), fake.log().text()]) for (const v of values) expect(text).not.toContain(v);
    expect(newManaged(fake, seeded[1] as Seeded)).toHaveLength(1);
    expect(MANAGED).toBe(seeded[0]?.spec.rotation.credentialName);
  });

  it('a fleet of one keeps the single-app summary', async () => {
    const fake = fakePorts();
    const seeded = seedFleet(fake, [5]);
    const result = await runFleet(specsOf(seeded), fleetSettings(), { ...fleet, single: true }, fake.ports());
    const md = fleetSummary(result, TENANT, true);
    expect(md).not.toContain('fleet');
    expect(md).toContain('GitHub writes:');
  });
});
