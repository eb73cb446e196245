/**
 * One app, in the order that never leaves a target without a working credential:
 * plan → (create app) → add the new credential → write every target → only then remove old managed credentials.
 * The same order for every credential kind: each step goes through the kind (credential-kind.ts).
 * What the app and its targets look like now comes in from the inventory (inventory.ts), read for the whole run.
 */
import { reconcilePlan } from './declare';
import { AggregateFailure, ServiceError } from './errors';
import type { CredentialKind, NewCredential } from './credential-kind';
import { carriesSecretValue, scopeKey, targetLabel, uniqueScopes, type AppRegistration, type CredentialInfo, type Target } from './model';
import { asError, type Outcome } from './outcome';
import { expiredNotHeld, makePlan, managedSecrets, minute, type RemovalStep } from './plan';
import type { AppPlan, AppState } from './app-plan';
import type { Directory, Log, Ports, WriteOptions } from './ports';
import { formatPlan } from './report';
import { Secret } from './secret';
import type { AppSpec } from './spec';
import { WRITE_DEADLINE_MS, writeDeadline } from './write-window';

export interface RunContext {
  tenantId: string;
  dryRun: boolean;
  /** When the run began: managed secrets younger than that (minus IN_FLIGHT_MS) are never removed. */
  runStart: Date;
}

/** The plan of one app from what was read: the one PATCH, the federated credentials, the rotation. */
export async function planApp(spec: AppSpec, state: AppState, ports: Ports, runStart: Date, tenantId: string): Promise<AppPlan> {
  const { found } = state;
  const reconcile = await reconcilePlan(spec.app, found, state.apis, ports.directory);
  const plan = makePlan({
    app:
      found === undefined
        ? { create: spec.app.name ?? '' }
        : { displayName: found.displayName, appId: found.appId, objectId: found.id, credentials: credentialsOf(spec.rotation.kind, found) },
    targets: state.targets,
    settings: spec.rotation,
    servicePrincipal: spec.app.servicePrincipal,
    now: runStart,
    runStart,
    tenantId,
  });
  plan.reconcile = reconcile;
  return { spec, found, plan, reconcile };
}

/** The app's credentials of the kind rotated: a kind whose credentials were not read cannot be planned. */
function credentialsOf(kind: CredentialKind, app: AppRegistration): readonly CredentialInfo[] {
  const read = kind.of(app);
  if (read === undefined) throw new Error(`internal: the ${kind.noun}s of '${app.displayName}' were not read`);
  return read;
}

/** Logs the plan of an app (and what it means for API permissions). */
export function logPlan(p: AppPlan, dryRun: boolean, log: Log): void {
  log.info(formatPlan(p.plan, dryRun, Object.values(p.spec.app.declared).some((v) => v !== undefined)));
  if (p.spec.app.declared.apiPermissions !== undefined) {
    log.info(
      'Note: api-permissions only declares what the app asks for; it is not consent. An admin grants it once: portal → App registrations → the app → API permissions → Grant admin consent, or `az ad app permission admin-consent --id <client-id>`.',
    );
  }
}

/** Applies an app's plan; failures end up in `outcome.error`, never thrown. */
export async function applyApp(p: AppPlan, ctx: RunContext, ports: Ports, outcome: Outcome): Promise<void> {
  recordPlan(p, outcome);
  if (ctx.dryRun) return;
  try {
    const app = await ensureApp(p, ports, outcome);
    await rotateCredential(p, app, ctx, ports, outcome);
  } catch (error) {
    outcome.error = asError(error);
  }
}

/**
 * An app whose rotation the run's budget defers (max-rotations, max-writes): the budget limits GitHub writes and
 * rotations, so those wait, but its Graph side does not: the declared properties and federated credentials, the
 * service principal, and its expired managed secrets that no target may hold. An app yet to be created waits whole
 * (creating it is its first rotation). Failures end up in `outcome.error`.
 */
export async function applyGraphSide(p: AppPlan, ctx: RunContext, ports: Ports, outcome: Outcome): Promise<void> {
  recordPlan(p, outcome);
  if (ctx.dryRun || p.found === undefined) return;
  try {
    const app = await ensureApp(p, ports, outcome);
    if (p.plan.servicePrincipal !== 'skip') await ensureServicePrincipal(app, false, ports.directory, ports.log);
    await removeOld(app, p.spec.rotation.kind, expiredNotHeld(p.plan, ctx.runStart), ports, outcome);
  } catch (error) {
    outcome.error = asError(error);
  }
}

