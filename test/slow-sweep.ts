/**
 * The slow fault sweep's cases as data, shared by both sweeps: the requests of each start state's clean run (as
 * __tests__/faults.test.ts records them against the emulator, kept in test/fakes/slow-sweep-requests.json) and the
 * fault variants swept at each. The slow sweep checks that its clean runs still make exactly these requests; the
 * fast sweep (__tests__/core/fault-sweep.test.ts) runs the same cases over the fakes, translated by
 * test/fakes/slow-sweep-translation.ts into what the core receives.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Service } from './emulator/types.ts';

/** npm scripts and jest both run from the package root. */
export const SLOW_SWEEP_FIXTURE = resolve('test/fakes/slow-sweep-requests.json');

/** How to bring the fixture up to date with the slow sweep's clean runs. */
export const REGENERATE = 'UPDATE_SWEEP_FIXTURE=1 npx jest __tests__/faults.test.ts';

/** The start states of test/invariant.ts the slow sweep runs, by the name of their function there. */
export const SLOW_START_STATES = ['nearExpirySingleTarget', 'nearExpiryWithCompanions', 'createFromNothing', 'nearExpiryFleet'] as const;
export type SlowStartState = (typeof SLOW_START_STATES)[number];

/** One request of a clean run, as the slow sweep identifies it across emulators (whose ids differ). */
export interface SweptRequest {
  service: Service;
  method: string;
  /** The path and query as received, every GUID replaced by `<id>`. */
  shape: string;
  /** Which request of this service, method and shape it is in the run (1-based). */
  occurrence: number;
  /** Carried in a Graph $batch: it has no connection of its own to drop (its envelope's is swept). */
  batched: boolean;
  /** `service METHOD shape[ #occurrence][ (in a $batch)]`: the slow sweep's name for it. */
  label: string;
}

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** The requests of an emulator's log, in its order. */
export function requestsOf(log: ReadonlyArray<{ service: SweptRequest['service']; method: string; path: string; batch?: number }>): SweptRequest[] {
  const seen = new Map<string, number>();
  return log.map((e) => {
    const shape = e.path.replace(GUID, '<id>');
    const key = `${e.service} ${e.method} ${shape}`;
    const occurrence = (seen.get(key) ?? 0) + 1;
    seen.set(key, occurrence);
    const batched = e.batch !== undefined;
    const label = `${key}${occurrence > 1 ? ` #${occurrence}` : ''}${batched ? ' (in a $batch)' : ''}`;
    return { service: e.service, method: e.method, shape, occurrence, batched, label };
  });
}

/** A fault the slow sweep plants at a request: a 503, or a connection dropped before or after it is processed. */
export interface SlowVariant {
  kind: 'status' | 'drop' | 'drop-after';
  /** Once: that request only. Persistent: that request and every later one of the same service, method and shape. */
  once: boolean;
  name: string;
}

export const SLOW_VARIANTS: readonly SlowVariant[] = (['status', 'drop', 'drop-after'] as const).flatMap((kind) =>
  [true, false].map((once) => ({ kind, once, name: `${kind === 'status' ? '503' : kind} ${once ? 'once' : 'persistent'}` })),
);

/** A batched request fails on its own only with a status; a dropped connection drops its envelope, swept as a request. */
export function variantsOf(request: SweptRequest): readonly SlowVariant[] {
  return request.batched ? SLOW_VARIANTS.filter((v) => v.kind === 'status') : SLOW_VARIANTS;
}

export type SweepFixture = Record<SlowStartState, SweptRequest[]>;

export function readSweepFixture(): SweepFixture {
  return JSON.parse(readFileSync(SLOW_SWEEP_FIXTURE, 'utf8')) as SweepFixture;
}

/** Replaces one start state's requests in the fixture (the others stay). */
export function updateSweepFixture(state: SlowStartState, requests: readonly SweptRequest[]): void {
  let fixture: Partial<SweepFixture> = {};
  try {
    fixture = readSweepFixture();
  } catch {
    // no fixture yet
  }
  const next = Object.fromEntries(SLOW_START_STATES.map((s) => [s, s === state ? requests : (fixture[s] ?? [])]));
  writeFileSync(SLOW_SWEEP_FIXTURE, `${JSON.stringify(next, null, 2)}\n`);
}

/**
 * What differs between a clean run's requests and the fixture's, as lines; empty when they are the same requests.
 * Compared as sets of labels, not in order: requests in flight at once (the GitHub listings and the Graph lookup,
 * the public keys of two scopes) reach the emulator in either order, while each label's occurrence number is
 * stable (requests of one shape are never concurrent in these runs).
 */
export function fixtureDifferences(recorded: readonly SweptRequest[], fixture: readonly SweptRequest[]): string[] {
  const have = new Set(recorded.map((r) => r.label));
  const want = new Set(fixture.map((r) => r.label));
  const key = (r: SweptRequest): string => JSON.stringify([r.service, r.method, r.shape, r.occurrence, r.batched]);
  const fields = new Map(fixture.map((r) => [r.label, key(r)]));
  return [
    ...[...have].filter((l) => !want.has(l)).map((l) => `made but not in the fixture: ${l}`),
    ...[...want].filter((l) => !have.has(l)).map((l) => `in the fixture but not made: ${l}`),
    ...recorded.filter((r) => fields.has(r.label) && fields.get(r.label) !== key(r)).map((r) => `recorded differently: ${r.label}`),
    ...(recorded.length === fixture.length ? [] : [`${recorded.length} requests made, ${fixture.length} in the fixture`]),
  ];
}
