/**
 * The run, in the order that never leaves a target without a working secret:
 * read → plan → (create app) → add the new secret → write every target → only then remove old managed secrets.
 */
import { resolveApis, reconcilePlan, type DeclaredInput } from './declare';
import { AggregateFailure, ServiceError } from './errors';
import { carriesSecretValue, scopeKey, targetLabel, uniqueScopes, type AppRegistration, type PasswordInfo, type Target } from './model';
import { makePlan, managedSecrets, WRITE_DEADLINE_MS, type Plan, type RemovalStep, type RotationSettings, type TargetState } from './plan';
import type { Directory, Log, SecretStore, SecretVerifier } from './ports';
import { formatPlan } from './report';
import { Secret } from './secret';

export interface RunSettings {
  app: {
    name: string | undefined;
    appId: string | undefined;
    createIfMissing: boolean;
    signInAudience: string;
    servicePrincipal: boolean;
    declared: DeclaredInput;
    oidcIssuer: string;
  };
  rotation: RotationSettings;
  targets: Target[];
  tenantId: string;
  subscriptionId: string | undefined;
  dryRun: boolean;
  /** False when there is no GitHub token (dry-run): targets are then not read. */
  readTargets: boolean;
  /** Get a token with the new secret before any target gets it. */
  verifyNewSecret: boolean;
}

export interface Ports {
  directory: Directory;
  store: SecretStore;
  verifier: SecretVerifier;
  log: Log;
  now: () => Date;
}

export interface Outcome {
  plan: Plan | undefined;
  app: AppRegistration | undefined;
  appCreated: boolean;
  /** An existing app was brought to what the workflow declares. */
  reconciled: boolean;
  rotated: boolean;
  newSecret: PasswordInfo | undefined;
  /** The newest managed secret after the run (the new one when rotated). */
  currentSecret: PasswordInfo | undefined;
  written: Target[];
  failed: Array<{ target: Target; error: Error }>;
  /** Writes whose answer never came (or came as a server error): the target may or may not hold the value. */
  unconfirmed: Array<{ target: Target; error: Error }>;
  removed: PasswordInfo[];
  /** Set when the step must fail; the outcome still says what was done. */
  error: Error | undefined;
  dryRun: boolean;
}

export async function run(settings: RunSettings, ports: Ports): Promise<Outcome> {
  const runStart = ports.now();
  const outcome: Outcome = {
    plan: undefined,
    app: undefined,
    appCreated: false,
    reconciled: false,
    rotated: false,
    newSecret: undefined,
    currentSecret: undefined,
    written: [],
    failed: [],
    unconfirmed: [],
    removed: [],
    error: undefined,
    dryRun: settings.dryRun,
  };
  try {
    await rotate(settings, ports, runStart, outcome);
  } catch (error) {
    outcome.error = error instanceof Error ? error : new Error(String(error));
  }
  return outcome;
}

