/**
 * Overlapping runs over the same fakes (two runs of the same app, as two workflow runs at once): at every moment,
 * no target holds a secret Entra no longer has; after both, the invariant of test/invariant.ts holds.
 */
import { runFleet } from '../../src/core/fleet.ts';
import type { AppSpec } from '../../src/core/spec.ts';
import { fakePorts, type CallName, type Fake } from '../../test/fakes/index.ts';
import { brokenTargets, seedNearExpiry, violations, type Seeded } from '../../test/fakes/seed.ts';
import { appSpec, DAY, fleetSettings, repo, single, target } from '../../test/fakes/specs.ts';

/** keep-previous 0: only the in-flight rule (IN_FLIGHT_MS) protects the other run's new secret. */
const spec = (keepPrevious = 0): AppSpec =>
  appSpec({ force: true, keepPrevious, targets: [target(repo('app'), 'AZURE_CLIENT_SECRET'), target(repo('app', 'production'), 'AZURE_CREDENTIALS', 'credentials')] });

const run = (fake: Fake, s: Seeded, tag: string): ReturnType<typeof runFleet> => runFleet([s.spec], fleetSettings(), single, fake.ports(tag));

/** Checks the invariant before every call either run makes: what any moment of the interleaving shows. */
function watch(fake: Fake, s: Seeded): string[] {
  const seen: string[] = [];
  fake.world.beforeCall = async (call: CallName, label: string) => {
    for (const v of brokenTargets(fake, s)) seen.push(`before ${call} ${label}: ${v}`);
    await Promise.resolve();
  };
  return seen;
}

describe('overlapping runs', () => {
  it.each([0, 1])('two runs interleaved call by call keep every target working (keep-previous %d)', async (keepPrevious) => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, spec(keepPrevious));
    const seen = watch(fake, s);
    const [a, b] = await Promise.all([run(fake, s, 'A'), run(fake, s, 'B')]);
    expect(seen).toEqual([]);
    expect(violations(fake, s, 2)).toEqual([]);
    // Both rotated or one failed, but neither removed a secret the other may have written.
    expect([a.apps[0]?.outcome.rotated, b.apps[0]?.outcome.rotated]).toContain(true);
  });

  it.each<[string, CallName, number]>([
    ["B runs whole between A's addPassword and A's first write", 'write', 1],
    ["B runs whole between A's writes", 'write', 2],
    ["B runs whole between A's last write and A's removal", 'removePassword', 1],
    ["B runs whole while A verifies", 'accepts', 1],
  ])('%s: B never removes what A is writing, and A never removes what B wrote', async (_name, call, occurrence) => {
    const fake = fakePorts();
    const s = seedNearExpiry(fake, spec());
    let n = 0;
    let b: ReturnType<typeof run> | undefined;
    fake.world.beforeCall = async (c) => {
      if (fake.world.run !== 'A' || c !== call || (n += 1) !== occurrence) return;
      fake.clock.advance(60_000);
      b = run(fake, s, 'B');
      await b;
    };
    const seen: string[] = [];
    const hook = fake.world.beforeCall;
    fake.world.beforeCall = async (c, label, run) => {
      for (const v of brokenTargets(fake, s)) seen.push(`before ${c} ${label}: ${v}`);
      await hook?.(c, label, run);
    };
    await run(fake, s, 'A');
    expect(b).toBeDefined();
    expect(seen).toEqual([]);
    expect(violations(fake, s, 2)).toEqual([]);
    // And later runs, once both are long past, converge: one new managed secret held by every target.
    fake.world.beforeCall = undefined;
    fake.clock.advance(DAY);
    const later = await runFleet([{ ...s.spec, rotation: { ...s.spec.rotation, force: false } }], fleetSettings(), single, fake.ports('C'));
    expect(later.apps[0]?.outcome.error).toBeUndefined();
    expect(violations(fake, s)).toEqual([]);
  });
});
