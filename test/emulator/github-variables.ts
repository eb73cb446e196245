/**
 * GitHub Actions variables of repositories, environments and organizations, as the REST API serves them: list
 * (paged, at most 30 a page, 10 by default: GitHub's `variables-per-page`), `POST` to create (201; 409 when the name
 * is taken), `GET`, `PATCH` (204; may rename) and `DELETE` one by name; organization ones with a visibility and,
 * with `selected`, repository ids (`GET/PUT …/{name}/repositories`, 409 unless selected). Names are case-insensitive
 * and stored upper-case, with the secrets' rules; a value is at most 48 KB. The router, authentication, permissions,
 * rate limits, faults and the log are github.ts's, as for secrets.
 */
import type { Req, Res } from './server.ts';
import type { GitHubOrgAccess, GitHubVariableView } from './types.ts';
import { isoSeconds } from './util.ts';

export type Visibility = 'all' | 'private' | 'selected';

export interface StoredVariable {
  name: string;
  value: string;
  created_at: string;
  updated_at: string;
  visibility?: Visibility;
  selectedRepositoryIds?: number[];
}

export interface VariableScope {
  kind: 'repo' | 'env' | 'org';
  /** Display form, e.g. 'octo/app', 'octo/app:production', 'octo'. */
  label: string;
  variables: Map<string, StoredVariable>;
  limit: number;
}

/** GitHub's limits: 500 variables a repository, 100 an environment, 1,000 an organization. */
export function newVariableScope(kind: VariableScope['kind'], label: string): VariableScope {
  return { kind, label, variables: new Map(), limit: kind === 'org' ? 1000 : kind === 'env' ? 100 : 500 };
}

export type VariableOp = 'list' | 'create' | 'get' | 'update' | 'delete' | 'list-repos' | 'set-repos';

const DOC = 'https://docs.github.com/rest/actions/variables';
const ANCHORS: Record<VariableOp, string> = {
  list: 'list-{k}-variables',
  create: 'create-{a}-{k}-variable',
  get: 'get-{a}-{k}-variable',
  update: 'update-{a}-{k}-variable',
  delete: 'delete-{a}-{k}-variable',
  'list-repos': 'list-selected-repositories-for-an-organization-variable',
  'set-repos': 'set-selected-repositories-for-an-organization-variable',
};

export function variableDoc(kind: VariableScope['kind'], op: VariableOp): string {
  const k = kind === 'repo' ? 'repository' : kind === 'env' ? 'environment' : 'organization';
  return `${DOC}#${ANCHORS[op].replace('{k}', k).replace('{a}', kind === 'repo' ? 'a' : 'an')}`;
}

export const VARIABLE_WRITES: ReadonlySet<VariableOp> = new Set(['create', 'update', 'delete', 'set-repos']);

/** The route table's entries for one variables scope (see GitHubRoute in github.ts). */
interface VariableRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  statuses: number[];
  target: { kind: 'variables'; scope: VariableScope['kind']; op: VariableOp };
}

export function variableRoutes(kind: VariableScope['kind'], base: string): VariableRoute[] {
  const t = (op: VariableOp): VariableRoute['target'] => ({ kind: 'variables', scope: kind, op });
  const routes: VariableRoute[] = [
    { method: 'GET', path: base, statuses: [200, 403, 404], target: t('list') },
    { method: 'POST', path: base, statuses: [201, 400, 403, 404, 409, 422], target: t('create') },
    { method: 'GET', path: `${base}/{name}`, statuses: [200, 403, 404], target: t('get') },
    { method: 'PATCH', path: `${base}/{name}`, statuses: [204, 400, 403, 404, 409, 422], target: t('update') },
    { method: 'DELETE', path: `${base}/{name}`, statuses: [204, 403, 404], target: t('delete') },
  ];
  if (kind === 'org') {
    routes.push(
      { method: 'GET', path: `${base}/{name}/repositories`, statuses: [200, 403, 404, 409], target: t('list-repos') },
      { method: 'PUT', path: `${base}/{name}/repositories`, statuses: [204, 400, 403, 404, 409, 422], target: t('set-repos') },
    );
  }
  return routes;
}

/** What the handler lends: its error shape, paging, JSON bodies, repository ids and repository JSON. */
export interface VariableHelpers {
  err(status: number, message: string, doc: string, headers?: Record<string, string>): Res;
  paged<T>(req: Req, rate: Record<string, string>, all: T[], body: (page: T[], total: number) => object, perPage: { max: number; dflt: number }): Res;
  jsonBody(req: Req, doc: string, rate: Record<string, string>): { body: Record<string, unknown> } | { refused: Res };
  /** Ids of the organization's repositories, or GitHub's 422. */
  repositoryIds(org: string, raw: unknown, doc: string, rate: Record<string, string>): number[] | Res;
  /** The repositories of these ids, as minimal-repository JSON. */
  repositories(ids: readonly number[], base: string): object[];
}