/** What an outcome says before anything is done: the app as read and its plan. */
export function recordPlan(p: AppPlan, outcome: Outcome): void {
  outcome.app = p.found;
  outcome.plan = p.plan;
  outcome.currentCredential = p.found === undefined ? undefined : managedSecrets(credentialsOf(p.spec.rotation.kind, p.found), p.spec.rotation.credentialName)[0];
}

/** The app, as declared: created with the declared properties, or brought to them with one PATCH. */
async function ensureApp(p: AppPlan, ports: Ports, outcome: Outcome): Promise<AppRegistration> {
  const { directory, log } = ports;
  const { reconcile, plan } = p;
  let app = p.found;
  if (app === undefined) {
    log.info(`Creating app registration '${plan.app.displayName}' (sign-in audience ${p.spec.app.signInAudience})`);
    app = await directory.createApp(plan.app.displayName, p.spec.app.signInAudience, reconcile.patch);
    // A new app has no credentials of any kind, read or not.
    const { kind } = p.spec.rotation;
    if (kind.of(app) === undefined) app = kind.withCredentials(app, []);
    outcome.app = app;
    outcome.appCreated = true;
    log.info(`Created app registration '${app.displayName}': client ID ${app.appId}, object ID ${app.id}`);
  } else if (reconcile.changes.length > 0) {
    await directory.updateApp(app, reconcile.patch);
    outcome.reconciled = true;
    log.info(`Updated ${reconcile.changes.map((c) => c.property).join(', ')} of '${app.displayName}'`);
  }
  for (const f of reconcile.federated.remove) {
    await directory.removeFederatedCredential(app, f);
    log.info(`Removed the federated credential '${f.name}' (${f.subject})`);
  }
  for (const f of reconcile.federated.add) {
    await directory.addFederatedCredential(app, f);
    log.info(`Added the federated credential '${f.name}' (${f.subject})`);
  }
  return app;
}

/**
 * After the app itself: the new credential (when due), the targets, then the removals of old managed credentials.
 * Also runs when nothing is due: missing companions are written and leftovers removed.
 */
async function rotateCredential(p: AppPlan, app: AppRegistration, ctx: RunContext, ports: Ports, outcome: Outcome): Promise<void> {
  const { plan, spec } = p;
  const { kind } = spec.rotation;
  const started = await startRotation(p, app, ctx, ports, outcome);
  const { added, addDeadline } = started;
  if (added !== undefined && spec.rotation.verifyNewSecret) await verifyNew(app, kind, added, started.spByVerify, ports);
  if (added !== undefined && addDeadline !== undefined && ports.now().getTime() > addDeadline.getTime()) {
    await undoNew(app, kind, added.info, ports, 'it could not be written in time');
    throw new Error(
      `The new ${kind.noun} was added more than ${WRITE_DEADLINE_MS / 60_000} minutes ago and no target has it yet (Entra was slow to accept it), so it was removed again and no target was changed. Run again.`,
    );
  }

  // Write every target, then remove old managed credentials, only when every target that carries the value surely
  // holds the new one.
  const values = added === undefined ? undefined : new DerivedValues(added.value, kind, app, ctx.tenantId, ports.log);
  const writesValue = plan.writes.some((w) => carriesSecretValue(w.target.kind));
  const holds = added?.info ?? outcome.currentCredential;
  await writeTargets(plan.writes.map((w) => w.target), (t) => valueFor(t, app, ctx.tenantId, values), { app, holds, notAfter: addDeadline, kind }, ports, outcome);
  let settled: Error | undefined;
  try {
    if (added !== undefined) await settleRotation(app, kind, added.info, writesValue, ports, outcome);
    if (!plan.rotate || outcome.rotated) await removeOld(app, kind, plan.removals, ports, outcome);
  } catch (error) {
    settled = asError(error);
  }
  const kept = added !== undefined && possiblyHeld(outcome) ? await keepNew(app, kind, added.info, ports) : undefined;
  if (settled !== undefined) {
    if (kept !== undefined) ports.log.warning(kept.message);
    throw settled;
  }

  const failures = [...outcome.unconfirmed, ...outcome.failed].map((f) => f.error);
  if (kept !== undefined) failures.push(kept);
  if (started.spFailure !== undefined) failures.push(started.spFailure);
  const [first, ...more] = failures;
  if (first !== undefined) throw more.length === 0 ? first : new AggregateFailure(`${failures.length} steps failed:`, failures);
}

