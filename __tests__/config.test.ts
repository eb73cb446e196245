import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { INPUT_NAMES, PER_APP_INPUT_NAMES, readConfig, SECRET_INPUT_NAMES } from '../src/config';
import { InputError } from '../src/core/errors';
import { certificateKind, CLIENT_SECRET } from '../src/core/credential-kind';
import { isKeyVault, scopeLabel, type GitHubScope, type Scope } from '../src/core/model';
import { APP_KEYS } from '../src/inputs/app';
import { CLOUDS } from '../src/inputs/clouds';
import { readFleetFile } from '../src/inputs/fleet-file';
import { inputDefaults, inputEnv, inputReader } from '../test/action-yml.ts';

/** A target's scope as a GitHub one (the test fails if it is a Key Vault). */
function github(scope: Scope): GitHubScope {
  if (isKeyVault(scope)) throw new Error(`expected a GitHub scope, got ${scope.vaultUrl}`);
  return scope;
}

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
    expect(spec?.rotation).toEqual({ kind: CLIENT_SECRET, credentialName: 'rotated-by-github-actions', lifetimeDays: 180, rotateBeforeDays: 30, force: false, keepPrevious: 1, verifyNewSecret: true });
    expect(spec?.targets).toEqual([{ scope: { service: 'actions', owner: 'octo', repo: 'app' }, name: 'AZURE_CLIENT_SECRET', kind: 'secret' }]);
    expect(c.github.apiUrl).toBe('https://api.github.com');
    expect(c.dryRun).toBe(false);
    expect(c.dryRunBecause).toBeUndefined();
    expect(c.fleet).toEqual({ maxRotations: 10, maxWrites: 200, reportDays: 30, reportScope: 'managed', shard: undefined });
  });

  it('picks the endpoints of the cloud, and lets any https host override them', () => {
    expect(readEnv(env({ ...base, cloud: 'AzureUSGovernment' })).signIn).toMatchObject({
      authorityHost: 'https://login.microsoftonline.us',
      graphEndpoint: 'https://graph.microsoft.us',
    });
    expect(readEnv(env({ ...base, cloud: 'AzureChinaCloud' })).signIn.graphEndpoint).toBe('https://microsoftgraph.chinacloudapi.cn');
    expect(readEnv(env({ ...base, cloud: 'AzureUSGovernmentDoD' })).signIn).toMatchObject({
      authorityHost: 'https://login.microsoftonline.us',
      graphEndpoint: 'https://dod-graph.microsoft.us',
      oidcAudience: 'api://AzureADTokenExchangeUSGov',
    });
    expect(
      readEnv(env({ ...base, 'authority-host': 'https://127.0.0.1:8443/', 'graph-endpoint': 'https://graph.example.internal' })).signIn,
    ).toMatchObject({ authorityHost: 'https://127.0.0.1:8443', graphEndpoint: 'https://graph.example.internal' });
  });

  it("takes the cloud's token exchange audience for the rotator's ID token and the app's federated credentials, unless oidc-audience is set", () => {
    for (const [cloud, audience] of [
      ['AzureCloud', 'api://AzureADTokenExchange'],
      ['AzureUSGovernment', 'api://AzureADTokenExchangeUSGov'],
      ['AzureChinaCloud', 'api://AzureADTokenExchangeChina'],
    ] as const) {
      const c = readEnv(env({ ...base, cloud, 'federated-credentials': 'repo:octo/app:environment:prod' }));
      expect(c.signIn.oidcAudience).toBe(audience);
      expect(c.apps[0]?.app.federatedAudience).toBe(audience);
    }
    expect(readEnv(env({ ...base, cloud: 'AzureUSGovernment', 'oidc-audience': 'api://custom' })).signIn.oidcAudience).toBe('api://custom');
  });

  it("README's Clouds table is the action's table of clouds", () => {
    const readme = readFileSync(resolve('README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Clouds'));
    const rows = section
      .split('\n')
      .filter((l) => /^\| `Azure/.test(l))
      .map((l) => l.split('|').slice(1, -1).map((c) => c.trim().replace(/^`|`$/g, '')));
    expect(rows).toEqual(
      Object.entries(CLOUDS).map(([name, c]) => [name, c.about, c.authorityHost, c.graphEndpoint, c.federatedAudience, c.keyVaultSuffix]),
    );
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
    expect(targets.map((t) => `${github(t.scope).environment}:${t.name}:${t.kind}`)).toEqual([
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
    [{ cloud: 'AzureGermanCloud' }, "cloud: got 'AzureGermanCloud', expected one of AzureCloud, AzureUSGovernment, AzureUSGovernmentDoD, AzureChinaCloud"],
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

describe('readConfig: fleet settings and pull requests', () => {
  it('reads max-rotations, max-writes, report-days, report-scope and shard in single mode too', () => {
    const c = readEnv(env({ ...base, 'max-rotations': '3', 'max-writes': '450', 'report-days': '0', 'report-scope': 'all', shard: '2/4' }));
    expect(c.fleet).toEqual({ maxRotations: 3, maxWrites: 450, reportDays: 0, reportScope: 'all', shard: { index: 2, count: 4 } });
  });

  it.each([
    [{ 'max-rotations': '0' }, "max-rotations: got '0', expected a whole number from 1 to 1000"],
    [{ 'max-rotations': '1001' }, "max-rotations: got '1001', expected a whole number from 1 to 1000"],
    [{ 'max-writes': '0' }, "max-writes: got '0', expected a whole number from 1 to 100000"],
    [{ 'max-writes': '100001' }, "max-writes: got '100001', expected a whole number from 1 to 100000"],
    [{ 'max-writes': '2.5' }, "max-writes: got '2.5', expected a whole number from 1 to 100000"],
    [{ 'max-writes': 'many' }, "max-writes: got 'many', expected a whole number from 1 to 100000"],
    [{ 'max-writes': '' }, 'max-writes: '],
    [{ 'report-days': '731' }, "report-days: got '731', expected a whole number from 0 to 730"],
    [{ 'report-scope': 'everything' }, "report-scope: got 'everything', expected one of managed, all"],
    [{ shard: '0/4' }, "shard: got '0/4', expected K/N with 1 <= K <= N <= 256"],
    [{ shard: '5/4' }, "shard: got '5/4', expected K/N"],
    [{ shard: '1/257' }, "shard: got '1/257', expected K/N"],
    [{ shard: 'half' }, "shard: got 'half', expected K/N"],
  ])('rejects %j', (inputs, expected) => {
    expect(problemsOf({ ...base, ...inputs })).toEqual([expect.stringContaining(expected)]);
  });

  it.each(['pull_request', 'pull_request_target'])('makes a %s run a dry run, which needs no token', (event) => {
    const c = readEnv(env({ ...base, 'github-token': '' }, { GITHUB_EVENT_NAME: event }));
    expect(c.dryRun).toBe(true);
    expect(c.dryRunBecause).toContain(`${event} event`);
    expect(c.dryRunBecause).toContain('must not choose where secrets go');
  });

  it('leaves other events alone', () => {
    const c = readEnv(env(base, { GITHUB_EVENT_NAME: 'schedule' }));
    expect(c.dryRun).toBe(false);
    expect(c.dryRunBecause).toBeUndefined();
  });
});

/** The step of a fleet run: sign-in and token only, `config: fleet.yml`. */
const fleetStep = { 'tenant-id': TENANT, 'client-id': CLIENT, 'github-token': 'ghp_x', config: 'fleet.yml' };

/** readConfig over a fleet file written to a fresh workspace. */
function readFleet(yaml: string, inputs: Record<string, string> = {}, extra: Record<string, string> = {}): ReturnType<typeof readConfig> {
  const workspace = mkdtempSync(join(tmpdir(), 'fleet-ws-'));
  try {
    writeFileSync(join(workspace, 'fleet.yml'), yaml);
    const e = env({ ...fleetStep, ...inputs }, { GITHUB_WORKSPACE: workspace, ...extra });
    return readConfig(inputReader(e), e, { actionDefaults: inputDefaults(), readFleetFile });
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

function fleetProblems(yaml: string, inputs: Record<string, string> = {}): string[] {
  try {
    readFleet(yaml, inputs);
  } catch (error) {
    if (error instanceof InputError) return [...error.problems];
    throw error;
  }
  return [];
}

const ONE_APP = `apps:
  - app-name: billing-api
    targets:
      - repository: octo-org/billing
        secret-name: AZURE_CLIENT_SECRET
`;

describe('readConfig: the fleet file', () => {
  it('reads a fleet of one with the defaults of action.yml', () => {
    const c = readFleet(ONE_APP);
    expect(c.mode).toBe('fleet');
    expect(c.apps).toEqual([
      {
        key: 'app-name:billing-api',
        source: 'fleet.yml: apps[0]',
        app: { name: 'billing-api', appId: undefined, createIfMissing: true, signInAudience: 'AzureADMyOrg', servicePrincipal: true, declared: {}, oidcIssuer: 'https://token.actions.githubusercontent.com', federatedAudience: 'api://AzureADTokenExchange' },
        rotation: { kind: CLIENT_SECRET, credentialName: 'rotated-by-github-actions', lifetimeDays: 180, rotateBeforeDays: 30, force: false, keepPrevious: 1, verifyNewSecret: true },
        targets: [{ scope: { service: 'actions', owner: 'octo-org', repo: 'billing' }, name: 'AZURE_CLIENT_SECRET', kind: 'secret' }],
      },
    ]);
  });

  it('reads the example fleet file: every target kind, defaults under each app', () => {
    const c = readFleet(readFileSync(resolve('examples/fleet.yml'), 'utf8'));
    expect(c.apps.map((a) => a.key)).toEqual(['app-name:billing-api', 'app-id:5d6e7f80-91a2-4b3c-8d4e-5f6071829304', 'app-name:nightly-reports']);
    const [billing, invoices, reports] = c.apps;
    expect(billing?.app.declared).toEqual({
      signInAudience: 'AzureADMyOrg',
      webRedirectUris: ['https://billing.example.com/auth/callback', 'http://localhost:5000/auth/callback'],
      apiPermissions: [{ line: 1, api: 'Microsoft Graph', permissions: [{ name: 'User.Read', type: 'Scope' }, { name: 'Mail.Send', type: 'Role' }] }],
      federatedSubjects: ['repo:octo-org/billing:environment:production'],
      tags: ['team-billing', 'tier-1'],
      notes: 'Owned by the billing team; rotated by the secrets workflow.',
    });
    expect(billing?.targets.map((t) => `${t.scope.service}:${github(t.scope).owner}/${github(t.scope).repo ?? ''}#${github(t.scope).environment ?? ''}:${t.name}:${t.kind}`)).toEqual([
      'actions:octo-org/billing#:AZURE_CLIENT_SECRET:secret',
      'actions:octo-org/billing#:AZURE_CLIENT_ID:client-id',
      'actions:octo-org/billing#:AZURE_TENANT_ID:tenant-id',
      'actions:octo-org/billing#production:AZURE_CLIENT_SECRET:secret',
      'actions:octo-org/billing#production:AZURE_CREDENTIALS:credentials',
      'dependabot:octo-org/billing#:BILLING_API_SECRET:secret',
      'codespaces:octo-org/billing#:BILLING_API_SECRET:secret',
    ]);
    expect(billing?.targets.find((t) => t.kind === 'credentials')?.subscriptionId).toBe('0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9');
    expect(invoices?.rotation).toMatchObject({ lifetimeDays: 90, rotateBeforeDays: 14, keepPrevious: 1 });
    expect(invoices?.targets).toEqual([
      { scope: { service: 'actions', owner: 'octo-org' }, name: 'INVOICES_CLIENT_SECRET', kind: 'secret', access: { visibility: 'selected', repositories: ['invoices', 'payments'] } },
      { scope: { service: 'dependabot', owner: 'octo-org' }, name: 'INVOICES_CLIENT_SECRET', kind: 'secret', access: { visibility: 'private', repositories: [] } },
    ]);
    expect(reports?.rotation.keepPrevious).toBe(0);
    expect(reports?.targets[0]?.access).toEqual({ visibility: 'all', repositories: [] });
  });

  it('reads Codespaces targets of a repository and of an organisation; one name in Actions, Dependabot and Codespaces is three secrets', () => {
    const yaml = `apps:
  - app-name: billing-api
    targets:
      - repository: octo-org/billing
        codespaces: true
        secret-name: AZURE_CLIENT_SECRET
      - organization: octo-org
        codespaces: 'true'
        visibility: selected
        repositories: [billing]
        secret-name: AZURE_CLIENT_SECRET
      - repository: octo-org/billing
        codespaces: false
        secret-name: AZURE_CLIENT_SECRET
      - repository: octo-org/billing
        dependabot: true
        codespaces: false
        secret-name: AZURE_CLIENT_SECRET
`;
    expect(readFleet(yaml).apps[0]?.targets).toEqual([
      { scope: { service: 'codespaces', owner: 'octo-org', repo: 'billing' }, name: 'AZURE_CLIENT_SECRET', kind: 'secret' },
      { scope: { service: 'codespaces', owner: 'octo-org' }, name: 'AZURE_CLIENT_SECRET', kind: 'secret', access: { visibility: 'selected', repositories: ['billing'] } },
      { scope: { service: 'actions', owner: 'octo-org', repo: 'billing' }, name: 'AZURE_CLIENT_SECRET', kind: 'secret' },
      { scope: { service: 'dependabot', owner: 'octo-org', repo: 'billing' }, name: 'AZURE_CLIENT_SECRET', kind: 'secret' },
    ]);
  });

  it("reads the README's fleet file example", () => {
    const readme = readFileSync(resolve('README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### The fleet file'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const c = readFleet(yaml);
    expect(c.apps.map((a) => a.key)).toEqual(['app-name:billing-api']);
    expect(c.apps[0]?.targets.map((t) => `${t.scope.service}:${github(t.scope).repo ?? '(org)'}:${github(t.scope).environment ?? ''}:${t.name}`)).toEqual([
      'actions:billing::AZURE_CLIENT_SECRET',
      'actions:billing::AZURE_CLIENT_ID',
      'actions:billing:production:AZURE_CLIENT_SECRET',
      'actions:(org)::BILLING_API_SECRET',
      'dependabot:billing::BILLING_API_SECRET',
    ]);
  });

  it('validates the example against fleet.schema.json, as an editor would', () => {
    const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(JSON.parse(readFileSync(resolve('fleet.schema.json'), 'utf8')));
    expect(validate(parse(readFileSync(resolve('examples/fleet.yml'), 'utf8')))).toBe(true);
    expect(validate.errors ?? null).toBeNull();
  });

  it("has a schema whose keys are the inputs' names: defaults take every app setting, apps add app-name, app-id and targets", () => {
    const schema = JSON.parse(readFileSync(resolve('fleet.schema.json'), 'utf8'));
    const settings = APP_KEYS.filter((k) => k !== 'app-name' && k !== 'app-id');
    expect(Object.keys(schema.properties.defaults.properties).sort()).toEqual([...settings].sort());
    expect(Object.keys(schema.definitions.app.properties).sort()).toEqual([...APP_KEYS, 'targets'].sort());
    for (const key of Object.keys(schema.definitions.app.properties).filter((k) => k !== 'targets')) expect(INPUT_NAMES).toContain(key);
  });

  it('accepts booleans as YAML booleans or as the strings true and false, and lists as YAML lists or lines', () => {
    const c = readFleet(`apps:
  - app-name: a
    force-rotation: 'true'
    allow-public-client-flows: false
    tags: |
      one
      two
    targets: [{ repository: o/r, secret-name: S }]
`);
    expect(c.apps[0]?.rotation.force).toBe(true);
    expect(c.apps[0]?.app.declared).toEqual({ allowPublicClientFlows: false, tags: ['one', 'two'] });
  });

  it("refuses an empty value for any key, before any request: `environment: ''` is not the repository secret", () => {
    const E = 'expected a value (an empty one means nothing: leave the key out to use its default)';
    expect(fleetProblems(ONE_APP.replace('        secret-name:', "        environment: ''\n        secret-name:"))).toEqual([`fleet.yml:5: apps[0].targets[0].environment: ${E}, got ''`]);
    // Blank is empty too (the schema alone would let it through), and every other key, app or target, the same.
    const problems = fleetProblems(`defaults:
  credential-name: ''
apps:
  - app-name: a
    notes: '  '
    tags: ''
    targets:
      - repository: o/r
        environment: "   "
        client-id-secret-name: ''
        secret-name: S
`);
    expect(problems).toEqual([
      `fleet.yml:2: defaults.credential-name: ${E}, got ''`,
      `fleet.yml:6: apps[0].tags: ${E}, got ''`,
      `fleet.yml:10: apps[0].targets[0].client-id-secret-name: ${E}, got ''`,
      `fleet.yml:5: apps[0].notes: ${E}, got '  '`,
      `fleet.yml:9: apps[0].targets[0].environment: ${E}, got '   '`,
    ]);
  });

  it('has a schema that refuses an empty text for every key that takes one, as an editor would', () => {
    const schema = JSON.parse(readFileSync(resolve('fleet.schema.json'), 'utf8'));
    const texts = [schema.properties.defaults, schema.definitions.app, schema.definitions.target].flatMap((d) =>
      Object.entries(d.properties as Record<string, { type?: unknown; minLength?: number }>).filter(([, p]) => p.type === 'string'),
    );
    expect(texts.length).toBeGreaterThan(10);
    for (const [key, p] of texts) expect([key, p.minLength]).toEqual([key, 1]);
    expect(schema.definitions.list.minLength).toBe(1);
  });

  it('takes an empty YAML list as "exactly none"', () => {
    expect(readFleet(`apps:\n  - app-name: a\n    tags: []\n    targets: [{ repository: o/r, secret-name: S }]\n`).apps[0]?.app.declared).toEqual({ tags: [] });
  });

  it.each(PER_APP_INPUT_NAMES.map((n) => [n]))('refuses %s in the step of a fleet run', (name) => {
    const value = name === 'app-id' || name === 'subscription-id' ? TENANT : name.endsWith('days') || name === 'keep-previous' ? '5' : name === 'create-if-missing' || name === 'service-principal' || name === 'verify-new-secret' ? 'false' : name === 'force-rotation' || name === 'allow-public-client-flows' ? 'true' : name === 'repository' ? 'o/r' : 'X_Y';
    expect(fleetProblems(ONE_APP, { [name]: value })).toEqual([`${name}: set per app in the fleet file (config), not in the step`]);
  });

  it('needs no token for a pull request, in fleet mode too', () => {
    const c = readFleet(ONE_APP, { 'github-token': '' }, { GITHUB_EVENT_NAME: 'pull_request' });
    expect(c.dryRun).toBe(true);
  });

  it('says where the file is missing, and refuses a path outside the workspace', () => {
    expect(fleetProblems(ONE_APP, { config: 'nope.yml' })).toEqual([expect.stringMatching(/^config: no file 'nope\.yml' in the workspace/)]);
    expect(fleetProblems(ONE_APP, { config: '../fleet.yml' })).toEqual([expect.stringMatching(/^config: got '\.\.\/fleet\.yml', expected the path of a file inside the workspace/)]);
  });

  it('reports every problem of a file at once, with sign-in problems of the step', () => {
    const problems = fleetProblems(
      `apps:
  - app-name: a
    keep-previous: 11
    targets: [{ repository: o/r, secret-name: 9S }]
  - app-id: nope
    targets: [{ organization: o, visibility: public, secret-name: S }]
`,
      { 'tenant-id': 'x' },
    );
    expect(problems).toEqual([
      "tenant-id: got 'x', expected a GUID like 00000000-0000-0000-0000-000000000000",
      'fleet.yml:3: apps[0].keep-previous: expected at most 10, got 11',
      "fleet.yml:6: apps[1].targets[0].visibility: expected all, private or selected, got 'public'",
      "fleet.yml:4: apps[0].targets[0].secret-name: got '9S', expected a GitHub secret name: only letters, digits and underscores, not starting with a digit",
      "fleet.yml:5: apps[1].app-id: got 'nope', expected a GUID like 00000000-0000-0000-0000-000000000000",
    ]);
  });
});

