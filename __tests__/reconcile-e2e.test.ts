/**
 * The app registration as the workflow declares it, end to end: the seeds' configurations, basic → complete →
 * basic convergence, reruns that only read, federated credentials, and bad lines.
 */
import { startEmulator, type Emulator } from '../test/emulator/index.ts';
import { baseInputs, expectNoLeak, runAction, standardSetup, writesIn } from '../test/harness.ts';

const GRAPH = '00000003-0000-0000-c000-000000000000';
const HEALTHCARE = '4f6778d8-5aef-43dc-a1ff-b073724b9495';
const USER_READ = 'e1fe6dd8-ba31-4d61-89e7-88639da4683d';
const OWNED_BY = '18a4783c-866b-4cc7-a460-3d5e5662c884';
const POSTMAN = 'https://www.getpostman.com/oauth2/callback';
const ISSUER = 'https://token.actions.githubusercontent.com';

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator();
  standardSetup(emu);
});
afterEach(async () => {
  await emu.close();
});

const app = (name = 'fhir-client') => {
  const a = emu.graph.apps.find((x) => x.displayName === name);
  if (!a) throw new Error('no app');
  return a;
};
const scopeId = (appId: string, value: string): string | undefined =>
  emu.graph.servicePrincipals.find((sp) => sp.appId === appId)?.oauth2PermissionScopes.find((s) => s.value === value)?.id;
const graphWrites = (): string[] => writesIn(emu).filter((w) => w.includes('/v1.0/'));

it('registers a confidential web client with a redirect URI and a delegated permission (Azure Healthcare APIs)', async () => {
  const run = await runAction(emu, {
    ...baseInputs(emu),
    'app-name': 'fhir-client',
    'web-redirect-uris': 'https://fhir-client.contoso.com/signin-oidc',
    'api-permissions': 'Azure Healthcare APIs: user_impersonation',
  });
  expect(run.error).toBe('');
  const a = app();
  expect(a.signInAudience).toBe('AzureADMyOrg');
  expect(a.web.redirectUris).toEqual(['https://fhir-client.contoso.com/signin-oidc']);
  expect(a.requiredResourceAccess).toEqual([{ resourceAppId: HEALTHCARE, resourceAccess: [{ id: scopeId(HEALTHCARE, 'user_impersonation'), type: 'Scope' }] }]);
  // created with the declared properties in the same request: no PATCH
  expect(graphWrites().filter((w) => w.startsWith('PATCH'))).toEqual([]);
  expect(run.stdout).toContain('is not consent');
  expectNoLeak(run, emu);
});

it("registers a public client for Postman (Mobile and desktop redirect URI, public client flows on), and a rerun only reads", async () => {
  const inputs = { ...baseInputs(emu), 'app-name': 'fhir-client', 'public-client-redirect-uris': POSTMAN, 'allow-public-client-flows': 'true' };
  expect((await runAction(emu, inputs)).error).toBe('');
  expect(app().publicClient.redirectUris).toEqual([POSTMAN]);
  expect(app().isFallbackPublicClient).toBe(true);
  emu.resetCounters();
  const rerun = await runAction(emu, inputs);
  expect(rerun.error).toBe('');
  expect(writesIn(emu)).toEqual([]);
  expect(rerun.stdout).toContain('app properties: as declared');
});

it('declares Microsoft Graph delegated and application permissions with their real ids', async () => {
  const run = await runAction(emu, {
    ...baseInputs(emu),
    'app-name': 'fhir-client',
    'api-permissions': 'Microsoft Graph: User.Read, Application.ReadWrite.OwnedBy=Role',
  });
  expect(run.error).toBe('');
  expect(app().requiredResourceAccess).toEqual([
    { resourceAppId: GRAPH, resourceAccess: [{ id: USER_READ, type: 'Scope' }, { id: OWNED_BY, type: 'Role' }] },
  ]);
});

