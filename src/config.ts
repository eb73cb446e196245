/**
 * The only reader of inputs. Every input is checked here, before any request or heavy module load,
 * and every problem is reported at once, naming the input and what it expects.
 *
 * Defaults live in action.yml alone: the runner passes every declared input, with its default when the workflow
 * leaves it out. An input whose default is '' means "not given" when empty; for any other input an empty value is
 * a problem (the workflow passed '' itself, e.g. from an unset variable).
 */
import { InputError } from './core/errors';
import { SIGN_IN_AUDIENCES, type Scope, type SignInAudience, type Target } from './core/model';
import { Secret } from './core/secret';
import type { AppSpec, FleetSettings } from './core/spec';

/** Every input the action reads: exactly the inputs action.yml declares. The reader accepts no other name. */
export const INPUT_NAMES = [
  'tenant-id',
  'client-id',
  'client-secret',
  'oidc-audience',
  'cloud',
  'authority-host',
  'graph-endpoint',
  'app-name',
  'app-id',
  'create-if-missing',
  'sign-in-audience',
  'service-principal',
  'web-redirect-uris',
  'spa-redirect-uris',
  'public-client-redirect-uris',
  'allow-public-client-flows',
  'api-permissions',
  'federated-credentials',
  'tags',
  'notes',
  'credential-name',
  'secret-lifetime-days',
  'rotate-before-days',
  'force-rotation',
  'verify-new-secret',
  'keep-previous',
  'github-token',
  'github-api-url',
  'repository',
  'secret-name',
  'environments',
  'client-id-secret-name',
  'tenant-id-secret-name',
  'credentials-secret-name',
  'subscription-id',
  'dry-run',
] as const;
export type InputName = (typeof INPUT_NAMES)[number];

/** Inputs whose values are secrets: read only as a Secret, never shown in a problem. */
export const SECRET_INPUT_NAMES = ['client-secret', 'github-token'] as const satisfies readonly InputName[];
type SecretInputName = (typeof SECRET_INPUT_NAMES)[number];
type PlainInputName = Exclude<InputName, SecretInputName>;

export type Cloud = 'AzureCloud' | 'AzureUSGovernment' | 'AzureChinaCloud';

