/**
 * Microsoft Graph v1.0 through its client: app registrations (one, many at once through JSON batching, or every
 * one of the tenant), their service principals and client secrets.
 */
import { BatchRequestContent, BatchResponseContent, ResponseType, type Client } from '@microsoft/microsoft-graph-client';
// Types only (erased from the bundle): Graph's own names for its properties, so a misspelt one does not compile.
import type {
  ApiApplication,
  Application,
  FederatedIdentityCredential,
  KeyCredential,
  PasswordCredential,
  PermissionScope,
  AppRole,
  ServicePrincipal,
} from '@microsoft/microsoft-graph-types';
import { ServiceError } from '../core/errors';
import { createHash } from 'node:crypto';
import type { AppRegistration, CertificateFormat, CertificateInfo, FederatedCredential, PasswordInfo, RequiredResourceAccess, ResourceApi } from '../core/model';
import type { Directory, Log, NewCertificate } from '../core/ports';
import { Secret } from '../core/secret';
import { makeCertificate, proofOfPossession } from './certificate';
import type { RotatorCredential } from './entra';
import { askedToWait, graphClient, statusRetries, TransportFailure } from './graph-client';
import { backoffMs, retryAfterMs, retryLine, sleep, waitMs, type RetryPolicy } from './retry';
import { untrustedHint } from './tls';

/**
 * What app lookups read: no keyCredentials. Graph allows 150 reads a minute per tenant that select keyCredentials
 * (every batch item counts, a listing page counts 1), so only the expiry report reads certificates.
 */
const APP_FIELDS = 'id,appId,displayName,signInAudience,passwordCredentials,web,spa,publicClient,api,isFallbackPublicClient,requiredResourceAccess,tags,notes';
/**
 * With certificates: the listing of every app (report-scope all: one capped read per 999 apps), and the lookup of a
 * lone app (one capped read, as reading its certificates for the report would be).
 */
const LISTING_FIELDS = `${APP_FIELDS},keyCredentials`;
const CERTIFICATE_FIELDS = 'id,keyCredentials';
/** Values in one `$filter=id in (...)`: Graph's default limit of expressions in a filter clause. */
const IN_FILTER_MAX = 15;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Replication lag after a create lasts seconds, at times tens of seconds: more tries for those answers. */
const LAG_ATTEMPTS = 8;
/** Graph's limit of requests in one JSON batch; and how many batches are in flight at once. */
const BATCH_SIZE = 20;
const BATCHES_IN_FLIGHT = 3;
/** Batch items worth another try (all are reads): what the RetryHandler retries, and 500/502. */
const ITEM_RETRY_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);
/** Writes to one app are this far apart at least (capped by the retry base, which tests shorten). */
const WRITE_GAP_MS = 1000;

/** An app to find: by client ID (preferred when both are given) or by exact display name. */
export interface AppRef {
  appId?: string;
  name?: string;
}

/** One read carried in a JSON batch: its id in the batch, the request, and what it is doing (for messages). */
interface BatchItem {
  id: string;
  path: string;
  doing: string;
}

/** One lookup of findApps, and which ref it answers. */
interface Lookup extends BatchItem {
  ref: AppRef;
}

const byAppIdPath = (appId: string, fields = APP_FIELDS): string => `/applications(appId=${enc(odataString(appId))})?$select=${fields}`;
const byNamePath = (name: string, fields = APP_FIELDS): string => `/applications?$filter=${enc(`displayName eq ${odataString(name)}`)}&$select=${fields}`;
const readingAppId = (appId: string): string => `reading the app registration with client ID ${appId}`;
const lookingUpName = (name: string): string => `looking up app registrations named '${name}'`;

function lookupOf(ref: AppRef, id: string): Lookup {
  if (ref.appId !== undefined) return { id, path: byAppIdPath(ref.appId), doing: readingAppId(ref.appId), ref };
  if (ref.name !== undefined) return { id, path: byNamePath(ref.name), doing: lookingUpName(ref.name), ref };
  throw new Error('internal: an app reference needs a client ID or a name');
}

/**
 * A Graph payload as we read or send it: `S` names only properties of Graph's type `T` (a misspelt one is a
 * compile error), each of a type `T` allows, narrowed to what Graph always returns (the types package marks
 * everything optional and nullable).
 */
type Wire<T, S extends { [K in keyof S]: K extends keyof T ? T[K] : never }> = S;

type GraphPassword = Wire<
  PasswordCredential,
  { keyId: string; displayName: string | null; hint: string | null; startDateTime: string; endDateTime: string; secretText?: string | null }
>;

type GraphCertificate = Wire<KeyCredential, { keyId: string; displayName?: string | null; type?: string | null; customKeyIdentifier?: string | null; startDateTime: string; endDateTime: string }>;

type GraphApp = Wire<
  Application,
  {
    id: string;
    appId: string;
    displayName: string;
    signInAudience: string;
    passwordCredentials?: GraphPassword[];
    keyCredentials?: GraphCertificate[];
    web?: { redirectUris?: string[] } | null;
    spa?: { redirectUris?: string[] } | null;
    publicClient?: { redirectUris?: string[] } | null;
    api?: (ApiApplication & Record<string, unknown>) | null;
    isFallbackPublicClient?: boolean | null;
    requiredResourceAccess?: RequiredResourceAccess[];
    tags?: string[];
    notes?: string | null;
  }
>;

/**
 * One certificate as a single-app read selecting keyCredentials shows it, `key` (the base64 DER) included: the
 * entry is sent back in a PATCH as it was read. Only `key` and `keyId` are relied on.
 */
type GraphKey = Wire<
  KeyCredential,
  { keyId: string; key?: string | null; type?: string | null; usage?: string | null; displayName?: string | null; customKeyIdentifier?: string | null; startDateTime: string; endDateTime: string }
>;

/** A new certificate as PATCHed: no keyId (Graph assigns it), no customKeyIdentifier (Graph takes the thumbprint). */
type GraphNewKey = Wire<KeyCredential, { type: string; usage: string; key: string; displayName: string; startDateTime: string; endDateTime: string }>;

/** What the certificate reads of the expiry report select. */
type GraphAppCertificates = Wire<Application, { id: string; keyCredentials?: GraphCertificate[] }>;

type GraphServicePrincipal = Wire<
  ServicePrincipal,
  {
    appId: string;
    displayName: string;
    oauth2PermissionScopes?: Array<Wire<PermissionScope, { id: string; value: string; isEnabled?: boolean }>>;
    appRoles?: Array<Wire<AppRole, { id: string; value: string | null; isEnabled?: boolean; allowedMemberTypes?: string[] }>>;
  }
>;

/** Federated credentials as read and sent: the core's shape, whose names are Graph's. */
type GraphFederatedCredential = Wire<FederatedIdentityCredential, FederatedCredential>;

