/**
 * The port calls the fakes serve, the effects they leave (the journal the tests read the order of), and the faults
 * a test plans. A fault is what the core receives AFTER the adapter's own retries (src/adapters/graph.ts, github.ts,
 * entra.ts): a transient fault the adapter retries away never reaches the core, so only what survives is modelled.
 */
import { ServiceError, type Service } from '../../src/core/errors.ts';
import type { Log } from '../../src/core/ports.ts';
import type { FakeClock } from './clock.ts';

export type CallName =
  | 'appByAppId'
  | 'appsByName'
  | 'findApps'
  | 'allApps'
  | 'certificates'
  | 'createApp'
  | 'updateApp'
  | 'resourceApis'
  | 'federatedCredentials'
  | 'addFederatedCredential'
  | 'removeFederatedCredential'
  | 'servicePrincipalExists'
  | 'createServicePrincipal'
  | 'addPassword'
  | 'removePassword'
  | 'addCertificate'
  | 'removeCertificate'
  | 'keepCertificate'
  | 'list'
  | 'prepare'
  | 'write'
  | 'selectedRepositories'
  | 'accepts';

/** Calls that change something (the adapters mark a failure of these "maybe done" when its answer was lost). */
export const CHANGING: ReadonlySet<CallName> = new Set<CallName>([
  'createApp',
  'updateApp',
  'addFederatedCredential',
  'removeFederatedCredential',
  'createServicePrincipal',
  'addPassword',
  'removePassword',
  'addCertificate',
  'removeCertificate',
  'keepCertificate',
  'write',
]);

/**
 * - `refused`: a final refusal before any effect (a 4xx the adapters never retry, e.g. 403, or a 429 whose wait
 *   is beyond what the adapter waits).
 * - `lost-before`: the connection dropped before the service did anything, after the adapter's retries. For a call
 *   that changes something the adapter cannot tell this from a lost answer: `outcomeUnknown: true`, no effect.
 * - `lost-after`: the service did the work and the answer never came: `outcomeUnknown: true`, effect applied.
 * - `server-error-after`: the work was done and the service answered 5xx: for a change, `outcomeUnknown: true`
 *   (graph.ts for non-idempotent calls, github.ts for every write); effect applied.
 * - `throttled`: the adapter waited out a Retry-After (`delayMs` on the clock), then the call went through; unless
 *   the call has a `notAfter` the wait would pass (a write: github.ts does not wait past it), when the refusal
 *   stands: a 429 before any effect, not "maybe done", no time waited.
 */
export type FaultKind = 'refused' | 'lost-before' | 'lost-after' | 'server-error-after' | 'throttled';
export const FAULT_KINDS: readonly FaultKind[] = ['refused', 'lost-before', 'lost-after', 'server-error-after', 'throttled'];

export interface PlannedFault {
  call: CallName;
  /** Which call of that name (1-based) is hit first; default the first. */
  occurrence?: number;
  /** How many calls of that name from `occurrence` on are hit; default 1, Infinity for a persistent fault. */
  times?: number;
  kind: FaultKind;
  /** For `throttled`: how long the adapter waited. Default 30 s. */
  delayMs?: number;
  /** Only calls whose label contains this (e.g. a target's name). */
  labelIncludes?: string;
}

export interface Fault extends PlannedFault {
  /** Calls it matched (name and label), whether or not it fired. */
  seen: number;
  fired: number;
}

export interface Effect {
  /** The clock when the effect took place. */
  at: Date;
  call: CallName;
  /** What changed, e.g. `addPassword payments-api <keyId>`, `write AZURE_CLIENT_SECRET repo:octo/app`. */
  label: string;
  /** Tag of the run that made it (set by the test through FakeWorld.as). */
  run: string;
}

export interface CallRecord {
  call: CallName;
  label: string;
  run: string;
}

export const SERVICE_OF: Record<CallName, Service> = {
  appByAppId: 'Microsoft Graph',
  appsByName: 'Microsoft Graph',
  findApps: 'Microsoft Graph',
  allApps: 'Microsoft Graph',
  certificates: 'Microsoft Graph',
  createApp: 'Microsoft Graph',
  updateApp: 'Microsoft Graph',
  resourceApis: 'Microsoft Graph',
  federatedCredentials: 'Microsoft Graph',
  addFederatedCredential: 'Microsoft Graph',
  removeFederatedCredential: 'Microsoft Graph',
  servicePrincipalExists: 'Microsoft Graph',
  createServicePrincipal: 'Microsoft Graph',
  addPassword: 'Microsoft Graph',
  removePassword: 'Microsoft Graph',
  addCertificate: 'Microsoft Graph',
  removeCertificate: 'Microsoft Graph',
  keepCertificate: 'Microsoft Graph',
  list: 'GitHub',
  prepare: 'GitHub',
  write: 'GitHub',
  selectedRepositories: 'GitHub',
  accepts: 'Microsoft Entra ID',
};

