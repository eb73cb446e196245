/**
 * GitHubVariables (src/adapters/github-variables.ts) against the emulator over HTTPS, in a child process as every
 * GitHub adapter test (test/github-adapter.ts): Actions variables of repositories, environments and organisations,
 * created or updated as they are found, every page listed, organisation ones with their visibility and selected
 * repositories, errors that name the permission, and the one connection it shares with the secrets (repository ids
 * resolved once, writes paced one at a time together with the secrets').
 */
import { startEmulator, type Emulator, type RequestLogEntry } from '../test/emulator/index.ts';
import type { GitHubScope as Scope, Target } from '../src/core/model';
import { runAdapter, type StepResult } from '../test/github-adapter.ts';

const PAT = 'github_pat_11VARIABLES0emulatorTokenForTests';
const REPO: Scope = { service: 'variables', owner: 'octo', repo: 'app' };
const ENV: Scope = { service: 'variables', owner: 'octo', repo: 'app', environment: 'Prod env' };
const ORG: Scope = { service: 'variables', owner: 'octo' };
const CLIENT_ID = '5d6e7f80-91a2-4b3c-8d4e-5f6071829304';

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator();
  emu.github.addOrg('octo');
  emu.github.addRepo('octo/app', ['Prod env']);
  for (const repo of ['lib', 'web']) emu.github.addRepo(`octo/${repo}`);
  emu.github.addToken(PAT, 'pat');
});
afterEach(async () => {
  await emu.close();
});

const requests = (method: string, path: RegExp): RequestLogEntry[] => emu.log.filter((e) => e.service === 'github' && e.method === method && path.test(e.path));
const okValue = (r: StepResult | undefined): unknown => {
  expect(r).toMatchObject({ ok: true });
  return r?.ok === true ? r.value : undefined;
};
const errorOf = (r: StepResult | undefined): string => {
  expect(r).toMatchObject({ ok: false });
  return r?.ok === false ? r.error : '';
};

