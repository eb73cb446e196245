/**
 * What two real clients need of the emulator (see __tests__/real-clients.test.ts), each checked directly over
 * HTTPS: GitHub's GHES paths (REST under /api/v3, the API root, GraphQL at /api/graphql), ARM tokens and the ARM
 * listings `az login` reads, instance discovery refusing hosts Entra does not know, and service principal passwords.
 */
import { randomUUID } from 'node:crypto';
import sodium from 'libsodium-wrappers';
import { startEmulator } from '../test/emulator/index.ts';
import type { Emulator } from '../test/emulator/index.ts';
import { request } from '../test/emulator/https-client.ts';
import type { HttpResponse } from '../test/emulator/https-client.ts';

type Json = Record<string, unknown>;
let emu: Emulator;
const PAT = 'github_pat_real_client_paths';
const CLASSIC = 'ghp_real_client_paths_classic';
const rotator: { clientId: string; secret: string } = { clientId: randomUUID(), secret: 'rcp1Q~real-client-paths-rotator-secret-00' };

beforeAll(async () => {
  await sodium.ready;
  emu = await startEmulator();
  emu.addRotator({ ...rotator, roles: ['Application.ReadWrite.All'] });
  emu.github.addOrg('octo');
  emu.github.addRepo('octo/app', ['Prod env']);
  emu.github.addRepo('octo/lib');
  emu.github.addToken(PAT, 'pat');
  emu.github.addToken(CLASSIC, 'pat', { orgSecrets: 'read' });
});

afterAll(async () => {
  await emu.close();
});

function gh(method: string, path: string, payload?: unknown, token = PAT): Promise<HttpResponse> {
  const opts: Parameters<typeof request>[1] = { method, headers: { authorization: `token ${token}` }, ca: emu.caPem };
  if (payload !== undefined) opts.body = payload as object;
  return request(`${emu.urls.github}${path}`, opts);
}

function seal(value: string, key: string): string {
  return sodium.to_base64(sodium.crypto_box_seal(sodium.from_string(value), sodium.from_base64(key, sodium.base64_variants.ORIGINAL)), sodium.base64_variants.ORIGINAL);
}

