/**
 * The fault sweep's fast form over the fakes, in two passes over the start states of __tests__/faults.test.ts.
 * First: for every port call k of a clean run, each fault kind as the core receives it (after the adapters'
 * retries), once and persistent. Second: exactly the slow sweep's cases (every request of its clean run × its fault
 * variants, test/fakes/slow-sweep-requests.json), each translated to what the core would receive
 * (test/fakes/slow-sweep-translation.ts), with the slow sweep's expectations. After each faulted run the invariant
 * of test/invariant.ts holds, and a run without faults after it leaves it holding. The slow end-to-end sweep stays:
 * it proves the adapters turn request faults into these.
 */
import { certificateKind } from '../../src/core/credential-kind.ts';
import { runFleet } from '../../src/core/fleet.ts';
import { fakePorts, FAULT_KINDS, type CallName, type Fake } from '../../test/fakes/index.ts';
import { convergenceProblems, newManaged, seedNearExpiry, seedNothing, violations, type Seeded } from '../../test/fakes/seed.ts';
import { translate } from '../../test/fakes/slow-sweep-translation.ts';
import { appSpec, DAY, fleet, fleetSettings, repo, single, target, variables, vault } from '../../test/fakes/specs.ts';
import { readSweepFixture, SLOW_START_STATES, variantsOf, type SlowStartState } from '../../test/slow-sweep.ts';
import { writeSweepReport } from '../../test/sweep-report.ts';

/** A start state's name as a file name. */
const slug = (name: string): string => name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();

const ENVS = ['production', 'staging area'];
const companionTargets = ENVS.flatMap((env) => [
  target(repo('app', env), 'AZURE_CLIENT_SECRET'),
  target(repo('app', env), 'AZURE_CREDENTIALS', 'credentials'),
  target(repo('app', env), 'AZURE_CLIENT_ID', 'client-id'),
]);