// [what is wrong, the file, the exact `file:line: path: ` the message starts with, what it says then]
const BAD_FLEETS: Array<[string, string, string, string]> = [
  ['not YAML', 'apps: [\n', 'fleet.yml:2: ', ''],
  ['a key twice', 'apps: []\napps: []\n', 'fleet.yml:2: ', 'unique'],
  ['an empty file', '', 'fleet.yml:1: (top level): ', 'expected a mapping (key: value), got nothing'],
  ['a list at the top', '- app-name: a\n', 'fleet.yml:1: (top level): ', 'expected a mapping (key: value), got a list'],
  ['an app that is a string', 'apps:\n  - billing-api\n', 'fleet.yml:2: apps[0]: ', "expected a mapping (key: value), got 'billing-api'"],
  ['no apps', 'defaults: {}\n', 'fleet.yml:1: apps: ', 'required'],
  ['apps empty', 'apps: []\n', 'fleet.yml:1: apps: ', 'expected at least 1 item, got a list'],
  ['an unknown top-level key', `app:\n  - app-name: a\n${ONE_APP}`, 'fleet.yml:1: app: ', 'unknown key (did you mean apps?); expected one of defaults, apps'],
  ['an unknown app key', ONE_APP.replace('    targets:', '    secret_lifetime_days: 90\n    targets:'), 'fleet.yml:3: apps[0].secret_lifetime_days: ', 'unknown key (did you mean secret-lifetime-days?)'],
  ['an unknown target key', ONE_APP.replace('        secret-name:', '        enviroment: prod\n        secret-name:'), 'fleet.yml:5: apps[0].targets[0].enviroment: ', 'unknown key (did you mean environment?)'],
  ['app-name in defaults', `defaults:\n  app-name: x\n${ONE_APP}`, 'fleet.yml:2: defaults.app-name: ', 'unknown key'],
  ['targets missing', 'apps:\n  - app-name: a\n', 'fleet.yml:2: apps[0].targets: ', 'required'],
  ['targets empty', 'apps:\n  - app-name: a\n    targets: []\n', 'fleet.yml:3: apps[0].targets: ', 'expected at least 1 item'],
  ['secret-name missing', 'apps:\n  - app-name: a\n    targets:\n      - repository: o/r\n', 'fleet.yml:4: apps[0].targets[0].secret-name: ', 'required'],
  ['neither app-name nor app-id', 'apps:\n  - notes: n\n    targets: [{ repository: o/r, secret-name: S }]\n', 'fleet.yml:2: apps[0].app-name / app-id: ', 'one is required'],
  ['both app-name and app-id', `apps:\n  - app-name: a\n    app-id: ${CLIENT}\n    targets: [{ repository: o/r, secret-name: S }]\n`, 'fleet.yml:2: apps[0].app-name / app-id: ', 'give one, not both'],
  ['a bad app-id', 'apps:\n  - app-id: 1234\n    targets: [{ repository: o/r, secret-name: S }]\n', 'fleet.yml:2: apps[0].app-id: ', 'expected a text, got 1234'],
  ['a bad boolean', ONE_APP.replace('    targets:', '    force-rotation: yes\n    targets:'), 'fleet.yml:3: apps[0].force-rotation: ', "expected true or false, got 'yes'"],
  ['a number as text', ONE_APP.replace('    targets:', '    keep-previous: two\n    targets:'), 'fleet.yml:3: apps[0].keep-previous: ', "expected a whole number, got 'two'"],
  ['lifetime too long in defaults', `defaults:\n  secret-lifetime-days: 1000\n${ONE_APP}`, 'fleet.yml:2: defaults.secret-lifetime-days: ', 'expected at most 730, got 1000'],
  ['rotate-before not under the lifetime from defaults', `defaults:\n  secret-lifetime-days: 30\n${ONE_APP.replace('    targets:', '    rotate-before-days: 30\n    targets:')}`, 'fleet.yml:5: apps[0].rotate-before-days: ', 'got 30, expected fewer days than secret-lifetime-days (30)'],
  ['a bad sign-in-audience', ONE_APP.replace('    targets:', '    sign-in-audience: single\n    targets:'), 'fleet.yml:3: apps[0].sign-in-audience: ', "expected AzureADMyOrg, AzureADMultipleOrgs, AzureADandPersonalMicrosoftAccount or PersonalMicrosoftAccount, got 'single'"],
  ['a bad redirect URI in a list', ONE_APP.replace('    targets:', '    web-redirect-uris:\n      - https://ok.example.com\n      - http://app.example.com\n    targets:'), 'fleet.yml:5: apps[0].web-redirect-uris[1]: ', "got 'http://app.example.com', expected an https:// URI"],
  ['a bad federated subject', ONE_APP.replace('    targets:', '    federated-credentials: [repo:o/r:branch:main]\n    targets:'), 'fleet.yml:3: apps[0].federated-credentials[0]: ', "got 'repo:o/r:branch:main', expected a GitHub OIDC subject"],
  ['a bad api-permissions entry', ONE_APP.replace('    targets:', '    api-permissions:\n      - Microsoft Graph User.Read\n    targets:'), 'fleet.yml:4: apps[0].api-permissions[0]: ', "got 'Microsoft Graph User.Read', expected 'API: permission"],
  ['a list item that is not text', ONE_APP.replace('    targets:', '    tags: [a, {b: c}]\n    targets:'), 'fleet.yml:3: apps[0].tags[1]: ', 'expected a text, got a mapping'],
  ['repository and organization', 'apps:\n  - app-name: a\n    targets:\n      - repository: o/r\n        organization: o\n        secret-name: S\n', 'fleet.yml:4: apps[0].targets[0].repository / organization: ', 'give one, not both'],
  ['neither repository nor organization', 'apps:\n  - app-name: a\n    targets:\n      - secret-name: S\n', 'fleet.yml:4: apps[0].targets[0].repository / organization: ', 'one is required'],
  ['a repository without owner', 'apps:\n  - app-name: a\n    targets:\n      - repository: billing\n        secret-name: S\n', 'fleet.yml:4: apps[0].targets[0].repository: ', "got 'billing', expected owner/name"],
  ['dependabot with environment', 'apps:\n  - app-name: a\n    targets:\n      - repository: o/r\n        environment: prod\n        dependabot: true\n        secret-name: S\n', 'fleet.yml:5: apps[0].targets[0].environment: ', 'not with dependabot: true'],
  ['codespaces with environment', 'apps:\n  - app-name: a\n    targets:\n      - repository: o/r\n        environment: prod\n        codespaces: true\n        secret-name: S\n', 'fleet.yml:5: apps[0].targets[0].environment: ', 'not with codespaces: true (Codespaces secrets belong to repositories and organisations, not environments)'],
  ['codespaces and dependabot', 'apps:\n  - app-name: a\n    targets:\n      - organization: o\n        dependabot: true\n        codespaces: true\n        secret-name: S\n', 'fleet.yml:4: apps[0].targets[0].dependabot / codespaces: ', 'give one, not both'],
  ['a bad codespaces boolean', 'apps:\n  - app-name: a\n    targets:\n      - repository: o/r\n        codespaces: yes\n        secret-name: S\n', 'fleet.yml:5: apps[0].targets[0].codespaces: ', "expected true or false, got 'yes'"],
  ['an environment of an organisation', 'apps:\n  - app-name: a\n    targets:\n      - organization: o\n        environment: prod\n        secret-name: S\n', 'fleet.yml:5: apps[0].targets[0].environment: ', 'only with repository'],
  ['a bad visibility', 'apps:\n  - app-name: a\n    targets:\n      - organization: octo-org\n        visibility: public\n        secret-name: S\n', 'fleet.yml:5: apps[0].targets[0].visibility: ', "expected all, private or selected, got 'public'"],
  ['a bad visibility with repositories', 'apps:\n  - app-name: a\n    targets:\n      - organization: o\n        visibility: Selected\n        repositories: [r]\n        secret-name: S\n', 'fleet.yml:5: apps[0].targets[0].visibility: ', "expected all, private or selected, got 'Selected'"],
  ['repositories without visibility selected', 'apps:\n  - app-name: a\n    targets:\n      - organization: o\n        repositories: [r]\n        secret-name: S\n', 'fleet.yml:5: apps[0].targets[0].repositories: ', 'only with visibility: selected (got private)'],
  ['visibility selected without repositories', 'apps:\n  - app-name: a\n    targets:\n      - organization: o\n        visibility: selected\n        secret-name: S\n', 'fleet.yml:5: apps[0].targets[0].visibility: ', 'selected needs repositories'],
  ['owner/name in repositories', 'apps:\n  - app-name: a\n    targets:\n      - organization: o\n        visibility: selected\n        repositories:\n          - ok\n          - o/r\n        secret-name: S\n', 'fleet.yml:8: apps[0].targets[0].repositories[1]: ', "got 'o/r', expected a repository name"],
  ['visibility on a repository secret', 'apps:\n  - app-name: a\n    targets:\n      - repository: o/r\n        visibility: all\n        secret-name: S\n', 'fleet.yml:5: apps[0].targets[0].visibility: ', 'only with organization'],
  ['a bad organisation name', 'apps:\n  - app-name: a\n    targets:\n      - organization: octo_org\n        secret-name: S\n', 'fleet.yml:4: apps[0].targets[0].organization: ', "got 'octo_org', expected a GitHub organisation name"],
  ['a companion named like the secret', 'apps:\n  - app-name: a\n    targets:\n      - repository: o/r\n        secret-name: S\n        client-id-secret-name: s\n', 'fleet.yml:6: apps[0].targets[0].client-id-secret-name: ', "got 's', expected a name different from secret-name"],
  ['subscription-id without credentials', `apps:\n  - app-name: a\n    targets:\n      - repository: o/r\n        secret-name: S\n        subscription-id: ${TENANT}\n`, 'fleet.yml:6: apps[0].targets[0].subscription-id: ', 'credentials-secret-name is expected too'],
  ['the same app twice', `${ONE_APP}  - app-name: billing-api\n    targets: [{ repository: o/r, secret-name: S }]\n`, 'fleet.yml:6: apps[1]: ', "app 'billing-api' (apps[1]) is declared twice (also apps[0])"],
  ['the same app-id twice, in other cases', `apps:\n  - app-id: ${CLIENT}\n    targets: [{ repository: o/r, secret-name: A }]\n  - app-id: ${CLIENT.toUpperCase()}\n    targets: [{ repository: o/r, secret-name: B }]\n`, 'fleet.yml:4: apps[1]: ', 'is declared twice (also apps[0])'],
  ['one secret for two apps', `${ONE_APP}  - app-name: invoices\n    targets:\n      - repository: OCTO-ORG/Billing\n        secret-name: azure_client_secret\n`, 'fleet.yml:9: apps[1].targets[0].secret-name: ', "app 'invoices' (apps[1]) writes azure_client_secret (repository OCTO-ORG/Billing), which app 'billing-api' (apps[0]) writes too (fleet.yml:5: apps[0].targets[0].secret-name)"],
  ['one secret twice in one app', 'apps:\n  - app-name: a\n    targets:\n      - organization: o\n        secret-name: S\n      - organization: O\n        secret-name: S\n', 'fleet.yml:7: apps[0].targets[1].secret-name: ', "app 'a' (apps[0]) writes S (organisation O) twice (also fleet.yml:5: apps[0].targets[0].secret-name)"],
  ['an empty credential-name', ONE_APP.replace('    targets:', "    credential-name: ''\n    targets:"), 'fleet.yml:3: apps[0].credential-name: ', "expected a value (an empty one means nothing: leave the key out to use its default), got ''"],
];