describe('writing', () => {
  it('creates repository, environment and organisation variables, then updates them; list reads the values back', async () => {
    const run = await runAdapter(emu, PAT, [
      { op: 'variable', scope: REPO, name: 'AZURE_CLIENT_ID', value: CLIENT_ID },
      { op: 'variable', scope: ENV, name: 'AZURE_CLIENT_ID', value: CLIENT_ID },
      { op: 'variable', scope: ORG, name: 'AZURE_TENANT_ID', value: 'tenant-1', access: { visibility: 'all', repositories: [] } },
      { op: 'variables', scope: REPO },
      { op: 'variable', scope: REPO, name: 'AZURE_CLIENT_ID', value: 'changed', existing: true },
      { op: 'variable', scope: ORG, name: 'AZURE_TENANT_ID', value: 'tenant-2', access: { visibility: 'private', repositories: [] }, existing: true },
      { op: 'variables', scope: ORG },
    ]);
    expect(run.results.slice(0, 3).map(okValue)).toEqual(['created', 'created', 'created']);
    expect(okValue(run.results[3])).toEqual({ AZURE_CLIENT_ID: { value: CLIENT_ID, updatedAt: expect.any(String) } });
    expect(run.results.slice(4, 6).map(okValue)).toEqual(['updated', 'updated']);
    expect(okValue(run.results[6])).toEqual({ AZURE_TENANT_ID: { value: 'tenant-2', updatedAt: expect.any(String), visibility: 'private' } });
    expect(emu.github.variable({ repo: 'octo/app' }, 'AZURE_CLIENT_ID')?.value).toBe('changed');
    expect(emu.github.variable({ repo: 'octo/app', environment: 'Prod env' }, 'AZURE_CLIENT_ID')?.value).toBe(CLIENT_ID);
    expect(emu.github.variable({ org: 'octo' }, 'AZURE_TENANT_ID')).toMatchObject({ value: 'tenant-2', visibility: 'private' });
    // One request a write: POST to create, PATCH to update (the environment's name encoded in its path).
    expect(emu.log.filter((e) => e.method !== 'GET').map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      'POST /repos/octo/app/actions/variables 201',
      'POST /repos/octo/app/environments/Prod%20env/variables 201',
      'POST /orgs/octo/actions/variables 201',
      'PATCH /repos/octo/app/actions/variables/AZURE_CLIENT_ID 204',
      'PATCH /orgs/octo/actions/variables/AZURE_TENANT_ID 204',
    ]);
  });

  it('updates one created meanwhile (409 on the create), creates one deleted meanwhile (404 on the update), and says so', async () => {
    emu.github.putVariable({ repo: 'octo/app' }, 'CREATED_MEANWHILE', 'theirs');
    const run = await runAdapter(emu, PAT, [
      { op: 'variable', scope: REPO, name: 'CREATED_MEANWHILE', value: 'ours' },
      { op: 'variable', scope: REPO, name: 'DELETED_MEANWHILE', value: 'ours', existing: true },
    ]);
    expect(run.results.map(okValue)).toEqual(['updated', 'created']);
    expect(emu.github.variables({ repo: 'octo/app' }).map((v) => [v.name, v.value])).toEqual([['CREATED_MEANWHILE', 'ours'], ['DELETED_MEANWHILE', 'ours']]);
    expect(run.log.map((l) => l.message)).toEqual([
      'variable CREATED_MEANWHILE (repository octo/app) exists (created meanwhile): updating it',
      'variable DELETED_MEANWHILE (repository octo/app) was deleted meanwhile: creating it',
    ]);
    expect(emu.log.filter((e) => e.method !== 'GET').map((e) => `${e.method} ${e.status}`)).toEqual(['POST 409', 'PATCH 204', 'PATCH 404', 'POST 201']);
  });

  it('settles a create whose answer was lost: the retry finds it (409) and updates it', async () => {
    emu.faults.add({ match: { service: 'github', method: 'POST' }, kind: 'drop-after' });
    const run = await runAdapter(emu, PAT, [{ op: 'variable', scope: REPO, name: 'AZURE_CLIENT_ID', value: CLIENT_ID }]);
    expect(okValue(run.results[0])).toBe('updated');
    expect(emu.github.variable({ repo: 'octo/app' }, 'AZURE_CLIENT_ID')?.value).toBe(CLIENT_ID);
    expect(emu.log.filter((e) => e.method !== 'GET').map((e) => `${e.method} ${e.status}`)).toEqual(['POST 0', 'POST 409', 'PATCH 204']);
    expect(run.log.map((l) => l.message).join('\n')).toMatch(/Retrying creating variable AZURE_CLIENT_ID \(repository octo\/app\)/);
  });

  it('writes an organisation variable with visibility selected, resolving each repository id once for secrets and variables alike', async () => {
    const access = { visibility: 'selected' as const, repositories: ['app', 'lib'] };
    const secret: Target<Scope> = { scope: { ...ORG, service: 'actions' }, name: 'AZURE_CLIENT_SECRET', kind: 'secret', access };
    const run = await runAdapter(emu, PAT, [
      { op: 'write', target: secret, value: 'Sec~ret.value_0123456789' },
      { op: 'variable', scope: ORG, name: 'AZURE_CLIENT_ID', value: CLIENT_ID, access },
      { op: 'variableSelected', scope: ORG, name: 'AZURE_CLIENT_ID' },
      { op: 'variable', scope: ORG, name: 'AZURE_CLIENT_ID', value: CLIENT_ID, access: { visibility: 'selected', repositories: ['web'] }, existing: true },
    ]);
    run.results.forEach(okValue);
    expect(okValue(run.results[2])).toEqual(['app', 'lib']);
    expect(emu.github.variable({ org: 'octo' }, 'AZURE_CLIENT_ID')).toMatchObject({ visibility: 'selected', repositories: ['web'] });
    expect(requests('GET', /^\/repos\/octo\/[a-z]+$/).map((e) => e.path).sort()).toEqual(['/repos/octo/app', '/repos/octo/lib', '/repos/octo/web']);
  });

  it('paces variable and secret writes together: one at a time, each started at least baseMs after the one before ended', async () => {
    emu.setLatency(120);
    const run = await runAdapter(
      emu,
      PAT,
      [
        {
          op: 'together',
          steps: [
            {
              op: 'writeAll',
              targets: [
                { scope: { ...REPO, service: 'actions' }, name: 'AZURE_CLIENT_SECRET', kind: 'secret' },
                { scope: { ...ENV, service: 'actions' }, name: 'AZURE_CLIENT_SECRET', kind: 'secret' },
              ],
              value: 'Sec~ret.value_0123456789',
            },
            { op: 'variablesAll', writes: [{ scope: REPO, name: 'AZURE_CLIENT_ID', value: CLIENT_ID }, { scope: ENV, name: 'AZURE_CLIENT_ID', value: CLIENT_ID }, { scope: ORG, name: 'AZURE_TENANT_ID', value: 't', access: { visibility: 'all', repositories: [] } }] },
          ],
        },
      ],
      { baseMs: 200 },
    );
    expect(okValue(run.results[0])).toEqual([['ok', 'ok'], ['created', 'created', 'created']]);
    const writes = emu.log.filter((e) => e.method !== 'GET').sort((a, b) => a.at - b.at);
    expect(writes.map((e) => e.method).sort()).toEqual(['POST', 'POST', 'POST', 'PUT', 'PUT']);
    for (let i = 1; i < writes.length; i++) expect(writes[i]!.at - writes[i - 1]!.doneAt!).toBeGreaterThanOrEqual(200 - 2);
  });

  it("waits out GitHub's secondary rate limit on a variable write, and logs it", async () => {
    emu.github.secondaryLimit({ max: 1, windowMs: 800, status: 403, signal: 'retry-after', retryAfterS: 1 });
    const run = await runAdapter(emu, PAT, [{ op: 'variablesAll', writes: ['ONE', 'TWO'].map((name) => ({ scope: REPO, name, value: name })) }]);
    expect(okValue(run.results[0])).toEqual(['created', 'created']);
    expect(run.log.map((l) => l.message).join('\n')).toMatch(/GitHub asked to wait 1 s \(secondary rate limit, HTTP 403, retry-after\) before creating variable (ONE|TWO) \(repository octo\/app\) \(wait 1 of at most 6\)/);
  });
});