/** Microsoft Graph's service principal, as the tenant has it: what api-permissions 'Microsoft Graph: User.Read' resolves. */
const MICROSOFT_GRAPH = {
  appId: '00000003-0000-0000-c000-000000000000',
  displayName: 'Microsoft Graph',
  scopes: [{ id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', value: 'User.Read' }],
  roles: [],
};

/**
 * test/invariant.ts's start states, by their names there. The create declares what createFromNothing declares: a
 * redirect URI, an API permission (looked up: resourceApis) and a federated credential (added after the create).
 */
const START_STATES: Array<[string, SlowStartState, (fake: Fake) => Seeded[]]> = [
  ['a rotation near expiry to one repository secret', 'nearExpirySingleTarget', (f) => [seedNearExpiry(f, appSpec())]],
  ['a rotation near expiry (two environments, companion secrets)', 'nearExpiryWithCompanions', (f) => [seedNearExpiry(f, appSpec({ targets: companionTargets }))]],
  [
    'a create from nothing (declared properties, two environments, companion secrets)',
    'createFromNothing',
    (f) => {
      f.directory.resourceApiList.push(structuredClone(MICROSOFT_GRAPH));
      const declared = {
        webRedirectUris: ['https://new-service.contoso.com/auth'],
        apiPermissions: [{ line: 1, api: 'Microsoft Graph', permissions: [{ name: 'User.Read', type: 'Scope' as const }] }],
        federatedSubjects: ['repo:octo/app:environment:production'],
      };
      return [seedNothing(f, appSpec({ name: 'new-service', targets: companionTargets, declared }))];
    },
  ],
  [
    'a fleet of two apps near expiry',
    'nearExpiryFleet',
    (f) => [
      seedNearExpiry(f, appSpec({ name: 'payments-api', targets: [target(repo('app'), 'PAYMENTS_CLIENT_SECRET')] })),
      seedNearExpiry(f, appSpec({ name: 'orders-api', targets: [target(repo('app', 'production'), 'ORDERS_CLIENT_SECRET'), target(repo('app', 'production'), 'ORDERS_CREDENTIALS', 'credentials')] })),
    ],
  ],
];

const run = (fake: Fake, seeded: readonly Seeded[]): ReturnType<typeof runFleet> =>
  runFleet(seeded.map((s) => s.spec), fleetSettings(), seeded.length === 1 ? single : fleet, fake.ports());

/** Certificate credentials: the same start states' shapes, through the certificate kind (no slow counterpart yet). */
const CERTIFICATE_STATES: Array<[string, SlowStartState | undefined, (fake: Fake) => Seeded[]]> = [
  [
    'a certificate rotation near expiry (PEM; two environments, companion secrets)',
    undefined,
    (f) => [seedNearExpiry(f, appSpec({ kind: certificateKind('pem'), targets: companionTargets.filter((t) => t.kind !== 'credentials') }))],
  ],
  ['a certificate created from nothing (PFX)', undefined, (f) => [seedNothing(f, appSpec({ name: 'new-service', kind: certificateKind('pfx'), targets: [target(repo('app', 'production'), 'AZURE_CLIENT_CERTIFICATE')] }))]],
  [
    'a fleet of a certificate app and a client secret app near expiry',
    undefined,
    (f) => [
      seedNearExpiry(f, appSpec({ name: 'payments-api', kind: certificateKind('pem'), keepPrevious: 0, targets: [target(repo('app'), 'PAYMENTS_CLIENT_CERTIFICATE')] })),
      seedNearExpiry(f, appSpec({ name: 'orders-api', targets: [target(repo('app', 'production'), 'ORDERS_CLIENT_SECRET')] })),
    ],
  ],
];

/** Homes besides GitHub secrets: a Key Vault secret (its tag says what it holds) with a repository secret, and variables. */
const HOME_STATES: Array<[string, SlowStartState | undefined, (fake: Fake) => Seeded[]]> = [
  [
    'a rotation near expiry to a Key Vault secret and a repository secret, the IDs as variables',
    undefined,
    (f) => [
      seedNearExpiry(
        f,
        appSpec({
          targets: [
            target(vault('kv-payments'), 'payments-api-client-secret'),
            target(repo('app'), 'AZURE_CLIENT_SECRET'),
            target(variables('app'), 'AZURE_CLIENT_ID', 'client-id'),
            target(variables('app'), 'AZURE_TENANT_ID', 'tenant-id'),
          ],
        }),
      ),
    ],
  ],
  ['a Key Vault secret created from nothing (keep-previous 0)', undefined, (f) => [seedNothing(f, appSpec({ name: 'new-service', keepPrevious: 0, targets: [target(vault('kv-payments'), 'new-service-client-secret')] }))]],
];

it.each([...START_STATES, ...CERTIFICATE_STATES, ...HOME_STATES])('keeps every GitHub secret working under every fault kind, once and persistent, at every port call of %s', async (name, _key, setUp) => {
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
  writeSweepReport(`fast-fault-sweep-${slug(name)}.txt`, `fast fault sweep, ${name}: ${steps.length} port calls × ${FAULT_KINDS.length} kinds × once/persistent = ${cases} cases`);
  expect(cases).toBe(steps.length * FAULT_KINDS.length * 2);
  expect(problems).toEqual([]);
});

/**
 * The slow sweep's cases per start state: every request of its clean run × 6 variants (503, drop, drop-after; once
 * and persistent), but a request carried in a $batch only × the two 503s (it has no connection of its own to drop).
 * The fleet's 22 requests include 3 batched ones: 19 × 6 + 3 × 2 = 120.
 */
const SLOW_REQUESTS: Record<SlowStartState, number> = { nearExpirySingleTarget: 10, nearExpiryWithCompanions: 17, createFromNothing: 20, nearExpiryFleet: 22 };
const SLOW_CASES: Record<SlowStartState, number> = { nearExpirySingleTarget: 60, nearExpiryWithCompanions: 102, createFromNothing: 120, nearExpiryFleet: 120 };

it('has the slow sweep\'s clean-run requests of every start state', () => {
  const fixture = readSweepFixture();
  expect(Object.keys(fixture)).toEqual([...SLOW_START_STATES]);
  expect(Object.fromEntries(SLOW_START_STATES.map((s) => [s, fixture[s].length]))).toEqual(SLOW_REQUESTS);
  expect(Object.fromEntries(SLOW_START_STATES.map((s) => [s, fixture[s].reduce((n, r) => n + variantsOf(r).length, 0)]))).toEqual(SLOW_CASES);
});

const appErrors = (result: Awaited<ReturnType<typeof run>>): string[] => result.apps.flatMap((a) => (a.outcome.error === undefined ? [] : [`${a.spec.key}: ${a.outcome.error.message}`]));

it.each(START_STATES)('runs every case of the slow fault sweep, as the core receives it, over %s', async (name, key, setUp) => {
  const requests = readSweepFixture()[key];
  const cases = requests.flatMap((request, k) => variantsOf(request).map((variant) => ({ request, k, variant, translation: translate(request, variant, key) })));
  // Translated into fakes' faults, the slow sweep's cases, every one: as many as it runs.
  expect(cases.length).toBe(SLOW_CASES[key]);
  const problems: string[] = [];
  let faulted = 0;
  for (const { request, k, variant, translation } of cases) {
    const fake = fakePorts();
    const seeded = setUp(fake);
    const [fault] = translation.faults.map((f) => fake.world.plan(f));
    const where = `${k} ${request.label}, ${variant.name} (${translation.why})`;
    const first = await run(fake, seeded);
    if (fault !== undefined) {
      faulted += 1;
      if (fault.fired === 0) problems.push(`${where}: never fired: the run took another path than the clean one`);
      if (variant.once && fault.fired > 1) problems.push(`${where}: a fault planned once fired ${fault.fired} times`);
    }
    problems.push(...seeded.flatMap((s) => violations(fake, s)).map((v) => `${where}: ${v}`));
    // What the slow sweep expects of a fault that hits once: a successful rotation with exactly one new secret per app.
    if (variant.once) {
      problems.push(...appErrors(first).map((e) => `${where}: the run failed: ${e}`));
      const added = seeded.map((s) => newManaged(fake, s).length);
      if (added.some((n) => n !== 1)) problems.push(`${where}: ${added.join(' and ')} new secrets instead of 1 per app`);
    }
    // A run without faults right after (no aging, as in the slow sweep) converges.
    fake.world.faults.length = 0;
    const second = await run(fake, seeded);
    problems.push(...appErrors(second).map((e) => `${where}: the run after it failed: ${e}`));
    problems.push(...seeded.flatMap((s) => convergenceProblems(fake, s)).map((p) => `${where}: after a run without faults: ${p}`));
  }
  writeSweepReport(`fast-fault-sweep-slow-cases-${slug(name)}.txt`, `fast sweep of the slow sweep's cases, ${name}: ${requests.length} requests, ${cases.length} cases, ${faulted} with a fault the core sees, ${cases.length - faulted} retried away (run clean)`);
  expect(problems).toEqual([]);
});
