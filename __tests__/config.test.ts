import { INPUT_NAMES, readConfig, SECRET_INPUT_NAMES } from '../src/config';
import { InputError } from '../src/core/errors';
import { inputDefaults, inputEnv, inputReader } from '../test/action-yml.ts';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = '66666666-7777-8888-9999-000000000000';

/** What the runner passes: every input of action.yml, with its default unless given. */
function env(inputs: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  return { GITHUB_REPOSITORY: 'octo/app', ...extra, ...inputEnv(inputs) };
}

/** readConfig as the action calls it, over variables a runner would set. */
const readEnv = (e: Record<string, string>): ReturnType<typeof readConfig> => readConfig(inputReader(e), e);

const base = { 'tenant-id': TENANT, 'client-id': CLIENT, 'app-name': 'billing', 'github-token': 'ghp_x' };

function problemsOf(inputs: Record<string, string>, extra: Record<string, string> = {}): string[] {
  try {
    readEnv(env(inputs, extra));
  } catch (error) {
    if (error instanceof InputError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('readConfig', () => {
  it("gets action.yml's defaults from the runner (config.ts has none of its own)", () => {
    const c = readEnv(env(base));
    expect(c.signIn.authorityHost).toBe('https://login.microsoftonline.com');
    expect(c.signIn.graphEndpoint).toBe('https://graph.microsoft.com');
    expect(c.signIn.clientSecret).toBeUndefined();
    expect(c.signIn.oidcAudience).toBe('api://AzureADTokenExchange');
    expect(c.mode).toBe('single');
    expect(c.apps).toHaveLength(1);
    const spec = c.apps[0];
    expect(spec?.key).toBe('app-name:billing');
    expect(spec?.source).toBe('inputs');
    expect(spec?.app).toMatchObject({ name: 'billing', appId: undefined, createIfMissing: true, signInAudience: 'AzureADMyOrg', servicePrincipal: true, declared: {} });
    expect(spec?.rotation).toEqual({ credentialName: 'rotated-by-github-actions', lifetimeDays: 180, rotateBeforeDays: 30, force: false, keepPrevious: 1, verifyNewSecret: true });
    expect(spec?.targets).toEqual([{ scope: { service: 'actions', owner: 'octo', repo: 'app' }, name: 'AZURE_CLIENT_SECRET', kind: 'secret' }]);
    expect(c.github.apiUrl).toBe('https://api.github.com');
    expect(c.dryRun).toBe(false);
    expect(c.dryRunBecause).toBeUndefined();
    expect(c.fleet).toEqual({ maxRotations: 10, reportDays: 30, reportScope: 'managed', shard: undefined });
  });

  it('picks the endpoints of the cloud, and lets any https host override them', () => {
    expect(readEnv(env({ ...base, cloud: 'AzureUSGovernment' })).signIn).toMatchObject({
      authorityHost: 'https://login.microsoftonline.us',
      graphEndpoint: 'https://graph.microsoft.us',
    });
    expect(readEnv(env({ ...base, cloud: 'AzureChinaCloud' })).signIn.graphEndpoint).toBe('https://microsoftgraph.chinacloudapi.cn');
    expect(
      readEnv(env({ ...base, 'authority-host': 'https://127.0.0.1:8443/', 'graph-endpoint': 'https://graph.example.internal' })).signIn,
    ).toMatchObject({ authorityHost: 'https://127.0.0.1:8443', graphEndpoint: 'https://graph.example.internal' });
  });

  it('makes one target per scope and name; environments replace the repository secret', () => {
    const c = readEnv(
      env({
        ...base,
        environments: 'prod\n\n  staging area  \n',
        'client-id-secret-name': 'AZURE_CLIENT_ID',
        'credentials-secret-name': 'AZURE_CREDENTIALS',
        'subscription-id': TENANT,
      }),
    );
    const targets = c.apps[0]?.targets ?? [];
    expect(targets.find((t) => t.kind === 'credentials')?.subscriptionId).toBe(TENANT);
    expect(targets.filter((t) => t.kind !== 'credentials').every((t) => t.subscriptionId === undefined)).toBe(true);
    expect(targets.map((t) => `${t.scope.environment}:${t.name}:${t.kind}`)).toEqual([
      'prod:AZURE_CLIENT_SECRET:secret',
      'prod:AZURE_CREDENTIALS:credentials',
      'prod:AZURE_CLIENT_ID:client-id',
      'staging area:AZURE_CLIENT_SECRET:secret',
      'staging area:AZURE_CREDENTIALS:credentials',
      'staging area:AZURE_CLIENT_ID:client-id',
    ]);
  });

  it('keeps secrets out of every printed form', () => {
    const c = readEnv(env({ ...base, 'client-secret': 'abc8Q~very-secret' }));
    expect(String(c.signIn.clientSecret)).toBe('***');
    expect(JSON.stringify(c)).not.toContain('very-secret');
    expect(c.signIn.clientSecret?.reveal()).toBe('abc8Q~very-secret');
  });

  it("writes to github-api-url when given, else to the runner's GITHUB_API_URL", () => {
    const runner = { GITHUB_API_URL: 'https://api.github.com' };
    expect(readEnv(env(base, runner)).github.apiUrl).toBe('https://api.github.com');
    expect(readEnv(env(base, { GITHUB_API_URL: 'https://ghes.example.com/api/v3/' })).github.apiUrl).toBe('https://ghes.example.com/api/v3');
    expect(readEnv(env({ ...base, 'github-api-url': 'https://ghes.example.com/api/v3/' }, runner)).github.apiUrl).toBe('https://ghes.example.com/api/v3');
  });

  it('needs no github-token in a dry run', () => {
    const c = readEnv(env({ ...base, 'github-token': '', 'dry-run': 'true' }));
    expect(c.github.token).toBeUndefined();
    expect(c.dryRun).toBe(true);
  });

  it.each([
    [{ 'tenant-id': '' }, 'tenant-id: required'],
    [{ 'tenant-id': 'contoso.onmicrosoft.com' }, "tenant-id: got 'contoso.onmicrosoft.com', expected a GUID"],
    [{ 'client-id': '1234' }, "client-id: got '1234', expected a GUID"],
    [{ 'app-name': '' }, 'app-name / app-id: one is required'],
    [{ 'app-id': CLIENT }, 'app-name / app-id: give one, not both'],
    [{ 'app-name': '', 'app-id': 'nope' }, "app-id: got 'nope', expected a GUID"],
    [{ cloud: 'AzureGermanCloud' }, "cloud: got 'AzureGermanCloud', expected one of AzureCloud, AzureUSGovernment, AzureChinaCloud"],
    [{ 'authority-host': 'http://login.example' }, 'authority-host: got \'http://login.example\', expected an https:// URL'],
    [{ 'graph-endpoint': 'graph.microsoft.com' }, "graph-endpoint: got 'graph.microsoft.com', expected an https:// URL"],
    [{ 'graph-endpoint': 'https://graph.microsoft.com/v1.0' }, 'graph-endpoint: got \'https://graph.microsoft.com/v1.0\', expected the root URL'],
    [{ 'sign-in-audience': 'single' }, "sign-in-audience: got 'single', expected one of AzureADMyOrg"],
    [{ 'create-if-missing': 'yes' }, "create-if-missing: got 'yes', expected true or false"],
    [{ 'dry-run': '1' }, "dry-run: got '1', expected true or false"],
    [{ 'secret-lifetime-days': 'six months' }, "secret-lifetime-days: got 'six months', expected a whole number from 1 to 730"],
    [{ 'secret-lifetime-days': '0' }, "secret-lifetime-days: got '0', expected a whole number from 1 to 730"],
    [{ 'secret-lifetime-days': '1000' }, "secret-lifetime-days: got '1000', expected a whole number from 1 to 730"],
    [{ 'rotate-before-days': '-1' }, "rotate-before-days: got '-1', expected a whole number"],
    [{ 'rotate-before-days': '180' }, 'rotate-before-days: got 180, expected fewer days than secret-lifetime-days (180)'],
    [{ 'keep-previous': '2.5' }, "keep-previous: got '2.5', expected a whole number from 0 to 10"],
    [{ 'github-token': '' }, 'github-token: required (unless dry-run is true)'],
    [{ repository: 'just-a-name' }, "repository: got 'just-a-name', expected owner/name"],
    [{ 'secret-name': 'GITHUB_SECRET' }, "secret-name: got 'GITHUB_SECRET', expected a GitHub secret name that does not start with GITHUB_"],
    [{ 'secret-name': '1SECRET' }, "secret-name: got '1SECRET', expected a GitHub secret name: only letters"],
    [{ 'secret-name': 'AZURE-SECRET' }, "secret-name: got 'AZURE-SECRET', expected a GitHub secret name: only letters"],
    [{ 'client-id-secret-name': 'azure_client_secret' }, "client-id-secret-name: got 'azure_client_secret', expected a name different from secret-name"],
    [{ environments: 'prod\nPROD' }, "environments: got 'PROD', expected each environment once"],
    [{ 'subscription-id': TENANT }, 'subscription-id: only used in the credentials JSON'],
    [{ 'github-api-url': 'http://ghes.example.com/api/v3' }, "github-api-url: got 'http://ghes.example.com/api/v3', expected the https:// root"],
    [{ 'github-api-url': 'api.github.com' }, "github-api-url: got 'api.github.com', expected the https:// root"],
  ])('rejects %j', (inputs, expected) => {
    const problems = problemsOf({ ...base, ...inputs });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it.each(Object.entries(inputDefaults()).filter(([, value]) => value !== ''))(
    "rejects an empty %s (its action.yml default is '%s'): the workflow passed '' itself",
    (name) => {
      const problems = problemsOf({ ...base, [name]: '' });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${name}: got '', expected .+ \\(or leave the input out to use its default\\)$`));
    },
  );

  it("says what an empty secret-lifetime-days should be", () => {
    expect(problemsOf({ ...base, 'secret-lifetime-days': '' })).toEqual([
      "secret-lifetime-days: got '', expected a whole number from 1 to 730 (or leave the input out to use its default)",
    ]);
  });

  it.each(Object.entries(inputDefaults()).filter(([name, value]) => value === '' && !(name in base)))(
    "takes an empty %s (default '%s') as not given",
    (name) => {
      expect(problemsOf({ ...base, [name]: '' })).toEqual([]);
    },
  );

  it('hints at one environment name per line when a line lists several', () => {
    expect(problemsOf({ ...base, environments: 'production, staging' })).toEqual([
      "environments: got 'production, staging', expected one environment name per line (a comma does not separate names)",
    ]);
    expect(problemsOf({ ...base, environments: 'qa\nproduction,staging' })[0]).toContain('one environment name per line');
  });

  it('never shows the value of a secret input in a problem, whatever else is wrong', () => {
    // Odd values that a validator might reject; each carries the marker Zq8.
    const secrets = { 'client-secret': `  Zq8Q~odd 'value'\nZq8 line two ${'s'.repeat(300)}`, 'github-token': "Zq8-not-a-token, 'quoted'" };
    // Every input but config, which would switch to fleet mode (tested with the fleet file).
    const plain = INPUT_NAMES.filter((n) => !(SECRET_INPUT_NAMES as readonly string[]).includes(n) && n !== 'config');
    const everythingElseBad = Object.fromEntries(plain.map((n) => [n, 'bad, value']));
    const problems = problemsOf({ ...everythingElseBad, ...secrets }, { GITHUB_REPOSITORY: '', GITHUB_API_URL: 'not a url' });
    expect(problems.length).toBeGreaterThan(20);
    expect(problems.join('\n')).not.toContain('Zq8');
  });

  it('reports every bad input at once', () => {
    const problems = problemsOf({ 'tenant-id': 'x', 'client-id': 'y', 'dry-run': 'maybe', 'keep-previous': 'all' }, { GITHUB_REPOSITORY: '' });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['tenant-id', 'client-id', 'app-name / app-id', 'keep-previous', 'dry-run', 'github-token', 'repository']);
  });
});