async function rotate(settings: RunSettings, ports: Ports, runStart: Date, outcome: Outcome): Promise<void> {
  const { directory, store, log } = ports;

  // 1. Read the app, every target and every declared API at once: they are independent.
  // All settle before going on, so that nothing is still under way when a failure ends the run.
  const [appRead, targetsRead, apisRead] = await Promise.allSettled([
    findApp(settings, directory),
    readTargets(settings, store),
    resolveApis(settings.app.declared.apiPermissions ?? [], directory),
  ]);
  if (appRead.status === 'rejected') throw appRead.reason;
  if (targetsRead.status === 'rejected') throw targetsRead.reason;
  if (apisRead.status === 'rejected') throw apisRead.reason;
  const [found, targets, apis] = [appRead.value, targetsRead.value, apisRead.value];
  outcome.app = found;
  const reconcile = await reconcilePlan(settings.app, found, apis, directory);
  const plan = makePlan({
    app:
      found === undefined
        ? { create: settings.app.name ?? '' }
        : { displayName: found.displayName, appId: found.appId, objectId: found.id, passwords: found.passwordCredentials },
    targets,
    settings: settings.rotation,
    servicePrincipal: settings.app.servicePrincipal,
    now: runStart,
    runStart,
  });
  plan.reconcile = reconcile;
  outcome.plan = plan;
  outcome.currentSecret = found === undefined ? undefined : managedSecrets(found.passwordCredentials, settings.rotation.credentialName)[0];
  log.info(formatPlan(plan, settings.dryRun));
  if (settings.app.declared.apiPermissions !== undefined) {
    log.info(
      'Note: api-permissions only declares what the app asks for; it is not consent. An admin grants it once: portal → App registrations → the app → API permissions → Grant admin consent, or `az ad app permission admin-consent --id <client-id>`.',
    );
  }
  if (settings.dryRun) return;

  // 2. The app, as declared: created with the declared properties, or brought to them with one PATCH.
  let app = found;
  if (app === undefined) {
    log.info(`Creating app registration '${plan.app.displayName}' (sign-in audience ${settings.app.signInAudience})`);
    app = await directory.createApp(plan.app.displayName, settings.app.signInAudience, reconcile.patch);
    outcome.app = app;
    outcome.appCreated = true;
    log.info(`Created app registration '${app.displayName}': client ID ${app.appId}, object ID ${app.id}`);
  } else if (reconcile.changes.length > 0) {
    await directory.updateApp(app, reconcile.patch);
    log.info(`Updated ${reconcile.changes.map((c) => c.property).join(', ')} of '${app.displayName}'`);
  }
  const theApp = app;
  outcome.reconciled = found !== undefined && reconcile.changes.length > 0;
  for (const f of reconcile.federated.remove) {
    await directory.removeFederatedCredential(theApp, f);
    log.info(`Removed the federated credential '${f.name}' (${f.subject})`);
  }
  for (const f of reconcile.federated.add) {
    await directory.addFederatedCredential(theApp, f);
    log.info(`Added the federated credential '${f.name}' (${f.subject})`);
  }

  const writesValue = plan.writes.some((w) => carriesSecretValue(w.target.kind));
  const scopes = uniqueScopes(plan.writes.map((w) => w.target));

  // 3. In parallel: the public key of every scope written to, the service principal, and (when due) the new secret.
  // When the new secret is verified, that token request also tells whether the service principal exists.
  const spByVerify = plan.servicePrincipal === 'ensure' && plan.rotate && settings.verifyNewSecret;
  const spTask =
    plan.servicePrincipal === 'skip' || spByVerify
      ? Promise.resolve()
      : ensureServicePrincipal(theApp, plan.servicePrincipal === 'create', directory, log);
  const prepareTask = Promise.all(scopes.map((s) => store.prepare(s)));
  // Every write of the new value starts within WRITE_DEADLINE_MS of adding it: how later runs tell what a target holds.
  const addDeadline = plan.rotate ? new Date(ports.now().getTime() + WRITE_DEADLINE_MS) : undefined;
  const addTask = plan.rotate
    ? addPasswordOnce(theApp, plan.newSecret?.displayName ?? settings.rotation.credentialName, plan.newSecret?.endDateTime ?? runStart, ports)
    : Promise.resolve(undefined);
  const [spResult, prepared, added] = await Promise.allSettled([spTask, prepareTask, addTask]);

  const newSecret = added.status === 'fulfilled' ? added.value : undefined;
  if (newSecret !== undefined) {
    outcome.newSecret = newSecret.info;
    log.info(`Added client secret ${newSecret.info.keyId} (hint ${newSecret.info.hint ?? '?'}…, valid until ${newSecret.info.endDateTime.toISOString()})`);
  }
  if (added.status === 'rejected') throw added.reason;
  if (prepared.status === 'rejected') {
    if (newSecret !== undefined) await undoNewSecret(theApp, newSecret.info, directory, log, 'no target could be written');
    throw prepared.reason;
  }

  // 4. Entra may refuse a new secret for seconds: targets get it only once Entra accepts it.
  if (newSecret !== undefined && settings.verifyNewSecret) {
    try {
      if ((await ports.verifier.accepts(theApp, newSecret.value, { servicePrincipalMayBeMissing: spByVerify })) === 'no-service-principal') {
        await directory.createServicePrincipal(theApp);
        log.info(`Created the missing service principal (enterprise application) of '${theApp.displayName}'`);
        await ports.verifier.accepts(theApp, newSecret.value, { servicePrincipalMayBeMissing: false });
      }
      log.info(`Entra accepts the new client secret ${newSecret.info.keyId}`);
    } catch (error) {
      await undoNewSecret(theApp, newSecret.info, directory, log, 'Entra did not accept it');
      throw new AggregateFailure(
        'Entra ID did not accept the new client secret, so it was removed again; no GitHub secret was changed and every existing client secret was kept:',
        [error instanceof Error ? error : new Error(String(error))],
      );
    }
  }

  if (newSecret !== undefined && addDeadline !== undefined && ports.now().getTime() > addDeadline.getTime()) {
    await undoNewSecret(theApp, newSecret.info, directory, log, 'it could not be written in time');
    throw new Error(
      `The new client secret was added more than ${WRITE_DEADLINE_MS / 60_000} minutes ago and no target has it yet (Entra was slow to accept it), so it was removed again and no GitHub secret was changed. Run again.`,
    );
  }

  // 5. Write every target, then 6. remove old managed secrets, only when every target that carries the value
  // surely holds the new one.
  const values = newSecret === undefined ? undefined : derivedValues(newSecret.value, theApp, settings, log);
  await writeTargets(plan.writes.map((w) => w.target), (t) => valueFor(t, theApp, settings, values), addDeadline, ports, outcome);
  if (newSecret !== undefined) await settleRotation(theApp, newSecret.info, writesValue, ports, outcome);
  if (!plan.rotate || outcome.rotated) await removeOld(theApp, plan.removals, ports, outcome);

  const failures = [...outcome.unconfirmed, ...outcome.failed].map((f) => f.error);
  if (spResult.status === 'rejected') failures.push(spResult.reason instanceof Error ? spResult.reason : new Error(String(spResult.reason)));
  const [first, ...more] = failures;
  if (first !== undefined) throw more.length === 0 ? first : new AggregateFailure(`${failures.length} steps failed:`, failures);
}

