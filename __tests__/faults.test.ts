/**
 * The fault sweep: the proof that a rotation never leaves a GitHub secret that Entra does not accept.
 * A clean run of each start state is recorded; then, for every request k in it, the same start state is run again
 * with a fault at k, of each kind, once and persistent (k and every later attempt of the same request):
 * 503 (not processed), a connection dropped before the request is processed ('drop'), and dropped after it was
 * processed, its answer lost ('drop-after'). Every planned fault must fire. After each faulted run the invariant
 * must hold. A fault that hits once must still end in a successful rotation with exactly one new secret: retries
 * cover 503 and drops of idempotent requests, and every non-idempotent POST has a recovery (a lost addPassword is
 * found and removed, a lost create is looked up by name, a removal is confirmed by a read). A run without faults
 * right after must converge (no aging: a secret the faulted run made may stay, protected as a concurrent run's
 * would be, and the convergence rule allows one).
 * The same for a certificate rotation: a lost PATCH of keyCredentials is settled by reading back, a removal is
 * removeKey (repeating it is harmless) or a PATCH built from a fresh read, and the new certificate is checked to be
 * still on the app at the end; "exactly one new secret" is one new certificate.
 * Each clean run of a client secret start state must make exactly the requests of test/fakes/slow-sweep-requests.json: the fast sweep
 * (__tests__/core/fault-sweep.test.ts) runs these same cases over the fakes, translated to what the core receives.
 * UPDATE_SWEEP_FIXTURE=1 rewrites the fixture from the clean runs (and sweeps nothing); SWEEP_FIXTURE_ONLY=1 only
 * checks it.
 */
import { createEmulatorKeys, startEmulator, type Emulator, type EmulatorKeys, type Fault, type RequestLogEntry } from '../test/emulator/index.ts';
import { baseInputs } from '../test/harness.ts';
import {
  fixtureDifferences,
  readSweepFixture,
  REGENERATE,
  requestsOf,
  SLOW_SWEEP_FIXTURE,
  SLOW_VARIANTS,
  updateSweepFixture,
  variantsOf,
  type SlowStartState,
  type SlowVariant,
  type SweptRequest,
} from '../test/slow-sweep.ts';
import { writeSweepReport } from '../test/sweep-report.ts';
import {
  convergenceProblems,
  createFromNothing,
  invariantViolations,
  nearExpiryFleet,
  nearExpirySingleTarget,
  nearExpiryCertificate,
  nearExpiryKeyVault,
  nearExpiryWithCompanions,
  makeSeedPem,
  newManagedPerApp,
  runOn,
  type SeedPem,
  type StartState,
} from '../test/invariant.ts';

jest.setTimeout(900_000);

/** A request's identity across emulators (ids differ), as the fixture names it, and the pattern that matches it. */
interface Step extends SweptRequest {
  path: RegExp;
}

function stepsOf(log: RequestLogEntry[]): Step[] {
  return requestsOf(log).map((r) => {
    const source = r.shape
      .split('<id>')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[0-9a-f-]{36}');
    return { ...r, path: new RegExp(`^${source}$`) };
  });
}

function faultAt(s: Step, v: SlowVariant): Fault {
  return { match: { service: s.service, method: s.method, path: s.path, occurrence: s.occurrence }, times: v.once ? 1 : Infinity, kind: v.kind, ...(v.kind === 'status' ? { status: 503 } : {}) };
}

async function withEmulator<T>(keys: EmulatorKeys, fn: (emu: Emulator) => Promise<T>): Promise<T> {
  const emu = await startEmulator({ keys });
  try {
    return await fn(emu);
  } finally {
    await emu.close();
  }
}

type SetUp = (emu: Emulator, inputs: Record<string, string>) => StartState;

interface Tally {
  runs: number;
  faultedRuns: number;
  fired: number;
  violations: string[];
  report: string[];
}

/** What a run with a fault at `step` left, then what a run without faults after it left. */
async function faultedRun(keys: EmulatorKeys, setUp: SetUp, step: Step, k: number, v: SlowVariant, tally: Tally): Promise<void> {
  await withEmulator(keys, async (emu) => {
    const start = setUp(emu, baseInputs(emu));
    emu.resetCounters();
    const fault = emu.faults.add(faultAt(step, v));
    const first = await runOn(emu, start);
    const where = `fault at ${k} (${step.label}), ${v.name}`;
    const problems: string[] = [];
    if (fault.fired === 0) problems.push('the fault never fired: the run took another path than the recorded one');
    if (v.once && fault.fired > 1) problems.push(`a fault planned once fired ${fault.fired} times`);
    problems.push(...invariantViolations(emu, start));
    if (v.once) {
      if (first.code !== 0) problems.push(`the run failed: ${first.error}`);
      const added = newManagedPerApp(emu, start);
      if (added.some((n) => n !== 1)) problems.push(`${added.join(' and ')} new secrets instead of 1 per app`);
    }
    emu.faults.clear();
    const second = await runOn(emu, start);
    if (second.code !== 0) problems.push(`the run after it failed: ${second.error}`);
    problems.push(...convergenceProblems(emu, start).map((p) => `after a run without faults: ${p}`));
    tally.runs += 2;
    tally.faultedRuns += 1;
    tally.fired += fault.fired;
    tally.violations.push(...problems.map((p) => `${where}: ${p}`));
    tally.report.push(`${String(k).padStart(2)} ${step.label.padEnd(72)} ${v.name.padEnd(22)} fired ${String(fault.fired).padStart(2)}, exit ${first.code}`);
  });
}

