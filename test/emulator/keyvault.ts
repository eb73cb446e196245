/**
 * Azure Key Vault, the secrets data plane (api-version 7.x and the dated versions after it) as
 * @azure/keyvault-secrets and the Azure CLI use it. One HTTPS server holds every vault; a request's vault is the
 * host name it was sent to (`Host`, or HTTP/2 `:authority`, port ignored), so `https://127.0.0.1:P` and
 * `https://localhost:P` are two vaults, and `https://kv1.vault.emulator.test:P` (through test/proxy.ts) a third.
 *
 * Sign-in is Key Vault's challenge: a request without a bearer token gets 401 with
 * `WWW-Authenticate: Bearer authorization="<authority>/<tenant>", resource="https://vault.azure.net"`; a token must
 * be one the emulator's Entra issued (its signature, in effect: the emulator's tokens are opaque and kept by value),
 * unexpired, for the audience `https://vault.azure.net`. Then the vault's firewall switch, then its access model:
 * Azure RBAC (a role per principal) or access policies (permissions per principal).
 *
 * Facts from Key Vault's published description (azure-rest-api-specs, specification/keyvault/data-plane/
 * Microsoft.KeyVault/stable/7.6/secrets.json) and its documentation; the error texts are written from the messages
 * the service gives, and where this says "guessed" the real service wins.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Req, Res, ServiceHandler } from './server.ts';
import type { State } from './state.ts';
import type {
  EmulatorKeyVault,
  KeyVaultAccess,
  KeyVaultRole,
  KeyVaultSecretPermission,
  KeyVaultSecretView,
  KeyVaultSeed,
  KeyVaultVersionView,
} from './types.ts';
import { guid, isPlainObject } from './util.ts';

/** The resource Key Vault's challenge names, and the audiences its tokens may carry (the URI, or Key Vault's app id). */
export const KEY_VAULT_RESOURCE = 'https://vault.azure.net';
export const KEY_VAULT_APP_ID = 'cfa8b339-82a2-471a-a3c9-0fc0be7a4093';
const AUDIENCES = new Set([KEY_VAULT_RESOURCE, `${KEY_VAULT_RESOURCE}/`, KEY_VAULT_APP_ID]);

/** api-versions the service knows (the SDK pins one; `az` 2.45 sends 7.3 or 7.4). Others: 400 BadParameter. */
const API_VERSIONS = new Set(['7.0', '7.1', '7.2', '7.3', '7.4', '7.5', '7.6', '2025-06-01', '2025-07-01', '2026-04-01']);
const LATEST_API_VERSION = '2026-04-01';
const NAME_RE = /^[0-9a-zA-Z-]{1,127}$/;
/** Key Vault's limits: 15 tags, names up to 512 characters, values up to 256; a secret value up to 25 KB. */
const MAX_TAGS = 15;
const MAX_TAG_NAME = 512;
const MAX_TAG_VALUE = 256;
const MAX_VALUE_BYTES = 25 * 1024;
/** Page size of every listing when `maxresults` is not given, and its largest value (the description's bounds). */
const PAGE = 25;
const RETENTION_DAYS = 90;
const DAY_S = 86_400;

interface StoredVersion {
  version: string;
  value: string;
  contentType: string | undefined;
  enabled: boolean;
  nbf: number | undefined;
  exp: number | undefined;
  created: number;
  updated: number;
  tags: Record<string, string> | undefined;
}

interface StoredSecret {
  /** As first written (Key Vault names are case-insensitive and keep the case they were created with). */
  name: string;
  /** Oldest first. */
  versions: StoredVersion[];
  /** Set while soft-deleted. */
  deleted?: { deletedDate: number; scheduledPurgeDate: number };
}

interface Vault {
  url: string;
  hostname: string;
  name: string;
  resourceId: string;
  access: KeyVaultAccess;
  firewall: boolean;
  /** By lower-case name; soft-deleted ones stay here with `deleted` set. */
  secrets: Map<string, StoredSecret>;
}

export interface KeyVaultState {
  vaults: Map<string, Vault>;
  subscriptionId: string;
}

