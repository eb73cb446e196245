/**
 * Local emulator of the services the action talks to, each on its own HTTPS server on 127.0.0.1:
 * the Entra ID token endpoint (authority), Microsoft Graph v1.0 (application management), the GitHub Actions
 * OIDC ID-token endpoint, the GitHub REST secrets API, and Azure Key Vault's secrets data plane. A CA is generated at start; child processes trust it
 * through NODE_EXTRA_CA_CERTS (see emulatorEnv).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyCredential } from '@microsoft/microsoft-graph-types';
import sodium from 'libsodium-wrappers';
import { createCertificates, type Certificates } from './tls.ts';
import { createRsaSigningKey, type RsaSigningKey } from './jwt.ts';
import { addFault, addHold, createPlumbing, faultCounts, inFlight, releaseParked, startServiceServer } from './server.ts';
import type { ServiceServer } from './server.ts';
import type { State } from './state.ts';
import { handOut } from './state.ts';
import { createEntraHandler } from './entra.ts';
import { createOidcHandler } from './oidc.ts';
import { createGraphHandler } from './graph.ts';
import { ageGitHub, createGitHubApi, createGitHubHandler, createGitHubState } from './github.ts';
import { ageDirectory } from './age.ts';
import { ageKeyVault, createKeyVaultApi, createKeyVaultHandler, createKeyVaultState } from './keyvault.ts';
import { newApp, seedResourceServicePrincipals, servicePrincipalForApp } from './graph-model.ts';
import type {
  Emulator,
  EmulatorFaults,
  EmulatorOptions,
  EmulatorPolicy,
  CertificateView,
  Fault,
  GraphApp,
  GraphNamed,
  GraphServicePrincipal,
  HoldRule,
  ParkedRequest,
  PasswordCredential,
  RotatorInput,
  SeedAppInput,
  SeedCertificate,
  Service,
} from './types.ts';
import { entraSecretText, guid, isGuid, isPlainObject, jwtLooking } from './util.ts';
import type { StoredKeyCredential } from './certs.ts';
import { certificateDer, parseCertificateDer, selfSignedDer, storedKeyCredential } from './certs.ts';

export type * from './types.ts';

export const DEFAULT_OIDC_SUBJECT = 'repo:octo/app:ref:refs/heads/main';

/** The TLS certificates and the OIDC signing key an emulator uses: made anew by each start unless passed in. */
export interface EmulatorKeys {
  certs: Certificates;
  oidcKey: RsaSigningKey;
}

/** Keys for EmulatorOptions.keys: sweeps that start hundreds of emulators make them once (about 0.1 s each). */
export async function createEmulatorKeys(): Promise<EmulatorKeys> {
  const [certs, oidcKey] = await Promise.all([createCertificates(), createRsaSigningKey()]);
  return { certs, oidcKey };
}

