/**
 * The emulator's Graph for fleets, directly over HTTPS: JSON batching (envelope and items logged, faults per
 * item), paging of applications and of a service principal's ownedObjects, certificates on seeded apps, apps the
 * rotator does not own, seeding many apps fast, throttling, and concurrent writes to one app.
 */
import { randomUUID } from 'node:crypto';
import { createEmulatorKeys, startEmulator, type Emulator, type EmulatorKeys, type EmulatorOptions } from '../test/emulator/index.ts';
import { request, type HttpResponse } from '../test/emulator/https-client.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const owned = { clientId: randomUUID(), secret: 'own1Q~ownedby-rotator-secret.value_0000000' };
const all = { clientId: randomUUID(), secret: 'all2Q~readwrite-all-rotator-secret.value_00' };

let keys: EmulatorKeys;
beforeAll(async () => {
  keys = await createEmulatorKeys();
});

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function emulator(options: EmulatorOptions = {}): Promise<Emulator> {
  emu = await startEmulator({ keys, ...options });
  emu.addRotator(owned);
  emu.addRotator({ ...all, roles: ['Application.ReadWrite.All'] });
  return emu;
}

async function tokenFor(e: Emulator, who: { clientId: string; secret: string }): Promise<string> {
  const r = await request(`${e.urls.authority}/${e.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: `${e.urls.graph}/.default`, client_id: who.clientId, client_secret: who.secret }),
    ca: e.caPem,
  });
  return String((r.json as Json)['access_token']);
}

function graph(e: Emulator, token: string, method: string, path: string, payload?: object): Promise<HttpResponse> {
  const url = path.startsWith('https://') ? path : `${e.urls.graph}/v1.0${path}`;
  return request(url, { method, headers: { authorization: `Bearer ${token}` }, ca: e.caPem, ...(payload === undefined ? {} : { body: payload }) });
}

const body = (r: HttpResponse): Json => r.json ?? {};

describe('JSON batching', () => {
  test('runs each step through the router with its own status, headers and body; logs the envelope and each item', async () => {
    const e = await emulator();
    const app = e.seedApp({ displayName: 'batched' });
    const token = await tokenFor(e, owned);
    e.resetCounters();
    const r = await graph(e, token, 'POST', '/$batch', {
      requests: [
        { id: 'a', method: 'GET', url: `/applications(appId='${app.appId}')?$select=id,displayName` },
        { id: 'b', method: 'GET', url: `/applications/${randomUUID()}` },
        { id: 'c', method: 'PATCH', url: `applications/${app.id}`, body: { notes: 'from a batch' }, headers: { 'Content-Type': 'application/json' }, dependsOn: ['a'] },
      ],
    });
    expect(r.status).toBe(200);
    const responses = body(r)['responses'] as Json[];
    expect(responses.map((x) => [x['id'], x['status']])).toEqual([['a', 200], ['b', 404], ['c', 204]]);
    expect(responses[0]!['body']).toMatchObject({ id: app.id, displayName: 'batched' });
    expect(responses[0]!['headers']['Content-Type']).toMatch(/^application\/json/);
    expect(responses[1]!['body']['error']['code']).toBe('Request_ResourceNotFound');
    expect(responses[2]!['body']).toBeUndefined();
    expect(app.notes).toBe('from a batch');

    const [envelope, ...inner] = e.log;
    expect(envelope).toMatchObject({ method: 'POST', path: '/v1.0/$batch', status: 200 });
    expect(envelope!.batch).toBeUndefined();
    expect(inner.map((x) => [x.method, x.path.split('?')[0], x.status, x.batch])).toEqual([
      ['GET', `/v1.0/applications(appId='${app.appId}')`, 200, envelope!.index],
      ['GET', expect.stringMatching(/^\/v1\.0\/applications\//), 404, envelope!.index],
      ['PATCH', `/v1.0/applications/${app.id}`, 204, envelope!.index],
    ]);
    expect(inner.every((x) => x.principal === owned.clientId && x.connection === envelope!.connection)).toBe(true);
  });

  test('refuses more than 20 steps, duplicate ids, a nested batch; a URL with the version is a bad segment', async () => {
    const e = await emulator();
    const token = await tokenFor(e, owned);
    const steps = (n: number): Json[] => Array.from({ length: n }, (_, i) => ({ id: String(i + 1), method: 'GET', url: '/applications?$top=1' }));
    expect((await graph(e, token, 'POST', '/$batch', { requests: steps(20) })).status).toBe(200);
    const tooMany = await graph(e, token, 'POST', '/$batch', { requests: steps(21) });
    expect(tooMany.status).toBe(400);
    expect(body(tooMany)['error']['message']).toContain('20');
    expect((await graph(e, token, 'POST', '/$batch', { requests: [...steps(1), ...steps(1)] })).status).toBe(400);
    expect((await graph(e, token, 'POST', '/$batch', {})).status).toBe(400);
    const nested = await graph(e, token, 'POST', '/$batch', { requests: [{ id: '1', method: 'POST', url: '/$batch', body: { requests: steps(1) } }, { id: '2', method: 'GET', url: '/v1.0/applications' }] });
    expect((body(nested)['responses'] as Json[]).map((x) => x['status'])).toEqual([400, 400]);
    expect((await graph(e, '', 'POST', '/$batch', { requests: steps(1) })).status).toBe(401);
  });

  test('a throttled item is a 429 with its own Retry-After inside a 200; batched: false spares items', async () => {
    const e = await emulator();
    const token = await tokenFor(e, owned);
    const plainOnly = e.faults.add({ match: { service: 'graph', method: 'GET', batched: false }, kind: 'status', status: 503 });
    const throttle = e.faults.throttle({ count: 1, retryAfterS: 7, match: { batched: true, occurrence: 2 } });
    const r = await graph(e, token, 'POST', '/$batch', { requests: [1, 2, 3].map((i) => ({ id: String(i), method: 'GET', url: '/applications' })) });
    expect(r.status).toBe(200);
    const responses = body(r)['responses'] as Json[];
    expect(responses.map((x) => x['status'])).toEqual([200, 429, 200]);
    expect(responses[1]!['headers']['Retry-After']).toBe('7');
    expect(responses[1]!['body']['error']['code']).toBe('TooManyRequests');
    expect(e.log.filter((x) => x.batch !== undefined).map((x) => x.fault)).toEqual([undefined, 'status 429', undefined]);
    expect([plainOnly.fired, throttle.fired]).toEqual([0, 1]);
    expect((await graph(e, token, 'GET', '/applications')).status).toBe(503);
    expect(plainOnly.fired).toBe(1);
  });
});

describe('directory at fleet scale', () => {
  test('seeds 10,000 apps in well under a second or two; lists them 999 at a time', async () => {
    const e = await emulator();
    const started = performance.now();
    e.seedApps(Array.from({ length: 10_000 }, (_, i) => ({ displayName: `fleet-${i}` })));
    // About 0.2-0.7 s on a busy 2-core machine.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(e.graph.apps).toHaveLength(10_000);
    const token = await tokenFor(e, owned);
    const first = await graph(e, token, 'GET', '/applications?$select=id&$top=999');
    expect(body(first)['value']).toHaveLength(999);
    expect(body(first)['@odata.nextLink']).toMatch(/\/v1\.0\/applications\?\$select=id&\$top=999&\$skiptoken=/);
    expect(body(await graph(e, token, 'GET', '/applications?$select=id'))['value']).toHaveLength(100);
    expect((await graph(e, token, 'GET', '/applications?$top=1000')).status).toBe(400);
  });

  test("ownedObjects of the rotator's service principal: its apps only, paged, typed; others need a read-all permission", async () => {
    const e = await emulator({ pageSize: 2 });
    const mine = e.seedApps([1, 2, 3].map((i) => ({ displayName: `mine-${i}`, ownedBy: [owned.clientId] })));
    e.seedApp({ displayName: 'not-mine', ownedBy: [] });
    const token = await tokenFor(e, owned);
    const seen: Json[] = [];
    let next: string | undefined = `/servicePrincipals(appId='${owned.clientId}')/ownedObjects?$select=id,displayName`;
    let pages = 0;
    while (next !== undefined) {
      const page = await graph(e, token, 'GET', next);
      expect(page.status).toBe(200);
      seen.push(...(body(page)['value'] as Json[]));
      next = body(page)['@odata.nextLink'] as string | undefined;
      if (next !== undefined) expect(next).toContain(`/v1.0/servicePrincipals(appId='${owned.clientId}')/ownedObjects?`);
      pages++;
    }
    expect(pages).toBe(2);
    expect(seen.map((x) => x['displayName']).sort()).toEqual(['mine-1', 'mine-2', 'mine-3']);
    expect(seen.map((x) => x['id']).sort()).toEqual(mine.map((a) => a.id).sort());
    expect(seen.every((x) => x['@odata.type'] === '#microsoft.graph.application')).toBe(true);
    // The owned-by rotator may list its own; the app it does not own is still readable, not writable.
    e.policy.ownedByCanReadAll = false;
    const allToken = await tokenFor(e, all);
    expect((await graph(e, token, 'GET', `/servicePrincipals(appId='${all.clientId}')/ownedObjects`)).status).toBe(403);
    expect((await graph(e, allToken, 'GET', `/servicePrincipals(appId='${owned.clientId}')/ownedObjects`)).status).toBe(200);
    expect((await graph(e, token, 'GET', `/servicePrincipals(appId='${randomUUID()}')/ownedObjects`)).status).toBe(404);
  });

  test('certificates on a seeded app read as keyCredentials (key: the certificate, on a single-app $select only)', async () => {
    const e = await emulator();
    const app = e.seedApp({ displayName: 'with-cert', certificates: [{ displayName: 'CN=with-cert', startDateTime: '2026-01-01T00:00:00Z', endDateTime: '2027-01-01T00:00:00Z' }] });
    const token = await tokenFor(e, owned);
    const r = await graph(e, token, 'GET', `/applications/${app.id}?$select=keyCredentials`);
    const [cert] = body(r)['keyCredentials'] as Json[];
    const [held] = e.certificates(app.id);
    expect(held?.der).not.toBeNull();
    expect(cert?.['customKeyIdentifier']).toBe(held?.thumbprint);
    const listed = await graph(e, token, 'GET', `/applications?$select=id,keyCredentials&$filter=id eq '${app.id}'`);
    expect(((body(listed)['value'] as Json[])[0]?.['keyCredentials'] as Json[])[0]?.['key']).toBeNull();
    expect(cert).toEqual({
      customKeyIdentifier: expect.stringMatching(/^[0-9A-F]{40}$/),
      displayName: 'CN=with-cert',
      endDateTime: '2027-01-01T00:00:00Z',
      key: held?.der?.toString('base64'),
      keyId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      startDateTime: '2026-01-01T00:00:00Z',
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
    });
  });
});

describe('concurrent writes to one app', () => {
  test('within the window: 409 Directory_ConcurrencyViolation, not applied; other apps and later writes are fine', async () => {
    const e = await emulator({ concurrentWriteWindowMs: 300 });
    const [a, b] = e.seedApps([{ displayName: 'a' }, { displayName: 'b' }]);
    const token = await tokenFor(e, owned);
    expect((await graph(e, token, 'PATCH', `/applications/${a!.id}`, { notes: 'one' })).status).toBe(204);
    const clash = await graph(e, token, 'POST', `/applications/${a!.id}/addPassword`, {});
    expect(clash.status).toBe(409);
    expect(body(clash)['error']['code']).toBe('Directory_ConcurrencyViolation');
    expect(a!.passwordCredentials).toHaveLength(0);
    expect((await graph(e, token, 'PATCH', `/applications/${b!.id}`, { notes: 'other app' })).status).toBe(204);
    expect((await graph(e, token, 'GET', `/applications/${a!.id}`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 320));
    expect((await graph(e, token, 'POST', `/applications/${a!.id}/addPassword`, {})).status).toBe(200);
  });

  test('off by default', async () => {
    const e = await emulator();
    const app = e.seedApp({ displayName: 'calm' });
    const token = await tokenFor(e, owned);
    const statuses = await Promise.all(['x', 'y', 'z'].map(async (n) => (await graph(e, token, 'PATCH', `/applications/${app.id}`, { notes: n })).status));
    expect(statuses).toEqual([204, 204, 204]);
  });
});
