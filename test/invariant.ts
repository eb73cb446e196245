/**
 * The promise to users, as a check on what Entra and GitHub hold after a run, however it ended:
 * every GitHub secret that carries the value holds a live credential of the app (a client secret; or, for a
 * certificate start state, a PEM whose certificate is on the app, byte for byte, and whose key is that
 * certificate's); no credential this action did not create was touched; at most one managed credential made by the
 * run is held by no target (the next run removes it).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { makeCertificate } from '../src/adapters/certificate.ts';
import type { Emulator, GraphApp } from './emulator/index.ts';
import { REPO, ROTATOR_ID, runAction, runFleetAction, standardSetup, type ActionRun } from './harness.ts';

export const MANAGED = 'rotated-by-github-actions';
const DAY = 86_400_000;
const iso = (ms: number): string => new Date(Date.now() + ms).toISOString();

export interface ValueTarget {
  /** A GitHub repository (or environment) secret, or a Key Vault secret (`vaultUrl`). */
  scope: { repo: string; environment?: string } | { vaultUrl: string };
  name: string;
  kind: 'secret' | 'credentials';
}

export interface StartState {
  appName: string;
  /** Empty when the app does not exist at the start. */
  appId: string;
  objectId: string;
  keyIds: string[];
  unmanagedKeyId: string;
  targets: ValueTarget[];
  /** Scopes that get the AZURE_CLIENT_ID companion secret. */
  clientIdScopes: Array<{ repo: string; environment?: string }>;
  /** The runs' keep-previous. */
  keepPrevious: number;
  inputs: Record<string, string>;
  /**
   * A fleet: the run reads this fleet file (input config), `inputs` holds only the sign-in and GitHub inputs, and
   * each app of the file has its own start state, checked on its own.
   */
  fleet?: { yaml: string; apps: StartState[] };
  /**
   * Certificates rotate (credential-type certificate, PEM): keyIds and unmanagedKeyId are certificates', and the
   * unmanaged certificate's bytes must stay as they were. The unmanaged client secret must stay too.
   */
  certificate?: { unmanagedDer: string; unmanagedSecretKeyId: string };
}

/** A credential of the app, of the start state's kind: what identifies its value (secret text, or base64 DER). */
export interface Held {
  keyId: string;
  displayName: string | null;
  startDateTime: string;
  endDateTime: string;
  identity: string;
}

/** The app's credentials of the kind the start state rotates. */
function credentialsOf(emu: Emulator, app: GraphApp, start: StartState): Held[] {
  if (start.certificate === undefined) return app.passwordCredentials.map((p) => ({ ...p, identity: p.secretText }));
  return emu.certificates(app.id).map((c) => ({ ...c, identity: c.der?.toString('base64') ?? '' }));
}

const ENVIRONMENTS = ['production', 'staging area'];
/** GitHub stamps updated_at to the second, a few seconds after the secret started: what the action itself leaves. */
const WRITTEN_AFTER_START_MS = 5_000;

export interface NearExpiry {
  appName: string;
  /** Targets that hold the current managed secret, written seconds after it started. */
  targets: ValueTarget[];
  clientIdScopes: Array<{ repo: string; environment?: string }>;
  keepPrevious: number;
  /** The action's inputs besides app-name and keep-previous. */
  inputs: Record<string, string>;
}

/**
 * Near expiry: a managed secret 10 days from expiry (the current one, held by every target), an older managed
 * one, an unmanaged one. The rotators and repositories must exist already.
 */
