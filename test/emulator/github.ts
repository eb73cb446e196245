/**
 * GitHub REST API, secrets and variables subset: Actions secrets of repositories, environments and organizations,
 * Dependabot and Codespaces secrets of repositories and organizations, each scope with a real X25519 key pair; PUT
 * bodies must be libsodium sealed boxes in standard base64. Organization secrets hold a visibility and, with
 * `selected`, repository ids. Actions variables of the same scopes (github-variables.ts) go through the same router.
 * Repositories (`GET /repos/{o}/{r}`) have stable numeric ids. Every listing pages (`per_page` ≤ 100, `Link`).
 * An optional secondary rate limit refuses content-creating requests beyond a count in a sliding window.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { randomBytes } from 'node:crypto';
import sodium from 'libsodium-wrappers';
import type { Req, Res, ServiceHandler } from './server.ts';
import type { State } from './state.ts';
import { handOut } from './state.ts';
import type { ContentLimit, EmulatorGitHub, GitHubPermissions, GitHubScope, GitHubSecretMeta, GitHubVariableScope, Permission, SecondaryLimit } from './types.ts';
import { githubRequestId, isPlainObject, isoSeconds } from './util.ts';
import { handleVariable, newVariableScope, seedVariable, VARIABLE_WRITES, variableDoc, variableRoutes, variableView, type VariableHelpers, type VariableOp, type VariableScope } from './github-variables.ts';

const DOCS: Record<SecretService, { repo: string; org: string }> = {
  actions: { repo: 'https://docs.github.com/rest/actions/secrets', org: 'https://docs.github.com/rest/actions/secrets' },
  dependabot: { repo: 'https://docs.github.com/rest/dependabot/secrets', org: 'https://docs.github.com/rest/dependabot/secrets' },
  codespaces: { repo: 'https://docs.github.com/rest/codespaces/repository-secrets', org: 'https://docs.github.com/rest/codespaces/organization-secrets' },
};
const SECONDARY_DOC = 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits';
const SECONDARY_MESSAGE = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID';
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;
const BASE64_RE_TEXT = '/^(?:[A-Za-z0-9+\\/]{4})*(?:[A-Za-z0-9+\\/]{2}==|[A-Za-z0-9+\\/]{3}=|[A-Za-z0-9+\\/]{4})$/';
const MAX_VALUE_BYTES = 48 * 1024;
const NAME_RULES = 'Secret names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_). Spaces are not allowed. Must start with a letter ([a-z], [A-Z]) or underscores (_).';

interface StoredSecret {
  name: string;
  value: string;
  created_at: string;
  updated_at: string;
  visibility?: 'all' | 'private' | 'selected';
  selectedRepositoryIds?: number[];
}

type SecretService = 'actions' | 'dependabot' | 'codespaces';

interface SecretScope {
  kind: 'repo' | 'env' | 'org';
  service: SecretService;
  /** Display form, e.g. 'octo/app', 'octo/app:production', 'octo'. */
  label: string;
  keyId: string;
  publicKey: Uint8Array;
  privateKey: Uint8Array;
  secrets: Map<string, StoredSecret>;
  limit: number;
}

interface Repo {
  fullName: string;
  id: number;
  scope: SecretScope;
  dependabot: SecretScope;
  codespaces: SecretScope;
  variables: VariableScope;
  environments: Map<string, { name: string; scope: SecretScope; variables: VariableScope }>;
}

interface Org {
  name: string;
  scope: SecretScope;
  dependabot: SecretScope;
  codespaces: SecretScope;
  variables: VariableScope;
}

interface Token {
  kind: 'pat' | 'app' | 'GITHUB_TOKEN';
  /** A personal access token (classic), `ghp_…`: its answers show OAuth scopes. */
  classic: boolean;
  /** Names the token in the request log. */
  label: string;
  permissions: Required<GitHubPermissions>;
  used: number;
}

export interface GitHubState {
  repos: Map<string, Repo>;
  orgs: Map<string, Org>;
  tokens: Map<string, Token>;
  secondaryLimit: SecondaryLimit | undefined;
  /** Arrival times of the content-creating requests processed within the secondary limit's window. */
  recentWrites: number[];
  nextRepoId: number;
  /** GitHub's content-creating window (emu.github.contentLimit) and the requests it counted; see contentLimited. */
  content: { limit: ContentLimit | undefined; writes: number[] };
  /** emu.github.selectionPutMovesUpdatedAt: whether PUT …/secrets/{name}/repositories moves the secret's updated_at. */
  selectionPutMovesUpdatedAt: boolean;
}

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function tokenOf(gh: GitHubState, headers: IncomingHttpHeaders): Token | undefined {
  const m = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header(headers, 'authorization') ?? '');
  return m?.[1] ? gh.tokens.get(m[1]) : undefined;
}

function newScope(kind: SecretScope['kind'], label: string, service: SecretService = 'actions'): SecretScope {
  const kp = sodium.crypto_box_keypair();
  const keyId = (randomBytes(8).readBigUInt64BE() % 9_000_000_000_000_000_000n + 1_000_000_000_000_000_000n).toString();
  return { kind, service, label, keyId, publicKey: kp.publicKey, privateKey: kp.privateKey, secrets: new Map(), limit: kind === 'org' ? 1000 : 100 };
}

export function createGitHubState(): GitHubState {
  return {
    repos: new Map(),
    orgs: new Map(),
    tokens: new Map(),
    secondaryLimit: undefined,
    recentWrites: [],
    nextRepoId: 100_000_001,
    content: { limit: undefined, writes: [] },
    selectionPutMovesUpdatedAt: false,
  };
}

function meta(s: StoredSecret, scope: SecretScope, apiBase: string): GitHubSecretMeta & Record<string, unknown> {
  const out: GitHubSecretMeta & Record<string, unknown> = { name: s.name, created_at: s.created_at, updated_at: s.updated_at };
  if (scope.kind === 'org') {
    out.visibility = s.visibility ?? 'private';
    if (s.visibility === 'selected') out['selected_repositories_url'] = `${apiBase}/orgs/${scope.label}/${scope.service}/secrets/${s.name}/repositories`;
  }
  return out;
}