interface GraphErrorBody {
  error?: { code?: string; message?: string; innerError?: { 'request-id'?: string }; details?: Array<{ code?: string }> };
}

const toPassword = (p: GraphPassword): PasswordInfo => ({
  keyId: p.keyId,
  displayName: p.displayName,
  hint: p.hint,
  startDateTime: new Date(p.startDateTime),
  endDateTime: new Date(p.endDateTime),
});

const toCertificates = (keys: readonly GraphCertificate[] | undefined): CertificateInfo[] =>
  (keys ?? []).map((k) => {
    const thumbprint = thumbprintOf(k.customKeyIdentifier);
    return {
      keyId: k.keyId,
      displayName: k.displayName ?? null,
      type: k.type ?? null,
      startDateTime: new Date(k.startDateTime),
      endDateTime: new Date(k.endDateTime),
      ...(thumbprint === undefined ? {} : { thumbprint }),
    };
  });

/**
 * The SHA-1 thumbprint (40 upper-case hex digits, as the portal shows it) in a customKeyIdentifier, which Graph
 * defaults to the thumbprint: Edm.Binary, so base64 of its 20 bytes on the wire; 40 hex digits are taken as they
 * are (the form Graph's "add a certificate" example sends). Anything else (a custom identifier) is not one.
 */
export function thumbprintOf(customKeyIdentifier: string | null | undefined): string | undefined {
  if (customKeyIdentifier === null || customKeyIdentifier === undefined) return undefined;
  if (/^[0-9a-f]{40}$/i.test(customKeyIdentifier)) return customKeyIdentifier.toUpperCase();
  const bytes = Buffer.from(customKeyIdentifier, 'base64');
  return bytes.length === 20 && bytes.toString('base64') === customKeyIdentifier ? bytes.toString('hex').toUpperCase() : undefined;
}

/** The app as read. Certificates only when they were selected: absent is "not read", never "none". */
const toApp = (a: GraphApp): AppRegistration => ({
  id: a.id,
  appId: a.appId,
  displayName: a.displayName,
  signInAudience: a.signInAudience,
  passwordCredentials: (a.passwordCredentials ?? []).map(toPassword),
  ...(a.keyCredentials === undefined ? {} : { keyCredentials: toCertificates(a.keyCredentials) }),
  settings: {
    signInAudience: a.signInAudience,
    webRedirectUris: a.web?.redirectUris ?? [],
    spaRedirectUris: a.spa?.redirectUris ?? [],
    publicClientRedirectUris: a.publicClient?.redirectUris ?? [],
    isFallbackPublicClient: a.isFallbackPublicClient ?? null,
    requiredResourceAccess: a.requiredResourceAccess ?? [],
    tags: a.tags ?? [],
    notes: a.notes ?? null,
    raw: {
      ...(a.web ? { web: a.web } : {}),
      ...(a.spa ? { spa: a.spa } : {}),
      ...(a.publicClient ? { publicClient: a.publicClient } : {}),
      ...(a.api ? { api: a.api } : {}),
    },
  },
});

/** OData string literal: single quotes doubled. */
export const odataString = (value: string): string => `'${value.replace(/'/g, "''")}'`;

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** What came back, the body read. */
interface GraphResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface Call {
  method: Method;
  path: string;
  body?: unknown;
  doing: string;
  idempotent?: boolean;
  /** The call addresses an object this run created: retry replication-lag answers. */
  lagging?: boolean;
  /** The object id of the app this call writes: writes to one app go one at a time, spaced. */
  writes?: string;
  /** More answers worth another try for this call. */
  retryAlso?: (response: GraphResponse) => string | undefined;
}

export class GraphDirectory implements Directory {
  readonly #client: Client;
  readonly #root: string;
  readonly #credential: RotatorCredential;
  readonly #log: Log;
  /** Objects this run created: only these get the replication-lag retries. */
  readonly #created = new Set<string>();
  /** Client secrets this run added: "no such key" for one of them may be replication lag. */
  readonly #addedKeys = new Set<string>();
  /** Certificates this run added, by keyId (lower-case): to put one back (keepCertificate) and to sign removeKey proofs. */
  readonly #addedCertificates = new Map<string, AddedCertificate>();
  readonly #policy: RetryPolicy;
  /** Graph's origin: batch steps are built from URLs under it (the SDK keeps their path and query). */
  readonly #origin: string;
  /** Per app (object id), when its last write ended; each write waits for the one before it. */
  readonly #lastWrites = new Map<string, Promise<number>>();

  constructor(graphEndpoint: string, credential: RotatorCredential, log: Log, policy: RetryPolicy) {
    this.#policy = policy;
    this.#client = graphClient(graphEndpoint, credential, policy);
    this.#root = `${graphEndpoint}/v1.0`;
    this.#origin = new URL(graphEndpoint).origin;
    this.#credential = credential;
    this.#log = log;
  }

  async appByAppId(appId: string, fields = APP_FIELDS): Promise<AppRegistration | undefined> {
    const r = await this.#call({ method: 'GET', path: byAppIdPath(appId, fields), doing: readingAppId(appId) }, [404]);
    return r.status === 404 ? undefined : toApp(json<GraphApp>(r));
  }

  async appsByName(displayName: string, fields = APP_FIELDS): Promise<AppRegistration[]> {
    return this.#pages(byNamePath(displayName, fields), lookingUpName(displayName));
  }

  async allApps(): Promise<AppRegistration[]> {
    const apps = await this.#pages(`/applications?$select=${LISTING_FIELDS}&$top=999`, 'listing the app registrations of the tenant');
    this.#log.info(`Read ${apps.length} app registration${apps.length === 1 ? '' : 's'} of the tenant`);
    return apps;
  }

