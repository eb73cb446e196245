/**
 * The contract of the SecretStore port, written once and run against every side that implements it: each test is
 * one promise of src/core/ports.ts, or one the core relies on (the listing's updatedAt is how a run tells which
 * value a target holds; the write window rests on notAfter; an unknown outcome keeps every secret).
 */
import type { OrgAccess, GitHubScope as Scope, Target } from '../../src/core/model';
import { Secret } from '../../src/core/secret';
import { at, DAY, promiseTest, rejection, SECOND } from './promise.ts';
import type { KnownBreaks, StoreWorld } from './worlds.ts';

const VALUE = 'Contract~value.0123456789_abcdefghijklmnop';
const OLD = 'Old~value.0123456789_abcdefghijklmnopqrstu';

const secret = (scope: Scope, name: string, access?: OrgAccess): Target<Scope> => ({ scope, name, kind: 'secret', ...(access === undefined ? {} : { access }) });

export function storeContract(side: string, setup: () => Promise<StoreWorld>, broken: KnownBreaks = {}): void {
  const promise = promiseTest(broken);

  describe(`SecretStore contract: ${side}`, () => {
    let w: StoreWorld;
    beforeEach(async () => {
      w = await setup();
    });
    afterEach(async () => {
      await w.teardown();
    });

    describe('list', () => {
      promise('list.repository', 'list gives every secret of a repository or environment by upper-case name, updatedAt to the second, no visibility', async () => {
        const { repo, environment } = w.scopes;
        const then = at(w.now(), -3 * DAY);
        w.seed(repo, 'AZURE_CLIENT_SECRET', OLD, then);
        const yesterday = at(w.now(), -DAY);
        w.seed(environment, 'AZURE_CLIENT_ID', 'client-id', yesterday);
        await w.store.write(secret(repo, 'azure_credentials'), new Secret(VALUE));

        const listed = await w.store.list(repo);
        expect([...listed.keys()].sort()).toEqual(['AZURE_CLIENT_SECRET', 'AZURE_CREDENTIALS']);
        expect(listed.get('AZURE_CLIENT_SECRET')).toEqual({ updatedAt: then });
        for (const info of listed.values()) expect(info.updatedAt.getTime() % SECOND).toBe(0);
        expect(await w.store.list(environment)).toEqual(new Map([['AZURE_CLIENT_ID', { updatedAt: yesterday }]]));
      });

      promise('list.organisation', 'list gives organisation secrets with their visibility', async () => {
        const { org } = w.scopes;
        const then = at(w.now(), -DAY);
        w.seed(org, 'ALL_REPOS', OLD, then, { visibility: 'all', repositories: [] });
        w.seed(org, 'PRIVATE_REPOS', OLD, then, { visibility: 'private', repositories: [] });
        w.seed(org, 'SOME_REPOS', OLD, then, { visibility: 'selected', repositories: ['app'] });
        expect(await w.store.list(org)).toEqual(
          new Map([
            ['ALL_REPOS', { updatedAt: then, visibility: 'all' }],
            ['PRIVATE_REPOS', { updatedAt: then, visibility: 'private' }],
            ['SOME_REPOS', { updatedAt: then, visibility: 'selected' }],
          ]),
        );
      });

      promise('list.pages', 'list reads every page (more than 100 secrets)', async () => {
        const then = at(w.now(), -DAY);
        const names = Array.from({ length: 130 }, (_, i) => `SECRET_${String(i).padStart(3, '0')}`);
        for (const name of names) w.seed(w.scopes.repo, name, OLD, then);
        expect([...(await w.store.list(w.scopes.repo)).keys()].sort()).toEqual(names);
      });

      promise('list.missing', 'list of a scope that does not exist fails with a ServiceError (404)', async () => {
        expect((await rejection(w.store.list(w.scopes.missingRepo))).status).toBe(404);
        expect((await rejection(w.store.list(w.scopes.missingEnvironment))).status).toBe(404);
      });
    });

    describe('write', () => {
      promise('write.updatedAt', 'write stores the value, and then list shows updatedAt moved to the time of the write', async () => {
        const { repo } = w.scopes;
        const then = at(w.now(), -30 * DAY);
        w.seed(repo, 'AZURE_CLIENT_SECRET', OLD, then);
        const before = at(w.now(), 0);
        await w.store.write(secret(repo, 'AZURE_CLIENT_SECRET'), new Secret(VALUE));
        expect(w.held(repo, 'AZURE_CLIENT_SECRET')).toBe(VALUE);
        const updatedAt = (await w.store.list(repo)).get('AZURE_CLIENT_SECRET')?.updatedAt;
        expect(updatedAt?.getTime()).toBeGreaterThanOrEqual(before.getTime());
        expect(updatedAt?.getTime()).toBeLessThanOrEqual(w.now().getTime());
      });

      promise('write.environmentDependabot', 'write reaches an environment and the Dependabot secrets of a repository, each its own scope', async () => {
        const { environment, dependabotRepo, repo } = w.scopes;
        await w.store.write(secret(environment, 'AZURE_CLIENT_SECRET'), new Secret(VALUE));
        await w.store.write(secret(dependabotRepo, 'AZURE_CLIENT_SECRET'), new Secret(OLD));
        expect(w.held(environment, 'AZURE_CLIENT_SECRET')).toBe(VALUE);
        expect(w.held(dependabotRepo, 'AZURE_CLIENT_SECRET')).toBe(OLD);
        expect(w.held(repo, 'AZURE_CLIENT_SECRET')).toBeUndefined();
      });

      promise('write.parallel', 'writes made at once (as the core makes them, one per target) all land', async () => {
        const { repo, environment, org } = w.scopes;
        const targets = [secret(repo, 'AZURE_CLIENT_SECRET'), secret(repo, 'AZURE_CREDENTIALS'), secret(environment, 'AZURE_CLIENT_SECRET'), secret(org, 'AZURE_CLIENT_SECRET', { visibility: 'private', repositories: [] })];
        await Promise.all(targets.map((t) => w.store.write(t, new Secret(VALUE))));
        for (const t of targets) expect(w.held(t.scope, t.name)).toBe(VALUE);
      });

      promise('write.organisation', 'write of an organisation secret sets its visibility and selected repositories in the same write', async () => {
        const { org } = w.scopes;
        w.seed(org, 'SOME_REPOS', OLD, at(w.now(), -DAY), { visibility: 'selected', repositories: ['web'] });
        await w.store.write(secret(org, 'SOME_REPOS', { visibility: 'selected', repositories: ['lib', 'app'] }), new Secret(VALUE));
        await w.store.write(secret(org, 'ALL_REPOS', { visibility: 'all', repositories: [] }), new Secret(VALUE));
        expect(w.held(org, 'SOME_REPOS')).toBe(VALUE);
        expect(w.access(org, 'SOME_REPOS')).toEqual({ visibility: 'selected', repositories: ['app', 'lib'] });
        expect(w.access(org, 'ALL_REPOS')).toEqual({ visibility: 'all', repositories: [] });
        expect((await w.store.list(org)).get('SOME_REPOS')?.visibility).toBe('selected');
      });

      promise('write.notAfter', 'write with a notAfter in the past starts no attempt: nothing written, a ServiceError that is not "maybe done"', async () => {
        const { repo } = w.scopes;
        const then = at(w.now(), -30 * DAY);
        w.seed(repo, 'AZURE_CLIENT_SECRET', OLD, then);
        const error = await rejection(w.store.write(secret(repo, 'AZURE_CLIENT_SECRET'), new Secret(VALUE), { notAfter: new Date(w.now().getTime() - SECOND) }));
        expect(error.details.outcomeUnknown).not.toBe(true);
        expect(error.code).toBe('ELATE');
        expect(w.held(repo, 'AZURE_CLIENT_SECRET')).toBe(OLD);
        expect((await w.store.list(repo)).get('AZURE_CLIENT_SECRET')?.updatedAt).toEqual(then);
        await rejection(w.store.write(secret(repo, 'NOT_THERE'), new Secret(VALUE), { notAfter: new Date(w.now().getTime() - SECOND) }));
        expect(w.held(repo, 'NOT_THERE')).toBeUndefined();
      });

      promise('write.rateLimited', 'a write refused by a rate limit is made once the wait it names is over', async () => {
        const { repo } = w.scopes;
        w.faults.rateLimitNextWrite(SECOND);
        await w.store.write(secret(repo, 'AZURE_CLIENT_SECRET'), new Secret(VALUE), { notAfter: new Date(w.now().getTime() + 60 * SECOND) });
        expect(w.held(repo, 'AZURE_CLIENT_SECRET')).toBe(VALUE);
      });

      promise('write.rateLimitedPastNotAfter', 'a write refused by a rate limit whose wait ends after notAfter is not tried again: nothing written, not "maybe done"', async () => {
        const { repo } = w.scopes;
        w.seed(repo, 'AZURE_CLIENT_SECRET', OLD, at(w.now(), -30 * DAY));
        w.faults.rateLimitNextWrite(2 * SECOND);
        const error = await rejection(w.store.write(secret(repo, 'AZURE_CLIENT_SECRET'), new Secret(VALUE), { notAfter: new Date(w.now().getTime() + SECOND) }));
        expect(error.details.outcomeUnknown).not.toBe(true);
        expect(w.held(repo, 'AZURE_CLIENT_SECRET')).toBe(OLD);
      });

      promise('write.lost', 'a write whose answer is lost fails with a ServiceError whose outcomeUnknown is true; the value may be stored', async () => {
        const { repo } = w.scopes;
        w.seed(repo, 'AZURE_CLIENT_SECRET', OLD, at(w.now(), -30 * DAY));
        w.faults.loseEveryWriteAnswer('AZURE_CLIENT_SECRET');
        const error = await rejection(w.store.write(secret(repo, 'AZURE_CLIENT_SECRET'), new Secret(VALUE)));
        expect(error.details.outcomeUnknown).toBe(true);
        expect(error.details.service).toBe('GitHub');
        expect([OLD, VALUE]).toContain(w.held(repo, 'AZURE_CLIENT_SECRET'));
      });

      promise('write.serverError', 'a write answered with a server error on every try fails with a ServiceError whose outcomeUnknown is true', async () => {
        const { repo } = w.scopes;
        w.faults.serverErrorEveryWrite('AZURE_CLIENT_SECRET');
        const error = await rejection(w.store.write(secret(repo, 'AZURE_CLIENT_SECRET'), new Secret(VALUE)));
        expect(error.details.outcomeUnknown).toBe(true);
        expect(error.status).toBeGreaterThanOrEqual(500);
      });

      promise('write.missing', 'write to a scope, or with a selected repository, that does not exist fails with a ServiceError (404) that is not "maybe done"', async () => {
        const error = await rejection(w.store.write(secret(w.scopes.missingEnvironment, 'AZURE_CLIENT_SECRET'), new Secret(VALUE)));
        expect(error.status).toBe(404);
        expect(error.details.outcomeUnknown).not.toBe(true);
        const { org } = w.scopes;
        const misspelt = await rejection(w.store.write(secret(org, 'SOME_REPOS', { visibility: 'selected', repositories: ['app', 'no-such-repo'] }), new Secret(VALUE)));
        expect(misspelt.status).toBe(404);
        expect(misspelt.details.outcomeUnknown).not.toBe(true);
        expect(w.held(org, 'SOME_REPOS')).toBeUndefined();
      });
    });

    describe('prepare', () => {
      promise('prepare.exists', 'prepare of scopes that exist resolves, and writes nothing', async () => {
        const { repo, environment, org } = w.scopes;
        await w.store.prepare(repo);
        await w.store.prepare(environment, [secret(environment, 'AZURE_CLIENT_SECRET')]);
        await w.store.prepare(org, [secret(org, 'SOME_REPOS', { visibility: 'selected', repositories: ['app', 'lib'] })]);
        expect(await w.store.list(repo)).toEqual(new Map());
        expect(await w.store.list(org)).toEqual(new Map());
      });

      promise('prepare.missing', 'prepare fails before any write for a scope that does not exist, or a selected repository that does not', async () => {
        const { org, missingRepo, missingEnvironment } = w.scopes;
        expect((await rejection(w.store.prepare(missingRepo, [secret(missingRepo, 'AZURE_CLIENT_SECRET')]))).status).toBe(404);
        expect((await rejection(w.store.prepare(missingEnvironment, [secret(missingEnvironment, 'AZURE_CLIENT_SECRET')]))).status).toBe(404);
        const misspelt = secret(org, 'SOME_REPOS', { visibility: 'selected', repositories: ['app', 'no-such-repo'] });
        expect((await rejection(w.store.prepare(org, [misspelt]))).status).toBe(404);
        expect(w.held(org, 'SOME_REPOS')).toBeUndefined();
      });
    });

    describe('selectedRepositories', () => {
      promise('selectedRepositories', 'selectedRepositories gives the names of the repositories an organisation secret is shared with (404 for a secret that does not exist)', async () => {
        const { org } = w.scopes;
        w.seed(org, 'SOME_REPOS', OLD, at(w.now(), -DAY), { visibility: 'selected', repositories: ['web', 'app'] });
        expect((await w.store.selectedRepositories(secret(org, 'SOME_REPOS', { visibility: 'selected', repositories: [] }))).sort()).toEqual(['app', 'web']);
        expect((await rejection(w.store.selectedRepositories(secret(org, 'NOT_THERE', { visibility: 'selected', repositories: [] })))).status).toBe(404);
      });
    });
  });
}