/**
 * Writes in parallel. A write whose answer never came (or came as a server error) may have taken effect: its
 * target is "unconfirmed", which keeps every client secret, the new one included.
 */
async function writeTargets(targets: Target[], valueOf: (t: Target) => Secret, notAfter: Date | undefined, ports: Ports, outcome: Outcome): Promise<void> {
  const results = await Promise.allSettled(targets.map((t) => ports.store.write(t, valueOf(t), notAfter === undefined ? {} : { notAfter })));
  results.forEach((r, i) => {
    const target = targets[i] as Target;
    if (r.status === 'fulfilled') {
      outcome.written.push(target);
      ports.log.info(`Wrote ${targetLabel(target)}`);
      return;
    }
    const error = r.reason instanceof Error ? r.reason : new Error(String(r.reason));
    if (error instanceof ServiceError && error.details.outcomeUnknown === true) outcome.unconfirmed.push({ target, error });
    else outcome.failed.push({ target, error });
  });
}

/**
 * After the writes: the new secret is current once a target surely holds it. It is removed again only when no
 * write of its value was even possibly done; any target that did not surely take it fails the step, and then every
 * client secret is kept.
 */
async function settleRotation(app: AppRegistration, secret: PasswordInfo, writesValue: boolean, ports: Ports, outcome: Outcome): Promise<void> {
  const tookValue = outcome.written.filter((t) => carriesSecretValue(t.kind));
  const stale = outcome.failed.filter((f) => carriesSecretValue(f.target.kind));
  const unconfirmed = outcome.unconfirmed.filter((f) => carriesSecretValue(f.target.kind));
  if (writesValue && tookValue.length === 0 && unconfirmed.length === 0) {
    await undoNewSecret(app, secret, ports.directory, ports.log, 'no target took its value');
    throw new AggregateFailure(
      'No target could be written, so the new client secret was removed again and the existing secrets were left as they were:',
      outcome.failed.map((f) => f.error),
    );
  }
  if (!writesValue || tookValue.length > 0) {
    outcome.rotated = true;
    outcome.currentSecret = secret;
  }
  if (stale.length === 0 && unconfirmed.length === 0) return;
  const parts = [`The new client secret ${secret.keyId} was ${tookValue.length > 0 ? `written to ${tookValue.map(targetLabel).join(', ')}` : 'added'}`];
  if (unconfirmed.length > 0) {
    parts.push(`no answer came to writing ${unconfirmed.map((f) => targetLabel(f.target)).join(', ')}, so ${unconfirmed.length === 1 ? 'it' : 'they'} may hold the new value or the previous one (unconfirmed)`);
  }
  if (stale.length > 0) parts.push(`these targets still hold the previous value: ${stale.map((f) => targetLabel(f.target)).join(', ')}`);
  throw new AggregateFailure(
    `${parts.join('; ')}. Every client secret was kept, the new one too, so whatever each target holds still works. Fix the cause and run again: the next run writes them again or confirms them:`,
    [...unconfirmed, ...stale].map((f) => f.error),
  );
}

