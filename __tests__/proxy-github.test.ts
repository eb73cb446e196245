/**
 * GitHub requests behind a proxy (self-hosted runners): HTTPS_PROXY is used for the GitHub API host, NO_PROXY
 * is honoured, and an untrusted certificate behind the proxy is not retried. The API host is a name that resolves
 * nowhere (the emulator's certificate covers *.emulator.test): only the proxy can reach it.
 */
import { startEmulator, type Emulator } from '../test/emulator/index.ts';
import { baseInputs, runAction } from '../test/harness.ts';
import { invariantViolations, nearExpiryWithCompanions, type StartState } from '../test/invariant.ts';
import { startConnectProxy, type ConnectProxy } from '../test/proxy.ts';

let emu: Emulator;
let proxy: ConnectProxy;
let start: StartState;
beforeEach(async () => {
  emu = await startEmulator();
  proxy = await startConnectProxy();
  start = nearExpiryWithCompanions(emu, baseInputs(emu));
});
afterEach(async () => {
  await proxy.close();
  await emu.close();
});

const githubPort = (): number => Number(new URL(emu.urls.github).port);
const githubRequests = (): number => emu.log.filter((e) => e.service === 'github').length;
/** The tunnels to the GitHub emulator (Entra and Graph go through the proxy too). */
const githubTunnels = (): ConnectProxy['tunnels'] => proxy.tunnels.filter((t) => t.port === githubPort());

it('sends every GitHub request through HTTPS_PROXY', async () => {
  const inputs = { ...start.inputs, 'github-api-url': `https://github.emulator.test:${githubPort()}` };
  const run = await runAction(emu, inputs, { HTTPS_PROXY: proxy.url });
  expect(run.error).toBe('');
  expect(run.outputs['rotated']).toBe('true');
  expect(githubRequests()).toBeGreaterThan(0);
  expect(githubTunnels().length).toBeGreaterThan(0);
  expect(new Set(githubTunnels().map((t) => `${t.host}:${t.port}`))).toEqual(new Set([`github.emulator.test:${githubPort()}`]));
  expect(invariantViolations(emu, start)).toEqual([]);
});

it('goes direct to a host NO_PROXY names', async () => {
  const inputs = { ...start.inputs, 'github-api-url': `https://github.emulator.test:${githubPort()}` };
  const run = await runAction(emu, inputs, { HTTPS_PROXY: proxy.url, NO_PROXY: 'example.com,.emulator.test' });
  expect(run.code).toBe(1);
  expect(githubTunnels()).toEqual([]);
  expect(run.error).toMatch(/GitHub: failed listing the secrets of environment '[^']+' of octo\/app \(no response, ENOTFOUND\)/);
  expect(run.error).toContain('HTTPS_PROXY, NO_PROXY');
});

it('does not retry a certificate that does not match the host, behind the proxy', async () => {
  // The emulator's certificate does not name this host: the TLS handshake inside the tunnel fails.
  const inputs = { ...start.inputs, 'github-api-url': `https://github.elsewhere.test:${githubPort()}` };
  const run = await runAction(emu, inputs, { HTTPS_PROXY: proxy.url });
  expect(run.code).toBe(1);
  expect(run.error).toMatch(/the TLS certificate of github\.elsewhere\.test:\d+ was not trusted/);
  expect(run.error).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
  expect(run.stdout).not.toMatch(/Retrying listing/);
  // One tunnel per listing (two environments), none for a retry; no request got through.
  expect(githubTunnels()).toHaveLength(2);
  expect(githubRequests()).toBe(0);
});
