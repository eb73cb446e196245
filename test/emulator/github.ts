/**
 * GitHub REST API, Actions secrets subset: repository, environment and organization secrets with a real
 * X25519 key pair per scope; PUT bodies must be libsodium sealed boxes in standard base64.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { randomBytes } from 'node:crypto';
import sodium from 'libsodium-wrappers';
import type { Req, Res, ServiceHandler } from './server.ts';
import type { State } from './state.ts';
import { handOut } from './state.ts';
import type { EmulatorGitHub, GitHubPermissions, GitHubScope, GitHubSecretMeta, Permission } from './types.ts';
import { githubRequestId, isPlainObject, isoSeconds } from './util.ts';

const DOCS = 'https://docs.github.com/rest/actions/secrets';
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

interface SecretScope {
  kind: 'repo' | 'env' | 'org';
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
  environments: Map<string, { name: string; scope: SecretScope }>;
}

interface Token {
  kind: 'pat' | 'GITHUB_TOKEN';
  /** Names the token in the request log. */
  label: string;
  permissions: Required<GitHubPermissions>;
  used: number;
}

export interface GitHubState {
  repos: Map<string, Repo>;
  orgs: Map<string, { name: string; scope: SecretScope }>;
  tokens: Map<string, Token>;
}

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function tokenOf(gh: GitHubState, headers: IncomingHttpHeaders): Token | undefined {
  const m = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header(headers, 'authorization') ?? '');
  return m?.[1] ? gh.tokens.get(m[1]) : undefined;
}

function newScope(kind: SecretScope['kind'], label: string): SecretScope {
  const kp = sodium.crypto_box_keypair();
  const keyId = (randomBytes(8).readBigUInt64BE() % 9_000_000_000_000_000_000n + 1_000_000_000_000_000_000n).toString();
  return { kind, label, keyId, publicKey: kp.publicKey, privateKey: kp.privateKey, secrets: new Map(), limit: kind === 'org' ? 1000 : 100 };
}

export function createGitHubState(): GitHubState {
  return { repos: new Map(), orgs: new Map(), tokens: new Map() };
}

function meta(s: StoredSecret, scope: SecretScope, apiBase: string): GitHubSecretMeta & Record<string, unknown> {
  const out: GitHubSecretMeta & Record<string, unknown> = { name: s.name, created_at: s.created_at, updated_at: s.updated_at };
  if (scope.kind === 'org') {
    out.visibility = s.visibility ?? 'private';
    if (s.visibility === 'selected') out['selected_repositories_url'] = `${apiBase}/orgs/${scope.label}/actions/secrets/${s.name}/repositories`;
  }
  return out;
}

/** Moves every secret's created_at and updated_at `ms` into the past, in every scope (Emulator.age). */
export function ageGitHub(gh: GitHubState, ms: number): void {
  const scopes = [...gh.orgs.values()].map((o) => o.scope);
  for (const repo of gh.repos.values()) scopes.push(repo.scope, ...[...repo.environments.values()].map((e) => e.scope));
  const back = (t: string): string => isoSeconds(new Date(Date.parse(t) - ms));
  for (const scope of scopes) {
    for (const s of scope.secrets.values()) {
      s.created_at = back(s.created_at);
      s.updated_at = back(s.updated_at);
    }
  }
}

