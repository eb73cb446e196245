import { createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type JsonWebKey } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import sodium from 'libsodium-wrappers';
import { emulatorEnv, startEmulator } from '../test/emulator/index.ts';
import type { Emulator, ParkedRequest } from '../test/emulator/index.ts';
import { http2Client, keepAliveAgent, request } from '../test/emulator/https-client.ts';
import type { Http2Client } from '../test/emulator/https-client.ts';
import type { HttpResponse } from '../test/emulator/https-client.ts';

const SECRET_RE = /^[A-Za-z0-9]{3}[0-9]Q~[A-Za-z0-9~._-]{34}$/;
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const OWNED_BY_ROLE_ID = '18a4783c-866b-4cc7-a460-3d5e5662c884';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let emu: Emulator;
const owned = { clientId: randomUUID(), secret: 'own1Q~ownedby-rotator-secret.value_0000000' };
const all = { clientId: randomUUID(), secret: 'all2Q~readwrite-all-rotator-secret.value_00' };
const none = { clientId: randomUUID(), secret: 'non3Q~no-roles-rotator-secret.value_000000' };
const federated = { clientId: randomUUID(), subject: 'repo:octo/app:environment:Prod env' };
const PAT = 'github_pat_emulator_test_write';
const PAT_READ = 'github_pat_emulator_test_read';
const GITHUB_TOKEN = 'ghs_emulator_test_workflow_token';

function body(r: HttpResponse): Json {
  return (r.json ?? {});
}

function decodePayload(jwt: string): Json {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Json;
}

async function tokenRequest(form: Record<string, string>): Promise<HttpResponse> {
  return request(`${emu.urls.authority}/${emu.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: `${emu.urls.graph}/.default`, ...form }),
    ca: emu.caPem,
  });
}

async function tokenFor(clientId: string, secret: string): Promise<string> {
  const r = await tokenRequest({ client_id: clientId, client_secret: secret });
  expect(r.status).toBe(200);
  return String(body(r)['access_token']);
}

async function idToken(audience = 'api://AzureADTokenExchange'): Promise<string> {
  const r = await request(`${emu.urls.idTokenRequestUrl}&audience=${encodeURIComponent(audience)}`, {
    headers: { authorization: `Bearer ${emu.idTokenRequestToken}` },
    ca: emu.caPem,
  });
  expect(r.status).toBe(200);
  return String(body(r)['value']);
}

function graph(token: string, method: string, path: string, payload?: object, headers: Record<string, string> = {}): Promise<HttpResponse> {
  const url = path.startsWith('https://') ? path : `${emu.urls.graph}/v1.0${path}`;
  const opts: Parameters<typeof request>[1] = { method, headers: { authorization: `Bearer ${token}`, ...headers }, ca: emu.caPem };
  if (payload !== undefined) opts.body = payload;
  return request(url, opts);
}

function gh(token: string, method: string, path: string, payload?: object): Promise<HttpResponse> {
  const opts: Parameters<typeof request>[1] = {
    method,
    headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
    ca: emu.caPem,
  };
  if (payload !== undefined) opts.body = payload;
  return request(`${emu.urls.github}${path}`, opts);
}

function seal(value: string, publicKey: string): string {
  const sealed = sodium.crypto_box_seal(sodium.from_string(value), sodium.from_base64(publicKey, sodium.base64_variants.ORIGINAL));
  return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
}

let ownedToken: string;
let allToken: string;

beforeAll(async () => {
  await sodium.ready;
  emu = await startEmulator({ pageSize: 2 });
  emu.addRotator({ clientId: owned.clientId, secret: owned.secret });
  emu.addRotator({ clientId: all.clientId, secret: all.secret, roles: ['Application.ReadWrite.All'] });
  emu.addRotator({ clientId: none.clientId, secret: none.secret, roles: [] });
  emu.addRotator({ clientId: federated.clientId, federatedSubject: federated.subject });
  emu.github.addRepo('octo/app', ['Prod env', 'staging']);
  emu.github.addToken(PAT, 'pat');
  emu.github.addToken(PAT_READ, 'pat', { secrets: 'read', environments: 'none' });
  emu.github.addToken(GITHUB_TOKEN, 'GITHUB_TOKEN');
  ownedToken = await tokenFor(owned.clientId, owned.secret);
  allToken = await tokenFor(all.clientId, all.secret);
});

afterAll(async () => {
  await emu.close();
});

beforeEach(() => {
  emu.faults.clear();
  emu.faults.secretPropagationMs = 0;
  emu.policy = {};
  emu.oidcSubject = 'repo:octo/app:ref:refs/heads/main';
  emu.setLatency(0);
});

describe('Entra token endpoint', () => {
  test('serves OpenID configuration on the same origin, and rejects unknown tenants', async () => {
    const r = await request(`${emu.urls.authority}/${emu.tenantId}/v2.0/.well-known/openid-configuration`, { ca: emu.caPem });
    expect(r.status).toBe(200);
    expect(body(r)).toMatchObject({
      issuer: `${emu.urls.authority}/${emu.tenantId}/v2.0`,
      token_endpoint: `${emu.urls.authority}/${emu.tenantId}/oauth2/v2.0/token`,
      authorization_endpoint: `${emu.urls.authority}/${emu.tenantId}/oauth2/v2.0/authorize`,
    });
    const other = randomUUID();
    const bad = await request(`${emu.urls.authority}/${other}/v2.0/.well-known/openid-configuration`, { ca: emu.caPem });
    expect(bad.status).toBe(400);
    expect(body(bad)['error_codes']).toEqual([90002]);
    const disco = await request(`${emu.urls.authority}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${emu.urls.authority}/${emu.tenantId}/oauth2/v2.0/authorize`)}`, { ca: emu.caPem });
    expect(body(disco)['tenant_discovery_endpoint']).toBe(`${emu.urls.authority}/${emu.tenantId}/v2.0/.well-known/openid-configuration`);
  });

  test('issues a token for a good secret and answers AADSTS7000215 for a bad one', async () => {
    const ok = await tokenRequest({ client_id: owned.clientId, client_secret: owned.secret });
    expect(ok.status).toBe(200);
    expect(body(ok)).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
    const at = String(body(ok)['access_token']);
    expect(at.split('.')).toHaveLength(3);
    expect(decodePayload(at)).toMatchObject({ aud: emu.urls.graph, appid: owned.clientId, tid: emu.tenantId, roles: ['Application.ReadWrite.OwnedBy'] });

    const bad = await tokenRequest({ client_id: owned.clientId, client_secret: 'wrong' });
    expect(bad.status).toBe(401);
    const b = body(bad);
    expect(b['error']).toBe('invalid_client');
    expect(b['error_codes']).toEqual([7000215]);
    expect(String(b['error_description'])).toMatch(/^AADSTS7000215: Invalid client secret provided/);
    expect(b['trace_id']).toBe(bad.headers['x-ms-request-id']);
    expect(typeof b['correlation_id']).toBe('string');
  });

  test('validates grant, scope, client and resource like Entra', async () => {
    const noDefault = await tokenRequest({ client_id: owned.clientId, client_secret: owned.secret, scope: `${emu.urls.graph}/Application.ReadWrite.All` });
    expect(noDefault.status).toBe(400);
    expect(body(noDefault)).toMatchObject({ error: 'invalid_scope', error_codes: [1002012] });
    const unknownClient = await tokenRequest({ client_id: randomUUID(), client_secret: 'x' });
    expect(body(unknownClient)).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
    const noCred = await tokenRequest({ client_id: owned.clientId });
    expect(body(noCred)).toMatchObject({ error: 'invalid_client', error_codes: [7000218] });
    const badResource = await tokenRequest({ client_id: owned.clientId, client_secret: owned.secret, scope: 'https://nowhere.example/.default' });
    expect(body(badResource)).toMatchObject({ error: 'invalid_resource', error_codes: [500011] });
    const otherTenant = await request(`${emu.urls.authority}/${randomUUID()}/oauth2/v2.0/token`, {
      method: 'POST', ca: emu.caPem, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: owned.clientId, client_secret: owned.secret, scope: `${emu.urls.graph}/.default` }),
    });
    expect(body(otherTenant)['error_codes']).toEqual([90002]);
  });
});

