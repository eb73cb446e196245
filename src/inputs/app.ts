/**
 * The rules of one app's settings, the same whether they come from the step's inputs or from an app entry of the
 * fleet file: which app, what it declares, how its secret rotates, and the names of the secrets it feeds.
 */
import type { DeclaredInput } from '../core/declare';
import { SIGN_IN_AUDIENCES, type TargetKind } from '../core/model';
import type { PermissionLine } from '../core/reconcile';
import { certificateKind, CLIENT_SECRET, type CredentialKind } from '../core/credential-kind';
import type { CertificateFormat } from '../core/model';
import type { AppIdentity, AppRotation } from '../core/spec';
import { CLOUDS } from './clouds';
import { parseUrl, type Item, type Values } from './values';

export interface Federation {
  issuer: string;
  audience: string;
}

export const MAX_LIFETIME_DAYS = 730;
export const MAX_KEEP_PREVIOUS = 10;
export const MAX_FEDERATED_CREDENTIALS = 20;
const GITHUB_SUBJECT = /^repo:[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+:(environment:[^\s:][^:]*|ref:refs\/(heads|tags)\/\S+|pull_request)$/;

/** Keys of an app's settings (step inputs, or keys of an app entry and of `defaults` in the fleet file). */
export const APP_KEYS = [
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
  'credential-type',
  'certificate-format',
  'credential-name',
  'secret-lifetime-days',
  'rotate-before-days',
  'force-rotation',
  'verify-new-secret',
  'keep-previous',
] as const;

/** Keys of the secrets written in one scope (step inputs, or keys of a target in the fleet file). */
export const SECRET_NAME_KEYS = ['secret-name', 'credentials-secret-name', 'client-id-secret-name', 'tenant-id-secret-name'] as const;
const KIND_OF: Record<(typeof SECRET_NAME_KEYS)[number], TargetKind> = {
  'secret-name': 'secret',
  'credentials-secret-name': 'credentials',
  'client-id-secret-name': 'client-id',
  'tenant-id-secret-name': 'tenant-id',
};

/** Secret names: letters, digits and underscores, not starting with a digit or GITHUB_. */
export function secretNameProblem(value: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
    return 'a GitHub secret name: only letters, digits and underscores, not starting with a digit';
  }
  if (/^GITHUB_/i.test(value)) return 'a GitHub secret name that does not start with GITHUB_ (GitHub reserves that prefix)';
  if (value.length > 100) return 'a GitHub secret name of at most 100 characters';
  return undefined;
}

/**
 * What the app's federated credentials declare: the issuer of GitHub's OIDC tokens for the server the workflow
 * runs on (github.com, or GHES), and the token exchange audience of the cloud.
 */
export function federationOf(values: Values): Federation {
  const serverUrl = values.environment('GITHUB_SERVER_URL').replace(/\/+$/, '');
  const issuer = serverUrl === '' || serverUrl === 'https://github.com' ? 'https://token.actions.githubusercontent.com' : `${serverUrl}/_services/token`;
  const cloud = values.value('cloud');
  // A cloud that is not one of ours is reported by the sign-in inputs; the audience is then moot.
  const audience = (CLOUDS as Record<string, { federatedAudience: string }>)[cloud]?.federatedAudience ?? CLOUDS.AzureCloud.federatedAudience;
  return { issuer, audience };
}

/** `app-id:<guid>` or `app-name:<name>`: the app's key in a run. */
export function appKey(app: Pick<AppIdentity, 'name' | 'appId'>): string {
  return app.appId !== undefined ? `app-id:${app.appId}` : `app-name:${app.name ?? ''}`;
}

export function readApp(values: Values, federation: Federation): AppIdentity | undefined {
  const name = values.value('app-name');
  const appId = values.guid('app-id', false);
  const idGiven = values.value('app-id') !== '' || values.reported('app-id');
  if (name === '' && !idGiven && !values.reported('app-name')) {
    values.about('app-name / app-id', "one is required: app-name (the app's display name, found or created) or app-id (the client ID of an existing app)");
  } else if (name !== '' && idGiven) {
    values.about('app-name / app-id', 'give one, not both: app-id finds an existing app, app-name finds or creates one by display name');
  }
  if (name.length > 256) values.problem(values.source.where('app-name'), name, 'a display name of at most 256 characters');
  const audience = values.oneOf('sign-in-audience', SIGN_IN_AUDIENCES, 'not given');
  const createIfMissing = values.bool('create-if-missing');
  const declared = readDeclared(values);
  if (audience !== undefined) declared.signInAudience = audience;
  const servicePrincipal = values.bool('service-principal');
  if (createIfMissing === undefined || servicePrincipal === undefined) return undefined;
  // Not given: single tenant on create; an existing app's audience is left as it is.
  const signInAudience = audience ?? 'AzureADMyOrg';
  return { name: name === '' ? undefined : name, appId, createIfMissing, signInAudience, servicePrincipal, declared, oidcIssuer: federation.issuer, federatedAudience: federation.audience };
}