/** Moves every secret's created_at and updated_at `ms` into the past, in every scope (Emulator.age). */
export function ageGitHub(gh: GitHubState, ms: number): void {
  const scopes = [...gh.orgs.values()].flatMap((o) => [o.scope, o.dependabot, o.codespaces]);
  const variables = [...gh.orgs.values()].map((o) => o.variables);
  for (const repo of gh.repos.values()) {
    scopes.push(repo.scope, repo.dependabot, repo.codespaces, ...[...repo.environments.values()].map((e) => e.scope));
    variables.push(repo.variables, ...[...repo.environments.values()].map((e) => e.variables));
  }
  const back = (t: string): string => isoSeconds(new Date(Date.parse(t) - ms));
  for (const stored of [...scopes.flatMap((sc) => [...sc.secrets.values()]), ...variables.flatMap((sc) => [...sc.variables.values()])]) {
    stored.created_at = back(stored.created_at);
    stored.updated_at = back(stored.updated_at);
  }
}

/** A repository as GET /repos/{o}/{r} and the selected-repositories listings show it (GitHub's minimal-repository). */
function repoJson(repo: Repo, apiBase: string): Record<string, unknown> {
  const [owner = '', name = ''] = repo.fullName.split('/');
  const url = `${apiBase}/repos/${repo.fullName}`;
  const html = `https://github.com/${repo.fullName}`;
  const urls: Record<string, string> = {};
  for (const k of ['archive', 'assignees', 'blobs', 'branches', 'collaborators', 'comments', 'commits', 'compare', 'contents', 'contributors', 'deployments', 'downloads', 'events', 'forks', 'git_commits', 'git_refs', 'git_tags', 'hooks', 'issue_comment', 'issue_events', 'issues', 'keys', 'labels', 'languages', 'merges', 'milestones', 'notifications', 'pulls', 'releases', 'stargazers', 'statuses', 'subscribers', 'subscription', 'tags', 'teams', 'trees']) {
    urls[`${k}_url`] = `${url}/${k.replace(/_/g, '/')}`;
  }
  const ownerUrl = `${apiBase}/users/${owner}`;
  return {
    id: repo.id,
    node_id: Buffer.from(`010:Repository${repo.id}`).toString('base64'),
    name,
    full_name: repo.fullName,
    private: true,
    fork: false,
    description: null,
    url,
    html_url: html,
    ...urls,
    owner: {
      login: owner,
      id: 9_000_000 + (repo.id % 1000),
      node_id: Buffer.from(`04:Organization${owner}`).toString('base64'),
      avatar_url: `https://avatars.githubusercontent.com/u/${owner}`,
      gravatar_id: '',
      url: ownerUrl,
      html_url: `https://github.com/${owner}`,
      followers_url: `${ownerUrl}/followers`,
      following_url: `${ownerUrl}/following{/other_user}`,
      gists_url: `${ownerUrl}/gists{/gist_id}`,
      starred_url: `${ownerUrl}/starred{/owner}{/repo}`,
      subscriptions_url: `${ownerUrl}/subscriptions`,
      organizations_url: `${ownerUrl}/orgs`,
      repos_url: `${ownerUrl}/repos`,
      events_url: `${ownerUrl}/events{/privacy}`,
      received_events_url: `${ownerUrl}/received_events`,
      type: 'Organization',
      site_admin: false,
    },
  };
}