export const CLOUDS: Readonly<Record<Cloud, { authorityHost: string; graphEndpoint: string }>> = {
  AzureCloud: { authorityHost: 'https://login.microsoftonline.com', graphEndpoint: 'https://graph.microsoft.com' },
  AzureUSGovernment: { authorityHost: 'https://login.microsoftonline.us', graphEndpoint: 'https://graph.microsoft.us' },
  AzureChinaCloud: { authorityHost: 'https://login.chinacloudapi.cn', graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn' },
};
const CLOUD_NAMES = Object.keys(CLOUDS) as Cloud[];

export const MAX_LIFETIME_DAYS = 730;
export const MAX_KEEP_PREVIOUS = 10;

/** One line of api-permissions: `API: perm, perm, perm=Role`. */
export interface ApiPermissionLine {
  line: number;
  api: string;
  permissions: Array<{ name: string; type: 'Scope' | 'Role' }>;
}

/** What the workflow declares about the app; each property is enforced only when its input is given. */
export interface DeclaredApp {
  webRedirectUris?: string[];
  spaRedirectUris?: string[];
  publicClientRedirectUris?: string[];
  allowPublicClientFlows?: boolean;
  signInAudience?: string;
  apiPermissions?: ApiPermissionLine[];
  federatedSubjects?: string[];
  tags?: string[];
  notes?: string;
}

export const MAX_FEDERATED_CREDENTIALS = 20;
const GITHUB_SUBJECT = /^repo:[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+:(environment:[^\s:][^:]*|ref:refs\/(heads|tags)\/\S+|pull_request)$/;

/** What the run is asked to do. Single-app inputs are a fleet of one. */
export interface Config {
  signIn: StepConfig['signIn'];
  github: { token: Secret | undefined; apiUrl: string };
  dryRun: boolean;
  /** Why the run is a dry run when the dry-run input did not say so. */
  dryRunBecause: string | undefined;
  mode: 'single' | 'fleet';
  apps: AppSpec[];
  fleet: FleetSettings;
}

interface StepConfig {
  signIn: {
    tenantId: string;
    clientId: string;
    /** Present: client-secret sign-in. Absent: GitHub OIDC federation. */
    clientSecret: Secret | undefined;
    oidcAudience: string;
    cloud: Cloud;
    authorityHost: string;
    /** Graph root without a trailing slash; requests go to `${graphEndpoint}/v1.0/…`. */
    graphEndpoint: string;
  };
  app: {
    name: string | undefined;
    appId: string | undefined;
    createIfMissing: boolean;
    signInAudience: SignInAudience;
    /** True when the workflow set sign-in-audience itself (it is then enforced on existing apps). */
    signInAudienceGiven: boolean;
    servicePrincipal: boolean;
    declared: DeclaredApp;
    /** Issuer of GitHub's OIDC tokens for this server (github.com, or GHES). */
    oidcIssuer: string;
  };
  rotation: {
    credentialName: string;
    lifetimeDays: number;
    rotateBeforeDays: number;
    force: boolean;
    keepPrevious: number;
    verifyNewSecret: boolean;
  };
  github: {
    token: Secret | undefined;
    apiUrl: string;
    owner: string;
    repo: string;
    scopes: Scope[];
    targets: Target[];
    subscriptionId: string | undefined;
  };
  dryRun: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads one input by name: @actions/core's getInput in the action (INPUT_<NAME>, upper-cased, hyphens kept). */
export type InputReader = (name: string) => string;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GUID_EXAMPLE = 'a GUID like 00000000-0000-0000-0000-000000000000';
const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];

/**
 * Reads inputs by name (trimmed) and the runner's variables, and collects every problem, so that all are reported
 * at once. Readers return undefined for an empty or a bad value.
 */
class Inputs {
  readonly problems: string[] = [];
  readonly #read: InputReader;
  readonly #env: Env;

  constructor(read: InputReader, env: Env) {
    this.#read = read;
    this.#env = env;
  }

  value(name: PlainInputName): string {
    return this.#raw(name);
  }

  /** A secret input: undefined when empty. Its value never reaches a problem message. */
  secret(name: SecretInputName): Secret | undefined {
    const v = this.#raw(name);
    return v === '' ? undefined : new Secret(v);
  }

  /** A variable the runner sets (GITHUB_REPOSITORY, ...), trimmed. */
  environment(name: string): string {
    return (this.#env[name] ?? '').trim();
  }

  /** `name: got 'value', expected …`. Only plain inputs have their value shown. */
  problem(name: PlainInputName | `${PlainInputName}, line ${number}`, value: string, expected: string): void {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    this.problems.push(`${name}: got '${shown}', expected ${expected}`);
  }

  /** A problem that is not about one shown value. */
  add(message: string): void {
    this.problems.push(message);
  }

  /** An input that action.yml gives a non-empty default: empty is a problem. */
  given(name: PlainInputName, expected: string): string | undefined {
    const v = this.value(name);
    if (v === '') this.problem(name, v, `${expected} (or leave the input out to use its default)`);
    return v === '' ? undefined : v;
  }

  guid(name: PlainInputName, required: boolean): string | undefined {
    const v = this.value(name);
    if (v === '') {
      if (required) this.add(`${name}: required, expected ${GUID_EXAMPLE}`);
      return undefined;
    }
    if (GUID.test(v)) return v.toLowerCase();
    this.problem(name, v, GUID_EXAMPLE);
    return undefined;
  }

  /** true or false; anything else is a problem, never a silent false. */
  bool(name: PlainInputName): boolean | undefined {
    const v = this.given(name, 'true or false');
    if (v === undefined) return undefined;
    if (TRUE.includes(v)) return true;
    if (FALSE.includes(v)) return false;
    this.problem(name, v, 'true or false');
    return undefined;
  }

  /** A boolean whose default is '' (not given). */
  optionalBool(name: PlainInputName): boolean | undefined {
    return this.value(name) === '' ? undefined : this.bool(name);
  }

  whole(name: PlainInputName, min: number, max: number): number | undefined {
    const expected = `a whole number from ${min} to ${max}`;
    const v = this.given(name, expected);
    if (v === undefined) return undefined;
    if (/^\d+$/.test(v) && Number(v) >= min && Number(v) <= max) return Number(v);
    this.problem(name, v, expected);
    return undefined;
  }

  /** One of the options; `empty` says whether '' is the input's "not given" (its default) or a problem. */
  oneOf<T extends string>(name: PlainInputName, options: readonly T[], empty: 'not given' | 'problem'): T | undefined {
    const expected = `one of ${options.join(', ')}`;
    const v = empty === 'not given' ? this.value(name) : this.given(name, expected);
    if (v === undefined || v === '') return undefined;
    if ((options as readonly string[]).includes(v)) return v as T;
    this.problem(name, v, expected);
    return undefined;
  }

  /** The https root of a host (origin, no path); undefined when empty or bad. */
  httpsRoot(name: PlainInputName, example: string): string | undefined {
    const v = this.value(name);
    if (v === '') return undefined;
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      this.problem(name, v, 'an https:// URL');
      return undefined;
    }
    if (url.protocol !== 'https:') {
      this.problem(name, v, 'an https:// URL (tokens are never sent over plain http)');
    } else if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '' || url.username !== '') {
      this.problem(name, v, `the root URL of the host, like ${example} (no path; the action adds it)`);
    } else {
      return url.origin;
    }
    return undefined;
  }

  #raw(name: InputName): string {
    return this.#read(name).trim();
  }
}

