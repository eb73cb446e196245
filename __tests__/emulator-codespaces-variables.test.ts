/**
 * The emulator's Codespaces secrets and Actions variables, directly over HTTPS: each scope's own key, the
 * permissions GitHub names for each kind of token (fine-grained, classic, GitHub App, the workflow's GITHUB_TOKEN),
 * missing repositories and environments, and the machinery shared with secrets (rate limits, faults, the log, age).
 * The shapes are checked against GitHub's OpenAPI description in emulator-openapi.test.ts.
 */
import sodium from 'libsodium-wrappers';
import { startEmulator, type Emulator } from '../test/emulator/index.ts';
import { request, type HttpResponse } from '../test/emulator/https-client.ts';

type Json = Record<string, unknown>;
const PAT = 'github_pat_codespaces_variables';
let emu: Emulator;

beforeEach(async () => {
  await sodium.ready;
  emu = await startEmulator();
  emu.github.addOrg('octo');
  emu.github.addRepo('octo/app', ['production']);
  emu.github.addRepo('octo/lib');
  emu.github.addToken(PAT, 'pat');
});
afterEach(async () => {
  await emu.close();
});

function gh(token: string, method: string, path: string, body?: object): Promise<HttpResponse> {
  return request(`${emu.urls.github}${path}`, { method, headers: { authorization: `Bearer ${token}` }, ca: emu.caPem, ...(body === undefined ? {} : { body }) });
}

const json = (r: HttpResponse): Json => (r.json ?? {}) as Json;

async function sealFor(token: string, base: string, value: string): Promise<{ encrypted_value: string; key_id: string }> {
  const key = json(await gh(token, 'GET', `${base}/public-key`));
  const sealed = sodium.crypto_box_seal(sodium.from_string(value), sodium.from_base64(String(key['key']), sodium.base64_variants.ORIGINAL));
  return { encrypted_value: sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL), key_id: String(key['key_id']) };
}

describe('Codespaces secrets', () => {
  it('keeps each scope with its own key, apart from the Actions and Dependabot secrets of the same name', async () => {
    const bases = ['/repos/octo/app/codespaces/secrets', '/repos/octo/app/actions/secrets', '/repos/octo/app/dependabot/secrets', '/orgs/octo/codespaces/secrets', '/orgs/octo/actions/secrets'];
    const keys = await Promise.all(bases.map(async (b) => json(await gh(PAT, 'GET', `${b}/public-key`))['key']));
    expect(new Set(keys).size).toBe(bases.length);
    expect((await gh(PAT, 'PUT', '/repos/octo/app/codespaces/secrets/azure_client_secret', await sealFor(PAT, '/repos/octo/app/codespaces/secrets', 'for codespaces'))).status).toBe(201);
    const org = { ...(await sealFor(PAT, '/orgs/octo/codespaces/secrets', 'org codespaces')), visibility: 'selected', selected_repository_ids: [emu.github.repoId('octo/lib')] };
    expect((await gh(PAT, 'PUT', '/orgs/octo/codespaces/secrets/SHARED', org)).status).toBe(201);
    expect(emu.github.open({ repo: 'octo/app', codespaces: true }, 'AZURE_CLIENT_SECRET')).toBe('for codespaces');
    expect(emu.github.open({ repo: 'octo/app' }, 'AZURE_CLIENT_SECRET')).toBeUndefined();
    expect(emu.github.open({ repo: 'octo/app', dependabot: true }, 'AZURE_CLIENT_SECRET')).toBeUndefined();
    expect(emu.github.open({ org: 'octo', codespaces: true }, 'SHARED')).toBe('org codespaces');
    expect(emu.github.access('octo', 'SHARED', { codespaces: true })).toEqual({ visibility: 'selected', repositories: ['lib'] });
    expect(emu.github.secrets({ repo: 'octo/app', codespaces: true }).map((s) => s.name)).toEqual(['AZURE_CLIENT_SECRET']);
    // A value sealed for another scope's key is refused, as GitHub does.
    const foreign = await sealFor(PAT, '/repos/octo/app/actions/secrets', 'wrong key');
    expect((await gh(PAT, 'PUT', '/repos/octo/app/codespaces/secrets/FOREIGN', foreign)).status).toBe(422);
  });

  it('asks "Codespaces secrets" write even to list a repository\'s, and "Organization codespaces secrets" for an organization\'s', async () => {
    emu.github.addToken('github_pat_cs_read', 'pat', { codespacesSecrets: 'read', orgCodespacesSecrets: 'read' });
    const list = await gh('github_pat_cs_read', 'GET', '/repos/octo/app/codespaces/secrets');
    expect(list.status).toBe(403);
    expect(json(list)['message']).toBe('Resource not accessible by personal access token');
    expect(list.headers['x-accepted-github-permissions']).toBe('codespaces_secrets=write');
    expect((await gh('github_pat_cs_read', 'GET', '/orgs/octo/codespaces/secrets')).status).toBe(200);
    const orgPut = await gh('github_pat_cs_read', 'PUT', '/orgs/octo/codespaces/secrets/X', { ...(await sealFor(PAT, '/orgs/octo/codespaces/secrets', 'x')), visibility: 'all' });
    expect(orgPut.status).toBe(403);
    expect(orgPut.headers['x-accepted-github-permissions']).toBe('organization_codespaces_secrets=write');
    // The Actions permissions do not reach them, nor theirs the Actions secrets.
    emu.github.addToken('github_pat_actions_only', 'pat', { codespacesSecrets: 'none', orgCodespacesSecrets: 'none' });
    expect((await gh('github_pat_actions_only', 'GET', '/repos/octo/app/codespaces/secrets/public-key')).status).toBe(403);
    expect((await gh('github_pat_actions_only', 'GET', '/repos/octo/app/actions/secrets/public-key')).status).toBe(200);
    expect((await gh(PAT, 'GET', '/repos/octo/missing/codespaces/secrets')).status).toBe(404);
    expect((await gh(PAT, 'GET', '/orgs/nowhere/codespaces/secrets')).status).toBe(404);
  });
});

