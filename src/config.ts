/**
 * The only reader of inputs. Every input is checked here, before any request or heavy module load,
 * and every problem is reported at once, naming the input and what it expects.
 */
import { InputError } from './core/errors';
import { SIGN_IN_AUDIENCES, type Scope, type SignInAudience, type Target } from './core/model';
import { Secret } from './core/secret';

export type Cloud = 'AzureCloud' | 'AzureUSGovernment' | 'AzureChinaCloud';

export const CLOUDS: Readonly<Record<Cloud, { authorityHost: string; graphEndpoint: string }>> = {
  AzureCloud: { authorityHost: 'https://login.microsoftonline.com', graphEndpoint: 'https://graph.microsoft.com' },
  AzureUSGovernment: { authorityHost: 'https://login.microsoftonline.us', graphEndpoint: 'https://graph.microsoft.us' },
  AzureChinaCloud: { authorityHost: 'https://login.chinacloudapi.cn', graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn' },
};

export const DEFAULT_CREDENTIAL_NAME = 'rotated-by-github-actions';
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

export interface Config {
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

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];

/** The value of one input as the runner passes it (INPUT_<NAME>, upper-cased, hyphens kept), trimmed. */
export function inputValue(env: Env, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
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

export function readConfig(env: Env): Config {
  const problems: string[] = [];
  const problem = (name: string, value: string, expected: string): void => {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    problems.push(`${name}: got '${shown}', expected ${expected}`);
  };
  const input = (name: string): string => inputValue(env, name);

  const guid = (name: string, required: boolean): string => {
    const v = input(name);
    if (v === '') {
      if (required) problems.push(`${name}: required, expected a GUID like 00000000-0000-0000-0000-000000000000`);
      return '';
    }
    if (!GUID.test(v)) problem(name, v, 'a GUID like 00000000-0000-0000-0000-000000000000');
    return v.toLowerCase();
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const v = input(name);
    if (v === '') return fallback;
    if (TRUE.includes(v)) return true;
    if (FALSE.includes(v)) return false;
    problem(name, v, 'true or false');
    return fallback;
  };
  const whole = (name: string, fallback: number, min: number, max: number): number => {
    const v = input(name);
    if (v === '') return fallback;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      problem(name, v, `a whole number from ${min} to ${max}`);
      return fallback;
    }
    return Number(v);
  };
  const httpsRoot = (name: string, fallback: string): string => {
    const v = input(name);
    if (v === '') return fallback;
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      problem(name, v, 'an https:// URL');
      return fallback;
    }
    if (url.protocol !== 'https:') {
      problem(name, v, 'an https:// URL (tokens are never sent over plain http)');
      return fallback;
    }
    if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '' || url.username !== '') {
      problem(name, v, `the root URL of the host, like ${fallback} (no path; the action adds it)`);
      return fallback;
    }
    return url.origin;
  };

  // Sign-in
  const tenantId = guid('tenant-id', true);
  const clientId = guid('client-id', true);
  const clientSecretValue = input('client-secret');
  const oidcAudience = input('oidc-audience') || 'api://AzureADTokenExchange';
  const cloudValue = input('cloud') || 'AzureCloud';
  let cloud: Cloud = 'AzureCloud';
  if (Object.hasOwn(CLOUDS, cloudValue)) cloud = cloudValue as Cloud;
  else problem('cloud', cloudValue, `one of ${Object.keys(CLOUDS).join(', ')}`);
  const authorityHost = httpsRoot('authority-host', CLOUDS[cloud].authorityHost);
  const graphEndpoint = httpsRoot('graph-endpoint', CLOUDS[cloud].graphEndpoint);

  // The app
  const name = input('app-name');
  const appId = guid('app-id', false);
  if (name === '' && appId === '') {
    problems.push("app-name / app-id: one is required: app-name (the app's display name, found or created) or app-id (the client ID of an existing app)");
  } else if (name !== '' && appId !== '') {
    problems.push('app-name / app-id: give one, not both: app-id finds an existing app, app-name finds or creates one by display name');
  }
  if (name.length > 256) problem('app-name', name, 'a display name of at most 256 characters');
  const audienceValue = input('sign-in-audience');
  let signInAudience: SignInAudience = 'AzureADMyOrg';
  if (audienceValue !== '') {
    if ((SIGN_IN_AUDIENCES as readonly string[]).includes(audienceValue)) signInAudience = audienceValue as SignInAudience;
    else problem('sign-in-audience', audienceValue, `one of ${SIGN_IN_AUDIENCES.join(', ')}`);
  }
  const createIfMissing = bool('create-if-missing', true);
  const declared = readDeclared(input, problems, bool);
  if (audienceValue !== '' && !problems.some((p) => p.startsWith('sign-in-audience'))) declared.signInAudience = signInAudience;
  const serverUrl = (env['GITHUB_SERVER_URL'] ?? '').trim().replace(/\/+$/, '');
  const oidcIssuer = serverUrl === '' || serverUrl === 'https://github.com' ? 'https://token.actions.githubusercontent.com' : `${serverUrl}/_services/token`;
  const servicePrincipal = bool('service-principal', true);

  // Rotation
  const credentialName = input('credential-name') || DEFAULT_CREDENTIAL_NAME;
  if (credentialName.length > 100) problem('credential-name', credentialName, 'a description of at most 100 characters');
  const lifetimeDays = whole('secret-lifetime-days', 180, 1, MAX_LIFETIME_DAYS);
  const rotateBeforeDays = whole('rotate-before-days', 30, 0, MAX_LIFETIME_DAYS);
  if (rotateBeforeDays >= lifetimeDays) {
    problems.push(
      `rotate-before-days: got ${rotateBeforeDays}, expected fewer days than secret-lifetime-days (${lifetimeDays}), or every run would rotate`,
    );
  }
  const force = bool('force-rotation', false);
  const keepPrevious = whole('keep-previous', 1, 0, MAX_KEEP_PREVIOUS);
  const verifyNewSecret = bool('verify-new-secret', true);

  // GitHub destination
  const dryRun = bool('dry-run', false);
  const tokenValue = input('github-token');
  if (tokenValue === '' && !dryRun) {
    problems.push(
      'github-token: required (unless dry-run is true), expected a fine-grained token or GitHub App token with the Secrets (and, for environments, Environments) read and write permission; the workflow GITHUB_TOKEN cannot write secrets',
    );
  }
  const apiUrlValue = (env['GITHUB_API_URL'] ?? '').trim() || 'https://api.github.com';
  let apiUrl = 'https://api.github.com';
  try {
    const u = new URL(apiUrlValue);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
    apiUrl = apiUrlValue.replace(/\/+$/, '');
  } catch {
    problem('GITHUB_API_URL (environment)', apiUrlValue, 'the GitHub API URL, like https://api.github.com');
  }
  const repository = input('repository') || (env['GITHUB_REPOSITORY'] ?? '').trim();
  let owner = '';
  let repo = '';
  if (repository === '') {
    problems.push('repository: required outside GitHub Actions (GITHUB_REPOSITORY is not set), expected owner/name');
  } else {
    const m = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(repository);
    if (m === null || m[2] === '.' || m[2] === '..') problem('repository', repository, 'owner/name, like octo-org/billing-api');
    else [owner, repo] = [m[1] ?? '', m[2] ?? ''];
  }

  const secretName = input('secret-name') || 'AZURE_CLIENT_SECRET';
  const names: Array<{ input: string; value: string; kind: Target['kind'] }> = [{ input: 'secret-name', value: secretName, kind: 'secret' }];
  for (const [inputName, kind] of [
    ['credentials-secret-name', 'credentials'],
    ['client-id-secret-name', 'client-id'],
    ['tenant-id-secret-name', 'tenant-id'],
  ] as const) {
    const v = input(inputName);
    if (v !== '') names.push({ input: inputName, value: v, kind });
  }
  const seenNames = new Map<string, string>();
  for (const n of names) {
    const p = secretNameProblem(n.value);
    if (p !== undefined) {
      problem(n.input, n.value, p);
      continue;
    }
    const other = seenNames.get(n.value.toUpperCase());
    if (other !== undefined) problem(n.input, n.value, `a name different from ${other} (secret names are case-insensitive)`);
    else seenNames.set(n.value.toUpperCase(), n.input);
  }

  const environments = numberedLines(input('environments')).map((l) => l.text);
  const seenEnvironments = new Set<string>();
  for (const e of environments) {
    if (e.length > 255) problem('environments', e, 'environment names of at most 255 characters');
    else if (seenEnvironments.has(e.toLowerCase())) problem('environments', e, 'each environment once (names are case-insensitive)');
    seenEnvironments.add(e.toLowerCase());
  }

  const subscriptionId = guid('subscription-id', false);
  if (subscriptionId !== '' && input('credentials-secret-name') === '') {
    problems.push('subscription-id: only used in the credentials JSON, so credentials-secret-name is expected too');
  }

  if (problems.length > 0) throw new InputError(problems);

  const scopes: Scope[] = environments.length === 0 ? [{ owner, repo }] : environments.map((environment) => ({ owner, repo, environment }));
  const targets: Target[] = scopes.flatMap((scope) => names.map((n) => ({ scope, name: n.value, kind: n.kind })));

  return Object.freeze({
    signIn: {
      tenantId,
      clientId,
      clientSecret: clientSecretValue === '' ? undefined : new Secret(clientSecretValue),
      oidcAudience,
      cloud,
      authorityHost,
      graphEndpoint,
    },
    app: {
      name: name === '' ? undefined : name,
      appId: appId === '' ? undefined : appId,
      createIfMissing,
      signInAudience,
      signInAudienceGiven: audienceValue !== '',
      servicePrincipal,
      declared,
      oidcIssuer,
    },
    rotation: { credentialName, lifetimeDays, rotateBeforeDays, force, keepPrevious, verifyNewSecret },
    github: {
      token: tokenValue === '' ? undefined : new Secret(tokenValue),
      apiUrl,
      owner,
      repo,
      scopes,
      targets,
      subscriptionId: subscriptionId === '' ? undefined : subscriptionId,
    },
    dryRun,
  });
}