/** Secret names: letters, digits and underscores, not starting with a digit or GITHUB_. */
export function secretNameProblem(value: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
    return 'a GitHub secret name: only letters, digits and underscores, not starting with a digit';
  }
  if (/^GITHUB_/i.test(value)) return 'a GitHub secret name that does not start with GITHUB_ (GitHub reserves that prefix)';
  if (value.length > 100) return 'a GitHub secret name of at most 100 characters';
  return undefined;
}

/** `read` reads the inputs (core.getInput); `env` holds the runner's variables (GITHUB_REPOSITORY, GITHUB_API_URL, ...). */
export function readConfig(read: InputReader, env: Env): Config {
  const inputs = new Inputs(read, env);
  const signIn = readSignIn(inputs);
  const app = readApp(inputs);
  const rotation = readRotation(inputs);
  const dryRun = inputs.bool('dry-run');
  const github = readGitHub(inputs, dryRun === true);
  if (inputs.problems.length > 0 || !signIn || !app || !rotation || dryRun === undefined || !github) {
    throw new InputError(inputs.problems.length > 0 ? inputs.problems : ['internal: an input was rejected without a reason']);
  }
  const key = app.appId !== undefined ? `app-id:${app.appId}` : `app-name:${app.name ?? ''}`;
  const targets = github.targets.map((t) => (t.kind === 'credentials' && github.subscriptionId !== undefined ? { ...t, subscriptionId: github.subscriptionId } : t));
  const identity = { name: app.name, appId: app.appId, createIfMissing: app.createIfMissing, signInAudience: app.signInAudience, servicePrincipal: app.servicePrincipal, declared: app.declared, oidcIssuer: app.oidcIssuer };
  return Object.freeze({
    signIn,
    github: { token: github.token, apiUrl: github.apiUrl },
    dryRun,
    dryRunBecause: undefined,
    mode: 'single' as const,
    apps: [{ key, source: 'inputs', app: identity, rotation, targets }],
    fleet: { maxRotations: 10, reportDays: 30, reportScope: 'managed' as const, shard: undefined },
  });
}

function readSignIn(inputs: Inputs): StepConfig['signIn'] | undefined {
  const tenantId = inputs.guid('tenant-id', true);
  const clientId = inputs.guid('client-id', true);
  const clientSecret = inputs.secret('client-secret');
  const oidcAudience = inputs.given('oidc-audience', 'the audience of the GitHub ID token, like api://AzureADTokenExchange');
  const cloud = inputs.oneOf('cloud', CLOUD_NAMES, 'problem');
  const endpoints = CLOUDS[cloud ?? 'AzureCloud'];
  const authorityHost = inputs.httpsRoot('authority-host', endpoints.authorityHost);
  const graphEndpoint = inputs.httpsRoot('graph-endpoint', endpoints.graphEndpoint);
  if (tenantId === undefined || clientId === undefined || oidcAudience === undefined || cloud === undefined) return undefined;
  return {
    tenantId,
    clientId,
    clientSecret,
    oidcAudience,
    cloud,
    // Empty means "the cloud's".
    authorityHost: authorityHost ?? endpoints.authorityHost,
    graphEndpoint: graphEndpoint ?? endpoints.graphEndpoint,
  };
}