export function createKeyVaultState(): KeyVaultState {
  return { vaults: new Map(), subscriptionId: guid() };
}

const nowS = (): number => Math.floor(Date.now() / 1000);

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The host the request was sent to, as sent (`name:port`): ids and next links are built under it. */
function requestHost(req: Req): string {
  return header(req.headers, ':authority') ?? header(req.headers, 'host') ?? '';
}

function hostnameOf(host: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  return (bracketed?.[1] ?? host.replace(/:\d+$/, '')).toLowerCase();
}

function kvError(status: number, code: string, message: string, inner?: string): Res {
  return { status, body: { error: { code, message, ...(inner === undefined ? {} : { innererror: { code: inner } }) } } };
}

/** Which permission (access policies) an operation needs; RBAC: "User" may read (get, list), "Officer" everything. */
type Operation = KeyVaultSecretPermission;

const USER_MAY: ReadonlySet<Operation> = new Set(['get', 'list']);

/** RBAC's data action of an operation, as the 403 names it. */
const DATA_ACTIONS: Record<Operation, string> = {
  get: 'Microsoft.KeyVault/vaults/secrets/getSecret/action',
  list: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
  set: 'Microsoft.KeyVault/vaults/secrets/setSecret/action',
  delete: 'Microsoft.KeyVault/vaults/secrets/delete',
  recover: 'Microsoft.KeyVault/vaults/secrets/recover/action',
  purge: 'Microsoft.KeyVault/vaults/deletedSecrets/delete',
};

