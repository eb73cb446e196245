/**
 * In-memory fakes of every port (src/core/ports.ts), sharing one world: a clock the test moves, Entra, GitHub,
 * the faults a test plans, and a journal of calls and effects. `fake.ports('A')` gives a run's Ports with its own
 * log; two runs over the same fake see (and change) the same Entra and GitHub.
 */
import type { Ports } from '../../src/core/ports.ts';
import { FakeClock } from './clock.ts';
import { FakeDirectory } from './directory.ts';
import { World } from './faults.ts';
import { FakeLog } from './log.ts';
import { FakeStore } from './store.ts';
import { FakeVerifier } from './verifier.ts';

export { FakeClock } from './clock.ts';
export { FakeDirectory, fakeGuid, type FakeApp, type SeedApp } from './directory.ts';
export { CHANGING, FAULT_KINDS, World, type CallName, type Effect, type Fault, type FaultKind, type PlannedFault } from './faults.ts';
export { FakeLog } from './log.ts';
export { FakeStore, floorToSecond } from './store.ts';
export { FakeVerifier } from './verifier.ts';

export interface Fake {
  clock: FakeClock;
  world: World;
  directory: FakeDirectory;
  store: FakeStore;
  verifier: FakeVerifier;
  /** The Ports of a run tagged `run` (its calls and effects carry the tag), with its own log. */
  ports(run?: string): Ports & { log: FakeLog };
  /** The log of a run made by ports(run). */
  log(run?: string): FakeLog;
}

export function fakePorts(start?: Date | string): Fake {
  const clock = new FakeClock(start);
  const world = new World(clock);
  const directory = new FakeDirectory(world);
  const store = new FakeStore(world);
  const verifier = new FakeVerifier(world, directory);
  const logs = new Map<string, FakeLog>();
  const logOf = (run: string): FakeLog => {
    const log = logs.get(run) ?? new FakeLog();
    logs.set(run, log);
    world.logs.set(run, log);
    return log;
  };
  return {
    clock,
    world,
    directory,
    store,
    verifier,
    ports: (run = 'run') => ({
      directory: tagged(directory, world, run),
      store: tagged(store, world, run),
      verifier: tagged(verifier, world, run),
      log: logOf(run),
      now: () => clock.now(),
    }),
    log: (run = 'run') => logOf(run),
  };
}

/** The same object, each method call tagged with the run making it (the fakes read the tag synchronously). */
function tagged<T extends object>(target: T, world: World, run: string): T {
  return new Proxy(target, {
    get(t, property) {
      const value: unknown = Reflect.get(t, property, t);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        world.run = run;
        return (value as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  });
}