it('converges basic → complete → basic, each rerun making reads only', async () => {
  emu.seedApp({ displayName: 'fhir-client', servicePrincipal: true });
  const basic = { ...baseInputs(emu), 'app-name': 'fhir-client', 'web-redirect-uris': 'https://a.contoso.com/auth' };
  const complete = {
    ...basic,
    'web-redirect-uris': 'https://a.contoso.com/auth\nhttps://b.contoso.com/auth\nhttp://localhost:5000/auth',
    'spa-redirect-uris': 'https://spa.contoso.com',
    'public-client-redirect-uris': POSTMAN,
    'allow-public-client-flows': 'true',
    'api-permissions': 'Microsoft Graph: User.Read\nAzure Healthcare APIs: user_impersonation\nMicrosoft Graph: Application.ReadWrite.OwnedBy=Role',
    'federated-credentials': 'repo:octo/app:environment:production\nrepo:octo/app:ref:refs/heads/main',
    tags: 'team:payments\ncost-center:42',
    notes: 'Managed by the payments platform team',
    'sign-in-audience': 'AzureADMultipleOrgs',
  };
  const basicAgain = { ...basic, 'spa-redirect-uris': '', 'federated-credentials': 'repo:octo/app:ref:refs/heads/main', 'api-permissions': 'Microsoft Graph: User.Read' };
  const readsOnly: Record<string, number> = {};
  for (const [name, inputs] of [['basic', basic], ['complete', complete], ['basic again', basicAgain]] as const) {
    const first = await runAction(emu, inputs);
    expect(first.error).toBe('');
    emu.resetCounters();
    const rerun = await runAction(emu, inputs);
    expect(rerun.error).toBe('');
    expect(writesIn(emu)).toEqual([]);
    readsOnly[name] = emu.log.length;
  }
  const a = app();
  expect(a.web.redirectUris).toEqual(['https://a.contoso.com/auth']);
  // spa is left alone when its input is empty: it keeps what "complete" set
  expect(a.spa.redirectUris).toEqual(['https://spa.contoso.com']);
  expect(a.requiredResourceAccess).toEqual([{ resourceAppId: GRAPH, resourceAccess: [{ id: USER_READ, type: 'Scope' }] }]);
  expect(a.federatedIdentityCredentials.map((f) => f.subject)).toEqual(['repo:octo/app:ref:refs/heads/main']);
  expect(a.signInAudience).toBe('AzureADMultipleOrgs');
  expect(a.tags.sort()).toEqual(['cost-center:42', 'team:payments']);
  // converged reruns: MSAL's OpenID configuration read (see SDK_REQUESTS_PER_CREDENTIAL in test/scenarios.ts),
  // token, app, listing (+ federated credentials and one read per API when declared)
  expect(readsOnly).toEqual({ basic: 4, complete: 7, 'basic again': 6 });
});

it('changes an existing app with one PATCH of just the differing properties, shown before → after', async () => {
  emu.seedApp({ displayName: 'fhir-client', servicePrincipal: true });
  const a = app();
  a.web.redirectUris = ['https://old.contoso.com/auth'];
  a.notes = 'keep me';
  const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'fhir-client', 'web-redirect-uris': 'https://new.contoso.com/auth', 'allow-public-client-flows': 'false' });
  expect(run.error).toBe('');
  expect(graphWrites().filter((w) => w.startsWith('PATCH'))).toHaveLength(1);
  expect(run.stdout).toContain('change web.redirectUris: https://old.contoso.com/auth → https://new.contoso.com/auth');
  expect(run.summary).toContain('| `web.redirectUris` | https://old.contoso.com/auth | https://new.contoso.com/auth |');
  expect(a.notes).toBe('keep me');
  expect(a.isFallbackPublicClient ?? false).toBe(false);
});

it('shows the changes in a dry run and makes none', async () => {
  emu.seedApp({ displayName: 'fhir-client', servicePrincipal: true });
  const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'fhir-client', 'dry-run': 'true', tags: 'a', 'federated-credentials': 'repo:octo/app:environment:production' });
  expect(run.error).toBe('');
  expect(writesIn(emu)).toEqual([]);
  expect(run.stdout).toContain('change tags: (none) → a');
  expect(run.stdout).toContain("add federated credential 'gha-octo-app-environment-production' for repo:octo/app:environment:production");
  expect(run.summary).toContain('would change');
});