describe('readConfig: bad fleet files', () => {
  it('says a problem once: a value the schema refused is not judged again by the rules', () => {
    expect(fleetProblems('apps:\n  - app-name: a\n    secret-lifetime-days: 0\n    targets:\n      - organization: o\n        visibility: Selected\n        repositories: [r]\n        secret-name: S\n')).toEqual([
      'fleet.yml:3: apps[0].secret-lifetime-days: expected at least 1, got 0',
      "fleet.yml:6: apps[0].targets[0].visibility: expected all, private or selected, got 'Selected'",
    ]);
  });

  it(`has at least 20 (${BAD_FLEETS.length})`, () => {
    expect(BAD_FLEETS.length).toBeGreaterThanOrEqual(20);
  });

  it.each(BAD_FLEETS.map(([what, yaml, where, says]) => [what, where, yaml, says]))('%s → %s', (_what, where, yaml, says) => {
    const problems = fleetProblems(yaml);
    const line = problems.find((p) => p.startsWith(where));
    expect([line, problems]).toEqual([expect.stringContaining(says), problems]);
  });
});

describe('credential-type and certificate-format', () => {
  it('reads a certificate credential, PEM unless pfx is asked for; a client secret by default', () => {
    const kindOf = (inputs: Record<string, string>): string | undefined => {
      const rotation = readEnv(env({ ...base, ...inputs })).apps[0]?.rotation;
      return rotation === undefined ? undefined : `${rotation.kind.id} ${rotation.kind === certificateKind('pfx') ? 'pfx' : rotation.kind === certificateKind('pem') ? 'pem' : '-'}`;
    };
    expect(kindOf({})).toBe('client-secret -');
    expect(kindOf({ 'credential-type': 'certificate' })).toBe('certificate pem');
    expect(kindOf({ 'credential-type': 'certificate', 'certificate-format': 'pfx' })).toBe('certificate pfx');
  });

  it('names the input and what is expected, before any request', () => {
    expect(problemsOf({ ...base, 'credential-type': 'cert' })).toEqual(["credential-type: got 'cert', expected one of client-secret, certificate"]);
    expect(problemsOf({ ...base, 'credential-type': 'certificate', 'certificate-format': 'p12' })).toEqual(["certificate-format: got 'p12', expected one of pem, pfx"]);
    expect(problemsOf({ ...base, 'certificate-format': 'pfx' })).toEqual(['certificate-format: only with credential-type: certificate (a client secret has one form)']);
    const [problem, ...more] = problemsOf({ ...base, 'credential-type': 'certificate', 'credentials-secret-name': 'AZURE_CREDENTIALS' });
    expect(more).toEqual([]);
    expect(problem).toMatch(/^credentials-secret-name: not with credential-type: certificate: azure\/login signs in with a client secret or OIDC, not a certificate/);
  });

  it('in a fleet file: an app key and a default, and a credentials target of a certificate app is an error at its line', () => {
    const fleetFile = `defaults:\n  credential-type: certificate\napps:\n  - app-name: billing-api\n    certificate-format: pfx\n    targets:\n      - repository: octo-org/billing\n        secret-name: BILLING_CERTIFICATE\n  - app-name: orders-api\n    credential-type: client-secret\n    targets:\n      - repository: octo-org/orders\n        secret-name: ORDERS_SECRET\n`;
    const c = readFleet(fleetFile);
    expect(c.apps.map((a) => a.rotation.kind.id)).toEqual(['certificate', 'client-secret']);
    expect(c.apps[0]?.rotation.kind).toBe(certificateKind('pfx'));
    const bad = fleetFile.replace('        secret-name: BILLING_CERTIFICATE\n', '        secret-name: BILLING_CERTIFICATE\n        credentials-secret-name: BILLING_CREDENTIALS\n');
    const [problem, ...more] = fleetProblems(bad);
    expect(more).toEqual([]);
    expect(problem).toMatch(/^fleet\.yml:9: apps\[0\]\.targets\[0\]\.credentials-secret-name: not with credential-type: certificate/);
    expect(fleetProblems(fleetFile.replace('credential-type: certificate', 'credential-type: x509'))).toEqual([expect.stringMatching(/^fleet\.yml:2: defaults\.credential-type: /)]);
  });

  it('in a fleet file: certificate-format in defaults serves the apps that rotate certificates; on an app with a client secret it is an error at its line', () => {
    const fleetFile = `defaults:
  certificate-format: pfx
apps:
  - app-name: billing-api
    credential-type: certificate
    targets:
      - repository: octo-org/billing
        secret-name: BILLING_CERTIFICATE
  - app-name: orders-api
    targets:
      - repository: octo-org/orders
        secret-name: ORDERS_SECRET
`;
    const c = readFleet(fleetFile);
    expect(c.apps.map((a) => a.rotation.kind)).toEqual([certificateKind('pfx'), CLIENT_SECRET]);
    const bad = fleetFile.replace('  - app-name: orders-api\n', '  - app-name: orders-api\n    certificate-format: pem\n');
    expect(fleetProblems(bad)).toEqual(['fleet.yml:10: apps[1].certificate-format: only with credential-type: certificate (a client secret has one form)']);
  });
});