describe('GitHub OIDC and federated client assertions', () => {
  test('ID token endpoint needs the request token and issues an RS256 JWT', async () => {
    const denied = await request(`${emu.urls.idTokenRequestUrl}&audience=x`, { ca: emu.caPem, headers: { authorization: 'Bearer nope' } });
    expect(denied.status).toBe(401);

    const jwt = await idToken();
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Json;
    const claims = decodePayload(jwt);
    expect(header['alg']).toBe('RS256');
    expect(claims).toMatchObject({ iss: 'https://token.actions.githubusercontent.com', sub: 'repo:octo/app:ref:refs/heads/main', aud: 'api://AzureADTokenExchange', repository: 'octo/app' });
    expect(Number(claims['exp']) - Number(claims['iat'])).toBe(300);
    const jwks = await request(`${new URL(emu.urls.idTokenRequestUrl).origin}/.well-known/jwks`, { ca: emu.caPem });
    const jwk = (body(jwks)['keys'] as Json[]).find((k) => k['kid'] === header['kid']);
    expect(jwk).toBeDefined();
    const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    expect(verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))).toBe(true);
  });

  test('exchanges a GitHub ID token for an access token when the subject matches', async () => {
    emu.oidcSubject = federated.subject;
    const assertion = await idToken();
    const r = await tokenRequest({
      client_id: federated.clientId,
      client_assertion: assertion,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    });
    expect(r.status).toBe(200);
    expect(decodePayload(String(body(r)['access_token']))['appid']).toBe(federated.clientId);
  });

  test('refuses assertions with another subject, audience or signer', async () => {
    const type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
    emu.oidcSubject = 'repo:octo/app:ref:refs/heads/feature';
    const wrongSub = await tokenRequest({ client_id: federated.clientId, client_assertion: await idToken(), client_assertion_type: type });
    expect(wrongSub.status).toBe(401);
    expect(String(body(wrongSub)['error_description'])).toMatch(/^AADSTS70021\d*: No matching federated identity record/);

    emu.oidcSubject = federated.subject;
    const wrongAud = await tokenRequest({ client_id: federated.clientId, client_assertion: await idToken('https://github.com/octo'), client_assertion_type: type });
    expect(body(wrongAud)['error_codes']).toEqual([700212]);

    // Same claims, signed by a key the issuer does not publish.
    const good = await idToken();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const [h, p] = good.split('.') as [string, string];
    const forged = `${h}.${p}.${sign('sha256', Buffer.from(`${h}.${p}`), privateKey).toString('base64url')}`;
    const r = await tokenRequest({ client_id: federated.clientId, client_assertion: forged, client_assertion_type: type });
    expect(r.status).toBe(401);
    expect(body(r)['error_codes']).toEqual([700027]);

    const expired = await tokenRequest({ client_id: federated.clientId, client_assertion: 'not-a-jwt', client_assertion_type: type });
    expect(body(expired)['error_codes']).toEqual([50027]);
  });
});

