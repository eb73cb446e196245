/** Microsoft Graph v1.0: the app registration, its service principal and its client secrets. */
import { Client, GraphError, type AuthenticationProvider } from '@microsoft/microsoft-graph-client';
import { ServiceError } from '../core/errors';
import type { AppRegistration, PasswordInfo } from '../core/model';
import type { Directory, Log } from '../core/ports';
import { Secret } from '../core/secret';
import { defaultLagPolicy, retryWhileLagging, type LagPolicy } from './lag';
import type { GraphTokenSource } from './signin';

const APP_FIELDS = ['id', 'appId', 'displayName', 'signInAudience', 'passwordCredentials'];

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
});

/** OData string literal: single quotes doubled. */
export const odataString = (value: string): string => `'${value.replace(/'/g, "''")}'`;

export class GraphDirectory implements Directory {
  readonly #client: Client;
  readonly #tokens: GraphTokenSource;
  readonly #log: Log;
  readonly #lag: LagPolicy;
  /** Objects this run created: only these get the replication-lag retries. */
  readonly #createdAppIds = new Set<string>();

  constructor(graphEndpoint: string, tokens: GraphTokenSource, log: Log, lag: LagPolicy = defaultLagPolicy()) {
    const authProvider: AuthenticationProvider = { getAccessToken: () => tokens.token() };
    this.#client = Client.initWithMiddleware({
      authProvider,
      baseUrl: graphEndpoint,
      defaultVersion: 'v1.0',
      // The client sends the token only to Graph hosts it knows, or to these.
      customHosts: new Set([new URL(graphEndpoint).hostname]),
    });
    this.#tokens = tokens;
    this.#log = log;
    this.#lag = lag;
  }

  /** Signs in first, so that a sign-in failure surfaces as itself rather than wrapped by the Graph client. */
  async #signedIn(): Promise<void> {
    await this.#tokens.token();
  }

  async appByAppId(appId: string): Promise<AppRegistration | undefined> {
    await this.#signedIn();
    try {
      const app = (await this.#client.api(`/applications(appId=${odataString(appId)})`).select(APP_FIELDS).get()) as GraphApp;
      return toApp(app);
    } catch (error) {
      if (error instanceof GraphError && error.statusCode === 404) return undefined;
      throw graphError(error, `reading the app registration with client ID ${appId}`);
    }
  }

  async appsByName(displayName: string): Promise<AppRegistration[]> {
    await this.#signedIn();
    const apps: AppRegistration[] = [];
    try {
      let page = (await this.#client
        .api('/applications')
        .filter(encodeURIComponent(`displayName eq ${odataString(displayName)}`))
        .select(APP_FIELDS)
        .get()) as { value: GraphApp[]; '@odata.nextLink'?: string };
      apps.push(...page.value.map(toApp));
      while (page['@odata.nextLink']) {
        page = (await this.#client.api(page['@odata.nextLink']).get()) as typeof page;
        apps.push(...page.value.map(toApp));
      }
    } catch (error) {
      throw graphError(error, `looking up app registrations named '${displayName}'`);
    }
    return apps;
  }

  async createApp(displayName: string, signInAudience: string): Promise<AppRegistration> {
    await this.#signedIn();
    try {
      const app = (await this.#client.api('/applications').post({ displayName, signInAudience })) as GraphApp;
      this.#createdAppIds.add(app.id);
      return toApp(app);
    } catch (error) {
      throw graphError(error, `creating the app registration '${displayName}'`);
    }
  }

  async servicePrincipalExists(app: AppRegistration): Promise<boolean> {
    await this.#signedIn();
    try {
      await this.#lagging(app, `reading the service principal of ${app.appId}`, () =>
        this.#client.api(`/servicePrincipals(appId=${odataString(app.appId)})`).select(['id']).get(),
      );
      return true;
    } catch (error) {
      if (error instanceof GraphError && error.statusCode === 404) return false;
      throw graphError(error, `reading the service principal of '${app.displayName}' (client ID ${app.appId})`);
    }
  }

  async createServicePrincipal(app: AppRegistration): Promise<void> {
    await this.#signedIn();
    try {
      await this.#lagging(app, `creating the service principal of ${app.appId}`, () =>
        this.#client.api('/servicePrincipals').post({ appId: app.appId }),
      );
    } catch (error) {
      throw graphError(error, `creating the service principal (enterprise application) of '${app.displayName}' (client ID ${app.appId})`);
    }
  }

  async addPassword(app: AppRegistration, displayName: string, endDateTime: Date): Promise<{ info: PasswordInfo; value: Secret }> {
    await this.#signedIn();
    let reply: GraphPassword;
    try {
      reply = (await this.#lagging(app, `adding a client secret to ${app.appId}`, () =>
        this.#client.api(`/applications/${app.id}/addPassword`).post({ passwordCredential: { displayName, endDateTime: endDateTime.toISOString() } }),
      )) as GraphPassword;
    } catch (error) {
      throw graphError(error, `adding a client secret to '${app.displayName}' (client ID ${app.appId})`);
    }
    const text = reply.secretText;
    if (typeof text !== 'string' || text === '') {
      throw new ServiceError({ service: 'Microsoft Graph', doing: `adding a client secret to '${app.displayName}'`, detail: 'the reply carried no secretText' });
    }
    // Masked the moment it exists.
    this.#log.mask(text);
    return { info: toPassword(reply), value: new Secret(text) };
  }

  async removePassword(app: AppRegistration, keyId: string): Promise<void> {
    await this.#signedIn();
    try {
      await this.#lagging(app, `removing client secret ${keyId}`, () => this.#client.api(`/applications/${app.id}/removePassword`).post({ keyId }));
    } catch (error) {
      throw graphError(error, `removing client secret ${keyId} from '${app.displayName}' (client ID ${app.appId})`);
    }
  }

  #lagging<T>(app: AppRegistration, what: string, call: () => Promise<T>): Promise<T> {
    if (!this.#createdAppIds.has(app.id)) return call();
    return retryWhileLagging(call, isReplicationLag, this.#lag, (wait, attempt) =>
      this.#log.info(`Graph has not replicated the new app yet (${what}); retry ${attempt} in ${wait} ms`),
    );
  }
}

