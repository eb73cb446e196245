/**
 * The interleaving sweep's fast form over the fakes: the start configurations of __tests__/interleave.test.ts and
 * every interleaving of two runs' critical port calls (add a client secret, write a value target, remove a client
 * secret), enumerated by test/interleave.ts and ordered through the World's beforeCall hook (test/fakes/interleave.ts).
 * After both runs the invariant must hold, and it must hold before every step too; a third run right after must
 * keep it; a fourth run 15 minutes later must converge. Every step the schedule lets through must be a call the
 * fakes served, in that order, so a sweep that runs fewer steps fails.
 * The staggered pass makes B's start a step too (its reads see what A did so far), and moves the clock before every
 * step, so that the time rules decide: a secret younger than IN_FLIGHT_MS is another run's to write, and no write
 * starts after its deadline (WRITE_DEADLINE_MS). The slow sweep stays: it runs the action over HTTPS.
 */
import { runFleet, type FleetContext, type FleetOutcome } from '../../src/core/fleet.ts';
import type { Ports } from '../../src/core/ports.ts';
import type { FleetSettings } from '../../src/core/spec.ts';
import { binomial, exploreAll, RUN_NAMES, type RunName, type Schedule } from '../../test/interleave.ts';
import { fakePorts, type Fake } from '../../test/fakes/index.ts';
import { FakeInterleaving } from '../../test/fakes/interleave.ts';
import { brokenTargets, convergenceProblems, seedNearExpiry, violations, type Seeded } from '../../test/fakes/seed.ts';
import { appSpec, fleet, fleetSettings, repo, single, target, vault } from '../../test/fakes/specs.ts';
import { writeSweepReport } from '../../test/sweep-report.ts';
import { certificateKind } from '../../src/core/credential-kind.ts';

interface Config {
  keepPrevious: 0 | 1;
  /** 1: the repository secret AZURE_CLIENT_SECRET; 2: and AZURE_CREDENTIALS. */
  valueTargets: 1 | 2;
  /**
   * Two apps near expiry with max-rotations 1 (test/invariant.ts nearExpiryFleet): both runs rotate the same app
   * (the first of the nearest), a later run the other. keepPrevious is then 1 and valueTargets the first app's.
   */
  fleet?: true;
  /** The app rotates a certificate (PEM) instead of a client secret. */
  certificate?: true;
  /** The value target is a Key Vault secret (its tag says what it holds) instead of a repository secret. */
  keyVault?: true;
  /** The slow sweep's count of interleavings (each also stands for its mirror image). */
  slow: number;
}

const CONFIGS: Config[] = [
  { keepPrevious: 1, valueTargets: 1, slow: 10 },
  { keepPrevious: 0, valueTargets: 1, slow: 35 },
  { keepPrevious: 1, valueTargets: 2, slow: 35 },
  { keepPrevious: 0, valueTargets: 2, slow: 126 },
  { keepPrevious: 1, valueTargets: 1, fleet: true, slow: 10 },
];

/** The same shapes with a certificate credential (no slow counterpart yet: `slow` is the count the shape gives). */
const CERTIFICATE_CONFIGS: Config[] = [
  { keepPrevious: 1, valueTargets: 1, certificate: true, slow: 10 },
  { keepPrevious: 0, valueTargets: 1, certificate: true, slow: 35 },
];

/** The same shapes with the value in a Key Vault secret (home-kind.ts KEY_VAULT_SECRET): `slow` the count the shape gives. */
const KEY_VAULT_CONFIGS: Config[] = [
  { keepPrevious: 1, valueTargets: 1, keyVault: true, slow: 10 },
  { keepPrevious: 0, valueTargets: 1, keyVault: true, slow: 35 },
];

const nameOf = (c: Config): string =>
  `${c.certificate ? 'certificate, ' : ''}${c.keyVault ? 'Key Vault, ' : ''}${c.fleet ? 'a fleet of two apps, max-rotations 1' : `keep-previous ${c.keepPrevious}, ${c.valueTargets} value target${c.valueTargets > 1 ? 's' : ''}`}`;

