/**
 * Fleet mode: the apps and their targets from a YAML file in the workspace. The file's shape is checked against
 * fleet.schema.json, then each app entry (over `defaults`, over action.yml's defaults) goes through the same rules as
 * the step's inputs, then the run as a whole (each app once, each secret one writer). Every problem at once.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { relative, resolve, isAbsolute } from 'node:path';
import { isMap, isScalar, isSeq } from 'yaml';
import { scopeKey, targetLabel, type OrgAccess, type OrgVisibility, type GitHubScope, type Target, type TargetKind } from '../core/model';
import type { AppSpec } from '../core/spec';
import { appKey, azureLoginProblem, federationOf, readApp, readRotation, readSecretNames, type Federation } from './app';
import { FleetDoc, mapSource, pathText, pointer, type Path } from './fleet-doc';
import { EMPTY_EXPECTED, schemaProblems } from './fleet-schema';
import { isOwnerName, isRepoName, OWNER_EXPECTED, REPO_NAME_EXPECTED } from './github-names';
import { environmentNameFits, keyVaultNameFits, readRepositoryName, readSubscriptionId, readVariableNames, readVaultUrl, scopeTargets, VARIABLE_NAME_KEYS, variableTargets } from './targets';
import type { Values } from './values';

interface Context {
  doc: FleetDoc;
  step: Values;
  actionDefaults: Readonly<Record<string, string>>;
  federation: Federation;
}

/** A target and where its secret name is written in the file, for messages about duplicates. */
interface Located {
  target: Target;
  where: string;
}

interface Entry {
  index: number;
  label: string;
  spec: AppSpec | undefined;
  targets: Located[];
}

/** `path`: the config input, relative to GITHUB_WORKSPACE. Undefined when anything is wrong (all of it in problems). */
export function readFleetFile(step: Values, path: string, actionDefaults: Readonly<Record<string, string>>): AppSpec[] | undefined {
  const before = step.problems.length;
  const text = loadFile(step, path);
  if (text === undefined) return undefined;
  const doc = new FleetDoc(path, text);
  const syntax = doc.syntaxProblems();
  if (syntax.length > 0) {
    step.problems.push(...syntax);
    return undefined;
  }
  step.problems.push(...schemaProblems(doc, doc.doc.toJS()));
  step.problems.push(...emptyValues(doc, doc.doc.contents, []));
  const ctx: Context = { doc, step, actionDefaults, federation: federationOf(step) };
  const appsNode = doc.locate(['apps']).node;
  const entries = isSeq(appsNode) ? appsNode.items.map((_, i) => readEntry(ctx, i)) : [];
  step.problems.push(...sameAppTwice(doc, entries), ...sameSecretTwice(entries));
  const specs = entries.map((e) => e.spec);
  return step.problems.length > before || specs.includes(undefined) ? undefined : (specs as AppSpec[]);
}

/**
 * A key with an empty or blank value is a mistake, never "not given" (`environment: ''` would otherwise mean the
 * repository secret, readable by every workflow): each is a problem, whatever the key, unless already reported.
 */
function emptyValues(doc: FleetDoc, node: unknown, path: Path): string[] {
  if (isSeq(node)) return node.items.flatMap((item, i) => (isMap(item) || isSeq(item) ? emptyValues(doc, item, [...path, i]) : []));
  if (!isMap(node)) return [];
  return node.items.flatMap((pair) => {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const at = [...path, key];
    if (doc.unknown.has(pointer(at)) || doc.isReported(at)) return [];
    const { value } = pair;
    const blank = value === null || (isScalar(value) && (value.value === null || (typeof value.value === 'string' && value.value.trim() === '')));
    if (!blank) return emptyValues(doc, value, at);
    doc.reported.add(pointer(at));
    const text = isScalar(value) && typeof value.value === 'string' ? `'${value.value}'` : 'nothing';
    return [`${doc.where(at)}: ${EMPTY_EXPECTED}, got ${text}`];
  });
}

function loadFile(step: Values, path: string): string | undefined {
  const workspace = resolve(step.environment('GITHUB_WORKSPACE') || '.');
  const full = resolve(workspace, path);
  const inside = (root: string, file: string): boolean => {
    const rel = relative(root, file);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  };
  if (!inside(workspace, full)) {
    step.problem('config', path, 'the path of a file inside the workspace (GITHUB_WORKSPACE), like .github/fleet.yml');
    return undefined;
  }
  if (!existsSync(full) || !statSync(full).isFile()) {
    step.problems.push(`config: no file '${path}' in the workspace (${workspace}); expected the path of the fleet file, relative to the workspace (did the job check out the repository?)`);
    return undefined;
  }
  if (!inside(realpathSync(workspace), realpathSync(full))) {
    step.problem('config', path, 'a file inside the workspace (GITHUB_WORKSPACE), not a link to one outside it');
    return undefined;
  }
  return readFileSync(full, 'utf8');
}