interface Started {
  added: NewCredential | undefined;
  addDeadline: Date | undefined;
  spByVerify: boolean;
  spFailure: Error | undefined;
}

/**
 * The start of a rotation, in parallel: what writing to each home needs (a GitHub scope's public key), the service
 * principal, and (when due) the new credential. When the new credential is verified, that token request also tells
 * whether the service principal exists.
 */
async function startRotation(p: AppPlan, app: AppRegistration, ctx: RunContext, ports: Ports, outcome: Outcome): Promise<Started> {
  const { plan, spec } = p;
  const { directory, store, log } = ports;
  const { kind } = spec.rotation;
  const spByVerify = plan.servicePrincipal === 'ensure' && plan.rotate && spec.rotation.verifyNewSecret;
  const spTask =
    plan.servicePrincipal === 'skip' || spByVerify ? Promise.resolve() : ensureServicePrincipal(app, plan.servicePrincipal === 'create', directory, log);
  const written = plan.writes.map((w) => w.target);
  const prepareTask = Promise.all(uniqueScopes(written).map((s) => store.prepare(s, written.filter((t) => scopeKey(t.scope) === scopeKey(s)))));
  // No write of the new value starts after this (write-window.ts): how later runs tell what a target holds.
  const addDeadline = plan.rotate ? writeDeadline(ports.now()) : undefined;
  const addTask = plan.rotate
    ? addOnce(app, kind, plan.newCredential?.displayName ?? spec.rotation.credentialName, plan.newCredential?.endDateTime ?? ctx.runStart, ports)
    : Promise.resolve(undefined);
  const [spResult, prepared, adding] = await Promise.allSettled([spTask, prepareTask, addTask]);

  const added = adding.status === 'fulfilled' ? adding.value : undefined;
  if (added !== undefined) {
    outcome.newCredential = added.info;
    log.info(`Added ${kind.noun} ${added.info.keyId} (${kind.detailHeading.toLowerCase()} ${kind.detail(added.info)}, valid until ${minute(added.info.endDateTime)})`);
  }
  if (adding.status === 'rejected') throw adding.reason;
  if (prepared.status === 'rejected') {
    if (added !== undefined) await undoNew(app, kind, added.info, ports, 'no target could be written');
    throw prepared.reason;
  }
  return { added, addDeadline, spByVerify, spFailure: spResult.status === 'rejected' ? asError(spResult.reason) : undefined };
}

/** Before any target gets the new credential: Entra may refuse a new one for seconds, so wait until it accepts it. */
async function verifyNew(app: AppRegistration, kind: CredentialKind, added: NewCredential, spByVerify: boolean, ports: Ports): Promise<void> {
  const { directory, log, verifier } = ports;
  try {
    if ((await kind.accepts(verifier, app, added, { servicePrincipalMayBeMissing: spByVerify })) === 'no-service-principal') {
      await directory.createServicePrincipal(app);
      log.info(`Created the missing service principal (enterprise application) of '${app.displayName}'`);
      await kind.accepts(verifier, app, added, { servicePrincipalMayBeMissing: false });
    }
    log.info(`Entra accepts the new ${kind.noun} ${added.info.keyId}`);
  } catch (error) {
    await undoNew(app, kind, added.info, ports, 'Entra did not accept it');
    throw new AggregateFailure(
      `Entra ID did not accept the new ${kind.noun}, so it was removed again; no target was changed and every existing ${kind.noun} was kept:`,
      [asError(error)],
    );
  }
}

/**
 * Writes in parallel. A write whose answer never came (or came as a server error) may have taken effect: its
 * target is "unconfirmed", which keeps every credential of the kind, the new one included.
 */
async function writeTargets(
  targets: Target[],
  valueOf: (t: Target) => Secret,
  how: { app: AppRegistration; holds: CredentialInfo | undefined; notAfter: Date | undefined; kind: CredentialKind },
  ports: Ports,
  outcome: Outcome,
): Promise<void> {
  const form = (t: Target): NonNullable<WriteOptions['form']> => (t.kind === 'credentials' ? 'json' : t.kind === 'secret' ? how.kind.valueForm : 'id');
  const options = (t: Target): WriteOptions => ({
    appId: how.app.appId,
    form: form(t),
    ...(how.notAfter === undefined ? {} : { notAfter: how.notAfter }),
    // What a home that records it (a Key Vault secret's tag and expiry) records: the credential a value target holds.
    ...(carriesSecretValue(t.kind) && how.holds !== undefined ? { holds: how.holds } : {}),
  });
  const results = await Promise.allSettled(targets.map((t) => ports.store.write(t, valueOf(t), options(t))));
  results.forEach((r, i) => {
    const target = targets[i] as Target;
    if (r.status === 'fulfilled') {
      outcome.written.push(target);
      ports.log.info(`Wrote ${targetLabel(target)}`);
      return;
    }
    const error = asError(r.reason);
    if (error instanceof ServiceError && error.details.outcomeUnknown === true) outcome.unconfirmed.push({ target, error });
    else outcome.failed.push({ target, error });
  });
}