/** Lines of a list input with their 1-based line numbers; blank lines (normal in YAML block scalars) are skipped. */
function numberedLines(value: string): Array<{ line: number; text: string }> {
  return value
    .split(/\r?\n/)
    .map((text, i) => ({ line: i + 1, text: text.trim() }))
    .filter((l) => l.text !== '');
}

function redirectUris(
  name: string,
  value: string,
  problems: string[],
  rule: 'web' | 'public',
): string[] | undefined {
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
      problems.push(`${name}, line ${line}: got '${text}', expected an absolute URI like https://app.example.com/auth`);
    } else if (text.length > 256) {
      problems.push(`${name}, line ${line}: expected a redirect URI of at most 256 characters`);
    } else if (rule === 'web' && url.protocol !== 'https:' && !(url.protocol === 'http:' && url.hostname === 'localhost')) {
      problems.push(`${name}, line ${line}: got '${text}', expected an https:// URI (plain http is allowed only for http://localhost)`);
    } else if (text.includes('*')) {
      problems.push(`${name}, line ${line}: got '${text}', expected no wildcard (*)`);
    } else if (!uris.includes(text)) uris.push(text);
  }
  return uris;
}

function readDeclared(input: (name: string) => string, problems: string[], bool: (name: string, fallback: boolean) => boolean): DeclaredApp {
  const declared: DeclaredApp = {};
  const web = redirectUris('web-redirect-uris', input('web-redirect-uris'), problems, 'web');
  if (web) declared.webRedirectUris = web;
  const spa = redirectUris('spa-redirect-uris', input('spa-redirect-uris'), problems, 'web');
  if (spa) declared.spaRedirectUris = spa;
  const pub = redirectUris('public-client-redirect-uris', input('public-client-redirect-uris'), problems, 'public');
  if (pub) declared.publicClientRedirectUris = pub;
  if (input('allow-public-client-flows') !== '') declared.allowPublicClientFlows = bool('allow-public-client-flows', false);

  const permissions = input('api-permissions');
  if (permissions !== '') {
    const lines: ApiPermissionLine[] = [];
    for (const { line, text } of numberedLines(permissions)) {
      const colon = text.lastIndexOf(':');
      const api = colon < 0 ? '' : text.slice(0, colon).trim();
      const list = colon < 0 ? '' : text.slice(colon + 1).trim();
      if (colon < 0 || api === '' || list === '') {
        problems.push(`api-permissions, line ${line}: got '${text}', expected 'API: permission, permission=Role' (like 'Microsoft Graph: User.Read, Application.ReadWrite.OwnedBy=Role')`);
        continue;
      }
      const perms: ApiPermissionLine['permissions'] = [];
      for (const raw of list.split(',').map((p) => p.trim())) {
        const m = /^([A-Za-z0-9_.-]+)(?:\s*=\s*(Role|Scope))?$/i.exec(raw);
        if (m === null) {
          problems.push(`api-permissions, line ${line}: got '${raw}', expected a permission name, or name=Role for an application permission`);
          continue;
        }
        const type = (m[2] ?? 'Scope').toLowerCase() === 'role' ? 'Role' : 'Scope';
        if (!perms.some((p) => p.name === m[1] && p.type === type)) perms.push({ name: m[1] ?? '', type });
      }
      lines.push({ line, api, permissions: perms });
    }
    declared.apiPermissions = lines;
  }

  const subjects = input('federated-credentials');
  if (subjects !== '') {
    const list: string[] = [];
    for (const { line, text } of numberedLines(subjects)) {
      if (!GITHUB_SUBJECT.test(text)) {
        problems.push(
          `federated-credentials, line ${line}: got '${text}', expected a GitHub OIDC subject: repo:OWNER/REPO:environment:NAME, repo:OWNER/REPO:ref:refs/heads/BRANCH, repo:OWNER/REPO:ref:refs/tags/TAG or repo:OWNER/REPO:pull_request`,
        );
      } else if (list.includes(text)) problems.push(`federated-credentials, line ${line}: '${text}' is listed twice`);
      else list.push(text);
    }
    if (list.length > MAX_FEDERATED_CREDENTIALS) {
      problems.push(`federated-credentials: got ${list.length} subjects, expected at most ${MAX_FEDERATED_CREDENTIALS} (Entra's limit per app)`);
    }
    declared.federatedSubjects = list;
  }

  const tags = input('tags');
  if (tags !== '') {
    declared.tags = [];
    for (const { line, text } of numberedLines(tags)) {
      if (text.length > 256) problems.push(`tags, line ${line}: expected a tag of at most 256 characters`);
      else if (!declared.tags.includes(text)) declared.tags.push(text);
    }
  }
  const notes = input('notes');
  if (notes !== '') {
    if (notes.length > 1024) problems.push('notes: expected at most 1024 characters');
    declared.notes = notes;
  }
  return declared;
}