/** The test-facing API (emu.github). */
export function createGitHubApi(state: State, gh: GitHubState): EmulatorGitHub {
  function findScope(scope: GitHubScope): SecretScope | undefined {
    if ('org' in scope) {
      const org = gh.orgs.get(scope.org.toLowerCase());
      return scope.dependabot === true ? org?.dependabot : scope.codespaces === true ? org?.codespaces : org?.scope;
    }
    const repo = gh.repos.get(scope.repo.toLowerCase());
    if (!repo) return undefined;
    if (scope.dependabot === true) return repo.dependabot;
    if (scope.codespaces === true) return repo.codespaces;
    if (scope.environment === undefined) return repo.scope;
    return repo.environments.get(scope.environment.toLowerCase())?.scope;
  }
  function findVariables(scope: GitHubVariableScope): VariableScope | undefined {
    if ('org' in scope) return gh.orgs.get(scope.org.toLowerCase())?.variables;
    const repo = gh.repos.get(scope.repo.toLowerCase());
    if (scope.environment === undefined) return repo?.variables;
    return repo?.environments.get(scope.environment.toLowerCase())?.variables;
  }
  const metaOf = (sc: SecretScope, s: StoredSecret): GitHubSecretMeta => {
    const m: GitHubSecretMeta = { name: s.name, created_at: s.created_at, updated_at: s.updated_at };
    if (sc.kind === 'org') m.visibility = s.visibility ?? 'private';
    return m;
  };
  const repoNameOf = (id: number): string => [...gh.repos.values()].find((r) => r.id === id)?.fullName.split('/')[1] ?? `#${id}`;
  return withRealServiceSwitches(gh, {
    addToken(token, kind, permissions, label) {
      const dflt: Permission = kind === 'GITHUB_TOKEN' ? 'none' : 'write';
      gh.tokens.set(token, {
        kind,
        classic: kind === 'pat' && token.startsWith('ghp_'),
        label: label ?? `${kind}-${gh.tokens.size + 1}`,
        permissions: {
          secrets: permissions?.secrets ?? dflt,
          environments: permissions?.environments ?? dflt,
          orgSecrets: permissions?.orgSecrets ?? dflt,
          dependabotSecrets: permissions?.dependabotSecrets ?? dflt,
          codespacesSecrets: permissions?.codespacesSecrets ?? dflt,
          orgCodespacesSecrets: permissions?.orgCodespacesSecrets ?? dflt,
          variables: permissions?.variables ?? dflt,
          orgVariables: permissions?.orgVariables ?? dflt,
        },
        used: 0,
      });
      handOut(state, token);
    },
    addRepo(fullName, environments) {
      if (!/^[^/\s]+\/[^/\s]+$/.test(fullName)) throw new Error(`emulator: repo must be OWNER/NAME, got '${fullName}'`);
      let repo = gh.repos.get(fullName.toLowerCase());
      if (!repo) {
        repo = {
          fullName,
          id: gh.nextRepoId++,
          scope: newScope('repo', fullName),
          dependabot: newScope('repo', fullName, 'dependabot'),
          codespaces: newScope('repo', fullName, 'codespaces'),
          variables: newVariableScope('repo', fullName),
          environments: new Map(),
        };
        gh.repos.set(fullName.toLowerCase(), repo);
      }
      for (const env of environments ?? []) this.addEnvironment(fullName, env);
      return repo.id;
    },
    repoId(fullName) {
      const repo = gh.repos.get(fullName.toLowerCase());
      if (!repo) throw new Error(`emulator: unknown repo '${fullName}'`);
      return repo.id;
    },
    addEnvironment(fullName, environment) {
      const repo = gh.repos.get(fullName.toLowerCase());
      if (!repo) throw new Error(`emulator: unknown repo '${fullName}'`);
      if (!repo.environments.has(environment.toLowerCase())) {
        const label = `${repo.fullName}:${environment}`;
        repo.environments.set(environment.toLowerCase(), { name: environment, scope: newScope('env', label), variables: newVariableScope('env', label) });
      }
    },
    addOrg(org) {
      if (!gh.orgs.has(org.toLowerCase())) {
        gh.orgs.set(org.toLowerCase(), { name: org, scope: newScope('org', org), dependabot: newScope('org', org, 'dependabot'), codespaces: newScope('org', org, 'codespaces'), variables: newVariableScope('org', org) });
      }
    },
    open(scope, name) {
      return findScope(scope)?.secrets.get(name.toUpperCase())?.value;
    },
    secret(scope, name) {
      const sc = findScope(scope);
      const s = sc?.secrets.get(name.toUpperCase());
      return sc && s ? metaOf(sc, s) : undefined;
    },
    secrets(scope) {
      const sc = findScope(scope);
      if (!sc) return [];
      return [...sc.secrets.values()].sort((a, b) => a.name.localeCompare(b.name)).map((s) => metaOf(sc, s));
    },
    access(org, name, options) {
      const sc = findScope({ org, dependabot: options?.dependabot === true, codespaces: options?.codespaces === true });
      const s = sc?.secrets.get(name.toUpperCase());
      if (!s) return undefined;
      const visibility = s.visibility ?? 'private';
      return { visibility, repositories: visibility === 'selected' ? (s.selectedRepositoryIds ?? []).map(repoNameOf).sort() : [] };
    },
    putPlain(scope, name, value, updatedAt, access) {
      const sc = findScope(scope);
      if (!sc) throw new Error(`emulator: unknown GitHub scope ${JSON.stringify(scope)}`);
      const key = name.toUpperCase();
      const now = updatedAt ?? isoSeconds();
      const prev = sc.secrets.get(key);
      const s: StoredSecret = { name: key, value, created_at: prev?.created_at ?? now, updated_at: now };
      if (sc.kind === 'org') {
        s.visibility = access?.visibility ?? prev?.visibility ?? 'private';
        const ids = access ? access.repositories.map((r) => this.repoId(`${sc.label}/${r}`)) : prev?.selectedRepositoryIds;
        if (s.visibility === 'selected') s.selectedRepositoryIds = ids ?? [];
      }
      sc.secrets.set(key, s);
    },
    publicKey(scope) {
      const sc = findScope(scope);
      return sc ? { key_id: sc.keyId, key: sodium.to_base64(sc.publicKey, sodium.base64_variants.ORIGINAL) } : undefined;
    },
    variable(scope, name) {
      const sc = findVariables(scope);
      const v = sc?.variables.get(name.toUpperCase());
      return sc && v ? variableView(v, sc, repoNameOf) : undefined;
    },
    variables(scope) {
      const sc = findVariables(scope);
      return sc ? [...sc.variables.values()].sort((a, b) => a.name.localeCompare(b.name)).map((v) => variableView(v, sc, repoNameOf)) : [];
    },
    putVariable(scope, name, value, updatedAt, access) {
      const sc = findVariables(scope);
      if (!sc) throw new Error(`emulator: unknown GitHub variables scope ${JSON.stringify(scope)}`);
      seedVariable(sc, name, value, updatedAt, access, (r) => this.repoId(`${sc.label}/${r}`));
    },
    secondaryLimit(limit) {
      gh.secondaryLimit = limit === undefined ? undefined : { ...limit };
      gh.recentWrites = [];
    },
  });
}

type RealServiceSwitches = Pick<EmulatorGitHub, 'contentLimit' | 'contentWrites' | 'selectionPutMovesUpdatedAt'>;

/** Adds the switches that model what GitHub does and the emulator by default does not (see types.ts), accessors kept. */
function withRealServiceSwitches(gh: GitHubState, api: Omit<EmulatorGitHub, keyof RealServiceSwitches>): EmulatorGitHub {
  return Object.defineProperties(api, Object.getOwnPropertyDescriptors(realServiceSwitches(gh))) as EmulatorGitHub;
}

function realServiceSwitches(gh: GitHubState): RealServiceSwitches {
  return {
    contentLimit(limit) {
      gh.content = { limit: limit === undefined ? undefined : { ...limit }, writes: [] };
    },
    contentWrites() {
      const now = Date.now();
      return gh.content.writes.filter((t) => t > now - HOUR_MS).length;
    },
    get selectionPutMovesUpdatedAt() {
      return gh.selectionPutMovesUpdatedAt;
    },
    set selectionPutMovesUpdatedAt(on: boolean) {
      gh.selectionPutMovesUpdatedAt = on;
    },
  };
}

/** What a route asks of a token: the permission (its key here, its name on GitHub) and a classic token's scope. */
interface Grant {
  key: keyof GitHubPermissions;
  /** As GitHub names it in `x-accepted-github-permissions`. */
  name: string;
  /** The OAuth scope a personal access token (classic) needs, as GitHub's reference gives it. */
  classic: 'repo' | 'admin:org';
  /** GitHub asks write even to read (Codespaces repository secrets: "Codespaces secrets" write on every route). */
  alwaysWrite?: boolean;
}