describe('homes: Actions variables and Key Vault secrets', () => {
  const kv = 'https://kv-payments.vault.azure.net';

  it('step: variables for the IDs in the repository (or each environment), Key Vault secrets from their identifiers', () => {
    const c = readEnv(env({ ...base, environments: 'prod\nstaging', 'client-id-variable-name': 'AZURE_CLIENT_ID', 'tenant-id-variable-name': 'AZURE_TENANT_ID', 'key-vault-secrets': `${kv}/secrets/billing-secret\n${kv}/secrets/billing-copy` }));
    expect(c.apps[0]?.targets.map((t) => `${scopeLabel(t.scope)} ${t.name} ${t.kind}`)).toEqual([
      "environment 'prod' of octo/app AZURE_CLIENT_SECRET secret",
      "variables of environment 'prod' of octo/app AZURE_CLIENT_ID client-id",
      "variables of environment 'prod' of octo/app AZURE_TENANT_ID tenant-id",
      "environment 'staging' of octo/app AZURE_CLIENT_SECRET secret",
      "variables of environment 'staging' of octo/app AZURE_CLIENT_ID client-id",
      "variables of environment 'staging' of octo/app AZURE_TENANT_ID tenant-id",
      `Key Vault ${kv} billing-secret secret`,
      `Key Vault ${kv} billing-copy secret`,
    ]);
  });

  it('step: Key Vault secrets alone need no github-token; a GitHub input given then says it needs one', () => {
    const noToken: Record<string, string> = { ...base };
    delete noToken['github-token'];
    const c = readEnv(env({ ...noToken, 'key-vault-secrets': `${kv}/secrets/billing-secret` }));
    expect(c.apps[0]?.targets).toEqual([{ scope: { service: 'key-vault', vaultUrl: kv }, name: 'billing-secret', kind: 'secret' }]);
    expect(c.github.token).toBeUndefined();
    expect(problemsOf({ ...noToken, 'key-vault-secrets': `${kv}/secrets/billing-secret`, environments: 'prod', 'client-id-variable-name': 'AZURE_CLIENT_ID' })).toEqual([
      'environments: needs github-token: without one only key-vault-secrets are written',
      'client-id-variable-name: needs github-token: without one only key-vault-secrets are written',
    ]);
    expect(problemsOf(noToken)).toEqual([expect.stringMatching(/^github-token: required \(unless dry-run is true\).*A run that writes only Key Vault secrets \(key-vault-secrets\) needs none$/)]);
  });

  it('step: names the line and what is expected', () => {
    expect(problemsOf({ ...base, 'key-vault-secrets': `${kv}/secrets/ok\nhttp://kv.vault.azure.net/secrets/x\n${kv}/secrets/bad_name\n${kv}/secrets/ok/v1\n${kv}/secrets/OK` })).toEqual([
      "key-vault-secrets, line 2: got 'http://kv.vault.azure.net/secrets/x', expected a Key Vault secret identifier, like https://kv-payments.vault.azure.net/secrets/payments-api-client-secret (no version)",
      `key-vault-secrets, line 3: got 'bad_name', expected a Key Vault secret name: 1 to 127 letters, digits and dashes`,
      `key-vault-secrets, line 4: got '${kv}/secrets/ok/v1', expected a Key Vault secret identifier, like https://kv-payments.vault.azure.net/secrets/payments-api-client-secret (no version)`,
      `key-vault-secrets, line 5: got '${kv}/secrets/OK', expected each Key Vault secret once (names are case-insensitive)`,
    ]);
    expect(problemsOf({ ...base, 'client-id-variable-name': 'GITHUB_ID', 'tenant-id-variable-name': '1D' })).toEqual([
      "client-id-variable-name: got 'GITHUB_ID', expected a GitHub variable name that does not start with GITHUB_ (GitHub reserves that prefix)",
      "tenant-id-variable-name: got '1D', expected a GitHub variable name: only letters, digits and underscores, not starting with a digit",
    ]);
  });

  it('fleet: a key-vault target, and variables of an organisation with its visibility; a fleet of Key Vault targets only needs no token', () => {
    const file = `apps:\n  - app-name: billing-api\n    targets:\n      - key-vault: ${kv}/\n        secret-name: billing-api-secret\n        client-id-secret-name: billing-api-client-id\n      - organization: octo-org\n        visibility: all\n        secret-name: BILLING_SECRET\n        client-id-variable-name: BILLING_CLIENT_ID\n`;
    const c = readFleet(file);
    expect(c.apps[0]?.targets).toEqual([
      { scope: { service: 'key-vault', vaultUrl: kv }, name: 'billing-api-secret', kind: 'secret' },
      { scope: { service: 'key-vault', vaultUrl: kv }, name: 'billing-api-client-id', kind: 'client-id' },
      { scope: { service: 'actions', owner: 'octo-org' }, name: 'BILLING_SECRET', kind: 'secret', access: { visibility: 'all', repositories: [] } },
      { scope: { service: 'variables', owner: 'octo-org' }, name: 'BILLING_CLIENT_ID', kind: 'client-id', access: { visibility: 'all', repositories: [] } },
    ]);
    const vaultOnly = `apps:\n  - app-name: billing-api\n    targets:\n      - key-vault: ${kv}\n        secret-name: billing-api-secret\n`;
    expect(fleetProblems(vaultOnly, { 'github-token': '' })).toEqual([]);
    expect(fleetProblems(file, { 'github-token': '' })).toEqual([expect.stringMatching(/^github-token: required/)]);
  });

  it('fleet: what a key-vault target cannot have, bad names, and variables of Dependabot, each at its line', () => {
    const file = `apps:\n  - app-name: billing-api\n    targets:\n      - key-vault: ${kv}/keys\n        environment: prod\n        secret-name: billing_secret\n      - repository: octo-org/billing\n        dependabot: true\n        secret-name: BILLING_SECRET\n        tenant-id-variable-name: BILLING_TENANT_ID\n`;
    expect(fleetProblems(file)).toEqual([
      'fleet.yml:5: apps[0].targets[0].environment: not with key-vault (a Key Vault target names its vault, and the secrets in it)',
      `fleet.yml:4: apps[0].targets[0].key-vault: got '${kv}/keys', expected a vault's https:// URL without a path, like https://kv-payments.vault.azure.net (az keyvault show --name <vault> --query properties.vaultUri)`,
      "fleet.yml:6: apps[0].targets[0].secret-name: got 'billing_secret', expected a Key Vault secret name: 1 to 127 letters, digits and dashes",
      'fleet.yml:10: apps[1].targets[1].tenant-id-variable-name: not with dependabot: true (variables belong to Actions)'.replace('apps[1]', 'apps[0]'),
    ]);
  });
});
