/**
 * The fault sweep: the proof that a rotation never leaves a GitHub secret that Entra does not accept.
 * A full rotation (near expiry, two environments, companion secrets) is recorded; then, for every request k in it,
 * the same start state is run again with a fault at k: a persistent 503, a dropped connection (the request takes
 * effect, the answer is lost), and a single transient 503. The invariant is checked after each run; transient
 * faults must still end in a successful rotation with exactly one new secret; and a second run without faults
 * must converge.
 */
import { startEmulator, type Emulator, type Fault, type RequestLogEntry } from '../test/emulator/index.ts';
import { baseInputs, expectNoLeak, runAction } from '../test/harness.ts';
import { convergenceProblems, createFromNothing, invariantViolations, nearExpiryWithCompanions, newManaged, type StartState } from '../test/invariant.ts';

jest.setTimeout(600_000);

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** A request's identity across emulators (ids differ): service, method, path with ids wildcarded, and which occurrence. */
interface Step {
  service: RequestLogEntry['service'];
  method: string;
  path: RegExp;
  occurrence: number;
  label: string;
}

function stepsOf(log: RequestLogEntry[]): Step[] {
  const seen = new Map<string, number>();
  return log.map((e) => {
    const shape = e.path.replace(GUID, '<id>');
    const key = `${e.service} ${e.method} ${shape}`;
    const occurrence = (seen.get(key) ?? 0) + 1;
    seen.set(key, occurrence);
    const source = shape
      .split('<id>')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[0-9a-f-]{36}');
    return { service: e.service, method: e.method, path: new RegExp(`^${source}$`), occurrence, label: `${key}${occurrence > 1 ? ` #${occurrence}` : ''}` };
  });
}

type Kind = 'persistent 503' | 'dropped connection' | 'transient 503';
const KINDS: Record<Kind, (s: Step) => Fault> = {
  'persistent 503': (s) => ({ match: { service: s.service, method: s.method, path: s.path, occurrence: s.occurrence }, times: Infinity, kind: 'status', status: 503 }),
  'dropped connection': (s) => ({ match: { service: s.service, method: s.method, path: s.path, occurrence: s.occurrence }, times: 1, kind: 'drop-after' }),
  'transient 503': (s) => ({ match: { service: s.service, method: s.method, path: s.path, occurrence: s.occurrence }, times: 1, kind: 'status', status: 503 }),
};

async function withEmulator<T>(fn: (emu: Emulator) => Promise<T>): Promise<T> {
  const emu = await startEmulator();
  try {
    return await fn(emu);
  } finally {
    await emu.close();
  }
}

const START_STATES: Array<[string, (emu: Emulator, inputs: Record<string, string>) => StartState]> = [
  ['a rotation near expiry (two environments, companion secrets)', nearExpiryWithCompanions],
  ['a create from nothing (declared properties, two environments, companion secrets)', createFromNothing],
];

it.each(START_STATES)('keeps every GitHub secret working under a fault at every request of %s', async (_name, setUp) => {
  const recorded = await withEmulator(async (emu) => {
    const start = setUp(emu, baseInputs(emu));
    emu.resetCounters();
    const run = await runAction(emu, start.inputs);
    expect(run.error).toBe('');
    expect(invariantViolations(emu, start)).toEqual([]);
    expect(newManaged(emu, start)).toHaveLength(1);
    return [...emu.log];
  });
  const steps = stepsOf(recorded);
  expect(steps.length).toBeGreaterThanOrEqual(12);

  const report: string[] = [];
  let runs = 0;
  let faultsInjected = 0;
  const violations: string[] = [];
  for (const [k, step] of steps.entries()) {
    for (const kind of Object.keys(KINDS) as Kind[]) {
      await withEmulator(async (emu) => {
        const start = setUp(emu, baseInputs(emu));
        emu.resetCounters();
        emu.faults.add(KINDS[kind](step));
        const first = await runAction(emu, start.inputs);
        runs += 1;
        if (emu.log.some((e) => e.fault !== undefined)) faultsInjected += 1;
        const where = `fault ${k} (${step.label}), ${kind}`;
        expectNoLeak(first, emu);
        for (const v of invariantViolations(emu, start)) violations.push(`${where}: ${v}`);
        if (kind === 'transient 503') {
          if (first.code !== 0) violations.push(`${where}: the run failed: ${first.error}`);
          if (newManaged(emu, start).length !== 1) violations.push(`${where}: ${newManaged(emu, start).length} new secrets instead of 1`);
        }
        emu.faults.clear();
        const second = await runAction(emu, start.inputs);
        runs += 1;
        if (second.code !== 0) violations.push(`${where}: the run after it failed: ${second.error}`);
        for (const v of convergenceProblems(emu, start)) violations.push(`${where}, then a run without faults: ${v}`);
        report.push(`${String(k).padStart(2)} ${step.label.padEnd(70)} ${kind.padEnd(18)} first run exit ${first.code}`);
      });
    }
  }
  console.log(
    `Fault sweep, ${_name}: ${steps.length} requests × ${Object.keys(KINDS).length} kinds = ${faultsInjected} faulted runs (+ as many runs without faults), ${runs} runs in all, ${violations.length} invariant violations\n${report.join('\n')}`,
  );
  expect(violations).toEqual([]);
});
