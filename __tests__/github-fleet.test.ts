/**
 * The GitHub adapter on a fleet's scopes, against the emulator over HTTPS (test/github-adapter.ts runs the real
 * adapter in a child process): organisation, Dependabot and Codespaces secrets, visibility and selected
 * repositories by id, listings of many pages, and GitHub's rate limits waited out, logged and bounded.
 */
import { startEmulator, type Emulator, type RequestLogEntry, type SecondaryLimit } from '../test/emulator/index.ts';
import type { GitHubScope as Scope, Target as AnyTarget } from '../src/core/model';

type Target = AnyTarget<Scope>;
import { runAdapter } from '../test/github-adapter.ts';

const PAT = 'github_pat_11FLEET0emulatorTokenForTests';
const VALUE = 'Fl33t~secret.value_0123456789-abcdefgh';
const ORG: Scope = { service: 'actions', owner: 'octo' };
const ORG_DEPENDABOT: Scope = { service: 'dependabot', owner: 'octo' };

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator();
  emu.github.addOrg('octo');
  for (const repo of ['app', 'lib', 'web']) emu.github.addRepo(`octo/${repo}`);
  emu.github.addToken(PAT, 'pat');
});
afterEach(async () => {
  await emu.close();
});

const orgTarget = (name: string, repositories: string[] | undefined, scope: Scope = ORG): Target => ({
  scope,
  name,
  kind: 'secret',
  access: repositories === undefined ? { visibility: 'private', repositories: [] } : { visibility: 'selected', repositories },
});
const requests = (method: string, path: RegExp): RequestLogEntry[] => emu.log.filter((e) => e.service === 'github' && e.method === method && path.test(e.path));
const okValue = (r: { ok: boolean; value?: unknown; error?: string }): unknown => {
  expect(r).toMatchObject({ ok: true });
  return r.value;
};

