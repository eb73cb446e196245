/**
 * The Key Vault adapter (src/adapters/keyvault.ts) in-process against the emulator over real HTTPS, signed in as
 * the rotator with the credential the action builds for Graph: list (every page, no value read), write (value,
 * content type, expiry, tags), holds, a lost answer settled by reading the tags back (landed: no second write; not
 * landed: written again; unreadable: outcome unknown), the write window (no attempt after notAfter), retries and
 * their bounds, each error users meet with its hint and the facts that do not depend on the input (status, code,
 * request id), and that no value reaches an error or a log line. Proxy routing: __tests__/proxy-keyvault.test.ts.
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { rotatorCredential, type SignIn } from '../src/adapters/entra';
import { isMicrosoftVaultHost, KEY_VAULT_CONTENT_TYPES, KeyVaultSecrets } from '../src/adapters/keyvault';
import { defaultRetryPolicy, type RetryPolicy } from '../src/adapters/retry';
import type { Log } from '../src/core/ports';
import { Secret } from '../src/core/secret';
import { startEmulator, type Emulator, type EmulatorKeys, type KeyVaultAccess, type RequestLogEntry } from '../test/emulator/index.ts';
import { withTrustedEmulatorKeys } from '../test/trusted-keys.ts';
import { ROTATOR_ID, ROTATOR_SECRET, standardSetup } from '../test/harness.ts';
import { failure } from '../test/service-failure.ts';

const DAY = 86_400_000;
const POLICY: RetryPolicy = { ...defaultRetryPolicy({}), baseMs: 10, timeoutMs: 5000 };
const APP_ID = '5a5a5a5a-1111-4222-8333-444444444444';
const KEY_ID = '6b6b6b6b-1111-4222-8333-555555555555';
/** A value that must appear nowhere but in the vault. */
const VALUE = 'Kv8Q~the.new_client-secret.value0123456789';

let keys: EmulatorKeys;
withTrustedEmulatorKeys((k) => (keys = k));

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

interface World {
  e: Emulator;
  vault: string;
  kv: KeyVaultSecrets;
  lines: string[];
}

async function world(access: KeyVaultAccess = { rbac: { [ROTATOR_ID]: 'Key Vault Secrets Officer' } }, policy: RetryPolicy = POLICY): Promise<World> {
  const e = await startEmulator({ keys });
  emu = e;
  standardSetup(e);
  const vault = e.keyVault.addVault('127.0.0.1', access);
  const lines: string[] = [];
  const log: Log = { info: (m) => lines.push(m), warning: (m) => lines.push(`warning: ${m}`), mask: () => undefined, group: (_t, fn) => fn() };
  const signIn: SignIn = {
    tenantId: e.tenantId,
    clientId: ROTATOR_ID,
    clientSecret: new Secret(ROTATOR_SECRET),
    oidcAudience: 'api://AzureADTokenExchange',
    authorityHost: e.urls.authority,
    graphEndpoint: e.urls.graph,
  };
  const kv = new KeyVaultSecrets(rotatorCredential(signIn, policy, log), { clientId: ROTATOR_ID, log, policy });
  return { e, vault, kv, lines };
}

const vaultLog = (e: Emulator): RequestLogEntry[] => e.log.filter((x) => x.service === 'keyvault');
/** Requests that read a value: a GET of one secret (the listings, versions and deleted ones carry none). */
const valueReads = (e: Emulator): RequestLogEntry[] => vaultLog(e).filter((x) => x.method === 'GET' && /^\/secrets\/[^/?]+(\/[0-9a-f]{32}|\/)?(\?|$)/.test(x.path));
const puts = (e: Emulator): RequestLogEntry[] => vaultLog(e).filter((x) => x.method === 'PUT' && x.principal === ROTATOR_ID && x.status !== 401);

const write = (w: World, name = 'billing-api-secret', extra: { notAfter?: Date } = {}): Promise<void> =>
  w.kv.write(w.vault, name, new Secret(VALUE), {
    contentType: KEY_VAULT_CONTENT_TYPES.secret,
    expiresOn: new Date(Math.floor((Date.now() + 180 * DAY) / 1000) * 1000),
    tags: { appId: APP_ID, keyId: KEY_ID },
    ...extra,
  });