export function createKeyVaultHandler(state: State, kv: KeyVaultState): ServiceHandler {
  const tokenOf = (req: Req): string | undefined => /^bearer\s+(\S+)\s*$/i.exec(header(req.headers, 'authorization') ?? '')?.[1];

  function challenge(status: number, message: string): Res {
    const res = kvError(status, 'Unauthorized', message);
    res.headers = { 'www-authenticate': `Bearer authorization="${state.urls.authority}/${state.tenantId}", resource="${KEY_VAULT_RESOURCE}"` };
    return res;
  }

  /** The caller's client id, or the 401 that answers the request. */
  function authenticate(req: Req): { clientId: string } | { res: Res } {
    const raw = tokenOf(req);
    if (raw === undefined) return { res: challenge(401, 'AKV10000: Request is missing a Bearer or PoP token.') };
    const token = state.accessTokens.get(raw);
    // Guessed texts for a token that is not Entra's and for an expired one (AKV10022 is Key Vault's own).
    if (token === undefined) return { res: challenge(401, 'AKV10011: Token signature validation failed.') };
    if (Date.now() >= token.expiresAt) return { res: challenge(401, 'AKV10032: Token expired.') };
    if (!AUDIENCES.has(token.audience)) return { res: challenge(401, `AKV10022: Invalid audience. Expected ${KEY_VAULT_RESOURCE}, found: ${token.audience}.`) };
    return { clientId: token.clientId };
  }

  const caller = (clientId: string): string => `appid=${clientId};oid=${guid()};iss=https://sts.windows.net/${state.tenantId}/`;

  /** The 403 for an operation the caller may not do, or undefined. */
  function authorize(vault: Vault, clientId: string, op: Operation, secretName: string | undefined): Res | undefined {
    const access = vault.access;
    const id = clientId.toLowerCase();
    if ('rbac' in access) {
      const role = Object.entries(access.rbac).find(([k]) => k.toLowerCase() === id)?.[1];
      if (role === 'Key Vault Secrets Officer' || (role === 'Key Vault Secrets User' && USER_MAY.has(op))) return undefined;
      const resource = `${vault.resourceId}${secretName === undefined ? '' : `/secrets/${secretName}`}`;
      return kvError(403, 'Forbidden',
        `Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: ${caller(clientId)}\r\nAction: '${DATA_ACTIONS[op]}'\r\nResource: '${resource.toLowerCase()}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: null \r\nVault: ${vault.name};location=emulator\r\n`,
        'ForbiddenByRbac');
    }
    const granted = Object.entries(access.accessPolicies).find(([k]) => k.toLowerCase() === id)?.[1] ?? [];
    if (granted.includes(op)) return undefined;
    return kvError(403, 'Forbidden',
      `The user, group or application '${caller(clientId)}' does not have secrets ${op} permission on key vault '${vault.name};location=emulator'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
      'ForbiddenByPolicy');
  }

  function firewalled(vault: Vault, clientId: string): Res | undefined {
    if (!vault.firewall) return undefined;
    return kvError(403, 'Forbidden',
      `Client address is not authorized and caller is not a trusted service.\r\nClient address: 127.0.0.1\r\nCaller: ${caller(clientId)}\r\nVault: ${vault.name};location=emulator`,
      'ForbiddenByFirewall');
  }

  return {
    service: 'keyvault',
    requestId: () => guid(),
    principal(req) {
      const raw = tokenOf(req);
      return raw === undefined ? undefined : state.accessTokens.get(raw)?.clientId;
    },
    commonHeaders(req) {
      return {
        'cache-control': 'no-cache',
        'x-ms-request-id': req.requestId,
        'x-ms-keyvault-service-version': '1.9.0.0',
        'x-ms-keyvault-region': 'emulator',
        'x-ms-keyvault-network-info': 'conn_type=Ipv4;addr=127.0.0.1;act_addr_fam=InterNetwork;',
        'x-content-type-options': 'nosniff',
        'strict-transport-security': 'max-age=31536000;includeSubDomains',
      };
    },
    faultResponse(_req, status, code) {
      if (status === 429) return kvError(429, code ?? 'Throttled', 'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached');
      if (status >= 500) return kvError(status, code ?? 'InternalServerError', 'The service encountered an internal error. Please try again.');
      return kvError(status, code ?? 'BadParameter', 'The request was refused.');
    },
    handle(req) {
      const vault = kv.vaults.get(hostnameOf(requestHost(req)));
      // The real service has no such host at all (DNS fails); here the name reached the server, so it says so.
      if (vault === undefined) return kvError(404, 'VaultNotFound', `emulator: no vault at host '${requestHost(req)}' (add one with emu.keyVault.addVault)`);
      const auth = authenticate(req);
      if ('res' in auth) return auth.res;
      const apiVersion = req.query.get('api-version');
      // Guessed for a missing one; an unknown one is the service's text.
      if (apiVersion === null || apiVersion === '') return kvError(400, 'BadParameter', 'The api-version query parameter is required.');
      if (!API_VERSIONS.has(apiVersion)) return kvError(400, 'BadParameter', `The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (${LATEST_API_VERSION}).`);
      const blocked = firewalled(vault, auth.clientId);
      if (blocked) return blocked;
      return route(req, vault, auth.clientId);
    },
  };

  function route(req: Req, vault: Vault, clientId: string): Res {
    const segs = req.pathname.split('/').filter((s, i, all) => s !== '' || (i === all.length - 1 && i > 2)).map(decode);
    const origin = `https://${requestHost(req)}`;
    const m = req.method;
    const guard = (op: Operation, name?: string): Res | undefined => authorize(vault, clientId, op, name);
    const [collection, name, third] = segs;
    if (collection === 'secrets' && segs.length === 1 && m === 'GET') return guard('list') ?? listSecrets(req, vault, origin);
    if (collection === 'secrets' && name !== undefined) {
      if (segs.length === 2 && m === 'PUT') return guard('set', name) ?? setSecret(req, vault, origin, name);
      if (segs.length === 2 && m === 'DELETE') return guard('delete', name) ?? deleteSecret(vault, origin, name);
      if (segs.length === 3 && third === 'versions' && m === 'GET') return guard('list', name) ?? listVersions(req, vault, origin, name);
      // `/secrets/{name}`, `/secrets/{name}/` (the SDK's latest) and `/secrets/{name}/{version}`.
      if ((segs.length === 2 || segs.length === 3) && m === 'GET') return guard('get', name) ?? getSecret(vault, origin, name, third ?? '');
    }
    if (collection === 'deletedsecrets' && segs.length === 1 && m === 'GET') return guard('list') ?? listDeleted(req, vault, origin);
    if (collection === 'deletedsecrets' && name !== undefined && segs.length === 2) {
      if (m === 'GET') return guard('get', name) ?? getDeleted(vault, origin, name);
      if (m === 'DELETE') return guard('purge', name) ?? purge(vault, name);
    }
    if (collection === 'deletedsecrets' && name !== undefined && segs.length === 3 && third === 'recover' && m === 'POST') return guard('recover', name) ?? recover(vault, origin, name);
    // Guessed: the service's answer to a path or method it does not serve.
    return kvError(404, 'NotFound', `The requested resource '${req.method} ${req.pathname}' was not found.`);
  }
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const live = (vault: Vault, name: string): StoredSecret | undefined => {
  const s = vault.secrets.get(name.toLowerCase());
  return s === undefined || s.deleted !== undefined ? undefined : s;
};

const deletedOne = (vault: Vault, name: string): StoredSecret | undefined => {
  const s = vault.secrets.get(name.toLowerCase());
  return s?.deleted === undefined ? undefined : s;
};

function notFound(name: string, version = ''): Res {
  const id = version === '' ? name : `${name}/${version}`;
  return kvError(404, 'SecretNotFound', `A secret with (name/id) ${id} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`);
}

function attributes(v: StoredVersion): Record<string, unknown> {
  return {
    enabled: v.enabled,
    ...(v.nbf === undefined ? {} : { nbf: v.nbf }),
    ...(v.exp === undefined ? {} : { exp: v.exp }),
    created: v.created,
    updated: v.updated,
    recoveryLevel: 'Recoverable+Purgeable',
    recoverableDays: RETENTION_DAYS,
  };
}

/** What a version shows besides its value: the item of a listing, the bundle without `value`. */
function properties(v: StoredVersion, id: string): Record<string, unknown> {
  return {
    id,
    attributes: attributes(v),
    ...(v.tags === undefined ? {} : { tags: { ...v.tags } }),
    ...(v.contentType === undefined ? {} : { contentType: v.contentType }),
  };
}

const latest = (s: StoredSecret): StoredVersion => {
  const v = s.versions[s.versions.length - 1];
  if (v === undefined) throw new Error(`emulator: secret ${s.name} has no version`);
  return v;
};

/** The bundle a set, get or recover answers (a set and a get carry the value; Azure sends it back on a set too). */
function bundle(origin: string, s: StoredSecret, v: StoredVersion, withValue: boolean): Record<string, unknown> {
  return { ...(withValue ? { value: v.value } : {}), ...properties(v, `${origin}/secrets/${s.name}/${v.version}`) };
}

function deletedBundle(origin: string, s: StoredSecret): Record<string, unknown> {
  const v = latest(s);
  return {
    recoveryId: `${origin}/deletedsecrets/${s.name}`,
    deletedDate: s.deleted?.deletedDate,
    scheduledPurgeDate: s.deleted?.scheduledPurgeDate,
    ...properties(v, `${origin}/secrets/${s.name}/${v.version}`),
  };
}

/** One page of `items` from `$skiptoken` (an offset here; opaque for clients), `maxresults` (1-25) a page. */
function page(req: Req, origin: string, items: Array<Record<string, unknown>>): Res {
  const raw = req.query.get('maxresults');
  const size = raw === null ? PAGE : Number(raw);
  if (!Number.isInteger(size) || size < 1 || size > PAGE) return kvError(400, 'BadParameter', `Invalid maxresults value '${raw ?? ''}': it must be between 1 and ${PAGE}.`);
  const token = req.query.get('$skiptoken');
  const start = token === null ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(start) || start < 0) return kvError(400, 'BadParameter', 'The skip token is not valid.');
  const next = new URLSearchParams({ 'api-version': req.query.get('api-version') ?? LATEST_API_VERSION, $skiptoken: Buffer.from(String(start + size)).toString('base64url') });
  if (raw !== null) next.set('maxresults', String(size));
  return {
    status: 200,
    body: {
      value: items.slice(start, start + size),
      nextLink: start + size < items.length ? `${origin}${req.pathname}?${next.toString()}` : null,
    },
  };
}

function listSecrets(req: Req, vault: Vault, origin: string): Res {
  const items = [...vault.secrets.values()].filter((s) => s.deleted === undefined).map((s) => properties(latest(s), `${origin}/secrets/${s.name}`));
  return page(req, origin, items);
}

function listVersions(req: Req, vault: Vault, origin: string, name: string): Res {
  const s = live(vault, name);
  // The real service answers an empty list for a name it does not hold (guessed from the SDK's handling); here too.
  const items = s === undefined ? [] : s.versions.map((v) => properties(v, `${origin}/secrets/${s.name}/${v.version}`));
  return page(req, origin, items);
}

function listDeleted(req: Req, vault: Vault, origin: string): Res {
  return page(req, origin, [...vault.secrets.values()].filter((s) => s.deleted !== undefined).map((s) => deletedBundle(origin, s)));
}

function getSecret(vault: Vault, origin: string, name: string, version: string): Res {
  const s = live(vault, name);
  if (s === undefined) return notFound(name, version);
  const v = version === '' ? latest(s) : s.versions.find((x) => x.version === version.toLowerCase());
  if (v === undefined) return notFound(name, version);
  if (!v.enabled) return kvError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
  // Expired and not-yet-valid versions are read all the same: Key Vault does not enforce exp and nbf for secrets.
  return { status: 200, body: bundle(origin, s, v, true) };
}

/** A SecretSetParameters body, checked; or the 400 that answers it. */
function parseSet(body: Buffer): { value: string; contentType: string | undefined; enabled: boolean; nbf: number | undefined; exp: number | undefined; tags: Record<string, string> | undefined } | Res {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return kvError(400, 'BadParameter', 'The request body is not valid JSON.');
  }
  if (!isPlainObject(parsed) || typeof parsed['value'] !== 'string') return kvError(400, 'BadParameter', "Property 'value' is required.");
  const value = parsed['value'];
  if (Buffer.byteLength(value, 'utf8') > MAX_VALUE_BYTES) return kvError(400, 'BadParameter', `The secret value exceeds the maximum size of ${MAX_VALUE_BYTES} bytes.`);
  const contentType = parsed['contentType'];
  if (contentType !== undefined && contentType !== null && typeof contentType !== 'string') return kvError(400, 'BadParameter', "Property 'contentType' must be a string.");
  const attrs = parsed['attributes'] ?? {};
  if (!isPlainObject(attrs)) return kvError(400, 'BadParameter', "Property 'attributes' must be an object.");
  const time = (k: string): number | undefined | Res => {
    const t = attrs[k];
    if (t === undefined || t === null) return undefined;
    return typeof t === 'number' && Number.isFinite(t) ? Math.floor(t) : kvError(400, 'BadParameter', `Attribute '${k}' must be a Unix time in seconds.`);
  };
  const nbf = time('nbf');
  const exp = time('exp');
  if (typeof nbf === 'object') return nbf;
  if (typeof exp === 'object') return exp;
  const tags = parsed['tags'];
  if (tags !== undefined && tags !== null) {
    if (!isPlainObject(tags) || Object.values(tags).some((t) => typeof t !== 'string')) return kvError(400, 'BadParameter', 'Tags must be string values.');
    const entries = Object.entries(tags as Record<string, string>);
    if (entries.length > MAX_TAGS) return kvError(400, 'BadParameter', `The number of tags (${entries.length}) exceeds the limit of ${MAX_TAGS}.`);
    if (entries.some(([k, v]) => k.length > MAX_TAG_NAME || v.length > MAX_TAG_VALUE)) return kvError(400, 'BadParameter', `Tag names are limited to ${MAX_TAG_NAME} characters and tag values to ${MAX_TAG_VALUE}.`);
  }
  return {
    value,
    contentType: typeof contentType === 'string' ? contentType : undefined,
    enabled: attrs['enabled'] !== false,
    nbf,
    exp,
    tags: isPlainObject(tags) ? { ...(tags as Record<string, string>) } : undefined,
  };
}