function readEntry(ctx: Context, index: number): Entry {
  const { doc } = ctx;
  const appPath = ['apps', index];
  const entry: Entry = { index, label: pathText(appPath), spec: undefined, targets: [] };
  if (!isMap(doc.locate(appPath).node) || doc.isReported(appPath)) return entry;
  const values = ctx.step.withSource(mapSource(doc, [appPath, ['defaults']], ctx.actionDefaults));
  const app = readApp(values, ctx.federation);
  const rotation = readRotation(values);
  const targets = readTargets(ctx, [...appPath, 'targets']);
  const azureLogin = rotation === undefined ? undefined : azureLoginProblem(rotation.kind);
  const loginTargets = azureLogin === undefined ? [] : (targets ?? []).filter((t) => t.target.kind === 'credentials');
  for (const t of loginTargets) ctx.step.problems.push(`${t.where}: ${azureLogin ?? ''}`);
  if (loginTargets.length > 0) return entry;
  entry.targets = targets ?? [];
  if (app) entry.label = `'${app.name ?? app.appId ?? ''}' (${pathText(appPath)})`;
  if (app && rotation && targets) {
    entry.spec = { key: appKey(app), source: `${doc.file}: ${pathText(appPath)}`, app, rotation, targets: targets.map((t) => t.target) };
  }
  return entry;
}

function readTargets(ctx: Context, path: Path): Located[] | undefined {
  const node = ctx.doc.locate(path).node;
  if (!isSeq(node) || ctx.doc.isReported(path)) return undefined;
  const all = node.items.map((item, j) => (isMap(item) && !ctx.doc.isReported([...path, j]) ? readTarget(ctx, [...path, j]) : undefined));
  return all.includes(undefined) ? undefined : (all as Located[][]).flat();
}

/**
 * One target entry: a GitHub scope, its access (organisations), the secret names written there and the variable
 * names (Actions only); or a Key Vault (`key-vault`) and the secret names written in it.
 */
function readTarget(ctx: Context, path: Path): Located[] | undefined {
  const t = ctx.step.withSource(mapSource(ctx.doc, [path], {}));
  if (t.value('key-vault') !== '' || t.reported('key-vault')) return readKeyVaultTarget(t);
  const scope = readScope(t);
  const access = readAccess(t, scope);
  const names = readSecretNames(t);
  const variables = readVariableNames(t);
  const subscriptionId = readSubscriptionId(t);
  if (scope !== undefined && scope.service !== 'actions') {
    for (const v of variables ?? []) t.about(v.key, `not with ${scope.service}: true (variables belong to Actions)`);
  }
  if (scope === undefined || access === 'bad' || names === undefined || variables === undefined || (scope.service !== 'actions' && variables.length > 0)) return undefined;
  const targets = [...scopeTargets(scope, names, subscriptionId, access), ...variableTargets(scope, variables, access)];
  return targets.map(({ target, name }) => ({ target, where: t.source.where(name.key) }));
}

/** Keys a Key Vault target cannot have: they say where on GitHub, or what only GitHub holds. */
const NOT_WITH_KEY_VAULT = ['repository', 'organization', 'environment', 'dependabot', 'codespaces', 'visibility', 'repositories', 'credentials-secret-name', 'subscription-id', ...VARIABLE_NAME_KEYS] as const;
const KEY_VAULT_NAME_KEYS = ['secret-name', 'client-id-secret-name', 'tenant-id-secret-name'] as const;
const KEY_VAULT_KIND: Record<(typeof KEY_VAULT_NAME_KEYS)[number], TargetKind> = { 'secret-name': 'secret', 'client-id-secret-name': 'client-id', 'tenant-id-secret-name': 'tenant-id' };

/** A Key Vault target: the vault's URL and the names of the secrets written in it (the value, and the IDs if asked). */
function readKeyVaultTarget(t: Values): Located[] | undefined {
  const before = t.problems.length;
  for (const key of NOT_WITH_KEY_VAULT) {
    if (t.value(key) !== '' || t.items(key) !== undefined) t.about(key, 'not with key-vault (a Key Vault target names its vault, and the secrets in it)');
  }
  const scope = t.reported('key-vault') ? undefined : readVaultUrl(t, t.source.where('key-vault'), t.value('key-vault'));
  const targets: Located[] = [];
  for (const key of KEY_VAULT_NAME_KEYS) {
    const name = t.value(key);
    if (name === '' || !keyVaultNameFits(t, t.source.where(key), name)) continue;
    if (targets.some((x) => x.target.name.toLowerCase() === name.toLowerCase())) t.problem(t.source.where(key), name, 'a name different from the others of this vault (Key Vault names are case-insensitive)');
    else if (scope !== undefined) targets.push({ target: { scope, name, kind: KEY_VAULT_KIND[key] }, where: t.source.where(key) });
  }
  return t.problems.length > before || scope === undefined ? undefined : targets;
}