/** 404 on the new object, or 400 whose code or detail code is NoBackingApplicationObject (a new app, not yet seen). */
function isReplicationLag(error: unknown): boolean {
  if (!(error instanceof GraphError)) return false;
  if (error.statusCode === 404) return error.code === 'Request_ResourceNotFound' || error.code === 'ResourceNotFound';
  return error.statusCode === 400 && (error.code === 'NoBackingApplicationObject' || String(error.body).includes('NoBackingApplicationObject'));
}

const GRAPH_HINTS: Record<number, string> = {
  401: 'the access token was refused: check tenant-id, cloud and graph-endpoint',
  403: "the rotator lacks the Microsoft Graph application permission Application.ReadWrite.OwnedBy (granted with admin consent), or it is not an owner of this app: add the rotator's service principal as an owner, or grant Application.ReadWrite.All",
  429: 'Graph is throttling: run again later',
};

const GRAPH_CODE_HINTS: Record<string, string> = {
  CredentialInvalidLifetimeAsPerAppPolicy: 'a tenant app-management policy caps the lifetime of client secrets: lower secret-lifetime-days',
  TooManyAppPasswords:
    'apps whose sign-in audience allows personal Microsoft accounts may hold only 2 client secrets: remove one, or use sign-in-audience AzureADMyOrg',
  Authorization_RequestDenied: GRAPH_HINTS[403] ?? '',
};

export function graphError(error: unknown, doing: string): Error {
  if (error instanceof ServiceError) return error;
  if (error instanceof GraphError) {
    const status = error.statusCode > 0 ? error.statusCode : undefined;
    return new ServiceError({
      service: 'Microsoft Graph',
      doing,
      status,
      code: error.code ?? undefined,
      requestId: error.requestId ?? undefined,
      detail: error.message,
      hint: (error.code ? GRAPH_CODE_HINTS[error.code] : undefined) ?? (status === undefined ? undefined : GRAPH_HINTS[status]) ??
        (status !== undefined && status >= 500 ? 'Graph had a transient failure: run again' : undefined),
    });
  }
  const e = error as { message?: string; cause?: { code?: string; message?: string } };
  return new ServiceError({
    service: 'Microsoft Graph',
    doing,
    detail: [e.message, e.cause?.code, e.cause?.message].filter(Boolean).join(': '),
    hint: 'check graph-endpoint and the network (and NODE_EXTRA_CA_CERTS for private CAs)',
  });
}