describe('listing', () => {
  it('reads every page, 30 a page (GitHub lists variables at most 30 at a time)', async () => {
    for (let i = 0; i < 65; i++) emu.github.putVariable({ org: 'octo' }, `VAR_${String(i).padStart(2, '0')}`, `value ${i}`, undefined, { visibility: i % 2 === 0 ? 'all' : 'private', repositories: [] });
    const run = await runAdapter(emu, PAT, [{ op: 'variables', scope: ORG }]);
    const listed = okValue(run.results[0]) as Record<string, { value: string; visibility: string }>;
    expect(Object.keys(listed)).toHaveLength(65);
    expect(listed['VAR_64']).toMatchObject({ value: 'value 64', visibility: 'all' });
    expect(requests('GET', /^\/orgs\/octo\/actions\/variables\?/).map((e) => e.path)).toEqual([
      '/orgs/octo/actions/variables?per_page=30',
      '/orgs/octo/actions/variables?per_page=30&page=2',
      '/orgs/octo/actions/variables?per_page=30&page=3',
    ]);
  });

  it('refuses a scope of another service: variables exist only for Actions', async () => {
    const run = await runAdapter(emu, PAT, [{ op: 'variables', scope: { service: 'dependabot', owner: 'octo', repo: 'app' } }]);
    expect(errorOf(run.results[0])).toContain('internal: not a scope of variables: Dependabot, repository octo/app');
    expect(emu.log).toEqual([]);
  });
});

describe('errors', () => {
  it.each([
    { what: 'repository', scope: REPO, perms: { variables: 'read' as const }, needs: 'the repository permission "Variables: Read and write" on octo/app' },
    { what: 'environment', scope: ENV, perms: { environments: 'read' as const }, needs: 'the repository permission "Environments: Read and write" on octo/app' },
    { what: 'organisation', scope: ORG, perms: { orgVariables: 'none' as const }, needs: 'the organisation permission "Variables: Read and write" on octo' },
  ])('names the permission $what variables need, with the request id', async ({ scope, perms, needs }) => {
    emu.github.addToken('github_pat_limited', 'pat', perms);
    const access = scope.repo === undefined ? { access: { visibility: 'private' as const, repositories: [] } } : {};
    const run = await runAdapter(emu, 'github_pat_limited', [{ op: 'variable', scope, name: 'AZURE_CLIENT_ID', value: CLIENT_ID, ...access }]);
    const error = errorOf(run.results[0]);
    const requestId = emu.log.find((e) => e.method === 'POST')?.requestId;
    expect(error).toContain(`GitHub: failed creating variable AZURE_CLIENT_ID (`);
    expect(error).toContain(`(HTTP 403, request id ${requestId ?? '?'}): Resource not accessible by personal access token`);
    expect(error).toContain(`What to try: github-token is a personal access token without ${needs}`);
  });

  it('reads no selection of an organisation variable not shared with selected repositories (GitHub 409, an empty page to Octokit)', async () => {
    emu.github.putVariable({ org: 'octo' }, 'EVERYWHERE', 'v', undefined, { visibility: 'all', repositories: [] });
    const run = await runAdapter(emu, PAT, [{ op: 'variableSelected', scope: ORG, name: 'EVERYWHERE' }]);
    // Octokit's paginate answers a 409 with an empty page (it is GitHub's answer for an empty repository's commits).
    expect(okValue(run.results[0])).toEqual([]);
    expect(emu.log.map((e) => `${e.method} ${e.path.split('?')[0]} ${e.status}`)).toEqual(['GET /orgs/octo/actions/variables/EVERYWHERE/repositories 409']);
  });

  it("says the workflow's GITHUB_TOKEN cannot manage variables, and names a missing environment", async () => {
    emu.github.addToken('ghs_workflow_token', 'GITHUB_TOKEN');
    const refused = await runAdapter(emu, 'ghs_workflow_token', [{ op: 'variables', scope: REPO }]);
    expect(errorOf(refused.results[0])).toContain("github-token may not manage variables here. The workflow's GITHUB_TOKEN can never read or write variables");
    const missing = await runAdapter(emu, PAT, [{ op: 'variable', scope: { ...ENV, environment: 'staging' }, name: 'X', value: 'y', existing: true }]);
    const error = errorOf(missing.results[0]);
    expect(error).toContain("failed creating variable X (environment 'staging' of octo/app) (HTTP 404");
    expect(error).toContain("environment 'staging' does not exist in octo/app");
  });
});