function readScope(t: Values): GitHubScope | undefined {
  const repository = t.value('repository');
  const organization = t.value('organization');
  const environment = t.value('environment');
  if ((repository === '') === (organization === '')) {
    if (t.reported('repository') || t.reported('organization')) return undefined;
    const message = repository === '' ? 'one is required: repository (owner/name) for a repository or environment secret, organization for an organisation secret, key-vault for a Key Vault' : 'give one, not both';
    t.about('repository / organization', message);
    return undefined;
  }
  const service = readService(t, environment);
  if (service === undefined) return undefined;
  if (organization !== '') return organizationScope(t, organization, environment, service);
  const repo = readRepositoryName(t, t.source.where('repository'), repository);
  if (repo === undefined || !environmentNameFits(t, t.source.where('environment'), environment)) return undefined;
  return environment === '' ? { service, ...repo } : { service, ...repo, environment };
}

/** The secrets of another service than Actions that a target may name with `KEY: true`. */
const OTHER_SERVICES = [
  { key: 'dependabot', service: 'dependabot', noun: 'Dependabot secrets' },
  { key: 'codespaces', service: 'codespaces', noun: 'Codespaces secrets' },
] as const;

/**
 * Whose secrets a target writes: Actions', or Dependabot's or Codespaces' (`dependabot: true`, `codespaces: true`;
 * one at most), which belong to repositories and organisations only.
 */
function readService(t: Values, environment: string): GitHubScope['service'] | undefined {
  const chosen = OTHER_SERVICES.filter((s) => t.optionalBool(s.key) === true);
  const other = chosen[0];
  if (other === undefined) return 'actions';
  if (chosen.length > 1) {
    t.about(chosen.map((s) => s.key).join(' / '), 'give one, not both (a target writes the secrets of one service)');
    return undefined;
  }
  if (environment !== '') {
    t.about('environment', `not with ${other.key}: true (${other.noun} belong to repositories and organisations, not environments)`);
    return undefined;
  }
  return other.service;
}

function organizationScope(t: Values, organization: string, environment: string, service: GitHubScope['service']): GitHubScope | undefined {
  if (environment !== '') t.about('environment', 'only with repository: environments belong to repositories, not organisations');
  else if (!isOwnerName(organization)) t.problem(t.source.where('organization'), organization, OWNER_EXPECTED);
  else return { service, owner: organization };
  return undefined;
}

const VISIBILITIES: readonly OrgVisibility[] = ['all', 'private', 'selected'];

/** Organisation targets: visibility (default private, as `gh secret set --org`) and, with selected, the repositories. */
function readAccess(t: Values, scope: GitHubScope | undefined): OrgAccess | undefined | 'bad' {
  const given = t.oneOf('visibility', VISIBILITIES, 'not given');
  const items = t.items('repositories');
  const before = t.problems.length;
  if (scope !== undefined && scope.repo !== undefined) {
    for (const key of ['visibility', 'repositories'] as const) {
      if (t.value(key) !== '' || t.items(key) !== undefined) t.about(key, 'only with organization (a repository secret is visible to its repository)');
    }
    return t.problems.length > before ? 'bad' : undefined;
  }
  // A visibility the schema refused says nothing about repositories.
  if (t.reported('visibility')) return 'bad';
  const visibility = given ?? 'private';
  if (items !== undefined && visibility !== 'selected') t.about('repositories', `only with visibility: selected (got ${visibility})`);
  if (items === undefined && visibility === 'selected' && !t.reported('repositories')) {
    t.about('visibility', 'selected needs repositories: the names of the repositories that may use the secret');
  }
  const repositories: string[] = [];
  for (const { text, where } of items ?? []) {
    if (!isRepoName(text)) t.problem(where, text, REPO_NAME_EXPECTED);
    else if (!repositories.some((r) => r.toLowerCase() === text.toLowerCase())) repositories.push(text);
  }
  if (t.problems.length > before || scope === undefined) return 'bad';
  return { visibility, repositories: visibility === 'selected' ? repositories : [] };
}

/** Each app once: the same app-name, or the same app-id, twice is a mistake. */
function sameAppTwice(doc: FleetDoc, entries: readonly Entry[]): string[] {
  const seen = new Map<string, Entry>();
  const problems: string[] = [];
  for (const e of entries) {
    if (e.spec === undefined) continue;
    const first = seen.get(e.spec.key);
    if (first !== undefined) {
      problems.push(`${doc.where(['apps', e.index])}: app ${e.label} is declared twice (also ${pathText(['apps', first.index])}); give each app one entry`);
    } else seen.set(e.spec.key, e);
  }
  return problems;
}

/** Each GitHub secret one writer: the same name (case-insensitive) in the same scope twice is a mistake. */
function sameSecretTwice(entries: readonly Entry[]): string[] {
  const seen = new Map<string, { entry: Entry; where: string }>();
  const problems: string[] = [];
  for (const entry of entries) {
    for (const { target, where } of entry.targets) {
      const key = `${scopeKey(target.scope)}|${target.name.toUpperCase()}`;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, { entry, where });
      else if (first.entry === entry) problems.push(`${where}: app ${entry.label} writes ${targetLabel(target)} twice (also ${first.where})`);
      else problems.push(`${where}: app ${entry.label} writes ${targetLabel(target)}, which app ${first.entry.label} writes too (${first.where}); give each secret one app`);
    }
  }
  return problems;
}