export function seedNearExpiry(emu: Emulator, seed: NearExpiry): StartState {
  const currentStart = Date.now() - 170 * DAY;
  const app = emu.seedApp({
    displayName: seed.appName,
    servicePrincipal: true,
    passwords: [
      { displayName: MANAGED, startDateTime: new Date(currentStart).toISOString(), endDateTime: iso(10 * DAY) },
      { displayName: MANAGED, startDateTime: iso(-340 * DAY), endDateTime: iso(5 * DAY) },
      { displayName: 'Password uploaded on Thu Mar 16 2023', startDateTime: iso(-300 * DAY), endDateTime: iso(60 * DAY) },
    ],
  });
  const current = app.passwordCredentials[0]?.secretText ?? '';
  const written = new Date(currentStart + WRITTEN_AFTER_START_MS).toISOString();
  for (const t of seed.targets) {
    const value = t.kind === 'secret' ? current : JSON.stringify({ clientId: app.appId, clientSecret: current, tenantId: emu.tenantId });
    if ('vaultUrl' in t.scope) {
      const keyId = app.passwordCredentials[0]?.keyId ?? '';
      emu.keyVault.seed(t.scope.vaultUrl, t.name, { value, tags: { 'entra-client-id': app.appId, 'entra-credential-key-id': keyId }, updatedOn: new Date(written) });
    } else emu.github.putPlain(t.scope, t.name, value, written);
  }
  for (const scope of seed.clientIdScopes) emu.github.putPlain(scope, 'AZURE_CLIENT_ID', app.appId, written);
  return {
    appName: seed.appName,
    appId: app.appId,
    objectId: app.id,
    keyIds: app.passwordCredentials.map((p) => p.keyId),
    unmanagedKeyId: app.passwordCredentials[2]?.keyId ?? '',
    targets: seed.targets,
    clientIdScopes: seed.clientIdScopes,
    keepPrevious: seed.keepPrevious,
    inputs: { ...seed.inputs, 'app-name': seed.appName, 'keep-previous': String(seed.keepPrevious) },
  };
}

/** Near expiry, two environments with companions (AZURE_CREDENTIALS, AZURE_CLIENT_ID), keep-previous 1. */
export function nearExpiryWithCompanions(emu: Emulator, baseInputs: Record<string, string>): StartState {
  standardSetup(emu);
  const scopes = ENVIRONMENTS.map((environment) => ({ repo: REPO, environment }));
  return seedNearExpiry(emu, {
    appName: 'payments-api',
    targets: scopes.flatMap((scope) => [
      { scope, name: 'AZURE_CLIENT_SECRET', kind: 'secret' as const },
      { scope, name: 'AZURE_CREDENTIALS', kind: 'credentials' as const },
    ]),
    clientIdScopes: scopes,
    keepPrevious: 1,
    inputs: { ...baseInputs, environments: ENVIRONMENTS.join('\n'), 'credentials-secret-name': 'AZURE_CREDENTIALS', 'client-id-secret-name': 'AZURE_CLIENT_ID' },
  });
}

/** Near expiry, one repository secret, keep-previous 1. */
export function nearExpirySingleTarget(emu: Emulator, baseInputs: Record<string, string>): StartState {
  standardSetup(emu);
  return seedNearExpiry(emu, {
    appName: 'payments-api',
    targets: [{ scope: { repo: REPO }, name: 'AZURE_CLIENT_SECRET', kind: 'secret' }],
    clientIdScopes: [],
    keepPrevious: 1,
    inputs: baseInputs,
  });
}

/** Nothing exists: the app is created with declared properties, two environments and companion secrets. */
export function createFromNothing(emu: Emulator, baseInputs: Record<string, string>): StartState {
  standardSetup(emu);
  const targets: ValueTarget[] = ENVIRONMENTS.flatMap((environment) => [
    { scope: { repo: REPO, environment }, name: 'AZURE_CLIENT_SECRET', kind: 'secret' as const },
    { scope: { repo: REPO, environment }, name: 'AZURE_CREDENTIALS', kind: 'credentials' as const },
  ]);
  return {
    appName: 'new-service',
    appId: '',
    objectId: '',
    keyIds: [],
    unmanagedKeyId: '',
    targets,
    clientIdScopes: ENVIRONMENTS.map((environment) => ({ repo: REPO, environment })),
    keepPrevious: 1,
    inputs: {
      ...baseInputs,
      'app-name': 'new-service',
      environments: ENVIRONMENTS.join('\n'),
      'credentials-secret-name': 'AZURE_CREDENTIALS',
      'client-id-secret-name': 'AZURE_CLIENT_ID',
      'web-redirect-uris': 'https://new-service.contoso.com/auth',
      'api-permissions': 'Microsoft Graph: User.Read',
      'federated-credentials': 'repo:octo/app:environment:production',
    },
  };
}

/**
 * Near expiry, the value in a Key Vault secret and a repository secret, keep-previous 1: the rotator is Key Vault
 * Secrets Officer on the vault (at 127.0.0.1 on the emulator's Key Vault port). `setUp: false` for a caller that adds
 * the rotators and repository itself; `officers` are the rotators given the role.
 */
