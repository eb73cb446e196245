/**
 * Microsoft Graph v1.0, application-management subset: applications (CRUD, upsert by uniqueName, addPassword,
 * removePassword, federatedIdentityCredentials, owners), servicePrincipals (and their ownedObjects), JSON batching
 * (`POST /v1.0/$batch`), with app-only permission checks (Application.ReadWrite.OwnedBy / .All,
 * Application.Read.All), OData $filter/$select/$top paging, replication lag right after a create, and concurrent
 * writes to one app (409 Directory_ConcurrencyViolation) when a window is set.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { InnerRequest, Req, Res, ServiceHandler } from './server.ts';
import type { AccessToken, State } from './state.ts';
import { handOut } from './state.ts';
import type { FederatedIdentityCredential as GraphFederatedIdentityCredential, PasswordCredential as GraphPasswordCredential } from '@microsoft/microsoft-graph-types';
import type { FederatedIdentityCredential, GraphApp, GraphServicePrincipal, PasswordCredential } from './types.ts';
import type { FilterProperty } from './graph-filter.ts';
import { parseFilter } from './graph-filter.ts';
import type { GraphErrorInfo } from './graph-model.ts';
import {
  PERSONAL_AUDIENCES,
  SERVICE_PRINCIPAL_CREATABLE,
  applicationToWire,
  applyApplicationBody,
  badRequest,
  fillAppDefaults,
  invalidValue,
  newApp,
  servicePrincipalForApp,
  servicePrincipalToWire,
  unknownProperty,
  validateApplicationBody,
} from './graph-model.ts';
import { TENANT_DOMAIN } from './entra.ts';
import { ARM_COLLECTIONS, handleArm } from './arm.ts';
import { entraSecretText, graphDate, guid, isGuid, isPlainObject, parseDateTimeOffset } from './util.ts';
import type { StoredKeyCredential } from './certs.ts';
import { isBase64, parseCertificateKey, storedKeyCredential } from './certs.ts';
import { decodeJwt } from './jwt.ts';
import { constants as cryptoConstants, verify as verifySignature } from 'node:crypto';

const JSON_CT = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const INSUFFICIENT = 'Insufficient privileges to complete the operation.';

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

interface Caller {
  token: AccessToken;
  clientId: string;
  writeAll: boolean;
  ownedBy: boolean;
  readAll: boolean;
}

type AppKey = { by: 'id' | 'appId' | 'uniqueName'; value: string };

type Result<T> = { ok: T } | { res: Res };

export function createGraphHandler(state: State): ServiceHandler {
  const root = (): string => `${state.urls.graph}/v1.0`;

  function clientRequestId(req: Req): string {
    return header(req.headers, 'client-request-id') ?? req.requestId;
  }

  function gErr(req: Req, e: GraphErrorInfo, headers?: Record<string, string>): Res {
    const error: Record<string, unknown> = { code: e.code, message: e.message };
    if (e.details) error['details'] = e.details;
    error['innerError'] = { date: new Date().toISOString().slice(0, 19), 'request-id': req.requestId, 'client-request-id': clientRequestId(req) };
    return { status: e.status, headers: { 'content-type': JSON_CT, ...(headers ?? {}) }, body: { error } };
  }

  const json = (status: number, body: unknown, headers?: Record<string, string>): Res => ({
    status,
    headers: { 'content-type': JSON_CT, 'odata-version': '4.0', ...(headers ?? {}) },
    body,
  });
  const noContent = (): Res => ({ status: 204 });
  const forbidden = (req: Req): Res => gErr(req, { status: 403, code: 'Authorization_RequestDenied', message: INSUFFICIENT });
  const notFound = (req: Req, what: string): Res =>
    gErr(req, { status: 404, code: 'Request_ResourceNotFound', message: `Resource '${what}' does not exist or one of its queried reference-property objects are not present.` });
  const methodNotAllowed = (req: Req): Res => gErr(req, { status: 405, code: 'Request_BadRequest', message: 'Specified HTTP method is not allowed for the request uri.' });
  const segmentNotFound = (req: Req, seg: string): Res => gErr(req, { status: 400, code: 'BadRequest', message: `Resource not found for the segment '${seg}'.` });

  // ---- authentication and permissions ---------------------------------------------------------------------

  function authenticate(req: Req): Result<Caller> {
    const unauthorized = (message: string): Res =>
      gErr(req, { status: 401, code: 'InvalidAuthenticationToken', message }, {
        'www-authenticate': `Bearer realm="", authorization_uri="${state.urls.authority}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
      });
    const auth = header(req.headers, 'authorization');
    const m = /^bearer\s+(\S+)\s*$/i.exec(auth ?? '');
    if (!auth || !m?.[1]) return { res: unauthorized('Access token is empty.') };
    const raw = m[1];
    if (raw.split('.').length !== 3) {
      return { res: unauthorized("IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format. (JWS): 'EncodedHeader.EndcodedPayload.EncodedSignature'. (JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext.EncodedAuthenticationTag'.") };
    }
    const token = state.accessTokens.get(raw);
    if (!token) return { res: unauthorized('Invalid signature.') };
    if (token.audience !== state.urls.graph) return { res: unauthorized('Access token validation failure. Invalid audience.') };
    if (Date.now() >= token.expiresAt) return { res: unauthorized('Lifetime validation failed, the token is expired.') };
    const roles = new Set(token.roles);
    const writeAll = roles.has('Application.ReadWrite.All');
    const ownedBy = roles.has('Application.ReadWrite.OwnedBy');
    const readAll = writeAll || roles.has('Application.Read.All') || roles.has('Directory.Read.All') || roles.has('Directory.ReadWrite.All') || (ownedBy && state.policy.ownedByCanReadAll !== false);
    return { ok: { token, clientId: token.clientId, writeAll, ownedBy, readAll } };
  }

  const owns = (c: Caller, app: GraphApp): boolean => app.owners.some((o) => o.toLowerCase() === c.clientId.toLowerCase());
  const canReadApp = (c: Caller, app: GraphApp): boolean => c.readAll || (c.ownedBy && owns(c, app));
  const canWriteApp = (c: Caller, app: GraphApp): boolean => c.writeAll || (c.ownedBy && owns(c, app));
  const appOf = (sp: GraphServicePrincipal): GraphApp | undefined => state.graph.apps.find((a) => a.appId === sp.appId);
  const canReadSp = (c: Caller, sp: GraphServicePrincipal): boolean => {
    if (c.readAll) return true;
    const app = appOf(sp);
    return app !== undefined && c.ownedBy && owns(c, app);
  };
  const canWriteSp = (c: Caller, sp: GraphServicePrincipal): boolean => {
    if (c.writeAll) return true;
    const app = appOf(sp);
    return app !== undefined && c.ownedBy && owns(c, app);
  };

  // ---- replication lag ------------------------------------------------------------------------------------

  function appLagged(app: GraphApp): boolean {
    const lag = state.lag;
    if (!lag || lag.id !== app.id || lag.appRemaining <= 0) return false;
    lag.appRemaining -= 1;
    return true;
  }

  function startLagFor(app: GraphApp): void {
    if (state.pendingLag !== undefined) {
      state.lag = { id: app.id, appId: app.appId, appRemaining: state.pendingLag, spRemaining: state.pendingLag };
      state.pendingLag = undefined;
    }
    if (state.pendingOwnershipLag !== undefined) {
      state.ownershipLag = { appId: app.appId, remaining: state.pendingOwnershipLag };
      state.pendingOwnershipLag = undefined;
    }
  }

  /** POST /servicePrincipals for the new app while its owner is not replicated yet (faults.ownershipLag). */
  function ownershipLagged(appId: string): boolean {
    const lag = state.ownershipLag;
    if (lag === undefined || lag.appId.toLowerCase() !== appId.toLowerCase() || lag.remaining <= 0) return false;
    lag.remaining -= 1;
    return true;
  }

  // ---- Graph's cap on reads of keyCredentials -------------------------------------------------------------

  const selectsKeyCredentials = (req: Req): boolean =>
    (req.query.get('$select') ?? '').split(',').some((f) => f.trim().toLowerCase() === 'keycredentials');

  /**
   * policy.keyCredentialsPerMinute: an application GET selecting keyCredentials beyond the cap in the last minute
   * is a 429 with Retry-After (until the oldest counted read leaves the minute), unprocessed and not counted.
   */
  function keyCredentialsCapped(req: Req): Res | undefined {
    const cap = state.policy.keyCredentialsPerMinute;
    if (cap === undefined || req.method !== 'GET' || !selectsKeyCredentials(req)) return undefined;
    const now = Date.now();
    const reads = state.keyCredentialReads.filter((at) => now - at < 60_000);
    state.keyCredentialReads = reads;
    const [oldest] = reads;
    if (reads.length >= cap && oldest !== undefined) {
      const retryAfter = String(Math.max(1, Math.ceil((oldest + 60_000 - now) / 1000)));
      return gErr(req, { status: 429, code: 'TooManyRequests', message: 'Too many requests selecting keyCredentials for applications in this tenant. Please try again later.' }, { 'retry-after': retryAfter });
    }
    reads.push(now);
    return undefined;
  }

  // ---- bodies ---------------------------------------------------------------------------------------------

  function jsonBody(req: Req, allowEmpty: boolean): Result<Record<string, unknown>> {
    const text = req.body.toString('utf8').trim();
    if (text === '') {
      if (allowEmpty) return { ok: {} };
      return { res: gErr(req, badRequest('Empty Payload. JSON content expected.', 'BadRequest')) };
    }
    try {
      const v: unknown = JSON.parse(text);
      if (!isPlainObject(v)) return { res: gErr(req, badRequest('Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.', 'BadRequest')) };
      return { ok: v };
    } catch {
      return { res: gErr(req, badRequest('Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.', 'BadRequest')) };
    }
  }

  // ---- OData collections ----------------------------------------------------------------------------------

  const APP_FILTER: Record<string, FilterProperty> = {
    displayName: { get: (o) => (o as GraphApp).displayName, ops: ['eq', 'ne', 'startswith', 'in'] },
    appId: { get: (o) => (o as GraphApp).appId, ops: ['eq', 'ne', 'in'] },
    id: { get: (o) => (o as GraphApp).id, ops: ['eq', 'ne', 'in'] },
    uniqueName: { get: (o) => (o as GraphApp).uniqueName, ops: ['eq', 'ne', 'in', 'startswith'] },
    signInAudience: { get: (o) => (o as GraphApp).signInAudience, ops: ['eq', 'ne', 'in'] },
    publisherDomain: { get: () => TENANT_DOMAIN, ops: ['eq', 'ne', 'in', 'startswith'] },
    identifierUris: { get: (o) => (o as GraphApp).identifierUris, ops: ['any'] },
    tags: { get: (o) => (o as GraphApp).tags, ops: ['any'] },
  };
  const SP_FILTER: Record<string, FilterProperty> = {
    displayName: { get: (o) => (o as GraphServicePrincipal).displayName, ops: ['eq', 'ne', 'startswith', 'in'] },
    appId: { get: (o) => (o as GraphServicePrincipal).appId, ops: ['eq', 'ne', 'in'] },
    id: { get: (o) => (o as GraphServicePrincipal).id, ops: ['eq', 'ne', 'in'] },
    servicePrincipalType: { get: (o) => (o as GraphServicePrincipal).servicePrincipalType, ops: ['eq', 'ne'] },
    servicePrincipalNames: { get: (o) => (o as GraphServicePrincipal).servicePrincipalNames, ops: ['any'] },
    tags: { get: (o) => (o as GraphServicePrincipal).tags, ops: ['any'] },
  };

  function parseSelect(req: Req, sample: Record<string, unknown>, typeName: string): Result<string[] | undefined> {
    const sel = req.query.get('$select');
    if (sel === null) return { ok: undefined };
    const fields = sel.split(',').map((s) => s.trim()).filter((s) => s !== '');
    for (const f of fields) {
      if (!(f in sample)) return { res: gErr(req, badRequest(`Could not find a property named '${f}' on type 'microsoft.graph.${typeName}'.`, 'BadRequest')) };
    }
    return { ok: fields };
  }

  function project(wire: Record<string, unknown>, fields: string[] | undefined): Record<string, unknown> {
    if (!fields) return wire;
    // Members of a directoryObject collection keep their type, as Graph's do.
    const out: Record<string, unknown> = '@odata.type' in wire ? { '@odata.type': wire['@odata.type'] } : {};
    for (const f of fields) out[f] = wire[f];
    return out;
  }

  const ALLOWED_QUERY = ['$filter', '$select', '$top', '$skiptoken', '$count', '$orderby', '$search', '$expand', '$format'];

  function listCollection<T>(
    req: Req,
    entitySet: string,
    resource: string,
    typeName: string,
    items: T[],
    filterProps: Record<string, FilterProperty>,
    toWire: (x: T) => Record<string, unknown>,
    sample: Record<string, unknown>,
  ): Res {
    for (const k of req.query.keys()) {
      if (k.startsWith('$') && !ALLOWED_QUERY.includes(k)) return gErr(req, badRequest(`Unrecognized query argument specified: '${k}'.`, 'BadRequest'));
    }
    if (req.query.has('$expand')) return gErr(req, badRequest('The emulator does not support $expand.', 'BadRequest'));
    const advanced = (header(req.headers, 'consistencylevel') ?? '').toLowerCase() === 'eventual';
    const sel = parseSelect(req, sample, typeName);
    if ('res' in sel) return sel.res;
    let result = items;
    const filter = req.query.get('$filter');
    if (filter !== null) {
      const pred = parseFilter(filter, resource, filterProps, advanced);
      if (typeof pred !== 'function') return gErr(req, pred);
      result = result.filter((x) => pred(x));
    }
    const search = req.query.get('$search');
    if (search !== null) {
      if (!advanced) {
        return gErr(req, badRequest("Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'", 'Request_UnsupportedQuery'));
      }
      const m = /^"?(\w+):(.*?)"?$/.exec(search);
      if (!m) return gErr(req, badRequest('Syntax error: invalid $search expression.', 'BadRequest'));
      const prop = m[1] ?? '';
      const needle = (m[2] ?? '').toLowerCase();
      result = result.filter((x) => {
        const v = toWire(x)[prop];
        return typeof v === 'string' && v.toLowerCase().includes(needle);
      });
    }
    const orderby = req.query.get('$orderby');
    if (orderby !== null) {
      const m = /^(displayName)(\s+(asc|desc))?$/i.exec(orderby.trim());
      if (!m || !advanced) return gErr(req, badRequest('Sorting not supported for current query.', 'Request_UnsupportedQuery'));
      const desc = (m[3] ?? '').toLowerCase() === 'desc';
      result = [...result].sort((a, b) => {
        const c = String(toWire(a)['displayName']).localeCompare(String(toWire(b)['displayName']));
        return desc ? -c : c;
      });
    }
    const count = req.query.get('$count');
    if (count !== null && count !== 'true' && count !== 'false') return gErr(req, badRequest(`Invalid value for $count: '${count}'.`, 'BadRequest'));
    if (count === 'true' && !advanced) {
      return gErr(req, badRequest("$count is not currently supported without the 'ConsistencyLevel: eventual' header.", 'Request_UnsupportedQuery'));
    }
    let pageSize = state.pageSize;
    const top = req.query.get('$top');
    if (top !== null) {
      const n = Number(top);
      if (!/^\d+$/.test(top) || n < 1 || n > 999) return gErr(req, badRequest(`Invalid page size specified: '${top}'. Must be between 1 and 999 inclusive.`, 'Request_BadRequest'));
      pageSize = n;
    }
    let offset = 0;
    const skip = req.query.get('$skiptoken');
    if (skip !== null) {
      const m = /^EMU([A-Za-z0-9_-]+)$/.exec(skip);
      const o = m?.[1] ? Number(Buffer.from(m[1], 'base64url').toString('utf8')) : NaN;
      if (!Number.isInteger(o) || o < 0) return gErr(req, badRequest('The specified page token value has expired and can no longer be included in your request.', 'Directory_ExpiredPageToken'));
      offset = o;
    }
    const page = result.slice(offset, offset + pageSize);
    const body: Record<string, unknown> = {
      '@odata.context': `${root()}/$metadata#${entitySet}${sel.ok ? `(${sel.ok.join(',')})` : ''}`,
    };
    if (count === 'true') body['@odata.count'] = result.length;
    if (offset + pageSize < result.length) {
      const params: string[] = [];
      for (const [k, v] of req.query.entries()) {
        if (k === '$skiptoken') continue;
        params.push(`${k}=${encodeURIComponent(v)}`);
      }
      params.push(`$skiptoken=EMU${Buffer.from(String(offset + pageSize)).toString('base64url')}`);
      // The same path as asked (the collection, or a navigation such as ownedObjects), absolute.
      body['@odata.nextLink'] = `${state.urls.graph}${req.pathname}?${params.join('&')}`;
    }
    body['value'] = page.map((x) => project(toWire(x), sel.ok));
    return json(200, body);
  }

  // ---- applications ---------------------------------------------------------------------------------------

  const appWire = (app: GraphApp): Record<string, unknown> => applicationToWire(app, TENANT_DOMAIN);
  const APP_SAMPLE = applicationToWire(newApp('sample', 'AzureADMyOrg'), TENANT_DOMAIN);

  function findApp(key: AppKey): GraphApp | undefined {
    const v = key.value.toLowerCase();
    return state.graph.apps.find((a) => (key.by === 'id' ? a.id : key.by === 'appId' ? a.appId : (a.uniqueName ?? '')).toLowerCase() === v);
  }

  function resolveApp(req: Req, c: Caller, key: AppKey, access: 'read' | 'write'): Result<GraphApp> {
    if ((key.by === 'id' || key.by === 'appId') && !isGuid(key.value)) {
      return { res: gErr(req, badRequest(`Invalid object identifier '${key.value}'.`)) };
    }
    const app = findApp(key);
    if (!app || appLagged(app)) return { res: notFound(req, key.value) };
    if (access === 'read' ? !canReadApp(c, app) : !canWriteApp(c, app)) return { res: forbidden(req) };
    return { ok: app };
  }

  function ownersFromBind(value: unknown): string[] {
    if (!Array.isArray(value)) return [];
    const out: string[] = [];
    for (const v of value) {
      if (typeof v !== 'string') continue;
      const id = v.split('/').pop() ?? '';
      const rot = [...state.rotators.values()].find((r) => r.objectId.toLowerCase() === id.toLowerCase() || r.clientId.toLowerCase() === id.toLowerCase());
      out.push(rot ? rot.clientId : id);
    }
    return out;
  }

  function personalAudienceError(audience: string, version: number | null): GraphErrorInfo | undefined {
    if (PERSONAL_AUDIENCES.includes(audience) && version !== 2) return badRequest('Property api.requestedAccessTokenVersion is invalid.');
    return undefined;
  }

  function createApp(req: Req, c: Caller, body: Record<string, unknown>, uniqueName: string | undefined): Res {
    if (!c.writeAll && !c.ownedBy) return forbidden(req);
    const audience = typeof body['signInAudience'] === 'string' ? body['signInAudience'] : 'AzureADandPersonalMicrosoftAccount';
    const app = newApp(typeof body['displayName'] === 'string' ? body['displayName'] : '', audience);
    const err = validateApplicationBody(body, { create: true, appId: app.appId, tenantId: state.tenantId, tenantDomain: TENANT_DOMAIN });
    if (err) return gErr(req, err);
    const keys = 'keyCredentials' in body ? keyCredentialsUpdate(req, app, body['keyCredentials']) : undefined;
    if (keys !== undefined && 'res' in keys) return keys.res;
    applyApplicationBody(app, withoutKeyCredentials(body));
    if (uniqueName !== undefined) app.uniqueName = uniqueName;
    if (app.uniqueName !== null && state.graph.apps.some((a) => (a.uniqueName ?? '').toLowerCase() === (app.uniqueName ?? '').toLowerCase())) {
      return gErr(req, badRequest('Another object with the same value for property uniqueName already exists.', 'Request_MultipleObjectsWithSameKeyValue'));
    }
    for (const uri of app.identifierUris) {
      if (state.graph.apps.some((a) => a.identifierUris.some((u) => u.toLowerCase() === uri.toLowerCase()))) {
        return gErr(req, badRequest('Another object with the same value for property identifierUris already exists.', 'Request_MultipleObjectsWithSameKeyValue'));
      }
    }
    const pe = personalAudienceError(app.signInAudience, app.api.requestedAccessTokenVersion);
    if (pe) return gErr(req, pe);
    const owners = new Set<string>(ownersFromBind(body['owners@odata.bind']));
    if (c.ownedBy && !c.writeAll) owners.add(c.clientId);
    app.owners = [...owners];
    if (keys !== undefined) setKeyCredentials(app, keys.ok);
    state.graph.apps.push(app);
    startLagFor(app);
    return json(201, { '@odata.context': `${root()}/$metadata#applications/$entity`, ...appWire(app) }, {
      location: `${state.urls.graph}/v2/${state.tenantId}/directoryObjects/${app.id}/Microsoft.DirectoryServices.Application`,
    });
  }

  function updateApp(req: Req, app: GraphApp, body: Record<string, unknown>): Res {
    const err = validateApplicationBody(body, { create: false, appId: app.appId, tenantId: state.tenantId, tenantDomain: TENANT_DOMAIN });
    if (err) return gErr(req, err);
    const audience = typeof body['signInAudience'] === 'string' ? body['signInAudience'] : app.signInAudience;
    const apiBody = body['api'];
    const version = isPlainObject(apiBody) && 'requestedAccessTokenVersion' in apiBody ? (apiBody['requestedAccessTokenVersion'] as number | null) : app.api.requestedAccessTokenVersion;
    const pe = personalAudienceError(audience, version);
    if (pe) return gErr(req, pe);
    const uris = body['identifierUris'];
    if (Array.isArray(uris)) {
      for (const uri of uris as string[]) {
        if (state.graph.apps.some((a) => a !== app && a.identifierUris.some((u) => u.toLowerCase() === uri.toLowerCase()))) {
          return gErr(req, badRequest('Another object with the same value for property identifierUris already exists.', 'Request_MultipleObjectsWithSameKeyValue'));
        }
      }
    }
    const keys = 'keyCredentials' in body ? keyCredentialsUpdate(req, app, body['keyCredentials']) : undefined;
    if (keys !== undefined && 'res' in keys) return keys.res;
    applyApplicationBody(app, withoutKeyCredentials(body));
    if (keys !== undefined) setKeyCredentials(app, keys.ok);
    return noContent();
  }

  // ---- certificates (keyCredentials) ----------------------------------------------------------------------

  /** The body without keyCredentials, which keyCredentialsUpdate handles. */
  function withoutKeyCredentials(body: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'keyCredentials'));
  }

  const KEY_CREDENTIAL_PROPS = ['customKeyIdentifier', 'displayName', 'endDateTime', 'key', 'keyId', 'startDateTime', 'type', 'usage'];
  /** Graph's reference: "The friendly name for the key, with a maximum length of 90 characters. Longer values are accepted but shortened." */
  const KEY_DISPLAY_NAME_MAX = 90;

  function storedKeys(app: GraphApp): StoredKeyCredential[] {
    const v = app.extra['keyCredentials'];
    return Array.isArray(v) ? (v.filter(isPlainObject) as unknown as StoredKeyCredential[]) : [];
  }

  function setKeyCredentials(app: GraphApp, keys: StoredKeyCredential[]): void {
    const before = new Set<object>(storedKeys(app));
    app.extra['keyCredentials'] = keys;
    const now = Date.now();
    for (const k of keys) if (!before.has(k)) state.keyAddedAt.set(k, now);
  }

  /**
   * The app's new keyCredentials from a PATCH (or create) body: the whole collection, as Graph replaces it. Every
   * entry needs `key`, the base64 DER of an X.509 certificate; an entry whose keyId and key are those of a
   * certificate on the app keeps it (the stored entry, so when it was added is kept too); entries left out are
   * removed. Nothing is changed unless every entry is valid.
   *
   * Graph documents the shape (keyCredential resource; "Add a certificate to an app using Microsoft Graph": type
   * AsymmetricX509Cert, usage Verify, key the certificate's raw data in base64, customKeyIdentifier the thumbprint)
   * but not its errors for a bad entry. Guessed here, each marked below: the code Request_BadRequest and the
   * messages for an entry without key, a key that is no certificate, an expired certificate, dates outside the
   * certificate's validity and a keyId that names another certificate. The usage message is Graph's (quoted in
   * msgraph-sdk-java issue 1823); the lifetime cap's code is the app management policy's.
   */
  function keyCredentialsUpdate(req: Req, app: GraphApp, value: unknown): Result<StoredKeyCredential[]> {
    const bad = (message: string, code = 'Request_BadRequest'): Result<StoredKeyCredential[]> => ({ res: gErr(req, badRequest(message, code)) });
    if (!Array.isArray(value)) return { res: gErr(req, invalidValue('keyCredentials', 'Application')) };
    const current = storedKeys(app);
    const out: StoredKeyCredential[] = [];
    const added: StoredKeyCredential[] = [];
    const now = Date.now();
    for (const entry of value as unknown[]) {
      if (!isPlainObject(entry)) return { res: gErr(req, invalidValue('keyCredentials', 'Application')) };
      for (const k of Object.keys(entry)) {
        if (k !== '@odata.type' && !KEY_CREDENTIAL_PROPS.includes(k)) return { res: gErr(req, unknownProperty(k)) };
      }
      // Guess (message and code): Graph needs the certificate of every entry, those it keeps too.
      if (entry['key'] === undefined || entry['key'] === null) return bad("Invalid value specified for property 'key' of resource 'KeyCredential': the key (the certificate's base64 DER) is required for every entry.");
      const usage = entry['usage'];
      if (usage !== 'Verify') {
        // Graph's message (msgraph-sdk-java#1823); Sign (with X509CertAndPassword) is not modelled.
        return bad('The value for the property "usage" in one of your credentials is invalid. Acceptable values are Sign, Verify.');
      }
      if (entry['type'] !== 'AsymmetricX509Cert') {
        // Guess, worded as the usage message.
        return bad('The value for the property "type" in one of your credentials is invalid. Acceptable values are AsymmetricX509Cert, X509CertAndPassword.');
      }
      const cert = parseCertificateKey(entry['key']);
      // Guess: the message reported from real tenants for a key that is not a certificate.
      if (!cert) return bad('Invalid certificate: Key value is invalid certificate');
      const keyId = entry['keyId'];
      if (keyId !== undefined && keyId !== null && (typeof keyId !== 'string' || !isGuid(keyId))) return { res: gErr(req, invalidValue('keyId', 'KeyCredential')) };
      const displayName = entry['displayName'];
      if (displayName !== undefined && displayName !== null && typeof displayName !== 'string') return { res: gErr(req, invalidValue('displayName', 'KeyCredential')) };
      const cki = entry['customKeyIdentifier'];
      if (cki !== undefined && cki !== null && (typeof cki !== 'string' || !isBase64(cki) || Buffer.from(cki, 'base64').length > 32)) {
        return { res: gErr(req, invalidValue('customKeyIdentifier', 'KeyCredential')) };
      }
      const dates: Record<'startDateTime' | 'endDateTime', Date | undefined> = { startDateTime: undefined, endDateTime: undefined };
      for (const f of ['startDateTime', 'endDateTime'] as const) {
        if (entry[f] === undefined || entry[f] === null) continue;
        const d = parseDateTimeOffset(entry[f]);
        if (!d) return { res: gErr(req, invalidValue(f, 'KeyCredential')) };
        dates[f] = d;
      }
      if (typeof keyId === 'string' && out.some((k) => k.keyId.toLowerCase() === keyId.toLowerCase())) {
        return bad(`Duplicate keyId '${keyId}' in keyCredentials.`); // guess
      }
      const key = cert.der.toString('base64');
      const existing = typeof keyId === 'string' ? current.find((k) => k.keyId.toLowerCase() === keyId.toLowerCase()) : undefined;
      if (existing) {
        // The legacy AAD Graph's message for changing a credential in place; guessed for Microsoft Graph.
        if (existing.key !== key) return bad(`Update to existing credential with KeyId '${keyId as string}' is not allowed.`);
        // Kept as stored; a new display name is taken.
        if (typeof displayName === 'string' || displayName === null) existing.displayName = displayName === null ? null : displayName.slice(0, KEY_DISPLAY_NAME_MAX);
        out.push(existing);
        continue;
      }
      // Guess (message): a certificate that has expired cannot be added; dates outside its validity are refused.
      if (cert.notAfter.getTime() <= now) return bad('Key credential end date is invalid: the certificate has expired.');
      const start = dates.startDateTime ?? cert.notBefore;
      const end = dates.endDateTime ?? cert.notAfter;
      if (start.getTime() < cert.notBefore.getTime() - 1000 || start.getTime() > cert.notAfter.getTime()) return bad('Key credential start date is invalid.');
      if (end.getTime() > cert.notAfter.getTime() + 1000 || end.getTime() <= start.getTime()) return bad('Key credential end date is invalid.');
      const stored = storedKeyCredential(cert, {
        keyId: typeof keyId === 'string' ? keyId : guid(),
        displayName: typeof displayName === 'string' ? displayName.slice(0, KEY_DISPLAY_NAME_MAX) : null,
        customKeyIdentifier: typeof cki === 'string' ? cki : null,
        startDateTime: graphDate(start),
        endDateTime: graphDate(end),
      });
      out.push(stored);
      added.push(stored);
    }
    const maxDays = state.policy.maxCertificateLifetimeDays;
    if (maxDays !== undefined && added.some((k) => Date.parse(k.endDateTime) - Date.parse(k.startDateTime) > maxDays * 24 * 60 * 60 * 1000)) {
      return bad('Credential lifetime exceeds the max value allowed as per assigned policy.', 'CredentialInvalidLifetimeAsPerAppPolicy');
    }
    return { ok: out };
  }

  /** addPassword of an application or (its own passwords) a service principal. */
  function addPassword(req: Req, app: Pick<GraphApp, 'passwordCredentials' | 'signInAudience'>): Res {
    const b = jsonBody(req, true);
    if ('res' in b) return b.res;
    for (const k of Object.keys(b.ok)) if (k !== 'passwordCredential') return gErr(req, unknownProperty(k));
    const pcRaw = b.ok['passwordCredential'] ?? {};
    if (!isPlainObject(pcRaw)) return gErr(req, invalidValue('passwordCredential', 'PasswordCredential'));
    for (const [k, v] of Object.entries(pcRaw)) {
      if (k === '@odata.type') continue;
      if (k === 'secretText' || k === 'hint') return gErr(req, badRequest(`Property '${k}' is read-only and cannot be set.`));
      if (!['displayName', 'startDateTime', 'endDateTime', 'customKeyIdentifier', 'keyId'].includes(k)) return gErr(req, unknownProperty(k));
      if (k === 'displayName' && v !== null && typeof v !== 'string') return gErr(req, invalidValue('displayName', 'PasswordCredential'));
      if (k === 'customKeyIdentifier' && v !== null) return gErr(req, invalidValue('customKeyIdentifier', 'PasswordCredential'));
      if (k === 'keyId' && v !== null && (typeof v !== 'string' || !isGuid(v))) return gErr(req, invalidValue('keyId', 'PasswordCredential'));
    }
    const now = new Date();
    let start = now;
    if (pcRaw['startDateTime'] !== undefined && pcRaw['startDateTime'] !== null) {
      const d = parseDateTimeOffset(pcRaw['startDateTime']);
      if (!d) return gErr(req, invalidValue('startDateTime', 'PasswordCredential'));
      start = d;
    }
    let end: Date;
    if (pcRaw['endDateTime'] !== undefined && pcRaw['endDateTime'] !== null) {
      const d = parseDateTimeOffset(pcRaw['endDateTime']);
      if (!d) return gErr(req, invalidValue('endDateTime', 'PasswordCredential'));
      end = d;
    } else {
      end = new Date(start);
      end.setUTCFullYear(end.getUTCFullYear() + 2);
    }
    if (end.getTime() <= now.getTime() || end.getTime() <= start.getTime()) {
      return gErr(req, badRequest('Invalid value specified for property \'endDateTime\' of resource \'PasswordCredential\': the end date must be in the future and after the start date.'));
    }
    if (state.policy.passwordAdditionBlocked === true) {
      return gErr(req, badRequest('Credential type not allowed as per assigned policy.', 'CredentialTypeNotAllowedAsPerAppPolicy'));
    }
    const maxDays = state.policy.maxLifetimeDays;
    if (maxDays !== undefined && end.getTime() - start.getTime() > maxDays * 24 * 60 * 60 * 1000) {
      return gErr(req, badRequest('Credential lifetime exceeds the max value allowed as per assigned policy.', 'CredentialInvalidLifetimeAsPerAppPolicy'));
    }
    if (PERSONAL_AUDIENCES.includes(app.signInAudience) && app.passwordCredentials.length >= 2) {
      return gErr(req, badRequest(`An application whose signInAudience is '${app.signInAudience}' cannot have more than 2 passwords.`, 'TooManyAppPasswords'));
    }
    const secretText = entraSecretText();
    const cred: PasswordCredential = {
      keyId: guid(),
      displayName: typeof pcRaw['displayName'] === 'string' ? pcRaw['displayName'] : null,
      hint: secretText.slice(0, 3),
      startDateTime: graphDate(start),
      endDateTime: graphDate(end),
      customKeyIdentifier: null,
      secretText,
    };
    app.passwordCredentials.push(cred);
    state.passwordAddedAt.set(cred, Date.now());
    handOut(state, secretText);
    return json(200, {
      '@odata.context': `${root()}/$metadata#microsoft.graph.passwordCredential`,
      customKeyIdentifier: null,
      displayName: cred.displayName,
      endDateTime: cred.endDateTime,
      hint: cred.hint,
      keyId: cred.keyId,
      secretText,
      startDateTime: cred.startDateTime,
    } satisfies GraphPasswordCredential & { '@odata.context': string });
  }

  function removePassword(req: Req, app: Pick<GraphApp, 'passwordCredentials'>): Res {
    const b = jsonBody(req, false);
    if ('res' in b) return b.res;
    for (const k of Object.keys(b.ok)) if (k !== 'keyId') return gErr(req, unknownProperty(k));
    const keyId = b.ok['keyId'];
    if (typeof keyId !== 'string' || !isGuid(keyId)) return gErr(req, invalidValue('keyId', 'PasswordCredential'));
    const i = app.passwordCredentials.findIndex((p) => p.keyId.toLowerCase() === keyId.toLowerCase());
    const lagging = i >= 0 && state.faults.newKeyRemovalLag > 0 && state.passwordAddedAt.has(app.passwordCredentials[i] as PasswordCredential);
    if (lagging) state.faults.newKeyRemovalLag -= 1;
    if (i < 0 || lagging) return gErr(req, badRequest(`No password credential found with keyId '${keyId}'.`, 'Request_BadRequest'));
    app.passwordCredentials.splice(i, 1);
    return noContent();
  }

  /** The audience of a proof of possession for addKey and removeKey: the legacy Azure AD Graph's app id, as documented. */
  const PROOF_AUDIENCE = '00000002-0000-0000-c000-000000000000';

  /**
   * removeKey: `{keyId, proof}`, the proof a JWT signed (RS256, or PS256) with the private key of a certificate on the
   * app that is valid now, named by `x5t` (or `x5t#S256`), `aud` Azure AD Graph's app id, `iss` the app's object id,
   * and `nbf`..`exp` around now, at most 10 minutes apart (Microsoft's "proof of possession tokens for rolling keys").
   * Removes the one key; nothing else of keyCredentials changes, so it cannot lose a certificate another writer added.
   * Guessed (the real service wins): the status and wording of a refused proof (400 Request_BadRequest here) and of a
   * keyId the app does not have (400 "No key credential found", as removePassword's).
   */
  function removeKey(req: Req, app: GraphApp): Res {
    const b = jsonBody(req, false);
    if ('res' in b) return b.res;
    for (const k of Object.keys(b.ok)) if (k !== 'keyId' && k !== 'proof') return gErr(req, unknownProperty(k));
    const keyId = b.ok['keyId'];
    if (typeof keyId !== 'string' || !isGuid(keyId)) return gErr(req, invalidValue('keyId', 'KeyCredential'));
    const refused = proofProblem(app, b.ok['proof']);
    if (refused !== undefined) return gErr(req, badRequest(`Proof of possession is invalid: ${refused}.`, 'Request_BadRequest'));
    const keys = storedKeys(app);
    const i = keys.findIndex((k) => k.keyId.toLowerCase() === keyId.toLowerCase());
    if (i < 0) return gErr(req, badRequest(`No key credential found with keyId '${keyId}'.`, 'Request_BadRequest'));
    setKeyCredentials(app, keys.filter((_, j) => j !== i));
    return noContent();
  }

  /** Why a removeKey proof is refused, or undefined. */
  function proofProblem(app: GraphApp, proof: unknown): string | undefined {
    const jwt = typeof proof === 'string' ? decodeJwt(proof) : undefined;
    if (jwt === undefined) return 'not a JWT';
    const p = jwt.payload;
    if (p['aud'] !== PROOF_AUDIENCE) return `aud must be '${PROOF_AUDIENCE}'`;
    if (typeof p['iss'] !== 'string' || p['iss'].toLowerCase() !== app.id.toLowerCase()) return "iss must be the application's object id";
    const nbf = typeof p['nbf'] === 'number' ? p['nbf'] : NaN;
    const exp = typeof p['exp'] === 'number' ? p['exp'] : NaN;
    const nowS = Date.now() / 1000;
    if (!(exp > nbf) || exp - nbf > 600) return 'nbf and exp must be at most 10 minutes apart';
    if (nowS < nbf - 300 || nowS >= exp) return 'the token is not valid now';
    const s256 = typeof jwt.header['x5t#S256'] === 'string' ? jwt.header['x5t#S256'] : undefined;
    const named = s256 ?? (typeof jwt.header['x5t'] === 'string' ? jwt.header['x5t'] : '');
    const namedBytes = Buffer.from(named.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), 'base64url');
    const now = Date.now();
    const signer = storedKeys(app)
      .map((k) => ({ k, cert: parseCertificateKey(k.key) }))
      .find(({ k, cert }) => cert !== undefined && named !== '' && (s256 !== undefined ? cert.sha256 : cert.sha1).equals(namedBytes) && Date.parse(k.startDateTime) <= now && now < Date.parse(k.endDateTime));
    if (signer?.cert === undefined) return 'it is not signed with a certificate of the application that is valid now';
    const data = Buffer.from(jwt.signingInput);
    const key = signer.cert.x509.publicKey;
    const alg = jwt.header['alg'];
    const ok =
      alg === 'RS256'
        ? verifySignature('sha256', data, key, jwt.signature)
        : alg === 'PS256' && verifySignature('sha256', data, { key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, jwt.signature);
    return ok ? undefined : 'the signature does not verify';
  }

  // ---- federated identity credentials ---------------------------------------------------------------------

  const ficWire = (f: FederatedIdentityCredential): Record<string, unknown> => ({
    audiences: [...f.audiences],
    description: f.description,
    id: f.id,
    issuer: f.issuer,
    name: f.name,
    subject: f.subject,
  }) satisfies GraphFederatedIdentityCredential;

  function validateFic(req: Req, body: Record<string, unknown>, create: boolean): Res | undefined {
    for (const [k, v] of Object.entries(body)) {
      if (k === '@odata.type') continue;
      if (k === 'id') return gErr(req, badRequest("Property 'id' is read-only and cannot be set."));
      if (!['name', 'issuer', 'subject', 'audiences', 'description'].includes(k)) return gErr(req, unknownProperty(k));
      if (k === 'name' && !create) return gErr(req, badRequest("Property 'name' is immutable and cannot be updated."));
      if (k === 'description' && v !== null && (typeof v !== 'string' || v.length > 600)) return gErr(req, invalidValue('description', 'FederatedIdentityCredential'));
    }
    const need = create ? ['name', 'issuer', 'subject', 'audiences'] : [];
    for (const k of need) if (body[k] === undefined || body[k] === null) return gErr(req, invalidValue(k, 'FederatedIdentityCredential'));
    const name = body['name'];
    if (name !== undefined && (typeof name !== 'string' || name.length < 1 || name.length > 120 || /[\s/\\?#%]/.test(name))) {
      return gErr(req, invalidValue('name', 'FederatedIdentityCredential'));
    }
    const issuer = body['issuer'];
    if (issuer !== undefined) {
      let ok = typeof issuer === 'string' && issuer.length <= 600;
      if (ok) {
        try {
          ok = new URL(issuer as string).protocol === 'https:';
        } catch {
          ok = false;
        }
      }
      if (!ok) return gErr(req, invalidValue('issuer', 'FederatedIdentityCredential'));
    }
    const subject = body['subject'];
    if (subject !== undefined && (typeof subject !== 'string' || subject.length < 1 || subject.length > 600)) return gErr(req, invalidValue('subject', 'FederatedIdentityCredential'));
    const aud = body['audiences'];
    if (aud !== undefined && (!Array.isArray(aud) || aud.length !== 1 || typeof aud[0] !== 'string' || aud[0].length < 1 || aud[0].length > 600)) {
      return gErr(req, badRequest("Invalid value specified for property 'audiences' of resource 'FederatedIdentityCredential': exactly one audience is required."));
    }
    return undefined;
  }

  function findFic(app: GraphApp, key: string): FederatedIdentityCredential | undefined {
    return app.federatedIdentityCredentials.find((f) => f.id.toLowerCase() === key.toLowerCase() || f.name === key);
  }

  function fics(req: Req, c: Caller, app: GraphApp, sub: string[]): Res {
    const first = sub[0] ?? '';
    const nameForm = /^federatedIdentityCredentials\(name='((?:[^']|'')*)'\)$/i.exec(first);
    let itemKey: string | undefined;
    if (nameForm) {
      itemKey = (nameForm[1] ?? '').replace(/''/g, "'");
      if (sub.length > 1) return segmentNotFound(req, sub[1] ?? '');
    } else {
      if (sub.length > 2) return segmentNotFound(req, sub[2] ?? '');
      itemKey = sub[1];
    }
    const ctx = `${root()}/$metadata#applications('${app.id}')/federatedIdentityCredentials`;
    if (itemKey === undefined) {
      if (req.method === 'GET') {
        // faults.federatedListLag: a listing right after a POST may not show the credential it made yet.
        const lagging = state.faults.federatedListLag > 0;
        if (lagging) state.faults.federatedListLag -= 1;
        const shown = lagging ? app.federatedIdentityCredentials.slice(0, -1) : app.federatedIdentityCredentials;
        return json(200, { '@odata.context': ctx, value: shown.map(ficWire) });
      }
      if (req.method !== 'POST') return methodNotAllowed(req);
      if (!canWriteApp(c, app)) return forbidden(req);
      const b = jsonBody(req, false);
      if ('res' in b) return b.res;
      const invalid = validateFic(req, b.ok, true);
      if (invalid) return invalid;
      const name = b.ok['name'] as string;
      // Graph: issuer + subject already on the app is 400 InvalidFederatedIdentityCredentialValue; a duplicate name
      // is 409. Which Graph checks first when both hold (a repeated POST) is not documented: the 400 is answered
      // first here, the case a client must read back to tell its own credential from another.
      if (app.federatedIdentityCredentials.some((f) => f.issuer === b.ok['issuer'] && f.subject === b.ok['subject'])) {
        return gErr(req, badRequest('The combination of issuer and subject must be unique.', 'InvalidFederatedIdentityCredentialValue'));
      }
      if (app.federatedIdentityCredentials.some((f) => f.name.toLowerCase() === name.toLowerCase())) {
        return gErr(req, { status: 409, code: 'Request_MultipleObjectsWithSameKeyValue', message: `FederatedIdentityCredential with name ${name} already exists.` });
      }
      if (app.federatedIdentityCredentials.length >= 20) {
        return gErr(req, badRequest('The number of federated identity credentials on the application cannot exceed 20.'));
      }
      const fic: FederatedIdentityCredential = {
        id: guid(),
        name,
        issuer: b.ok['issuer'] as string,
        subject: b.ok['subject'] as string,
        audiences: [...(b.ok['audiences'] as string[])],
        description: typeof b.ok['description'] === 'string' ? b.ok['description'] : null,
      };
      app.federatedIdentityCredentials.push(fic);
      return json(201, { '@odata.context': `${ctx}/$entity`, ...ficWire(fic) }, { location: `${root()}/applications/${app.id}/federatedIdentityCredentials/${fic.id}` });
    }
    const fic = findFic(app, itemKey);
    if (!fic) return notFound(req, itemKey);
    if (req.method === 'GET') return json(200, { '@odata.context': `${ctx}/$entity`, ...ficWire(fic) });
    if (!canWriteApp(c, app)) return forbidden(req);
    if (req.method === 'DELETE') {
      app.federatedIdentityCredentials.splice(app.federatedIdentityCredentials.indexOf(fic), 1);
      return noContent();
    }
    if (req.method === 'PATCH') {
      const b = jsonBody(req, false);
      if ('res' in b) return b.res;
      const invalid = validateFic(req, b.ok, false);
      if (invalid) return invalid;
      if (typeof b.ok['issuer'] === 'string') fic.issuer = b.ok['issuer'];
      if (typeof b.ok['subject'] === 'string') fic.subject = b.ok['subject'];
      if (Array.isArray(b.ok['audiences'])) fic.audiences = [...(b.ok['audiences'] as string[])];
      if ('description' in b.ok) fic.description = (b.ok['description'] as string | null) ?? null;
      return noContent();
    }
    return methodNotAllowed(req);
  }

  // ---- owners ---------------------------------------------------------------------------------------------

  function ownerWire(owner: string): Record<string, unknown> {
    const rot = state.rotators.get(owner.toLowerCase());
    if (rot) {
      return { '@odata.type': '#microsoft.graph.servicePrincipal', id: rot.objectId, appId: rot.clientId, displayName: rot.displayName, servicePrincipalType: 'Application' };
    }
    return { '@odata.type': '#microsoft.graph.directoryObject', id: owner };
  }

  function owners(req: Req, c: Caller, app: GraphApp, sub: string[]): Res {
    if (sub.length === 1) {
      if (req.method !== 'GET') return methodNotAllowed(req);
      return json(200, { '@odata.context': `${root()}/$metadata#directoryObjects`, value: app.owners.map(ownerWire) });
    }
    if (sub.length === 2 && sub[1] === '$ref') {
      if (req.method === 'GET') return json(200, { '@odata.context': `${root()}/$metadata#Collection($ref)`, value: app.owners.map((o) => ({ '@odata.id': `${state.urls.graph}/v2/${state.tenantId}/directoryObjects/${String(ownerWire(o)['id'])}` })) });
      if (req.method !== 'POST') return methodNotAllowed(req);
      // Application.ReadWrite.OwnedBy isn't sufficient to add another owner.
      if (!c.writeAll) return forbidden(req);
      const b = jsonBody(req, false);
      if ('res' in b) return b.res;
      const ref = b.ok['@odata.id'];
      if (typeof ref !== 'string') return gErr(req, invalidValue('@odata.id', 'Application'));
      const [owner] = ownersFromBind([ref]);
      if (owner === undefined || !isGuid(ref.split('/').pop() ?? '')) return gErr(req, badRequest(`Invalid object identifier '${ref}'.`));
      if (app.owners.some((o) => o.toLowerCase() === owner.toLowerCase())) {
        return gErr(req, badRequest("One or more added object references already exist for the following modified properties: 'owners'."));
      }
      app.owners.push(owner);
      return noContent();
    }
    if (sub.length === 3 && sub[2] === '$ref') {
      if (req.method !== 'DELETE') return methodNotAllowed(req);
      if (!c.writeAll) return forbidden(req);
      const id = (sub[1] ?? '').toLowerCase();
      const i = app.owners.findIndex((o) => o.toLowerCase() === id || String(ownerWire(o)['id']).toLowerCase() === id);
      if (i < 0) return notFound(req, sub[1] ?? '');
      app.owners.splice(i, 1);
      return noContent();
    }
    return segmentNotFound(req, sub[1] ?? '');
  }

  // ---- concurrent writes -----------------------------------------------------------------------------------

  /** True when another write to `app` was handled less than the window ago; otherwise this write is recorded. */
  function concurrentWrite(app: GraphApp): boolean {
    const window = state.concurrentWriteWindowMs;
    if (window <= 0) return false;
    const now = Date.now();
    const last = state.lastWriteAt.get(app.id);
    if (last !== undefined && now - last < window) return true;
    state.lastWriteAt.set(app.id, now);
    return false;
  }

  // ---- routing: applications ------------------------------------------------------------------------------

  function applications(req: Req, c: Caller, key: AppKey | undefined, sub: string[]): Res {
    const capped = sub.length === 0 ? keyCredentialsCapped(req) : undefined;
    if (capped !== undefined) return capped;
    if (!key) {
      if (sub.length > 0) return segmentNotFound(req, sub[0] ?? '');
      if (req.method === 'GET') {
        return listCollection(req, 'applications', 'Application', 'application', state.graph.apps.filter((a) => canReadApp(c, a)), APP_FILTER, appWire, APP_SAMPLE);
      }
      if (req.method === 'POST') {
        const b = jsonBody(req, false);
        if ('res' in b) return b.res;
        return createApp(req, c, b.ok, undefined);
      }
      return methodNotAllowed(req);
    }
    // Upsert: PATCH /applications(uniqueName='x') with Prefer: create-if-missing.
    if (key.by === 'uniqueName' && sub.length === 0 && req.method === 'PATCH' && !findApp(key)) {
      const prefer = (header(req.headers, 'prefer') ?? '').toLowerCase();
      if (!prefer.split(',').map((s) => s.trim()).includes('create-if-missing')) return notFound(req, key.value);
      const b = jsonBody(req, false);
      if ('res' in b) return b.res;
      if ('uniqueName' in b.ok) return gErr(req, badRequest("Property 'uniqueName' must not be in the body of an upsert request."));
      return createApp(req, c, b.ok, key.value);
    }
    const action = sub[0];
    const isRead = req.method === 'GET';
    const r = resolveApp(req, c, key, isRead || action === 'federatedIdentityCredentials' || action === 'owners' ? 'read' : 'write');
    if ('res' in r) return r.res;
    const app = r.ok;
    if (!isRead && concurrentWrite(app)) {
      return gErr(req, { status: 409, code: 'Directory_ConcurrencyViolation', message: 'Another update to the same object is in progress. Please retry the request.' });
    }
    if (action === undefined) {
      if (req.method === 'GET') {
        const sel = parseSelect(req, APP_SAMPLE, 'application');
        if ('res' in sel) return sel.res;
        // Graph: keyCredentials' key only "on $select for a single object"; null otherwise.
        const withKeys = sel.ok !== undefined && selectsKeyCredentials(req);
        return json(200, { '@odata.context': `${root()}/$metadata#applications${sel.ok ? `(${sel.ok.join(',')})` : ''}/$entity`, ...project(applicationToWire(app, TENANT_DOMAIN, withKeys), sel.ok) });
      }
      if (req.method === 'PATCH') {
        const b = jsonBody(req, false);
        if ('res' in b) return b.res;
        return updateApp(req, app, b.ok);
      }
      if (req.method === 'DELETE') {
        state.graph.apps.splice(state.graph.apps.indexOf(app), 1);
        const spi = state.graph.servicePrincipals.findIndex((s) => s.appId === app.appId);
        if (spi >= 0) state.graph.servicePrincipals.splice(spi, 1);
        return noContent();
      }
      return methodNotAllowed(req);
    }
    if ((action === 'addPassword' || action === 'microsoft.graph.addPassword') && sub.length === 1) {
      return req.method === 'POST' ? addPassword(req, app) : methodNotAllowed(req);
    }
    if ((action === 'removePassword' || action === 'microsoft.graph.removePassword') && sub.length === 1) {
      return req.method === 'POST' ? removePassword(req, app) : methodNotAllowed(req);
    }
    if ((action === 'removeKey' || action === 'microsoft.graph.removeKey') && sub.length === 1) {
      return req.method === 'POST' ? removeKey(req, app) : methodNotAllowed(req);
    }
    if (action === 'federatedIdentityCredentials' || action.startsWith('federatedIdentityCredentials(')) return fics(req, c, app, sub);
    if (action === 'owners') return owners(req, c, app, sub);
    return segmentNotFound(req, action);
  }

  // ---- routing: service principals ------------------------------------------------------------------------

  const SP_SAMPLE = servicePrincipalToWire(servicePrincipalForApp(newApp('sample', 'AzureADMyOrg'), 'x'));

  function createServicePrincipal(req: Req, c: Caller): Res {
    const b = jsonBody(req, false);
    if ('res' in b) return b.res;
    for (const k of Object.keys(b.ok)) {
      if (k === '@odata.type') continue;
      if (!SERVICE_PRINCIPAL_CREATABLE.includes(k)) return gErr(req, k in SP_SAMPLE ? badRequest(`Property '${k}' is read-only and cannot be set.`) : unknownProperty(k));
    }
    const appId = b.ok['appId'];
    if (typeof appId !== 'string' || !isGuid(appId)) return gErr(req, invalidValue('appId', 'ServicePrincipal'));
    const noBacking = (): Res => {
      const message = `The appId '${appId}' of the service principal does not reference a valid application object.`;
      return gErr(req, { status: 400, code: 'Request_BadRequest', message, details: [{ code: 'NoBackingApplicationObject', message, target: 'appId' }] });
    };
    const lag = state.lag;
    if (lag && lag.appId.toLowerCase() === appId.toLowerCase() && lag.spRemaining > 0) {
      lag.spRemaining -= 1;
      return noBacking();
    }
    if (ownershipLagged(appId)) return forbidden(req);
    const existing = state.graph.servicePrincipals.find((s) => s.appId.toLowerCase() === appId.toLowerCase());
    const app = state.graph.apps.find((a) => a.appId.toLowerCase() === appId.toLowerCase());
    if (!app && !existing) return noBacking();
    if (app && !canWriteApp(c, app)) return forbidden(req);
    if (!app && !c.writeAll) return forbidden(req);
    if (existing || !app) {
      return gErr(req, {
        status: 409,
        code: 'Request_MultipleObjectsWithSameKeyValue',
        message: `The service principal cannot be created, updated, or restored because the service principal name ${appId} is already in use.`,
      });
    }
    const sp = servicePrincipalForApp(app, state.tenantId);
    if (typeof b.ok['accountEnabled'] === 'boolean') sp.accountEnabled = b.ok['accountEnabled'];
    if (typeof b.ok['appRoleAssignmentRequired'] === 'boolean') sp.appRoleAssignmentRequired = b.ok['appRoleAssignmentRequired'];
    if (Array.isArray(b.ok['tags'])) sp.tags = (b.ok['tags'] as unknown[]).filter((t): t is string => typeof t === 'string');
    state.graph.servicePrincipals.push(sp);
    return json(201, { '@odata.context': `${root()}/$metadata#servicePrincipals/$entity`, ...servicePrincipalToWire(sp) }, {
      location: `${state.urls.graph}/v2/${state.tenantId}/directoryObjects/${sp.id}/Microsoft.DirectoryServices.ServicePrincipal`,
    });
  }

  /**
   * GET /servicePrincipals/{id}/ownedObjects and /servicePrincipals(appId='…')/ownedObjects: the applications the
   * service principal owns (a rotator's, or one in the list), paged like any collection. Groups are not modelled.
   * A caller may list its own; others need a read-all permission.
   */
  function ownedObjects(req: Req, c: Caller, key: AppKey): Res {
    if (req.method !== 'GET') return methodNotAllowed(req);
    if (!isGuid(key.value)) return gErr(req, badRequest(`Invalid object identifier '${key.value}'.`));
    const v = key.value.toLowerCase();
    const rotator = [...state.rotators.values()].find((r) => (key.by === 'id' ? r.objectId : r.clientId).toLowerCase() === v);
    const sp = state.graph.servicePrincipals.find((s) => (key.by === 'id' ? s.id : s.appId).toLowerCase() === v);
    if (rotator === undefined && sp === undefined) return notFound(req, key.value);
    const ids = new Set([rotator?.clientId, rotator?.objectId, sp?.appId, sp?.id].filter((x): x is string => x !== undefined).map((x) => x.toLowerCase()));
    const self = rotator !== undefined && rotator.clientId.toLowerCase() === c.clientId.toLowerCase();
    if (!self && !c.readAll) return forbidden(req);
    const apps = state.graph.apps.filter((a) => a.owners.some((o) => ids.has(o.toLowerCase())));
    const typed = (a: GraphApp): Record<string, unknown> => ({ '@odata.type': '#microsoft.graph.application', ...appWire(a) });
    return listCollection(req, 'directoryObjects', 'Application', 'application', apps, APP_FILTER, typed, APP_SAMPLE);
  }

  function servicePrincipals(req: Req, c: Caller, key: AppKey | undefined, sub: string[]): Res {
    if (!key) {
      if (sub.length > 0) return segmentNotFound(req, sub[0] ?? '');
      if (req.method === 'GET') {
        return listCollection(req, 'servicePrincipals', 'ServicePrincipal', 'servicePrincipal', state.graph.servicePrincipals.filter((s) => canReadSp(c, s)), SP_FILTER, servicePrincipalToWire, SP_SAMPLE);
      }
      if (req.method === 'POST') return createServicePrincipal(req, c);
      return methodNotAllowed(req);
    }
    if (sub[0] === 'ownedObjects' && sub.length === 1) return ownedObjects(req, c, key);
    const action = sub[0]?.replace(/^microsoft\.graph\./, '');
    if (sub.length > 1 || (action !== undefined && action !== 'addPassword' && action !== 'removePassword')) return segmentNotFound(req, sub[0] ?? '');
    if (!isGuid(key.value)) return gErr(req, badRequest(`Invalid object identifier '${key.value}'.`));
    const v = key.value.toLowerCase();
    const sp = state.graph.servicePrincipals.find((s) => (key.by === 'id' ? s.id : s.appId).toLowerCase() === v);
    if (!sp) return notFound(req, key.value);
    if (action !== undefined) {
      // A service principal's own passwords (`az ad sp credential reset`), which sign in as the app's do.
      if (req.method !== 'POST') return methodNotAllowed(req);
      if (!canWriteSp(c, sp)) return forbidden(req);
      sp.passwordCredentials ??= [];
      return action === 'addPassword' ? addPassword(req, { passwordCredentials: sp.passwordCredentials, signInAudience: sp.signInAudience }) : removePassword(req, sp as { passwordCredentials: PasswordCredential[] });
    }
    if (req.method === 'GET') {
      if (!canReadSp(c, sp)) return forbidden(req);
      const sel = parseSelect(req, SP_SAMPLE, 'servicePrincipal');
      if ('res' in sel) return sel.res;
      return json(200, { '@odata.context': `${root()}/$metadata#servicePrincipals${sel.ok ? `(${sel.ok.join(',')})` : ''}/$entity`, ...project(servicePrincipalToWire(sp), sel.ok) });
    }
    if (!canWriteSp(c, sp)) return forbidden(req);
    if (req.method === 'DELETE') {
      state.graph.servicePrincipals.splice(state.graph.servicePrincipals.indexOf(sp), 1);
      return noContent();
    }
    if (req.method === 'PATCH') {
      const b = jsonBody(req, false);
      if ('res' in b) return b.res;
      for (const [k, val] of Object.entries(b.ok)) {
        if (k === '@odata.type') continue;
        if (k === 'accountEnabled' && typeof val === 'boolean') sp.accountEnabled = val;
        else if (k === 'appRoleAssignmentRequired' && typeof val === 'boolean') sp.appRoleAssignmentRequired = val;
        else if (k === 'tags' && Array.isArray(val) && val.every((t) => typeof t === 'string')) sp.tags = [...(val)];
        else if (k in SP_SAMPLE) return gErr(req, invalidValue(k, 'ServicePrincipal'));
        else return gErr(req, unknownProperty(k));
      }
      return noContent();
    }
    return methodNotAllowed(req);
  }

  // ---- JSON batching --------------------------------------------------------------------------------------

  const BATCH_LIMIT = 20;

  /** Header names as Graph writes them in batch items (`Content-Type`, `Retry-After`, ...). */
  const canonical = (name: string): string => name.split('-').map((w) => (w === '' ? w : w[0]?.toUpperCase() + w.slice(1))).join('-');

  /** The steps of a batch body, or the 400 Graph answers for the envelope. */
  function batchSteps(req: Req): Result<Array<Record<string, unknown>>> {
    const b = jsonBody(req, false);
    if ('res' in b) return b;
    const requests = b.ok['requests'];
    if (!Array.isArray(requests) || requests.length === 0) return { res: gErr(req, badRequest('Invalid batch payload format.', 'BadRequest')) };
    if (requests.length > BATCH_LIMIT) return { res: gErr(req, badRequest(`Number of requests in a batch exceeds the limit of ${BATCH_LIMIT}.`, 'BadRequest')) };
    const ids = new Set<string>();
    for (const step of requests as unknown[]) {
      if (!isPlainObject(step) || typeof step['id'] !== 'string' || step['id'] === '' || typeof step['method'] !== 'string' || typeof step['url'] !== 'string') {
        return { res: gErr(req, badRequest('Invalid batch payload format.', 'BadRequest')) };
      }
      if (ids.has(step['id'])) return { res: gErr(req, badRequest(`Batch request contains a duplicate id '${step['id']}'.`, 'BadRequest')) };
      ids.add(step['id']);
    }
    return { ok: requests as Array<Record<string, unknown>> };
  }

  /** A step as the request it stands for: its URL relative to the version (`/applications` is `/v1.0/applications`). */
  function innerRequest(req: Req, step: Record<string, unknown>): InnerRequest {
    const url = String(step['url']);
    const headers: Record<string, string> = {};
    if (isPlainObject(step['headers'])) for (const [k, v] of Object.entries(step['headers'])) headers[k.toLowerCase()] = String(v);
    const auth = header(req.headers, 'authorization');
    if (auth !== undefined) headers['authorization'] = auth;
    const body = step['body'];
    if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    return {
      method: String(step['method']).toUpperCase(),
      url: `/v1.0${url.startsWith('/') ? '' : '/'}${url}`,
      headers,
      body: body === undefined ? Buffer.alloc(0) : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8'),
    };
  }

  /**
   * POST /v1.0/$batch: up to 20 steps, each run through this same handler as its own request (logged, faults
   * applied) in the order given, each answered with its own status, headers and body inside a 200. `dependsOn` is
   * accepted and ignored: steps run one after another anyway.
   */
  async function batch(req: Req): Promise<Res> {
    if (req.method !== 'POST') return methodNotAllowed(req);
    if (req.inner === undefined) return gErr(req, badRequest('Nested batch requests are not supported.', 'BadRequest'));
    const steps = batchSteps(req);
    if ('res' in steps) return steps.res;
    const responses: Array<Record<string, unknown>> = [];
    for (const step of steps.ok) {
      const res = await req.inner(innerRequest(req, step));
      const headers = Object.fromEntries(Object.entries(res.headers ?? {}).map(([k, v]) => [canonical(k), v]));
      responses.push({ id: step['id'], status: res.status, headers, ...(res.body === undefined ? {} : { body: res.body }) });
    }
    return json(200, { responses });
  }

  // ---- entry ----------------------------------------------------------------------------------------------

  function parseKeySegment(seg: string, set: string): AppKey | undefined {
    const re = new RegExp(`^${set}\\((appId|uniqueName|id)=(?:'((?:[^']|'')*)'|"([^"]*)")\\)$`, 'i');
    const m = re.exec(seg);
    if (!m) return undefined;
    const by = (m[1] ?? '').toLowerCase() === 'appid' ? 'appId' : (m[1] ?? '').toLowerCase() === 'uniquename' ? 'uniqueName' : 'id';
    return { by, value: (m[2] ?? m[3] ?? '').replace(/''/g, "'") };
  }

  function handle(req: Req): Res | Promise<Res> {
    for (const a of state.graph.apps) fillAppDefaults(a);
    const path = req.pathname;
    const vm = /^\/([^/]*)(\/.*)?$/.exec(path);
    const version = vm?.[1] ?? '';
    if (ARM_COLLECTIONS.has(version)) return handleArm(req, state);
    if (version !== 'v1.0') return gErr(req, badRequest(`Invalid version: ${version}`, 'BadRequest'));
    let segs: string[];
    try {
      segs = (vm?.[2] ?? '').split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
    } catch {
      return gErr(req, badRequest('The request URI is not valid.', 'BadRequest'));
    }
    const first = segs[0];
    if (first === undefined) return json(200, { '@odata.context': `${root()}/$metadata`, value: [{ name: 'applications', kind: 'EntitySet', url: 'applications' }, { name: 'servicePrincipals', kind: 'EntitySet', url: 'servicePrincipals' }] });
    const auth = authenticate(req);
    if ('res' in auth) return auth.res;
    const c = auth.ok;
    if (first === '$batch' && segs.length === 1) return batch(req);
    if (!c.readAll && !c.ownedBy && !c.writeAll) return forbidden(req);
    for (const set of ['applications', 'servicePrincipals']) {
      let key: AppKey | undefined;
      let sub: string[];
      if (first.toLowerCase() === set.toLowerCase()) {
        const id = segs[1];
        key = id === undefined ? undefined : { by: 'id', value: id };
        sub = segs.slice(2);
      } else {
        const k = parseKeySegment(first, set);
        if (!k) continue;
        key = k;
        sub = segs.slice(1);
      }
      if (set === 'applications') return applications(req, c, key, sub);
      if (key?.by === 'uniqueName') return segmentNotFound(req, first);
      return servicePrincipals(req, c, key, sub);
    }
    return segmentNotFound(req, first);
  }

  return {
    service: 'graph',
    requestId: () => guid(),
    principal(req) {
      const m = /^bearer\s+(\S+)\s*$/i.exec(header(req.headers, 'authorization') ?? '');
      const clientId = m?.[1] ? state.accessTokens.get(m[1])?.clientId : undefined;
      return clientId !== undefined && state.rotators.has(clientId.toLowerCase()) ? clientId : undefined;
    },
    commonHeaders(req) {
      return {
        'request-id': req.requestId,
        'client-request-id': clientRequestId(req),
        'x-ms-ags-diagnostic': JSON.stringify({ ServerInfo: { DataCenter: 'Emulator', Slice: 'E', Ring: '1', ScaleUnit: '000', RoleInstance: 'EMU01' } }),
        'strict-transport-security': 'max-age=31536000',
        'cache-control': 'no-cache',
        'x-ms-resource-unit': '1',
      };
    },
    faultResponse(req, status, code) {
      const defaults: Record<number, [string, string]> = {
        400: ['BadRequest', 'Bad request.'],
        401: ['InvalidAuthenticationToken', 'Access token validation failure.'],
        403: ['Authorization_RequestDenied', INSUFFICIENT],
        404: ['Request_ResourceNotFound', 'Resource does not exist or one of its queried reference-property objects are not present.'],
        409: ['Directory_ConcurrencyViolation', 'Another update to the same object is in progress. Please retry the request.'],
        429: ['TooManyRequests', 'Too many requests.'],
        500: ['generalException', 'An internal server error occurred.'],
        502: ['badGateway', 'Bad gateway.'],
        503: ['serviceNotAvailable', 'The service is temporarily unavailable. Please retry later.'],
        504: ['gatewayTimeout', 'The gateway timed out.'],
      };
      const [dc, dm] = defaults[status] ?? ['UnknownError', `HTTP ${status}`];
      return gErr(req, { status, code: code ?? dc, message: dm });
    },
    handle,
  };
}
