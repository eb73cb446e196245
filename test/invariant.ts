/**
 * The promise to users, as a check on what Entra and GitHub hold after a run, however it ended:
 * every GitHub secret that carries the value holds a live client secret of the app; no secret this action did
 * not create was touched; at most one managed secret made by the run is held by no target (the next run
 * removes it).
 */
import type { Emulator, GraphApp } from './emulator/index.ts';
import { REPO, standardSetup } from './harness.ts';

export const MANAGED = 'rotated-by-github-actions';
const DAY = 86_400_000;
const iso = (ms: number): string => new Date(Date.now() + ms).toISOString();

export interface ValueTarget {
  scope: { repo: string; environment?: string };
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
  inputs: Record<string, string>;
}

const ENVIRONMENTS = ['production', 'staging area'];

/** Near expiry: a managed secret 10 days from expiry, an older managed one, an unmanaged one; two environments with companions. */
export function nearExpiryWithCompanions(emu: Emulator, baseInputs: Record<string, string>): StartState {
  standardSetup(emu);
  const app = emu.seedApp({
    displayName: 'payments-api',
    servicePrincipal: true,
    passwords: [
      { displayName: MANAGED, startDateTime: iso(-170 * DAY), endDateTime: iso(10 * DAY) },
      { displayName: MANAGED, startDateTime: iso(-340 * DAY), endDateTime: iso(5 * DAY) },
      { displayName: 'Password uploaded on Thu Mar 16 2023', startDateTime: iso(-300 * DAY), endDateTime: iso(60 * DAY) },
    ],
  });
  const current = app.passwordCredentials[0]?.secretText ?? '';
  const targets: ValueTarget[] = [];
  for (const environment of ENVIRONMENTS) {
    const scope = { repo: REPO, environment };
    emu.github.putPlain(scope, 'AZURE_CLIENT_SECRET', current, iso(-170 * DAY + 5000));
    emu.github.putPlain(scope, 'AZURE_CREDENTIALS', JSON.stringify({ clientId: app.appId, clientSecret: current, tenantId: emu.tenantId }), iso(-170 * DAY + 5000));
    emu.github.putPlain(scope, 'AZURE_CLIENT_ID', app.appId, iso(-170 * DAY + 5000));
    targets.push({ scope, name: 'AZURE_CLIENT_SECRET', kind: 'secret' }, { scope, name: 'AZURE_CREDENTIALS', kind: 'credentials' });
  }
  return {
    appName: 'payments-api',
    appId: app.appId,
    objectId: app.id,
    keyIds: app.passwordCredentials.map((p) => p.keyId),
    unmanagedKeyId: app.passwordCredentials[2]?.keyId ?? '',
    targets,
    inputs: {
      ...baseInputs,
      'app-name': 'payments-api',
      environments: ENVIRONMENTS.join('\n'),
      'credentials-secret-name': 'AZURE_CREDENTIALS',
      'client-id-secret-name': 'AZURE_CLIENT_ID',
      'keep-previous': '1',
    },
  };
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

/** The app (by object ID, or by name when the run created it); undefined when there is none yet. */
function appOf(emu: Emulator, start: StartState): GraphApp | undefined {
  if (start.objectId !== '') return emu.graph.apps.find((a) => a.id === start.objectId);
  return emu.graph.apps.find((a) => a.displayName === start.appName);
}

/** The client secret a target holds (the JSON's clientSecret for the credentials secret). */
export function heldValue(emu: Emulator, t: ValueTarget): string | undefined {
  const raw = emu.github.open(t.scope, t.name);
  if (raw === undefined || t.kind === 'secret') return raw;
  try {
    return (JSON.parse(raw) as { clientSecret?: string }).clientSecret;
  } catch {
    return undefined;
  }
}

/** Violations of the invariant; empty when it holds. */
export function invariantViolations(emu: Emulator, start: StartState): string[] {
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
  const live = new Map(app.passwordCredentials.filter((p) => Date.parse(p.endDateTime) > now).map((p) => [p.secretText, p.keyId]));
  const held = new Set<string>();
  for (const t of start.targets) {
    const v = heldValue(emu, t);
    // A target that did not exist at the start may still not exist; any value a target holds must work.
    if (v === undefined && start.objectId === '') continue;
    if (v === undefined || !live.has(v)) violations.push(`${t.name} in '${t.scope.environment}' holds a value Entra does not accept`);
    else held.add(live.get(v) ?? '');
  }
  if (start.unmanagedKeyId !== '' && !app.passwordCredentials.some((p) => p.keyId === start.unmanagedKeyId)) violations.push('the unmanaged secret was removed');
  for (const p of app.passwordCredentials) {
    if (p.displayName !== MANAGED && !start.keyIds.includes(p.keyId)) violations.push(`an unmanaged secret ${p.keyId} appeared`);
  }
  const orphans = app.passwordCredentials.filter((p) => p.displayName === MANAGED && !start.keyIds.includes(p.keyId) && !held.has(p.keyId));
  if (orphans.length > 1) violations.push(`${orphans.length} managed secrets made by the run are held by no target`);
  return violations;
}

/** Managed secrets made since the start state. */
export function newManaged(emu: Emulator, start: StartState): GraphApp['passwordCredentials'] {
  return (appOf(emu, start)?.passwordCredentials ?? []).filter((p) => p.displayName === MANAGED && !start.keyIds.includes(p.keyId));
}

/** Converged: every value target holds the newest managed secret, and no managed secret is held by nothing but kept-previous. */
export function convergenceProblems(emu: Emulator, start: StartState): string[] {
  const problems = invariantViolations(emu, start);
  const app = appOf(emu, start);
  if (app === undefined) return [...problems, 'there is no app'];
  if (!emu.graph.servicePrincipals.some((sp) => sp.appId === app.appId)) problems.push('the app has no service principal');
  const managed = app.passwordCredentials.filter((p) => p.displayName === MANAGED).sort((a, b) => Date.parse(b.startDateTime) - Date.parse(a.startDateTime));
  const newest = managed[0]?.secretText;
  for (const t of start.targets) {
    if (heldValue(emu, t) !== newest) problems.push(`${t.name} in '${t.scope.environment}' does not hold the newest managed secret`);
  }
  for (const scope of start.targets.map((t) => t.scope)) {
    if (emu.github.open(scope, 'AZURE_CLIENT_ID') !== app.appId) problems.push(`AZURE_CLIENT_ID in '${scope.environment}' is wrong`);
  }
  // keep-previous is 1: of the start state's managed secrets at most one stays. A secret made by the failed run
  // may stay too: it is younger than the margin that protects a concurrent run's secret, and a later run removes it.
  const fromStart = managed.filter((p) => start.keyIds.includes(p.keyId));
  if (fromStart.length > 1) problems.push(`${fromStart.length} managed secrets of the start state remain (keep-previous is 1)`);
  if (managed.length - fromStart.length > 2) problems.push(`${managed.length - fromStart.length} new managed secrets remain`);
  return problems;
}