export function nearExpiryKeyVault(emu: Emulator, baseInputs: Record<string, string>, options: { setUp?: boolean; officers?: string[] } = {}): StartState {
  if (options.setUp !== false) standardSetup(emu);
  const officers = options.officers ?? [ROTATOR_ID];
  const vaultUrl = emu.keyVault.addVault('127.0.0.1', { rbac: Object.fromEntries(officers.map((o) => [o, 'Key Vault Secrets Officer' as const])) });
  return seedNearExpiry(emu, {
    appName: 'payments-api',
    targets: [
      { scope: { vaultUrl }, name: 'payments-api-client-secret', kind: 'secret' },
      { scope: { repo: REPO }, name: 'AZURE_CLIENT_SECRET', kind: 'secret' },
    ],
    clientIdScopes: [],
    keepPrevious: 1,
    inputs: { ...baseInputs, 'key-vault-secrets': `${vaultUrl}/secrets/payments-api-client-secret` },
  });
}

/** A certificate's PEM (PKCS#8 key, then the certificate) and DER: the current managed one of a certificate start state. */
export interface SeedPem {
  pem: string;
  der: Buffer;
}

/**
 * The current managed certificate of a certificate start state, valid from 170 days ago for 180 days (10 days
 * left), made by the action's own certificate maker: made once per test file (a key takes tens of milliseconds) and
 * seeded in every emulator of it.
 */
export async function makeSeedPem(): Promise<SeedPem> {
  const made = await makeCertificate({ commonName: 'cert-api', lifetimeDays: 180, now: new Date(Date.now() - 170 * DAY), format: 'pem', mask: () => undefined });
  return { pem: made.pem.reveal(), der: made.certificateDer };
}

/**
 * Near expiry, certificates (credential-type certificate, PEM), one repository secret: the current managed
 * certificate (10 days left, held by the target), an older managed one (5 days left), an unmanaged certificate and
 * an unmanaged client secret, which must stay as they are.
 */
export function nearExpiryCertificate(emu: Emulator, baseInputs: Record<string, string>, seed: SeedPem, keepPrevious = 1, options: { setUp?: boolean } = {}): StartState {
  if (options.setUp !== false) standardSetup(emu);
  const app = emu.seedApp({
    displayName: 'cert-api',
    servicePrincipal: true,
    certificates: [
      { certificate: seed.der, displayName: MANAGED },
      { displayName: MANAGED, startDateTime: iso(-340 * DAY), endDateTime: iso(5 * DAY) },
      { displayName: 'CN=made by hand', startDateTime: iso(-30 * DAY), endDateTime: iso(300 * DAY) },
    ],
    passwords: [{ displayName: 'Password uploaded on Thu Mar 16 2023', startDateTime: iso(-300 * DAY), endDateTime: iso(60 * DAY) }],
  });
  const certificates = emu.certificates(app.id);
  const [current, , unmanaged] = certificates;
  const scope = { repo: REPO };
  const target: ValueTarget = { scope, name: 'AZURE_CLIENT_CERTIFICATE', kind: 'secret' };
  emu.github.putPlain(scope, target.name, seed.pem, new Date(Date.parse(current?.startDateTime ?? '') + WRITTEN_AFTER_START_MS).toISOString());
  return {
    appName: 'cert-api',
    appId: app.appId,
    objectId: app.id,
    keyIds: certificates.map((c) => c.keyId),
    unmanagedKeyId: unmanaged?.keyId ?? '',
    targets: [target],
    clientIdScopes: [],
    keepPrevious,
    inputs: { ...baseInputs, 'app-name': 'cert-api', 'credential-type': 'certificate', 'secret-name': target.name, 'keep-previous': String(keepPrevious) },
    certificate: { unmanagedDer: unmanaged?.der?.toString('base64') ?? '', unmanagedSecretKeyId: app.passwordCredentials[0]?.keyId ?? '' },
  };
}

/**
 * Two apps in one fleet file, both near expiry: 'payments-api' with a repository secret and 'orders-api' with an
 * environment secret and the credentials JSON; keep-previous 1.
 */
