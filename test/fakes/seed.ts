/**
 * Start states over the fakes, as test/invariant.ts seeds them in the emulator: an app near expiry whose targets
 * hold its current managed secret (written seconds after it started), with an older managed secret and an unmanaged
 * one; and the invariant the fault and interleaving sweeps check, read from the fakes.
 */
import { carriesSecretValue, isKeyVault, type Target } from '../../src/core/model.ts';
import type { AppSpec } from '../../src/core/spec.ts';
import { certificateKind } from '../../src/core/credential-kind.ts';
import { pfxOf, type FakeApp } from './directory.ts';
import type { Fake } from './index.ts';
import { DAY, MANAGED, TENANT } from './specs.ts';

export interface Seeded {
  spec: AppSpec;
  app: FakeApp | undefined;
  /** Key ids at the start. */
  keyIds: string[];
  unmanagedKeyId: string | undefined;
}

/**
 * The app of `spec` near expiry (10 days left on the current managed credential of the spec's kind), every target
 * holding it; an older managed one and an unmanaged one of the kind; for a certificate spec also an unmanaged
 * client secret (which must stay as it is).
 */
export function seedNearExpiry(fake: Fake, spec: AppSpec): Seeded {
  const now = fake.clock.now().getTime();
  const currentStart = now - 170 * DAY;
  const credentials = [
    { displayName: MANAGED, start: new Date(currentStart), end: new Date(now + 10 * DAY) },
    { displayName: MANAGED, start: new Date(now - 340 * DAY), end: new Date(now + 5 * DAY) },
    { displayName: 'Password uploaded on Thu Mar 16 2023', start: new Date(now - 300 * DAY), end: new Date(now + 60 * DAY) },
  ];
  const certificates = spec.rotation.kind.id === 'certificate';
  const app = fake.directory.seed({
    displayName: spec.app.name ?? 'app',
    ...(spec.app.appId === undefined ? {} : { appId: spec.app.appId }),
    ...(certificates
      ? { certificates: credentials, passwords: [{ displayName: 'made by hand', start: new Date(now - 30 * DAY), end: new Date(now + 150 * DAY) }] }
      : { passwords: credentials }),
  });
  const held = credentialsOf(app, spec);
  const current = held[0]?.value ?? '';
  // A Key Vault secret written by the action carries the key id of the credential it holds (its tag).
  const holds = (t: Target): string | undefined => (isKeyVault(t.scope) && carriesSecretValue(t.kind) ? held[0]?.keyId : undefined);
  for (const t of spec.targets) fake.store.put(t.scope, t.name, valueOf(t, app.appId, current), new Date(currentStart + 5_000), undefined, holds(t));
  return { spec, app, keyIds: held.map((p) => p.keyId), unmanagedKeyId: held[2]?.keyId };
}

/** The app's credentials of the spec's kind, each with the value a target of it holds (a certificate's PEM or PFX). */
export function credentialsOf(app: FakeApp, spec: AppSpec): Array<{ keyId: string; displayName: string | null; startDateTime: Date; endDateTime: Date; value: string }> {
  if (spec.rotation.kind.id === 'client-secret') return app.passwords;
  const pfx = spec.rotation.kind === certificateKind('pfx');
  return app.certificates.map((c) => ({ ...c, value: pfx ? pfxOf(c.pem) : c.pem }));
}

/** Nothing exists yet: only the scopes the app's targets live in. */
export function seedNothing(fake: Fake, spec: AppSpec): Seeded {
  for (const t of spec.targets) fake.store.addScope(t.scope);
  return { spec, app: undefined, keyIds: [], unmanagedKeyId: undefined };
}

export function valueOf(t: Target, appId: string, secret: string): string {
  switch (t.kind) {
    case 'secret':
      return secret;
    case 'credentials':
      return JSON.stringify({ clientId: appId, clientSecret: secret, tenantId: TENANT });
    case 'client-id':
      return appId;
    case 'tenant-id':
      return TENANT;
  }
}

/** The client secret a value target holds (the JSON's clientSecret for credentials). */
export function heldSecret(fake: Fake, t: Target): string | undefined {
  const raw = fake.store.held(t.scope, t.name)?.value;
  if (raw === undefined || t.kind !== 'credentials') return raw;
  try {
    return (JSON.parse(raw) as { clientSecret?: string }).clientSecret;
  } catch {
    return undefined;
  }
}

function appOf(fake: Fake, s: Seeded): FakeApp | undefined {
  return s.app === undefined ? fake.directory.byName(s.spec.app.name ?? '')[0] : fake.directory.apps.find((a) => a.id === s.app?.id);
}

/**
 * test/invariant.ts's invariantViolations, read from the fakes: every value target holds a live client secret of
 * the app; the unmanaged secret stays; no unmanaged secret appears; at most one managed secret made by the run is
 * held by no target per run (`runs` overlapping runs: that many); one app per name.
 */