describe('tokens of every kind', () => {
  it('refuses a GitHub App installation token as an integration, naming the permission; the workflow token always', async () => {
    emu.github.addToken('ghs_installation', 'app', { variables: 'read', codespacesSecrets: 'none' }, 'the-app');
    emu.github.addToken('ghs_workflow', 'GITHUB_TOKEN');
    const post = await gh('ghs_installation', 'POST', '/repos/octo/app/actions/variables', { name: 'X', value: 'y' });
    expect(post.status).toBe(403);
    expect(json(post)['message']).toBe('Resource not accessible by integration');
    expect(post.headers['x-accepted-github-permissions']).toBe('actions_variables=write');
    expect((await gh('ghs_installation', 'GET', '/repos/octo/app/actions/variables')).status).toBe(200);
    expect((await gh('ghs_installation', 'GET', '/repos/octo/app/codespaces/secrets/public-key')).headers['x-accepted-github-permissions']).toBe('codespaces_secrets=write');
    expect(emu.log.filter((e) => e.principal === 'the-app')).toHaveLength(3);
    for (const path of ['/repos/octo/app/actions/variables', '/orgs/octo/codespaces/secrets']) {
      const r = await gh('ghs_workflow', 'GET', path);
      expect({ path, status: r.status, message: json(r)['message'] }).toEqual({ path, status: 403, message: 'Resource not accessible by integration' });
    }
  });

  it('shows a classic token its scopes and the one each route needs (repo, admin:org)', async () => {
    emu.github.addToken('ghp_classicScopesToken', 'pat');
    const repoVars = await gh('ghp_classicScopesToken', 'GET', '/repos/octo/app/actions/variables');
    expect(repoVars.headers['x-oauth-scopes']).toBe('repo, admin:org');
    expect(repoVars.headers['x-accepted-oauth-scopes']).toBe('repo');
    expect((await gh('ghp_classicScopesToken', 'GET', '/orgs/octo/codespaces/secrets')).headers['x-accepted-oauth-scopes']).toBe('admin:org');
    expect((await gh('ghp_classicScopesToken', 'GET', '/orgs/octo/actions/variables')).headers['x-accepted-oauth-scopes']).toBe('admin:org');
    expect((await gh(PAT, 'GET', '/orgs/octo/actions/variables')).headers['x-accepted-oauth-scopes']).toBeUndefined();
  });
});

