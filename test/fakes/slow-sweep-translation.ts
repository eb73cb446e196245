/**
 * The slow sweep's cases (a request of a clean run × a fault variant, test/slow-sweep.ts) as what the core receives:
 * which port call made the request, and what fault kind that call sees once the adapters have done their part
 * (src/adapters/entra.ts, graph.ts, graph-client.ts, github.ts, retry.ts), or none at all when they retry it away.
 * Written from what the adapters do; each case this file calls a judgment is marked JUDGMENT. Where the emulator and
 * the real service may differ, the translation follows the real service.
 *
 * The adapters, as far as they decide this:
 * - Entra (entra.ts): @azure/identity's pipeline retries 5xx and dropped connections of its metadata and token
 *   requests itself (retryOptions), and a token request changes nothing: a fault once is retried away. A
 *   persistent one fails the sign-in with a ServiceError that never says "maybe done" (signInError).
 * - Graph (graph.ts, graph-client.ts): a GET, a $batch (all reads) and the POSTs marked idempotent
 *   (removePassword, createServicePrincipal, addFederatedCredential) are retried on 503 (the RetryHandler) and on a
 *   dropped connection (#call's retryWorthy), up to the policy's attempts (LAG_ATTEMPTS on an object the run
 *   created); their repeats are harmless (a removal's "no such key" is confirmed by a read, a create's 409 or
 *   duplicate is the goal). A batched item that answers 503 is sent again in a new batch. addPassword and createApp
 *   are not idempotent: a 503 or a dropped connection is not retried and is surfaced "maybe done" (outcomeUnknown;
 *   #settle, and `lost` for a transport failure); createApp then looks the app up by name itself (#findCreated) and
 *   creates again only when it finds none, up to 3 creates.
 * - GitHub (github.ts): plugin-retry retries 5xx and answers that never came, for every method (a PUT writes the
 *   same sealed value again: harmless); a write's final failure is "maybe done" when an attempt's answer was lost
 *   or the last answer was a 5xx (#error), a read's never.
 *
 * The fakes' kinds (faults.ts) for what survives: a final answer that is not "maybe done" → `refused`; no effect
 * and "maybe done" for a change → `lost-before`; the work done and the answer lost → `lost-after`.
 */
import type { SlowStartState, SlowVariant, SweptRequest } from '../slow-sweep.ts';
import { SERVICE_OF, type CallName, type FaultKind, type PlannedFault } from './faults.ts';

export interface Translation {
  /**
   * What to plan over the fakes; empty: the adapters retry the fault away and the core sees a clean run. The first
   * is the port call that made the request (it must fire); any others are the further port calls a persistent fault
   * reaches, because their requests share the faulted one's shape (the slow sweep's fault hits every later request
   * of that service, method and shape).
   */
  faults: PlannedFault[];
  /** Why, in a few words: for failure messages. */
  why: string;
}

/** Which port call made a request, and which of that call's calls (1-based), among those `labelIncludes` selects. */
interface PortCall {
  call: CallName;
  occurrence: number;
  labelIncludes?: string;
  /** What the request is to the adapter. */
  request: 'entra' | 'read' | 'idempotent change' | 'addPassword' | 'createApp' | 'write';
  /** Further port calls whose requests a persistent fault at this shape also hits. */
  alsoPersistent?: CallName[];
}

const GRAPH_CALLS = (Object.keys(SERVICE_OF) as CallName[]).filter((c) => SERVICE_OF[c] === 'Microsoft Graph');

/** The scope label the fakes give a GitHub path's scope (model.ts scopeLabel). */
function scopeOfPath(path: string): string {
  const env = /^\/repos\/([^/]+)\/([^/]+)\/environments\/([^/]+)\/secrets/.exec(path);
  if (env !== null) return `environment '${decodeURIComponent(env[3] ?? '')}' of ${env[1] ?? ''}/${env[2] ?? ''}`;
  const repo = /^\/repos\/([^/]+)\/([^/]+)\/actions\/secrets/.exec(path);
  if (repo !== null) return `repository ${repo[1] ?? ''}/${repo[2] ?? ''}`;
  throw new Error(`no GitHub scope in ${path}`);
}