function setSecret(req: Req, vault: Vault, origin: string, name: string): Res {
  if (!NAME_RE.test(name)) return kvError(400, 'BadParameter', `The request URI contains an invalid name: ${name}`);
  const existing = vault.secrets.get(name.toLowerCase());
  if (existing?.deleted !== undefined) {
    return kvError(409, 'Conflict', `Secret ${existing.name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`, 'ObjectIsDeletedButRecoverable');
  }
  const parsed = parseSet(req.body);
  if ('status' in parsed) return parsed;
  const t = nowS();
  const v: StoredVersion = { version: randomBytes(16).toString('hex'), ...parsed, created: t, updated: t };
  const s = existing ?? { name, versions: [] };
  s.versions.push(v);
  vault.secrets.set(name.toLowerCase(), s);
  return { status: 200, body: bundle(origin, s, v, true) };
}

function deleteSecret(vault: Vault, origin: string, name: string): Res {
  const s = live(vault, name);
  if (s === undefined) return notFound(name);
  const t = nowS();
  s.deleted = { deletedDate: t, scheduledPurgeDate: t + RETENTION_DAYS * DAY_S };
  return { status: 200, body: deletedBundle(origin, s) };
}

function getDeleted(vault: Vault, origin: string, name: string): Res {
  const s = deletedOne(vault, name);
  return s === undefined ? kvError(404, 'SecretNotFound', `Deleted Secret not found: ${name}`) : { status: 200, body: deletedBundle(origin, s) };
}

