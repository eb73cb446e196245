/** Microsoft Graph v1.0 through its client: the app registration, its service principal and its client secrets. */
import { ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import { ServiceError } from '../core/errors';
import type { AppRegistration, FederatedCredential, PasswordInfo, RequiredResourceAccess, ResourceApi } from '../core/model';
import type { Directory, Log } from '../core/ports';
import { Secret } from '../core/secret';
import type { RotatorCredential } from './entra';
import { graphClient, statusRetries, TransportFailure } from './graph-client';
import { backoffMs, sleep, type RetryPolicy } from './retry';
import { untrustedHint } from './tls';

const APP_FIELDS = 'id,appId,displayName,signInAudience,passwordCredentials,web,spa,publicClient,api,isFallbackPublicClient,requiredResourceAccess,tags,notes';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Replication lag after a create lasts seconds, at times tens of seconds: more tries for those answers. */
const LAG_ATTEMPTS = 8;

interface GraphPassword {
  keyId: string;
  displayName: string | null;
  hint: string | null;
  startDateTime: string;
  endDateTime: string;
  secretText?: string | null;
}

interface GraphApp {
  id: string;
  appId: string;
  displayName: string;
  signInAudience: string;
  passwordCredentials?: GraphPassword[];
  keyCredentials?: Array<{ keyId: string; displayName?: string | null; type?: string | null; startDateTime: string; endDateTime: string }>;
  web?: { redirectUris?: string[] } | null;
  spa?: { redirectUris?: string[] } | null;
  publicClient?: { redirectUris?: string[] } | null;
  api?: Record<string, unknown> | null;
  isFallbackPublicClient?: boolean | null;
  requiredResourceAccess?: RequiredResourceAccess[] | null;
  tags?: string[] | null;
  notes?: string | null;
}

interface GraphServicePrincipal {
  appId: string;
  displayName: string;
  oauth2PermissionScopes?: Array<{ id: string; value: string; isEnabled?: boolean }>;
  appRoles?: Array<{ id: string; value: string | null; isEnabled?: boolean; allowedMemberTypes?: string[] }>;
}

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

const toApp = (a: GraphApp): AppRegistration => ({
  id: a.id,
  appId: a.appId,
  displayName: a.displayName,
  signInAudience: a.signInAudience,
  passwordCredentials: (a.passwordCredentials ?? []).map(toPassword),
  keyCredentials: (a.keyCredentials ?? []).map((k) => ({
    keyId: k.keyId,
    displayName: k.displayName ?? null,
    type: k.type ?? null,
    startDateTime: new Date(k.startDateTime),
    endDateTime: new Date(k.endDateTime),
  })),
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
  /** More answers worth another try for this call. */
  retryAlso?: (response: GraphResponse) => string | undefined;
}

export class GraphDirectory implements Directory {
  // Interim (replaced by the batched version): one request per ref.
  findApps(refs: ReadonlyArray<{ appId?: string; name?: string }>): Promise<AppRegistration[][]> {
    return Promise.all(refs.map(async (r) => (r.appId !== undefined ? [await this.appByAppId(r.appId)].filter((a) => a !== undefined) : this.appsByName(r.name ?? ''))));
  }

  allApps(): Promise<AppRegistration[]> {
    return Promise.reject(new Error('internal: allApps is not there yet'));
  }

  readonly #client: Client;
  readonly #root: string;
  readonly #credential: RotatorCredential;
  readonly #log: Log;
  /** Objects this run created: only these get the replication-lag retries. */
  readonly #created = new Set<string>();
  /** Client secrets this run added: "no such key" for one of them may be replication lag. */
  readonly #addedKeys = new Set<string>();
  readonly #policy: RetryPolicy;

  constructor(graphEndpoint: string, credential: RotatorCredential, log: Log, policy: RetryPolicy) {
    this.#policy = policy;
    this.#client = graphClient(graphEndpoint, credential, policy);
    this.#root = `${graphEndpoint}/v1.0`;
    this.#credential = credential;
    this.#log = log;
  }

  async appByAppId(appId: string): Promise<AppRegistration | undefined> {
    const r = await this.#call({ method: 'GET', path: `/applications(appId=${enc(odataString(appId))})?$select=${APP_FIELDS}`, doing: `reading the app registration with client ID ${appId}` }, [404]);
    return r.status === 404 ? undefined : toApp(json<GraphApp>(r));
  }

  async appsByName(displayName: string): Promise<AppRegistration[]> {
    const doing = `looking up app registrations named '${displayName}'`;
    const apps: AppRegistration[] = [];
    let path: string | undefined = `/applications?$filter=${enc(`displayName eq ${odataString(displayName)}`)}&$select=${APP_FIELDS}`;
    while (path !== undefined) {
      const page: { value: GraphApp[]; '@odata.nextLink'?: string } = json(await this.#call({ method: 'GET', path, doing }));
      apps.push(...page.value.map(toApp));
      const next = page['@odata.nextLink'];
      path = next === undefined ? undefined : next.startsWith(this.#root) ? next.slice(this.#root.length) : next;
    }
    return apps;
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
    // 409: a credential with this name or subject exists (a repeated try whose first answer was lost): the goal.
    await this.#call(
      {
        method: 'POST',
        path: `/applications/${enc(app.id)}/federatedIdentityCredentials`,
        body: credential,
        doing: `adding the federated credential '${credential.name}' (${credential.subject}) to '${app.displayName}'`,
        lagging: this.#created.has(app.id),
        idempotent: true,
      },
      [409],
    );
  }

  async removeFederatedCredential(app: AppRegistration, credential: FederatedCredential): Promise<void> {
    await this.#call(
      {
        method: 'DELETE',
        path: `/applications/${enc(app.id)}/federatedIdentityCredentials/${enc(credential.id)}`,
        doing: `removing the federated credential '${credential.name}' (${credential.subject}) from '${app.displayName}'`,
        lagging: this.#created.has(app.id),
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
    // 409: it exists already (made meanwhile, or by a try whose answer was lost): that is the goal.
    await this.#call(
      {
        method: 'POST',
        path: '/servicePrincipals',
        body: { appId: app.appId },
        doing: `creating the service principal (enterprise application) of '${app.displayName}' (client ID ${app.appId})`,
        lagging: this.#created.has(app.appId),
        idempotent: true,
      },
      [409],
    );
  }

  async addPassword(app: AppRegistration, displayName: string, endDateTime: Date): Promise<{ info: PasswordInfo; value: Secret }> {
    const doing = `adding a client secret to '${app.displayName}' (client ID ${app.appId})`;
    const r = await this.#call({
      method: 'POST',
      path: `/applications/${enc(app.id)}/addPassword`,
      body: { passwordCredential: { displayName, endDateTime: endDateTime.toISOString() } },
      doing,
      lagging: this.#created.has(app.id),
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
    // Repeating a removal is harmless. "No such key" means a repeat whose first answer was lost, or, for a key
    // this run just added, replication lag: those are asked again, and then confirmed by a read.
    const r = await this.#call(
      {
        method: 'POST',
        path: `/applications/${enc(app.id)}/removePassword`,
        body: { keyId },
        doing,
        lagging: this.#created.has(app.id) || justAdded,
        idempotent: true,
        ...(justAdded ? { retryAlso: (res: GraphResponse) => (isNoSuchKey(res) ? 'replication lag on the new client secret' : undefined) } : {}),
      },
      [400],
    );
    if (r.status === 400 && !isNoSuchKey(r)) throw graphError(r, doing);
    if (r.status === 400 && justAdded) {
      const now = await this.appByAppId(app.appId);
      if (now?.passwordCredentials.some((p) => p.keyId === keyId) === true) {
        throw new ServiceError({ ...graphError(r, doing).details, hint: 'Graph answered that the app has no such key, yet a read still shows it: run again' });
      }
    }
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
        outcome = await this.#send(call, idempotent);
      } catch (error) {
        if (!(error instanceof TransportFailure)) throw error;
        outcome = error;
        lost ||= error.maybeProcessed;
      }
      const why = retryWorthy(call, idempotent, outcome);
      if (why === undefined || attempt >= attempts) return this.#settle(call, idempotent, outcome, accept, lost);
      const wait = backoffMs(this.#policy, attempt);
      this.#log.info(`Retrying ${call.doing} in ${wait} ms (attempt ${attempt + 1} of ${attempts}) after ${why}`);
      await sleep(wait);
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
    if ((outcome.status >= 200 && outcome.status < 300) || accept.includes(outcome.status)) return outcome;
    const failure = graphError(outcome, call.doing);
    // A call that is not idempotent, answered with a server error, may have taken effect: its caller decides.
    if (!idempotent && outcome.status >= 500) throw new ServiceError({ ...failure.details, outcomeUnknown: true });
    throw failure;
  }
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
  CredentialInvalidLifetimeAsPerAppPolicy:
    'a tenant app-management policy caps the lifetime of client secrets: lower secret-lifetime-days to what the policy allows',
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
