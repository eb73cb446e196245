/**
 * The benchmark's scenarios, shared by `npm run bench` and the floor test that CI runs: the start state of
 * each, the action's inputs, and the request floor (what a correct run cannot do without).
 */
import type { Emulator } from './emulator/index.ts';
import { baseInputs } from './harness.ts';

export type SignIn = 'secret' | 'oidc';
export type Service = 'entra' | 'graph' | 'github' | 'oidc';

export interface Scenario {
  name: string;
  /** Puts the emulator in the scenario's start state; returns the action's inputs. */
  setUp(emu: Emulator, signIn: SignIn): Record<string, string>;
  /** Requests per service with a client secret; OIDC adds one ID-token request. */
  floor: Record<Service, number>;
  /** Requests on the longest chain of requests that each wait for the one before (client secret). */
  chain: number;
  /** Credentials signed in with: the rotator's, and at a rotation the new secret's (verify-new-secret). */
  credentials: number;
}

/**
 * A request an SDK makes that no option of it turns off, on top of what a correct run needs. Only against the
 * emulator: MSAL reads the authority's OpenID configuration (GET /{tenant}/v2.0/.well-known/openid-configuration)
 * once per credential, before its first token, because the emulator's host is not one of the hosts it has that
 * metadata built in for. Against login.microsoftonline.com and login.microsoftonline.us it makes no such request
 * (against login.chinacloudapi.cn it does). @azure/identity offers no option to hand MSAL the metadata.
 */
export const SDK_REQUESTS_PER_CREDENTIAL: Partial<Record<Service, number>> = { entra: 1 };

const DAY = 86_400_000;
const iso = (ms: number): string => new Date(Date.now() + ms).toISOString();
const MANAGED = 'rotated-by-github-actions';

function inputs(emu: Emulator, signIn: SignIn, extra: Record<string, string>): Record<string, string> {
  const all: Record<string, string> = { ...baseInputs(emu), 'app-name': 'bench-app', ...extra };
  if (signIn === 'oidc') delete all['client-secret'];
  return all;
}

/** The app with a managed secret; `nearExpiry` puts it 10 days from expiry, with an older one to remove. */
function seed(emu: Emulator, nearExpiry: boolean, scopes: Array<{ repo: string; environment?: string }>): void {
  const currentStart = nearExpiry ? -170 * DAY : -10 * DAY;
  const passwords = nearExpiry
    ? [
        { displayName: MANAGED, startDateTime: iso(currentStart), endDateTime: iso(10 * DAY) },
        { displayName: MANAGED, startDateTime: iso(-340 * DAY), endDateTime: iso(5 * DAY) },
      ]
    : [{ displayName: MANAGED, startDateTime: iso(currentStart), endDateTime: iso(170 * DAY) }];
  const app = emu.seedApp({ displayName: 'bench-app', servicePrincipal: true, passwords });
  const current = app.passwordCredentials[0]?.secretText ?? '';
  // Written seconds after the secret started, as the action does.
  for (const scope of scopes) emu.github.putPlain(scope, 'AZURE_CLIENT_SECRET', current, iso(currentStart + 5_000));
}

const REPO_SCOPE = [{ repo: 'octo/app' }];
const THREE_ENVIRONMENTS = ['production', 'staging area', 'development'];

export const SCENARIOS: Scenario[] = [
  {
    name: 'steady state, one repository secret',
    setUp(emu, signIn) {
      seed(emu, false, REPO_SCOPE);
      return inputs(emu, signIn, {});
    },
    // token; the app (with its secrets); the listing of the scope
    floor: { entra: 1, graph: 1, github: 1, oidc: 0 },
    chain: 2,
    credentials: 1,
  },
  {
    name: 'rotation to one repository secret',
    setUp(emu, signIn) {
      seed(emu, true, REPO_SCOPE);
      return inputs(emu, signIn, {});
    },
    // token, and a token with the new secret (verify-new-secret, which also shows the service principal exists);
    // app; addPassword; removePassword of the older secret; listing; public key; PUT
    floor: { entra: 2, graph: 3, github: 3, oidc: 0 },
    // token → app → addPassword → token with the new secret → PUT → removePassword
    chain: 6,
    credentials: 2,
  },
  {
    name: 'rotation to three environments',
    setUp(emu, signIn) {
      seed(emu, true, THREE_ENVIRONMENTS.map((environment) => ({ repo: 'octo/app', environment })));
      return inputs(emu, signIn, { environments: THREE_ENVIRONMENTS.join('\n') });
    },
    floor: { entra: 2, graph: 3, github: 9, oidc: 0 },
    chain: 6,
    credentials: 2,
  },
  {
    name: 'certificate rotation to one repository secret',
    setUp(emu, signIn) {
      emu.seedApp({
        displayName: 'bench-app',
        servicePrincipal: true,
        certificates: [
          { displayName: MANAGED, startDateTime: iso(-170 * DAY), endDateTime: iso(10 * DAY) },
          { displayName: MANAGED, startDateTime: iso(-340 * DAY), endDateTime: iso(5 * DAY) },
        ],
      });
      return inputs(emu, signIn, { 'credential-type': 'certificate', 'secret-name': 'AZURE_CLIENT_CERTIFICATE' });
    },
    // token, and a token signed with the new certificate; the app (its certificates without their bytes: a lookup);
    // the certificates with their bytes, the PATCH adding the new one, the read back (Graph has no atomic add
    // without a certificate the run holds); removeKey of the older one; the check at the end that the new one is
    // still there; listing; public key; PUT
    floor: { entra: 2, graph: 6, github: 3, oidc: 0 },
    // token → app → certificates → PATCH → read back → token with the new certificate → PUT → removeKey → check
    chain: 9,
    credentials: 2,
  },
];

/** The floor, plus the SDK's requests the run cannot be configured out of (SDK_REQUESTS_PER_CREDENTIAL). */
export function floorFor(s: Scenario, signIn: SignIn): Record<Service, number> {
  const counts = { ...s.floor, oidc: signIn === 'oidc' ? 1 : 0 };
  for (const [service, n] of Object.entries(SDK_REQUESTS_PER_CREDENTIAL) as Array<[Service, number]>) counts[service] += n * s.credentials;
  return counts;
}

/** The chain, plus each credential's OpenID configuration read (it comes before that credential's token). */
export function chainFor(s: Scenario, signIn: SignIn): number {
  return s.chain + s.credentials * (SDK_REQUESTS_PER_CREDENTIAL.entra ?? 0) + (signIn === 'oidc' ? 1 : 0);
}

export function countsBy(emu: Emulator): { requests: Record<Service, number>; connections: Record<Service, number> } {
  const requests: Record<Service, number> = { entra: 0, graph: 0, github: 0, oidc: 0 };
  // The scenarios write no Key Vault secret.
  for (const e of emu.log) if (e.service !== 'keyvault') requests[e.service] += 1;
  return { requests, connections: emu.tlsConnections() };
}