/** Each run adds a secret, writes every value target, removes the older managed one (keep-previous 0: both). */
const stepsPerRun = (c: Config): number => 1 + c.valueTargets + (c.keepPrevious === 0 ? 2 : 1);

interface Start {
  seeded: Seeded[];
  settings: FleetSettings;
  ctx: FleetContext;
}

function setUp(fake: Fake, c: Config): Start {
  if (c.fleet) {
    const production = repo('app', 'production');
    const seeded = [
      seedNearExpiry(fake, appSpec({ name: 'payments-api', targets: [target(repo('app'), 'PAYMENTS_CLIENT_SECRET')] })),
      seedNearExpiry(fake, appSpec({ name: 'orders-api', targets: [target(production, 'ORDERS_CLIENT_SECRET'), target(production, 'ORDERS_CREDENTIALS', 'credentials')] })),
    ];
    return { seeded, settings: fleetSettings({ maxRotations: 1 }), ctx: fleet };
  }
  const targets = [c.keyVault ? target(vault('kv-payments'), 'payments-api-client-secret') : target(repo('app'), 'AZURE_CLIENT_SECRET')];
  if (c.valueTargets === 2) targets.push(target(repo('app'), 'AZURE_CREDENTIALS', 'credentials'));
  const kind = c.certificate ? { kind: certificateKind('pem') } : {};
  return { seeded: [seedNearExpiry(fake, appSpec({ keepPrevious: c.keepPrevious, targets, ...kind }))], settings: fleetSettings(), ctx: single };
}

const rotation = (start: Start, ports: Ports): Promise<FleetOutcome> => runFleet(start.seeded.map((s) => s.spec), start.settings, start.ctx, ports);

/** Each app's problems, named in a fleet. */
const perApp = (start: Start, check: (s: Seeded) => string[]): string[] =>
  start.seeded.flatMap((s) => check(s).map((p) => (start.seeded.length > 1 ? `${s.spec.app.name ?? ''}: ${p}` : p)));

interface Pass {
  staggered: boolean;
  /** The clock moves this much before every step. */
  stepMs: number;
}

const PLAIN: Pass = { staggered: false, stepMs: 0 };
/**
 * B starts up to minutes after A added its secret (or before), and every write still comes before its deadline:
 * at most 9 steps lie between a run asking to add its secret (the deadline counts from then) and its last write,
 * 9 × 30 s < WRITE_DEADLINE_MS.
 */
const STAGGERED: Pass = { staggered: true, stepMs: 30_000 };
/** A minute a step: some writes come after their deadline and are refused, and the runs undo or keep what they must. */
const STAGGERED_LATE: Pass = { staggered: true, stepMs: 60_000 };

interface Findings {
  violations: Array<{ steps: string[]; phase: string; problem: string }>;
  /** Runs that ended with an error (not a violation by itself). */
  failures: string[];
  runs: number;
  /** Steps let through that the fakes did not serve in that order, or served without a step. */
  unscheduled: string[];
  /** Each run's critical steps per interleaving, as 'A/B' → how many interleavings. */
  stepCounts: Map<string, number>;
  /** Writes let through but refused as past their deadline. */
  late: number;
}

const newFindings = (): Findings => ({ violations: [], failures: [], runs: 0, unscheduled: [], stepCounts: new Map(), late: 0 });