const SECRET_WRITES: ReadonlySet<Op> = new Set(['put', 'delete', 'set-repos']);

function secretGrant(kind: SecretScope['kind'], service: SecretService): Grant {
  if (kind === 'org') {
    const key = service === 'dependabot' ? 'dependabotSecrets' : service === 'codespaces' ? 'orgCodespacesSecrets' : 'orgSecrets';
    return { key, name: service === 'actions' ? 'organization_secrets' : `organization_${service}_secrets`, classic: 'admin:org' };
  }
  if (service === 'dependabot') return { key: 'dependabotSecrets', name: 'dependabot_secrets', classic: 'repo' };
  if (service === 'codespaces') return { key: 'codespacesSecrets', name: 'codespaces_secrets', classic: 'repo', alwaysWrite: true };
  return kind === 'env' ? { key: 'environments', name: 'environments', classic: 'repo' } : { key: 'secrets', name: 'secrets', classic: 'repo' };
}

function variableGrant(kind: VariableScope['kind']): Grant {
  if (kind === 'org') return { key: 'orgVariables', name: 'organization_actions_variables', classic: 'admin:org' };
  return kind === 'env' ? { key: 'environments', name: 'environments', classic: 'repo' } : { key: 'variables', name: 'actions_variables', classic: 'repo' };
}

/**
 * A classic token's scopes, from what it may write: `repo` with repository secrets (or environments), `admin:org`
 * with organization secrets. A scope is coarser than the permissions: a test gives a classic token those two.
 */
function oauthScopes(token: Token): string {
  const p = token.permissions;
  return [p.secrets === 'write' || p.environments === 'write' ? 'repo' : '', p.orgSecrets === 'write' ? 'admin:org' : ''].filter((x) => x !== '').join(', ');
}

/** GitHub shows a classic token's scopes, and the one the route needs, on every answer. */
function classicScopes(token: Token, grant: Grant): Record<string, string> {
  return token.classic ? { 'x-oauth-scopes': oauthScopes(token), 'x-accepted-oauth-scopes': grant.classic } : {};
}

/** What a route's parameters name: an organization, a repository or an environment, with their secrets and variables. */
type Holder = { scope: SecretScope; variables: VariableScope; dependabot?: SecretScope; codespaces?: SecretScope };

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/**
 * GitHub's content-creating limits (emu.github.contentLimit): beyond `perMinute` in the last minute or `perHour` in
 * the last hour, a PUT, POST, PATCH or DELETE answers 403 with the secondary-limit message and a retry-after of the
 * seconds until the window has room (for the hourly window, far longer than any client waits). Refused requests are
 * not processed and not counted.
 */
function contentLimited(gh: GitHubState, req: Req, rate: Record<string, string>): Res | undefined {
  const { limit } = gh.content;
  if (limit === undefined || !['PUT', 'POST', 'PATCH', 'DELETE'].includes(req.method)) return undefined;
  const now = Date.now();
  const hour = gh.content.writes.filter((t) => t > now - HOUR_MS);
  const minute = hour.filter((t) => t > now - MINUTE_MS);
  gh.content.writes = hour;
  const full = hour.length >= limit.perHour ? { first: hour[hour.length - limit.perHour], windowMs: HOUR_MS } : minute.length >= limit.perMinute ? { first: minute[minute.length - limit.perMinute], windowMs: MINUTE_MS } : undefined;
  if (full === undefined) {
    gh.content.writes.push(now);
    return undefined;
  }
  const waitS = Math.max(1, Math.ceil(((full.first ?? now) + full.windowMs - now) / 1000));
  return {
    status: 403,
    headers: { ...rate, 'retry-after': String(waitS) },
    body: { message: `${SECONDARY_MESSAGE} ${req.requestId}.`, documentation_url: SECONDARY_DOC, status: '403' },
  };
}

type Op = 'list' | 'public-key' | 'get' | 'put' | 'delete' | 'list-repos' | 'set-repos';

const OP_ANCHORS: Record<Op, string> = {
  list: 'list-{k}-secrets',
  'public-key': 'get-{a}-{k}-public-key',
  get: 'get-{a}-{k}-secret',
  put: 'create-or-update-{a}-{k}-secret',
  delete: 'delete-{a}-{k}-secret',
  'list-repos': 'list-selected-repositories-for-an-organization-secret',
  'set-repos': 'set-selected-repositories-for-an-organization-secret',
};

function docOf(scope: SecretScope['kind'], service: SecretService, op: Op): string {
  const k = scope === 'repo' ? 'repository' : scope === 'env' ? 'environment' : 'organization';
  const a = scope === 'env' ? 'an' : scope === 'org' ? 'an' : 'a';
  return `${DOCS[service][scope === 'org' ? 'org' : 'repo']}#${OP_ANCHORS[op].replace('{k}', k).replace('{a}', a)}`;
}

/**
 * One REST route the emulator serves, as GitHub's OpenAPI description names it (`path` is the description's
 * template). `statuses` are every status the route itself may answer (besides 401 without a valid token, the
 * secondary rate limit's 403/429 and injected faults, which any route answers). Served at the root and under
 * the GHES prefix `/api/v3`. __tests__/emulator-openapi.test.ts checks every entry against the description.
 */
export interface GitHubRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  statuses: readonly number[];
  target: { kind: 'root' } | { kind: 'repository' } | { kind: SecretScope['kind']; service: SecretService; op: Op } | { kind: 'variables'; scope: VariableScope['kind']; op: VariableOp };
}