export async function startEmulator(options: EmulatorOptions & { keys?: EmulatorKeys } = {}): Promise<Emulator> {
  await sodium.ready;
  const { certs, oidcKey } = options.keys ?? (await createEmulatorKeys());
  const dir = await mkdtemp(join(tmpdir(), 'entra-rotator-emulator-'));
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, certs.caPem);

  const plumbing = createPlumbing(options.latencyMs ?? 0);
  const tenantId = guid();
  const idTokenRequestToken = jwtLooking({ nameid: 'dddddddd-dddd-dddd-dddd-dddddddddddd', scp: 'Actions.GenericRead:00000000-0000-0000-0000-000000000000 generate_id_token:' + guid(), iat: Math.floor(Date.now() / 1000) });

  // `state` is referenced by the fault API before the object literal below is complete.
  const faults: EmulatorFaults = {
    add(f: Fault) {
      if (!['status', 'drop', 'drop-after', 'status-after'].includes(f.kind)) throw new Error(`emulator: unknown fault kind '${String(f.kind)}'`);
      return addFault(plumbing, f);
    },
    fired() {
      return faultCounts(plumbing);
    },
    clear() {
      plumbing.faults.length = 0;
      state.pendingLag = undefined;
      state.lag = undefined;
      state.pendingOwnershipLag = undefined;
      state.ownershipLag = undefined;
      faults.newKeyRemovalLag = 0;
      faults.federatedListLag = 0;
    },
    replicationLag(times: number) {
      state.pendingLag = times;
    },
    ownershipLag(times: number) {
      state.pendingOwnershipLag = times;
    },
    secretPropagationMs: 0,
    newKeyRemovalLag: 0,
    federatedListLag: 0,
    throttle({ count, retryAfterS, match }) {
      return addFault(plumbing, { kind: 'status', status: 429, code: 'TooManyRequests', retryAfter: String(retryAfterS), times: count, match: { service: 'graph', ...(match ?? {}) } });
    },
  };

  const state: State = {
    tenantId,
    urls: { authority: '', graph: '', github: '', idTokenRequestUrl: '', keyVault: '' },
    rotators: new Map(),
    graph: { apps: [], servicePrincipals: seedResourceServicePrincipals() },
    accessTokens: new Map(),
    handedOut: new Set(),
    oidcKey,
    idTokenRequestToken,
    oidcSubject: DEFAULT_OIDC_SUBJECT,
    faults,
    pendingLag: undefined,
    lag: undefined,
    pendingOwnershipLag: undefined,
    ownershipLag: undefined,
    keyCredentialReads: [],
    passwordAddedAt: new WeakMap(),
    keyAddedAt: new WeakMap(),
    policy: {},
    pageSize: options.pageSize ?? 100,
    concurrentWriteWindowMs: options.concurrentWriteWindowMs ?? 0,
    lastWriteAt: new Map(),
  };
  handOut(state, idTokenRequestToken);
  const gh = createGitHubState();
  const kv = createKeyVaultState();
  const tls = { key: certs.keyPem, cert: certs.certPem };
  const serverOptions = { http1Only: options.http1Only ?? false };

  const servers: ServiceServer[] = [];
  try {
    const [entra, graph, github, oidc, keyVault] = await Promise.all([
      startServiceServer(plumbing, createEntraHandler(state), tls, serverOptions),
      startServiceServer(plumbing, createGraphHandler(state), tls, serverOptions),
      startServiceServer(plumbing, createGitHubHandler(state, gh), tls, serverOptions),
      startServiceServer(plumbing, createOidcHandler(state), tls, serverOptions),
      startServiceServer(plumbing, createKeyVaultHandler(state, kv), tls, serverOptions),
    ]);
    servers.push(entra, graph, github, oidc, keyVault);
    state.urls.authority = `https://127.0.0.1:${entra.port}`;
    state.urls.graph = `https://127.0.0.1:${graph.port}`;
    state.urls.github = `https://127.0.0.1:${github.port}`;
    state.urls.idTokenRequestUrl = `https://127.0.0.1:${oidc.port}/idtoken?api-version=2.0`;
    state.urls.keyVault = `https://127.0.0.1:${keyVault.port}`;
  } catch (e) {
    await Promise.all(servers.map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
    throw e;
  }

  /** One seeded app; `defaultOwners` (every rotator) unless the input names its owners. */
  function seedOne(a: SeedAppInput, defaultOwners: string[]): GraphApp {
    const app = newApp(a.displayName, a.signInAudience ?? 'AzureADMyOrg');
    if (a.uniqueName !== undefined) app.uniqueName = a.uniqueName;
    app.owners = [...(a.ownedBy ?? defaultOwners)];
    app.passwordCredentials = (a.passwords ?? []).map((p): PasswordCredential => {
      const secretText = entraSecretText();
      handOut(state, secretText);
      return { keyId: guid(), displayName: p.displayName, hint: secretText.slice(0, 3), startDateTime: p.startDateTime, endDateTime: p.endDateTime, customKeyIdentifier: null, secretText };
    });
    if (a.requiredResourceAccess) app.requiredResourceAccess = structuredClone(a.requiredResourceAccess);
    app.federatedIdentityCredentials = (a.federatedIdentityCredentials ?? []).map((f) => ({
      id: guid(),
      name: f.name,
      issuer: f.issuer,
      subject: f.subject,
      audiences: [...f.audiences],
      description: f.description ?? null,
    }));
    if (a.certificates) app.extra['keyCredentials'] = a.certificates.map(seedCertificate);
    state.graph.apps.push(app);
    if (a.servicePrincipal !== false) state.graph.servicePrincipals.push(servicePrincipalForApp(app, state.tenantId));
    return app;
  }

  const githubApi = createGitHubApi(state, gh);
  let closed = false;

  const emulator: Emulator = {
    urls: state.urls,
    caPem: certs.caPem,
    caFile,
    tenantId,
    idTokenRequestToken,
    get oidcSubject(): string {
      return state.oidcSubject;
    },
    set oidcSubject(v: string) {
      state.oidcSubject = v;
    },
    addRotator(r: RotatorInput) {
      if (!isGuid(r.clientId)) throw new Error(`emulator: rotator clientId must be a GUID, got '${r.clientId}'`);
      state.rotators.set(r.clientId.toLowerCase(), {
        clientId: r.clientId,
        secret: r.secret,
        federatedSubject: r.federatedSubject,
        roles: r.roles ?? ['Application.ReadWrite.OwnedBy'],
        objectId: guid(),
        displayName: `rotator-${r.clientId.slice(0, 8)}`,
      });
      handOut(state, r.secret);
    },
    seedApp(a: SeedAppInput): GraphApp {
      return seedOne(a, [...state.rotators.values()].map((r) => r.clientId));
    },
    seedApps(apps: readonly SeedAppInput[]): GraphApp[] {
      const owners = [...state.rotators.values()].map((r) => r.clientId);
      return apps.map((a) => seedOne(a, owners));
    },
    get graph(): { apps: GraphApp[]; servicePrincipals: GraphServicePrincipal[] } {
      return state.graph;
    },
    set graph(v: { apps: GraphApp[]; servicePrincipals: GraphServicePrincipal[] }) {
      state.graph = v;
    },
    certificates(id: string): CertificateView[] {
      const app = state.graph.apps.find((a) => a.id.toLowerCase() === id.toLowerCase() || a.appId.toLowerCase() === id.toLowerCase());
      if (!app) throw new Error(`emulator: no app with id or appId '${id}'`);
      const stored = app.extra['keyCredentials'];
      return (Array.isArray(stored) ? stored.filter(isPlainObject) : []).map((k): CertificateView => {
        const der = typeof k['key'] === 'string' ? Buffer.from(k['key'], 'base64') : null;
        const str = (v: unknown): string => (typeof v === 'string' ? v : '');
        return {
          keyId: str(k['keyId']),
          displayName: typeof k['displayName'] === 'string' ? k['displayName'] : null,
          customKeyIdentifier: typeof k['customKeyIdentifier'] === 'string' ? k['customKeyIdentifier'] : null,
          startDateTime: str(k['startDateTime']),
          endDateTime: str(k['endDateTime']),
          type: str(k['type']),
          usage: str(k['usage']),
          der,
          thumbprint: der === null ? null : createHash('sha1').update(der).digest('hex').toUpperCase(),
        };
      });
    },
    github: githubApi,
    keyVault: createKeyVaultApi(kv, () => Number(new URL(state.urls.keyVault).port)),
    log: plumbing.log,
    tlsConnections(): Record<Service, number> {
      return { ...plumbing.tls };
    },
    resetCounters() {
      plumbing.log.length = 0;
      plumbing.nextIndex = 0;
      for (const k of Object.keys(plumbing.tls) as Service[]) plumbing.tls[k] = 0;
    },
    handedOut(): string[] {
      const all = new Set(state.handedOut);
      for (const app of state.graph.apps) for (const p of app.passwordCredentials ?? []) if (p.secretText) all.add(p.secretText);
      return [...all];
    },
    faults,
    get policy(): EmulatorPolicy {
      return state.policy;
    },
    set policy(p: EmulatorPolicy) {
      state.policy = p;
    },
    setLatency(ms: number) {
      plumbing.latencyMs = ms;
    },
    age(ms: number) {
      ageDirectory(state, ms);
      ageGitHub(gh, ms);
      ageKeyVault(kv, ms);
    },
    hold(rule: HoldRule) {
      return addHold(plumbing, rule);
    },
    parked(): ParkedRequest[] {
      return [...plumbing.parked.values()].map((k) => k.request).sort((a, b) => a.id - b.id);
    },
    release(id: number) {
      return releaseParked(plumbing, id);
    },
    releaseAll() {
      return Promise.all([...plumbing.parked.keys()].sort((a, b) => a - b).map((id) => releaseParked(plumbing, id)));
    },
    inFlight() {
      return inFlight(plumbing).sort((a, b) => a.index - b.index);
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(servers.map((s) => s.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
  return emulator;
}

/**
 * A seeded certificate, stored as a PATCH of keyCredentials stores one (see SeedAppInput.certificates): the
 * certificate given, or one made for the metadata given (self-signed, for the display name's CN).
 */
function seedCertificate(c: SeedCertificate): StoredKeyCredential {
  if ('certificate' in c) {
    const cert = parseCertificateDer(certificateDer(c.certificate));
    if (!cert) throw new Error('emulator: seedApp certificates: not an X.509 certificate');
    return storedKeyCredential(cert, { keyId: c.keyId ?? guid(), displayName: c.displayName ?? null });
  }
  const start = new Date(c.startDateTime);
  const end = new Date(c.endDateTime);
  const cn = (c.displayName ?? 'emulated').replace(/^CN=/i, '');
  const cert = parseCertificateDer(selfSignedDer(cn, start, end));
  if (!cert) throw new Error('emulator: seedApp certificates: could not make a certificate for that metadata');
  // The dates as given (a certificate holds whole seconds).
  const stored = storedKeyCredential(cert, { keyId: c.keyId ?? guid(), displayName: c.displayName, startDateTime: c.startDateTime, endDateTime: c.endDateTime });
  return stored satisfies GraphNamed<KeyCredential>;
}

/** Environment variables a child process (the action) needs to use the emulator. */
export function emulatorEnv(emu: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_EXTRA_CA_CERTS: emu.caFile,
    GITHUB_API_URL: emu.urls.github,
    ACTIONS_ID_TOKEN_REQUEST_URL: emu.urls.idTokenRequestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.idTokenRequestToken,
    ...extra,
  };
}