it('adds, keeps and removes its federated credentials, and never touches one it did not create', async () => {
  emu.seedApp({
    displayName: 'fhir-client',
    servicePrincipal: true,
    federatedIdentityCredentials: [{ name: 'hand-made', issuer: ISSUER, subject: 'repo:octo/legacy:ref:refs/heads/main', audiences: ['api://AzureADTokenExchange'] }],
  });
  const inputs = (subjects: string) => ({ ...baseInputs(emu), 'app-name': 'fhir-client', 'federated-credentials': subjects });
  expect((await runAction(emu, inputs('repo:octo/app:environment:production\nrepo:octo/app:environment:staging'))).error).toBe('');
  const subjects = () => app().federatedIdentityCredentials.map((f) => f.subject).sort();
  expect(subjects()).toEqual(['repo:octo/app:environment:production', 'repo:octo/app:environment:staging', 'repo:octo/legacy:ref:refs/heads/main']);
  const production = app().federatedIdentityCredentials.find((f) => f.subject.endsWith('production'));
  expect(production).toMatchObject({ name: 'gha-octo-app-environment-production', issuer: ISSUER, audiences: ['api://AzureADTokenExchange'] });
  const run = await runAction(emu, inputs('repo:octo/app:environment:production'));
  expect(run.error).toBe('');
  expect(subjects()).toEqual(['repo:octo/app:environment:production', 'repo:octo/legacy:ref:refs/heads/main']);
  expect(app().federatedIdentityCredentials.find((f) => f.subject.endsWith('production'))?.id).toBe(production?.id);
  expect(run.stdout).toContain("Removed the federated credential 'gha-octo-app-environment-staging'");
});

it('uses the GHES issuer on GitHub Enterprise Server', async () => {
  const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'fhir-client', 'federated-credentials': 'repo:octo/app:ref:refs/heads/main' }, { GITHUB_SERVER_URL: 'https://github.contoso.com' });
  expect(run.error).toBe('');
  expect(app().federatedIdentityCredentials[0]?.issuer).toBe('https://github.contoso.com/_services/token');
});

it('names the line of an unknown permission and lists the closest ones, before creating anything', async () => {
  const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'fhir-client', 'api-permissions': 'Microsoft Graph: User.Read\nMicrosoft Graph: Application.ReadWrite.Owned=Role' });
  expect(run.code).toBe(1);
  expect(run.error).toContain("api-permissions, line 2: Microsoft Graph has no application permission (=Role) 'Application.ReadWrite.Owned'; closest: Application.ReadWrite.OwnedBy");
  expect(emu.graph.apps).toEqual([]);
  expect(writesIn(emu)).toEqual([]);
});

it.each([
  ['api-permissions', 'Microsoft Graph User.Read', 'api-permissions, line 1:', "expected 'API: permission, permission=Role'"],
  ['api-permissions', 'Microsoft Graph: User.Read\n\nAzure Healthcare APIs: user impersonation', 'api-permissions, line 3:', 'expected a permission name'],
  ['web-redirect-uris', 'https://ok.contoso.com\nhttp://insecure.contoso.com/auth', 'web-redirect-uris, line 2:', 'expected an https:// URI (plain http is allowed only for http://localhost)'],
  ['spa-redirect-uris', '/relative/path', 'spa-redirect-uris, line 1:', 'expected an absolute URI'],
  ['public-client-redirect-uris', 'not a uri', 'public-client-redirect-uris, line 1:', 'expected an absolute URI'],
  ['federated-credentials', 'repo:octo/app:environment:prod\nocto/app:main', 'federated-credentials, line 2:', 'expected a GitHub OIDC subject'],
  ['federated-credentials', 'repo:octo/app:branch:main', 'federated-credentials, line 1:', 'expected a GitHub OIDC subject'],
  ['federated-credentials', Array.from({ length: 21 }, (_, i) => `repo:octo/app:environment:e${i}`).join('\n'), 'federated-credentials:', 'at most 20'],
  ['allow-public-client-flows', 'yes', 'allow-public-client-flows:', 'true or false'],
])('rejects a bad %s line with its number, sending nothing', async (input, value, prefix, expected) => {
  emu.resetCounters();
  const run = await runAction(emu, { ...baseInputs(emu), 'app-name': 'fhir-client', [input]: value });
  expect(run.code).toBe(1);
  const line = run.error.split('\n').find((l) => l.includes(prefix));
  expect(line).toContain(expected);
  expect(emu.log).toEqual([]);
});