describe('list, write and holds', () => {
  test('list: every page, by upper-case name, the tags read as holds and appId; no value read', async () => {
    const w = await world();
    const expires = new Date(Math.floor((Date.now() + 30 * DAY) / 1000) * 1000);
    for (let i = 0; i < 27; i += 1) w.e.keyVault.seed(w.vault, `other-${i}`, { value: `v${i}` });
    w.e.keyVault.seed(w.vault, 'Billing-Api', { value: 'old', tags: { 'entra-client-id': APP_ID, 'entra-credential-key-id': KEY_ID }, contentType: 'text/plain', expiresOn: expires });
    w.e.keyVault.seedDeleted(w.vault, 'deleted-one', { value: 'gone' });
    const listed = await w.kv.list(w.vault);
    expect(listed.size).toBe(28);
    expect(listed.get('BILLING-API')).toMatchObject({ name: 'Billing-Api', holds: KEY_ID, appId: APP_ID, contentType: 'text/plain', expiresOn: expires });
    expect(listed.get('BILLING-API')?.updatedAt.getTime()).toBe(w.e.keyVault.versions(w.vault, 'Billing-Api')[0]?.updatedOn.getTime());
    expect(listed.get('OTHER-3')).toMatchObject({ holds: undefined, appId: undefined, tags: {} });
    expect(listed.has('DELETED-ONE')).toBe(false);
    // Two pages; the first request was the SDK's challenge (no token, 401).
    expect(vaultLog(w.e).map((x) => [x.method, x.path.split('?')[0], x.status])).toEqual([
      ['GET', '/secrets', 401],
      ['GET', '/secrets', 200],
      ['GET', '/secrets', 200],
    ]);
    expect(valueReads(w.e)).toEqual([]);
  });

  test('write: one PUT with the value, content type, expiry and tags; holds reads them back without the value', async () => {
    const w = await world();
    const expiresOn = new Date(Math.floor((Date.now() + 90 * DAY) / 1000) * 1000);
    await w.kv.write(w.vault, 'billing-api-secret', new Secret(VALUE), {
      contentType: KEY_VAULT_CONTENT_TYPES.pem,
      expiresOn,
      tags: { appId: APP_ID, keyId: KEY_ID, environment: 'production' },
    });
    expect(w.e.keyVault.open(w.vault, 'billing-api-secret')).toBe(VALUE);
    expect(w.e.keyVault.versions(w.vault, 'billing-api-secret')).toEqual([
      expect.objectContaining({ contentType: 'application/x-pem-file', expiresOn, enabled: true, tags: { 'entra-client-id': APP_ID, 'entra-credential-key-id': KEY_ID, environment: 'production' } }),
    ]);
    expect(puts(w.e)).toHaveLength(1);
    const held = await w.kv.holds(w.vault, 'billing-api-secret');
    expect(held).toMatchObject({ name: 'billing-api-secret', holds: KEY_ID, appId: APP_ID, contentType: 'application/x-pem-file', expiresOn });
    expect(valueReads(w.e)).toEqual([]);
    expect(w.lines).toEqual([]);
  });

  test('holds: the latest version (by creation), not the first; undefined for a secret the vault does not have', async () => {
    const w = await world();
    w.e.keyVault.seed(w.vault, 'rotated', { value: 'a', tags: { 'entra-credential-key-id': 'old-key' }, updatedOn: new Date(Date.now() - 10 * DAY) });
    w.e.keyVault.seed(w.vault, 'rotated', { value: 'b', tags: { 'entra-credential-key-id': 'new-key' } });
    expect((await w.kv.holds(w.vault, 'rotated'))?.holds).toBe('new-key');
    expect(await w.kv.holds(w.vault, 'never-written')).toBeUndefined();
    expect(valueReads(w.e)).toEqual([]);
  });

  test('a vault URL with a path or a trailing slash is the vault at its origin', async () => {
    const w = await world();
    await w.kv.write(`${w.vault}/`, 'plain', new Secret(VALUE), { contentType: 'text/plain', tags: { appId: APP_ID } });
    expect((await w.kv.list(`${w.vault}/secrets/plain`)).get('PLAIN')?.appId).toBe(APP_ID);
  });

  test('a host that is not a Microsoft vault host and names another resource in its challenge gets no token', async () => {
    const w = await world();
    // Not a vault: a server asking for a Microsoft Graph token, which the SDK would fetch with its check off.
    const server = createServer({ key: keys.certs.keyPem, cert: keys.certs.certPem }, (_req, res) => {
      res.writeHead(401, { 'www-authenticate': `Bearer authorization="${w.e.urls.authority}/${w.e.tenantId}", resource="https://graph.microsoft.com"`, 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const before = w.e.log.filter((x) => x.service === 'entra').length;
      const e = await failure(w.kv.list(`https://127.0.0.1:${(server.address() as AddressInfo).port}`));
      expect(e.details.detail).toMatch(/asked for a token for https:\/\/graph\.microsoft\.com\/\.default, which is not Key Vault's: no token was given/);
      expect(e.details.hint).toMatch(/sign-in challenge for another resource than Key Vault: check the vault URL/);
      expect(w.e.log.filter((x) => x.service === 'entra')).toHaveLength(before);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('Microsoft vault hosts keep the SDK\'s challenge check; any other host has it off', () => {
    expect(['kv.vault.azure.net', 'KV.Vault.Azure.Net', 'kv.vault.usgovcloudapi.net', 'kv.vault.azure.cn'].map(isMicrosoftVaultHost)).toEqual([true, true, true, true]);
    expect(['127.0.0.1', 'kv.vault.emulator.test', 'vault.azure.net', 'kv.privatelink.vaultcore.azure.net', 'kv.managedhsm.azure.net', 'evilvault.azure.net'].map(isMicrosoftVaultHost)).toEqual([false, false, false, false, false, false]);
  });
});

describe('a lost answer, settled in the same call', () => {
  test('the PUT took effect and its answer was lost: the tags read back say it landed; no second PUT', async () => {
    const w = await world();
    await w.kv.list(w.vault); // the challenge is behind us: the fault hits the write itself
    const fault = w.e.faults.add({ kind: 'drop-after', match: { service: 'keyvault', method: 'PUT' } });
    await write(w);
    expect(fault.fired).toBe(1);
    expect(puts(w.e)).toHaveLength(1);
    expect(w.e.keyVault.versions(w.vault, 'billing-api-secret')).toHaveLength(1);
    expect(w.lines).toEqual([expect.stringMatching(/^The answer to writing Key Vault secret 'billing-api-secret' of https:\/\/127\.0\.0\.1:\d+ was lost \(ECONNRESET: .*\); reading the versions' tags back shows it landed$/)]);
    expect(valueReads(w.e)).toEqual([]);
    expect(vaultLog(w.e).some((x) => x.path.startsWith('/secrets/billing-api-secret/versions'))).toBe(true);
  });

  test('a 500 after the PUT took effect: settled the same way', async () => {
    const w = await world();
    await w.kv.list(w.vault);
    w.e.faults.add({ kind: 'status-after', status: 500, match: { service: 'keyvault', method: 'PUT' } });
    await write(w);
    expect(puts(w.e)).toHaveLength(1);
    expect(w.lines.join('\n')).toMatch(/was lost \(HTTP 500 InternalServerError\); reading the versions' tags back shows it landed/);
  });

  test('the connection dropped before the PUT took effect: the read back says it did not land, and it is written again', async () => {
    const w = await world();
    await w.kv.list(w.vault);
    w.e.faults.add({ kind: 'drop', match: { service: 'keyvault', method: 'PUT' } });
    await write(w);
    expect(puts(w.e)).toHaveLength(2);
    expect(w.e.keyVault.versions(w.vault, 'billing-api-secret')).toHaveLength(1);
    expect(w.e.keyVault.open(w.vault, 'billing-api-secret')).toBe(VALUE);
    expect(w.lines.join('\n')).toMatch(/shows it did not land/);
  });

  test('when the read back fails too, the write fails with outcomeUnknown', async () => {
    const w = await world();
    await w.kv.list(w.vault);
    w.e.faults.add({ kind: 'drop-after', match: { service: 'keyvault', method: 'PUT' } });
    w.e.faults.add({ kind: 'status', status: 403, code: 'Forbidden', times: Infinity, match: { service: 'keyvault', method: 'GET' } });
    const e = await failure(write(w));
    expect(e.details.outcomeUnknown).toBe(true);
    expect(e.message).toMatch(/^Azure Key Vault: failed writing Key Vault secret 'billing-api-secret' of https:\/\/127\.0\.0\.1:\d+ \(no response, ECONNRESET; it may have taken effect all the same\)/);
    expect(e.message).toContain('reading it back failed too');
  });

  test('a lost answer to every try: outcome unknown once the tries are spent, each settled by a read', async () => {
    const w = await world(undefined, { ...POLICY, attempts: 2 });
    await w.kv.list(w.vault);
    w.e.faults.add({ kind: 'drop', times: Infinity, match: { service: 'keyvault', method: 'PUT' } });
    const e = await failure(write(w));
    expect(e.details.outcomeUnknown).toBe(true);
    expect(vaultLog(w.e).filter((x) => x.method === 'PUT')).toHaveLength(2);
    expect(w.lines.filter((l) => /did not land/.test(l))).toHaveLength(2);
  });
});

describe('the write window and retries', () => {
  test('no attempt after notAfter: nothing is sent, and the outcome is known', async () => {
    const w = await world();
    await w.kv.list(w.vault);
    const e = await failure(write(w, 'late', { notAfter: new Date(Date.now() - 1) }));
    expect(e.details).toMatchObject({ code: 'ELATE', outcomeUnknown: false });
    expect(e.details.hint).toMatch(/write window/);
    expect(vaultLog(w.e).filter((x) => x.method === 'PUT')).toEqual([]);
  });

  test('a 503 on a listing is retried by the SDK and logged', async () => {
    const w = await world();
    await w.kv.list(w.vault);
    w.e.faults.add({ kind: 'status', status: 503, match: { service: 'keyvault', method: 'GET' } });
    expect((await w.kv.list(w.vault)).size).toBe(0);
    expect(w.lines).toEqual([expect.stringMatching(/^Retrying listing the secrets of the vault https:\/\/127\.0\.0\.1:\d+ in \d+ ms \(attempt 2 of 5\) after HTTP 503 InternalServerError$/)]);
  });

  test('a 429 asking to wait longer than the run allows is not waited out', async () => {
    const w = await world();
    await w.kv.list(w.vault);
    w.e.faults.add({ kind: 'status', status: 429, retryAfter: '3600', times: Infinity, match: { service: 'keyvault', method: 'GET' } });
    const started = Date.now();
    const e = await failure(w.kv.list(w.vault));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(e.details).toMatchObject({ status: 429, code: 'Throttled' });
    expect(e.details.hint).toMatch(/throttled/);
  });

  test('a 429 with a short Retry-After is waited out and retried', async () => {
    const w = await world();
    await w.kv.list(w.vault);
    w.e.faults.add({ kind: 'status', status: 429, retryAfter: '0', match: { service: 'keyvault', method: 'PUT' } });
    await write(w);
    expect(w.e.keyVault.open(w.vault, 'billing-api-secret')).toBe(VALUE);
    expect(w.lines.join('\n')).toMatch(/Retrying writing Key Vault secret 'billing-api-secret' .* after HTTP 429 Throttled/);
  });
});

interface ErrorCase {
  name: string;
  arrange: (w: World) => void | Promise<void>;
  access?: KeyVaultAccess;
  vault?: (w: World) => string;
  status: number | undefined;
  code: string;
  hint: (w: World) => Array<string | RegExp>;
  requestId: boolean;
}

const ERROR_CASES: ErrorCase[] = [
  {
    name: '403 ForbiddenByRbac: the role, with the az line scoped to the vault\'s resource id',
    access: { rbac: {} },
    arrange: () => undefined,
    status: 403,
    code: 'ForbiddenByRbac',
    hint: (w) => ['Key Vault Secrets Officer', `az role assignment create --role "Key Vault Secrets Officer" --assignee ${ROTATOR_ID} --scope ${w.e.keyVault.vault(w.vault).resourceId.toLowerCase()}`],
    requestId: true,
  },
  {
    name: '403 ForbiddenByRbac for a Secrets User: it may read, not write',
    access: { rbac: { [ROTATOR_ID]: 'Key Vault Secrets User' } },
    arrange: () => undefined,
    status: 403,
    code: 'ForbiddenByRbac',
    hint: () => ['az role assignment create --role "Key Vault Secrets Officer"'],
    requestId: true,
  },
  {
    name: '403 ForbiddenByPolicy: an access policy with get, list and set',
    access: { accessPolicies: { [ROTATOR_ID]: ['get', 'list'] } },
    arrange: () => undefined,
    status: 403,
    code: 'ForbiddenByPolicy',
    hint: () => [`az keyvault set-policy --name <vault-name> --spn ${ROTATOR_ID} --secret-permissions get list set`],
    requestId: true,
  },
  {
    name: '403 ForbiddenByFirewall: GitHub-hosted runners are outside the network rules',
    arrange: (w) => w.e.keyVault.firewall(w.vault, true),
    status: 403,
    code: 'ForbiddenByFirewall',
    hint: () => ['GitHub-hosted runners are outside the vault\'s network rules', 'self-hosted runner', 'private endpoint'],
    requestId: true,
  },
  {
    name: '409 ObjectIsDeletedButRecoverable: recover or purge, with the az lines',
    arrange: (w) => void w.e.keyVault.seedDeleted(w.vault, 'billing-api-secret', { value: 'old' }),
    status: 409,
    code: 'ObjectIsDeletedButRecoverable',
    hint: () => ['az keyvault secret recover --vault-name <vault-name> --name billing-api-secret', 'az keyvault secret purge --vault-name <vault-name> --name billing-api-secret'],
    requestId: true,
  },
  {
    name: 'a vault host that does not resolve: check the vault URL with az keyvault show',
    vault: (w) => w.vault.replace('127.0.0.1', 'no-such-vault.vault.emulator.test'),
    arrange: () => undefined,
    status: undefined,
    code: 'ENOTFOUND|EAI_AGAIN',
    hint: () => ["does not resolve: check the vault URL (`az keyvault show --name <vault-name> --query properties.vaultUri -o tsv`"],
    requestId: false,
  },
];

describe('errors users meet, each with what to do', () => {
  test.each(ERROR_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const w = await world(c.access);
    await c.arrange(w);
    const vault = c.vault?.(w) ?? w.vault;
    const e = await failure(w.kv.write(vault, 'billing-api-secret', new Secret(VALUE), { contentType: 'text/plain', tags: { appId: APP_ID, keyId: KEY_ID } }));
    expect(e.details.service).toBe('Azure Key Vault');
    expect(e.details.doing).toBe(`writing Key Vault secret 'billing-api-secret' of ${new URL(vault).origin}`);
    expect(e.details.status).toBe(c.status);
    expect(e.details.code).toMatch(new RegExp(`^(${c.code})$`));
    expect(e.details.outcomeUnknown).toBe(false);
    for (const part of c.hint(w)) expect(e.details.hint).toEqual(typeof part === 'string' ? expect.stringContaining(part) : expect.stringMatching(part));
    if (c.requestId) {
      const answered = vaultLog(w.e).filter((x) => x.status === c.status);
      expect(answered.map((x) => x.requestId)).toContain(e.details.requestId);
      expect(e.message).toContain(`request id ${e.details.requestId ?? ''}`);
    } else expect(vaultLog(w.e)).toEqual([]);
    // No retry of a refusal; nothing written.
    expect(vaultLog(w.e).filter((x) => x.method === 'PUT' && x.status === c.status).length).toBeLessThanOrEqual(1);
    expect(w.e.keyVault.open(w.vault, 'billing-api-secret')).toBeUndefined();
    // The value is nowhere but in the request that carried it.
    expect(JSON.stringify({ message: e.message, details: e.details, lines: w.lines })).not.toContain(VALUE);
  });

  test('reads fail with the same hints (a listing without the list permission)', async () => {
    const w = await world({ accessPolicies: { [ROTATOR_ID]: ['get', 'set'] } });
    const e = await failure(w.kv.list(w.vault));
    expect(e.details).toMatchObject({ status: 403, code: 'ForbiddenByPolicy', outcomeUnknown: false });
    expect(e.message).toMatch(/^Azure Key Vault: failed listing the secrets of the vault https:\/\/127\.0\.0\.1:\d+ \(HTTP 403, ForbiddenByPolicy, request id [0-9a-f-]{36}\): The user, group or application/);
  });

  test('a wrong rotator secret fails as the sign-in it is, with Entra\'s code', async () => {
    const w = await world();
    const log: Log = { info: () => undefined, warning: () => undefined, mask: () => undefined, group: (_t, fn) => fn() };
    const signIn: SignIn = { tenantId: w.e.tenantId, clientId: ROTATOR_ID, clientSecret: new Secret('wrong8Q~secret'), oidcAudience: 'api://AzureADTokenExchange', authorityHost: w.e.urls.authority, graphEndpoint: w.e.urls.graph };
    const kv = new KeyVaultSecrets(rotatorCredential(signIn, POLICY, log), { clientId: ROTATOR_ID, log, policy: POLICY });
    const e = await failure(kv.list(w.vault));
    expect(e.details.service).toBe('Microsoft Entra ID');
    expect(e.details.code).toBe('AADSTS7000215');
  });

  test('the value appears in no error and no log line, across lost answers and refusals', async () => {
    const w = await world();
    await w.kv.list(w.vault);
    w.e.faults.add({ kind: 'drop-after', match: { service: 'keyvault', method: 'PUT' } });
    await write(w);
    w.e.keyVault.firewall(w.vault, true);
    const e = await failure(write(w));
    expect(JSON.stringify({ message: e.message, stack: e.stack, details: e.details, lines: w.lines })).not.toContain(VALUE);
    expect(w.e.keyVault.open(w.vault, 'billing-api-secret')).toBe(VALUE);
  });
});
