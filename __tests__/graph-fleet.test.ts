/**
 * The Graph adapter for fleets, in-process against the emulator over real HTTPS: many apps found through JSON
 * batches, throttled batch items retried after their own Retry-After, every app of a tenant over several pages,
 * certificates read, and writes to one app spaced (a 409 Directory_ConcurrencyViolation retried).
 *
 * The emulator's CA is trusted in this process by adding it to Node's default CA list (what NODE_EXTRA_CA_CERTS
 * does at start-up), so that fetch (the Graph client) and @azure/identity use it as they would on a runner.
 */
import { randomUUID } from 'node:crypto';
import { rotatorCredential } from '../src/adapters/entra';
import { GraphDirectory } from '../src/adapters/graph';
import { defaultRetryPolicy, type RetryPolicy } from '../src/adapters/retry';
import { ServiceError } from '../src/core/errors';
import type { Log } from '../src/core/ports';
import { Secret } from '../src/core/secret';
import { startEmulator, type Emulator, type EmulatorKeys, type EmulatorOptions, type RequestLogEntry } from '../test/emulator/index.ts';
import { withTrustedEmulatorKeys } from '../test/trusted-keys.ts';
import { ROTATOR_ID, ROTATOR_SECRET, standardSetup } from '../test/harness.ts';

const DAY = 86_400_000;
const iso = (ms: number): string => new Date(Date.now() + ms).toISOString();

let keys: EmulatorKeys;
withTrustedEmulatorKeys((k) => (keys = k));

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function emulator(options: EmulatorOptions = {}): Promise<Emulator> {
  emu = await startEmulator({ keys, ...options });
  standardSetup(emu);
  return emu;
}

interface Lines extends Log {
  lines: string[];
}

function collectingLog(): Lines {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warning: (m) => lines.push(`warning: ${m}`), mask: () => undefined, group: (_title, fn) => fn() };
}

/** The adapter as main.ts wires it, signed in as the standard rotator with its client secret. */
function directory(e: Emulator, log: Log, policy: RetryPolicy = { ...defaultRetryPolicy({}), baseMs: 20 }): GraphDirectory {
  const signIn = {
    tenantId: e.tenantId,
    clientId: ROTATOR_ID,
    clientSecret: new Secret(ROTATOR_SECRET),
    oidcAudience: 'api://AzureADTokenExchange',
    cloud: 'AzureCloud' as const,
    authorityHost: e.urls.authority,
    graphEndpoint: e.urls.graph,
  };
  return new GraphDirectory(e.urls.graph, rotatorCredential(signIn, policy, log), log, policy);
}

const graphLog = (e: Emulator): RequestLogEntry[] => e.log.filter((x) => x.service === 'graph');
const envelopes = (e: Emulator): RequestLogEntry[] => graphLog(e).filter((x) => x.batch === undefined && x.path === '/v1.0/$batch');
const items = (e: Emulator): RequestLogEntry[] => graphLog(e).filter((x) => x.batch !== undefined);
const plainGets = (e: Emulator): RequestLogEntry[] => graphLog(e).filter((x) => x.batch === undefined && x.method === 'GET');

/** 30 apps with unique names, two apps named 'twin'. */
function seedFleet(e: Emulator): { unique: Array<{ id: string; appId: string; displayName: string }>; twins: string[] } {
  const unique = e.seedApps(Array.from({ length: 30 }, (_, i) => ({ displayName: `app-${String(i).padStart(2, '0')}` })));
  const twins = e.seedApps([{ displayName: 'twin' }, { displayName: 'twin' }]).map((a) => a.id);
  return { unique, twins };
}

