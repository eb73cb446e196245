/**
 * The contract suites' worlds over the in-memory fakes (test/fakes): the same Ports the core tests use
 * (fakePorts().ports()), seeded through the fakes' own handles and faulted through World.plan. A fake models what
 * the core sees AFTER the adapter's retries (test/fakes/faults.ts), so a fault the adapter rides out (replication
 * lag shorter than its retries) has nothing to plan here.
 */
import type { GitHubScope as Scope } from '../../src/core/model';
import { fakeGuid, fakePorts } from '../fakes/index.ts';
import type { DirectoryWorld, StoreWorld } from './worlds.ts';

export function fakeDirectoryWorld(): Promise<DirectoryWorld> {
  const fake = fakePorts();
  const ports = fake.ports('contract');
  const appOf = (id: string): NonNullable<ReturnType<typeof fake.directory.byAppId>> => {
    const app = fake.directory.apps.find((a) => a.id === id);
    if (app === undefined) throw new Error(`no fake app ${id}`);
    return app;
  };
  return Promise.resolve({
    directory: ports.directory,
    verifier: ports.verifier,
    masked: () => ports.log.masked,
    now: () => fake.clock.now(),
    seed: (a) => {
      const app = fake.directory.seed({
        displayName: a.displayName,
        ...(a.passwords === undefined ? {} : { passwords: a.passwords }),
        ...(a.certificates === undefined ? {} : { certificates: a.certificates }),
        ...(a.servicePrincipal === undefined ? {} : { servicePrincipal: a.servicePrincipal }),
        ...(a.federated === undefined ? {} : { federated: a.federated.map((f) => ({ ...f, description: null })) }),
        owned: a.owned ?? true,
      });
      return { id: app.id, appId: app.appId, displayName: app.displayName };
    },
    unknownAppId: fakeGuid('a99'),
    unknownObjectId: fakeGuid('0b1ec7'),
    keyIds: (app) => appOf(app.id).passwords.map((p) => p.keyId),
    certificates: (app) => new Map(appOf(app.id).certificates.map((c) => [c.keyId, c.pem])),
    dropCertificate: (app, keyId) => {
      const a = appOf(app.id);
      a.certificates = a.certificates.filter((c) => c.keyId !== keyId);
    },
    federated: (app) => appOf(app.id).federated.map(({ name, issuer, subject, audiences }) => ({ name, issuer, subject, audiences: [...audiences] })),
    hasServicePrincipal: (app) => fake.directory.servicePrincipals.has(app.appId),
    faults: {
      loseNextAddPasswordAnswer: () => {
        fake.world.plan({ call: 'addPassword', kind: 'lost-after' });
      },
      // Ridden out by the adapter's retries (graph.ts): the core never sees it.
      newKeyRemovalLag: () => undefined,
      // What survives the adapter: its final answer, a refusal, and the key still there.
      newKeyRemovalLagOutlastingRetries: () => {
        fake.world.plan({ call: 'removePassword', kind: 'refused', times: Infinity });
      },
      secretPropagation: (how) => {
        fake.verifier.propagationMs = how === 'within' ? fake.verifier.budgetMs / 4 : fake.verifier.budgetMs * 60;
      },
      // Settled by the adapter (a read back shows the certificate): the core never sees it.
      loseNextCertificatePatchAnswer: () => undefined,
    },
    teardown: () => Promise.resolve(),
  });
}

const REPO: Scope = { service: 'actions', owner: 'octo', repo: 'app' };

export function fakeStoreWorld(): Promise<StoreWorld> {
  const fake = fakePorts();
  const ports = fake.ports('contract');
  const scopes: StoreWorld['scopes'] = {
    repo: REPO,
    environment: { ...REPO, environment: 'production' },
    org: { service: 'actions', owner: 'octo' },
    dependabotRepo: { ...REPO, service: 'dependabot' },
    missingRepo: { service: 'actions', owner: 'octo', repo: 'no-such-repo' },
    missingEnvironment: { ...REPO, environment: 'no-such-environment' },
  };
  for (const s of [scopes.repo, scopes.environment, scopes.org, scopes.dependabotRepo]) fake.store.addScope(s);
  for (const repo of ['lib', 'web']) fake.store.addScope({ service: 'actions', owner: 'octo', repo });
  return Promise.resolve({
    store: ports.store,
    now: () => fake.clock.now(),
    scopes,
    seed: (scope, name, value, updatedAt, access) =>
      fake.store.put(scope, name, value, updatedAt, access === undefined ? undefined : { visibility: access.visibility, ...(access.visibility === 'selected' ? { selected: access.repositories } : {}) }),
    held: (scope, name) => fake.store.held(scope, name)?.value,
    access: (scope, name) => {
      const s = fake.store.held(scope, name);
      return s?.visibility === undefined ? undefined : { visibility: s.visibility, repositories: [...(s.selected ?? [])].sort() };
    },
    faults: {
      loseEveryWriteAnswer: (name) => {
        fake.world.plan({ call: 'write', kind: 'lost-after', labelIncludes: name, times: Infinity });
      },
      serverErrorEveryWrite: (name) => {
        fake.world.plan({ call: 'write', kind: 'server-error-after', labelIncludes: name, times: Infinity });
      },
      rateLimitNextWrite: (waitMs) => {
        fake.world.plan({ call: 'write', kind: 'throttled', delayMs: waitMs });
      },
    },
    teardown: () => Promise.resolve(),
  });
}
