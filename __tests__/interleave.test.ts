/**
 * The interleaving sweep: two runs of the same rotation at once, each with its own rotator and GitHub token,
 * ordered step by step. Every interleaving of their critical requests (add a client secret, write a GitHub
 * secret, remove a client secret; for certificates, each PATCH of keyCredentials and removeKey) is executed
 * (test/interleave.ts), up to the mirror image (A and B swapped: both
 * rotators own the app, both tokens may write). After both runs the invariant must hold; a third run right after
 * must keep it; a fourth run 15 minutes later (every write window closed) must converge.
 */
import { createEmulatorKeys, startEmulator, type EmulatorKeys, type Emulator, type RequestLogEntry } from '../test/emulator/index.ts';
import { baseInputs, GITHUB_PAT, REPO, ROTATOR_ID, ROTATOR_SECRET, type ActionRun } from '../test/harness.ts';
import { binomial, exploreAll, isCritical, RUN_NAMES, schedule, type RunName, type Runs, type Schedule } from '../test/interleave.ts';
import {
  convergenceProblems,
  invariantViolations,
  makeSeedPem,
  nearExpiryCertificate,
  nearExpiryFleet,
  nearExpiryKeyVault,
  runOn,
  seedNearExpiry,
  type SeedPem,
  type StartState,
  type ValueTarget,
} from '../test/invariant.ts';
import { writeSweepReport } from '../test/sweep-report.ts';

// 216 interleavings of 5 start configurations, about 11 minutes on a busy 2-core machine.
jest.setTimeout(1_800_000);

const RUNS: Record<RunName, { clientId: string; secret: string; pat: string; label: string }> = {
  A: { clientId: ROTATOR_ID, secret: ROTATOR_SECRET, pat: GITHUB_PAT, label: 'run-a' },
  B: { clientId: '5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e', secret: 'Rot9Q~second.rotator_secret-value-01234567', pat: 'github_pat_22BBBBBBB0emulatorTokenForRunB', label: 'run-b' },
};

function runOf(e: RequestLogEntry): RunName | undefined {
  return RUN_NAMES.find((r) => e.principal === RUNS[r].clientId || e.principal === RUNS[r].label);
}

interface Config {
  keepPrevious: 0 | 1;
  /** 1: the repository secret AZURE_CLIENT_SECRET; 2: and AZURE_CREDENTIALS (credentials-secret-name). */
  valueTargets: 1 | 2;
  /**
   * A fleet file of two apps near expiry (test/invariant.ts nearExpiryFleet) with max-rotations 1: both runs rotate
   * the same app (the first of the nearest), a later run the other. keepPrevious is then 1 and valueTargets the
   * first app's.
   */
  fleet?: true;
  /**
   * Certificates (test/invariant.ts nearExpiryCertificate): one repository secret holding a PEM; each run PATCHes
   * keyCredentials (read-modify-write: a PATCH from a read taken before the other run's lands drops its certificate),
   * writes, removes by removeKey and checks that its certificate is still on the app.
   */
  certificate?: true;
  /** The value in a Key Vault secret and a repository secret (test/invariant.ts nearExpiryKeyVault), keep-previous 1. */
  keyVault?: true;
}

const CONFIGS: Config[] = [
  { keepPrevious: 1, valueTargets: 1 },
  { keepPrevious: 0, valueTargets: 1 },
  { keepPrevious: 1, valueTargets: 2 },
  { keepPrevious: 0, valueTargets: 2 },
  { keepPrevious: 1, valueTargets: 1, fleet: true },
  { keepPrevious: 1, valueTargets: 1, certificate: true },
  { keepPrevious: 0, valueTargets: 1, certificate: true },
  { keepPrevious: 1, valueTargets: 2, keyVault: true },
];

const nameOf = (c: Config): string =>
  c.fleet
    ? 'a fleet of two apps, max-rotations 1'
    : `${c.certificate ? 'certificate, ' : ''}${c.keyVault ? 'a Key Vault secret and a repository secret, ' : ''}keep-previous ${c.keepPrevious}, ${c.valueTargets} value target${c.valueTargets > 1 ? 's' : ''}`;

/** INTERLEAVE_ONLY=<text>: only the configurations whose name contains it (to rerun a few while working on them). */
const ONLY = process.env['INTERLEAVE_ONLY'];
const SWEPT = ONLY === undefined ? CONFIGS : CONFIGS.filter((c) => nameOf(c).includes(ONLY));