const MAX_VALUE_BYTES = 48 * 1024;
const NAME_RULES = 'Variable names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_). Spaces are not allowed. Must start with a letter ([a-z], [A-Z]) or underscores (_).';

function wire(v: StoredVariable, scope: VariableScope, base: string): Record<string, unknown> {
  const out: Record<string, unknown> = { name: v.name, value: v.value, created_at: v.created_at, updated_at: v.updated_at };
  if (scope.kind === 'org') {
    out['visibility'] = v.visibility ?? 'private';
    if (v.visibility === 'selected') out['selected_repositories_url'] = `${base}/orgs/${scope.label}/actions/variables/${v.name}/repositories`;
  }
  return out;
}

/** One variables request, its scope resolved and its permission granted. */
export function handleVariable(h: VariableHelpers, req: Req, scope: VariableScope, op: VariableOp, name: string, rate: Record<string, string>, base: string): Res {
  const doc = variableDoc(scope.kind, op);
  if (op === 'list') {
    const all = [...scope.variables.values()].sort((a, b) => a.name.localeCompare(b.name));
    return h.paged(req, rate, all, (page, total) => ({ total_count: total, variables: page.map((v) => wire(v, scope, base)) }), { max: 30, dflt: 10 });
  }
  if (op === 'create') return create(h, req, scope, rate, doc);
  const stored = scope.variables.get(name.toUpperCase());
  if (!stored) return h.err(404, 'Not Found', doc, rate);
  switch (op) {
    case 'get':
      return { status: 200, headers: rate, body: wire(stored, scope, base) };
    case 'delete':
      scope.variables.delete(stored.name);
      return { status: 204, headers: rate };
    case 'update':
      return update(h, req, scope, stored, rate, doc);
    case 'list-repos':
      if (stored.visibility !== 'selected') return h.err(409, `The visibility of ${stored.name} is not "selected".`, doc, rate);
      return h.paged(req, rate, stored.selectedRepositoryIds ?? [], (page, total) => ({ total_count: total, repositories: h.repositories(page, base) }), { max: 100, dflt: 30 });
    case 'set-repos':
      return setRepositories(h, req, scope, stored, rate, doc);
  }
}

type Checked<T> = { ok: T } | { refused: Res };

/** A name as GitHub takes it (upper-cased), or its 422. */
function checkName(h: VariableHelpers, raw: unknown, doc: string, rate: Record<string, string>): Checked<string> {
  if (typeof raw !== 'string') return { refused: h.err(422, `Invalid request.\n\nFor 'properties/name', ${JSON.stringify(raw)} is not a string.`, doc, rate) };
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(raw)) return { refused: h.err(422, NAME_RULES, doc, rate) };
  if (raw.toUpperCase().startsWith('GITHUB_')) return { refused: h.err(422, 'Variable names must not start with GITHUB_.', doc, rate) };
  return { ok: raw.toUpperCase() };
}

function checkValue(h: VariableHelpers, raw: unknown, doc: string, rate: Record<string, string>): Checked<string> {
  if (typeof raw !== 'string') return { refused: h.err(422, `Invalid request.\n\nFor 'properties/value', ${JSON.stringify(raw)} is not a string.`, doc, rate) };
  if (Buffer.byteLength(raw) > MAX_VALUE_BYTES) return { refused: h.err(422, 'Variable value is too large: variables are limited to 48 KB.', doc, rate) };
  return { ok: raw };
}

/**
 * An organization variable's visibility and selection from a body: `visibility` (required on create) and
 * `selected_repository_ids` (integers, only with selected). On update, what the body leaves out stays as it was.
 */
function checkAccess(h: VariableHelpers, body: Record<string, unknown>, scope: VariableScope, prev: StoredVariable | undefined, doc: string, rate: Record<string, string>): Checked<{ visibility: Visibility; ids: number[] | undefined }> {
  const raw = body['visibility'] ?? prev?.visibility;
  if (raw !== 'all' && raw !== 'private' && raw !== 'selected') {
    return { refused: h.err(422, `Invalid request.\n\nFor 'properties/visibility', ${JSON.stringify(raw)} is not one of ["all", "private", "selected"].`, doc, rate) };
  }
  const rawIds = body['selected_repository_ids'];
  if (rawIds === undefined) return { ok: { visibility: raw, ids: raw === 'selected' ? (prev?.selectedRepositoryIds ?? []) : undefined } };
  if (raw !== 'selected') return { refused: h.err(422, 'Selected repositories can only be specified when visibility is "selected".', doc, rate) };
  const ids = h.repositoryIds(scope.label, rawIds, doc, rate);
  return Array.isArray(ids) ? { ok: { visibility: raw, ids } } : { refused: ids };
}