function readApp(inputs: Inputs): StepConfig['app'] | undefined {
  const name = inputs.value('app-name');
  const appId = inputs.guid('app-id', false);
  if (name === '' && inputs.value('app-id') === '') {
    inputs.add("app-name / app-id: one is required: app-name (the app's display name, found or created) or app-id (the client ID of an existing app)");
  } else if (name !== '' && inputs.value('app-id') !== '') {
    inputs.add('app-name / app-id: give one, not both: app-id finds an existing app, app-name finds or creates one by display name');
  }
  if (name.length > 256) inputs.problem('app-name', name, 'a display name of at most 256 characters');
  const audience = inputs.oneOf('sign-in-audience', SIGN_IN_AUDIENCES, 'not given');
  const createIfMissing = inputs.bool('create-if-missing');
  const declared = readDeclared(inputs);
  if (audience !== undefined) declared.signInAudience = audience;
  const serverUrl = inputs.environment('GITHUB_SERVER_URL').replace(/\/+$/, '');
  const oidcIssuer = serverUrl === '' || serverUrl === 'https://github.com' ? 'https://token.actions.githubusercontent.com' : `${serverUrl}/_services/token`;
  const servicePrincipal = inputs.bool('service-principal');
  if (createIfMissing === undefined || servicePrincipal === undefined) return undefined;
  return {
    name: name === '' ? undefined : name,
    appId,
    createIfMissing,
    // Not given: single tenant on create; an existing app's audience is left as it is.
    signInAudience: audience ?? 'AzureADMyOrg',
    signInAudienceGiven: audience !== undefined,
    servicePrincipal,
    declared,
    oidcIssuer,
  };
}

function readRotation(inputs: Inputs): StepConfig['rotation'] | undefined {
  const credentialName = inputs.given('credential-name', 'the description of the client secrets this action creates');
  if (credentialName !== undefined && credentialName.length > 100) {
    inputs.problem('credential-name', credentialName, 'a description of at most 100 characters');
  }
  const lifetimeDays = inputs.whole('secret-lifetime-days', 1, MAX_LIFETIME_DAYS);
  const rotateBeforeDays = inputs.whole('rotate-before-days', 0, MAX_LIFETIME_DAYS);
  if (lifetimeDays !== undefined && rotateBeforeDays !== undefined && rotateBeforeDays >= lifetimeDays) {
    inputs.add(
      `rotate-before-days: got ${rotateBeforeDays}, expected fewer days than secret-lifetime-days (${lifetimeDays}), or every run would rotate`,
    );
  }
  const force = inputs.bool('force-rotation');
  const keepPrevious = inputs.whole('keep-previous', 0, MAX_KEEP_PREVIOUS);
  const verifyNewSecret = inputs.bool('verify-new-secret');
  if (
    credentialName === undefined ||
    lifetimeDays === undefined ||
    rotateBeforeDays === undefined ||
    force === undefined ||
    keepPrevious === undefined ||
    verifyNewSecret === undefined
  ) {
    return undefined;
  }
  return { credentialName, lifetimeDays, rotateBeforeDays, force, keepPrevious, verifyNewSecret };
}

function readGitHub(inputs: Inputs, dryRun: boolean): StepConfig['github'] | undefined {
  const token = inputs.secret('github-token');
  if (token === undefined && !dryRun) {
    inputs.add(
      'github-token: required (unless dry-run is true), expected a fine-grained token or GitHub App token with the Secrets (and, for environments, Environments) read and write permission; the workflow GITHUB_TOKEN cannot write secrets',
    );
  }
  const apiUrl = readApiUrl(inputs);
  const repository = readRepository(inputs);
  const names = readSecretNames(inputs);
  const environments = readEnvironments(inputs);
  const subscriptionId = inputs.guid('subscription-id', false);
  if (inputs.value('subscription-id') !== '' && inputs.value('credentials-secret-name') === '') {
    inputs.add('subscription-id: only used in the credentials JSON, so credentials-secret-name is expected too');
  }
  if (apiUrl === undefined || repository === undefined || names === undefined) return undefined;
  const scopes: Scope[] =
    environments.length === 0 ? [{ service: 'actions', ...repository }] : environments.map((environment) => ({ service: 'actions', ...repository, environment }));
  const targets: Target[] = scopes.flatMap((scope) => names.map((n) => ({ scope, name: n.value, kind: n.kind })));
  return { token, apiUrl, ...repository, scopes, targets, subscriptionId };
}

/**
 * github-api-url, else the runner's GITHUB_API_URL (github.com's when run elsewhere). The input is the only way to
 * write to another GitHub than the workflow's: the runner sets GITHUB_API_URL itself, over any `env:` of a step.
 */