/** One interleaving from a fresh start, then a third run at once and a fourth 15 minutes later. */
async function execute(config: Config, pass: Pass, prefix: RunName[], found: Findings): Promise<Schedule> {
  const fake = fakePorts();
  const start = setUp(fake, config);
  const order = new FakeInterleaving(fake, start.seeded.flatMap((s) => s.spec.targets));
  const during: string[] = [];
  const runs = RUN_NAMES.map((r) => order.launch(r, (ports) => rotation(start, ports), pass.staggered && r === 'B'));
  const schedule = await order.schedule(prefix, (step) => {
    fake.clock.advance(pass.stepMs);
    for (const v of perApp(start, (s) => brokenTargets(fake, s))) during.push(`before ${step}: ${v}`);
  });
  const both = await Promise.all(runs);
  const { steps } = schedule;
  const check = (phase: string, problems: string[], outcomes: FleetOutcome[]): void => {
    found.runs += outcomes.length;
    for (const problem of problems) found.violations.push({ steps, phase, problem });
    for (const o of outcomes) for (const a of o.apps) if (a.outcome.error !== undefined) found.failures.push(`[${steps.join(', ')}] ${phase}: ${a.outcome.error.message}`);
  };
  check('during the runs', during, []);
  check('after both runs', perApp(start, (s) => violations(fake, s)), both);
  found.unscheduled.push(...order.unscheduled(schedule).map((p) => `[${steps.join(', ')}] ${p}`));
  found.late += order.late.length;
  const counts = RUN_NAMES.map((r) => steps.filter((s) => s.startsWith(`${r} `) && s !== `${r} starts`).length).join('/');
  found.stepCounts.set(counts, (found.stepCounts.get(counts) ?? 0) + 1);

  check('after a third run right after', perApp(start, (s) => violations(fake, s)), [await rotation(start, fake.ports('C'))]);
  fake.clock.advance(15 * 60_000);
  const fourth = await rotation(start, fake.ports('D'));
  check('after a fourth run 15 minutes later', perApp(start, (s) => convergenceProblems(fake, s, { settled: true })), [fourth]);
  return schedule;
}

async function sweep(pass: Pass, configs = CONFIGS): Promise<{ figures: Array<{ config: Config; interleavings: number } & Findings> }> {
  const t0 = Date.now();
  const found = new Map<Config, Findings>(configs.map((c) => [c, newFindings()]));
  const counts = await exploreAll(configs, (config, prefix) => execute(config, pass, prefix, found.get(config) as Findings), { workers: 1, symmetric: !pass.staggered });
  const figures = configs.map((config) => ({ config, interleavings: counts.get(config) ?? 0, ...(found.get(config) as Findings) }));
  const sum = (pick: (f: (typeof figures)[number]) => number): number => figures.reduce((n, f) => n + pick(f), 0);
  const violationCount = sum((f) => f.violations.length);
  const broken = (f: Findings): number => new Set(f.violations.map((v) => v.steps.join(', '))).size;
  const title = pass.staggered ? `staggered (B's start is a step; the clock moves ${pass.stepMs / 1000} s before every step)` : 'plain';
  const kind = configs.some((c) => c.certificate) ? '-certificates' : configs.some((c) => c.keyVault) ? '-key-vault' : '';
  const file = pass.staggered ? `interleave-sweep-fakes${kind}-staggered-${pass.stepMs / 1000}s.txt` : `interleave-sweep-fakes${kind}.txt`;
  const report = [
    `Interleaving sweep over the fakes, ${title}: ${sum((f) => f.interleavings)} interleavings${pass.staggered ? '' : ' (each also stands for its mirror image)'}, ${sum((f) => f.runs)} runs, ${violationCount} violations in ${sum(broken)} interleavings, ${Date.now() - t0} ms`,
    ...figures.map(
      (f) =>
        `  ${nameOf(f.config)}: ${f.interleavings} interleavings, critical steps per run (A/B) ${[...f.stepCounts].map(([k, n]) => `${k} in ${n}`).join(', ')}, ${f.runs} runs, ${f.violations.length} violations in ${broken(f)} interleavings, ${f.failures.length} failed runs, ${f.late} writes refused as late`,
    ),
    ...violationKinds(figures.flatMap((f) => f.violations.map((v) => ({ ...v, config: nameOf(f.config) })))),
    ...figures.flatMap((f) => f.failures).slice(0, 5).map((s) => `failed run (not a violation by itself): ${s}`),
  ].join('\n');
  writeSweepReport(file, report);
  return { figures };
}