function secretRoutes(kind: SecretScope['kind'], service: SecretService, base: string): GitHubRoute[] {
  const t = (op: Op): GitHubRoute['target'] => ({ kind, service, op });
  const routes: GitHubRoute[] = [
    { method: 'GET', path: base, statuses: [200, 403, 404], target: t('list') },
    { method: 'GET', path: `${base}/public-key`, statuses: [200, 403, 404], target: t('public-key') },
    { method: 'GET', path: `${base}/{secret_name}`, statuses: [200, 403, 404], target: t('get') },
    { method: 'PUT', path: `${base}/{secret_name}`, statuses: [201, 204, 400, 403, 404, 422], target: t('put') },
    { method: 'DELETE', path: `${base}/{secret_name}`, statuses: [204, 403, 404], target: t('delete') },
  ];
  if (kind === 'org') {
    routes.push(
      { method: 'GET', path: `${base}/{secret_name}/repositories`, statuses: [200, 403, 404], target: t('list-repos') },
      { method: 'PUT', path: `${base}/{secret_name}/repositories`, statuses: [204, 400, 403, 404, 409, 422], target: t('set-repos') },
    );
  }
  return routes;
}

export const GITHUB_ROUTES: readonly GitHubRoute[] = [
  { method: 'GET', path: '/', statuses: [200], target: { kind: 'root' } },
  { method: 'GET', path: '/repos/{owner}/{repo}', statuses: [200, 404], target: { kind: 'repository' } },
  ...secretRoutes('repo', 'actions', '/repos/{owner}/{repo}/actions/secrets'),
  ...secretRoutes('repo', 'dependabot', '/repos/{owner}/{repo}/dependabot/secrets'),
  ...secretRoutes('env', 'actions', '/repos/{owner}/{repo}/environments/{environment_name}/secrets'),
  ...secretRoutes('org', 'actions', '/orgs/{org}/actions/secrets'),
  ...secretRoutes('org', 'dependabot', '/orgs/{org}/dependabot/secrets'),
  ...secretRoutes('repo', 'codespaces', '/repos/{owner}/{repo}/codespaces/secrets'),
  ...secretRoutes('org', 'codespaces', '/orgs/{org}/codespaces/secrets'),
  ...variableRoutes('repo', '/repos/{owner}/{repo}/actions/variables'),
  ...variableRoutes('env', '/repos/{owner}/{repo}/environments/{environment_name}/variables'),
  ...variableRoutes('org', '/orgs/{org}/actions/variables'),
];

/** The GHES REST prefix: gh (and Octokit with a GHES base URL) sends `https://HOST/api/v3/...`. */
export const GHES_PREFIX = '/api/v3';

/** The route a method and decoded path segments address, with the template's parameters; literal segments win. */
export function matchGitHubRoute(method: string, segs: readonly string[]): { route: GitHubRoute; params: Record<string, string> } | undefined {
  for (const route of GITHUB_ROUTES) {
    if (route.method !== method) continue;
    const tpl = route.path.split('/').filter((s) => s !== '');
    if (tpl.length !== segs.length) continue;
    const params: Record<string, string> = {};
    const ok = tpl.every((t, i) => {
      const seg = segs[i] ?? '';
      if (!t.startsWith('{')) return t === seg;
      params[t.slice(1, -1)] = seg;
      return seg !== '';
    });
    // The first match wins: a literal (public-key) is listed before the template it also fits ({secret_name}).
    if (ok) return { route, params };
  }
  return undefined;
}