describe('findApps', () => {
  it('finds 45 refs (by client ID and by name, some missing, one name matching two) with 3 batch POSTs, in order', async () => {
    const e = await emulator();
    const { unique, twins } = seedFleet(e);
    const refs: Array<{ appId?: string; name?: string }> = [];
    const expected: string[][] = [];
    for (const a of unique.slice(0, 20)) {
      refs.push({ appId: a.appId });
      expected.push([a.id]);
    }
    for (const a of unique.slice(20, 30)) {
      refs.push({ name: a.displayName });
      expected.push([a.id]);
    }
    for (let i = 0; i < 6; i++) {
      refs.push({ appId: randomUUID() }, { name: `ghost-${i}` });
      expected.push([], []);
    }
    // Graph matches names without regard to case; the lookup is by the exact name.
    refs.push({ name: 'APP-00' }, { name: 'twin' }, { name: "o'brien" });
    expected.push([], twins, []);
    expect(refs).toHaveLength(45);
    const log = collectingLog();
    e.resetCounters();

    const found = await directory(e, log).findApps(refs);

    expect(found.map((apps) => apps.map((a) => a.id).sort())).toEqual(expected.map((ids) => [...ids].sort()));
    expect(envelopes(e)).toHaveLength(3);
    expect(items(e)).toHaveLength(45);
    expect(envelopes(e).map((env) => items(e).filter((i) => i.batch === env.index).length).sort()).toEqual([20, 20, 5]);
    expect(plainGets(e)).toEqual([]);
    expect(items(e).every((i) => i.status === 200 || i.status === 404)).toBe(true);
  });

  it('sends one ref alone as one plain GET, without a batch envelope', async () => {
    const e = await emulator();
    const { unique } = seedFleet(e);
    const dir = directory(e, collectingLog());
    e.resetCounters();
    expect((await dir.findApps([{ appId: unique[3]!.appId }])).map((apps) => apps.map((a) => a.id))).toEqual([[unique[3]!.id]]);
    expect((await dir.findApps([{ name: 'twin' }]))[0]).toHaveLength(2);
    expect(graphLog(e).map((x) => `${x.method} ${decodeURIComponent(x.path.split('?')[0]!)}`)).toEqual([
      `GET /v1.0/applications(appId='${unique[3]!.appId}')`,
      'GET /v1.0/applications',
    ]);
    expect(await dir.findApps([])).toEqual([]);
  });

  it('keeps at most 3 batches in flight', async () => {
    const e = await emulator();
    const { unique } = seedFleet(e);
    const refs = Array.from({ length: 100 }, (_, i) => ({ appId: unique[i % 30]!.appId }));
    const hold = e.hold({ match: { service: 'graph', method: 'POST', path: /\$batch/ } });
    const finding = directory(e, collectingLog()).findApps(refs);
    for (let waited = 0; e.parked().length < 3 && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    expect(e.parked()).toHaveLength(3);
    await hold.remove();
    const found = await finding;
    expect(found.map((apps) => apps[0]?.appId)).toEqual(refs.map((r) => r.appId));
    expect(envelopes(e)).toHaveLength(5);
  });

  it('retries only the throttled items, after the Retry-After they carry, and says so', async () => {
    const e = await emulator();
    const { unique } = seedFleet(e);
    const refs = unique.slice(0, 12).map((a) => ({ name: a.displayName }));
    const throttled = e.faults.throttle({ count: 2, retryAfterS: 1, match: { batched: true, path: /app-0[37]/ } });
    const log = collectingLog();
    e.resetCounters();

    const found = await directory(e, log).findApps(refs);

    expect(found.map((apps) => apps.map((a) => a.displayName))).toEqual(refs.map((r) => [r.name]));
    expect(throttled.fired).toBe(2);
    const [first, second] = envelopes(e);
    expect(envelopes(e)).toHaveLength(2);
    expect(first!.status).toBe(200);
    expect(items(e).filter((i) => i.batch === first!.index && i.status === 429)).toHaveLength(2);
    expect(items(e).filter((i) => i.batch === second!.index).map((i) => decodeURIComponent(i.path))).toEqual([
      expect.stringContaining("displayName eq 'app-03'"),
      expect.stringContaining("displayName eq 'app-07'"),
    ]);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
    expect(log.lines).toContainEqual(
      "Retrying looking up app registrations named 'app-03' and 1 more batched request in 1000 ms (attempt 2 of 5) after HTTP 429: Microsoft Graph asked to wait 1 s (throttled)",
    );
  });

  it('turns an item error into the ServiceError a single request gives: what, status, code, request id, hint', async () => {
    const e = await emulator();
    const { unique } = seedFleet(e);
    e.faults.add({ match: { batched: true, path: /app-05/ }, kind: 'status', status: 403 });
    const failure = await directory(e, collectingLog())
      .findApps(unique.slice(0, 8).map((a) => ({ name: a.displayName })))
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServiceError);
    const { details } = failure as ServiceError;
    const item = items(e).find((i) => i.status === 403)!;
    expect(details).toMatchObject({ service: 'Microsoft Graph', doing: "looking up app registrations named 'app-05'", status: 403, code: 'Authorization_RequestDenied', requestId: item.requestId });
    expect(details.hint).toContain('Application.ReadWrite.OwnedBy');
    // a 403 is not retried
    expect(envelopes(e)).toHaveLength(1);
  });
});