function recover(vault: Vault, origin: string, name: string): Res {
  const s = deletedOne(vault, name);
  if (s === undefined) return kvError(404, 'SecretNotFound', `Deleted Secret not found: ${name}`);
  delete s.deleted;
  return { status: 200, body: bundle(origin, s, latest(s), false) };
}

function purge(vault: Vault, name: string): Res {
  const s = deletedOne(vault, name);
  if (s === undefined) return kvError(404, 'SecretNotFound', `Deleted Secret not found: ${name}`);
  vault.secrets.delete(name.toLowerCase());
  return { status: 204 };
}

/** Every stored time of every vault `ms` into the past (Emulator.age). */
export function ageKeyVault(kv: KeyVaultState, ms: number): void {
  const s = Math.round(ms / 1000);
  for (const vault of kv.vaults.values()) {
    for (const secret of vault.secrets.values()) {
      for (const v of secret.versions) {
        v.created -= s;
        v.updated -= s;
      }
      if (secret.deleted) {
        secret.deleted.deletedDate -= s;
        secret.deleted.scheduledPurgeDate -= s;
      }
    }
  }
}

/** The test-side API (emu.keyVault). `port` is the server's, known once it listens. */
export function createKeyVaultApi(kv: KeyVaultState, port: () => number): EmulatorKeyVault {
  function vaultOf(vaultUrl: string): Vault {
    const hostname = hostnameOf(vaultUrl.includes('://') ? new URL(vaultUrl).host : vaultUrl);
    const vault = kv.vaults.get(hostname);
    if (vault === undefined) throw new Error(`emulator: no vault at '${vaultUrl}' (add it with emu.keyVault.addVault)`);
    return vault;
  }

  function view(s: StoredSecret, v: StoredVersion): KeyVaultVersionView {
    return {
      name: s.name,
      version: v.version,
      contentType: v.contentType,
      enabled: v.enabled,
      notBefore: v.nbf === undefined ? undefined : new Date(v.nbf * 1000),
      expiresOn: v.exp === undefined ? undefined : new Date(v.exp * 1000),
      createdOn: new Date(v.created * 1000),
      updatedOn: new Date(v.updated * 1000),
      tags: { ...(v.tags ?? {}) },
    };
  }

  function store(vaultUrl: string, name: string, seed: KeyVaultSeed): StoredSecret {
    if (!NAME_RE.test(name)) throw new Error(`emulator: '${name}' is not a Key Vault secret name (^[0-9a-zA-Z-]{1,127}$)`);
    const vault = vaultOf(vaultUrl);
    const t = Math.floor((seed.updatedOn?.getTime() ?? Date.now()) / 1000);
    const s = vault.secrets.get(name.toLowerCase()) ?? { name, versions: [] };
    s.versions.push({
      version: randomBytes(16).toString('hex'),
      value: seed.value,
      contentType: seed.contentType,
      enabled: seed.enabled ?? true,
      nbf: seed.notBefore === undefined ? undefined : Math.floor(seed.notBefore.getTime() / 1000),
      exp: seed.expiresOn === undefined ? undefined : Math.floor(seed.expiresOn.getTime() / 1000),
      created: t,
      updated: t,
      tags: seed.tags === undefined ? undefined : { ...seed.tags },
    });
    vault.secrets.set(name.toLowerCase(), s);
    return s;
  }

  return {
    addVault(host: string, access: KeyVaultAccess = { rbac: {} }, options: { name?: string } = {}): string {
      const hostname = hostnameOf(host.includes('://') ? new URL(host).host : host);
      if (kv.vaults.has(hostname)) throw new Error(`emulator: a vault at '${hostname}' exists already`);
      const ip = /^[\d.]+$/.test(hostname) || hostname.includes(':');
      const name = options.name ?? (ip ? `vault-${kv.vaults.size + 1}` : (hostname.split('.')[0] ?? hostname));
      const url = `https://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port()}`;
      kv.vaults.set(hostname, {
        url,
        hostname,
        name,
        resourceId: `/subscriptions/${kv.subscriptionId}/resourceGroups/emulator/providers/Microsoft.KeyVault/vaults/${name}`,
        access: structuredClone(access),
        firewall: false,
        secrets: new Map(),
      });
      return url;
    },
    vault(vaultUrl: string) {
      const v = vaultOf(vaultUrl);
      return { url: v.url, name: v.name, resourceId: v.resourceId };
    },
    grant(vaultUrl: string, clientId: string, grant: KeyVaultRole | readonly KeyVaultSecretPermission[] | undefined) {
      const vault = vaultOf(vaultUrl);
      const access = vault.access;
      if ('rbac' in access) {
        if (grant !== undefined && typeof grant !== 'string') throw new Error('emulator: an RBAC vault grants a role, not access-policy permissions');
        if (grant === undefined) delete access.rbac[clientId];
        else access.rbac[clientId] = grant;
      } else {
        if (typeof grant === 'string') throw new Error('emulator: an access-policy vault grants permissions, not a role');
        if (grant === undefined) delete access.accessPolicies[clientId];
        else access.accessPolicies[clientId] = [...grant];
      }
    },
    firewall(vaultUrl: string, on: boolean) {
      vaultOf(vaultUrl).firewall = on;
    },
    open(vaultUrl: string, name: string): string | undefined {
      const s = live(vaultOf(vaultUrl), name);
      return s === undefined ? undefined : latest(s).value;
    },
    versions(vaultUrl: string, name: string): KeyVaultVersionView[] {
      const s = vaultOf(vaultUrl).secrets.get(name.toLowerCase());
      return s === undefined ? [] : s.versions.map((v) => view(s, v));
    },
    secrets(vaultUrl: string): KeyVaultSecretView[] {
      return [...vaultOf(vaultUrl).secrets.values()]
        .map((s) => ({ ...view(s, latest(s)), versionCount: s.versions.length, deleted: s.deleted !== undefined }))
        .sort((a, b) => a.name.localeCompare(b.name));
    },
    seed(vaultUrl: string, name: string, seed: KeyVaultSeed): KeyVaultVersionView {
      const s = store(vaultUrl, name, seed);
      if (s.deleted !== undefined) throw new Error(`emulator: secret '${name}' is soft-deleted: recover or purge it first`);
      return view(s, latest(s));
    },
    seedDeleted(vaultUrl: string, name: string, seed: KeyVaultSeed): KeyVaultVersionView {
      const s = store(vaultUrl, name, seed);
      const t = nowS();
      s.deleted = { deletedDate: t, scheduledPurgeDate: t + RETENTION_DAYS * DAY_S };
      return view(s, latest(s));
    },
    isDeleted(vaultUrl: string, name: string): boolean {
      return deletedOne(vaultOf(vaultUrl), name) !== undefined;
    },
  };
}