export function nearExpiryFleet(emu: Emulator, baseInputs: Record<string, string>, options: { maxRotations?: number; setUp?: boolean } = {}): StartState {
  if (options.setUp !== false) standardSetup(emu);
  const payments = seedNearExpiry(emu, {
    appName: 'payments-api',
    targets: [{ scope: { repo: REPO }, name: 'PAYMENTS_CLIENT_SECRET', kind: 'secret' }],
    clientIdScopes: [],
    keepPrevious: 1,
    inputs: {},
  });
  const scope = { repo: REPO, environment: 'production' };
  const orders = seedNearExpiry(emu, {
    appName: 'orders-api',
    targets: [
      { scope, name: 'ORDERS_CLIENT_SECRET', kind: 'secret' },
      { scope, name: 'ORDERS_CREDENTIALS', kind: 'credentials' },
    ],
    clientIdScopes: [],
    keepPrevious: 1,
    inputs: {},
  });
  const yaml = [
    'defaults:',
    '  keep-previous: 1',
    'apps:',
    '  - app-name: payments-api',
    '    targets:',
    `      - repository: ${REPO}`,
    '        secret-name: PAYMENTS_CLIENT_SECRET',
    '  - app-name: orders-api',
    '    targets:',
    `      - repository: ${REPO}`,
    '        environment: production',
    '        secret-name: ORDERS_CLIENT_SECRET',
    '        credentials-secret-name: ORDERS_CREDENTIALS',
    '',
  ].join('\n');
  const inputs = options.maxRotations === undefined ? baseInputs : { ...baseInputs, 'max-rotations': String(options.maxRotations) };
  return { ...payments, appName: 'fleet of payments-api and orders-api', inputs, fleet: { yaml, apps: [payments, orders] } };
}

/** Runs the action on a start state: with its fleet file when it is a fleet. `inputs` replaces the start's own. */
export function runOn(emu: Emulator, start: StartState, inputs: Record<string, string> = start.inputs): Promise<ActionRun> {
  return start.fleet === undefined ? runAction(emu, inputs) : runFleetAction(emu, start.fleet.yaml, inputs);
}

/** The app (by object ID, or by name when the run created it); undefined when there is none yet. */
function appOf(emu: Emulator, start: StartState): GraphApp | undefined {
  if (start.objectId !== '') return emu.graph.apps.find((a) => a.id === start.objectId);
  return emu.graph.apps.find((a) => a.displayName === start.appName);
}

/**
 * What identifies the credential a target holds: the client secret (the JSON's clientSecret for the credentials
 * secret), or for a certificate the base64 DER of the PEM's certificate, when the PEM's key is that certificate's
 * ('key does not match' otherwise).
 */
export function heldValue(emu: Emulator, t: ValueTarget, start?: StartState): string | undefined {
  const raw = 'vaultUrl' in t.scope ? emu.keyVault.open(t.scope.vaultUrl, t.name) : emu.github.open(t.scope, t.name);
  if (raw !== undefined && start?.certificate !== undefined) return certificateIdentity(raw);
  if (raw === undefined || t.kind === 'secret') return raw;
  try {
    return (JSON.parse(raw) as { clientSecret?: string }).clientSecret;
  } catch {
    return undefined;
  }
}

function certificateIdentity(pem: string): string {
  const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (block === undefined) return 'no certificate';
  try {
    const cert = new X509Certificate(block);
    if (!cert.checkPrivateKey(createPrivateKey(pem))) return 'key does not match';
    return cert.raw.toString('base64');
  } catch {
    return 'not a PEM with a key';
  }
}

/** Violations of the invariant; empty when it holds. In a fleet, each app's, named. */
export function invariantViolations(emu: Emulator, start: StartState): string[] {
  if (start.fleet !== undefined) return start.fleet.apps.flatMap((a) => invariantViolations(emu, a).map((v) => `${a.appName}: ${v}`));
  const violations: string[] = [];
  const named = emu.graph.apps.filter((a) => a.displayName === start.appName);
  if (named.length > 1) violations.push(`${named.length} apps are named '${start.appName}'`);
  const app = appOf(emu, start);
  if (app === undefined) {
    if (start.objectId !== '') return [...violations, 'the app is gone'];
    for (const t of start.targets) if (heldValue(emu, t) !== undefined) violations.push(`${t.name} was written but there is no app`);
    return violations;
  }
  const now = Date.now();
  const credentials = credentialsOf(emu, app, start);
  const live = new Map(credentials.filter((p) => Date.parse(p.endDateTime) > now).map((p) => [p.identity, p.keyId]));
  const held = new Set<string>();
  for (const t of start.targets) {
    const v = heldValue(emu, t, start);
    // A target that did not exist at the start may still not exist; any value a target holds must work.
    if (v === undefined && start.objectId === '') continue;
    if (v === undefined || !live.has(v)) violations.push(`${targetLabel(t)} holds a value Entra does not accept`);
    else held.add(live.get(v) ?? '');
    // A vault's tag is how later runs know what it holds: it must name the credential it holds.
    if ('vaultUrl' in t.scope && v !== undefined && live.has(v)) {
      const tag = emu.keyVault.versions(t.scope.vaultUrl, t.name).at(-1)?.tags['entra-credential-key-id'];
      if (tag !== live.get(v)) violations.push(`${targetLabel(t)} is tagged ${tag ?? 'with nothing'} but holds ${live.get(v) ?? ''}`);
    }
  }
  if (start.unmanagedKeyId !== '') {
    const unmanaged = credentials.find((p) => p.keyId === start.unmanagedKeyId);
    if (unmanaged === undefined) violations.push('the unmanaged credential was removed');
    else if (start.certificate !== undefined && unmanaged.identity !== start.certificate.unmanagedDer) violations.push('the unmanaged certificate changed');
  }
  if (start.certificate !== undefined && !app.passwordCredentials.some((p) => p.keyId === start.certificate?.unmanagedSecretKeyId)) violations.push('the unmanaged client secret was removed');
  for (const p of credentials) {
    if (p.displayName !== MANAGED && !start.keyIds.includes(p.keyId)) violations.push(`an unmanaged credential ${p.keyId} appeared`);
  }
  const orphans = credentials.filter((p) => p.displayName === MANAGED && !start.keyIds.includes(p.keyId) && !held.has(p.keyId));
  if (orphans.length > 1) violations.push(`${orphans.length} managed credentials made by the run are held by no target`);
  return violations;
}