describe('Actions variables', () => {
  it('needs "Variables" for a repository\'s, "Environments" for an environment\'s, the organization "Variables" for an organization\'s', async () => {
    emu.github.addToken('github_pat_vars_read', 'pat', { variables: 'read', environments: 'none', orgVariables: 'read' });
    const cases: Array<[string, string, object | undefined, string]> = [
      ['POST', '/repos/octo/app/actions/variables', { name: 'A', value: 'b' }, 'actions_variables=write'],
      ['GET', '/repos/octo/app/environments/production/variables', undefined, 'environments=read'],
      ['POST', '/orgs/octo/actions/variables', { name: 'A', value: 'b', visibility: 'all' }, 'organization_actions_variables=write'],
    ];
    for (const [method, path, body, needs] of cases) {
      const r = await gh('github_pat_vars_read', method, path, body);
      expect({ path, status: r.status, needs: r.headers['x-accepted-github-permissions'] }).toEqual({ path, status: 403, needs });
    }
    expect((await gh('github_pat_vars_read', 'GET', '/repos/octo/app/actions/variables')).status).toBe(200);
    expect((await gh('github_pat_vars_read', 'GET', '/orgs/octo/actions/variables')).status).toBe(200);
    expect((await gh(PAT, 'GET', '/repos/octo/app/environments/staging/variables')).status).toBe(404);
    expect((await gh(PAT, 'POST', '/repos/octo/gone/actions/variables', { name: 'A', value: 'b' })).status).toBe(404);
    expect(emu.github.variables({ repo: 'octo/app' })).toEqual([]);
  });

  it('keeps repository, environment and organization variables apart; names are case-insensitive; a PATCH may rename', async () => {
    expect((await gh(PAT, 'POST', '/repos/octo/app/actions/variables', { name: 'azure_client_id', value: 'repo-level' })).status).toBe(201);
    expect((await gh(PAT, 'POST', '/repos/octo/app/environments/PRODUCTION/variables', { name: 'AZURE_CLIENT_ID', value: 'env-level' })).status).toBe(201);
    expect((await gh(PAT, 'POST', '/orgs/octo/actions/variables', { name: 'AZURE_CLIENT_ID', value: 'org-level', visibility: 'private' })).status).toBe(201);
    expect(emu.github.variable({ repo: 'octo/app' }, 'Azure_Client_Id')).toMatchObject({ name: 'AZURE_CLIENT_ID', value: 'repo-level' });
    expect(emu.github.variable({ repo: 'octo/app', environment: 'production' }, 'AZURE_CLIENT_ID')?.value).toBe('env-level');
    expect(emu.github.variable({ org: 'octo' }, 'AZURE_CLIENT_ID')).toMatchObject({ value: 'org-level', visibility: 'private' });
    expect((await gh(PAT, 'PATCH', '/repos/octo/app/actions/variables/azure_client_id', { name: 'AZURE_APP_ID' })).status).toBe(204);
    expect(emu.github.variables({ repo: 'octo/app' }).map((v) => [v.name, v.value])).toEqual([['AZURE_APP_ID', 'repo-level']]);
    expect((await gh(PAT, 'PATCH', '/repos/octo/app/actions/variables/AZURE_CLIENT_ID', { value: 'x' })).status).toBe(404);
    expect((await gh(PAT, 'POST', '/repos/octo/app/actions/variables', { name: 'SECOND', value: 'y' })).status).toBe(201);
    expect((await gh(PAT, 'PATCH', '/repos/octo/app/actions/variables/SECOND', { name: 'azure_app_id' })).status).toBe(409);
  });

  it('counts creates and updates as content-creating requests; faults, holds and the log apply as to secrets; age moves their times', async () => {
    emu.github.secondaryLimit({ max: 1, windowMs: 60_000, status: 403, signal: 'retry-after' });
    expect((await gh(PAT, 'POST', '/repos/octo/app/actions/variables', { name: 'FIRST', value: '1' })).status).toBe(201);
    const limited = await gh(PAT, 'PATCH', '/repos/octo/app/actions/variables/FIRST', { value: '2' });
    expect(limited.status).toBe(403);
    expect(String(json(limited)['message'])).toMatch(/^You have exceeded a secondary rate limit/);
    expect(emu.github.variable({ repo: 'octo/app' }, 'FIRST')?.value).toBe('1');
    expect((await gh(PAT, 'GET', '/repos/octo/app/actions/variables/FIRST')).status).toBe(200);
    emu.github.secondaryLimit(undefined);

    // drop-after: created, the answer lost; the retry finds it taken (409), as a client that lost the answer would.
    const fault = emu.faults.add({ match: { service: 'github', method: 'POST' }, kind: 'drop-after' });
    await expect(gh(PAT, 'POST', '/repos/octo/app/actions/variables', { name: 'LOST', value: 'v' })).rejects.toThrow();
    expect(fault.fired).toBe(1);
    expect(emu.github.variable({ repo: 'octo/app' }, 'LOST')?.value).toBe('v');
    expect((await gh(PAT, 'POST', '/repos/octo/app/actions/variables', { name: 'LOST', value: 'v' })).status).toBe(409);
    expect(emu.log.filter((e) => e.path.startsWith('/repos/octo/app/actions/variables')).map((e) => `${e.method} ${e.status}`)).toEqual(['POST 201', 'PATCH 403', 'GET 200', 'POST 0', 'POST 409']);

    const before = emu.github.variable({ repo: 'octo/app' }, 'FIRST')!;
    emu.age(86_400_000);
    const after = emu.github.variable({ repo: 'octo/app' }, 'FIRST')!;
    expect(Date.parse(before.updated_at) - Date.parse(after.updated_at)).toBe(86_400_000);
    emu.github.putVariable({ org: 'octo' }, 'SEEDED', 'v', '2026-01-01T00:00:00Z', { visibility: 'selected', repositories: ['lib', 'app'] });
    expect(emu.github.variable({ org: 'octo' }, 'SEEDED')).toEqual({ name: 'SEEDED', value: 'v', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', visibility: 'selected', repositories: ['app', 'lib'] });
  });
});