/** The current managed certificate of the certificate configurations (made once: test/invariant.ts makeSeedPem). */
let seedPem: SeedPem | undefined;

/** Both rotators own the app; the value targets hold the current managed secret, written 5 s after it started. */
function setUp(emu: Emulator, config: Config): StartState {
  for (const r of RUN_NAMES) {
    emu.addRotator({ clientId: RUNS[r].clientId, secret: RUNS[r].secret });
    emu.github.addToken(RUNS[r].pat, 'pat', { secrets: 'write', environments: 'write' }, RUNS[r].label);
  }
  if (config.fleet) {
    emu.github.addRepo(REPO, ['production']);
    return nearExpiryFleet(emu, baseInputs(emu), { maxRotations: 1, setUp: false });
  }
  if (config.keyVault) {
    emu.github.addRepo(REPO);
    return nearExpiryKeyVault(emu, baseInputs(emu), { setUp: false, officers: RUN_NAMES.map((r) => RUNS[r].clientId) });
  }
  if (config.certificate) {
    if (seedPem === undefined) throw new Error('internal: no seed certificate');
    emu.github.addRepo(REPO);
    return nearExpiryCertificate(emu, baseInputs(emu), seedPem, config.keepPrevious, { setUp: false });
  }
  emu.github.addRepo(REPO);
  const targets: ValueTarget[] = [{ scope: { repo: REPO }, name: 'AZURE_CLIENT_SECRET', kind: 'secret' }];
  let inputs = baseInputs(emu);
  if (config.valueTargets === 2) {
    targets.push({ scope: { repo: REPO }, name: 'AZURE_CREDENTIALS', kind: 'credentials' });
    inputs = { ...inputs, 'credentials-secret-name': 'AZURE_CREDENTIALS' };
  }
  return seedNearExpiry(emu, { appName: 'payments-api', targets, clientIdScopes: [], keepPrevious: config.keepPrevious, inputs });
}

function inputsOf(start: StartState, run: RunName): Record<string, string> {
  return { ...start.inputs, 'client-id': RUNS[run].clientId, 'client-secret': RUNS[run].secret, 'github-token': RUNS[run].pat };
}

interface Violation {
  /** The released critical requests in order. */
  steps: string[];
  phase: string;
  problem: string;
}

interface Findings {
  violations: Violation[];
  /**
   * Runs that found their new certificate dropped by the other run's PATCH of keyCredentials (built from a read
   * taken before theirs landed) and put it back: the race the check at the end of a certificate rotation is for.
   */
  restored: number;
  /** Runs that ended with a failed step (not a violation by itself), as "steps: error". */
  failures: string[];
  runs: number;
}

/**
 * INTERLEAVE_STAGGER=1: the second run may also start at any point of the first run's steps (its reads then see
 * some of them); 3.6 times the interleavings, so not by default.
 */
const STAGGER = process.env['INTERLEAVE_STAGGER'] === '1';

/** Starts both runs (B as a step of the schedule when staggered) with their critical requests held, and schedules them along `prefix`. */
async function bothRuns(emu: Emulator, start: StartState, prefix: RunName[]): Promise<{ schedule: Schedule; runs: ActionRun[] }> {
  const hold = emu.hold({ match: (e) => isCritical(e) && runOf(e) !== undefined });
  const runs: Runs = { exited: { A: false, B: false }, unstarted: new Map() };
  const processes: Array<Promise<ActionRun>> = [];
  const launch = (r: RunName): void => {
    processes.push(runOn(emu, start, inputsOf(start, r)).finally(() => (runs.exited[r] = true)));
  };
  launch('A');
  if (STAGGER) runs.unstarted.set('B', () => launch('B'));
  else launch('B');
  try {
    const done = await schedule(emu, runOf, runs, prefix);
    return { schedule: done, runs: await Promise.all(processes) };
  } finally {
    // Nothing stays parked, and the runs after these two are not held.
    await hold.remove();
    await Promise.allSettled(processes);
  }
}