/** How many managed secrets each app (one, or each of a fleet) gained since the start state. */
export function newManagedPerApp(emu: Emulator, start: StartState): number[] {
  return (start.fleet?.apps ?? [start]).map((a) => newManaged(emu, a).length);
}

/** Managed credentials made since the start state. */
export function newManaged(emu: Emulator, start: StartState): Held[] {
  const app = appOf(emu, start);
  return (app === undefined ? [] : credentialsOf(emu, app, start)).filter((p) => p.displayName === MANAGED && !start.keyIds.includes(p.keyId));
}

/**
 * Converged: every value target holds the newest managed secret, the companions are right, and of the start
 * state's managed secrets at most keep-previous remain. A secret made by an earlier failed run may stay too: it is
 * younger than the margin that protects a concurrent run's secret, and a later run removes it. `settled` (every
 * earlier run long past, so nothing is protected): at most keep-previous managed secrets besides the newest remain.
 */
export function convergenceProblems(emu: Emulator, start: StartState, options: { settled?: boolean } = {}): string[] {
  if (start.fleet !== undefined) return start.fleet.apps.flatMap((a) => convergenceProblems(emu, a, options).map((p) => `${a.appName}: ${p}`));
  const problems = invariantViolations(emu, start);
  const app = appOf(emu, start);
  if (app === undefined) return [...problems, 'there is no app'];
  if (!emu.graph.servicePrincipals.some((sp) => sp.appId === app.appId)) problems.push('the app has no service principal');
  const managed = credentialsOf(emu, app, start)
    .filter((p) => p.displayName === MANAGED)
    .sort((a, b) => Date.parse(b.startDateTime) - Date.parse(a.startDateTime));
  const newest = managed[0]?.identity;
  for (const t of start.targets) {
    if (heldValue(emu, t, start) !== newest) problems.push(`${targetLabel(t)} does not hold the newest managed credential`);
  }
  for (const scope of start.clientIdScopes) {
    if (emu.github.open(scope, 'AZURE_CLIENT_ID') !== app.appId) problems.push(`AZURE_CLIENT_ID in ${scopeLabel(scope)} is wrong`);
  }
  const kept = `keep-previous is ${start.keepPrevious}`;
  const fromStart = managed.filter((p) => start.keyIds.includes(p.keyId));
  if (fromStart.length > start.keepPrevious) problems.push(`${fromStart.length} managed secrets of the start state remain (${kept})`);
  if (managed.length - fromStart.length > 2) problems.push(`${managed.length - fromStart.length} new managed secrets remain`);
  if (options.settled === true && managed.length > 1 + start.keepPrevious) problems.push(`${managed.length} managed secrets remain (${kept})`);
  return problems;
}

function scopeLabel(scope: ValueTarget['scope']): string {
  if ('vaultUrl' in scope) return `Key Vault ${scope.vaultUrl}`;
  return scope.environment === undefined ? `repository ${scope.repo}` : `environment '${scope.environment}'`;
}

export function targetLabel(t: ValueTarget): string {
  return `${t.name} in ${scopeLabel(t.scope)}`;
}
