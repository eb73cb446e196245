/**
 * Behind a proxy, as on a self-hosted runner: every request goes through HTTPS_PROXY (or https_proxy), except to
 * hosts in NO_PROXY. The proxy (test/proxy.ts) records the local port of each tunnel's socket to the emulator; the
 * emulator logs each request's connection's remote port. A request whose remote port is a tunnel's came through it.
 *
 * @actions/http-client (the ID token; Octokit) never proxies loopback hosts (localhost, 127.*), whatever NO_PROXY
 * says: the ID-token endpoint and GitHub are addressed as PROXY_ONLY_HOST, a name only the proxy resolves.
 */
import { startEmulator, type Emulator, type Service } from '../test/emulator/index.ts';
import { runAction, standardSetup } from '../test/harness.ts';
import { PROXY_ONLY_HOST, startConnectProxy, type ConnectProxy } from '../test/proxy.ts';
import { SCENARIOS } from '../test/scenarios.ts';

let emu: Emulator;
let proxy: ConnectProxy;
beforeEach(async () => {
  emu = await startEmulator();
  standardSetup(emu);
  proxy = await startConnectProxy();
});
afterEach(async () => {
  await proxy.close();
  await emu.close();
});

const rotation = SCENARIOS.find((s) => s.name === 'rotation to one repository secret')!;

/** For each request to `service`: whether it came through one of the proxy's tunnels. */
function routes(service: Service): Array<'proxy' | 'direct'> {
  const tunnelled = new Set(proxy.tunnels.map((t) => t.localPort));
  return emu.log.filter((e) => e.service === service).map((e) => (tunnelled.has(e.remotePort) ? 'proxy' : 'direct'));
}

const proxyOnly = (url: string): string => url.replace('//127.0.0.1:', `//${PROXY_ONLY_HOST}:`);

const all = (how: 'proxy' | 'direct', service: Service): Array<'proxy' | 'direct'> => emu.log.filter((e) => e.service === service).map(() => how);

it('sends every Entra, Graph and ID-token request through HTTPS_PROXY', async () => {
  const run = await runAction(emu, rotation.setUp(emu, 'oidc'), { HTTPS_PROXY: proxy.url, ACTIONS_ID_TOKEN_REQUEST_URL: proxyOnly(emu.urls.idTokenRequestUrl) });
  expect(run.error).toBe('');
  expect(run.outputs['rotated']).toBe('true');
  for (const service of ['entra', 'graph', 'oidc'] as const) {
    expect(emu.log.filter((e) => e.service === service).length).toBeGreaterThan(0);
    expect({ service, routes: routes(service) }).toEqual({ service, routes: all('proxy', service) });
  }
});

it('reaches NO_PROXY hosts directly (lower-case https_proxy and no_proxy)', async () => {
  // The same servers, addressed as localhost: Graph and the ID-token endpoint are bypassed, Entra is not.
  const inputs = { ...rotation.setUp(emu, 'oidc'), 'graph-endpoint': emu.urls.graph.replace('//127.0.0.1:', '//localhost:') };
  const idTokenUrl = emu.urls.idTokenRequestUrl.replace('//127.0.0.1:', '//localhost:');
  const run = await runAction(emu, inputs, { https_proxy: proxy.url, no_proxy: 'localhost', ACTIONS_ID_TOKEN_REQUEST_URL: idTokenUrl });
  expect(run.error).toBe('');
  expect(run.outputs['rotated']).toBe('true');
  expect({ routes: routes('entra') }).toEqual({ routes: all('proxy', 'entra') });
  for (const service of ['graph', 'oidc'] as const) {
    expect(emu.log.filter((e) => e.service === service).length).toBeGreaterThan(0);
    expect({ service, routes: routes(service) }).toEqual({ service, routes: all('direct', service) });
  }
  expect(proxy.tunnels.filter((t) => t.host === 'localhost')).toEqual([]);
});

it('a request to a host only the proxy knows fails without it: the tests above prove what they say', async () => {
  const run = await runAction(emu, rotation.setUp(emu, 'oidc'), { ACTIONS_ID_TOKEN_REQUEST_URL: proxyOnly(emu.urls.idTokenRequestUrl) });
  expect(run.code).toBe(1);
  expect(run.error).toContain('getting a GitHub OIDC ID token');
  expect(emu.log.filter((e) => e.service === 'oidc')).toEqual([]);
});

/** GitHub's requests (Octokit's fetch, with the same proxy dispatcher as the Graph client's). */
it('sends every GitHub request through HTTPS_PROXY', async () => {
  const inputs = { ...rotation.setUp(emu, 'secret'), 'github-api-url': proxyOnly(emu.urls.github) };
  const run = await runAction(emu, inputs, { HTTPS_PROXY: proxy.url });
  expect(run.error).toBe('');
  expect(emu.log.filter((e) => e.service === 'github').length).toBeGreaterThan(0);
  expect(routes('github')).toEqual(all('proxy', 'github'));
});