/** Violations grouped by configuration, phase and problem, with the first interleaving that shows each. */
function violationKinds(found: Array<{ config: string; steps: string[]; phase: string; problem: string }>): string[] {
  const kinds = new Map<string, { count: number; example: string[] }>();
  for (const v of found) {
    const key = `${v.config}, ${v.phase}: ${v.problem.replace(/^before [^:]*: /, '')}`;
    const kind = kinds.get(key) ?? { count: 0, example: v.steps };
    kind.count += 1;
    kinds.set(key, kind);
  }
  return [...kinds].map(([key, k]) => `  ${k.count} × ${key}\n      e.g. ${k.example.join(', ')}`);
}

const listed = (figures: Array<{ config: Config } & Findings>): string[] =>
  figures.flatMap((f) => f.violations.map((v) => `${nameOf(f.config)} [${v.steps.join(', ')}] ${v.phase}: ${v.problem}`));

describe('every interleaving of two runs of the same rotation, over the fakes', () => {
  it("the slow sweep's interleavings keep every GitHub secret working, and later runs converge", async () => {
    const { figures } = await sweep(PLAIN);
    // The slow sweep's counts, and the reason for them: each run makes every one of its steps in every interleaving.
    expect(figures.map((f) => f.interleavings)).toEqual(CONFIGS.map((c) => c.slow));
    expect(figures.reduce((n, f) => n + f.interleavings, 0)).toBe(216);
    for (const f of figures) {
      const s = stepsPerRun(f.config);
      expect(f.interleavings).toBe(binomial(2 * s, s) / 2);
      expect(Object.fromEntries(f.stepCounts)).toEqual({ [`${s}/${s}`]: f.interleavings });
    }
    expect(figures.flatMap((f) => f.unscheduled)).toEqual([]);
    expect(listed(figures)).toEqual([]);
  });

  it('so do they when B starts at any step of A, the clock moving 30 s a step (every write in time)', async () => {
    const { figures } = await sweep(STAGGERED);
    for (const f of figures) {
      // More than when B starts before A's first step, where each run makes every one of its steps.
      const s = stepsPerRun(f.config);
      expect(f.interleavings).toBeGreaterThan(binomial(2 * s, s));
    }
    expect(figures.map((f) => f.late)).toEqual(CONFIGS.map(() => 0));
    expect(figures.flatMap((f) => f.unscheduled)).toEqual([]);
    expect(listed(figures)).toEqual([]);
  });

  it('so do they when B starts at any step of A, the clock moving a minute a step (some writes too late)', async () => {
    const { figures } = await sweep(STAGGERED_LATE);
    for (const f of figures) expect(f.interleavings).toBeGreaterThan(f.config.slow);
    expect(figures.reduce((n, f) => n + f.late, 0)).toBeGreaterThan(0);
    expect(figures.flatMap((f) => f.unscheduled)).toEqual([]);
    expect(listed(figures)).toEqual([]);
  });

  it('a Key Vault home keeps holding a working secret in every interleaving too, plain and staggered', async () => {
    const plain = await sweep(PLAIN, KEY_VAULT_CONFIGS);
    expect(plain.figures.map((f) => f.interleavings)).toEqual(KEY_VAULT_CONFIGS.map((c) => c.slow));
    const staggered = await sweep(STAGGERED, KEY_VAULT_CONFIGS);
    for (const { figures } of [plain, staggered]) {
      expect(figures.flatMap((f) => f.unscheduled)).toEqual([]);
      expect(listed(figures)).toEqual([]);
    }
  });

  it('a certificate rotation keeps every target working in every interleaving too, plain and staggered', async () => {
    const plain = await sweep(PLAIN, CERTIFICATE_CONFIGS);
    expect(plain.figures.map((f) => f.interleavings)).toEqual(CERTIFICATE_CONFIGS.map((c) => c.slow));
    for (const f of plain.figures) expect(Object.fromEntries(f.stepCounts)).toEqual({ [`${stepsPerRun(f.config)}/${stepsPerRun(f.config)}`]: f.interleavings });
    const staggered = await sweep(STAGGERED, CERTIFICATE_CONFIGS);
    for (const { figures } of [plain, staggered]) {
      expect(figures.flatMap((f) => f.unscheduled)).toEqual([]);
      expect(listed(figures)).toEqual([]);
    }
  });
});
