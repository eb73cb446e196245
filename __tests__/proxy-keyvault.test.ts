/**
 * Key Vault behind a proxy (self-hosted runners): the adapter's requests (the SDK's own proxy handling, as
 * @azure/identity's) go through HTTPS_PROXY, NO_PROXY is honoured, and an untrusted certificate behind the proxy is
 * not retried. The vault's host is a name that resolves nowhere (the emulator's certificate covers
 * *.vault.emulator.test): only the proxy (test/proxy.ts) can reach it.
 *
 * The SDK reads NO_PROXY once, when its first pipeline is made: this file sets both variables before any client
 * exists and keeps them for all its tests (hence a file of its own).
 */
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { rotatorCredential, type SignIn } from '../src/adapters/entra';
import { KeyVaultSecrets } from '../src/adapters/keyvault';
import { defaultRetryPolicy, type RetryPolicy } from '../src/adapters/retry';
import type { Log } from '../src/core/ports';
import { Secret } from '../src/core/secret';
import { createEmulatorKeys, startEmulator, type Emulator, type EmulatorKeys } from '../test/emulator/index.ts';
import { ROTATOR_ID, ROTATOR_SECRET, standardSetup } from '../test/harness.ts';
import { startConnectProxy, type ConnectProxy } from '../test/proxy.ts';
import { failure } from '../test/service-failure.ts';

const POLICY: RetryPolicy = { ...defaultRetryPolicy({}), baseMs: 10, timeoutMs: 5000 };
const APP_ID = '5a5a5a5a-1111-4222-8333-444444444444';
const VALUE = 'Px8Q~value.behind_a-proxy0123456789abcdef';
const ENV = ['HTTPS_PROXY', 'NO_PROXY'] as const;

let keys: EmulatorKeys;
let defaultCAs: string[];
let proxy: ConnectProxy;
const saved: Partial<Record<(typeof ENV)[number], string>> = {};
beforeAll(async () => {
  keys = await createEmulatorKeys();
  defaultCAs = getCACertificates('default');
  setDefaultCACertificates([...defaultCAs, keys.certs.caPem]);
  proxy = await startConnectProxy();
  for (const k of ENV) if (process.env[k] !== undefined) saved[k] = process.env[k];
  process.env['HTTPS_PROXY'] = proxy.url;
  process.env['NO_PROXY'] = 'example.com,.direct.test';
});
afterAll(async () => {
  for (const k of ENV) {
    const v = saved[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  setDefaultCACertificates(defaultCAs);
  await proxy.close();
});

let emu: Emulator;
let kv: KeyVaultSecrets;
let lines: string[];
beforeEach(async () => {
  emu = await startEmulator({ keys });
  standardSetup(emu);
  lines = [];
  const log: Log = { info: (m) => lines.push(m), warning: (m) => lines.push(m), mask: () => undefined, group: (_t, fn) => fn() };
  const signIn: SignIn = {
    tenantId: emu.tenantId,
    clientId: ROTATOR_ID,
    clientSecret: new Secret(ROTATOR_SECRET),
    oidcAudience: 'api://AzureADTokenExchange',
    authorityHost: emu.urls.authority,
    graphEndpoint: emu.urls.graph,
  };
  kv = new KeyVaultSecrets(rotatorCredential(signIn, POLICY, log), { clientId: ROTATOR_ID, log, policy: POLICY });
});
afterEach(async () => {
  await emu.close();
});

const vaultPort = (): number => Number(new URL(emu.urls.keyVault).port);
const vaultTunnels = (): ConnectProxy['tunnels'] => proxy.tunnels.filter((t) => t.port === vaultPort());

it('sends every vault request through HTTPS_PROXY, to the vault by its name', async () => {
  const vault = emu.keyVault.addVault('kv1.vault.emulator.test', { rbac: { [ROTATOR_ID]: 'Key Vault Secrets Officer' } });
  await kv.write(vault, 'through-proxy', new Secret(VALUE), { contentType: 'text/plain', tags: { appId: APP_ID } });
  expect((await kv.list(vault)).get('THROUGH-PROXY')?.appId).toBe(APP_ID);
  expect(emu.keyVault.open(vault, 'through-proxy')).toBe(VALUE);
  const requests = emu.log.filter((e) => e.service === 'keyvault');
  expect(requests.length).toBeGreaterThanOrEqual(3);
  expect(vaultTunnels().length).toBeGreaterThan(0);
  expect(new Set(vaultTunnels().map((t) => `${t.host}:${t.port}`))).toEqual(new Set([`kv1.vault.emulator.test:${vaultPort()}`]));
  // Every vault request arrived on a connection the proxy opened.
  const proxied = new Set(vaultTunnels().map((t) => t.localPort));
  expect(requests.every((e) => proxied.has(e.remotePort))).toBe(true);
});

it('goes direct to a host NO_PROXY names (and this one does not resolve: the hint says to check the vault URL)', async () => {
  const vault = emu.keyVault.addVault('kv2.direct.test', { rbac: { [ROTATOR_ID]: 'Key Vault Secrets Officer' } });
  const e = await failure(kv.list(vault));
  expect(vaultTunnels()).toEqual([]);
  expect(e.details.code).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/);
  expect(e.details.hint).toMatch(/^the vault's host kv2\.direct\.test does not resolve: check the vault URL/);
  expect(lines.filter((l) => l.startsWith('Retrying'))).toEqual([]);
});

it('does not retry a certificate that does not match the host, behind the proxy', async () => {
  const e = await failure(kv.list(`https://kv3.elsewhere.test:${vaultPort()}`));
  expect(e.details.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  expect(e.details.hint).toMatch(/the TLS certificate of kv3\.elsewhere\.test:\d+ was not trusted/);
  expect(lines.filter((l) => l.startsWith('Retrying'))).toEqual([]);
  // One tunnel, no retry through another; no request got through.
  expect(vaultTunnels()).toHaveLength(1);
  expect(emu.log.filter((e) => e.service === 'keyvault')).toEqual([]);
});
