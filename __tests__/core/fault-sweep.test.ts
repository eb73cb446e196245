/**
 * The fault sweep's fast form over the fakes: the start states of __tests__/faults.test.ts; for every port call k
 * of a clean run, each fault kind as the core receives it (after the adapters' retries), once and persistent. After
 * each faulted run the invariant of test/invariant.ts holds, and a run without faults after it leaves it holding.
 * The slow end-to-end sweep stays: it proves the adapters turn request faults into these.
 */
import { runFleet } from '../../src/core/fleet.ts';
import { fakePorts, FAULT_KINDS, type CallName, type Fake } from '../../test/fakes/index.ts';
import { seedNearExpiry, seedNothing, violations, type Seeded } from '../../test/fakes/seed.ts';
import { appSpec, DAY, fleet, fleetSettings, repo, single, target } from '../../test/fakes/specs.ts';

const ENVS = ['production', 'staging area'];
const companionTargets = ENVS.flatMap((env) => [
  target(repo('app', env), 'AZURE_CLIENT_SECRET'),
  target(repo('app', env), 'AZURE_CREDENTIALS', 'credentials'),
  target(repo('app', env), 'AZURE_CLIENT_ID', 'client-id'),
]);

const START_STATES: Array<[string, (fake: Fake) => Seeded[]]> = [
  ['a rotation near expiry to one repository secret', (f) => [seedNearExpiry(f, appSpec())]],
  ['a rotation near expiry (two environments, companion secrets)', (f) => [seedNearExpiry(f, appSpec({ targets: companionTargets }))]],
  [
    'a create from nothing (declared properties, two environments, companion secrets)',
    (f) => [seedNothing(f, appSpec({ name: 'new-service', targets: companionTargets, declared: { webRedirectUris: ['https://new-service.contoso.com/auth'] } }))],
  ],
  [
    'a fleet of two apps near expiry',
    (f) => [
      seedNearExpiry(f, appSpec({ name: 'payments-api', targets: [target(repo('app'), 'PAYMENTS_CLIENT_SECRET')] })),
      seedNearExpiry(f, appSpec({ name: 'orders-api', targets: [target(repo('app', 'production'), 'ORDERS_CLIENT_SECRET'), target(repo('app', 'production'), 'ORDERS_CREDENTIALS', 'credentials')] })),
    ],
  ],
];

const run = (fake: Fake, seeded: readonly Seeded[]): ReturnType<typeof runFleet> =>
  runFleet(seeded.map((s) => s.spec), fleetSettings(), seeded.length === 1 ? single : fleet, fake.ports());

it.each(START_STATES)('keeps every GitHub secret working under every fault kind, once and persistent, at every port call of %s', async (name, setUp) => {
  const clean = fakePorts();
  const cleanSeeded = setUp(clean);
  await run(clean, cleanSeeded);
  expect(cleanSeeded.flatMap((s) => violations(clean, s))).toEqual([]);
  const seen = new Map<CallName, number>();
  const steps = clean.world.calls.map((c) => {
    const occurrence = (seen.get(c.call) ?? 0) + 1;
    seen.set(c.call, occurrence);
    return { call: c.call, occurrence, label: `${c.call} #${occurrence} (${c.label})` };
  });
  const problems: string[] = [];
  let cases = 0;
  for (const step of steps) {
    for (const kind of FAULT_KINDS) {
      for (const times of [1, Infinity]) {
        cases += 1;
        const fake = fakePorts();
        const seeded = setUp(fake);
        const fault = fake.world.plan({ call: step.call, occurrence: step.occurrence, times, kind });
        const where = `${step.label}, ${kind} ${times === 1 ? 'once' : 'persistent'}`;
        await run(fake, seeded);
        if (fault.fired === 0) problems.push(`${where}: never fired`);
        problems.push(...seeded.flatMap((s) => violations(fake, s)).map((v) => `${where}: ${v}`));
        fake.world.faults.length = 0;
        fake.clock.advance(DAY);
        await run(fake, seeded);
        problems.push(...seeded.flatMap((s) => violations(fake, s)).map((v) => `${where}, then a clean run: ${v}`));
      }
    }
  }
  process.stdout.write(`fast fault sweep, ${name}: ${steps.length} port calls × ${FAULT_KINDS.length} kinds × once/persistent = ${cases} cases\n`);
  expect(cases).toBe(steps.length * FAULT_KINDS.length * 2);
  expect(problems).toEqual([]);
});