const CREDENTIAL_TYPES = ['client-secret', 'certificate'] as const;
const CERTIFICATE_FORMATS: readonly CertificateFormat[] = ['pem', 'pfx'];

/** credential-type and certificate-format: the credential kind the app rotates. */
function readKind(values: Values): CredentialKind | undefined {
  const type = values.oneOf('credential-type', CREDENTIAL_TYPES, 'problem');
  const format = values.oneOf('certificate-format', CERTIFICATE_FORMATS, 'not given');
  // A fleet's defaults may set certificate-format for the apps that rotate certificates; on an app itself (or the
  // step) with a client secret it is a mistake.
  if (type === 'client-secret' && format !== undefined && !values.inherited('certificate-format')) {
    values.about('certificate-format', 'only with credential-type: certificate (a client secret has one form)');
  }
  if (type === undefined || values.reported('certificate-format')) return undefined;
  return type === 'certificate' ? certificateKind(format ?? 'pem') : CLIENT_SECRET;
}

/** Why a credentials target (azure/login's JSON) cannot hold this kind, if it cannot. */
export function azureLoginProblem(kind: CredentialKind): string | undefined {
  if (kind.azureLoginKey !== undefined) return undefined;
  return `not with credential-type: ${kind.id}: azure/login signs in with a client secret or OIDC, not a ${kind.noun}; write the ${kind.noun} with secret-name (and client-id-secret-name, tenant-id-secret-name), or sign azure/login in with OIDC`;
}

export function readRotation(values: Values): AppRotation | undefined {
  const kind = readKind(values);
  const credentialName = values.given('credential-name', 'the description (displayName) of the credentials this action creates');
  if (credentialName !== undefined && credentialName.length > 100) {
    values.problem(values.source.where('credential-name'), credentialName, 'a description of at most 100 characters');
  }
  const lifetimeDays = values.whole('secret-lifetime-days', 1, MAX_LIFETIME_DAYS);
  const rotateBeforeDays = values.whole('rotate-before-days', 0, MAX_LIFETIME_DAYS);
  if (lifetimeDays !== undefined && rotateBeforeDays !== undefined && rotateBeforeDays >= lifetimeDays) {
    values.about('rotate-before-days', `got ${rotateBeforeDays}, expected fewer days than secret-lifetime-days (${lifetimeDays}), or every run would rotate`);
  }
  const force = values.bool('force-rotation');
  const keepPrevious = values.whole('keep-previous', 0, MAX_KEEP_PREVIOUS);
  const verifyNewSecret = values.bool('verify-new-secret');
  if (
    kind === undefined ||
    credentialName === undefined ||
    lifetimeDays === undefined ||
    rotateBeforeDays === undefined ||
    force === undefined ||
    keepPrevious === undefined ||
    verifyNewSecret === undefined
  ) {
    return undefined;
  }
  return { kind, credentialName, lifetimeDays, rotateBeforeDays, force, keepPrevious, verifyNewSecret };
}

export interface SecretName {
  key: (typeof SECRET_NAME_KEYS)[number];
  value: string;
  kind: TargetKind;
}

/** The secret names written in one scope, each valid and distinct (case-insensitively); undefined on a problem. */
export function readSecretNames(values: Values): SecretName[] | undefined {
  const secretName = values.given('secret-name', 'the name of the GitHub secret that receives the client secret');
  const names: SecretName[] = [];
  for (const key of SECRET_NAME_KEYS) {
    const v = key === 'secret-name' ? (secretName ?? '') : values.value(key);
    if (v !== '') names.push({ key, value: v, kind: KIND_OF[key] });
  }
  const before = values.problems.length;
  const seen = new Map<string, string>();
  for (const n of names) {
    const p = secretNameProblem(n.value);
    const other = seen.get(n.value.toUpperCase());
    const where = values.source.where(n.key);
    if (p !== undefined) values.problem(where, n.value, p);
    else if (other !== undefined) values.problem(where, n.value, `a name different from ${other} (secret names are case-insensitive)`);
    else seen.set(n.value.toUpperCase(), n.key);
  }
  return secretName === undefined || values.problems.length > before ? undefined : names;
}

type RedirectKey = 'web-redirect-uris' | 'spa-redirect-uris' | 'public-client-redirect-uris';

function redirectUriProblem(text: string, rule: 'web' | 'public'): string | undefined {
  const url = parseUrl(text);
  if (url === undefined || !/^[a-z][a-z0-9+.-]*:$/i.test(url.protocol)) return 'an absolute URI like https://app.example.com/auth';
  if (text.length > 256) return 'a redirect URI of at most 256 characters';
  if (rule === 'web' && url.protocol !== 'https:' && !(url.protocol === 'http:' && url.hostname === 'localhost')) {
    return 'an https:// URI (plain http is allowed only for http://localhost)';
  }
  return text.includes('*') ? 'no wildcard (*)' : undefined;
}