/**
 * After the writes: the new credential is current once a target surely holds it. It is removed again only when no
 * write of its value was even possibly done; any target that did not surely take it fails the step, and then every
 * credential of the kind is kept.
 */
async function settleRotation(app: AppRegistration, kind: CredentialKind, secret: CredentialInfo, writesValue: boolean, ports: Ports, outcome: Outcome): Promise<void> {
  const tookValue = outcome.written.filter((t) => carriesSecretValue(t.kind));
  const stale = outcome.failed.filter((f) => carriesSecretValue(f.target.kind));
  const unconfirmed = outcome.unconfirmed.filter((f) => carriesSecretValue(f.target.kind));
  if (writesValue && tookValue.length === 0 && unconfirmed.length === 0) {
    await undoNew(app, kind, secret, ports, 'no target took its value');
    throw new AggregateFailure(
      `No target could be written, so the new ${kind.noun} was removed again and the existing ${kind.short}s were left as they were:`,
      outcome.failed.map((f) => f.error),
    );
  }
  if (!writesValue || tookValue.length > 0) {
    outcome.rotated = true;
    outcome.currentCredential = secret;
  }
  if (stale.length === 0 && unconfirmed.length === 0) return;
  const parts = [`The new ${kind.noun} ${secret.keyId} was ${tookValue.length > 0 ? `written to ${tookValue.map(targetLabel).join(', ')}` : 'added'}`];
  if (unconfirmed.length > 0) {
    parts.push(`no answer came to writing ${unconfirmed.map((f) => targetLabel(f.target)).join(', ')}, so ${unconfirmed.length === 1 ? 'it' : 'they'} may hold the new value or the previous one (unconfirmed)`);
  }
  if (stale.length > 0) parts.push(`these targets still hold the previous value: ${stale.map((f) => targetLabel(f.target)).join(', ')}`);
  throw new AggregateFailure(
    `${parts.join('; ')}. Every ${kind.noun} was kept, the new one too, so whatever each target holds still works. Fix the cause and run again: the next run writes them again or confirms them:`,
    [...unconfirmed, ...stale].map((f) => f.error),
  );
}

/** Did a target take the new value, or may it have (no answer came)? */
function possiblyHeld(outcome: Outcome): boolean {
  return [...outcome.written, ...outcome.unconfirmed.map((f) => f.target)].some((t) => carriesSecretValue(t.kind));
}

/**
 * The last step of a rotation whose value reached a target: the new credential is still on the app, or is put back
 * (CredentialKind.keep). Its failure fails the step.
 */
async function keepNew(app: AppRegistration, kind: CredentialKind, added: CredentialInfo, ports: Ports): Promise<Error | undefined> {
  try {
    if ((await kind.keep(ports.directory, app, added)) === 'restored') {
      ports.log.warning(
        `The new ${kind.noun} ${added.keyId} was no longer on '${app.displayName}' after the targets took it: another change of the app's ${kind.noun}s at the same time (another run?) had dropped it. It was put back, the same one, so the targets' value works.`,
      );
    }
    return undefined;
  } catch (error) {
    return new AggregateFailure(
      `The targets hold the new ${kind.noun} ${added.keyId} (${kind.detailHeading.toLowerCase()} ${kind.detail(added)}), but checking that it is still on '${app.displayName}' failed. Look at the app's ${kind.noun}s: if it is not there (another change of them at the same time dropped it), run again with force-rotation: true so the targets get one that is:`,
      [asError(error)],
    );
  }
}