function readApiUrl(inputs: Inputs): string | undefined {
  const given = inputs.value('github-api-url');
  if (given !== '') return githubApiRoot(inputs, given);
  const value = inputs.environment('GITHUB_API_URL') || 'https://api.github.com';
  try {
    const u = new URL(value);
    if (u.protocol === 'https:' || u.protocol === 'http:') return value.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  inputs.add(`GITHUB_API_URL (environment): got '${value}', expected the GitHub API URL, like https://api.github.com`);
  return undefined;
}

function githubApiRoot(inputs: Inputs, value: string): string | undefined {
  const expected = 'the https:// root of a GitHub REST API, like https://api.github.com or https://ghes.example.com/api/v3';
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol === 'https:' && url.search === '' && url.hash === '' && url.username === '') return value.replace(/\/+$/, '');
  inputs.problem('github-api-url', value, expected);
  return undefined;
}

/** `repository`, or the workflow's own repository when empty. */
function readRepository(inputs: Inputs): { owner: string; repo: string } | undefined {
  const repository = inputs.value('repository') || inputs.environment('GITHUB_REPOSITORY');
  if (repository === '') {
    inputs.add('repository: required outside GitHub Actions (GITHUB_REPOSITORY is not set), expected owner/name');
    return undefined;
  }
  const m = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(repository);
  if (m === null || m[1] === undefined || m[2] === undefined || m[2] === '.' || m[2] === '..') {
    inputs.problem('repository', repository, 'owner/name, like octo-org/billing-api');
    return undefined;
  }
  return { owner: m[1], repo: m[2] };
}

type SecretNameInput = 'secret-name' | 'credentials-secret-name' | 'client-id-secret-name' | 'tenant-id-secret-name';

/** The GitHub secret names to write, each valid and distinct (case-insensitively). */
function readSecretNames(inputs: Inputs): Array<{ input: SecretNameInput; value: string; kind: Target['kind'] }> | undefined {
  const secretName = inputs.given('secret-name', 'the name of the GitHub secret that receives the client secret');
  const names: Array<{ input: SecretNameInput; value: string; kind: Target['kind'] }> = [];
  if (secretName !== undefined) names.push({ input: 'secret-name', value: secretName, kind: 'secret' });
  for (const [input, kind] of [
    ['credentials-secret-name', 'credentials'],
    ['client-id-secret-name', 'client-id'],
    ['tenant-id-secret-name', 'tenant-id'],
  ] as const) {
    const v = inputs.value(input);
    if (v !== '') names.push({ input, value: v, kind });
  }
  const before = inputs.problems.length;
  const seen = new Map<string, string>();
  for (const n of names) {
    const p = secretNameProblem(n.value);
    const other = seen.get(n.value.toUpperCase());
    if (p !== undefined) inputs.problem(n.input, n.value, p);
    else if (other !== undefined) inputs.problem(n.input, n.value, `a name different from ${other} (secret names are case-insensitive)`);
    else seen.set(n.value.toUpperCase(), n.input);
  }
  return secretName === undefined || inputs.problems.length > before ? undefined : names;
}

/** One environment name per line; none: the repository secret. */
function readEnvironments(inputs: Inputs): string[] {
  const environments = numberedLines(inputs.value('environments')).map((l) => l.text);
  const seen = new Set<string>();
  for (const e of environments) {
    if (e.includes(',')) inputs.problem('environments', e, 'one environment name per line (a comma does not separate names)');
    else if (e.length > 255) inputs.problem('environments', e, 'environment names of at most 255 characters');
    else if (seen.has(e.toLowerCase())) inputs.problem('environments', e, 'each environment once (names are case-insensitive)');
    seen.add(e.toLowerCase());
  }
  return environments;
}

/** Lines of a list input with their 1-based line numbers; blank lines (normal in YAML block scalars) are skipped. */
function numberedLines(value: string): Array<{ line: number; text: string }> {
  return value
    .split(/\r?\n/)
    .map((text, i) => ({ line: i + 1, text: text.trim() }))
    .filter((l) => l.text !== '');
}

type RedirectInput = 'web-redirect-uris' | 'spa-redirect-uris' | 'public-client-redirect-uris';