/** One interleaving from a fresh start, then a third run at once and a fourth 15 minutes later. */
async function execute(config: Config, keys: EmulatorKeys, prefix: RunName[], found: Findings): Promise<Schedule> {
  const emu = await startEmulator({ keys });
  try {
    const start = setUp(emu, config);
    const both = await bothRuns(emu, start, prefix);
    const steps = both.schedule.steps;
    const check = (phase: string, problems: string[], runs: ActionRun[]): void => {
      found.runs += runs.length;
      for (const problem of problems) found.violations.push({ steps, phase, problem });
      for (const run of runs) if (run.code !== 0) found.failures.push(`[${steps.join(', ')}] ${phase}: ${run.error}`);
      found.restored += runs.filter((run) => /was no longer on '[^']+' after the targets took it/.test(run.stdout)).length;
    };
    check('after both runs', invariantViolations(emu, start), both.runs);
    const third = await runOn(emu, start, inputsOf(start, 'A'));
    check('after a third run right after', invariantViolations(emu, start), [third]);
    emu.age(15 * 60_000);
    const fourth = await runOn(emu, start, inputsOf(start, 'B'));
    check('after a fourth run 15 minutes later', convergenceProblems(emu, start, { settled: true }), [fourth]);
    return both.schedule;
  } finally {
    await emu.close();
  }
}

/** Executions at once, each with its own emulator and two action processes. */
const WORKERS = 2;

it('keeps every GitHub secret working under every interleaving of two runs, and converges after them', async () => {
  const keys = await createEmulatorKeys();
  seedPem = await makeSeedPem();
  const t0 = Date.now();
  const found = new Map<Config, Findings>(SWEPT.map((c) => [c, { violations: [], failures: [], runs: 0, restored: 0 }]));
  const counts = await exploreAll(SWEPT, (config, prefix) => execute(config, keys, prefix, found.get(config) as Findings), { workers: WORKERS, symmetric: !STAGGER });
  const figures = SWEPT.map((config) => {
    const f = found.get(config) as Findings;
    // Whatever the other run does, each run adds a secret and writes every value target: at least that many steps,
    // and half their interleavings (the mirror images are not run); staggered, B's start is one more step.
    const steps = 1 + config.valueTargets;
    const least = STAGGER ? binomial(2 * steps + 1, steps) : binomial(2 * steps, steps) / 2;
    return { config, least, interleavings: counts.get(config) ?? 0, ...f };
  });
  const violations = figures.flatMap((f) => f.violations.map((v) => ({ ...v, config: nameOf(f.config) })));
  const sum = (pick: (f: (typeof figures)[number]) => number): number => figures.reduce((n, f) => n + pick(f), 0);
  writeSweepReport(
    `interleave-sweep${STAGGER ? '-staggered' : ''}.txt`,
    [
      `Interleaving sweep${STAGGER ? ' (staggered starts)' : ''}: ${sum((f) => f.interleavings)} interleavings${STAGGER ? '' : ' (each also stands for its mirror image)'}, ${sum((f) => f.runs)} runs, ${violations.length} violations, ${Math.round((Date.now() - t0) / 1000)} s`,
      ...figures.map(
        (f) =>
          `  ${nameOf(f.config)}: ${f.interleavings} interleavings (at least ${f.least}), ${f.runs} runs, ${f.violations.length} violations, ${f.failures.length} failed runs${f.config.certificate ? `, ${f.restored} runs put their certificate back` : ''}`,
      ),
      ...violationKinds(violations),
      ...figures.flatMap((f) => f.failures).slice(0, 5).map((s) => `failed run (not a violation by itself): ${s}`),
    ].join('\n'),
  );
  for (const f of figures) expect(f.interleavings).toBeGreaterThanOrEqual(f.least);
  expect(violations.map((v) => `${v.config} [${v.steps.join(', ')}] ${v.phase}: ${v.problem}`)).toEqual([]);
});

/** Violations grouped by configuration, phase and problem, with the first interleaving that shows each. */
function violationKinds(violations: Array<Violation & { config: string }>): string[] {
  const kinds = new Map<string, { count: number; example: string[] }>();
  for (const v of violations) {
    const key = `${v.config}, ${v.phase}: ${v.problem}`;
    const kind = kinds.get(key) ?? { count: 0, example: v.steps };
    kind.count += 1;
    kinds.set(key, kind);
  }
  return [...kinds].map(([key, k]) => `  ${k.count} × ${key}\n      e.g. ${k.example.join(', ')}`);
}