async function removeOld(app: AppRegistration, kind: CredentialKind, removals: RemovalStep[], ports: Ports, outcome: Outcome): Promise<void> {
  for (const { credential, reason } of removals) {
    try {
      await kind.remove(ports.directory, app, credential.keyId);
      outcome.removed.push(credential);
      ports.log.info(`Removed ${kind.noun} ${credential.keyId} (${reason})`);
    } catch (error) {
      ports.log.warning(
        `Could not remove the old ${kind.noun} ${credential.keyId}; it stays valid until ${minute(credential.endDateTime)} and the next run tries again. ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
  }
}

/**
 * Adding a credential is not idempotent. When its outcome is unknown (the connection dropped after the request was
 * sent), the app is read again: a credential with our description and the exact expiry we asked for, which was not
 * there before, is ours, and since its value is lost it is removed before trying again.
 */
async function addOnce(app: AppRegistration, kind: CredentialKind, displayName: string, endDateTime: Date, ports: Ports): Promise<NewCredential> {
  const { directory, log } = ports;
  const known = new Set(credentialsOf(kind, app).map((p) => p.keyId));
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await kind.add(directory, app, displayName, endDateTime);
    } catch (error) {
      if (!(error instanceof ServiceError && error.details.outcomeUnknown === true) || attempt >= 3) throw error;
      log.warning(`No answer came to adding a ${kind.noun} (${error.message}); checking whether it was added anyway`);
      const strays = ((await kind.read(directory, app)) ?? []).filter(
        (p) => !known.has(p.keyId) && p.displayName === displayName && Math.abs(p.endDateTime.getTime() - endDateTime.getTime()) < 1000,
      );
      for (const stray of strays) {
        await kind.remove(directory, app, stray.keyId);
        log.info(`Removed ${kind.noun} ${stray.keyId}: it was added, but its value never reached this run`);
      }
    }
  }
}

async function ensureServicePrincipal(app: AppRegistration, justCreated: boolean, directory: Directory, log: Log): Promise<void> {
  if (!justCreated && (await directory.servicePrincipalExists(app))) return;
  await directory.createServicePrincipal(app);
  log.info(`Created the service principal (enterprise application) of '${app.displayName}'`);
}

async function undoNew(app: AppRegistration, kind: CredentialKind, added: CredentialInfo, ports: Pick<Ports, 'directory' | 'log'>, why: string): Promise<void> {
  try {
    await kind.remove(ports.directory, app, added.keyId);
    ports.log.info(`Removed the new ${kind.noun} ${added.keyId} again: ${why}`);
  } catch (error) {
    ports.log.warning(
      `The new ${kind.noun} ${added.keyId} could not be removed again (${error instanceof Error ? error.message : String(error)}); no target holds it, and the next run removes it.`,
    );
  }
}

/** Every form of the new value, each masked before anything else happens to it. */
class DerivedValues {
  readonly secret: Secret;
  readonly #kind: CredentialKind;
  readonly #app: AppRegistration;
  readonly #tenantId: string;
  readonly #log: Log;
  readonly #credentials = new Map<string, Secret>();

  constructor(secret: Secret, kind: CredentialKind, app: AppRegistration, tenantId: string, log: Log) {
    this.secret = secret;
    this.#kind = kind;
    this.#app = app;
    this.#tenantId = tenantId;
    this.#log = log;
  }

  /** The azure/login JSON, per subscription ID. */
  credentials(subscriptionId: string | undefined): Secret {
    const known = this.#credentials.get(subscriptionId ?? '');
    if (known !== undefined) return known;
    const key = this.#kind.azureLoginKey;
    // config.ts refuses a credentials target for a kind azure/login cannot sign in with, before any request.
    if (key === undefined) throw new Error(`internal: azure/login takes no ${this.#kind.noun}`);
    const creds: Record<string, string> = { clientId: this.#app.appId, [key]: this.secret.reveal(), tenantId: this.#tenantId };
    if (subscriptionId !== undefined) creds['subscriptionId'] = subscriptionId;
    const json = JSON.stringify(creds);
    this.#log.mask(json);
    const value = new Secret(json);
    this.#credentials.set(subscriptionId ?? '', value);
    return value;
  }
}

function valueFor(target: Target, app: AppRegistration, tenantId: string, values: DerivedValues | undefined): Secret {
  switch (target.kind) {
    case 'client-id':
      return new Secret(app.appId);
    case 'tenant-id':
      return new Secret(tenantId);
    case 'secret':
    case 'credentials':
      if (values === undefined) throw new Error(`internal: no new secret for ${targetLabel(target)}`);
      return target.kind === 'secret' ? values.secret : values.credentials(target.subscriptionId);
  }
}