/** The test-facing API (emu.github). */
export function createGitHubApi(state: State, gh: GitHubState): EmulatorGitHub {
  function findScope(scope: GitHubScope): SecretScope | undefined {
    if ('org' in scope) return gh.orgs.get(scope.org.toLowerCase())?.scope;
    const repo = gh.repos.get(scope.repo.toLowerCase());
    if (!repo) return undefined;
    if (scope.environment === undefined) return repo.scope;
    return repo.environments.get(scope.environment.toLowerCase())?.scope;
  }
  return {
    addToken(token, kind, permissions, label) {
      const dflt: Permission = kind === 'pat' ? 'write' : 'none';
      gh.tokens.set(token, {
        kind,
        label: label ?? `${kind}-${gh.tokens.size + 1}`,
        permissions: { secrets: permissions?.secrets ?? dflt, environments: permissions?.environments ?? dflt, orgSecrets: permissions?.orgSecrets ?? dflt },
        used: 0,
      });
      handOut(state, token);
    },
    addRepo(fullName, environments) {
      if (!/^[^/\s]+\/[^/\s]+$/.test(fullName)) throw new Error(`emulator: repo must be OWNER/NAME, got '${fullName}'`);
      let repo = gh.repos.get(fullName.toLowerCase());
      if (!repo) {
        repo = { fullName, id: 100_000_000 + gh.repos.size + 1, scope: newScope('repo', fullName), environments: new Map() };
        gh.repos.set(fullName.toLowerCase(), repo);
      }
      for (const env of environments ?? []) this.addEnvironment(fullName, env);
    },
    addEnvironment(fullName, environment) {
      const repo = gh.repos.get(fullName.toLowerCase());
      if (!repo) throw new Error(`emulator: unknown repo '${fullName}'`);
      if (!repo.environments.has(environment.toLowerCase())) {
        repo.environments.set(environment.toLowerCase(), { name: environment, scope: newScope('env', `${repo.fullName}:${environment}`) });
      }
    },
    addOrg(org) {
      if (!gh.orgs.has(org.toLowerCase())) gh.orgs.set(org.toLowerCase(), { name: org, scope: newScope('org', org) });
    },
    open(scope, name) {
      return findScope(scope)?.secrets.get(name.toUpperCase())?.value;
    },
    secret(scope, name) {
      const sc = findScope(scope);
      const s = sc?.secrets.get(name.toUpperCase());
      if (!sc || !s) return undefined;
      const m: GitHubSecretMeta = { name: s.name, created_at: s.created_at, updated_at: s.updated_at };
      if (sc.kind === 'org') m.visibility = s.visibility ?? 'private';
      return m;
    },
    secrets(scope) {
      const sc = findScope(scope);
      if (!sc) return [];
      return [...sc.secrets.values()].sort((a, b) => a.name.localeCompare(b.name)).map((s) => {
        const m: GitHubSecretMeta = { name: s.name, created_at: s.created_at, updated_at: s.updated_at };
        if (sc.kind === 'org') m.visibility = s.visibility ?? 'private';
        return m;
      });
    },
    putPlain(scope, name, value, updatedAt) {
      const sc = findScope(scope);
      if (!sc) throw new Error(`emulator: unknown GitHub scope ${JSON.stringify(scope)}`);
      const key = name.toUpperCase();
      const now = updatedAt ?? isoSeconds();
      const prev = sc.secrets.get(key);
      const s: StoredSecret = { name: key, value, created_at: prev?.created_at ?? now, updated_at: now };
      if (sc.kind === 'org') s.visibility = prev?.visibility ?? 'private';
      sc.secrets.set(key, s);
    },
    publicKey(scope) {
      const sc = findScope(scope);
      return sc ? { key_id: sc.keyId, key: sodium.to_base64(sc.publicKey, sodium.base64_variants.ORIGINAL) } : undefined;
    },
  };
}

type Op = 'list' | 'public-key' | 'get' | 'put' | 'delete';