function redirectUris(inputs: Inputs, name: RedirectInput, rule: 'web' | 'public'): string[] | undefined {
  const value = inputs.value(name);
  if (value === '') return undefined;
  const uris: string[] = [];
  for (const { line, text } of numberedLines(value)) {
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
    if (url === undefined || !/^[a-z][a-z0-9+.-]*:$/i.test(url.protocol)) {
      inputs.problem(`${name}, line ${line}`, text, 'an absolute URI like https://app.example.com/auth');
    } else if (text.length > 256) {
      inputs.add(`${name}, line ${line}: expected a redirect URI of at most 256 characters`);
    } else if (rule === 'web' && url.protocol !== 'https:' && !(url.protocol === 'http:' && url.hostname === 'localhost')) {
      inputs.problem(`${name}, line ${line}`, text, 'an https:// URI (plain http is allowed only for http://localhost)');
    } else if (text.includes('*')) {
      inputs.problem(`${name}, line ${line}`, text, 'no wildcard (*)');
    } else if (!uris.includes(text)) uris.push(text);
  }
  return uris;
}

function readDeclared(inputs: Inputs): DeclaredApp {
  const declared: DeclaredApp = {};
  const web = redirectUris(inputs, 'web-redirect-uris', 'web');
  if (web) declared.webRedirectUris = web;
  const spa = redirectUris(inputs, 'spa-redirect-uris', 'web');
  if (spa) declared.spaRedirectUris = spa;
  const pub = redirectUris(inputs, 'public-client-redirect-uris', 'public');
  if (pub) declared.publicClientRedirectUris = pub;
  const publicFlows = inputs.optionalBool('allow-public-client-flows');
  if (publicFlows !== undefined) declared.allowPublicClientFlows = publicFlows;
  const permissions = apiPermissions(inputs);
  if (permissions) declared.apiPermissions = permissions;
  const subjects = federatedSubjects(inputs);
  if (subjects) declared.federatedSubjects = subjects;
  const tags = inputs.value('tags');
  if (tags !== '') {
    declared.tags = [];
    for (const { line, text } of numberedLines(tags)) {
      if (text.length > 256) inputs.add(`tags, line ${line}: expected a tag of at most 256 characters`);
      else if (!declared.tags.includes(text)) declared.tags.push(text);
    }
  }
  const notes = inputs.value('notes');
  if (notes !== '') {
    if (notes.length > 1024) inputs.add('notes: expected at most 1024 characters');
    declared.notes = notes;
  }
  return declared;
}

function apiPermissions(inputs: Inputs): ApiPermissionLine[] | undefined {
  const value = inputs.value('api-permissions');
  if (value === '') return undefined;
  const lines: ApiPermissionLine[] = [];
  for (const { line, text } of numberedLines(value)) {
    const colon = text.lastIndexOf(':');
    const api = colon < 0 ? '' : text.slice(0, colon).trim();
    const list = colon < 0 ? '' : text.slice(colon + 1).trim();
    if (colon < 0 || api === '' || list === '') {
      inputs.problem(`api-permissions, line ${line}`, text, "'API: permission, permission=Role' (like 'Microsoft Graph: User.Read, Application.ReadWrite.OwnedBy=Role')");
      continue;
    }
    const perms: ApiPermissionLine['permissions'] = [];
    for (const raw of list.split(',').map((p) => p.trim())) {
      const m = /^([A-Za-z0-9_.-]+)(?:\s*=\s*(Role|Scope))?$/i.exec(raw);
      if (m === null || m[1] === undefined) {
        inputs.problem(`api-permissions, line ${line}`, raw, 'a permission name, or name=Role for an application permission');
        continue;
      }
      const name = m[1];
      const type = (m[2] ?? 'Scope').toLowerCase() === 'role' ? 'Role' : 'Scope';
      if (!perms.some((p) => p.name === name && p.type === type)) perms.push({ name, type });
    }
    lines.push({ line, api, permissions: perms });
  }
  return lines;
}

function federatedSubjects(inputs: Inputs): string[] | undefined {
  const value = inputs.value('federated-credentials');
  if (value === '') return undefined;
  const list: string[] = [];
  for (const { line, text } of numberedLines(value)) {
    if (!GITHUB_SUBJECT.test(text)) {
      inputs.problem(
        `federated-credentials, line ${line}`,
        text,
        'a GitHub OIDC subject: repo:OWNER/REPO:environment:NAME, repo:OWNER/REPO:ref:refs/heads/BRANCH, repo:OWNER/REPO:ref:refs/tags/TAG or repo:OWNER/REPO:pull_request',
      );
    } else if (list.includes(text)) inputs.add(`federated-credentials, line ${line}: '${text}' is listed twice`);
    else list.push(text);
  }
  if (list.length > MAX_FEDERATED_CREDENTIALS) {
    inputs.add(`federated-credentials: got ${list.length} subjects, expected at most ${MAX_FEDERATED_CREDENTIALS} (Entra's limit per app)`);
  }
  return list;
}