function redirectUris(values: Values, key: RedirectKey, rule: 'web' | 'public'): string[] | undefined {
  const items = values.items(key);
  if (items === undefined) return undefined;
  const uris: string[] = [];
  for (const { where, text } of items) {
    const problem = redirectUriProblem(text, rule);
    if (problem === 'a redirect URI of at most 256 characters') values.problems.push(`${where}: expected ${problem}`);
    else if (problem !== undefined) values.problem(where, text, problem);
    else if (!uris.includes(text)) uris.push(text);
  }
  return uris;
}

function readDeclared(values: Values): DeclaredInput {
  const declared: DeclaredInput = {};
  const web = redirectUris(values, 'web-redirect-uris', 'web');
  if (web) declared.webRedirectUris = web;
  const spa = redirectUris(values, 'spa-redirect-uris', 'web');
  if (spa) declared.spaRedirectUris = spa;
  const pub = redirectUris(values, 'public-client-redirect-uris', 'public');
  if (pub) declared.publicClientRedirectUris = pub;
  const publicFlows = values.optionalBool('allow-public-client-flows');
  if (publicFlows !== undefined) declared.allowPublicClientFlows = publicFlows;
  const permissions = apiPermissions(values);
  if (permissions) declared.apiPermissions = permissions;
  const subjects = federatedSubjects(values);
  if (subjects) declared.federatedSubjects = subjects;
  const tags = readTags(values);
  if (tags) declared.tags = tags;
  const notes = values.value('notes');
  if (notes !== '') {
    if (notes.length > 1024) values.about('notes', 'expected at most 1024 characters');
    declared.notes = notes;
  }
  return declared;
}

function readTags(values: Values): string[] | undefined {
  const items = values.items('tags');
  if (items === undefined) return undefined;
  const tags: string[] = [];
  for (const { where, text } of items) {
    if (text.length > 256) values.problems.push(`${where}: expected a tag of at most 256 characters`);
    else if (!tags.includes(text)) tags.push(text);
  }
  return tags;
}

function apiPermissions(values: Values): PermissionLine[] | undefined {
  const items = values.items('api-permissions');
  if (items === undefined) return undefined;
  const lines: PermissionLine[] = [];
  items.forEach((item, i) => {
    const line = permissionLine(values, item, i + 1);
    if (line) lines.push(line);
  });
  return lines;
}

/** `API: perm, perm=Role`; `line` is its number among the entries. */
function permissionLine(values: Values, { where, text }: Item, line: number): PermissionLine | undefined {
  const colon = text.lastIndexOf(':');
  const api = colon < 0 ? '' : text.slice(0, colon).trim();
  const list = colon < 0 ? '' : text.slice(colon + 1).trim();
  if (colon < 0 || api === '' || list === '') {
    values.problem(where, text, "'API: permission, permission=Role' (like 'Microsoft Graph: User.Read, Application.ReadWrite.OwnedBy=Role')");
    return undefined;
  }
  const permissions: PermissionLine['permissions'] = [];
  for (const raw of list.split(',').map((p) => p.trim())) {
    const m = /^([A-Za-z0-9_.-]+)(?:\s*=\s*(Role|Scope))?$/i.exec(raw);
    if (m === null || m[1] === undefined) {
      values.problem(where, raw, 'a permission name, or name=Role for an application permission');
      continue;
    }
    const name = m[1];
    const type = (m[2] ?? 'Scope').toLowerCase() === 'role' ? 'Role' : 'Scope';
    if (!permissions.some((p) => p.name === name && p.type === type)) permissions.push({ name, type });
  }
  return { line, api, permissions };
}

function federatedSubjects(values: Values): string[] | undefined {
  const items = values.items('federated-credentials');
  if (items === undefined) return undefined;
  const list: string[] = [];
  for (const { where, text } of items) {
    if (!GITHUB_SUBJECT.test(text)) {
      values.problem(
        where,
        text,
        'a GitHub OIDC subject: repo:OWNER/REPO:environment:NAME, repo:OWNER/REPO:ref:refs/heads/BRANCH, repo:OWNER/REPO:ref:refs/tags/TAG or repo:OWNER/REPO:pull_request',
      );
    } else if (list.includes(text)) values.problems.push(`${where}: '${text}' is listed twice`);
    else list.push(text);
  }
  if (list.length > MAX_FEDERATED_CREDENTIALS) {
    values.about('federated-credentials', `got ${list.length} subjects, expected at most ${MAX_FEDERATED_CREDENTIALS} (Entra's limit per app)`);
  }
  return list;
}