describe('organisation and Dependabot secrets', () => {
  it('writes an organisation secret with visibility selected, resolving each repository id once', async () => {
    const run = await runAdapter(emu, PAT, [
      { op: 'write', target: orgTarget('AZURE_CLIENT_SECRET', ['app', 'lib']), value: VALUE },
      { op: 'write', target: orgTarget('AZURE_CLIENT_ID', ['lib', 'app']), value: 'client-id' },
      { op: 'list', scope: ORG },
    ]);
    run.results.forEach(okValue);
    expect(emu.github.open({ org: 'octo' }, 'AZURE_CLIENT_SECRET')).toBe(VALUE);
    expect(emu.github.access('octo', 'AZURE_CLIENT_SECRET')).toEqual({ visibility: 'selected', repositories: ['app', 'lib'] });
    expect(emu.github.access('octo', 'AZURE_CLIENT_ID')).toEqual({ visibility: 'selected', repositories: ['app', 'lib'] });
    // One lookup per repository for the whole run, not one per write.
    expect(requests('GET', /^\/repos\/octo\/[a-z]+$/).map((e) => e.path).sort()).toEqual(['/repos/octo/app', '/repos/octo/lib']);
    expect(run.results[2]).toMatchObject({ value: { AZURE_CLIENT_SECRET: { visibility: 'selected' }, AZURE_CLIENT_ID: { visibility: 'selected' } } });
  });

  it('writes visibility all and private without repository ids', async () => {
    const run = await runAdapter(emu, PAT, [
      { op: 'write', target: { ...orgTarget('ALL_REPOS', undefined), access: { visibility: 'all', repositories: [] } }, value: VALUE },
      { op: 'write', target: orgTarget('PRIVATE_REPOS', undefined), value: VALUE },
    ]);
    run.results.forEach(okValue);
    expect(emu.github.access('octo', 'ALL_REPOS')).toEqual({ visibility: 'all', repositories: [] });
    expect(emu.github.access('octo', 'PRIVATE_REPOS')).toEqual({ visibility: 'private', repositories: [] });
    expect(requests('GET', /^\/repos\//)).toEqual([]);
  });

  it('writes Dependabot secrets of a repository and of an organisation, each sealed with its own key', async () => {
    const repoDependabot: Scope = { service: 'dependabot', owner: 'octo', repo: 'app' };
    const run = await runAdapter(emu, PAT, [
      { op: 'write', target: { scope: repoDependabot, name: 'AZURE_CLIENT_SECRET', kind: 'secret' }, value: VALUE },
      { op: 'write', target: orgTarget('AZURE_CLIENT_SECRET', ['web'], ORG_DEPENDABOT), value: VALUE },
      { op: 'list', scope: repoDependabot },
      { op: 'list', scope: ORG_DEPENDABOT },
    ]);
    run.results.forEach(okValue);
    expect(emu.github.open({ repo: 'octo/app', dependabot: true }, 'AZURE_CLIENT_SECRET')).toBe(VALUE);
    expect(emu.github.open({ org: 'octo', dependabot: true }, 'AZURE_CLIENT_SECRET')).toBe(VALUE);
    expect(emu.github.access('octo', 'AZURE_CLIENT_SECRET', { dependabot: true })).toEqual({ visibility: 'selected', repositories: ['web'] });
    // Not the Actions scopes.
    expect(emu.github.open({ repo: 'octo/app' }, 'AZURE_CLIENT_SECRET')).toBeUndefined();
    expect(emu.github.open({ org: 'octo' }, 'AZURE_CLIENT_SECRET')).toBeUndefined();
    expect(requests('GET', /public-key$/).map((e) => e.path)).toEqual(['/repos/octo/app/dependabot/secrets/public-key', '/orgs/octo/dependabot/secrets/public-key']);
    expect(Object.keys(run.results[2]?.ok === true ? (run.results[2].value as object) : {})).toEqual(['AZURE_CLIENT_SECRET']);
    expect(run.results[3]).toMatchObject({ value: { AZURE_CLIENT_SECRET: { visibility: 'selected' } } });
  });

  it('writes Codespaces secrets of a repository and of an organisation, each sealed with its own key, apart from the Actions ones', async () => {
    const repoCodespaces: Scope = { service: 'codespaces', owner: 'octo', repo: 'app' };
    const orgCodespaces: Scope = { service: 'codespaces', owner: 'octo' };
    const run = await runAdapter(emu, PAT, [
      { op: 'write', target: { scope: repoCodespaces, name: 'AZURE_CLIENT_SECRET', kind: 'secret' }, value: VALUE },
      { op: 'write', target: orgTarget('AZURE_CLIENT_SECRET', ['lib', 'web'], orgCodespaces), value: VALUE },
      { op: 'list', scope: repoCodespaces },
      { op: 'list', scope: orgCodespaces },
      { op: 'selected', target: orgTarget('AZURE_CLIENT_SECRET', ['lib', 'web'], orgCodespaces) },
    ]);
    run.results.forEach(okValue);
    expect(emu.github.open({ repo: 'octo/app', codespaces: true }, 'AZURE_CLIENT_SECRET')).toBe(VALUE);
    expect(emu.github.open({ org: 'octo', codespaces: true }, 'AZURE_CLIENT_SECRET')).toBe(VALUE);
    expect(emu.github.access('octo', 'AZURE_CLIENT_SECRET', { codespaces: true })).toEqual({ visibility: 'selected', repositories: ['lib', 'web'] });
    expect(emu.github.open({ repo: 'octo/app' }, 'AZURE_CLIENT_SECRET')).toBeUndefined();
    expect(emu.github.open({ org: 'octo', dependabot: true }, 'AZURE_CLIENT_SECRET')).toBeUndefined();
    expect(requests('GET', /public-key$/).map((e) => e.path)).toEqual(['/repos/octo/app/codespaces/secrets/public-key', '/orgs/octo/codespaces/secrets/public-key']);
    expect(requests('PUT', /./).map((e) => e.path)).toEqual(['/repos/octo/app/codespaces/secrets/AZURE_CLIENT_SECRET', '/orgs/octo/codespaces/secrets/AZURE_CLIENT_SECRET']);
    expect(Object.keys(okValue(run.results[2]!) as object)).toEqual(['AZURE_CLIENT_SECRET']);
    expect(run.results[3]).toMatchObject({ value: { AZURE_CLIENT_SECRET: { visibility: 'selected' } } });
    expect(okValue(run.results[4]!)).toEqual(['lib', 'web']);
  });

  it('lists every page of an organisation holding 250 secrets', async () => {
    for (let i = 0; i < 250; i++) emu.github.putPlain({ org: 'octo' }, `SECRET_${String(i).padStart(3, '0')}`, 'x', undefined, { visibility: i % 2 === 0 ? 'all' : 'private', repositories: [] });
    const run = await runAdapter(emu, PAT, [{ op: 'list', scope: ORG }]);
    const listed = okValue(run.results[0]!) as Record<string, { visibility: string }>;
    expect(Object.keys(listed)).toHaveLength(250);
    expect(listed['SECRET_249']).toMatchObject({ visibility: 'private' });
    expect(listed['SECRET_000']).toMatchObject({ visibility: 'all' });
    expect(requests('GET', /^\/orgs\/octo\/actions\/secrets\?/).map((e) => e.path)).toEqual([
      '/orgs/octo/actions/secrets?per_page=100',
      '/orgs/octo/actions/secrets?per_page=100&page=2',
      '/orgs/octo/actions/secrets?per_page=100&page=3',
    ]);
  });

  it('reads the selection, and sets it only in the PUT of a value (never by the selection PUT, which may move updated_at)', async () => {
    emu.github.putPlain({ org: 'octo' }, 'AZURE_CLIENT_SECRET', 'old', undefined, { visibility: 'selected', repositories: ['app', 'web'] });
    const target = orgTarget('AZURE_CLIENT_SECRET', ['app', 'lib']);
    const run = await runAdapter(emu, PAT, [{ op: 'selected', target }, { op: 'write', target, value: VALUE }, { op: 'selected', target }]);
    expect(okValue(run.results[0]!)).toEqual(['app', 'web']);
    okValue(run.results[1]!);
    expect(okValue(run.results[2]!)).toEqual(['app', 'lib']);
    expect(emu.github.access('octo', 'AZURE_CLIENT_SECRET')).toEqual({ visibility: 'selected', repositories: ['app', 'lib'] });
    expect(emu.github.open({ org: 'octo' }, 'AZURE_CLIENT_SECRET')).toBe(VALUE);
    expect(requests('PUT', /./).map((e) => e.path)).toEqual(['/orgs/octo/actions/secrets/AZURE_CLIENT_SECRET']);
  });

  it('reads a selection of more than one page', async () => {
    const names = Array.from({ length: 130 }, (_, i) => `repo-${String(i).padStart(3, '0')}`);
    for (const n of names) emu.github.addRepo(`octo/${n}`);
    emu.github.putPlain({ org: 'octo' }, 'WIDE', 'x', undefined, { visibility: 'selected', repositories: names });
    const run = await runAdapter(emu, PAT, [{ op: 'selected', target: orgTarget('WIDE', names) }]);
    expect(okValue(run.results[0]!)).toEqual(names);
    expect(requests('GET', /\/repositories/)).toHaveLength(2);
  });

  it('fails naming a selected repository that does not exist, and the target, before writing anything', async () => {
    const run = await runAdapter(emu, PAT, [{ op: 'write', target: orgTarget('AZURE_CLIENT_SECRET', ['app', 'gone']), value: VALUE }]);
    expect(run.results[0]).toMatchObject({ ok: false });
    const error = run.results[0]?.ok === false ? run.results[0].error : '';
    expect(error).toContain('looking up repository octo/gone, selected for AZURE_CLIENT_SECRET (organisation octo)');
    expect(error).toContain('HTTP 404');
    expect(error).toMatch(/What to try: repository octo\/gone .* does not exist, or github-token cannot see it/);
    expect(requests('PUT', /./)).toEqual([]);
    expect(error).not.toContain(VALUE);
  });
});

describe('permissions and missing organisations', () => {
  it.each([
    { what: 'organisation Actions secrets', perms: { orgSecrets: 'none' as const }, scope: ORG, needs: 'the organisation permission "Secrets: Read and write" on octo' },
    { what: 'organisation Dependabot secrets', perms: { dependabotSecrets: 'read' as const }, scope: ORG_DEPENDABOT, needs: 'the organisation permission "Dependabot secrets: Read and write" on octo' },
    { what: 'repository Dependabot secrets', perms: { dependabotSecrets: 'none' as const }, scope: { service: 'dependabot' as const, owner: 'octo', repo: 'app' }, needs: 'the repository permission "Dependabot secrets: Read and write" on octo/app' },
    // GitHub asks "Codespaces secrets" write even to read a repository's public key.
    { what: 'repository Codespaces secrets', perms: { codespacesSecrets: 'read' as const }, scope: { service: 'codespaces' as const, owner: 'octo', repo: 'app' }, needs: 'the repository permission "Codespaces secrets: Read and write" on octo/app' },
    { what: 'organisation Codespaces secrets', perms: { orgCodespacesSecrets: 'read' as const }, scope: { service: 'codespaces' as const, owner: 'octo' }, needs: 'the organisation permission "Organization codespaces secrets: Read and write" on octo' },
  ])('names the permission $what need', async ({ perms, scope, needs }) => {
    emu.github.addToken('github_pat_limited', 'pat', perms);
    const target: Target = scope.repo === undefined ? orgTarget('AZURE_CLIENT_SECRET', undefined, scope) : { scope, name: 'AZURE_CLIENT_SECRET', kind: 'secret' };
    const run = await runAdapter(emu, 'github_pat_limited', [{ op: 'write', target, value: VALUE }]);
    expect(run.results[0]).toMatchObject({ ok: false });
    const error = run.results[0]?.ok === false ? run.results[0].error : '';
    expect(error).toContain('HTTP 403');
    expect(error).toContain(`personal access token without ${needs}`);
  });

  it('says when an organisation does not exist', async () => {
    const run = await runAdapter(emu, PAT, [{ op: 'list', scope: { service: 'actions', owner: 'nowhere' } }]);
    const error = run.results[0]?.ok === false ? run.results[0].error : '';
    expect(error).toContain('listing the secrets of organisation nowhere (HTTP 404');
    expect(error).toContain('organisation nowhere was not found, or github-token cannot see it');
  });
});

describe("GitHub's rate limits", () => {
  const targets = ['FIRST', 'SECOND', 'THIRD'].map((name) => orgTarget(name, undefined));

  /** Each refused write: the next request of any write came no sooner than the wait GitHub named after the answer. */
  function expectWaitsHonoured(waitMs: number): RequestLogEntry[] {
    const puts = requests('PUT', /./).sort((a, b) => a.at - b.at);
    const refused = puts.filter((e) => e.status === 403 || e.status === 429);
    for (const r of refused) {
      const next = puts.find((e) => e.at > r.at);
      expect(next).toBeDefined();
      expect(next!.at - r.doneAt!).toBeGreaterThanOrEqual(waitMs - 2);
    }
    return refused;
  }

  it.each([
    { status: 403 as const, signal: 'retry-after' as const, waitMs: 1000, reason: /GitHub asked to wait 1 s \(secondary rate limit, HTTP 403, retry-after\) before writing (SECOND|THIRD) \(organisation octo\) \(wait \d of at most 6\)/ },
    { status: 429 as const, signal: 'retry-after' as const, waitMs: 1000, reason: /GitHub asked to wait 1 s \(secondary rate limit, HTTP 429, retry-after\) before writing (SECOND|THIRD) \(organisation octo\)/ },
    { status: 403 as const, signal: 'reset' as const, waitMs: 1000, reason: /GitHub asked to wait [12](\.\d)? s \(secondary rate limit, HTTP 403, x-ratelimit-reset\) before writing (SECOND|THIRD) \(organisation octo\)/ },
    // No wait named: GitHub's minute, scaled by baseMs (20 ms here, as in every test) to 1.2 s.
    { status: 429 as const, signal: 'none' as const, waitMs: 1200, reason: /GitHub named no wait \(secondary rate limit, HTTP 429\): waiting 1\.2 s, as GitHub advises, before writing (SECOND|THIRD) \(organisation octo\)/ },
  ])('waits out a $status with $signal, logs each wait, and writes every target', async ({ status, signal, waitMs, reason }) => {
    const limit: SecondaryLimit = { max: 1, windowMs: 800, status, signal, retryAfterS: 1 };
    emu.github.secondaryLimit(limit);
    const run = await runAdapter(emu, PAT, [{ op: 'writeAll', targets, value: VALUE }]);
    expect(okValue(run.results[0]!)).toEqual(['ok', 'ok', 'ok']);
    for (const t of targets) expect(emu.github.open({ org: 'octo' }, t.name)).toBe(VALUE);
    const refused = expectWaitsHonoured(waitMs);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    const waits = run.log.filter((l) => reason.test(l.message));
    expect(waits).toHaveLength(refused.length);
  });

  it('does not wait longer than 3 minutes: the answer stands, with a hint', async () => {
    emu.github.secondaryLimit({ max: 0, windowMs: 1000, status: 403, signal: 'retry-after', retryAfterS: 200 });
    const run = await runAdapter(emu, PAT, [{ op: 'write', target: targets[0]!, value: VALUE }]);
    expect(run.results[0]).toMatchObject({ ok: false });
    expect(run.results[0]!.ms).toBeLessThan(5000);
    const error = run.results[0]?.ok === false ? run.results[0].error : '';
    expect(error).toContain('HTTP 403');
    expect(error).toContain("GitHub's secondary rate limit held longer than this run waits");
    expect(run.log.map((l) => l.message)).toContain(
      'GitHub asked to wait 200 s (secondary rate limit, HTTP 403, retry-after) before writing FIRST (organisation octo): not waiting, longer than the 180 s this run waits at a time',
    );
    expect(requests('PUT', /./)).toHaveLength(1);
  });

  it('waits at most 6 times for one request', async () => {
    emu.github.secondaryLimit({ max: 0, windowMs: 1000, status: 429, signal: 'none' });
    const run = await runAdapter(emu, PAT, [{ op: 'write', target: targets[0]!, value: VALUE }], { baseMs: 1 });
    expect(run.results[0]).toMatchObject({ ok: false });
    expect(run.log.filter((l) => /GitHub named no wait .* \(wait \d of at most 6\)/.test(l.message))).toHaveLength(6);
    expect(run.log.at(-1)?.message).toMatch(/not waiting, it waited 6 times already/);
    expect(requests('PUT', /./)).toHaveLength(7);
  });

  it('does not wait past the time the run allows for the write', async () => {
    emu.github.secondaryLimit({ max: 0, windowMs: 1000, status: 403, signal: 'retry-after', retryAfterS: 2 });
    const run = await runAdapter(emu, PAT, [{ op: 'write', target: targets[0]!, value: VALUE, notAfterMs: 1000 }]);
    expect(run.results[0]).toMatchObject({ ok: false });
    expect(run.log.map((l) => l.message).join('\n')).toContain('not waiting, the time this run allows for it would be over');
  });

  it('writes one at a time, each started at least baseMs after the one before ended, on every write route', async () => {
    emu.setLatency(150);
    const all: Target[] = [
      orgTarget('ORG_ONE', ['app']),
      orgTarget('ORG_TWO', undefined, ORG_DEPENDABOT),
      { scope: { service: 'actions', owner: 'octo', repo: 'app' }, name: 'REPO_ONE', kind: 'secret' },
      { scope: { service: 'dependabot', owner: 'octo', repo: 'lib' }, name: 'DEP_ONE', kind: 'secret' },
    ];
    emu.github.putPlain({ org: 'octo' }, 'ORG_ONE', 'x', undefined, { visibility: 'selected', repositories: ['web'] });
    const run = await runAdapter(emu, PAT, [{ op: 'writeAll', targets: all, value: VALUE }, { op: 'write', target: all[0]!, value: VALUE }], { baseMs: 200 });
    expect(okValue(run.results[0]!)).toEqual(['ok', 'ok', 'ok', 'ok']);
    const puts = requests('PUT', /./).sort((a, b) => a.at - b.at);
    expect(puts).toHaveLength(5);
    for (let i = 1; i < puts.length; i++) expect(puts[i]!.at - puts[i - 1]!.doneAt!).toBeGreaterThanOrEqual(200 - 2);
  });
});