function create(h: VariableHelpers, req: Req, scope: VariableScope, rate: Record<string, string>, doc: string): Res {
  const parsed = h.jsonBody(req, doc, rate);
  if ('refused' in parsed) return parsed.refused;
  const { body } = parsed;
  const required = scope.kind === 'org' ? ['name', 'value', 'visibility'] : ['name', 'value'];
  const missing = required.filter((k) => body[k] === undefined);
  if (missing.length > 0) return h.err(422, `Invalid request.\n\n${missing.map((k) => `"${k}"`).join(', ')} ${missing.length === 1 ? "wasn't" : "weren't"} supplied.`, doc, rate);
  const name = checkName(h, body['name'], doc, rate);
  if ('refused' in name) return name.refused;
  const value = checkValue(h, body['value'], doc, rate);
  if ('refused' in value) return value.refused;
  const access = scope.kind === 'org' ? checkAccess(h, body, scope, undefined, doc, rate) : undefined;
  if (access !== undefined && 'refused' in access) return access.refused;
  if (scope.variables.has(name.ok)) return h.err(409, 'Already exists - Variable already exists', doc, rate);
  if (scope.variables.size >= scope.limit) return h.err(422, `Variable limit reached: at most ${scope.limit} variables per ${scope.kind === 'env' ? 'environment' : scope.kind === 'repo' ? 'repository' : 'organization'}.`, doc, rate);
  const now = isoSeconds();
  const stored: StoredVariable = { name: name.ok, value: value.ok, created_at: now, updated_at: now };
  if (access !== undefined) setAccess(stored, access.ok);
  scope.variables.set(stored.name, stored);
  return { status: 201, headers: rate, body: {} };
}

function setAccess(v: StoredVariable, access: { visibility: Visibility; ids: number[] | undefined }): void {
  v.visibility = access.visibility;
  if (access.ids === undefined) delete v.selectedRepositoryIds;
  else v.selectedRepositoryIds = access.ids;
}

function update(h: VariableHelpers, req: Req, scope: VariableScope, stored: StoredVariable, rate: Record<string, string>, doc: string): Res {
  const parsed = h.jsonBody(req, doc, rate);
  if ('refused' in parsed) return parsed.refused;
  const { body } = parsed;
  const name = body['name'] === undefined ? { ok: stored.name } : checkName(h, body['name'], doc, rate);
  if ('refused' in name) return name.refused;
  const value = body['value'] === undefined ? { ok: stored.value } : checkValue(h, body['value'], doc, rate);
  if ('refused' in value) return value.refused;
  const access = scope.kind === 'org' ? checkAccess(h, body, scope, stored, doc, rate) : undefined;
  if (access !== undefined && 'refused' in access) return access.refused;
  if (name.ok !== stored.name && scope.variables.has(name.ok)) return h.err(409, 'Already exists - Variable already exists', doc, rate);
  scope.variables.delete(stored.name);
  stored.name = name.ok;
  stored.value = value.ok;
  if (access !== undefined) setAccess(stored, access.ok);
  stored.updated_at = isoSeconds();
  scope.variables.set(stored.name, stored);
  return { status: 204, headers: rate };
}

function setRepositories(h: VariableHelpers, req: Req, scope: VariableScope, stored: StoredVariable, rate: Record<string, string>, doc: string): Res {
  const parsed = h.jsonBody(req, doc, rate);
  if ('refused' in parsed) return parsed.refused;
  const raw = parsed.body['selected_repository_ids'];
  if (raw === undefined) return h.err(422, 'Invalid request.\n\n"selected_repository_ids" wasn\'t supplied.', doc, rate);
  if (stored.visibility !== 'selected') return h.err(409, `The visibility of ${stored.name} is not "selected".`, doc, rate);
  const ids = h.repositoryIds(scope.label, raw, doc, rate);
  if (!Array.isArray(ids)) return ids;
  stored.selectedRepositoryIds = ids;
  return { status: 204, headers: rate };
}

/** The test-facing view of one variable; `repoName` names a repository id. */
export function variableView(v: StoredVariable, scope: VariableScope, repoName: (id: number) => string): GitHubVariableView {
  const view: GitHubVariableView = { name: v.name, value: v.value, created_at: v.created_at, updated_at: v.updated_at };
  if (scope.kind === 'org') {
    view.visibility = v.visibility ?? 'private';
    if (view.visibility === 'selected') view.repositories = (v.selectedRepositoryIds ?? []).map(repoName).sort();
  }
  return view;
}

/** emu.github.putVariable: created, or its value replaced; an organization one's access as given, or as it was (private). */
export function seedVariable(scope: VariableScope, name: string, value: string, updatedAt: string | undefined, access: GitHubOrgAccess | undefined, repoId: (name: string) => number): void {
  const key = name.toUpperCase();
  const now = updatedAt ?? isoSeconds();
  const prev = scope.variables.get(key);
  const v: StoredVariable = { name: key, value, created_at: prev?.created_at ?? now, updated_at: now };
  if (scope.kind === 'org') {
    const visibility = access?.visibility ?? prev?.visibility ?? 'private';
    setAccess(v, { visibility, ids: visibility === 'selected' ? (access ? access.repositories.map(repoId) : (prev?.selectedRepositoryIds ?? [])) : undefined });
  }
  scope.variables.set(key, v);
}