describe('Microsoft Graph', () => {
  test('requires a Graph token and answers errors in Graph shape with request ids', async () => {
    const r = await request(`${emu.urls.graph}/v1.0/applications`, { ca: emu.caPem, headers: { 'client-request-id': 'my-client-id' } });
    expect(r.status).toBe(401);
    const e = body(r)['error'] as Json;
    expect(e['code']).toBe('InvalidAuthenticationToken');
    expect(e['innerError']).toMatchObject({ 'request-id': r.headers['request-id'], 'client-request-id': 'my-client-id' });
    expect(r.headers['client-request-id']).toBe('my-client-id');

    const tok = await tokenRequest({ client_id: owned.clientId, client_secret: owned.secret, scope: 'https://graph.microsoft.com/.default' });
    const wrongAudience = await graph(String(body(tok)['access_token']), 'GET', '/applications');
    expect(wrongAudience.status).toBe(401);

    const noRoles = await graph(await tokenFor(none.clientId, none.secret), 'GET', '/applications');
    expect(noRoles.status).toBe(403);
    expect((body(noRoles)['error'] as Json)['code']).toBe('Authorization_RequestDenied');
  });

  test('creates, lists with a doubled quote in $filter, selects and pages applications', async () => {
    const created = await graph(ownedToken, 'POST', '/applications', { displayName: "O'Brien app", signInAudience: 'AzureADMyOrg' });
    expect(created.status).toBe(201);
    const app = body(created);
    expect(created.headers['location']).toContain(String(app['id']));
    expect(app).toMatchObject({ displayName: "O'Brien app", signInAudience: 'AzureADMyOrg', passwordCredentials: [] });
    expect(emu.graph.apps.find((a) => a.id === app['id'])?.owners).toEqual([owned.clientId]);

    const filter = encodeURIComponent("displayName eq 'O''Brien app'");
    const list = await graph(ownedToken, 'GET', `/applications?$filter=${filter}&$select=appId,displayName`);
    expect(list.status).toBe(200);
    expect(body(list)['value']).toEqual([{ appId: app['appId'], displayName: "O'Brien app" }]);
    expect(String(body(list)['@odata.context'])).toMatch(/\$metadata#applications\(appId,displayName\)$/);

    const byAppId = await graph(ownedToken, 'GET', `/applications(appId='${String(app['appId'])}')?$select=id`);
    expect(body(byAppId)).toMatchObject({ id: app['id'] });
    expect(await graph(ownedToken, 'GET', `/applications/${randomUUID()}`).then((r) => [r.status, (body(r)['error'] as Json)['code']])).toEqual([404, 'Request_ResourceNotFound']);

    for (const n of [1, 2, 3]) expect((await graph(ownedToken, 'POST', '/applications', { displayName: `paged-${n}`, signInAudience: 'AzureADMyOrg' })).status).toBe(201);
    const seen: string[] = [];
    let next: string | undefined = `/applications?$filter=${encodeURIComponent("startswith(displayName,'paged-')")}`;
    let pages = 0;
    while (next) {
      const page = await graph(ownedToken, 'GET', next);
      expect(page.status).toBe(200);
      seen.push(...(body(page)['value'] as Json[]).map((a) => String(a['displayName'])));
      next = body(page)['@odata.nextLink'] as string | undefined;
      pages++;
    }
    expect(pages).toBe(2); // pageSize 2
    expect(seen.sort()).toEqual(['paged-1', 'paged-2', 'paged-3']);

    const unsupported = await graph(ownedToken, 'GET', `/applications?$filter=${encodeURIComponent("notes eq 'x'")}`);
    expect(unsupported.status).toBe(400);
    expect((body(unsupported)['error'] as Json)['code']).toBe('Request_UnsupportedQuery');
  });

  test('validates application bodies: unknown property, passwordCredentials, signInAudience', async () => {
    const unknown = await graph(ownedToken, 'POST', '/applications', { displayName: 'x', foo: 1 });
    expect(unknown.status).toBe(400);
    expect(body(unknown)['error']).toMatchObject({ code: 'Request_BadRequest' });
    expect(String((body(unknown)['error'] as Json)['message'])).toContain("'foo'");

    const app = body(await graph(ownedToken, 'POST', '/applications', { displayName: 'validated', signInAudience: 'AzureADMyOrg' }));
    const withSecret = await graph(ownedToken, 'PATCH', `/applications/${String(app['id'])}`, { passwordCredentials: [{ displayName: 'x' }] });
    expect(withSecret.status).toBe(400);
    const badAudience = await graph(ownedToken, 'PATCH', `/applications/${String(app['id'])}`, { signInAudience: 'Everyone' });
    expect(badAudience.status).toBe(400);
    const ok = await graph(ownedToken, 'PATCH', `/applications/${String(app['id'])}`, {
      web: { redirectUris: ['https://example.com/cb'] },
      requiredResourceAccess: [{ resourceAppId: GRAPH_APP_ID, resourceAccess: [{ id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', type: 'Scope' }] }],
    });
    expect(ok.status).toBe(204);
    const after = body(await graph(ownedToken, 'GET', `/applications/${String(app['id'])}`));
    expect(after['web']).toMatchObject({ redirectUris: ['https://example.com/cb'], implicitGrantSettings: { enableIdTokenIssuance: false } });
  });

  test('addPassword answers 200 with a secret once; reads show only the hint; removePassword', async () => {
    const app = body(await graph(ownedToken, 'POST', '/applications', { displayName: 'with-secret', signInAudience: 'AzureADMyOrg' }));
    const id = String(app['id']);
    const r = await graph(ownedToken, 'POST', `/applications/${id}/addPassword`, { passwordCredential: { displayName: 'rotated' } });
    expect(r.status).toBe(200);
    const pw = body(r);
    expect(Object.keys(pw).sort()).toEqual(['@odata.context', 'customKeyIdentifier', 'displayName', 'endDateTime', 'hint', 'keyId', 'secretText', 'startDateTime']);
    const secretText = String(pw['secretText']);
    expect(secretText).toMatch(SECRET_RE);
    expect(pw['hint']).toBe(secretText.slice(0, 3));
    const years = (Date.parse(String(pw['endDateTime'])) - Date.parse(String(pw['startDateTime']))) / (365.25 * 24 * 3600 * 1000);
    expect(years).toBeCloseTo(2, 1);
    expect(emu.handedOut()).toContain(secretText);

    const read = body(await graph(ownedToken, 'GET', `/applications/${id}`));
    expect(read['passwordCredentials']).toEqual([expect.objectContaining({ keyId: pw['keyId'], hint: pw['hint'], secretText: null, displayName: 'rotated' })]);
    expect(JSON.stringify(read)).not.toContain(secretText);

    // Signing in with the new secret needs the app's service principal.
    const noSp = await tokenRequest({ client_id: String(app['appId']), client_secret: secretText });
    expect(body(noSp)['error_codes']).toEqual([7000229]);
    expect((await graph(ownedToken, 'POST', '/servicePrincipals', { appId: app['appId'] })).status).toBe(201);
    expect((await tokenRequest({ client_id: String(app['appId']), client_secret: secretText })).status).toBe(200);

    const unknownKey = await graph(ownedToken, 'POST', `/applications/${id}/removePassword`, { keyId: randomUUID() });
    expect(unknownKey.status).toBe(400);
    expect((await graph(ownedToken, 'POST', `/applications(appId='${String(app['appId'])}')/removePassword`, { keyId: pw['keyId'] })).status).toBe(204);
    expect(emu.graph.apps.find((a) => a.id === id)?.passwordCredentials).toEqual([]);
    expect((await tokenRequest({ client_id: String(app['appId']), client_secret: secretText })).status).toBe(401);
  });

  test('secret propagation delay, lifetime policy and the two-password limit for personal accounts', async () => {
    const seeded = emu.seedApp({ displayName: 'propagation', ownedBy: [owned.clientId] });
    emu.faults.secretPropagationMs = 60_000;
    const pw = body(await graph(ownedToken, 'POST', `/applications/${seeded.id}/addPassword`, {}));
    const early = await tokenRequest({ client_id: seeded.appId, client_secret: String(pw['secretText']) });
    expect(early.status).toBe(401);
    expect(body(early)['error_codes']).toEqual([7000215]);
    emu.faults.secretPropagationMs = 0;
    expect((await tokenRequest({ client_id: seeded.appId, client_secret: String(pw['secretText']) })).status).toBe(200);

    emu.policy.maxLifetimeDays = 90;
    const tooLong = await graph(ownedToken, 'POST', `/applications/${seeded.id}/addPassword`, { passwordCredential: { endDateTime: new Date(Date.now() + 200 * 86400_000).toISOString() } });
    expect(tooLong.status).toBe(400);
    expect((body(tooLong)['error'] as Json)['code']).toBe('CredentialInvalidLifetimeAsPerAppPolicy');
    const past = await graph(ownedToken, 'POST', `/applications/${seeded.id}/addPassword`, { passwordCredential: { endDateTime: '2020-01-01T00:00:00Z' } });
    expect(past.status).toBe(400);

    emu.policy = {}; // a 2-year default would exceed the 90-day policy
    const personal = emu.seedApp({ displayName: 'personal', signInAudience: 'AzureADandPersonalMicrosoftAccount', ownedBy: [owned.clientId] });
    for (let i = 0; i < 2; i++) expect((await graph(ownedToken, 'POST', `/applications/${personal.id}/addPassword`, {})).status).toBe(200);
    const third = await graph(ownedToken, 'POST', `/applications/${personal.id}/addPassword`, {});
    expect(third.status).toBe(400);
    expect((body(third)['error'] as Json)['code']).toBe('TooManyAppPasswords');
  });

  test('Application.ReadWrite.OwnedBy cannot manage apps it does not own', async () => {
    const foreign = emu.seedApp({ displayName: 'not mine', ownedBy: [] });
    const denied = await graph(ownedToken, 'POST', `/applications/${foreign.id}/addPassword`, {});
    expect(denied.status).toBe(403);
    expect(body(denied)['error']).toMatchObject({ code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
    expect((await graph(ownedToken, 'PATCH', `/applications/${foreign.id}`, { notes: 'x' })).status).toBe(403);
    // As in Graph, OwnedBy may read every app ...
    expect((await graph(ownedToken, 'GET', `/applications/${foreign.id}`)).status).toBe(200);
    // ... unless the emulator is told otherwise.
    emu.policy.ownedByCanReadAll = false;
    expect((await graph(ownedToken, 'GET', `/applications/${foreign.id}`)).status).toBe(403);
    const list = await graph(ownedToken, 'GET', `/applications?$filter=${encodeURIComponent("displayName eq 'not mine'")}`);
    expect(body(list)['value']).toEqual([]);
    // Application.ReadWrite.All manages any app.
    expect((await graph(allToken, 'POST', `/applications/${foreign.id}/addPassword`, {})).status).toBe(200);
  });

  test('replication lag: 404 on the new app, NoBackingApplicationObject for its service principal', async () => {
    emu.faults.replicationLag(2);
    const app = body(await graph(ownedToken, 'POST', '/applications', { displayName: 'laggy', signInAudience: 'AzureADMyOrg' }));
    const first = await graph(ownedToken, 'GET', `/applications/${String(app['id'])}`);
    expect(first.status).toBe(404);
    expect((body(first)['error'] as Json)['code']).toBe('Request_ResourceNotFound');
    expect((await graph(ownedToken, 'POST', `/applications(appId='${String(app['appId'])}')/addPassword`, {})).status).toBe(404);
    expect((await graph(ownedToken, 'POST', `/applications/${String(app['id'])}/addPassword`, {})).status).toBe(200);

    const sp1 = await graph(ownedToken, 'POST', '/servicePrincipals', { appId: app['appId'] });
    expect(sp1.status).toBe(400);
    expect(body(sp1)['error']).toMatchObject({ code: 'Request_BadRequest', details: [expect.objectContaining({ code: 'NoBackingApplicationObject' })] });
    expect((await graph(ownedToken, 'POST', '/servicePrincipals', { appId: app['appId'] })).status).toBe(400);
    expect((await graph(ownedToken, 'POST', '/servicePrincipals', { appId: app['appId'] })).status).toBe(201);
    expect((await graph(ownedToken, 'POST', '/servicePrincipals', { appId: app['appId'] })).status).toBe(409);
  });

  test('upsert by uniqueName, owners, and query validation', async () => {
    const path = `/applications(uniqueName='rotator-upsert')`;
    expect((await graph(allToken, 'PATCH', path, { displayName: 'upserted', signInAudience: 'AzureADMyOrg' })).status).toBe(404);
    const created = await graph(allToken, 'PATCH', path, { displayName: 'upserted', signInAudience: 'AzureADMyOrg' }, { prefer: 'create-if-missing' });
    expect(created.status).toBe(201);
    expect(body(created)).toMatchObject({ uniqueName: 'rotator-upsert', displayName: 'upserted' });
    expect((await graph(allToken, 'PATCH', path, { notes: 'again' }, { prefer: 'create-if-missing' })).status).toBe(204);
    const id = String(body(created)['id']);
    const ref = { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${owned.clientId}` };
    expect((await graph(ownedToken, 'POST', `/applications/${id}/owners/$ref`, ref)).status).toBe(403);
    expect((await graph(allToken, 'POST', `/applications/${id}/owners/$ref`, ref)).status).toBe(204);
    expect((await graph(allToken, 'POST', `/applications/${id}/owners/$ref`, ref)).status).toBe(400);
    const owners = body(await graph(ownedToken, 'GET', `/applications/${id}/owners`));
    expect(owners['value']).toEqual([expect.objectContaining({ '@odata.type': '#microsoft.graph.servicePrincipal', appId: owned.clientId })]);
    expect((await graph(ownedToken, 'PATCH', `/applications/${id}`, { notes: 'now mine' })).status).toBe(204);

    expect((await graph(ownedToken, 'GET', '/applications?$top=1000')).status).toBe(400);
    expect((await graph(ownedToken, 'GET', '/applications?$select=nope')).status).toBe(400);
    expect((await graph(ownedToken, 'GET', '/applications?$count=true')).status).toBe(400);
    const counted = await graph(ownedToken, 'GET', '/applications?$count=true&$top=1', undefined, { consistencylevel: 'eventual' });
    expect(body(counted)['@odata.count']).toBe(emu.graph.apps.length);
    expect((await graph(ownedToken, 'GET', `/applications/not-a-guid`)).status).toBe(400);
    const beta = await graph(ownedToken, 'GET', `${emu.urls.graph}/beta/applications`);
    expect([beta.status, (body(beta)['error'] as Json)['message']]).toEqual([400, 'Invalid version: beta']);
  });

  test('resource service principals expose permission ids', async () => {
    const r = await graph(ownedToken, 'GET', `/servicePrincipals(appId='${GRAPH_APP_ID}')?$select=appRoles,oauth2PermissionScopes`);
    expect(r.status).toBe(200);
    expect(body(r)['appRoles']).toEqual(expect.arrayContaining([expect.objectContaining({ value: 'Application.ReadWrite.OwnedBy', id: OWNED_BY_ROLE_ID })]));
    expect(body(r)['oauth2PermissionScopes']).toEqual(expect.arrayContaining([expect.objectContaining({ value: 'User.Read', id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d' })]));
    const dicom = await graph(ownedToken, 'GET', `/servicePrincipals?$filter=${encodeURIComponent("appId eq '75e725bf-66ce-4cea-9b9a-5c4caae57f33'")}`);
    expect((body(dicom)['value'] as Json[])[0]?.['oauth2PermissionScopes']).toEqual([expect.objectContaining({ value: 'user_impersonation' })]);
  });

  test('federated identity credentials: create, validate, list, delete', async () => {
    const app = body(await graph(ownedToken, 'POST', '/applications', { displayName: 'fic', signInAudience: 'AzureADMyOrg' }));
    const base = `/applications/${String(app['id'])}/federatedIdentityCredentials`;
    const fic = { name: 'github-main', issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:octo/app:ref:refs/heads/main', audiences: ['api://AzureADTokenExchange'] };
    const created = await graph(ownedToken, 'POST', base, fic);
    expect(created.status).toBe(201);
    expect(body(created)).toMatchObject(fic);
    // The same issuer and subject again: Graph answers 400 InvalidFederatedIdentityCredentialValue; a name taken
    // by a credential with another subject: 409.
    const again = await graph(ownedToken, 'POST', base, fic);
    expect(again.status).toBe(400);
    expect((body(again)['error'] as Json)['code']).toBe('InvalidFederatedIdentityCredentialValue');
    expect((body(again)['error'] as Json)['message']).toBe('The combination of issuer and subject must be unique.');
    const sameName = await graph(ownedToken, 'POST', base, { ...fic, subject: 'repo:octo/app:environment:production' });
    expect(sameName.status).toBe(409);
    expect((body(sameName)['error'] as Json)['code']).toBe('Request_MultipleObjectsWithSameKeyValue');
    expect((await graph(ownedToken, 'POST', base, { ...fic, name: 'two', audiences: ['a', 'b'] })).status).toBe(400);
    expect((await graph(ownedToken, 'POST', base, { ...fic, name: 'x'.repeat(121), subject: 'other' })).status).toBe(400);
    expect((body(await graph(ownedToken, 'GET', base))['value'] as Json[]).map((f) => f['name'])).toEqual(['github-main']);
    expect((await graph(ownedToken, 'DELETE', `${base}/github-main`)).status).toBe(204);
    expect(body(await graph(ownedToken, 'GET', base))['value']).toEqual([]);
  });
});

describe('GitHub secrets API', () => {
  test('serves a real X25519 public key per scope, in standard base64', async () => {
    const r = await gh(PAT, 'GET', '/repos/octo/app/actions/secrets/public-key');
    expect(r.status).toBe(200);
    expect(r.headers['x-github-request-id']).toMatch(/^[0-9A-F]{4}:[0-9A-F]{4}:[0-9A-F]{6}:[0-9A-F]{6}:[0-9A-F]{8}$/);
    const key = body(r);
    expect(key['key_id']).toMatch(/^\d+$/);
    expect(key['key']).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const env = body(await gh(PAT, 'GET', `/repos/octo/app/environments/${encodeURIComponent('Prod env')}/secrets/public-key`));
    expect(env['key']).not.toBe(key['key']);
  });

  test('stores a sealed value in a repository and in an environment with a space in its name', async () => {
    const repoKey = body(await gh(PAT, 'GET', '/repos/octo/app/actions/secrets/public-key'));
    const put = await gh(PAT, 'PUT', '/repos/octo/app/actions/secrets/azure_client_secret', { encrypted_value: seal('repo-value~1', String(repoKey['key'])), key_id: repoKey['key_id'] });
    expect(put.status).toBe(201);
    expect(put.text).toBe('{}');
    expect(emu.github.open({ repo: 'octo/app' }, 'AZURE_CLIENT_SECRET')).toBe('repo-value~1');
    const again = await gh(PAT, 'PUT', '/repos/octo/app/actions/secrets/AZURE_CLIENT_SECRET', { encrypted_value: seal('repo-value~2', String(repoKey['key'])), key_id: repoKey['key_id'] });
    expect(again.status).toBe(204);
    expect(emu.github.open({ repo: 'octo/app' }, 'azure_client_secret')).toBe('repo-value~2');
    const meta = body(await gh(PAT, 'GET', '/repos/octo/app/actions/secrets/azure_client_secret'));
    expect(meta['name']).toBe('AZURE_CLIENT_SECRET');
    expect(meta['created_at']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(emu.github.secret({ repo: 'octo/app' }, 'AZURE_CLIENT_SECRET')).toEqual(meta);

    const envPath = `/repos/octo/app/environments/${encodeURIComponent('Prod env')}/secrets`;
    const envKey = body(await gh(PAT, 'GET', `${envPath}/public-key`));
    const envPut = await gh(PAT, 'PUT', `${envPath}/AZURE_CLIENT_SECRET`, { encrypted_value: seal('env-value', String(envKey['key'])), key_id: envKey['key_id'] });
    expect(envPut.status).toBe(201);
    expect(emu.github.open({ repo: 'octo/app', environment: 'Prod env' }, 'AZURE_CLIENT_SECRET')).toBe('env-value');
    const list = body(await gh(PAT, 'GET', envPath));
    expect(list).toMatchObject({ total_count: 1, secrets: [expect.objectContaining({ name: 'AZURE_CLIENT_SECRET' })] });
    expect((await gh(PAT, 'DELETE', `${envPath}/AZURE_CLIENT_SECRET`)).status).toBe(204);
    expect((await gh(PAT, 'GET', `${envPath}/AZURE_CLIENT_SECRET`)).status).toBe(404);
  });

  test('answers 422 for URL-safe or unpadded base64, a foreign key, and bad names', async () => {
    const key = body(await gh(PAT, 'GET', '/repos/octo/app/actions/secrets/public-key'));
    const pk = sodium.from_base64(String(key['key']), sodium.base64_variants.ORIGINAL);
    // 40 bytes sealed = 88 bytes: standard base64 ends in '=='. Find one whose URL-safe form has '-' or '_'.
    let sealed = sodium.crypto_box_seal(sodium.from_string('v'.repeat(40)), pk);
    while (!/[-_]/.test(sodium.to_base64(sealed, sodium.base64_variants.URLSAFE))) sealed = sodium.crypto_box_seal(sodium.from_string('v'.repeat(40)), pk);
    const r1 = await gh(PAT, 'PUT', '/repos/octo/app/actions/secrets/URLSAFE', { encrypted_value: sodium.to_base64(sealed, sodium.base64_variants.URLSAFE), key_id: key['key_id'] });
    expect(r1.status).toBe(422);
    expect(String(body(r1)['message'])).toContain('does not match');
    const unpadded = sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL_NO_PADDING);
    expect((await gh(PAT, 'PUT', '/repos/octo/app/actions/secrets/UNPADDED', { encrypted_value: unpadded, key_id: key['key_id'] })).status).toBe(422);
    // libsodium-wrappers' default variant is URL-safe without padding: the classic mistake.
    expect((await gh(PAT, 'PUT', '/repos/octo/app/actions/secrets/DEFAULT_VARIANT', { encrypted_value: sodium.to_base64(sealed), key_id: key['key_id'] })).status).toBe(422);
    expect((await gh(PAT, 'PUT', '/repos/octo/app/actions/secrets/STANDARD', { encrypted_value: sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL), key_id: key['key_id'] })).status).toBe(201);

    const envKey = body(await gh(PAT, 'GET', '/repos/octo/app/environments/staging/secrets/public-key'));
    const foreign = await gh(PAT, 'PUT', '/repos/octo/app/actions/secrets/FOREIGN', { encrypted_value: seal('x', String(envKey['key'])), key_id: key['key_id'] });
    expect(foreign.status).toBe(422);
    expect(body(foreign)['message']).toBe('Bad request - validation failed due to an improperly encrypted secret');
    const wrongKeyId = await gh(PAT, 'PUT', '/repos/octo/app/actions/secrets/WRONG_ID', { encrypted_value: seal('x', String(key['key'])), key_id: envKey['key_id'] });
    expect(wrongKeyId.status).toBe(422);
    const noKeyId = await gh(PAT, 'PUT', '/repos/octo/app/actions/secrets/NO_ID', { encrypted_value: seal('x', String(key['key'])) });
    expect(body(noKeyId)['message']).toBe('Invalid request.\n\n"key_id" wasn\'t supplied.');
    for (const bad of ['1ABC', 'GITHUB_TOKEN', 'HAS-DASH']) {
      expect((await gh(PAT, 'PUT', `/repos/octo/app/actions/secrets/${bad}`, { encrypted_value: seal('x', String(key['key'])), key_id: key['key_id'] })).status).toBe(422);
    }
    expect(emu.github.open({ repo: 'octo/app' }, 'URLSAFE')).toBeUndefined();
  });

  test('GITHUB_TOKEN and under-privileged tokens are refused; unknown tokens, repos and environments too', async () => {
    const denied = await gh(GITHUB_TOKEN, 'GET', '/repos/octo/app/actions/secrets/public-key');
    expect(denied.status).toBe(403);
    expect(body(denied)).toMatchObject({ message: 'Resource not accessible by integration', status: '403' });
    expect(String(body(denied)['documentation_url'])).toContain('docs.github.com');

    expect((await gh(PAT_READ, 'GET', '/repos/octo/app/actions/secrets/public-key')).status).toBe(200);
    const key = body(await gh(PAT_READ, 'GET', '/repos/octo/app/actions/secrets/public-key'));
    const readOnlyPut = await gh(PAT_READ, 'PUT', '/repos/octo/app/actions/secrets/X', { encrypted_value: seal('x', String(key['key'])), key_id: key['key_id'] });
    expect(readOnlyPut.status).toBe(403);
    expect((await gh(PAT_READ, 'GET', '/repos/octo/app/environments/staging/secrets/public-key')).status).toBe(403);

    const bad = await gh('nope', 'GET', '/repos/octo/app/actions/secrets/public-key');
    expect(bad.status).toBe(401);
    expect(body(bad)['message']).toBe('Bad credentials');
    expect((await gh(PAT, 'GET', '/repos/octo/missing/actions/secrets/public-key')).status).toBe(404);
    expect((await gh(PAT, 'GET', '/repos/octo/app/environments/missing/secrets/public-key')).status).toBe(404);
    expect((await gh(PAT, 'GET', '/repos/octo/app/environments/prod%20ENV/secrets/public-key')).status).toBe(200);
  });
});

describe('GitHub organizations, Dependabot and the secondary rate limit', () => {
  test('Dependabot secrets need the "Dependabot secrets" permission, organization secrets the organization one', async () => {
    emu.github.addOrg('octo');
    emu.github.addToken('github_pat_no_dependabot', 'pat', { dependabotSecrets: 'none', orgSecrets: 'read' });
    const denied = await gh('github_pat_no_dependabot', 'GET', '/repos/octo/app/dependabot/secrets/public-key');
    expect(denied.status).toBe(403);
    expect(body(denied)['message']).toBe('Resource not accessible by personal access token');
    expect(denied.headers['x-accepted-github-permissions']).toBe('dependabot_secrets=read');
    const orgKey = body(await gh('github_pat_no_dependabot', 'GET', '/orgs/octo/actions/secrets/public-key'));
    const orgPut = await gh('github_pat_no_dependabot', 'PUT', '/orgs/octo/actions/secrets/X', { encrypted_value: seal('x', String(orgKey['key'])), key_id: orgKey['key_id'], visibility: 'all' });
    expect(orgPut.status).toBe(403);
    expect(orgPut.headers['x-accepted-github-permissions']).toBe('organization_secrets=write');
    const keys = [await gh(PAT, 'GET', '/repos/octo/app/dependabot/secrets/public-key'), await gh(PAT, 'GET', '/orgs/octo/dependabot/secrets/public-key'), await gh(PAT, 'GET', '/orgs/octo/actions/secrets/public-key')];
    expect(new Set(keys.map((k) => body(k)['key'])).size).toBe(3);
  });

  test('a secondary rate limit refuses writes beyond max in the window with the chosen signal, unprocessed; reads pass', async () => {
    const key = body(await gh(PAT, 'GET', '/repos/octo/app/actions/secrets/public-key'));
    const put = (name: string): Promise<HttpResponse> => gh(PAT, 'PUT', `/repos/octo/app/actions/secrets/${name}`, { encrypted_value: seal('v', String(key['key'])), key_id: key['key_id'] });
    for (const [status, signal] of [[403, 'retry-after'], [429, 'reset'], [403, 'none']] as const) {
      emu.github.secondaryLimit({ max: 1, windowMs: 60_000, status, signal, retryAfterS: 7 });
      expect([201, 204]).toContain((await put('FIRST')).status);
      const before = Date.now();
      const r = await put('LIMITED');
      expect(r.status).toBe(status);
      expect(String(body(r)['message'])).toMatch(/^You have exceeded a secondary rate limit/);
      expect(r.headers['retry-after']).toBe(signal === 'retry-after' ? '7' : undefined);
      if (signal === 'reset') {
        expect(r.headers['x-ratelimit-remaining']).toBe('0');
        expect(Number(r.headers['x-ratelimit-reset']) * 1000).toBeGreaterThanOrEqual(before + 7000);
      } else expect(r.headers['x-ratelimit-remaining']).not.toBe('0');
      expect(emu.github.open({ repo: 'octo/app' }, 'LIMITED')).toBeUndefined();
      expect((await gh(PAT, 'GET', '/repos/octo/app/actions/secrets')).status).toBe(200);
    }
    emu.github.secondaryLimit(undefined);
    expect((await put('LIMITED')).status).toBe(201);
    const last = emu.log.at(-1)!;
    expect(last.at).toBeLessThanOrEqual(last.doneAt!);
  });
});

describe('faults, counters and connections', () => {
  test('a status fault answers in the service error shape with Retry-After, once', async () => {
    emu.faults.add({ match: { service: 'graph', method: 'GET', path: /^\/v1\.0\/applications/ }, kind: 'status', status: 503, retryAfter: '7' });
    const r = await graph(ownedToken, 'GET', '/applications');
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('7');
    expect(body(r)['error']).toMatchObject({ code: 'serviceNotAvailable' });
    expect(emu.log.at(-1)).toMatchObject({ service: 'graph', status: 503, fault: 'status 503' });
    expect((await graph(ownedToken, 'GET', '/applications')).status).toBe(200);

    emu.faults.add({ match: { service: 'github' }, kind: 'status', status: 429, times: 2 });
    expect((await gh(PAT, 'GET', '/repos/octo/app/actions/secrets')).status).toBe(429);
    expect((await gh(PAT, 'GET', '/repos/octo/app/actions/secrets')).status).toBe(429);
    expect((await gh(PAT, 'GET', '/repos/octo/app/actions/secrets')).status).toBe(200);

    emu.faults.add({ match: { service: 'entra' }, kind: 'status', status: 400, code: 'invalid_grant' });
    expect(body(await tokenRequest({ client_id: owned.clientId, client_secret: owned.secret }))['error']).toBe('invalid_grant');
  });

  test('drop destroys the socket without handling; drop-after handles, then drops', async () => {
    const key = body(await gh(PAT, 'GET', '/repos/octo/app/actions/secrets/public-key'));
    emu.faults.add({ match: { service: 'github', method: 'PUT' }, kind: 'drop' });
    await expect(gh(PAT, 'PUT', '/repos/octo/app/actions/secrets/DROPPED', { encrypted_value: seal('a', String(key['key'])), key_id: key['key_id'] })).rejects.toThrow();
    expect(emu.github.open({ repo: 'octo/app' }, 'DROPPED')).toBeUndefined();
    expect(emu.log.at(-1)).toMatchObject({ method: 'PUT', status: 0, fault: 'drop', protocol: '1.1' });

    emu.faults.add({ match: { service: 'github', method: 'PUT' }, kind: 'drop-after' });
    await expect(gh(PAT, 'PUT', '/repos/octo/app/actions/secrets/DROPPED', { encrypted_value: seal('b', String(key['key'])), key_id: key['key_id'] })).rejects.toThrow();
    expect(emu.github.open({ repo: 'octo/app' }, 'DROPPED')).toBe('b');
    expect(emu.log.at(-1)).toMatchObject({ status: 0, fault: 'drop-after (handled 201)' });
  });

  test('faults can target a global request index; Infinity persists until cleared', async () => {
    emu.resetCounters();
    emu.faults.add({ match: { index: 1 }, kind: 'status', status: 500 });
    expect((await gh(PAT, 'GET', '/repos/octo/app/actions/secrets')).status).toBe(200);
    expect((await graph(ownedToken, 'GET', '/applications')).status).toBe(500);
    expect(emu.log.map((e) => [e.index, e.service, e.status])).toEqual([[0, 'github', 200], [1, 'graph', 500]]);

    emu.faults.add({ match: { service: 'oidc' }, kind: 'status', status: 503, times: Infinity });
    for (let i = 0; i < 3; i++) expect((await request(`${emu.urls.idTokenRequestUrl}&audience=x`, { ca: emu.caPem, headers: { authorization: `Bearer ${emu.idTokenRequestToken}` } })).status).toBe(503);
    emu.faults.clear();
    await idToken();
  });

  test('counts TLS connections per server: keep-alive reuses one, no agent opens one per request', async () => {
    emu.resetCounters();
    const agent = keepAliveAgent(emu.caPem);
    try {
      for (let i = 0; i < 2; i++) {
        const r = await request(`${emu.urls.github}/repos/octo/app/actions/secrets/public-key`, { ca: emu.caPem, agent, headers: { authorization: `token ${PAT}` } });
        expect(r.status).toBe(200);
      }
    } finally {
      agent.destroy();
    }
    expect(emu.tlsConnections()).toEqual({ entra: 0, graph: 0, github: 1, oidc: 0, keyvault: 0 });
    expect(emu.log).toHaveLength(2);
    expect(emu.log[0]?.connection).toBe(emu.log[1]?.connection);
    expect(emu.log.map((e) => e.protocol)).toEqual(['1.1', '1.1']);

    await graph(ownedToken, 'GET', '/applications?$top=1');
    await graph(ownedToken, 'GET', '/applications?$top=1');
    expect(emu.tlsConnections().graph).toBe(2);
    expect(emu.log.map((e) => e.path)).toContain('/v1.0/applications?$top=1');
  });

  test('latency delays responses', async () => {
    emu.setLatency(120);
    const t0 = Date.now();
    await gh(PAT, 'GET', '/repos/octo/app/actions/secrets');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
  });

  test('handedOut lists every secret-like value; emulatorEnv gives a child process what it needs', async () => {
    const out = emu.handedOut();
    expect(out).toEqual(expect.arrayContaining([owned.secret, ownedToken, emu.idTokenRequestToken, PAT]));
    const jwt = await idToken();
    expect(emu.handedOut()).toContain(jwt);
    expect(emulatorEnv(emu, { GITHUB_REPOSITORY: 'octo/app' })).toEqual({
      NODE_EXTRA_CA_CERTS: emu.caFile,
      GITHUB_API_URL: emu.urls.github,
      ACTIONS_ID_TOKEN_REQUEST_URL: emu.urls.idTokenRequestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: emu.idTokenRequestToken,
      GITHUB_REPOSITORY: 'octo/app',
    });
    expect(emu.urls.idTokenRequestUrl).toContain('?');
    expect(emu.urls.authority).not.toMatch(/\/$/);
  });
});

/** The protocol the server selects when a client offers `protocols` in ALPN (resolves once the connection is closed). */
function alpn(url: string, protocols: string[], ca: string): Promise<string | false | null> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: u.hostname, port: Number(u.port), ca, ALPNProtocols: protocols }, () => socket.end());
    socket.on('error', reject);
    socket.on('close', () => resolve(socket.alpnProtocol));
  });
}

function sessionClosed(c: Http2Client): Promise<void> {
  return new Promise((resolve) => (c.session.destroyed ? resolve() : c.session.once('close', () => resolve())));
}

describe('HTTP/2', () => {
  const ghHeaders = { authorization: `Bearer ${PAT}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };

  test('every server offers h2 and http/1.1 through ALPN; token and ID-token requests work over h2', async () => {
    for (const url of [emu.urls.authority, emu.urls.graph, emu.urls.github, emu.urls.idTokenRequestUrl]) {
      expect(await alpn(url, ['h2', 'http/1.1'], emu.caPem)).toBe('h2');
      expect(await alpn(url, ['http/1.1'], emu.caPem)).toBe('http/1.1');
    }
    emu.resetCounters();
    const entra = await http2Client(emu.urls.authority, emu.caPem);
    const oidc = await http2Client(emu.urls.idTokenRequestUrl, emu.caPem);
    try {
      const token = await entra.request(`/${emu.tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: `${emu.urls.graph}/.default`, client_id: owned.clientId, client_secret: owned.secret }),
      });
      expect(token.status).toBe(200);
      expect(body(token)['access_token']).toEqual(expect.any(String));
      expect(token.headers['x-ms-request-id']).toEqual(expect.any(String));
      const u = new URL(emu.urls.idTokenRequestUrl);
      const id = await oidc.request(`${u.pathname}${u.search}&audience=api://AzureADTokenExchange`, { headers: { authorization: `Bearer ${emu.idTokenRequestToken}` } });
      expect(id.status).toBe(200);
      expect(decodePayload(String(body(id)['value']))['sub']).toBe(emu.oidcSubject);
    } finally {
      await Promise.all([entra.close(), oidc.close()]);
    }
    expect(emu.log.map((e) => [e.service, e.protocol, e.status])).toEqual([['entra', '2.0', 200], ['oidc', '2.0', 200]]);
    expect(emu.tlsConnections()).toEqual({ entra: 1, graph: 0, github: 0, oidc: 1, keyvault: 0 });
  });

  test('parallel requests to Graph and GitHub are multiplexed: one TLS connection per server', async () => {
    emu.resetCounters();
    const g = await http2Client(emu.urls.graph, emu.caPem);
    const h = await http2Client(emu.urls.github, emu.caPem);
    try {
      const auth = { authorization: `Bearer ${ownedToken}` };
      const key = body(await h.request('/repos/octo/app/actions/secrets/public-key', { headers: ghHeaders }));
      const [graphResults, ghResults] = await Promise.all([
        Promise.all([
          g.request('/v1.0/applications?$top=1', { headers: auth }),
          g.request('/v1.0/applications?$top=2&$select=id', { headers: auth }),
          g.request(`/v1.0/servicePrincipals(appId='${GRAPH_APP_ID}')?$select=appRoles`, { headers: auth }),
          g.request('/v1.0/applications', { method: 'POST', headers: auth, body: { displayName: 'h2 app', signInAudience: 'AzureADMyOrg' } }),
          g.request('/v1.0/applications', { headers: auth }),
        ]),
        Promise.all([
          h.request('/repos/octo/app/actions/secrets', { headers: ghHeaders }),
          h.request('/repos/octo/app/environments/staging/secrets/public-key', { headers: ghHeaders }),
          h.request('/repos/octo/app/actions/secrets/H2_SECRET', { method: 'PUT', headers: ghHeaders, body: { encrypted_value: seal('sent over h2', String(key['key'])), key_id: key['key_id'] } }),
          h.request('/repos/octo/missing/actions/secrets', { headers: ghHeaders }),
        ]),
      ]);
      expect(graphResults.map((r) => r.status)).toEqual([200, 200, 200, 201, 200]);
      expect(ghResults.map((r) => r.status)).toEqual([200, 200, 201, 404]);
      expect(body(graphResults[3])).toMatchObject({ displayName: 'h2 app' });
      expect(emu.github.open({ repo: 'octo/app' }, 'H2_SECRET')).toBe('sent over h2');
      for (const r of [...graphResults, ...ghResults]) {
        expect(r.headers['connection']).toBeUndefined();
        expect(r.headers['keep-alive']).toBeUndefined();
        expect(r.headers['transfer-encoding']).toBeUndefined();
      }
      expect(new Set(graphResults.map((r) => r.headers['request-id'])).size).toBe(5);
      expect(new Set(ghResults.map((r) => r.headers['x-github-request-id'])).size).toBe(4);
    } finally {
      await Promise.all([g.close(), h.close()]);
    }
    expect(emu.tlsConnections()).toEqual({ entra: 0, graph: 1, github: 1, oidc: 0, keyvault: 0 });
    expect(emu.log).toHaveLength(10);
    expect(emu.log.every((e) => e.protocol === '2.0')).toBe(true);
    const graphConnections = new Set(emu.log.filter((e) => e.service === 'graph').map((e) => e.connection));
    const ghConnections = new Set(emu.log.filter((e) => e.service === 'github').map((e) => e.connection));
    expect(graphConnections.size).toBe(1);
    expect(ghConnections.size).toBe(1);
    expect([...graphConnections][0]).not.toBe([...ghConnections][0]);
  });

  test('latency delays every stream, in parallel: 5 requests on one session take one delay, not five', async () => {
    emu.resetCounters();
    emu.setLatency(150);
    const h = await http2Client(emu.urls.github, emu.caPem);
    try {
      const t0 = Date.now();
      const results = await Promise.all(Array.from({ length: 5 }, () => h.request('/repos/octo/app/actions/secrets', { headers: ghHeaders })));
      const elapsed = Date.now() - t0;
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(elapsed).toBeGreaterThanOrEqual(140);
      expect(elapsed).toBeLessThan(600);
      // Sequential requests on the same session: each is delayed.
      const t1 = Date.now();
      await h.request('/repos/octo/app/actions/secrets', { headers: ghHeaders });
      await h.request('/repos/octo/app/actions/secrets', { headers: ghHeaders });
      expect(Date.now() - t1).toBeGreaterThanOrEqual(290);
    } finally {
      await h.close();
    }
    expect(emu.tlsConnections().github).toBe(1);
    expect(emu.log.map((e) => e.status)).toEqual([200, 200, 200, 200, 200, 200, 200]);
  });

  test('drop: the connection goes away with no response; drop-after applies the request first', async () => {
    emu.resetCounters();
    const first = await http2Client(emu.urls.github, emu.caPem);
    const key = body(await first.request('/repos/octo/app/actions/secrets/public-key', { headers: ghHeaders }));
    const put = (c: Http2Client, value: string): Promise<HttpResponse> =>
      c.request('/repos/octo/app/actions/secrets/H2_DROPPED', { method: 'PUT', headers: ghHeaders, body: { encrypted_value: seal(value, String(key['key'])), key_id: key['key_id'] } });

    emu.faults.add({ match: { service: 'github', method: 'PUT' }, kind: 'drop' });
    await expect(put(first, 'a')).rejects.toThrow(/without a complete response/);
    await sessionClosed(first);
    expect(first.session.destroyed).toBe(true);
    expect(emu.github.open({ repo: 'octo/app' }, 'H2_DROPPED')).toBeUndefined();
    expect(emu.log.at(-1)).toMatchObject({ method: 'PUT', status: 0, fault: 'drop', protocol: '2.0' });

    const second = await http2Client(emu.urls.github, emu.caPem);
    emu.faults.add({ match: { service: 'github', method: 'PUT' }, kind: 'drop-after' });
    await expect(put(second, 'b')).rejects.toThrow(/without a complete response/);
    await sessionClosed(second);
    expect(emu.github.open({ repo: 'octo/app' }, 'H2_DROPPED')).toBe('b');
    expect(emu.log.at(-1)).toMatchObject({ status: 0, fault: 'drop-after (handled 201)', protocol: '2.0' });

    // A new session works; the log tells the three connections apart.
    const third = await http2Client(emu.urls.github, emu.caPem);
    try {
      expect((await put(third, 'c')).status).toBe(204);
    } finally {
      await third.close();
    }
    expect(emu.github.open({ repo: 'octo/app' }, 'H2_DROPPED')).toBe('c');
    expect(emu.tlsConnections().github).toBe(3);
    const [c0, c1, c2, c3] = emu.log.map((e) => e.connection);
    expect(c0).toBe(c1);
    expect(new Set([c1, c2, c3]).size).toBe(3);
  });

  test('http1Only: ALPN offers only http/1.1, an HTTP/2 client is refused, HTTP/1.1 works', async () => {
    const h1 = await startEmulator({ http1Only: true });
    try {
      h1.github.addRepo('octo/app');
      h1.github.addToken(PAT, 'pat');
      expect(await alpn(h1.urls.graph, ['h2', 'http/1.1'], h1.caPem)).toBe('http/1.1');
      await expect(http2Client(h1.urls.github, h1.caPem)).rejects.toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL' });
      const agent = keepAliveAgent(h1.caPem);
      try {
        for (let i = 0; i < 2; i++) {
          const r = await request(`${h1.urls.github}/repos/octo/app/actions/secrets`, { ca: h1.caPem, agent, headers: { authorization: `Bearer ${PAT}` } });
          expect(r.status).toBe(200);
        }
      } finally {
        agent.destroy();
      }
      expect(h1.log.map((e) => [e.service, e.protocol, e.status])).toEqual([['github', '1.1', 200], ['github', '1.1', 200]]);
      // The refused h2 handshake is not a TLS connection.
      expect(h1.tlsConnections().github).toBe(1);
    } finally {
      await h1.close();
    }
  });

  test('close() ends promptly with HTTP/2 sessions and HTTP/1.1 keep-alive connections open', async () => {
    const other = await startEmulator();
    other.github.addRepo('octo/app');
    other.github.addToken(PAT, 'pat');
    const idle = await http2Client(other.urls.github, other.caPem);
    const busy = await http2Client(other.urls.graph, other.caPem);
    const agent = keepAliveAgent(other.caPem);
    try {
      expect((await idle.request('/repos/octo/app/actions/secrets', { headers: ghHeaders })).status).toBe(200);
      expect((await request(`${other.urls.github}/repos/octo/app/actions/secrets`, { ca: other.caPem, agent, headers: { authorization: `Bearer ${PAT}` } })).status).toBe(200);
      other.setLatency(30_000);
      const inFlight = busy.request('/v1.0/applications');
      const outcome = inFlight.then(() => 'answered', () => 'failed');
      while (other.log.length < 3) await new Promise((r) => setTimeout(r, 10));
      const t0 = Date.now();
      await other.close();
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(await outcome).toBe('failed');
      await Promise.all([sessionClosed(idle), sessionClosed(busy)]);
    } finally {
      agent.destroy();
      await other.close();
    }
  });
});

describe('fault kinds: what each leaves processed, and how many requests each hit', () => {
  const outcome = (p: Promise<HttpResponse>): Promise<number | 'no answer'> => p.then((r) => r.status, () => 'no answer');
  const addPassword = (appId: string): Promise<HttpResponse> => graph(ownedToken, 'POST', `/applications/${appId}/addPassword`, { passwordCredential: { displayName: 'fault-kind' } });

  test.each([
    ['status', 503, false],
    ['drop', 'no answer', false],
    ['drop-after', 'no answer', true],
  ] as const)('graph addPassword, %s: answer %s, processed %s; the fault fires once, then the next request is served', async (kind, answer, processed) => {
    const app = emu.seedApp({ displayName: `fault-${kind}`, ownedBy: [owned.clientId] });
    const handle = emu.faults.add({ match: { service: 'graph', method: 'POST', path: /\/addPassword$/ }, kind, status: 503 });
    expect(handle.fired).toBe(0);
    expect(await outcome(addPassword(app.id))).toBe(answer);
    expect(app.passwordCredentials).toHaveLength(processed ? 1 : 0);
    expect(handle.fired).toBe(1);
    expect(await outcome(addPassword(app.id))).toBe(200);
    expect(app.passwordCredentials).toHaveLength(processed ? 2 : 1);
    expect(emu.faults.fired()).toEqual([{ fault: handle.fault, fired: 1 }]);
  });

  test.each([
    ['status', 503, 'before'],
    ['drop', 'no answer', 'before'],
    ['drop-after', 'no answer', 'after'],
  ] as const)('github PUT, %s: answer %s, the secret holds the value from %s', async (kind, answer, holds) => {
    const key = body(await gh(PAT, 'GET', '/repos/octo/app/actions/secrets/public-key'));
    const put = (value: string): Promise<HttpResponse> => gh(PAT, 'PUT', '/repos/octo/app/actions/secrets/FAULT_KIND', { encrypted_value: seal(value, String(key['key'])), key_id: key['key_id'] });
    expect(await outcome(put('before'))).toBeLessThan(300);
    const handle = emu.faults.add({ match: { service: 'github', method: 'PUT' }, kind, status: 503 });
    expect(await outcome(put('after'))).toBe(answer);
    expect(emu.github.open({ repo: 'octo/app' }, 'FAULT_KIND')).toBe(holds);
    expect(handle.fired).toBe(1);
    expect(await outcome(put('later'))).toBe(204);
    expect(handle.fired).toBe(1);
  });

  test('occurrence k with times Infinity: persistent from the k-th matching request on, retries included', async () => {
    const handle = emu.faults.add({ match: { service: 'github', method: 'GET', path: /\/public-key$/, occurrence: 3 }, kind: 'status', status: 503, times: Infinity });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await gh(PAT, 'GET', '/repos/octo/app/actions/secrets/public-key')).status);
    expect(statuses).toEqual([200, 200, 503, 503, 503, 503]);
    expect((await gh(PAT, 'GET', '/repos/octo/app/actions/secrets')).status).toBe(200);
    expect(handle.fired).toBe(4);
  });

  test('occurrence k with times n: the k-th matching request and the n-1 after it', async () => {
    const handle = emu.faults.add({ match: { service: 'github', method: 'GET', path: /\/public-key$/, occurrence: 2 }, kind: 'status', status: 503, times: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await gh(PAT, 'GET', '/repos/octo/app/actions/secrets/public-key')).status);
    expect(statuses).toEqual([200, 503, 503, 200, 200]);
    expect(handle.fired).toBe(2);
  });

  test('a fault that never matches reports 0, and clear forgets the faults', async () => {
    emu.faults.add({ match: { service: 'graph', path: /nothing-goes-here/ }, kind: 'drop' });
    expect((await gh(PAT, 'GET', '/repos/octo/app/actions/secrets')).status).toBe(200);
    expect(emu.faults.fired().map((f) => f.fired)).toEqual([0]);
    emu.faults.clear();
    expect(emu.faults.fired()).toEqual([]);
  });
});

describe('age: as if time had passed', () => {
  test('moves passwords, apps, service principals, GitHub secrets in every scope and token expiry into the past', async () => {
    const other = await startEmulator();
    try {
      other.addRotator({ clientId: owned.clientId, secret: owned.secret });
      other.github.addRepo('octo/app', ['production']);
      other.github.addOrg('octo');
      const start = '2026-01-10T08:00:00.000Z';
      const end = '2026-07-10T08:00:00.000Z';
      const app = other.seedApp({ displayName: 'aged', passwords: [{ displayName: 'p', startDateTime: start, endDateTime: end }] });
      app.extra['keyCredentials'] = [{ keyId: randomUUID(), startDateTime: start, endDateTime: end }];
      const created = app.createdDateTime;
      const sp = other.graph.servicePrincipals.find((s) => s.appId === app.appId);
      const spCreated = sp?.createdDateTime ?? '';
      const scopes = [{ repo: 'octo/app' }, { repo: 'octo/app', environment: 'production' }, { org: 'octo' }];
      for (const scope of scopes) other.github.putPlain(scope, 'AGED', 'v', '2026-01-10T08:00:05Z');
      const token = String(body(await request(`${other.urls.authority}/${other.tenantId}/oauth2/v2.0/token`, {
        method: 'POST', ca: other.caPem, body: new URLSearchParams({ grant_type: 'client_credentials', scope: `${other.urls.graph}/.default`, client_id: owned.clientId, client_secret: owned.secret }),
      }))['access_token']);

      const minutes15 = 15 * 60_000;
      other.age(minutes15);
      const shifted = (iso: string): number => Date.parse(iso) - minutes15;
      const [password] = app.passwordCredentials;
      expect(Date.parse(password?.startDateTime ?? '')).toBe(shifted(start));
      expect(Date.parse(password?.endDateTime ?? '')).toBe(shifted(end));
      expect((app.extra['keyCredentials'] as Array<{ startDateTime: string; endDateTime: string }>).map((k) => [Date.parse(k.startDateTime), Date.parse(k.endDateTime)])).toEqual([[shifted(start), shifted(end)]]);
      expect(Date.parse(app.createdDateTime)).toBe(Date.parse(created) - minutes15);
      expect(Date.parse(sp?.createdDateTime ?? '')).toBe(Date.parse(spCreated) - minutes15);
      for (const scope of scopes) {
        expect(other.github.secret(scope, 'AGED')).toMatchObject({ created_at: '2026-01-10T07:45:05Z', updated_at: '2026-01-10T07:45:05Z' });
      }
      // Graph answers the moved times too.
      const read = await request(`${other.urls.graph}/v1.0/applications/${app.id}?$select=passwordCredentials`, { ca: other.caPem, headers: { authorization: `Bearer ${token}` } });
      expect(Date.parse(String((body(read)['passwordCredentials'] as Json[])[0]?.['startDateTime']))).toBe(shifted(start));
      // Two hours later the hour-long access token has expired.
      other.age(2 * 3_600_000);
      const late = await request(`${other.urls.graph}/v1.0/applications`, { ca: other.caPem, headers: { authorization: `Bearer ${token}` } });
      expect(late.status).toBe(401);
      expect(String(body(late)['error']?.['message'])).toContain('expired');
    } finally {
      await other.close();
    }
  });
});

describe('holds: parking requests to interleave two callers', () => {
  const PAT_A = 'github_pat_emulator_run_a';
  const PAT_B = 'github_pat_emulator_run_b';

  async function until(what: string, ok: () => boolean): Promise<void> {
    for (const t0 = Date.now(); !ok(); await new Promise((r) => setTimeout(r, 5))) {
      if (Date.now() - t0 > 5000) throw new Error(`timed out waiting for ${what}`);
    }
  }

  async function putAs(pat: string, name: string, value: string): Promise<HttpResponse> {
    const key = body(await gh(pat, 'GET', '/repos/octo/app/actions/secrets/public-key'));
    return gh(pat, 'PUT', `/repos/octo/app/actions/secrets/${name}`, { encrypted_value: seal(value, String(key['key'])), key_id: key['key_id'] });
  }

  beforeAll(() => {
    emu.github.addToken(PAT_A, 'pat', undefined, 'run-a');
    emu.github.addToken(PAT_B, 'pat', undefined, 'run-b');
  });

  test('parks only what matches, request processed only when released; release resolves once it is answered', async () => {
    const seen: ParkedRequest[] = [];
    const hold = emu.hold({ match: { service: 'github', method: 'PUT', principal: 'run-b' }, onParked: (p) => seen.push(p) });
    try {
      expect((await putAs(PAT_A, 'HELD', 'a')).status).toBe(201);
      const b = putAs(PAT_B, 'HELD', 'b');
      await until('a parked request', () => emu.parked().length === 1);
      const parked = emu.parked()[0] as ParkedRequest;
      expect(parked.entry).toMatchObject({ service: 'github', method: 'PUT', path: '/repos/octo/app/actions/secrets/HELD', principal: 'run-b', parked: true, status: 0 });
      expect(seen).toEqual([parked]);
      expect(JSON.parse(parked.body)).toHaveProperty('encrypted_value');
      expect(emu.inFlight()).toEqual([]);
      expect(emu.github.open({ repo: 'octo/app' }, 'HELD')).toBe('a');
      expect((await gh(PAT_B, 'GET', '/repos/octo/app/actions/secrets')).status).toBe(200); // the same caller's other requests flow
      const answered = await emu.release(parked.id);
      expect(answered).toMatchObject({ index: parked.id, status: 204, parked: false });
      expect(emu.github.open({ repo: 'octo/app' }, 'HELD')).toBe('b');
      expect((await b).status).toBe(204);
      expect(emu.parked()).toEqual([]);
      await expect(emu.release(parked.id)).rejects.toThrow(/no parked request/);
    } finally {
      await hold.remove();
    }
  });

  test('a predicate picks by run; a fault applies to the released request; remove lets every parked one through', async () => {
    const hold = emu.hold({ match: (e) => e.method === 'PUT' && (e.principal === 'run-a' || e.principal === 'run-b') });
    const [a, b] = [putAs(PAT_A, 'RACE', 'a'), putAs(PAT_B, 'RACE', 'b')];
    await until('two parked requests', () => emu.parked().length === 2);
    expect(emu.parked().map((p) => p.entry.principal).sort()).toEqual(['run-a', 'run-b']);
    const ofB = emu.parked().find((p) => p.entry.principal === 'run-b') as ParkedRequest;
    const fault = emu.faults.add({ match: { service: 'github', method: 'PUT' }, kind: 'drop-after' });
    expect(await emu.release(ofB.id)).toMatchObject({ status: 0, fault: 'drop-after (handled 201)' });
    expect(fault.fired).toBe(1);
    await expect(b).rejects.toThrow();
    expect(emu.github.open({ repo: 'octo/app' }, 'RACE')).toBe('b');
    expect((await hold.remove()).map((e) => [e.principal, e.status])).toEqual([['run-a', 204]]);
    expect((await a).status).toBe(204);
    expect(emu.github.open({ repo: 'octo/app' }, 'RACE')).toBe('a');
  });

  test("names the rotator of token and Graph requests, and of an app's own token request on the rotator's connection", async () => {
    const app = emu.seedApp({ displayName: 'principal-app', ownedBy: [owned.clientId], passwords: [{ displayName: 'p', startDateTime: new Date().toISOString(), endDateTime: new Date(Date.now() + 86_400_000).toISOString() }] });
    const appSecret = app.passwordCredentials[0]?.secretText ?? '';
    const tokenUrl = `${emu.urls.authority}/${emu.tenantId}/oauth2/v2.0/token`;
    const form = (clientId: string, secret: string): URLSearchParams => new URLSearchParams({ grant_type: 'client_credentials', scope: `${emu.urls.graph}/.default`, client_id: clientId, client_secret: secret });
    emu.resetCounters();
    const agent = keepAliveAgent(emu.caPem);
    try {
      expect((await request(tokenUrl, { method: 'POST', ca: emu.caPem, agent, body: form(owned.clientId, owned.secret) })).status).toBe(200);
      expect((await request(tokenUrl, { method: 'POST', ca: emu.caPem, agent, body: form(app.appId, appSecret) })).status).toBe(200);
    } finally {
      agent.destroy();
    }
    expect((await request(tokenUrl, { method: 'POST', ca: emu.caPem, body: form(app.appId, appSecret) })).status).toBe(200);
    expect((await graph(allToken, 'GET', '/applications?$top=1')).status).toBe(200);
    expect((await gh(PAT_A, 'GET', '/repos/octo/app/actions/secrets')).status).toBe(200);
    expect(emu.log.map((e) => e.principal)).toEqual([owned.clientId, owned.clientId, undefined, all.clientId, 'run-a']);
  });

  test('close abandons parked requests at once', async () => {
    const other = await startEmulator();
    try {
      other.github.addRepo('octo/app');
      other.github.addToken(PAT_A, 'pat', undefined, 'run-a');
      other.hold({ match: { service: 'github' } });
      const pending = request(`${other.urls.github}/repos/octo/app/actions/secrets`, { ca: other.caPem, headers: { authorization: `Bearer ${PAT_A}` } }).then(() => 'answered', () => 'failed');
      await until('a parked request', () => other.parked().length === 1);
      const t0 = Date.now();
      await other.close();
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(await pending).toBe('failed');
    } finally {
      await other.close();
    }
  });
});