async function removeOld(app: AppRegistration, removals: RemovalStep[], ports: Ports, outcome: Outcome): Promise<void> {
  for (const removal of removals) {
    try {
      await ports.directory.removePassword(app, removal.secret.keyId);
      outcome.removed.push(removal.secret);
      ports.log.info(`Removed client secret ${removal.secret.keyId} (${removal.reason})`);
    } catch (error) {
      ports.log.warning(
        `Could not remove the old client secret ${removal.secret.keyId}; it stays valid until ${removal.secret.endDateTime.toISOString()} and the next run tries again. ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
  }
}

async function findApp(settings: RunSettings, directory: Directory): Promise<AppRegistration | undefined> {
  const { appId, name, createIfMissing } = settings.app;
  if (appId !== undefined) {
    const app = await directory.appByAppId(appId);
    if (app === undefined) {
      throw new Error(
        `No app registration with client ID ${appId} was found. Check app-id; with Application.ReadWrite.OwnedBy the rotator only sees apps it owns (add it as an owner of the app).`,
      );
    }
    return app;
  }
  const displayName = name ?? '';
  const matches = (await directory.appsByName(displayName)).filter((a) => a.displayName === displayName);
  if (matches.length > 1) {
    throw new Error(
      `${matches.length} app registrations are named '${displayName}' (object IDs ${matches.map((a) => a.id).join(', ')}; client IDs ${matches
        .map((a) => a.appId)
        .join(', ')}). Display names are not unique: set app-id to the client ID of the one to manage.`,
    );
  }
  if (matches[0] === undefined && !createIfMissing) {
    throw new Error(
      `No app registration named '${displayName}' was found and create-if-missing is false. Check app-name (the match is exact, case included); with Application.ReadWrite.OwnedBy the rotator only sees apps it owns.`,
    );
  }
  return matches[0];
}

/** One listing per scope gives the metadata of every target in it. */
async function readTargets(settings: RunSettings, store: SecretStore): Promise<TargetState[]> {
  if (!settings.readTargets) return settings.targets.map((target) => ({ target, stored: 'unread' as const }));
  const scopes = uniqueScopes(settings.targets);
  const listings = new Map(await Promise.all(scopes.map(async (s) => [scopeKey(s), await store.list(s)] as const)));
  return settings.targets.map((target) => ({ target, stored: listings.get(scopeKey(target.scope))?.get(target.name.toUpperCase()) }));
}

/**
 * addPassword is not idempotent. When its outcome is unknown (the connection dropped after the request was
 * sent), the app is read again: a secret with our description and the exact expiry we asked for, which was not
 * there before, is ours, and since its value is lost it is removed before trying again.
 */
async function addPasswordOnce(app: AppRegistration, displayName: string, endDateTime: Date, ports: Ports): Promise<{ info: PasswordInfo; value: Secret }> {
  const { directory, log } = ports;
  const known = new Set(app.passwordCredentials.map((p) => p.keyId));
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await directory.addPassword(app, displayName, endDateTime);
    } catch (error) {
      if (!(error instanceof ServiceError && error.details.outcomeUnknown === true) || attempt >= 3) throw error;
      log.warning(`No answer came to adding a client secret (${error.message}); checking whether it was added anyway`);
      const now = await directory.appByAppId(app.appId);
      const strays = (now?.passwordCredentials ?? []).filter(
        (p) => !known.has(p.keyId) && p.displayName === displayName && Math.abs(p.endDateTime.getTime() - endDateTime.getTime()) < 1000,
      );
      for (const stray of strays) {
        await directory.removePassword(app, stray.keyId);
        log.info(`Removed client secret ${stray.keyId}: it was added, but its value never reached this run`);
      }
    }
  }
}

async function ensureServicePrincipal(app: AppRegistration, justCreated: boolean, directory: Directory, log: Log): Promise<void> {
  if (!justCreated && (await directory.servicePrincipalExists(app))) return;
  await directory.createServicePrincipal(app);
  log.info(`Created the service principal (enterprise application) of '${app.displayName}'`);
}

async function undoNewSecret(app: AppRegistration, secret: PasswordInfo, directory: Directory, log: Log, why: string): Promise<void> {
  try {
    await directory.removePassword(app, secret.keyId);
    log.info(`Removed the new client secret ${secret.keyId} again: ${why}`);
  } catch (error) {
    log.warning(
      `The new client secret ${secret.keyId} could not be removed again (${error instanceof Error ? error.message : String(error)}); no target holds it, and the next run removes it.`,
    );
  }
}

interface DerivedValues {
  secret: Secret;
  credentials: Secret;
}

/** Every form of the new value is masked before anything else happens to it. */
function derivedValues(secret: Secret, app: AppRegistration, settings: RunSettings, log: Log): DerivedValues {
  const creds: Record<string, string> = { clientId: app.appId, clientSecret: secret.reveal(), tenantId: settings.tenantId };
  if (settings.subscriptionId !== undefined) creds['subscriptionId'] = settings.subscriptionId;
  const credentials = JSON.stringify(creds);
  log.mask(credentials);
  return { secret, credentials: new Secret(credentials) };
}

function valueFor(target: Target, app: AppRegistration, settings: RunSettings, values: DerivedValues | undefined): Secret {
  switch (target.kind) {
    case 'client-id':
      return new Secret(app.appId);
    case 'tenant-id':
      return new Secret(settings.tenantId);
    case 'secret':
    case 'credentials':
      if (values === undefined) throw new Error(`internal: no new secret for ${targetLabel(target)}`);
      return target.kind === 'secret' ? values.secret : values.credentials;
  }
}