/** The port call that made a request of a clean run of `state`; throws for a request this file does not know. */
export function portCallOf(r: SweptRequest, state: SlowStartState): PortCall {
  const path = r.shape.split('?')[0] ?? '';
  const query = r.shape.slice(path.length);
  if (r.service === 'entra') {
    // Each credential reads the authority's metadata once (MSAL, per credential) and asks for one token. The first
    // pair is the rotator's sign-in, made by the first Graph request of the run: the lookup (planAll's findApps).
    // Every later pair is one `accepts` (a new credential per call, entra.ts newSecretVerifier), in order.
    if (r.occurrence === 1) return { call: 'findApps', occurrence: 1, request: 'entra', alsoPersistent: [...GRAPH_CALLS.filter((c) => c !== 'findApps'), 'accepts'] };
    return { call: 'accepts', occurrence: r.occurrence - 1, request: 'entra' };
  }
  if (r.service === 'github') {
    const scope = scopeOfPath(path);
    if (r.method === 'GET' && path.endsWith('/secrets/public-key')) return { call: 'prepare', occurrence: r.occurrence, labelIncludes: scope, request: 'read' };
    if (r.method === 'GET' && path.endsWith('/secrets')) return { call: 'list', occurrence: r.occurrence, labelIncludes: scope, request: 'read' };
    if (r.method === 'PUT') {
      const name = decodeURIComponent(path.split('/').pop() ?? '');
      return { call: 'write', occurrence: r.occurrence, labelIncludes: `${name} ${scope}`, request: 'write' };
    }
  }
  if (r.service === 'graph') {
    if (r.method === 'POST' && path === '/v1.0/$batch') {
      // The fleet's lookup of its apps, then the expiry report's certificates (of apps the run did not create).
      if (state !== 'nearExpiryFleet') throw new Error(`a $batch in ${state}: which port call is it?`);
      return r.occurrence === 1
        ? { call: 'findApps', occurrence: 1, request: 'read', alsoPersistent: ['certificates'] }
        : { call: 'certificates', occurrence: r.occurrence - 1, request: 'read' };
    }
    if (r.method === 'GET' && path === '/v1.0/applications' && query.includes('displayName%20eq')) {
      // One app: findApps of one ref is this one GET; a fleet: an item of the lookup's batch. (#findCreated's
      // lookup after a lost create has another $select, and is never in a clean run.)
      return { call: 'findApps', occurrence: 1, request: 'read' };
    }
    if (r.method === 'GET' && path === '/v1.0/applications' && query.includes('id%20in%20') && r.batched) return { call: 'certificates', occurrence: r.occurrence, request: 'read' };
    if (r.method === 'GET' && path === '/v1.0/servicePrincipals') return { call: 'resourceApis', occurrence: r.occurrence, request: 'read' };
    if (r.method === 'POST' && path === '/v1.0/applications') return { call: 'createApp', occurrence: r.occurrence, request: 'createApp' };
    if (r.method === 'POST' && path === '/v1.0/servicePrincipals') return { call: 'createServicePrincipal', occurrence: r.occurrence, request: 'idempotent change' };
    if (r.method === 'POST' && path.endsWith('/federatedIdentityCredentials')) return { call: 'addFederatedCredential', occurrence: r.occurrence, request: 'idempotent change' };
    // Keyed by the app's object id, which the shape wildcards: occurrence k is the k-th call of the run, any app.
    if (r.method === 'POST' && path.endsWith('/addPassword')) return { call: 'addPassword', occurrence: r.occurrence, request: 'addPassword' };
    if (r.method === 'POST' && path.endsWith('/removePassword')) return { call: 'removePassword', occurrence: r.occurrence, request: 'idempotent change' };
  }
  throw new Error(`no port call known for ${r.label} (${state}): extend test/fakes/slow-sweep-translation.ts`);
}

/** The fault kind the port call sees, or undefined when the adapters retry the fault away. */
function kindSeen(c: PortCall, v: SlowVariant): FaultKind | undefined {
  switch (c.request) {
    case 'entra':
      // The token service's errors never say "maybe done", and a sign-in changes nothing: any persistent fault is a
      // refusal to the call that signs in (JUDGMENT: `refused` for the drops too; the fakes' lost-* of a read differ
      // from it only in the error's words).
      return v.once ? undefined : 'refused';
    case 'read':
    case 'idempotent change':
    case 'write':
      if (v.once) return undefined;
      // 503 every time: the last answer stands. A write's is "maybe done" (github.ts marks a 5xx to a write so), and
      // a 503 is not processed (the emulator's and Graph's and GitHub's meaning of it: "try again later").
      // JUDGMENT: a 5xx that came after the work was done would be the fakes' `server-error-after`, which the
      // first pass runs at every port call.
      if (v.kind === 'status') return c.request === 'write' ? 'lost-before' : 'refused';
      // Every try dropped, before or after the service did the work. For a read Graph marks the lost answer "maybe
      // done" where the fakes do not; the core reads `outcomeUnknown` only of addPassword and write (rotate.ts),
      // and of createApp inside graph.ts, so it does not matter.
      return v.kind === 'drop' ? 'lost-before' : 'lost-after';
    case 'addPassword':
      // Not retried: the first 503 or drop reaches the core "maybe done" (the core then reads the app, removes a
      // stray it finds, and adds again: rotate.ts addOnce). A 503 is not processed (as above: JUDGMENT).
      return v.kind === 'drop-after' ? 'lost-after' : 'lost-before';
    case 'createApp':
      // graph.ts recovers a create whose answer it lacks: it looks the app up by name and creates again only when
      // there is none. Once: the next create, or the lookup, succeeds. Persistent 503 or drop: 3 creates, none
      // made, "maybe done". Persistent drop-after: the first create made the app and the lookup finds it: no second
      // create is sent. JUDGMENT: on the real service a lookup right after the create may lag; graph.ts looks
      // LAG_ATTEMPTS times with backoff, and a lag longer than that would make a second app, which no port fault
      // can express (the core never sees it).
      if (v.once || v.kind === 'drop-after') return undefined;
      return 'lost-before';
  }
}

/**
 * A slow case over the fakes. Once: the port call's own occurrence only. Persistent: that call and every later call
 * of the same name (and label, for GitHub, whose paths name the scope and the secret), and every further port call
 * whose requests share the shape.
 */
export function translate(r: SweptRequest, v: SlowVariant, state: SlowStartState): Translation {
  const c = portCallOf(r, state);
  const kind = kindSeen(c, v);
  const where = `${c.call} #${c.occurrence}${c.labelIncludes === undefined ? '' : ` (${c.labelIncludes})`}`;
  if (kind === undefined) return { faults: [], why: `${where}: retried away or recovered by the adapter` };
  const times = v.once ? 1 : Infinity;
  const first: PlannedFault = { call: c.call, occurrence: c.occurrence, times, kind, ...(c.labelIncludes === undefined ? {} : { labelIncludes: c.labelIncludes }) };
  const further: PlannedFault[] = v.once ? [] : (c.alsoPersistent ?? []).map((call) => ({ call, occurrence: 1, times, kind }));
  return { faults: [first, ...further], why: `${where}: ${kind} ${v.once ? 'once' : 'persistent'}` };
}