async function token(scope: string, clientId = rotator.clientId, secret = rotator.secret): Promise<HttpResponse> {
  return request(`${emu.urls.authority}/${emu.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, client_id: clientId, client_secret: secret }),
    ca: emu.caPem,
  });
}

describe('GitHub: the GHES prefix /api/v3', () => {
  test('every secrets route answers under /api/v3 as at the root, on the same state', async () => {
    const key = (await gh('GET', '/api/v3/orgs/octo/actions/secrets/public-key')).json as { key_id: string; key: string };
    const put = await gh('PUT', '/api/v3/orgs/octo/actions/secrets/PREFIXED', { encrypted_value: seal('v', key.key), key_id: key.key_id, visibility: 'selected', selected_repository_ids: [emu.github.repoId('octo/lib')] });
    expect(put.status).toBe(201);
    expect(emu.github.open({ org: 'octo' }, 'PREFIXED')).toBe('v');
    expect((await gh('GET', '/orgs/octo/actions/secrets/PREFIXED')).status).toBe(200);
    expect((await gh('GET', `/api/v3/repos/octo/app/environments/${encodeURIComponent('Prod env')}/secrets`)).status).toBe(200);
    expect((await gh('GET', '/api/v3/repos/octo/app')).status).toBe(200);
    expect((await gh('GET', '/api/v4/repos/octo/app')).status).toBe(404);
  });

  test('absolute URLs are under the API root the request came in on', async () => {
    const prefixed = (await gh('GET', '/api/v3/orgs/octo/actions/secrets/PREFIXED')).json as Json;
    expect(prefixed['selected_repositories_url']).toBe(`${emu.urls.github}/api/v3/orgs/octo/actions/secrets/PREFIXED/repositories`);
    const plain = (await gh('GET', '/orgs/octo/actions/secrets/PREFIXED')).json as Json;
    expect(plain['selected_repositories_url']).toBe(`${emu.urls.github}/orgs/octo/actions/secrets/PREFIXED/repositories`);
    const repo = (await gh('GET', '/api/v3/repos/octo/app')).json as Json;
    const urls = Object.entries(repo).filter(([k, v]) => k.endsWith('_url') && typeof v === 'string' && !String(v).startsWith('https://github.com') && !String(v).startsWith('https://avatars'));
    expect(urls.length).toBeGreaterThan(10);
    for (const [, v] of urls) expect(String(v).startsWith(`${emu.urls.github}/api/v3/`)).toBe(true);
    expect(repo['url']).toBe(`${emu.urls.github}/api/v3/repos/octo/app`);
    const owner = repo['owner'] as Json;
    expect(owner['repos_url']).toBe(`${emu.urls.github}/api/v3/users/octo/repos`);

    for (let i = 0; i < 3; i += 1) emu.github.putPlain({ repo: 'octo/app' }, `PAGED_${i}`, 'x');
    const page = await gh('GET', '/api/v3/repos/octo/app/actions/secrets?per_page=1');
    const links = String(page.headers['link']).split(', ');
    expect(links.length).toBeGreaterThan(1);
    for (const l of links) expect(l.startsWith(`<${emu.urls.github}/api/v3/repos/octo/app/actions/secrets?`)).toBe(true);
  });

  test('GET /api/v3/ is the API root; a classic token gets x-oauth-scopes, a fine-grained one none', async () => {
    const classic = await gh('GET', '/api/v3/', undefined, CLASSIC);
    expect(classic.status).toBe(200);
    expect((classic.json as Json)['current_user_url']).toBe(`${emu.urls.github}/api/v3/user`);
    expect(classic.headers['x-oauth-scopes']).toBe('repo');
    const fine = await gh('GET', '/api/v3/');
    expect(fine.status).toBe(200);
    expect(fine.headers['x-oauth-scopes']).toBeUndefined();
    expect(((await gh('GET', '/')).json as Json)['repository_url']).toBe(`${emu.urls.github}/repos/{owner}/{repo}`);
    expect((await gh('GET', '/api/v3/', undefined, 'ghp_unknown')).status).toBe(401);
  });
});

describe('GitHub: GraphQL at /api/graphql', () => {
  const graphql = (query: string, variables?: Json, token = PAT): Promise<HttpResponse> => gh('POST', '/api/graphql', variables === undefined ? { query } : { query, variables }, token);

  test('repository(owner:, name:) { databaseId }, aliased literals and variables', async () => {
    const r = await graphql('query MapRepositoryNames { repo_000: repository(owner: "octo", name: "app") { databaseId } repo_001: repository(owner: "octo", name: "lib") { databaseId } }');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ data: { repo_000: { databaseId: emu.github.repoId('octo/app') }, repo_001: { databaseId: emu.github.repoId('octo/lib') } } });
    const v = await graphql('query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { databaseId } }', { owner: 'octo', name: 'lib' });
    expect(v.json).toEqual({ data: { repository: { databaseId: emu.github.repoId('octo/lib') } } });
    expect(((await gh('POST', '/graphql', { query: '{ viewer { login } }' })).json as Json)['data']).toEqual({ viewer: { login: 'pat-1' } });
  });

  test('a missing repository is null with a NOT_FOUND error; an unknown query is a GraphQL error, not a crash', async () => {
    const missing = await graphql('{ r: repository(owner: "octo", name: "nope") { databaseId } }');
    expect(missing.status).toBe(200);
    expect(missing.json).toMatchObject({ data: { r: null }, errors: [{ type: 'NOT_FOUND', path: ['r'] }] });
    const unknown = await graphql('{ organization(login: "octo") { id } }');
    expect(unknown.status).toBe(200);
    expect((unknown.json as Json)['errors']).toEqual([expect.objectContaining({ message: expect.any(String) as unknown })]);
    expect((unknown.json as Json)['data']).toBeUndefined();
    expect((await gh('POST', '/api/graphql', 'not json')).status).toBe(400);
    expect((await graphql('{ viewer { login } }', undefined, 'ghp_unknown')).status).toBe(401);
  });
});

describe('Entra and ARM for the Azure CLI', () => {
  test('ARM tokens in both scope forms; ARM lists no subscriptions and no tenants; each token only for its resource', async () => {
    for (const scope of ['https://management.core.windows.net//.default', 'https://management.azure.com/.default']) {
      const r = await token(scope);
      expect(r.status).toBe(200);
      const arm = String((r.json as Json)['access_token']);
      for (const path of ['/subscriptions?api-version=2019-11-01', '/tenants?api-version=2022-12-01']) {
        const listed = await request(`${emu.urls.graph}${path}`, { headers: { authorization: `Bearer ${arm}` }, ca: emu.caPem });
        expect([listed.status, listed.json]).toEqual([200, { value: [] }]);
      }
      const onGraph = await request(`${emu.urls.graph}/v1.0/applications`, { headers: { authorization: `Bearer ${arm}` }, ca: emu.caPem });
      expect(onGraph.status).toBe(401);
    }
    const graphToken = String(((await token(`${emu.urls.graph}/.default`)).json as Json)['access_token']);
    const wrong = await request(`${emu.urls.graph}/subscriptions?api-version=2019-11-01`, { headers: { authorization: `Bearer ${graphToken}` }, ca: emu.caPem });
    expect([wrong.status, (wrong.json as { error: Json }).error['code']]).toEqual([401, 'InvalidAuthenticationToken']);
  });

  test('instance discovery answers for the hosts the emulator serves and refuses others as Entra does', async () => {
    const disco = (endpoint: string): Promise<HttpResponse> =>
      request(`${emu.urls.authority}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(endpoint)}`, { ca: emu.caPem });
    for (const host of [new URL(emu.urls.authority).host, '127.0.0.1', 'login.microsoftonline.com']) {
      const ok = await disco(`https://${host}/${emu.tenantId}/oauth2/v2.0/authorize`);
      expect(ok.status).toBe(200);
      expect((ok.json as Json)['tenant_discovery_endpoint']).toBe(`${emu.urls.authority}/${emu.tenantId}/v2.0/.well-known/openid-configuration`);
    }
    const refused = await disco(`https://login.example.test/${emu.tenantId}/oauth2/v2.0/authorize`);
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ error: 'invalid_instance', error_codes: [50049] });
    expect(String((refused.json as Json)['error_description'])).toMatch(/^AADSTS50049: Unknown or invalid instance\./);
  });

  test('a service principal\'s own password: addPassword, listed without its text, signs in, removePassword', async () => {
    const graphToken = String(((await token(`${emu.urls.graph}/.default`)).json as Json)['access_token']);
    const call = (method: string, path: string, payload?: object): Promise<HttpResponse> => {
      const opts: Parameters<typeof request>[1] = { method, headers: { authorization: `Bearer ${graphToken}` }, ca: emu.caPem };
      if (payload !== undefined) opts.body = payload;
      return request(`${emu.urls.graph}/v1.0${path}`, opts);
    };
    const app = emu.seedApp({ displayName: 'sp-password' });
    const sp = emu.graph.servicePrincipals.find((s) => s.appId === app.appId);
    const added = await call('POST', `/servicePrincipals/${sp?.id ?? ''}/addPassword`, { passwordCredential: { displayName: 'cli' } });
    expect(added.status).toBe(200);
    const { keyId, secretText } = added.json as { keyId: string; secretText: string };
    expect(sp?.passwordCredentials?.map((p) => p.secretText)).toEqual([secretText]);
    expect(((await call('GET', `/servicePrincipals/${sp?.id ?? ''}`)).json as { passwordCredentials: Json[] }).passwordCredentials).toEqual([expect.objectContaining({ keyId, secretText: null, displayName: 'cli' })]);
    expect((await token(`${emu.urls.graph}/.default`, app.appId, secretText)).status).toBe(200);
    expect((await call('POST', `/servicePrincipals/${sp?.id ?? ''}/removePassword`, { keyId })).status).toBe(204);
    expect(sp?.passwordCredentials).toEqual([]);
    expect((await call('POST', `/servicePrincipals/${sp?.id ?? ''}/nothing`)).status).toBe(400);
  });
});
