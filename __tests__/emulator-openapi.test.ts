/**
 * The emulator's GitHub secrets API against GitHub's own OpenAPI description (@octokit/openapi): request bodies
 * the emulator accepts and response bodies it sends must match the schemas of the same operations.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sodium from 'libsodium-wrappers';
import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { startEmulator } from '../test/emulator/index.ts';
import { GITHUB_ROUTES, matchGitHubRoute } from '../test/emulator/github.ts';
import type { Emulator } from '../test/emulator/index.ts';
import { request } from '../test/emulator/https-client.ts';
import type { HttpResponse } from '../test/emulator/https-client.ts';

type Json = Record<string, unknown>;

interface Operation {
  requestBody?: { content: Record<string, { schema: Json }> };
  responses: Record<string, { content?: Record<string, { schema: Json }> }>;
}

let spec: { paths: Record<string, Record<string, Operation>>; components: Record<string, Record<string, Json>> };
const operations = new Map<string, Operation>();
let ajv: Ajv;
let emu: Emulator;
const TOKEN = 'github_pat_openapi';

function loadSpec(): void {
  const dir = dirname(require.resolve('@octokit/openapi/package.json'));
  spec = JSON.parse(readFileSync(join(dir, 'generated', 'api.github.com.json'), 'utf8')) as typeof spec;
  for (const item of Object.values(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (method === 'parameters') continue;
      const id = (op as unknown as { operationId?: string }).operationId;
      if (id) operations.set(id, op);
    }
  }
}

/** Inline every '#/components/...' reference (the schemas used here have no cycles). */
function deref(node: unknown, depth = 0): unknown {
  if (depth > 50) throw new Error('schema too deep (cycle?)');
  if (Array.isArray(node)) return node.map((n) => deref(n, depth + 1));
  if (node === null || typeof node !== 'object') return node;
  const obj = node as Json;
  const ref = obj['$ref'];
  if (typeof ref === 'string') {
    const parts = ref.replace(/^#\//, '').split('/');
    let target: unknown = spec;
    for (const p of parts) target = (target as Json)[p.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (target === undefined) throw new Error(`unresolved ${ref}`);
    return deref(target, depth + 1);
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(obj)) out[k] = deref(v, depth + 1);
  return out;
}

const compiled = new Map<string, ValidateFunction>();
function validator(key: string, schema: () => unknown): ValidateFunction {
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile(deref(schema()) as object);
    compiled.set(key, v);
  }
  return v;
}

function op(id: string): Operation {
  const o = operations.get(id);
  if (!o) throw new Error(`no operation ${id} in the OpenAPI description`);
  return o;
}

function expectRequestBody(operationId: string, body: unknown): void {
  const v = validator(`${operationId} request`, () => op(operationId).requestBody?.content['application/json']?.schema);
  expect({ valid: v(body), errors: v.errors ?? null }).toEqual({ valid: true, errors: null });
}

function requestBodyIsValid(operationId: string, body: unknown): boolean {
  const v = validator(`${operationId} request`, () => op(operationId).requestBody?.content['application/json']?.schema);
  return v(body);
}

function expectResponse(operationId: string, r: HttpResponse): void {
  const resp = op(operationId).responses[String(r.status)];
  expect(resp).toBeDefined();
  const schema = resp?.content?.['application/json']?.schema;
  if (!schema) {
    expect(r.text).toBe(''); // e.g. 204
    return;
  }
  const v = validator(`${operationId} ${r.status}`, () => schema);
  expect({ valid: v(r.json), errors: v.errors ?? null }).toEqual({ valid: true, errors: null });
}

/** Error bodies: GitHub's generic error schemas (the secrets operations list no error responses of their own). */
function expectError(r: HttpResponse, schemaName: 'basic-error' | 'validation-error-simple'): void {
  const v = validator(`components ${schemaName}`, () => ({ $ref: `#/components/schemas/${schemaName}` }));
  expect({ valid: v(r.json), errors: v.errors ?? null }).toEqual({ valid: true, errors: null });
  expect(r.headers['content-type']).toMatch(/^application\/json/);
}

function gh(method: string, path: string, body?: object, token = TOKEN): Promise<HttpResponse> {
  const opts: Parameters<typeof request>[1] = { method, headers: { authorization: `Bearer ${token}` }, ca: emu.caPem };
  if (body !== undefined) opts.body = body;
  return request(`${emu.urls.github}${path}`, opts);
}

function seal(value: string, key: string): string {
  return sodium.to_base64(sodium.crypto_box_seal(sodium.from_string(value), sodium.from_base64(key, sodium.base64_variants.ORIGINAL)), sodium.base64_variants.ORIGINAL);
}

beforeAll(async () => {
  await sodium.ready;
  loadSpec();
  ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  emu = await startEmulator();
  emu.github.addRepo('octo/app', ['Prod env']);
  emu.github.addOrg('octo');
  emu.github.addToken(TOKEN, 'pat');
  emu.github.addToken('ghs_workflow', 'GITHUB_TOKEN');
});

afterAll(async () => {
  await emu.close();
});

test('the validators are not vacuous', () => {
  const key = validator('actions/get-repo-public-key 200', () => op('actions/get-repo-public-key').responses['200']?.content?.['application/json']?.schema);
  expect(key({ key_id: '1', key: 'abc=' })).toBe(true);
  expect(key({ key_id: 1, key: 'abc=' })).toBe(false);
  expect(key({ key: 'abc=' })).toBe(false);
  const secret = validator('actions/get-repo-secret 200', () => op('actions/get-repo-secret').responses['200']?.content?.['application/json']?.schema);
  expect(secret({ name: 'X', created_at: 'yesterday', updated_at: '2026-01-01T00:00:00Z' })).toBe(false);
  const created = validator('actions/create-or-update-repo-secret 201', () => op('actions/create-or-update-repo-secret').responses['201']?.content?.['application/json']?.schema);
  expect(created({ unexpected: true })).toBe(false);
});

const scopes = [
  {
    name: 'repository',
    base: '/repos/octo/app/actions/secrets',
    ops: { key: 'actions/get-repo-public-key', put: 'actions/create-or-update-repo-secret', get: 'actions/get-repo-secret', list: 'actions/list-repo-secrets', del: 'actions/delete-repo-secret' },
  },
  {
    name: 'environment',
    base: `/repos/octo/app/environments/${encodeURIComponent('Prod env')}/secrets`,
    ops: { key: 'actions/get-environment-public-key', put: 'actions/create-or-update-environment-secret', get: 'actions/get-environment-secret', list: 'actions/list-environment-secrets', del: 'actions/delete-environment-secret' },
  },
  {
    name: 'repository Dependabot',
    base: '/repos/octo/app/dependabot/secrets',
    ops: { key: 'dependabot/get-repo-public-key', put: 'dependabot/create-or-update-repo-secret', get: 'dependabot/get-repo-secret', list: 'dependabot/list-repo-secrets', del: 'dependabot/delete-repo-secret' },
  },
  {
    name: 'repository Codespaces',
    base: '/repos/octo/app/codespaces/secrets',
    ops: { key: 'codespaces/get-repo-public-key', put: 'codespaces/create-or-update-repo-secret', get: 'codespaces/get-repo-secret', list: 'codespaces/list-repo-secrets', del: 'codespaces/delete-repo-secret' },
  },
] as const;

describe.each(scopes)('$name secrets match the OpenAPI description', ({ base, ops }) => {
  test('public key, PUT (created and updated), get, list, delete', async () => {
    const key = await gh('GET', `${base}/public-key`);
    expect(key.status).toBe(200);
    expectResponse(ops.key, key);
    const { key_id: keyId, key: publicKey } = key.json as { key_id: string; key: string };

    const putBody = { encrypted_value: seal('s3cr3t~value.with-chars_', publicKey), key_id: keyId };
    expectRequestBody(ops.put, putBody);
    const created = await gh('PUT', `${base}/SCHEMA_CHECK`, putBody);
    expect(created.status).toBe(201);
    expectResponse(ops.put, created);
    const updated = await gh('PUT', `${base}/SCHEMA_CHECK`, { encrypted_value: seal('second', publicKey), key_id: keyId });
    expect(updated.status).toBe(204);
    expectResponse(ops.put, updated);

    const got = await gh('GET', `${base}/SCHEMA_CHECK`);
    expect(got.status).toBe(200);
    expectResponse(ops.get, got);
    const listed = await gh('GET', base);
    expect(listed.status).toBe(200);
    expectResponse(ops.list, listed);
    const deleted = await gh('DELETE', `${base}/SCHEMA_CHECK`);
    expect(deleted.status).toBe(204);
    expectResponse(ops.del, deleted);
  });

  test('the schema and the emulator agree on what is a bad encrypted_value', async () => {
    const { key_id: keyId, key: publicKey } = (await gh('GET', `${base}/public-key`)).json as { key_id: string; key: string };
    const sealed = sodium.crypto_box_seal(sodium.from_string('value'), sodium.from_base64(publicKey, sodium.base64_variants.ORIGINAL));
    for (const variant of [sodium.base64_variants.URLSAFE_NO_PADDING, sodium.base64_variants.ORIGINAL_NO_PADDING]) {
      const body = { encrypted_value: sodium.to_base64(sealed, variant), key_id: keyId };
      expect(requestBodyIsValid(ops.put, body)).toBe(false);
      const r = await gh('PUT', `${base}/BAD_VARIANT`, body);
      expect(r.status).toBe(422);
      expectError(r, 'validation-error-simple');
    }
    // The description requires key_id for Actions secrets only (Dependabot's and Codespaces' list no required
    // property); a value sealed with an unnamed key cannot be opened either way, so the emulator refuses both.
    expect(requestBodyIsValid(ops.put, { encrypted_value: seal('x', publicKey) })).toBe(!ops.put.startsWith('actions/'));
    const noKey = await gh('PUT', `${base}/NO_KEY_ID`, { encrypted_value: seal('x', publicKey) });
    expect(noKey.status).toBe(422);
    expectError(noKey, 'validation-error-simple');
  });

  test('error bodies match GitHub\'s error schema', async () => {
    const missing = await gh('GET', `${base}/NOT_THERE`);
    expect(missing.status).toBe(404);
    expectError(missing, 'basic-error');
    const forbidden = await gh('GET', `${base}/public-key`, undefined, 'ghs_workflow');
    expect(forbidden.status).toBe(403);
    expectError(forbidden, 'basic-error');
    const unauthorized = await gh('GET', `${base}/public-key`, undefined, 'wrong');
    expect(unauthorized.status).toBe(401);
    expectError(unauthorized, 'basic-error');
    emu.faults.add({ match: { service: 'github' }, kind: 'status', status: 503 });
    const unavailable = await gh('GET', `${base}/public-key`);
    expect(unavailable.status).toBe(503);
    expectError(unavailable, 'basic-error');
  });
});

const orgScopes = [
  { service: 'actions', base: '/orgs/octo/actions/secrets' },
  { service: 'dependabot', base: '/orgs/octo/dependabot/secrets' },
  { service: 'codespaces', base: '/orgs/octo/codespaces/secrets' },
] as const;

describe.each(orgScopes)('organization $service secrets match the OpenAPI description', ({ service, base }) => {
  test('public key, PUT with visibility (ids as integers and as strings), get, list, selected repositories', async () => {
    const key = await gh('GET', `${base}/public-key`);
    expectResponse(`${service}/get-org-public-key`, key);
    const { key_id: keyId, key: publicKey } = key.json as { key_id: string; key: string };
    const body = { encrypted_value: seal('org-value', publicKey), key_id: keyId, visibility: 'private' };
    expectRequestBody(`${service}/create-or-update-org-secret`, body);
    const created = await gh('PUT', `${base}/ORG_SECRET`, body);
    expect(created.status).toBe(201);
    expectResponse(`${service}/create-or-update-org-secret`, created);
    expect(emu.github.open({ org: 'octo', dependabot: service === 'dependabot', codespaces: service === 'codespaces' }, 'ORG_SECRET')).toBe('org-value');
    const noVisibility = await gh('PUT', `${base}/ORG_SECRET`, { encrypted_value: seal('x', publicKey), key_id: keyId });
    expect(noVisibility.status).toBe(422);
    expectResponse(`${service}/get-org-secret`, await gh('GET', `${base}/ORG_SECRET`));
    expectResponse(`${service}/list-org-secrets`, await gh('GET', base));

    const appId = emu.github.repoId('octo/app');
    const libId = emu.github.addRepo('octo/lib');
    // Actions and Dependabot take ids as digit strings too; Codespaces' description takes integers only.
    for (const ids of [[appId], service === 'codespaces' ? [libId] : [String(libId)]]) {
      const selected = { encrypted_value: seal('org-value', publicKey), key_id: keyId, visibility: 'selected', selected_repository_ids: ids };
      expectRequestBody(`${service}/create-or-update-org-secret`, selected);
      const put = await gh('PUT', `${base}/SELECTED`, selected);
      expect([201, 204]).toContain(put.status);
      expectResponse(`${service}/create-or-update-org-secret`, put);
    }
    expect(emu.github.access('octo', 'SELECTED', { dependabot: service === 'dependabot', codespaces: service === 'codespaces' })).toEqual({ visibility: 'selected', repositories: ['lib'] });
    const got = await gh('GET', `${base}/SELECTED`);
    expectResponse(`${service}/get-org-secret`, got);
    expect((got.json as Json)['selected_repositories_url']).toBe(`${emu.urls.github}${base}/SELECTED/repositories`);

    const setBody = { selected_repository_ids: [appId, libId] };
    expectRequestBody(`${service}/set-selected-repos-for-org-secret`, setBody);
    const set = await gh('PUT', `${base}/SELECTED/repositories`, setBody);
    expect(set.status).toBe(204);
    expectResponse(`${service}/set-selected-repos-for-org-secret`, set);
    const listed = await gh('GET', `${base}/SELECTED/repositories`);
    expectResponse(`${service}/list-selected-repos-for-org-secret`, listed);
    expect((listed.json as { repositories: Array<{ id: number; name: string }> }).repositories.map((r) => [r.id, r.name])).toEqual([[appId, 'app'], [libId, 'lib']]);
    // The selection exists only with visibility selected.
    expect((await gh('PUT', `${base}/ORG_SECRET/repositories`, setBody)).status).toBe(409);
    const asStrings = { encrypted_value: seal('org-value', publicKey), key_id: keyId, visibility: 'selected', selected_repository_ids: [String(appId)] };
    expect(requestBodyIsValid(`${service}/create-or-update-org-secret`, asStrings)).toBe(service !== 'codespaces');
    expect((await gh('PUT', `${base}/AS_STRINGS`, asStrings)).status).toBe(service === 'codespaces' ? 422 : 201);
  });
});

const variableScopes = [
  {
    name: 'repository',
    base: '/repos/octo/app/actions/variables',
    scope: { repo: 'octo/app' },
    ops: { list: 'actions/list-repo-variables', create: 'actions/create-repo-variable', get: 'actions/get-repo-variable', update: 'actions/update-repo-variable', del: 'actions/delete-repo-variable' },
  },
  {
    name: 'environment',
    base: `/repos/octo/app/environments/${encodeURIComponent('Prod env')}/variables`,
    scope: { repo: 'octo/app', environment: 'Prod env' },
    ops: { list: 'actions/list-environment-variables', create: 'actions/create-environment-variable', get: 'actions/get-environment-variable', update: 'actions/update-environment-variable', del: 'actions/delete-environment-variable' },
  },
  {
    name: 'organization',
    base: '/orgs/octo/actions/variables',
    scope: { org: 'octo' },
    ops: { list: 'actions/list-org-variables', create: 'actions/create-org-variable', get: 'actions/get-org-variable', update: 'actions/update-org-variable', del: 'actions/delete-org-variable' },
  },
] as const;

describe.each(variableScopes)('$name variables match the OpenAPI description', ({ base, scope, ops }) => {
  test('create (then 409), get, update, list paged by at most 30, delete; names upper-cased', async () => {
    const access = 'org' in scope ? { visibility: 'private' } : {};
    const body = { name: 'schema_check', value: 'v@lue with spaces ✓', ...access };
    expectRequestBody(ops.create, body);
    const created = await gh('POST', base, body);
    expect(created.status).toBe(201);
    expectResponse(ops.create, created);
    expect(emu.github.variable(scope, 'SCHEMA_CHECK')).toMatchObject({ name: 'SCHEMA_CHECK', value: 'v@lue with spaces ✓' });
    const again = await gh('POST', base, { ...body, name: 'SCHEMA_CHECK' });
    expect(again.status).toBe(409);
    expectError(again, 'basic-error');

    const got = await gh('GET', `${base}/schema_check`);
    expect(got.status).toBe(200);
    expectResponse(ops.get, got);
    expect(got.json).toMatchObject({ name: 'SCHEMA_CHECK', value: 'v@lue with spaces ✓' });
    const patch = { value: 'second' };
    expectRequestBody(ops.update, patch);
    const updated = await gh('PATCH', `${base}/SCHEMA_CHECK`, patch);
    expect(updated.status).toBe(204);
    expectResponse(ops.update, updated);
    expect(emu.github.variable(scope, 'SCHEMA_CHECK')?.value).toBe('second');

    for (let i = 0; i < 35; i++) emu.github.putVariable(scope, `PAGED_${String(i).padStart(2, '0')}`, `value ${i}`);
    const first = await gh('GET', base);
    expectResponse(ops.list, first);
    // GitHub's variables-per-page: 10 by default, at most 30.
    expect(first.json).toMatchObject({ total_count: 36 });
    expect((first.json as { variables: unknown[] }).variables).toHaveLength(10);
    const second = await gh('GET', `${base}?per_page=100&page=2`);
    expectResponse(ops.list, second);
    expect((second.json as { variables: Array<{ name: string }> }).variables.map((v) => v.name)).toEqual(['PAGED_30', 'PAGED_31', 'PAGED_32', 'PAGED_33', 'PAGED_34', 'SCHEMA_CHECK']);
    expect(second.headers['link']).toContain('rel="prev"');

    const deleted = await gh('DELETE', `${base}/SCHEMA_CHECK`);
    expect(deleted.status).toBe(204);
    expectResponse(ops.del, deleted);
    expect((await gh('GET', `${base}/SCHEMA_CHECK`)).status).toBe(404);
  });

  test('bad names and values are refused (422) with GitHub\'s error schema', async () => {
    const access = 'org' in scope ? { visibility: 'all' } : {};
    for (const name of ['1ABC', 'GITHUB_THING', 'HAS-DASH']) {
      const r = await gh('POST', base, { name, value: 'x', ...access });
      expect({ name, status: r.status }).toEqual({ name, status: 422 });
      expectError(r, 'basic-error');
    }
    expect((await gh('POST', base, { name: 'TOO_LARGE', value: 'x'.repeat(48 * 1024 + 1), ...access })).status).toBe(422);
  });
});

test('organization variables: visibility selected with repository ids, the selection, and 409 when not selected', async () => {
  const base = '/orgs/octo/actions/variables';
  const appId = emu.github.repoId('octo/app');
  const libId = emu.github.addRepo('octo/lib');
  const body = { name: 'SHARED', value: 'client-id', visibility: 'selected', selected_repository_ids: [appId] };
  expectRequestBody('actions/create-org-variable', body);
  expect((await gh('POST', base, body)).status).toBe(201);
  const got = await gh('GET', `${base}/SHARED`);
  expectResponse('actions/get-org-variable', got);
  expect((got.json as Json)['selected_repositories_url']).toBe(`${emu.urls.github}${base}/SHARED/repositories`);
  expect(emu.github.variable({ org: 'octo' }, 'SHARED')).toMatchObject({ visibility: 'selected', repositories: ['app'] });
  const patch = { value: 'client-id-2', visibility: 'selected', selected_repository_ids: [appId, libId] };
  expectRequestBody('actions/update-org-variable', patch);
  expect((await gh('PATCH', `${base}/SHARED`, patch)).status).toBe(204);
  const listed = await gh('GET', `${base}/SHARED/repositories`);
  expectResponse('actions/list-selected-repos-for-org-variable', listed);
  expect((listed.json as { repositories: Array<{ name: string }> }).repositories.map((r) => r.name)).toEqual(['app', 'lib']);
  const setBody = { selected_repository_ids: [libId] };
  expectRequestBody('actions/set-selected-repos-for-org-variable', setBody);
  const set = await gh('PUT', `${base}/SHARED/repositories`, setBody);
  expect(set.status).toBe(204);
  expectResponse('actions/set-selected-repos-for-org-variable', set);
  expect(emu.github.variable({ org: 'octo' }, 'SHARED')).toMatchObject({ value: 'client-id-2', visibility: 'selected', repositories: ['lib'] });
  // Ids only with selected; the selection only exists with selected.
  expect((await gh('PATCH', `${base}/SHARED`, { visibility: 'all', selected_repository_ids: [appId] })).status).toBe(422);
  expect((await gh('PATCH', `${base}/SHARED`, { visibility: 'all' })).status).toBe(204);
  expect(emu.github.variable({ org: 'octo' }, 'SHARED')).toMatchObject({ visibility: 'all' });
  expect((await gh('GET', `${base}/SHARED/repositories`)).status).toBe(409);
  expect((await gh('PUT', `${base}/SHARED/repositories`, setBody)).status).toBe(409);
  expect((await gh('POST', base, { name: 'ELSEWHERE', value: 'x', visibility: 'selected', selected_repository_ids: [999] })).status).toBe(422);
});

test('a repository reads as GitHub\'s minimal-repository, with its id', async () => {
  const r = await gh('GET', '/repos/octo/app');
  expect(r.status).toBe(200);
  const v = validator('components minimal-repository', () => ({ $ref: '#/components/schemas/minimal-repository' }));
  expect({ valid: v(r.json), errors: v.errors ?? null }).toEqual({ valid: true, errors: null });
  expect(r.json).toMatchObject({ id: emu.github.repoId('octo/app'), name: 'app', full_name: 'octo/app' });
  expect((await gh('GET', '/repos/octo/missing')).status).toBe(404);
});

/**
 * Every REST route the emulator serves (its route table, which its router reads: a route added to the emulator is
 * in it, so it is checked here): the path and method exist in the description, and each status the route answers
 * is documented for the operation, or is one of GitHub's errors that any route answers and the description leaves
 * out (the secrets operations document only their successes), or is named below with why.
 */
const ANY_ROUTE_ERRORS = new Set([400, 403, 404, 422]);
const UNDOCUMENTED: Record<string, number[]> = {
  // GitHub answers 409 when the selection is replaced on a secret whose visibility is not "selected"; the
  // description documents 409 only on the one-repository add/remove of the same selection.
  'PUT /orgs/{org}/actions/secrets/{secret_name}/repositories': [409],
  'PUT /orgs/{org}/dependabot/secrets/{secret_name}/repositories': [409],
  // A variable whose name is taken: GitHub answers 409 (the GitHub CLI's `variable set` relies on it to switch from
  // POST to PATCH); the description documents only 201 for the create, and only 204 for a PATCH that renames.
  'POST /repos/{owner}/{repo}/actions/variables': [409],
  'POST /repos/{owner}/{repo}/environments/{environment_name}/variables': [409],
  'POST /orgs/{org}/actions/variables': [409],
  'PATCH /repos/{owner}/{repo}/actions/variables/{name}': [409],
  'PATCH /repos/{owner}/{repo}/environments/{environment_name}/variables/{name}': [409],
  'PATCH /orgs/{org}/actions/variables/{name}': [409],
};

describe('every route in the emulator\'s route table is in the OpenAPI description', () => {
  test.each(GITHUB_ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', (_label, route) => {
    const item = spec.paths[route.path];
    expect({ path: route.path, inDescription: item !== undefined }).toEqual({ path: route.path, inDescription: true });
    const operation = item?.[route.method.toLowerCase()];
    expect({ method: route.method, inDescription: operation !== undefined }).toEqual({ method: route.method, inDescription: true });
    const documented = Object.keys(operation?.responses ?? {}).map(Number);
    const allowed = new Set([...documented, ...(UNDOCUMENTED[`${route.method} ${route.path}`] ?? [])]);
    const successes = route.statuses.filter((s) => s < 300);
    expect(successes.filter((s) => !documented.includes(s))).toEqual([]);
    expect(route.statuses.filter((s) => !allowed.has(s) && !ANY_ROUTE_ERRORS.has(s))).toEqual([]);
  });

  test('a body missing a field the description requires is refused (422), for every route with a request body', async () => {
    const keys = new Map<string, { key_id: string; key: string }>();
    const concrete = (path: string): string => path.replace('{owner}', 'octo').replace('{repo}', 'app').replace('{org}', 'octo').replace('{environment_name}', encodeURIComponent('Prod env')).replace('{secret_name}', 'REQUIRED_CHECK').replace('{name}', 'REQUIRED_CHECK');
    /** The public key of the secrets scope a path is under. */
    const keyOf = async (path: string): Promise<{ key_id: string; key: string }> => {
      const base = path.slice(0, path.indexOf('/secrets') + '/secrets'.length);
      if (!keys.has(base)) keys.set(base, (await gh('GET', `${concrete(base)}/public-key`)).json as { key_id: string; key: string });
      return keys.get(base)!;
    };
    const fullBody = async (path: string): Promise<Json> => {
      if (path.endsWith('/repositories')) return { selected_repository_ids: [emu.github.repoId('octo/app')] };
      const org = path.startsWith('/orgs/') ? { visibility: 'selected' } : {};
      if (path.includes('/variables')) return { name: 'REQUIRED_CHECK', value: 'required-check', ...org };
      const k = await keyOf(path);
      return { encrypted_value: seal('required-check', k.key), key_id: k.key_id, ...org };
    };
    let checked = 0;
    for (const route of GITHUB_ROUTES) {
      const operation = spec.paths[route.path]?.[route.method.toLowerCase()];
      const schema = operation?.requestBody?.content['application/json']?.schema;
      if (!schema) continue;
      // The selection is replaced only on a secret or variable with visibility selected: make one first.
      if (route.path.endsWith('/repositories')) {
        const owner = route.path.replace('/{name}/repositories', '').replace('/repositories', '');
        const made = route.path.includes('/variables/') ? await gh('POST', concrete(owner), await fullBody(owner)) : await gh('PUT', concrete(owner), await fullBody(owner));
        expect([201, 204, 409]).toContain(made.status);
      }
      const required = (deref(schema) as { required?: string[] }).required ?? [];
      for (const field of required) {
        const body = await fullBody(route.path);
        delete body[field];
        const r = await gh(route.method, concrete(route.path), body);
        expect({ route: `${route.method} ${route.path}`, field, status: r.status }).toEqual({ route: `${route.method} ${route.path}`, field, status: 422 });
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(14);
  });

  test('every status the emulator answered in this file is one its route table lists', () => {
    // 401 (no or bad token) is answered by any route; 503 came from an injected fault.
    const faultStatuses = new Set([401, 503]);
    const unlisted = emu.log.filter((e) => e.service === 'github' && e.fault === undefined && !faultStatuses.has(e.status)).flatMap((e) => {
      const segs = e.path.split('?')[0]?.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s)) ?? [];
      const m = matchGitHubRoute(e.method, segs);
      return m && m.route.statuses.includes(e.status) ? [] : [`${e.method} ${e.path} -> ${e.status}`];
    });
    expect(unlisted).toEqual([]);
  });
});