/** What every fake shares: the clock, the faults, the journal of calls and effects, and the run making calls. */
export class World {
  readonly clock: FakeClock;
  readonly faults: Fault[] = [];
  readonly calls: CallRecord[] = [];
  readonly effects: Effect[] = [];
  /** The latency of one call, on the clock. */
  callMs = 100;
  /** Tag recorded with calls and effects. */
  run = 'run';
  /**
   * Called (and awaited) before each call is served: how tests interleave runs or change the world mid-run. `run`
   * is the tag of the run making the call (`this.run` may already be another run's by then).
   */
  beforeCall: ((call: CallName, label: string, run: string) => Promise<void>) | undefined;
  /** Each run's log (by tag), where a new secret is masked. */
  readonly logs = new Map<string, Log>();
  #serving = 'run';
  constructor(clock: FakeClock) {
    this.clock = clock;
  }

  plan(fault: PlannedFault): Fault {
    const f: Fault = { ...fault, seen: 0, fired: 0 };
    this.faults.push(f);
    return f;
  }

  /**
   * Serves one call: records it, lets time pass, and runs `effect` unless a fault says the service never did;
   * throws what the adapter would surface. Yields to the event loop first, so concurrent calls interleave.
   * `notAfter`: no attempt of the call starts after it (a write's).
   */
  async serve<T>(call: CallName, label: string, doing: string, effect: () => T, before?: () => void, notAfter?: Date): Promise<T> {
    const run = this.run;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.beforeCall !== undefined) await this.beforeCall(call, label, run);
    // What the adapter checks before an attempt starts (e.g. a write's notAfter): nothing is sent.
    before?.();
    this.calls.push({ call, label, run });
    this.clock.advance(this.callMs);
    const fault = this.#faultFor(call, label);
    this.#serving = run;
    if (fault === undefined) return effect();
    fault.fired += 1;
    if (fault.kind === 'throttled') {
      const delayMs = fault.delayMs ?? 30_000;
      if (notAfter !== undefined && this.clock.now().getTime() + delayMs > notAfter.getTime()) throw throttledPastNotAfter(call, doing, delayMs);
      this.clock.advance(delayMs);
      return effect();
    }
    if (fault.kind === 'lost-after' || fault.kind === 'server-error-after') effect();
    throw faultError(call, doing, fault.kind);
  }

  /** Journals an effect of the call being served (effects run synchronously inside serve). */
  record(call: CallName, label: string): void {
    this.effects.push({ at: this.clock.now(), call, label, run: this.#serving });
  }

  /** Masks a value in the log of the run whose call is being served. */
  mask(value: string): void {
    this.logs.get(this.#serving)?.mask(value);
  }

  /** The first planned fault that hits this call (every matching fault counts the call). */
  #faultFor(call: CallName, label: string): Fault | undefined {
    let hit: Fault | undefined;
    for (const f of this.faults) {
      if (f.call !== call || (f.labelIncludes !== undefined && !label.includes(f.labelIncludes))) continue;
      f.seen += 1;
      const first = f.occurrence ?? 1;
      if (hit === undefined && f.seen >= first && f.seen < first + (f.times ?? 1)) hit = f;
    }
    return hit;
  }
}

/** A rate limit whose wait would end after the call's notAfter: the adapter does not wait, and its answer stands. */
function throttledPastNotAfter(call: CallName, doing: string, delayMs: number): ServiceError {
  return new ServiceError({
    service: SERVICE_OF[call],
    doing,
    status: 429,
    requestId: 'fake-request',
    detail: `asked to wait ${Math.round(delayMs / 1000)} s, past the time this run allows for it`,
    outcomeUnknown: false,
    hint: 'run again later',
  });
}

/** The ServiceError the adapter surfaces for a fault that survived its retries. */
export function faultError(call: CallName, doing: string, kind: Exclude<FaultKind, 'throttled'>): ServiceError {
  const service = SERVICE_OF[call];
  const changing = CHANGING.has(call);
  switch (kind) {
    case 'refused':
      return new ServiceError({
        service,
        doing,
        status: service === 'GitHub' ? 422 : 400,
        code: service === 'GitHub' ? undefined : 'Request_BadRequest',
        requestId: 'fake-request',
        hint: 'the fake refused it',
      });
    case 'lost-before':
    case 'lost-after':
      return new ServiceError({ service, doing, code: 'ECONNRESET', detail: 'socket hang up', outcomeUnknown: changing, hint: 'run again' });
    case 'server-error-after':
      return new ServiceError({ service, doing, status: 500, code: 'InternalServerError', requestId: 'fake-request', outcomeUnknown: changing, hint: 'run again' });
  }
}