const DOC_ANCHORS: Record<SecretScope['kind'], Record<Op, string>> = {
  repo: {
    list: 'list-repository-secrets',
    'public-key': 'get-a-repository-public-key',
    get: 'get-a-repository-secret',
    put: 'create-or-update-a-repository-secret',
    delete: 'delete-a-repository-secret',
  },
  env: {
    list: 'list-environment-secrets',
    'public-key': 'get-an-environment-public-key',
    get: 'get-an-environment-secret',
    put: 'create-or-update-an-environment-secret',
    delete: 'delete-an-environment-secret',
  },
  org: {
    list: 'list-organization-secrets',
    'public-key': 'get-an-organization-public-key',
    get: 'get-an-organization-secret',
    put: 'create-or-update-an-organization-secret',
    delete: 'delete-an-organization-secret',
  },
};

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

  function handle(req: Req): Res {
    let segs: string[];
    try {
      segs = req.pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
    } catch {
      return err(404, 'Not Found', 'https://docs.github.com/rest');
    }
    // Route.
    let kind: SecretScope['kind'] | undefined;
    let owner = '';
    let repoName = '';
    let envName = '';
    let orgName = '';
    let tail: string[] = [];
    if (segs[0] === 'repos' && segs.length >= 5 && segs[3] === 'actions' && segs[4] === 'secrets') {
      kind = 'repo';
      owner = segs[1] ?? '';
      repoName = segs[2] ?? '';
      tail = segs.slice(5);
    } else if (segs[0] === 'repos' && segs.length >= 6 && segs[3] === 'environments' && segs[5] === 'secrets') {
      kind = 'env';
      owner = segs[1] ?? '';
      repoName = segs[2] ?? '';
      envName = segs[4] ?? '';
      tail = segs.slice(6);
    } else if (segs[0] === 'orgs' && segs.length >= 4 && segs[2] === 'actions' && segs[3] === 'secrets') {
      kind = 'org';
      orgName = segs[1] ?? '';
      tail = segs.slice(4);
    }
    if (kind === undefined || tail.length > 1) return err(404, 'Not Found', 'https://docs.github.com/rest');
    let op: Op;
    if (tail.length === 0) {
      if (req.method !== 'GET') return err(404, 'Not Found', 'https://docs.github.com/rest');
      op = 'list';
    } else if (tail[0] === 'public-key' && req.method === 'GET') {
      op = 'public-key';
    } else if (req.method === 'GET') op = 'get';
    else if (req.method === 'PUT') op = 'put';
    else if (req.method === 'DELETE') op = 'delete';
    else return err(404, 'Not Found', 'https://docs.github.com/rest');
    const doc = `${DOCS}#${DOC_ANCHORS[kind][op]}`;

    // Authenticate.
    const auth = header(req.headers, 'authorization');
    if (!auth) return err(401, 'Requires authentication', doc);
    const token = tokenOf(gh, req.headers);
    if (!token) return err(401, 'Bad credentials', 'https://docs.github.com/rest');
    token.used += 1;
    const rate = rateHeaders(token);

    // Resolve the scope: repository (404), permission (403), environment (404).
    let scope: SecretScope;
    if (kind === 'org') {
      const org = gh.orgs.get(orgName.toLowerCase());
      if (!org) return err(404, 'Not Found', doc, rate);
      scope = org.scope;
    } else {
      const repo = gh.repos.get(`${owner}/${repoName}`.toLowerCase());
      if (!repo) return err(404, 'Not Found', doc, rate);
      scope = repo.scope;
      if (kind === 'env') {
        const env = repo.environments.get(envName.toLowerCase());
        if (!env) {
          const permErr = permission(token, kind, op, doc, rate);
          return permErr ?? err(404, 'Not Found', doc, rate);
        }
        scope = env.scope;
      }
    }
    const permErr = permission(token, kind, op, doc, rate);
    if (permErr) return permErr;

    const name = tail[0] ?? '';
    switch (op) {
      case 'list':
        return list(req, scope, rate);
      case 'public-key':
        return { status: 200, headers: rate, body: { key_id: scope.keyId, key: sodium.to_base64(scope.publicKey, sodium.base64_variants.ORIGINAL) } };
      case 'get': {
        const s = scope.secrets.get(name.toUpperCase());
        return s ? { status: 200, headers: rate, body: meta(s, scope, apiBase()) } : err(404, 'Not Found', doc, rate);
      }
      case 'delete': {
        if (!scope.secrets.delete(name.toUpperCase())) return err(404, 'Not Found', doc, rate);
        return { status: 204, headers: rate };
      }
      case 'put':
        return put(req, scope, name, doc, rate);
    }
  }

  function permission(token: Token, kind: SecretScope['kind'], op: Op, doc: string, rate: Record<string, string>): Res | undefined {
    const needed: Permission = op === 'put' || op === 'delete' ? 'write' : 'read';
    if (token.kind === 'GITHUB_TOKEN') return err(403, 'Resource not accessible by integration', doc, rate);
    const have = kind === 'repo' ? token.permissions.secrets : kind === 'env' ? token.permissions.environments : token.permissions.orgSecrets;
    const ok = have === 'write' || (have === 'read' && needed === 'read');
    if (ok) return undefined;
    const permName = kind === 'repo' ? 'secrets' : kind === 'env' ? 'environments' : 'organization_secrets';
    return err(403, 'Resource not accessible by personal access token', doc, { ...rate, 'x-accepted-github-permissions': `${permName}=${needed}` });
  }

  function list(req: Req, scope: SecretScope, rate: Record<string, string>): Res {
    const perPageRaw = req.query.get('per_page');
    const pageRaw = req.query.get('page');
    const perPage = Math.min(100, Math.max(1, perPageRaw !== null && /^\d+$/.test(perPageRaw) ? Number(perPageRaw) : 30));
    const page = Math.max(1, pageRaw !== null && /^\d+$/.test(pageRaw) ? Number(pageRaw) : 1);
    const all = [...scope.secrets.values()].sort((a, b) => a.name.localeCompare(b.name));
    const slice = all.slice((page - 1) * perPage, page * perPage);
    const headers = { ...rate };
    const lastPage = Math.max(1, Math.ceil(all.length / perPage));
    if (lastPage > 1) {
      const url = (p: number): string => {
        const q = new URLSearchParams(req.query);
        q.set('per_page', String(perPage));
        q.set('page', String(p));
        return `<${apiBase()}${req.pathname}?${q.toString()}>`;
      };
      const links: string[] = [];
      if (page > 1) links.push(`${url(page - 1)}; rel="prev"`);
      if (page < lastPage) links.push(`${url(page + 1)}; rel="next"`, `${url(lastPage)}; rel="last"`);
      if (page > 1) links.push(`${url(1)}; rel="first"`);
      if (links.length > 0) headers['link'] = links.join(', ');
    }
    return { status: 200, headers, body: { total_count: all.length, secrets: slice.map((s) => meta(s, scope, apiBase())) } };
  }

  function put(req: Req, scope: SecretScope, rawName: string, doc: string, rate: Record<string, string>): Res {
    let body: unknown;
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      return err(400, 'Problems parsing JSON', doc, rate);
    }
    if (!isPlainObject(body)) return err(400, 'Problems parsing JSON', doc, rate);
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
      const ids = body['selected_repository_ids'];
      if (ids !== undefined) {
        if (!Array.isArray(ids) || !ids.every((x) => Number.isInteger(x))) return invalid(`For 'properties/selected_repository_ids', ${JSON.stringify(ids)} is not an array of integers.`);
        if (vis !== 'selected') return err(422, 'Selected repositories can only be specified when visibility is "selected".', doc, rate);
        selected = ids as number[];
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
      if (selected) stored.selectedRepositoryIds = selected;
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