export function createGitHubHandler(state: State, gh: GitHubState): ServiceHandler {
  const apiBase = (): string => state.urls.github;

  function err(status: number, message: string, doc: string, headers?: Record<string, string>): Res {
    return { status, headers: headers ?? {}, body: { message, documentation_url: doc, status: String(status) } };
  }

  function rateHeaders(t: Token | undefined): Record<string, string> {
    const used = t?.used ?? 0;
    const limit = t ? 5000 : 60;
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - used)),
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-used': String(used),
      'x-ratelimit-resource': 'core',
    };
  }

  /**
   * The secondary rate limit (emu.github.secondaryLimit): a content-creating request beyond `max` processed in the
   * last `windowMs` is refused, with the chosen signal; one within the limit is counted.
   */
  function secondaryLimited(req: Req, rate: Record<string, string>): Res | undefined {
    const limit = gh.secondaryLimit;
    if (limit === undefined || !['PUT', 'POST', 'PATCH', 'DELETE'].includes(req.method)) return undefined;
    const now = Date.now();
    gh.recentWrites = gh.recentWrites.filter((t) => t > now - limit.windowMs);
    if (gh.recentWrites.length < limit.max) {
      gh.recentWrites.push(now);
      return undefined;
    }
    const freeInMs = (gh.recentWrites[0] ?? now) + limit.windowMs - now;
    const waitS = limit.retryAfterS ?? Math.max(1, Math.ceil(freeInMs / 1000));
    const headers: Record<string, string> = { ...rate };
    if (limit.signal === 'retry-after') headers['retry-after'] = String(waitS);
    if (limit.signal === 'reset') {
      headers['x-ratelimit-remaining'] = '0';
      headers['x-ratelimit-reset'] = String(Math.ceil(now / 1000 + waitS));
    }
    return err(limit.status, `${SECONDARY_MESSAGE} ${req.requestId}.`, SECONDARY_DOC, headers);
  }

  function handle(req: Req): Res {
    // GHES paths: REST under /api/v3, GraphQL at /api/graphql; github.com's: at the root and /graphql.
    const prefixed = req.pathname === GHES_PREFIX || req.pathname.startsWith(`${GHES_PREFIX}/`);
    const base = `${apiBase()}${prefixed ? GHES_PREFIX : ''}`;
    const path = prefixed ? req.pathname.slice(GHES_PREFIX.length) : req.pathname;
    if (path === '/graphql' || req.pathname === '/api/graphql') return req.method === 'POST' ? graphql(req) : err(404, 'Not Found', 'https://docs.github.com/graphql');
    let segs: string[];
    try {
      segs = path.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
    } catch {
      return err(404, 'Not Found', 'https://docs.github.com/rest');
    }
    const matched = matchGitHubRoute(req.method, segs);
    if (matched === undefined) return err(404, 'Not Found', 'https://docs.github.com/rest');
    const { route, params } = matched;
    const target = route.target;
    if (target.kind === 'root') return root(req, base);
    const doc =
      target.kind === 'repository' ? 'https://docs.github.com/rest/repos/repos#get-a-repository' : target.kind === 'variables' ? variableDoc(target.scope, target.op) : docOf(target.kind, target.service, target.op);

    // Authenticate.
    const auth = header(req.headers, 'authorization');
    if (!auth) return err(401, 'Requires authentication', doc);
    const token = tokenOf(gh, req.headers);
    if (!token) return err(401, 'Bad credentials', 'https://docs.github.com/rest');
    token.used += 1;
    const rate = rateHeaders(token);
    const limited = secondaryLimited(req, rate) ?? contentLimited(gh, req, rate);
    if (limited) return limited;

    if (target.kind === 'repository') {
      // Any token that may see the repository reads it (fine-grained tokens always get metadata: read).
      const repo = gh.repos.get(`${params['owner'] ?? ''}/${params['repo'] ?? ''}`.toLowerCase());
      return repo ? { status: 200, headers: rate, body: repoJson(repo, base) } : err(404, 'Not Found', doc, rate);
    }
    const grant = target.kind === 'variables' ? variableGrant(target.scope) : secretGrant(target.kind, target.service);
    Object.assign(rate, classicScopes(token, grant));
    const write = target.kind === 'variables' ? VARIABLE_WRITES.has(target.op) : SECRET_WRITES.has(target.op) || grant.alwaysWrite === true;
    const permErr = permission(token, grant, write ? 'write' : 'read', doc, rate);
    if (permErr) return permErr;
    const found = holderOf(target.kind === 'variables' ? target.scope : target.kind, params);
    if (found === undefined) return err(404, 'Not Found', doc, rate);
    if (target.kind === 'variables') return handleVariable(variableHelpers, req, found.variables, target.op, params['name'] ?? '', rate, base);
    const scope = (target.service === 'dependabot' ? found.dependabot : target.service === 'codespaces' ? found.codespaces : found.scope) ?? found.scope;
    const secretOp = target.op;
    const name = params['secret_name'] ?? '';
    switch (secretOp) {
      case 'list':
        return paged(req, rate, [...scope.secrets.values()].sort((a, b) => a.name.localeCompare(b.name)), (page, total) => ({
          total_count: total,
          secrets: page.map((s) => meta(s, scope, base)),
        }));
      case 'public-key':
        return { status: 200, headers: rate, body: { key_id: scope.keyId, key: sodium.to_base64(scope.publicKey, sodium.base64_variants.ORIGINAL) } };
      case 'get': {
        const s = scope.secrets.get(name.toUpperCase());
        return s ? { status: 200, headers: rate, body: meta(s, scope, base) } : err(404, 'Not Found', doc, rate);
      }
      case 'delete': {
        if (!scope.secrets.delete(name.toUpperCase())) return err(404, 'Not Found', doc, rate);
        return { status: 204, headers: rate };
      }
      case 'put':
        return put(req, scope, name, doc, rate);
      case 'list-repos':
      case 'set-repos': {
        const s = scope.secrets.get(name.toUpperCase());
        if (!s) return err(404, 'Not Found', doc, rate);
        if (secretOp === 'set-repos') return setRepositories(req, scope, s, doc, rate);
        const repos = (s.selectedRepositoryIds ?? []).flatMap((id) => [...gh.repos.values()].filter((r) => r.id === id));
        return paged(req, rate, repos, (page, total) => ({ total_count: total, repositories: page.map((r) => repoJson(r, base)) }));
      }
    }
  }

  /**
   * `GET /` (github.com) or `GET /api/v3/` (GHES): the API root, a map of URL templates under the root the request
   * came in on. Anonymous requests are answered too; a classic token (`ghp_`) also gets `x-oauth-scopes`, which
   * `gh auth status` reads (fine-grained and installation tokens get none, as on GitHub).
   */
  function root(req: Req, base: string): Res {
    const token = tokenOf(gh, req.headers);
    if (header(req.headers, 'authorization') !== undefined && !token) return err(401, 'Bad credentials', 'https://docs.github.com/rest');
    if (token) token.used += 1;
    const headers = rateHeaders(token);
    if (token?.classic === true) {
      headers['x-oauth-scopes'] = oauthScopes(token);
      headers['x-accepted-oauth-scopes'] = '';
    }
    const body: Record<string, string> = {
      current_user_url: `${base}/user`,
      authorizations_url: `${base}/authorizations`,
      emails_url: `${base}/user/emails`,
      organization_url: `${base}/orgs/{org}`,
      organization_repositories_url: `${base}/orgs/{org}/repos{?type,page,per_page,sort}`,
      rate_limit_url: `${base}/rate_limit`,
      repository_url: `${base}/repos/{owner}/{repo}`,
      user_url: `${base}/users/{user}`,
    };
    return { status: 200, headers, body };
  }

  /**
   * GraphQL, only what gh asks of it: `repository(owner:, name:) { databaseId }` (any number, aliased, arguments
   * literal or variables; `gh secret set --repos`) and `viewer { login }`. Anything else is answered as GitHub
   * answers a query it cannot run: 200 with `errors` (no `data`).
   */
  function graphql(req: Req): Res {
    const token = tokenOf(gh, req.headers);
    if (!token) return err(401, header(req.headers, 'authorization') ? 'Bad credentials' : 'This endpoint requires you to be authenticated.', 'https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql');
    token.used += 1;
    const rate = rateHeaders(token);
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const query = isPlainObject(parsed) && typeof parsed['query'] === 'string' ? parsed['query'] : undefined;
    const variables = isPlainObject(parsed) && isPlainObject(parsed['variables']) ? parsed['variables'] : {};
    if (query === undefined) return { status: 400, headers: rate, body: { message: 'Problems parsing JSON', documentation_url: 'https://docs.github.com/graphql' } };
    const arg = (a: string): string => {
      const v = a.startsWith('$') ? variables[a.slice(1)] : (JSON.parse(a) as unknown);
      return typeof v === 'string' ? v : '';
    };
    const data: Record<string, unknown> = {};
    const errors: Record<string, unknown>[] = [];
    const fields = /(?:(\w+)\s*:\s*)?repository\s*\(\s*owner\s*:\s*("(?:[^"\\]|\\.)*"|\$\w+)\s*,\s*name\s*:\s*("(?:[^"\\]|\\.)*"|\$\w+)\s*\)\s*\{\s*databaseId\s*\}/g;
    for (const m of query.matchAll(fields)) {
      const alias = m[1] ?? 'repository';
      const fullName = `${arg(m[2] ?? '""')}/${arg(m[3] ?? '""')}`;
      const repo = gh.repos.get(fullName.toLowerCase());
      data[alias] = repo ? { databaseId: repo.id } : null;
      if (!repo) errors.push({ type: 'NOT_FOUND', path: [alias], locations: [], message: `Could not resolve to a Repository with the name '${fullName}'.` });
    }
    if (/\bviewer\s*\{\s*login\s*\}/.test(query)) data['viewer'] = { login: token.label };
    const rest = query.replace(fields, '').replace(/\bviewer\s*\{\s*login\s*\}/g, '').replace(/^\s*(?:query|mutation)?\s*\w*\s*(?:\([^)]*\))?\s*\{/, '').replace(/\}\s*$/, '');
    if (Object.keys(data).length === 0 || rest.trim() !== '') {
      return { status: 200, headers: rate, body: { errors: [{ message: 'The emulator answers only repository(owner:, name:) { databaseId } and viewer { login }.', locations: [{ line: 1, column: 1 }] }] } };
    }
    return { status: 200, headers: rate, body: errors.length > 0 ? { data, errors } : { data } };
  }

  /** GitHub's 403 for a token without the grant's permission (`needed` of it), or undefined when it has it. */
  function permission(token: Token, grant: Grant, needed: Permission, doc: string, rate: Record<string, string>): Res | undefined {
    if (token.kind === 'GITHUB_TOKEN') return err(403, 'Resource not accessible by integration', doc, rate);
    const have = token.permissions[grant.key];
    if (have === 'write' || (have === 'read' && needed === 'read')) return undefined;
    const message = token.kind === 'app' ? 'Resource not accessible by integration' : 'Resource not accessible by personal access token';
    return err(403, message, doc, { ...rate, 'x-accepted-github-permissions': `${grant.name}=${needed}` });
  }

  /** The organization, repository or environment a route's parameters name, or undefined (404). */
  function holderOf(kind: SecretScope['kind'], params: Record<string, string>): Holder | undefined {
    const owner = params['owner'] ?? params['org'] ?? '';
    if (kind === 'org') return gh.orgs.get(owner.toLowerCase());
    const repo = gh.repos.get(`${owner}/${params['repo'] ?? ''}`.toLowerCase());
    if (!repo || kind === 'repo') return repo;
    return repo.environments.get((params['environment_name'] ?? '').toLowerCase());
  }

  const variableHelpers: VariableHelpers = {
    err,
    paged: (req, rate, all, body, perPage) => paged(req, rate, all, body, perPage),
    jsonBody,
    repositoryIds: (org, raw, doc, rate) => repositoryIds(org, raw, false, doc, rate),
    repositories: (ids, base) => ids.flatMap((id) => [...gh.repos.values()].filter((r) => r.id === id)).map((r) => repoJson(r, base)),
  };

  /** One page of `all` (`per_page` at most 100, default 30, unless the route says otherwise; `page` from 1), with GitHub's `Link` header. */
  function paged<T>(req: Req, rate: Record<string, string>, all: T[], body: (page: T[], total: number) => object, limits = { max: 100, dflt: 30 }): Res {
    const perPageRaw = req.query.get('per_page');
    const pageRaw = req.query.get('page');
    const perPage = Math.min(limits.max, Math.max(1, perPageRaw !== null && /^\d+$/.test(perPageRaw) ? Number(perPageRaw) : limits.dflt));
    const page = Math.max(1, pageRaw !== null && /^\d+$/.test(pageRaw) ? Number(pageRaw) : 1);
    const slice = all.slice((page - 1) * perPage, page * perPage);
    const headers = { ...rate };
    const lastPage = Math.max(1, Math.ceil(all.length / perPage));
    if (lastPage > 1) {
      const url = (p: number): string => {
        const q = new URLSearchParams(req.query);
        q.set('per_page', String(perPage));
        q.set('page', String(p));
        // req.pathname keeps the prefix the request came with (/api/v3 or none).
        return `<${apiBase()}${req.pathname}?${q.toString()}>`;
      };
      const links: string[] = [];
      if (page > 1) links.push(`${url(page - 1)}; rel="prev"`);
      if (page < lastPage) links.push(`${url(page + 1)}; rel="next"`, `${url(lastPage)}; rel="last"`);
      if (page > 1) links.push(`${url(1)}; rel="first"`);
      if (links.length > 0) headers['link'] = links.join(', ');
    }
    return { status: 200, headers, body: body(slice, all.length) };
  }

  /** Repository ids as GitHub takes them (integers; the organization secret PUT also takes digit strings), or an error. */
  function repositoryIds(org: string, raw: unknown, allowStrings: boolean, doc: string, rate: Record<string, string>): number[] | Res {
    const ok = (x: unknown): boolean => Number.isInteger(x) || (allowStrings && typeof x === 'string' && /^\d+$/.test(x));
    if (!Array.isArray(raw) || !raw.every(ok)) return err(422, `Invalid request.\n\nFor 'properties/selected_repository_ids', ${JSON.stringify(raw)} is not an array of integers.`, doc, rate);
    const ids = raw.map(Number);
    const inOrg = new Set([...gh.repos.values()].filter((r) => r.fullName.toLowerCase().startsWith(`${org.toLowerCase()}/`)).map((r) => r.id));
    const unknown = ids.filter((id) => !inOrg.has(id));
    if (unknown.length > 0) return err(422, `Repository ids not found in ${org}: ${unknown.join(', ')}`, doc, rate);
    return [...new Set(ids)];
  }

  /** The request's JSON object, or GitHub's 400 answer. */
  function jsonBody(req: Req, doc: string, rate: Record<string, string>): { body: Record<string, unknown> } | { refused: Res } {
    let body: unknown;
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      body = undefined;
    }
    return isPlainObject(body) ? { body } : { refused: err(400, 'Problems parsing JSON', doc, rate) };
  }

  function setRepositories(req: Req, scope: SecretScope, s: StoredSecret, doc: string, rate: Record<string, string>): Res {
    const parsed = jsonBody(req, doc, rate);
    if ('refused' in parsed) return parsed.refused;
    const { body } = parsed;
    if (body['selected_repository_ids'] === undefined) return err(422, 'Invalid request.\n\n"selected_repository_ids" wasn\'t supplied.', doc, rate);
    // GitHub: the selection exists only for visibility selected.
    if (s.visibility !== 'selected') return err(409, `The visibility of ${s.name} is not "selected".`, doc, rate);
    const ids = repositoryIds(scope.label, body['selected_repository_ids'], false, doc, rate);
    if (!Array.isArray(ids)) return ids;
    s.selectedRepositoryIds = ids;
    if (gh.selectionPutMovesUpdatedAt) s.updated_at = isoSeconds();
    return { status: 204, headers: rate };
  }

  function put(req: Req, scope: SecretScope, rawName: string, doc: string, rate: Record<string, string>): Res {
    const parsed = jsonBody(req, doc, rate);
    if ('refused' in parsed) return parsed.refused;
    const { body } = parsed;
    const invalid = (detail: string): Res => err(422, `Invalid request.\n\n${detail}`, doc, rate);
    const required = scope.kind === 'org' ? ['visibility'] : ['encrypted_value', 'key_id'];
    const missing = required.filter((k) => body[k] === undefined);
    if (missing.length === 1) return invalid(`"${missing[0] ?? ''}" wasn't supplied.`);
    if (missing.length > 1) return invalid(`${missing.map((k) => `"${k}"`).join(', ')} weren't supplied.`);
    for (const k of ['encrypted_value', 'key_id', 'visibility']) {
      const v = body[k];
      if (v !== undefined && typeof v !== 'string') return invalid(`For 'properties/${k}', ${JSON.stringify(v)} is not a string.`);
    }
    const enc = body['encrypted_value'] as string | undefined;
    if (enc !== undefined && !BASE64_RE.test(enc)) return invalid(`${enc} does not match ${BASE64_RE_TEXT}.`);
    let visibility: StoredSecret['visibility'];
    let selected: number[] | undefined;
    if (scope.kind === 'org') {
      const vis = body['visibility'];
      if (vis !== 'all' && vis !== 'private' && vis !== 'selected') return invalid(`For 'properties/visibility', ${JSON.stringify(vis)} is not one of ["all", "private", "selected"].`);
      visibility = vis;
      const raw = body['selected_repository_ids'];
      if (raw !== undefined) {
        if (vis !== 'selected') return err(422, 'Selected repositories can only be specified when visibility is "selected".', doc, rate);
        // Actions and Dependabot take digit strings too (their descriptions say so); Codespaces only integers.
        const ids = repositoryIds(scope.label, raw, scope.service !== 'codespaces', doc, rate);
        if (!Array.isArray(ids)) return ids;
        selected = ids;
      }
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(rawName)) return err(422, NAME_RULES, doc, rate);
    if (rawName.toUpperCase().startsWith('GITHUB_')) return err(422, 'Secret names must not start with GITHUB_.', doc, rate);
    const name = rawName.toUpperCase();
    const prev = scope.secrets.get(name);
    let value: string;
    if (enc === undefined) {
      if (!prev) return invalid('"encrypted_value" wasn\'t supplied.');
      value = prev.value;
    } else {
      if (typeof body['key_id'] !== 'string') return invalid('"key_id" wasn\'t supplied.');
      const improperly = (): Res => err(422, 'Bad request - validation failed due to an improperly encrypted secret', doc, rate);
      if (body['key_id'] !== scope.keyId) return improperly();
      let plain: Uint8Array;
      try {
        plain = sodium.crypto_box_seal_open(sodium.from_base64(enc, sodium.base64_variants.ORIGINAL), scope.publicKey, scope.privateKey);
      } catch {
        return improperly();
      }
      if (plain.length > MAX_VALUE_BYTES) return err(422, 'Secret value is too large: secrets are limited to 48 KB.', doc, rate);
      value = new TextDecoder().decode(plain);
    }
    if (!prev && scope.secrets.size >= scope.limit) {
      const what = scope.kind === 'env' ? 'environment' : scope.kind === 'repo' ? 'repository' : 'organization';
      return err(422, `Secret limit reached: at most ${scope.limit} secrets per ${what}.`, doc, rate);
    }
    const now = isoSeconds();
    const stored: StoredSecret = { name, value, created_at: prev?.created_at ?? now, updated_at: now };
    if (scope.kind === 'org') {
      stored.visibility = visibility ?? 'private';
      // A PUT without ids keeps the selection it had (GitHub's "selected" with no ids: none, on a new secret).
      if (stored.visibility === 'selected') stored.selectedRepositoryIds = selected ?? prev?.selectedRepositoryIds ?? [];
    }
    scope.secrets.set(name, stored);
    return prev ? { status: 204, headers: rate } : { status: 201, headers: rate, body: {} };
  }

  return {
    service: 'github',
    requestId: () => githubRequestId(),
    principal: (req) => tokenOf(gh, req.headers)?.label,
    commonHeaders: (req) => ({
      'x-github-request-id': req.requestId,
      'x-github-media-type': 'github.v3; format=json',
      'x-github-api-version-selected': header(req.headers, 'x-github-api-version') ?? '2022-11-28',
      server: 'github.com',
      'x-content-type-options': 'nosniff',
    }),
    faultResponse(_req, status, code) {
      const dflt: Record<number, string> = {
        400: 'Bad Request',
        401: 'Bad credentials',
        403: 'API rate limit exceeded',
        404: 'Not Found',
        409: 'Conflict',
        422: 'Validation Failed',
        429: 'API rate limit exceeded',
        500: 'Server Error',
        502: 'Server Error',
        503: 'Service Unavailable',
        504: 'Server Error',
      };
      return err(status, code ?? dflt[status] ?? `HTTP ${status}`, 'https://docs.github.com/rest');
    },
    handle,
  };
}