describe('throttling of single requests', () => {
  it('honours a Retry-After on a plain GET and logs the wait with its reason and length', async () => {
    const e = await emulator();
    const { unique } = seedFleet(e);
    e.faults.throttle({ count: 1, retryAfterS: 1, match: { method: 'GET' } });
    const log = collectingLog();
    const started = Date.now();
    expect((await directory(e, log).appByAppId(unique[0]!.appId))?.id).toBe(unique[0]!.id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(log.lines).toContainEqual(
      `Retrying reading the app registration with client ID ${unique[0]!.appId} in 1000 ms (attempt 2 of 5) after HTTP 429: Microsoft Graph asked to wait 1 s (throttled)`,
    );
  });
});

describe('allApps', () => {
  it('reads every page: 2,500 apps are 3 pages of up to 999', async () => {
    const e = await emulator();
    const seeded = e.seedApps(Array.from({ length: 2500 }, (_, i) => ({ displayName: `fleet-${i}`, servicePrincipal: false })));
    e.resetCounters();
    const apps = await directory(e, collectingLog()).allApps();
    expect(apps).toHaveLength(2500);
    expect(new Set(apps.map((a) => a.id))).toEqual(new Set(seeded.map((a) => a.id)));
    const pages = plainGets(e).map((x) => x.path);
    expect(pages).toHaveLength(3);
    expect(pages[0]).toMatch(/^\/v1\.0\/applications\?\$select=[^&]*passwordCredentials[^&]*,keyCredentials[^&]*&\$top=999$/);
    expect(pages.slice(1).every((p) => p.includes('$skiptoken='))).toBe(true);
  });

  it('lists apps the rotator does not own (they can be read), which it cannot write', async () => {
    const e = await emulator();
    const foreign = e.seedApp({ displayName: 'not-mine', ownedBy: [] });
    const dir = directory(e, collectingLog());
    const [app] = (await dir.allApps()).filter((a) => a.id === foreign.id);
    expect(app).toBeDefined();
    const failure = await dir.updateApp(app!, { notes: 'x' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServiceError);
    expect((failure as ServiceError).details).toMatchObject({ status: 403, code: 'Authorization_RequestDenied' });
  });
});

/** Graph requests (plain, listing pages, batch items) whose $select names keyCredentials: what Graph caps at 150 a minute. */
const capped = (e: Emulator): RequestLogEntry[] =>
  graphLog(e).filter((x) => x.method === 'GET' && x.path !== '/v1.0/$batch' && /[?&]\$select=[^&]*keyCredentials/i.test(decodeURIComponent(x.path)));

describe('certificates (keyCredentials)', () => {
  it('are not read by lookups (absent: not read), are read by the listing, and by certificates()', async () => {
    const e = await emulator();
    const start = iso(-100 * DAY);
    const end = iso(20 * DAY);
    const seeded = e.seedApp({ displayName: 'with-cert', certificates: [{ displayName: 'CN=with-cert', startDateTime: start, endDateTime: end }] });
    const other = e.seedApp({ displayName: 'without-cert' });
    const keyId = (seeded.extra['keyCredentials'] as Array<{ keyId: string }>)[0]!.keyId;
    const dir = directory(e, collectingLog());
    const thumbprint = e.certificates(seeded.appId)[0]?.thumbprint;
    const expected = [{ keyId, displayName: 'CN=with-cert', type: 'AsymmetricX509Cert', startDateTime: new Date(start), endDateTime: new Date(end), thumbprint }];

    e.resetCounters();
    const one = await dir.appByAppId(seeded.appId);
    expect(one).toBeDefined();
    expect(one).not.toHaveProperty('keyCredentials');
    const [a, b] = await dir.findApps([{ appId: seeded.appId }, { name: 'without-cert' }]);
    expect(a?.[0]).not.toHaveProperty('keyCredentials');
    expect(b?.[0]).not.toHaveProperty('keyCredentials');
    expect(capped(e)).toEqual([]);
    // A lone app's lookup reads them: one capped request, as reading them for the report would be, one round trip less.
    const [lone] = await dir.findApps([{ appId: seeded.appId }]);
    expect(lone?.[0]?.keyCredentials).toEqual(expected);
    expect(capped(e)).toHaveLength(1);

    const listed = await dir.allApps();
    expect(listed.find((x) => x.id === seeded.id)?.keyCredentials).toEqual(expected);
    expect(listed.find((x) => x.id === other.id)?.keyCredentials).toEqual([]);

    e.resetCounters();
    expect(await dir.certificates([one!])).toEqual(new Map([[seeded.id, expected]]));
    expect(capped(e).map((x) => x.path)).toEqual([`/v1.0/applications/${seeded.id}?$select=id,keyCredentials`]);
    e.resetCounters();
    expect(await dir.certificates([a![0]!, b![0]!])).toEqual(new Map([[seeded.id, expected], [other.id, []]]));
    expect(capped(e)).toHaveLength(1);
    expect(capped(e)[0]?.batch).toBeDefined();
  });

  it('of 200 apps are 14 capped reads (15 ids an item), and none for an app this run created', async () => {
    const e = await emulator();
    e.seedApps(Array.from({ length: 200 }, (_, i) => ({ displayName: `cert-${i}`, certificates: [{ displayName: `CN=cert-${i}`, startDateTime: iso(-DAY), endDateTime: iso(300 * DAY) }] })));
    const dir = directory(e, collectingLog());
    const apps = (await dir.findApps(Array.from({ length: 200 }, (_, i) => ({ name: `cert-${i}` })))).flat();
    const created = await dir.createApp('made-now', 'AzureADMyOrg', {});
    e.resetCounters();
    const read = await dir.certificates([...apps, created]);
    expect(read.size).toBe(201);
    expect([...read.values()].filter((c) => c.length === 1)).toHaveLength(200);
    expect(read.get(created.id)).toEqual([]);
    expect(capped(e)).toHaveLength(14);
    expect(capped(e).every((x) => x.batch !== undefined && x.status === 200)).toBe(true);
    expect(capped(e).some((x) => x.path.includes(created.id))).toBe(false);
  });

  it("keep a fleet of 30 under Graph's cap (here 5 a minute): lookups select no keyCredentials", async () => {
    // Graph: "the use of $select to get keyCredentials for applications has a throttling limit of 150 requests
    // per minute for every tenant"; each batch item counts. The emulator's switch models it, with a small cap.
    const e = await emulator();
    e.policy.keyCredentialsPerMinute = 5;
    e.seedApps(Array.from({ length: 30 }, (_, i) => ({ displayName: `capped-${i}` })));
    const dir = directory(e, collectingLog());
    e.resetCounters();
    const apps = (await dir.findApps(Array.from({ length: 30 }, (_, i) => ({ name: `capped-${i}` })))).flat();
    expect(apps).toHaveLength(30);
    await dir.certificates(apps);
    expect(capped(e)).toHaveLength(2);
    expect(graphLog(e).filter((x) => x.status === 429)).toEqual([]);
  });
});

describe('the service principal of a new app', () => {
  it('is retried through 403 Authorization_RequestDenied while the ownership of the new app replicates', async () => {
    const e = await emulator();
    const log = collectingLog();
    const dir = directory(e, log);
    e.faults.ownershipLag(2);
    const app = await dir.createApp('fresh', 'AzureADMyOrg', {});
    await dir.createServicePrincipal(app);
    expect(e.graph.servicePrincipals.some((sp) => sp.appId === app.appId)).toBe(true);
    expect(graphLog(e).filter((x) => x.method === 'POST' && x.path === '/v1.0/servicePrincipals').map((x) => x.status)).toEqual([403, 403, 201]);
    expect(log.lines.filter((l) => /^Retrying creating the service principal .* after replication lag on the new app \(the rotator's ownership of it\)$/.test(l))).toHaveLength(2);
  });

  it('but a 403 for an app this run did not create fails at once, with the owner hint', async () => {
    const e = await emulator();
    const seeded = e.seedApp({ displayName: 'old', servicePrincipal: false });
    const dir = directory(e, collectingLog());
    const app = (await dir.appByAppId(seeded.appId))!;
    e.faults.add({ kind: 'status', status: 403, code: 'Authorization_RequestDenied', match: { method: 'POST', path: /servicePrincipals$/ }, times: Infinity });
    const failure = await dir.createServicePrincipal(app).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServiceError);
    expect((failure as ServiceError).details).toMatchObject({ status: 403, code: 'Authorization_RequestDenied' });
    expect((failure as ServiceError).message).toContain('owner');
    expect(graphLog(e).filter((x) => x.method === 'POST' && x.path === '/v1.0/servicePrincipals')).toHaveLength(1);
  });
});

describe('federated credentials', () => {
  const ISSUER = 'https://token.actions.githubusercontent.com';
  const credential = { name: 'gha-octo-app-ref-refs-heads-main', issuer: ISSUER, subject: 'repo:octo/app:ref:refs/heads/main', audiences: ['api://AzureADTokenExchange'], description: 'managed' };

  it('converge when the answer to the POST was lost: the repeat finds the same credential (400 InvalidFederatedIdentityCredentialValue)', async () => {
    const e = await emulator();
    const seeded = e.seedApp({ displayName: 'fic' });
    const dir = directory(e, collectingLog());
    const app = (await dir.appByAppId(seeded.appId))!;
    const drop = e.faults.add({ kind: 'drop-after', match: { method: 'POST', path: /federatedIdentityCredentials$/ } });
    await dir.addFederatedCredential(app, credential);
    expect(drop.fired).toBe(1);
    const posts = graphLog(e).filter((x) => x.method === 'POST' && x.path.endsWith('/federatedIdentityCredentials'));
    expect(posts.map((x) => x.status)).toEqual([0, 400]);
    expect(seeded.federatedIdentityCredentials.map((f) => f.name)).toEqual([credential.name]);
  });

  it('converge when the answer to the POST was lost and the listing that checks it lags: it is read again until it shows', async () => {
    const e = await emulator();
    const seeded = e.seedApp({ displayName: 'fic' });
    const dir = directory(e, collectingLog());
    const app = (await dir.appByAppId(seeded.appId))!;
    e.faults.add({ kind: 'drop-after', match: { method: 'POST', path: /federatedIdentityCredentials$/ } });
    e.faults.federatedListLag = 2;
    await dir.addFederatedCredential(app, credential);
    const lists = graphLog(e).filter((x) => x.method === 'GET' && x.path.endsWith('/federatedIdentityCredentials'));
    expect(lists).toHaveLength(3);
    expect(seeded.federatedIdentityCredentials.map((f) => f.name)).toEqual([credential.name]);
  });

  it('name the credential in the way when another with the same issuer and subject exists', async () => {
    const e = await emulator();
    const seeded = e.seedApp({ displayName: 'fic', federatedIdentityCredentials: [{ name: 'hand-made', issuer: ISSUER, subject: credential.subject, audiences: ['api://AzureADTokenExchange'] }] });
    const dir = directory(e, collectingLog());
    const app = (await dir.appByAppId(seeded.appId))!;
    const failure = await dir.addFederatedCredential(app, credential).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServiceError);
    expect((failure as ServiceError).details).toMatchObject({ status: 400, code: 'InvalidFederatedIdentityCredentialValue' });
    expect((failure as ServiceError).message).toContain("the app already has the federated credential 'hand-made'");
    expect((failure as ServiceError).message).toContain(credential.subject);
    expect(seeded.federatedIdentityCredentials.map((f) => f.name)).toEqual(['hand-made']);
  });
});

describe('client secrets under an app management policy', () => {
  it('that forbids them: the error names the code and says certificates are the way forward', async () => {
    const e = await emulator();
    e.policy.passwordAdditionBlocked = true;
    const seeded = e.seedApp({ displayName: 'no-secrets' });
    const dir = directory(e, collectingLog());
    const app = (await dir.appByAppId(seeded.appId))!;
    const failure = await dir.addPassword(app, 'rotated-by-github-actions', new Date(Date.now() + 30 * DAY)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServiceError);
    const message = (failure as ServiceError).message;
    expect(message).toContain('CredentialTypeNotAllowedAsPerAppPolicy');
    expect(message).toContain("the tenant's app management policy forbids new client secrets");
    expect(message).toContain('credential-type: certificate');
    expect(seeded.passwordCredentials).toEqual([]);
  });
});

describe('writes to one app', () => {
  const policy = (baseMs: number): RetryPolicy => ({ ...defaultRetryPolicy({}), baseMs });
  const writesTo = (e: Emulator, id: string): RequestLogEntry[] => graphLog(e).filter((x) => x.method !== 'GET' && x.path.includes(id));

  it('go one at a time, at least the gap apart, so a Graph that refuses close writes never sees one', async () => {
    const e = await emulator({ concurrentWriteWindowMs: 80 });
    const seeded = e.seedApp({ displayName: 'busy' });
    const dir = directory(e, collectingLog(), policy(100));
    const app = (await dir.appByAppId(seeded.appId))!;
    e.resetCounters();
    await Promise.all([
      dir.updateApp(app, { notes: 'spaced' }),
      dir.updateApp(app, { tags: ['fleet'] }),
      dir.addFederatedCredential(app, { name: 'main', issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:octo/app:ref:refs/heads/main', audiences: ['api://AzureADTokenExchange'], description: null }),
    ]);
    const writes = writesTo(e, seeded.id);
    expect(writes.map((w) => w.status)).toEqual([204, 204, 201]);
    const gaps = writes.slice(1).map((w, i) => w.at - writes[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(100);
    expect(seeded.notes).toBe('spaced');
    expect(seeded.tags).toEqual(['fleet']);
  });

  it('retries a 409 Directory_ConcurrencyViolation, which did not take effect', async () => {
    const e = await emulator({ concurrentWriteWindowMs: 250 });
    const seeded = e.seedApp({ displayName: 'contended' });
    const log = collectingLog();
    const dir = directory(e, log, policy(100));
    const app = (await dir.appByAppId(seeded.appId))!;
    e.resetCounters();
    await Promise.all([dir.updateApp(app, { notes: 'first' }), dir.addPassword(app, 'rotated-by-github-actions', new Date(Date.now() + 30 * DAY))]);
    const statuses = writesTo(e, seeded.id).map((w) => w.status);
    expect(statuses[0]).toBe(204);
    expect(statuses).toContain(409);
    expect(statuses.at(-1)).toBe(200);
    expect(seeded.passwordCredentials).toHaveLength(1);
    expect(log.lines.some((l) => /^Retrying adding a client secret to 'contended' .* after a concurrent change to the app$/.test(l))).toBe(true);
  });
});