/** Runs every task, `workers` at a time, in order of the list. */
async function inParallel<T>(tasks: readonly T[], workers: number, run: (task: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) await run(tasks[next++] as T);
  };
  await Promise.all(Array.from({ length: workers }, worker));
}

/**
 * Each with its key in the fixture of requests (test/slow-sweep.ts), or none: the certificate start states, whose
 * cases the fast sweep runs at the port calls (__tests__/core/fault-sweep.test.ts CERTIFICATE_STATES), not
 * translated request by request.
 */
const START_STATES: Array<[string, SlowStartState | undefined, SetUp]> = [
  ['a rotation near expiry to one repository secret (keep-previous 1)', 'nearExpirySingleTarget', nearExpirySingleTarget],
  ['a rotation near expiry (two environments, companion secrets)', 'nearExpiryWithCompanions', nearExpiryWithCompanions],
  ['a create from nothing (declared properties, two environments, companion secrets)', 'createFromNothing', createFromNothing],
  ['a fleet of two apps near expiry (a repository secret; an environment secret and the credentials JSON)', 'nearExpiryFleet', (emu, inputs) => nearExpiryFleet(emu, inputs)],
  [
    'a certificate rotation near expiry (PEM, one repository secret, keep-previous 0; an unmanaged certificate and client secret)',
    undefined,
    (emu, inputs) => nearExpiryCertificate(emu, inputs, seedPem, 0),
  ],
  ['a rotation near expiry to a Key Vault secret and a repository secret (keep-previous 1)', undefined, (emu, inputs) => nearExpiryKeyVault(emu, inputs)],
];

/**
 * UPDATE_SWEEP_FIXTURE=1: the clean runs rewrite the fixture of requests, and no fault is swept. SWEEP_FIXTURE_ONLY=1:
 * only the clean runs and the fixture check (seconds, not minutes).
 */
const UPDATE_FIXTURE = process.env['UPDATE_SWEEP_FIXTURE'] === '1';
const FIXTURE_ONLY = UPDATE_FIXTURE || process.env['SWEEP_FIXTURE_ONLY'] === '1';

/** Two emulators with their action runs at once: the 2 cores of a CI runner. */
const WORKERS = 2;
let keys: EmulatorKeys;
let seedPem: SeedPem;
beforeAll(async () => {
  keys = await createEmulatorKeys();
  seedPem = await makeSeedPem();
});

it.each(START_STATES)('keeps every GitHub secret working under every fault kind, once and persistent, at every request of %s', async (name, key, setUp) => {
  const t0 = Date.now();
  const recorded = await withEmulator(keys, async (emu) => {
    const start = setUp(emu, baseInputs(emu));
    emu.resetCounters();
    const run = await runOn(emu, start);
    expect(run.error).toBe('');
    expect(invariantViolations(emu, start)).toEqual([]);
    expect(newManagedPerApp(emu, start).every((n) => n === 1)).toBe(true);
    return [...emu.log];
  });
  const steps = stepsOf(recorded);
  expect(steps.length).toBeGreaterThanOrEqual(8);
  // The fast sweep runs these very cases over the fakes: it must know every request this run makes.
  if (UPDATE_FIXTURE && key !== undefined) updateSweepFixture(key, requestsOf(recorded));
  const differences = key === undefined ? [] : fixtureDifferences(steps, readSweepFixture()[key]);
  if (differences.length > 0) {
    throw new Error(
      `The clean run of ${key} no longer makes the requests in ${SLOW_SWEEP_FIXTURE}:\n${differences.join('\n')}\nRegenerate it with ${REGENERATE}, then review test/fakes/slow-sweep-translation.ts for the new requests (npx jest __tests__/core/fault-sweep.test.ts fails on one it cannot translate).`,
    );
  }
  if (FIXTURE_ONLY) return;

  const tally: Tally = { runs: 0, faultedRuns: 0, fired: 0, violations: [], report: [] };
  const tasks = steps.flatMap((step, k) => variantsOf(step).map((v) => ({ step, k, v })));
  await inParallel(tasks, WORKERS, ({ step, k, v }) => faultedRun(keys, setUp, step, k, v, tally));
  writeSweepReport(
    `fault-sweep-${name.replace(/[^\w]+/g, '-')}.txt`,
    `Fault sweep, ${name}: ${steps.length} requests × ${SLOW_VARIANTS.length} kinds (${SLOW_VARIANTS.map((v) => v.name).join(', ')}; a batched request only the 503s) = ${tally.faultedRuns} faulted runs, ${tally.runs} runs in all, ${tally.fired} faults fired, ${tally.violations.length} violations, ${Math.round((Date.now() - t0) / 1000)} s\n${tally.violations.slice(0, 40).join('\n')}\n${tally.report.sort().join('\n')}`,
  );
  expect(tally.faultedRuns).toBe(tasks.length);
  expect(tally.violations).toEqual([]);
});