  async findApps(refs: ReadonlyArray<AppRef>): Promise<AppRegistration[][]> {
    const lookups = refs.map((ref, i) => lookupOf(ref, String(i + 1)));
    const [only] = lookups;
    // One app is one plain request, as appByAppId or appsByName make it.
    if (lookups.length === 1 && only !== undefined) return [await this.#findOne(only.ref)];
    const replies = new Map<string, GraphResponse>();
    await inPool(chunks(lookups, BATCH_SIZE), BATCHES_IN_FLIGHT, async (batch) => {
      for (const [id, reply] of await this.#batch(batch, `looking up ${batch.length} app registrations in one batch`)) replies.set(id, reply);
    });
    const found: AppRegistration[][] = [];
    // In order, so that the first failing ref is the one reported.
    for (const lookup of lookups) found.push(await this.#found(lookup, replies.get(lookup.id)));
    return found;
  }

  async certificates(apps: readonly AppRegistration[]): Promise<Map<string, CertificateInfo[]>> {
    const found = new Map<string, CertificateInfo[]>();
    // An app this run created has only what the run gave it: no certificate.
    for (const app of apps) if (this.#created.has(app.id)) found.set(app.id, []);
    const unread = apps.filter((a) => !found.has(a.id));
    const [only] = unread;
    if (unread.length === 1 && only !== undefined) {
      const doing = `reading the certificates of '${only.displayName}' (client ID ${only.appId})`;
      const r = await this.#call({ method: 'GET', path: `/applications/${enc(only.id)}?$select=${CERTIFICATE_FIELDS}`, doing }, [404]);
      if (r.status !== 404) found.set(only.id, toCertificates(json<GraphAppCertificates>(r).keyCredentials));
      return found;
    }
    const reads: BatchItem[] = chunks(unread, IN_FILTER_MAX).map((group, i) => ({
      id: String(i + 1),
      path: `/applications?$filter=${enc(`id in (${group.map((a) => odataString(a.id)).join(',')})`)}&$select=${CERTIFICATE_FIELDS}`,
      doing: `reading the certificates of ${group.length} app registration${group.length === 1 ? '' : 's'} (${group.map((a) => `'${a.displayName}'`).join(', ')})`,
    }));
    const replies = new Map<string, GraphResponse>();
    await inPool(chunks(reads, BATCH_SIZE), BATCHES_IN_FLIGHT, async (batch) => {
      for (const [id, reply] of await this.#batch(batch, `reading the certificates of app registrations in one batch of ${batch.length}`)) replies.set(id, reply);
    });
    for (const read of reads) {
      for (const app of await this.#batchPages<GraphAppCertificates>(read, replies.get(read.id))) found.set(app.id, toCertificates(app.keyCredentials));
    }
    return found;
  }

  /** Every item of a batched listing: its reply read, and any further page fetched. */
  async #batchPages<T>(read: BatchItem, reply: GraphResponse | undefined): Promise<T[]> {
    if (reply === undefined) {
      throw new ServiceError({ service: 'Microsoft Graph', doing: read.doing, detail: 'the batch reply had no answer for this request', hint: 'run again' });
    }
    if (reply.status < 200 || reply.status >= 300) throw graphError(reply, read.doing);
    const page = json<{ value: T[]; '@odata.nextLink'?: string }>(reply);
    const next = page['@odata.nextLink'];
    return [...page.value, ...(next === undefined ? [] : await this.#values<T>(next, read.doing))];
  }

  /**
   * One app's lookup, with its certificates: the expiry report would read them with a request of its own, which
   * counts against Graph's cap on keyCredentials as this one does. So a run for one app stays one request.
   */
  async #findOne(ref: AppRef): Promise<AppRegistration[]> {
    if (ref.appId !== undefined) {
      const app = await this.appByAppId(ref.appId, LISTING_FIELDS);
      return app === undefined ? [] : [app];
    }
    const name = ref.name ?? '';
    return (await this.appsByName(name, LISTING_FIELDS)).filter((a) => a.displayName === name);
  }

  /** The apps one batched lookup found: its reply read, and any further page of a name's matches fetched. */
  async #found(lookup: Lookup, reply: GraphResponse | undefined): Promise<AppRegistration[]> {
    if (reply === undefined) {
      throw new ServiceError({ service: 'Microsoft Graph', doing: lookup.doing, detail: 'the batch reply had no answer for this request', hint: 'run again' });
    }
    const { appId, name } = lookup.ref;
    if (appId !== undefined && reply.status === 404) return [];
    if (reply.status < 200 || reply.status >= 300) throw graphError(reply, lookup.doing);
    if (appId !== undefined) return [toApp(json<GraphApp>(reply))];
    const page = json<{ value: GraphApp[]; '@odata.nextLink'?: string }>(reply);
    const next = page['@odata.nextLink'];
    const apps = [...page.value.map(toApp), ...(next === undefined ? [] : await this.#pages(next, lookup.doing))];
    // Graph compares display names without regard to case: the lookup is by the exact name.
    return apps.filter((a) => a.displayName === name);
  }

  /**
   * One JSON batch of lookups, answered. Items that failed for a reason worth another try (a 429 with its own
   * Retry-After, a 5xx) are sent again, alone, after the wait they asked for (or the policy's backoff), within
   * the policy's tries: the Graph client's RetryHandler sees only the envelope.
   */
  async #batch(items: BatchItem[], doing: string): Promise<Map<string, GraphResponse>> {
    const settled = new Map<string, GraphResponse>();
    let pending = items;
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      const replies = await this.#postBatch(pending, doing);
      const again = pending.filter((l) => {
        const reply = replies.get(l.id);
        if (reply !== undefined && attempt < this.#policy.attempts && this.#itemWorthRetrying(reply)) return true;
        if (reply !== undefined) settled.set(l.id, reply);
        return false;
      });
      if (again.length > 0) await this.#waitForItems(again, replies, attempt);
      pending = again;
    }
    return settled;
  }

  #itemWorthRetrying(reply: GraphResponse): boolean {
    const asked = retryAfterMs(reply.headers);
    return ITEM_RETRY_STATUSES.has(reply.status) && (asked === undefined || asked <= this.#policy.maxWaitMs);
  }

  /** Waits as long as the longest wait a failed item asked for (else the backoff), and says so. */
  async #waitForItems(again: BatchItem[], replies: Map<string, GraphResponse>, attempt: number): Promise<void> {
    let wait = 0;
    let why = '';
    for (const l of again) {
      const reply = replies.get(l.id);
      if (reply === undefined) continue;
      const asked = retryAfterMs(reply.headers);
      const mine = waitMs(this.#policy, asked, attempt);
      if (mine >= wait) {
        wait = mine;
        why = `HTTP ${reply.status}${asked === undefined ? '' : `: ${askedToWait(reply.status, asked)}`}`;
      }
    }
    const [first] = again;
    const what = `${first?.doing ?? ''}${again.length > 1 ? ` and ${again.length - 1} more batched request${again.length > 2 ? 's' : ''}` : ''}`;
    this.#log.info(retryLine(what, wait, attempt + 1, this.#policy.attempts, why));
    await sleep(wait);
  }

  /** POST /$batch with these reads (built and read with the SDK's batch content classes): each item's reply by id. */
  async #postBatch(items: BatchItem[], doing: string): Promise<Map<string, GraphResponse>> {
    const content = new BatchRequestContent(items.map((l) => ({ id: l.id, request: new Request(`${this.#origin}${l.path}`) })));
    const r = await this.#call({
      method: 'POST',
      path: '/$batch',
      body: await content.getContent(),
      doing,
      // Every item is a read.
      idempotent: true,
    });
    const replies = new Map<string, GraphResponse>();
    for (const [id, response] of new BatchResponseContent(json(r)).getResponses()) {
      replies.set(id, { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() });
    }
    return replies;
  }

  /** Every app of every page, from `path` on (a path under the version root, or a nextLink). */
  async #pages(path: string, doing: string): Promise<AppRegistration[]> {
    return (await this.#values<GraphApp>(path, doing)).map(toApp);
  }

  /** Every item of every page, from `path` on (a path under the version root, or a nextLink). */
  async #values<T>(path: string, doing: string): Promise<T[]> {
    const values: T[] = [];
    let next: string | undefined = path;
    while (next !== undefined) {
      const page: { value: T[]; '@odata.nextLink'?: string } = json(await this.#call({ method: 'GET', path: next, doing }));
      values.push(...page.value);
      const link = page['@odata.nextLink'];
      next = link === undefined ? undefined : link.startsWith(this.#root) ? link.slice(this.#root.length) : link;
    }
    return values;
  }

  async createApp(displayName: string, signInAudience: string, properties: Record<string, unknown>): Promise<AppRegistration> {
    const doing = `creating the app registration '${displayName}'`;
    let app: AppRegistration | undefined;
    for (let attempt = 1; app === undefined; attempt += 1) {
      try {
        const r = await this.#call({ method: 'POST', path: '/applications', body: { ...properties, displayName, signInAudience }, doing });
        app = toApp(json<GraphApp>(r));
      } catch (error) {
        // Creating is not idempotent: after a lost answer or a server error the app may exist. Look for it (there
        // was none before) before creating again, never blindly.
        if (!(error instanceof ServiceError && error.details.outcomeUnknown === true) || attempt >= 3) throw error;
        this.#log.warning(`No clear answer came to ${doing} (${error.details.status === undefined ? 'no response' : `HTTP ${error.details.status}`}); checking whether it was created anyway`);
        app = await this.#findCreated(displayName);
        if (app === undefined) this.#log.info(`No app registration named '${displayName}' exists: creating it again`);
      }
    }
    this.#created.add(app.id);
    this.#created.add(app.appId);
    return app;
  }

  /** The app a create whose outcome is unknown may have made. List queries can lag a new app: look a few times. */
  async #findCreated(displayName: string): Promise<AppRegistration | undefined> {
    for (let attempt = 1; attempt <= LAG_ATTEMPTS; attempt += 1) {
      const found = (await this.appsByName(displayName)).filter((a) => a.displayName === displayName);
      if (found.length > 0) return found[0];
      if (attempt < LAG_ATTEMPTS) await sleep(backoffMs(this.#policy, attempt));
    }
    return undefined;
  }

  async updateApp(app: AppRegistration, patch: Record<string, unknown>): Promise<void> {
    await this.#call({
      method: 'PATCH',
      path: `/applications/${enc(app.id)}`,
      body: patch,
      doing: `updating ${Object.keys(patch).join(', ')} of '${app.displayName}' (client ID ${app.appId})`,
      lagging: this.#created.has(app.id),
      writes: app.id,
    });
  }

  async resourceApis(api: string): Promise<ResourceApi[]> {
    const filter = GUID.test(api) ? `appId eq ${odataString(api.toLowerCase())}` : `displayName eq ${odataString(api)}`;
    const r = await this.#call({
      method: 'GET',
      path: `/servicePrincipals?$filter=${enc(filter)}&$select=appId,displayName,oauth2PermissionScopes,appRoles`,
      doing: `looking up the API '${api}' (its service principal)`,
    });
    return json<{ value: GraphServicePrincipal[] }>(r)
      .value.filter((sp) => GUID.test(api) || sp.displayName === api)
      .map((sp) => ({
        appId: sp.appId,
        displayName: sp.displayName,
        scopes: (sp.oauth2PermissionScopes ?? []).filter((s) => s.isEnabled !== false).map((s) => ({ id: s.id, value: s.value })),
        roles: (sp.appRoles ?? [])
          .filter((role) => role.isEnabled !== false && role.value !== null && (role.allowedMemberTypes ?? ['Application']).includes('Application'))
          .map((role) => ({ id: role.id, value: role.value ?? '' })),
      }));
  }

  async federatedCredentials(app: AppRegistration): Promise<FederatedCredential[]> {
    const r = await this.#call({
      method: 'GET',
      path: `/applications/${enc(app.id)}/federatedIdentityCredentials`,
      doing: `reading the federated credentials of '${app.displayName}'`,
      lagging: this.#created.has(app.id),
    });
    return json<{ value: FederatedCredential[] }>(r).value;
  }

  async addFederatedCredential(app: AppRegistration, credential: Omit<FederatedCredential, 'id'>): Promise<void> {
    const doing = `adding the federated credential '${credential.name}' (${credential.subject}) to '${app.displayName}'`;
    const body: Omit<GraphFederatedCredential, 'id'> = credential;
    // Graph answers a credential that exists already with 409 (the same name) or 400
    // InvalidFederatedIdentityCredentialValue (the same issuer and subject): after a repeated try whose first
    // answer was lost, that is the goal; otherwise it is someone else's credential.
    const r = await this.#call(
      {
        method: 'POST',
        path: `/applications/${enc(app.id)}/federatedIdentityCredentials`,
        body,
        doing,
        lagging: this.#created.has(app.id),
        idempotent: true,
        writes: app.id,
      },
      [400, 409],
    );
    if (r.status === 400 && !isDuplicateSubject(r)) throw graphError(r, doing);
    if (r.status === 400 || r.status === 409) await this.#sameFederatedThere(app, credential, r, doing);
  }

  /**
   * Resolves when the app holds exactly this credential (name, issuer, subject, audiences); else fails naming the
   * one in the way. A listing right after the POST that made it may not show it yet (replication lag): while it
   * shows neither ours nor one in the way, it is read again, a few times.
   */
  async #sameFederatedThere(app: AppRegistration, credential: Omit<FederatedCredential, 'id'>, r: GraphResponse, doing: string): Promise<void> {
    const sameAudiences = (f: FederatedCredential): boolean =>
      f.audiences.length === credential.audiences.length && f.audiences.every((a) => credential.audiences.includes(a));
    const same = (f: FederatedCredential): boolean => f.name === credential.name && f.issuer === credential.issuer && f.subject === credential.subject && sameAudiences(f);
    const inTheWayOf = (existing: FederatedCredential[]): FederatedCredential | undefined =>
      existing.find((f) => f.issuer === credential.issuer && f.subject === credential.subject) ?? existing.find((f) => f.name === credential.name);
    let existing = await this.federatedCredentials(app);
    for (let attempt = 1; attempt < LAG_ATTEMPTS && !existing.some(same) && inTheWayOf(existing) === undefined; attempt += 1) {
      await sleep(backoffMs(this.#policy, attempt));
      existing = await this.federatedCredentials(app);
    }
    if (existing.some(same)) return;
    const inTheWay = inTheWayOf(existing);
    const hint =
      inTheWay === undefined
        ? 'Graph answered that such a credential exists, yet the app lists none: run again'
        : `the app already has the federated credential '${inTheWay.name}' (id ${inTheWay.id}, issuer ${inTheWay.issuer}, subject ${inTheWay.subject}, audiences ${inTheWay.audiences.join(' ')}), which this action did not make as '${credential.name}'; Graph allows one credential per issuer and subject, and one per name: remove or rename that credential, or leave the subject out of federated-subjects`;
    throw new ServiceError({ ...graphError(r, doing).details, hint });
  }

  async removeFederatedCredential(app: AppRegistration, credential: FederatedCredential): Promise<void> {
    await this.#call(
      {
        method: 'DELETE',
        path: `/applications/${enc(app.id)}/federatedIdentityCredentials/${enc(credential.id)}`,
        doing: `removing the federated credential '${credential.name}' (${credential.subject}) from '${app.displayName}'`,
        lagging: this.#created.has(app.id),
        writes: app.id,
      },
      [404],
    );
  }

  async servicePrincipalExists(app: AppRegistration): Promise<boolean> {
    const r = await this.#call(
      { method: 'GET', path: `/servicePrincipals(appId=${enc(odataString(app.appId))})?$select=id`, doing: `reading the service principal of '${app.displayName}' (client ID ${app.appId})` },
      [404],
    );
    return r.status !== 404;
  }

  async createServicePrincipal(app: AppRegistration): Promise<void> {
    const created = this.#created.has(app.appId);
    const body: Wire<ServicePrincipal, { appId: string }> = { appId: app.appId };
    // 409: it exists already (made meanwhile, or by a try whose answer was lost): that is the goal.
    await this.#call(
      {
        method: 'POST',
        path: '/servicePrincipals',
        body,
        doing: `creating the service principal (enterprise application) of '${app.displayName}' (client ID ${app.appId})`,
        lagging: created,
        idempotent: true,
        // Right after the create, Graph may not know yet that the rotator owns the new app: 403 for a few seconds.
        // Only for an app this run created; for any other app a 403 is final.
        ...(created ? { retryAlso: (res: GraphResponse) => (isDenied(res) ? "replication lag on the new app (the rotator's ownership of it)" : undefined) } : {}),
      },
      [409],
    );
  }

  async addPassword(app: AppRegistration, displayName: string, endDateTime: Date): Promise<{ info: PasswordInfo; value: Secret }> {
    const doing = `adding a client secret to '${app.displayName}' (client ID ${app.appId})`;
    const r = await this.#call({
      method: 'POST',
      path: `/applications/${enc(app.id)}/addPassword`,
      body: { passwordCredential: { displayName, endDateTime: endDateTime.toISOString() } satisfies Wire<PasswordCredential, { displayName: string; endDateTime: string }> },
      doing,
      lagging: this.#created.has(app.id),
      writes: app.id,
    });
    const reply = json<GraphPassword>(r);
    const text = reply.secretText;
    if (typeof text !== 'string' || text === '') {
      throw new ServiceError({ service: 'Microsoft Graph', doing, status: r.status, requestId: r.headers['request-id'], detail: 'the reply carried no secretText' });
    }
    // Masked the moment it exists.
    this.#log.mask(text);
    this.#addedKeys.add(reply.keyId);
    return { info: toPassword(reply), value: new Secret(text) };
  }

  async removePassword(app: AppRegistration, keyId: string): Promise<void> {
    const doing = `removing client secret ${keyId} from '${app.displayName}' (client ID ${app.appId})`;
    const justAdded = this.#addedKeys.has(keyId);
    // Repeating a removal is harmless. "No such key" means a repeat whose first answer was lost, or replication
    // lag on a key added moments ago: for a key this run knows it added, asked again; for every key, read to confirm.
    const r = await this.#call(
      {
        method: 'POST',
        path: `/applications/${enc(app.id)}/removePassword`,
        body: { keyId },
        doing,
        lagging: this.#created.has(app.id) || justAdded,
        idempotent: true,
        writes: app.id,
        ...(justAdded ? { retryAlso: (res: GraphResponse) => (isNoSuchKey(res) ? 'replication lag on the new client secret' : undefined) } : {}),
      },
      [400],
    );
    if (r.status === 400 && !isNoSuchKey(r)) throw graphError(r, doing);
    if (r.status !== 400) return;
    // "No such key" is confirmed by a read, for every key: one this run added may have come back in an answer that
    // was lost (rotate.ts removes such strays), and it lags like any new key. Still there: it is lag, so the key is
    // removed again as a just-added one (retried, then read), once.
    const now = await this.appByAppId(app.appId);
    if (now?.passwordCredentials.some((p) => p.keyId === keyId) !== true) return;
    if (!justAdded) {
      this.#addedKeys.add(keyId);
      return this.removePassword(app, keyId);
    }
    throw new ServiceError({ ...graphError(r, doing).details, hint: 'Graph answered that the app has no such key, yet a read still shows it: run again' });
  }

  /**
   * Makes a certificate (adapters/certificate.ts: masked the moment it exists) valid until `endDateTime`, its CN the
   * app's name, and adds it to keyCredentials (#replaceKeys: every other certificate sent back as read, then the app
   * read back).
   */
  async addCertificate(app: AppRegistration, displayName: string, endDateTime: Date, format: CertificateFormat): Promise<NewCertificate> {
    const doing = `adding a certificate to '${app.displayName}' (client ID ${app.appId})`;
    const now = new Date();
    const lifetimeDays = Math.max(1, Math.round((endDateTime.getTime() - now.getTime()) / DAY_MS));
    const made = await makeCertificate({ commonName: app.displayName, lifetimeDays, now, format, mask: (v) => this.#log.mask(v) });
    const der = made.certificateDer;
    // The certificate is valid from a few minutes before now (clock skew); the credential starts at the second its
    // days are counted from, so that its lifetime, which a tenant's policy may cap, is the days asked for.
    const entry: GraphNewKey = {
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
      key: der.toString('base64'),
      displayName,
      startDateTime: new Date(made.endDateTime.getTime() - lifetimeDays * DAY_MS).toISOString(),
      endDateTime: made.endDateTime.toISOString(),
    };
    const ours = (k: GraphKey): boolean => sameBytes(k, der);
    const after = await this.#replaceKeys(app, doing, {
      change: (current) => [...current, entry],
      done: (keys) => keys.some(ours),
      keeps: () => true,
      lifetimeDays,
    });
    const [key] = after.keys.filter(ours);
    const [info] = toCertificates(key === undefined ? [] : [key]);
    if (key === undefined || info === undefined) throw new Error('internal: the new certificate is not in the keys read back');
    this.#addedCertificates.set(key.keyId.toLowerCase(), { appObjectId: app.id, entry: { ...entry, keyId: key.keyId }, der, x5t: made.x5t, pem: made.pem });
    return { info: { ...info, thumbprint: made.thumbprintSha1 }, value: made.value, pem: made.pem };
  }

  /**
   * A certificate this run added is still on the app, or is put back with the same bytes and keyId (#replaceKeys):
   * another writer's PATCH of keyCredentials, built from a read taken before ours landed, drops it silently.
   */
  async keepCertificate(app: AppRegistration, keyId: string): Promise<'there' | 'restored'> {
    const mine = this.#addedCertificates.get(keyId.toLowerCase());
    if (mine === undefined) throw new Error(`internal: certificate ${keyId} was not added by this run`);
    const doing = `checking that certificate ${keyId} is still on '${app.displayName}' (client ID ${app.appId})`;
    const ours = (k: GraphKey): boolean => sameBytes(k, mine.der);
    const { changed } = await this.#replaceKeys(app, doing, { change: (current) => [...current.filter((k) => !ours(k)), mine.entry], done: (keys) => keys.some(ours), keeps: () => true });
    return changed ? 'restored' : 'there';
  }

  /**
   * Removes one certificate; one that is gone already is success. With a certificate this run added to the app (not
   * the one removed), by removeKey with a proof signed by it: Graph removes that key alone, so a certificate another
   * writer added meanwhile cannot be lost. Otherwise, or when Graph refuses the proof (a certificate added seconds
   * ago may not be seen yet), by #replaceKeys: every other certificate sent back as read.
   */
  async removeCertificate(app: AppRegistration, keyId: string): Promise<void> {
    const doing = `removing certificate ${keyId} from '${app.displayName}' (client ID ${app.appId})`;
    const signer = [...this.#addedCertificates.values()].find((c) => c.appObjectId === app.id && c.entry.keyId.toLowerCase() !== keyId.toLowerCase());
    if (signer !== undefined && (await this.#removeKey(app, keyId, signer, doing))) return;
    const other = (k: GraphKey): boolean => k.keyId.toLowerCase() !== keyId.toLowerCase();
    await this.#replaceKeys(app, doing, { change: (current) => current.filter(other), done: (keys) => keys.every(other), keeps: other });
  }

  /**
   * POST removeKey with a proof signed by `signer`; repeating it is harmless (a key already gone is "no such key").
   * True when Graph removed it; false when it answered 4xx (no such key, or the proof refused): the caller then reads
   * the app and removes by PATCH if the key is still there.
   */
  async #removeKey(app: AppRegistration, keyId: string, signer: AddedCertificate, doing: string): Promise<boolean> {
    const body = { keyId, proof: proofOfPossession(signer.pem, signer.x5t, app.id, new Date()) };
    try {
      await this.#call({ method: 'POST', path: `/applications/${enc(app.id)}/removeKey`, body, doing, idempotent: true, lagging: this.#created.has(app.id), writes: app.id });
      return true;
    } catch (error) {
      if (!(error instanceof ServiceError) || error.details.status === undefined || error.details.status >= 500 || error.details.status === 429) throw error;
      this.#log.info(`${doing}: removeKey answered ${error.details.status}${error.details.code === undefined ? '' : ` ${error.details.code}`}; removing it by a PATCH of keyCredentials instead`);
      return false;
    }
  }

  /**
   * A change to keyCredentials, which Graph replaces whole (no ETag): read them with their bytes, PATCH the
   * changed list, read back. A PATCH whose answer was lost is never sent blindly again: the read back tells
   * whether it took effect, and only if not is it sent again, built from that read. Every certificate that was
   * there and is to stay must be there after, with the same bytes (#keptOrRestored). Resolves with the keys read back,
   * and whether a PATCH was needed.
   */
  async #replaceKeys(app: AppRegistration, doing: string, plan: KeyPlan): Promise<{ keys: GraphKey[]; changed: boolean }> {
    let base = await this.#keys(app, `${doing}: reading its certificates`);
    if (plan.done(base)) return { keys: base, changed: false };
    for (let attempt = 1; ; attempt += 1) {
      const body = plan.change(withBytes(base, doing));
      const answered = await this.#patchKeys(app, body, doing, plan.lifetimeDays);
      const after = await this.#readBack(app, doing, plan.done, answered);
      if (plan.done(after)) {
        await this.#keptOrRestored(app, doing, base.filter(plan.keeps), after);
        return { keys: after, changed: true };
      }
      if (answered || attempt >= this.#policy.attempts) {
        const detail = answered
          ? 'Graph accepted the PATCH of keyCredentials, yet the app read back does not show the change'
          : `the answer to the PATCH of keyCredentials was lost ${attempt} time${attempt === 1 ? '' : 's'}, and the app read back does not show the change`;
        throw new ServiceError({ service: 'Microsoft Graph', doing, detail, hint: 'nothing was changed: run again' });
      }
      this.#log.info(`${doing}: the answer to the PATCH was lost and the app read back does not show it: sending it again, from that read`);
      base = after;
    }
  }

  /** The app's certificates with their bytes: a single-app GET selecting keyCredentials (a capped read). */
  async #keys(app: AppRegistration, doing: string): Promise<GraphKey[]> {
    const path = `/applications/${enc(app.id)}?$select=${CERTIFICATE_FIELDS}`;
    const r = await this.#call({ method: 'GET', path, doing, lagging: this.#created.has(app.id) });
    return json<{ keyCredentials?: GraphKey[] }>(r).keyCredentials ?? [];
  }

  /** After an answered PATCH, a read that does not show it yet is read again a few times (replication). */
  async #readBack(app: AppRegistration, doing: string, done: (keys: GraphKey[]) => boolean, answered: boolean): Promise<GraphKey[]> {
    const reading = `${doing}: reading its certificates back`;
    let after = await this.#keys(app, reading);
    for (let attempt = 1; answered && !done(after) && attempt < this.#policy.attempts; attempt += 1) {
      await sleep(backoffMs(this.#policy, attempt));
      after = await this.#keys(app, reading);
    }
    return after;
  }

  /**
   * PATCHes keyCredentials, never repeated on a lost answer (false: it may or may not have taken effect; a read
   * decides). A refusal by a tenant policy gets the certificate's hint.
   */
  async #patchKeys(app: AppRegistration, keys: Array<GraphKey | GraphNewKey>, doing: string, lifetimeDays?: number): Promise<boolean> {
    const body = { keyCredentials: keys } satisfies Wire<Application, { keyCredentials: Array<GraphKey | GraphNewKey> }>;
    const call: Call = { method: 'PATCH', path: `/applications/${enc(app.id)}`, body, doing, idempotent: false, lagging: this.#created.has(app.id), writes: app.id };
    try {
      await this.#call(call);
      return true;
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      if (error.details.outcomeUnknown === true) return false;
      throw certificatePolicyError(error, lifetimeDays);
    }
  }

  /**
   * Every certificate in `expected` (read before the PATCH, and meant to stay) must be in `after` with the same
   * bytes. One missing (a concurrent change, or a PATCH that lost it) is put back at once (with everything there
   * now), read back, and the call fails loudly, saying whether the restore worked.
   */
  async #keptOrRestored(app: AppRegistration, doing: string, expected: readonly GraphKey[], after: readonly GraphKey[]): Promise<void> {
    const missing = expected.filter((k) => !after.some((a) => sameEntry(a, k)));
    if (missing.length === 0) return;
    const names = missing.map(describeKey).join('; ');
    const restoring = `${doing}: putting back ${missing.length === 1 ? 'a certificate' : 'certificates'} the change lost`;
    let outcome: string;
    try {
      const answered = await this.#patchKeys(app, [...after, ...missing], restoring);
      const back = await this.#readBack(app, restoring, (keys) => missing.every((k) => keys.some((b) => sameEntry(b, k))), answered);
      const still = missing.filter((k) => !back.some((b) => sameEntry(b, k)));
      outcome =
        still.length === 0
          ? 'they were put back (a read back shows them, with the same bytes)'
          : `putting them back FAILED: still missing ${still.map(describeKey).join('; ')}; add ${still.length === 1 ? 'it' : 'them'} again by hand from the certificate files`;
    } catch (error) {
      outcome = `putting them back FAILED (${error instanceof Error ? error.message : String(error)}): add them again by hand from the certificate files`;
    }
    throw new ServiceError({
      service: 'Microsoft Graph',
      doing,
      detail: `certificates that were on the app before the PATCH of keyCredentials were missing after it: ${names}`,
      hint: `${outcome}. Something else changed this app's certificates at the same time (Graph replaces keyCredentials whole): find it, then run again`,
    });
  }

  /**
   * One Graph call: signed in, sent through the Graph client (whose RetryHandler takes 429, 503 and 504), and
   * retried here for what that handler does not see: replication lag on a new object, a concurrency conflict,
   * 500/502 and a lost connection when repeating is harmless. Any status not 2xx (nor in `accept`) becomes a
   * ServiceError.
   */
  async #call(call: Call, accept: number[] = []): Promise<GraphResponse> {
    // Signing in first (the token is cached): the Graph client would wrap a sign-in failure in a GraphError.
    await this.#credential.getToken(this.#credential.graphScope);
    const idempotent = call.idempotent ?? call.method !== 'POST';
    const attempts = call.lagging === true ? LAG_ATTEMPTS : this.#policy.attempts;
    let lost = false;
    for (let attempt = 1; ; attempt += 1) {
      let outcome: GraphResponse | TransportFailure;
      try {
        outcome = await this.#spaced(call.writes, () => this.#send(call, idempotent));
      } catch (error) {
        if (!(error instanceof TransportFailure)) throw error;
        outcome = error;
        lost ||= error.maybeProcessed;
      }
      const why = retryWorthy(call, idempotent, outcome);
      if (why === undefined || attempt >= attempts) return this.#settle(call, idempotent, outcome, accept, lost);
      const wait = backoffMs(this.#policy, attempt);
      this.#log.info(retryLine(call.doing, wait, attempt + 1, attempts, why));
      await sleep(wait);
    }
  }

  /**
   * Back-to-back writes to one app can answer 409 Directory_ConcurrencyViolation: a write to an app waits for
   * the one before it to end, and then until a gap has passed.
   */
  async #spaced<T>(app: string | undefined, send: () => Promise<T>): Promise<T> {
    if (app === undefined) return send();
    const gap = Math.min(this.#policy.baseMs, WRITE_GAP_MS);
    const previous = this.#lastWrites.get(app);
    let ended: (at: number) => void = () => undefined;
    this.#lastWrites.set(app, new Promise<number>((resolve) => (ended = resolve)));
    try {
      const wait = previous === undefined ? 0 : (await previous) + gap - Date.now();
      if (wait > 0) await sleep(wait);
      return await send();
    } finally {
      ended(Date.now());
    }
  }

  async #send(call: Call, idempotent: boolean): Promise<GraphResponse> {
    const request = this.#client
      .api(call.path.startsWith('https://') ? call.path : `${this.#root}${call.path}`)
      .responseType(ResponseType.RAW)
      .middlewareOptions([statusRetries({ doing: call.doing, idempotent }, this.#policy, (m) => this.#log.info(m))]);
    const sent: Promise<unknown> =
      call.method === 'GET'
        ? request.get()
        : call.method === 'POST'
          ? request.post(call.body)
          : call.method === 'PATCH'
            ? request.patch(call.body)
            : request.delete();
    const response = (await sent) as Response;
    return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
  }

  #settle(call: Call, idempotent: boolean, outcome: GraphResponse | TransportFailure, accept: number[], lost: boolean): GraphResponse {
    if (outcome instanceof TransportFailure) {
      throw new ServiceError({
        service: 'Microsoft Graph',
        doing: call.doing,
        outcomeUnknown: lost,
        code: outcome.code,
        detail: outcome.message,
        hint: outcome.untrusted
          ? untrustedHint(new URL(this.#root).host, 'graph-endpoint (and cloud)')
          : 'check graph-endpoint and the network (HTTPS_PROXY / NO_PROXY, and NODE_EXTRA_CA_CERTS for private CAs); run again',
      });
    }
    // A concurrency conflict is never what a caller accepts (a 409 for "it exists" means something else).
    if ((outcome.status >= 200 && outcome.status < 300) || (accept.includes(outcome.status) && !isConcurrencyConflict(outcome))) return outcome;
    const failure = graphError(outcome, call.doing);
    // A call that is not idempotent, answered with a server error, may have taken effect: its caller decides.
    if (!idempotent && outcome.status >= 500) throw new ServiceError({ ...failure.details, outcomeUnknown: true });
    throw failure;
  }
}

/** A certificate this run added: its entry as PATCHed (with the keyId Graph gave it), bytes, and key (masked). */
interface AddedCertificate {
  appObjectId: string;
  entry: GraphNewKey & { keyId: string };
  der: Buffer;
  x5t: string;
  pem: Secret;
}

/** A change to keyCredentials (#replaceKeys). */
interface KeyPlan {
  /** The list to PATCH, from the certificates read (each with its bytes). */
  change: (current: GraphKey[]) => Array<GraphKey | GraphNewKey>;
  /** Does a read show the change? */
  done: (keys: GraphKey[]) => boolean;
  /** Which certificates read before must still be there after. */
  keeps: (key: GraphKey) => boolean;
  /** The new certificate's lifetime, for the hint of a lifetime cap. */
  lifetimeDays?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The certificate's DER bytes (Graph's `key` is base64; whitespace ignored), or undefined when not read. */
function keyBytes(k: GraphKey): Buffer | undefined {
  return typeof k.key === 'string' && k.key !== '' ? Buffer.from(k.key.replace(/\s+/g, ''), 'base64') : undefined;
}

function sameBytes(k: GraphKey, der: Buffer): boolean {
  return keyBytes(k)?.equals(der) === true;
}

/** The same certificate entry: its keyId, and its bytes. */
function sameEntry(a: GraphKey, b: GraphKey): boolean {
  const bytes = keyBytes(b);
  return a.keyId.toLowerCase() === b.keyId.toLowerCase() && bytes !== undefined && sameBytes(a, bytes);
}

function describeKey(k: GraphKey): string {
  const der = keyBytes(k);
  const thumbprint = der === undefined ? 'unknown' : createHash('sha1').update(der).digest('hex').toUpperCase();
  return `${k.keyId} ('${k.displayName ?? ''}', thumbprint ${thumbprint}, until ${k.endDateTime})`;
}

/** The certificates read, each with its bytes: a PATCH without an entry's `key` would remove or refuse it. */
function withBytes(keys: GraphKey[], doing: string): GraphKey[] {
  const bare = keys.filter((k) => keyBytes(k) === undefined);
  if (bare.length === 0) return keys;
  throw new ServiceError({
    service: 'Microsoft Graph',
    doing,
    detail: `the read of keyCredentials did not carry the certificate bytes (key) of ${bare.map((k) => k.keyId).join(', ')}`,
    hint: 'nothing was changed (a PATCH without them would remove those certificates): run again',
  });
}

/** A tenant policy's refusal of a certificate, with the certificate's hint. */
function certificatePolicyError(error: ServiceError, lifetimeDays: number | undefined): ServiceError {
  if (error.code === 'CredentialInvalidLifetimeAsPerAppPolicy') {
    const asked = lifetimeDays === undefined ? '' : ` (this one was to last ${lifetimeDays} days)`;
    const hint = `a tenant app-management policy caps the lifetime of certificates (asymmetric keys)${asked}: lower secret-lifetime-days to what the policy allows. An admin can read the cap with GET /policies/defaultAppManagementPolicy (applicationRestrictions.keyCredentials, restrictionType asymmetricKeyLifetime, maxLifetime) and GET /applications/{id}/appManagementPolicies`;
    return new ServiceError({ ...error.details, hint });
  }
  if (error.code === 'CredentialTypeNotAllowedAsPerAppPolicy') {
    const hint = "the tenant's app management policy forbids this certificate for this app (a keyCredentials restriction, such as certificates from trusted certificate authorities only): an admin can check the policy with GET /policies/defaultAppManagementPolicy and GET /applications/{id}/appManagementPolicies";
    return new ServiceError({ ...error.details, hint });
  }
  return error;
}

/** Why another try is worth it, for what the Graph client's RetryHandler does not retry; undefined: it is not. */
function retryWorthy(call: Call, idempotent: boolean, outcome: GraphResponse | TransportFailure): string | undefined {
  if (outcome instanceof TransportFailure) {
    // A request that may have taken effect is repeated only when repeating is harmless.
    return outcome.untrusted || (outcome.maybeProcessed && !idempotent) ? undefined : `${outcome.code}: ${outcome.message}`;
  }
  if (idempotent && (outcome.status === 500 || outcome.status === 502)) return `HTTP ${outcome.status}`;
  return (
    call.retryAlso?.(outcome) ??
    (call.lagging === true && isReplicationLag(outcome) ? 'replication lag on the new app' : isConcurrencyConflict(outcome) ? 'a concurrent change to the app' : undefined)
  );
}

const enc = (s: string): string => encodeURIComponent(s).replace(/'/g, '%27');

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `work` on every item, at most `limit` at a time. */
async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let item = items[next++]; item !== undefined; item = items[next++]) await work(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function json<T>(r: GraphResponse): T {
  return JSON.parse(r.body) as T;
}

function errorBody(r: GraphResponse): GraphErrorBody {
  try {
    return JSON.parse(r.body) as GraphErrorBody;
  } catch {
    return {};
  }
}

/** 404 on the new object, or 400 NoBackingApplicationObject (in the code or the details) right after a create. */
function isReplicationLag(r: GraphResponse): boolean {
  const e = errorBody(r).error;
  if (r.status === 404) return e?.code === 'Request_ResourceNotFound' || e?.code === 'ResourceNotFound';
  return r.status === 400 && (e?.code === 'NoBackingApplicationObject' || (e?.details ?? []).some((d) => d.code === 'NoBackingApplicationObject'));
}

/** 400 InvalidFederatedIdentityCredentialValue (in the code or the details): the issuer and subject exist on the app. */
function isDuplicateSubject(r: GraphResponse): boolean {
  const e = errorBody(r).error;
  const code = 'InvalidFederatedIdentityCredentialValue';
  return r.status === 400 && (e?.code === code || (e?.details ?? []).some((d) => d.code === code));
}

function isDenied(r: GraphResponse): boolean {
  return r.status === 403 && errorBody(r).error?.code === 'Authorization_RequestDenied';
}

/** removePassword's answer for a key the app does not have (a repeat, or a key not replicated yet). */
function isNoSuchKey(r: GraphResponse): boolean {
  return r.status === 400 && /no password credential|not found|does not exist/i.test(errorBody(r).error?.message ?? '');
}

function isConcurrencyConflict(r: GraphResponse): boolean {
  return r.status === 409 && errorBody(r).error?.code === 'Directory_ConcurrencyViolation';
}

const GRAPH_HINTS: Record<number, string> = {
  401: 'the access token was refused: check tenant-id, cloud and graph-endpoint',
  403: "the rotator lacks the Microsoft Graph application permission Application.ReadWrite.OwnedBy (granted with admin consent), or it is not an owner of this app: add the rotator's service principal as an owner of the app, or grant Application.ReadWrite.All",
  429: 'Graph is throttling this tenant: run again later',
};

const GRAPH_CODE_HINTS: Record<string, string> = {
  CredentialTypeNotAllowedAsPerAppPolicy:
    "the tenant's app management policy forbids new client secrets for this app (a passwordAddition restriction); certificate credentials are the way forward (credential-type: certificate, an input added in this release). An admin can check the policy in the Entra admin center (Enterprise applications, App management policies) or with GET /policies/defaultAppManagementPolicy and GET /applications/{id}/appManagementPolicies",
  CredentialInvalidLifetimeAsPerAppPolicy:
    'a tenant app-management policy caps the lifetime of credentials (passwordLifetime for client secrets, asymmetricKeyLifetime for certificates): lower secret-lifetime-days to what the policy allows',
  TooManyAppPasswords:
    'apps whose sign-in audience allows personal Microsoft accounts may hold only 2 client secrets: remove one by hand, or use sign-in-audience AzureADMyOrg',
};

export function graphError(r: GraphResponse, doing: string): ServiceError {
  const e = errorBody(r).error;
  const code = e?.code;
  return new ServiceError({
    service: 'Microsoft Graph',
    doing,
    status: r.status,
    code,
    requestId: e?.innerError?.['request-id'] ?? r.headers['request-id'],
    detail: e?.message ?? r.body.slice(0, 200),
    hint:
      (code === undefined ? undefined : GRAPH_CODE_HINTS[code]) ??
      GRAPH_HINTS[r.status] ??
      (r.status >= 500 ? 'Graph had a transient failure: run again' : undefined),
  });
}