export function violations(fake: Fake, s: Seeded, runs = 1): string[] {
  const out: string[] = [];
  const named = fake.directory.byName(s.spec.app.name ?? '');
  if (s.spec.app.name !== undefined && named.length > 1) out.push(`${named.length} apps are named '${s.spec.app.name}'`);
  const app = appOf(fake, s);
  const valueTargets = s.spec.targets.filter((t) => carriesSecretValue(t.kind));
  if (app === undefined) {
    if (s.app !== undefined) return [...out, 'the app is gone'];
    for (const t of valueTargets) if (heldSecret(fake, t) !== undefined) out.push(`${t.name} was written but there is no app`);
    return out;
  }
  const now = fake.clock.now().getTime();
  const mine = credentialsOf(app, s.spec);
  const live = new Map(mine.filter((p) => p.endDateTime.getTime() > now).map((p) => [p.value, p.keyId]));
  const held = new Set<string>();
  for (const t of valueTargets) {
    const v = heldSecret(fake, t);
    if (v === undefined && s.app === undefined) continue;
    if (v === undefined || !live.has(v)) out.push(`${t.name} (${JSON.stringify(t.scope)}) holds a value Entra does not accept`);
    else held.add(live.get(v) ?? '');
    // A Key Vault secret's tag is how later runs know what it holds: it must name the credential it holds.
    const tag = fake.store.held(t.scope, t.name)?.holds;
    if (isKeyVault(t.scope) && v !== undefined && live.has(v) && tag !== live.get(v)) out.push(`${t.name} (${JSON.stringify(t.scope)}) is tagged ${tag ?? 'with nothing'} but holds ${live.get(v) ?? ''}`);
  }
  if (s.unmanagedKeyId !== undefined && !mine.some((p) => p.keyId === s.unmanagedKeyId)) out.push('the unmanaged secret was removed');
  for (const p of mine) if (p.displayName !== MANAGED && !s.keyIds.includes(p.keyId)) out.push(`an unmanaged secret ${p.keyId} appeared`);
  const orphans = mine.filter((p) => p.displayName === MANAGED && !s.keyIds.includes(p.keyId) && !held.has(p.keyId));
  if (orphans.length > runs) out.push(`${orphans.length} managed secrets made by the run are held by no target`);
  return out;
}

/** Managed secrets made since the start. */
export function newManaged(fake: Fake, s: Seeded): ReturnType<typeof credentialsOf> {
  const app = appOf(fake, s);
  return (app === undefined ? [] : credentialsOf(app, s.spec)).filter((p) => p.displayName === MANAGED && !s.keyIds.includes(p.keyId));
}

/** The promise at every moment, even mid-run: every value target holds a live client secret of the app. */
export function brokenTargets(fake: Fake, s: Seeded): string[] {
  return violations(fake, s, Infinity).filter((v) => v.includes('holds a value Entra does not accept') || v.includes('no app'));
}

/**
 * test/invariant.ts's convergenceProblems, read from the fakes: the invariant; the service principal; every value
 * target holds the newest managed secret and every companion its value; of the start's managed secrets at most
 * keep-previous remain, and at most two made since (a failed run's may stay until a later run removes it);
 * `settled` (every earlier run long past, so nothing is protected): at most keep-previous besides the newest.
 */
export function convergenceProblems(fake: Fake, s: Seeded, options: { settled?: boolean } = {}): string[] {
  const problems = violations(fake, s);
  const app = appOf(fake, s);
  if (app === undefined) return [...problems, 'there is no app'];
  if (s.spec.app.servicePrincipal && !fake.directory.servicePrincipals.has(app.appId)) problems.push('the app has no service principal');
  const managed = credentialsOf(app, s.spec).filter((p) => p.displayName === MANAGED).sort((a, b) => b.startDateTime.getTime() - a.startDateTime.getTime());
  const newest = managed[0]?.value;
  for (const t of s.spec.targets) {
    if (carriesSecretValue(t.kind)) {
      if (heldSecret(fake, t) !== newest) problems.push(`${t.name} (${JSON.stringify(t.scope)}) does not hold the newest managed secret`);
    } else if (fake.store.held(t.scope, t.name)?.value !== valueOf(t, app.appId, '')) problems.push(`${t.name} (${JSON.stringify(t.scope)}) is wrong`);
  }
  const { keepPrevious } = s.spec.rotation;
  const kept = `keep-previous is ${keepPrevious}`;
  const fromStart = managed.filter((p) => s.keyIds.includes(p.keyId));
  if (fromStart.length > keepPrevious) problems.push(`${fromStart.length} managed secrets of the start state remain (${kept})`);
  if (managed.length - fromStart.length > 2) problems.push(`${managed.length - fromStart.length} new managed secrets remain`);
  if (options.settled === true && managed.length > 1 + keepPrevious) problems.push(`${managed.length} managed secrets remain (${kept})`);
  return problems;
}
