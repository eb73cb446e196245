/**
 * Signing in to Entra ID as the rotator with the client credentials grant: a client secret, or a GitHub OIDC
 * ID token as the client assertion (workload identity federation). One POST to the token endpoint; the token is
 * kept until shortly before it expires. With OIDC, the GitHub ID token is fetched once per run.
 */
import type { Config } from '../config';
import { ServiceError } from '../core/errors';
import type { AppRegistration } from '../core/model';
import type { Log, SecretVerifier } from '../core/ports';
import type { Secret } from '../core/secret';
import { backoffMs, sleep, TransportError, untrustedHint, type HttpClient, type RetryPolicy } from './http';

export interface TokenSource {
  token(): Promise<string>;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };

interface EntraTokenReply {
  access_token?: string;
  expires_in?: number | string;
  error?: string;
  error_description?: string;
  error_codes?: number[];
  trace_id?: string;
  correlation_id?: string;
}

export function rotatorSignIn(http: HttpClient, signIn: Config['signIn'], log: Log, env: NodeJS.ProcessEnv = process.env): TokenSource {
  const how = signIn.clientSecret === undefined ? 'with GitHub OIDC federation' : 'with a client secret';
  let cached: { token: Promise<string>; refreshAt: number } | undefined;
  const fetchToken = async (): Promise<{ token: string; expiresAt: number }> => {
    const credential: Record<string, string> =
      signIn.clientSecret === undefined
        ? {
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: await githubIdToken(http, signIn.oidcAudience, log, env),
          }
        : { client_secret: signIn.clientSecret.reveal() };
    return clientCredentialsToken(http, {
      authorityHost: signIn.authorityHost,
      tenantId: signIn.tenantId,
      clientId: signIn.clientId,
      scope: `${signIn.graphEndpoint}/.default`,
      credential,
      doing: `signing in as ${signIn.clientId} ${how} at ${signIn.authorityHost}`,
      log,
    });
  };
  return {
    token() {
      if (cached === undefined || Date.now() >= cached.refreshAt) {
        const pending = fetchToken();
        const entry = { token: pending.then((r) => r.token), refreshAt: Number.POSITIVE_INFINITY };
        cached = entry;
        pending.then(
          (r) => (entry.refreshAt = r.expiresAt - 5 * 60_000),
          () => {
            if (cached === entry) cached = undefined;
          },
        );
      }
      return cached.token;
    },
  };
}

/**
 * Entra may refuse a new secret for seconds after addPassword (AADSTS7000215; 4-18 s seen), and a new app or
 * service principal may not have reached the token service yet. Ask for a token with the secret until Entra
 * accepts it, within a bounded time.
 */
export function newSecretVerifier(http: HttpClient, signIn: Config['signIn'], policy: RetryPolicy, log: Log): SecretVerifier {
  const NOT_YET = new Set(['AADSTS7000215', 'AADSTS7000229', 'AADSTS700016', 'AADSTS7000222']);
  // 60 s with the production policy (shorter with ENTRA_ROTATOR_RETRY_BASE_MS in tests).
  const budgetMs = policy.baseMs * 60;
  return {
    async accepts(app: AppRegistration, value: Secret, options: { servicePrincipalMayBeMissing: boolean }): Promise<'accepted' | 'no-service-principal'> {
      const started = Date.now();
      for (let attempt = 1; ; attempt += 1) {
        try {
          await clientCredentialsToken(http, {
            authorityHost: signIn.authorityHost,
            tenantId: signIn.tenantId,
            clientId: app.appId,
            scope: `${signIn.graphEndpoint}/.default`,
            credential: { client_secret: value.reveal() },
            doing: `checking that Entra accepts the new client secret of '${app.displayName}' (signing in as ${app.appId})`,
            log,
          });
          return 'accepted';
        } catch (error) {
          const code = error instanceof ServiceError ? error.code : undefined;
          if (code === 'AADSTS7000229' && options.servicePrincipalMayBeMissing) return 'no-service-principal';
          const wait = backoffMs(policy, attempt);
          if (code === undefined || !NOT_YET.has(code) || Date.now() - started + wait > budgetMs) {
            if (error instanceof ServiceError && code !== undefined && NOT_YET.has(code)) {
              throw new ServiceError({
                ...error.details,
                hint: `Entra still refused the new secret after ${Math.round((Date.now() - started) / 1000)} s; run again later. Set verify-new-secret: false only if this tenant's token service cannot be reached from the runner`,
              });
            }
            throw error;
          }
          log.info(`Entra does not accept the new client secret yet (${code}); asking again in ${wait} ms`);
          await sleep(wait);
        }
      }
    },
  };
}

export interface ClientCredentials {
  authorityHost: string;
  tenantId: string;
  clientId: string;
  scope: string;
  credential: Record<string, string>;
  doing: string;
  log: Log;
}

/** POST /{tenant}/oauth2/v2.0/token with grant_type=client_credentials. */
export async function clientCredentialsToken(http: HttpClient, c: ClientCredentials): Promise<{ token: string; expiresAt: number }> {
  const body = new URLSearchParams({ client_id: c.clientId, scope: c.scope, grant_type: 'client_credentials', ...c.credential }).toString();
  const url = `${c.authorityHost}/${encodeURIComponent(c.tenantId)}/oauth2/v2.0/token`;
  let response;
  try {
    response = await http.send({ method: 'POST', url, headers: FORM, body, doing: c.doing, idempotent: true });
  } catch (error) {
    const transport = error instanceof TransportError ? error : undefined;
    throw new ServiceError({
      service: 'Microsoft Entra ID',
      doing: c.doing,
      code: transport?.code,
      detail: (error as Error).message,
      hint: transport?.untrusted
        ? untrustedHint(new URL(c.authorityHost).host, 'authority-host (and cloud)')
        : 'check authority-host (and cloud), the network, and NODE_EXTRA_CA_CERTS for private CAs',
    });
  }
  let reply: EntraTokenReply = {};
  try {
    reply = JSON.parse(response.body) as EntraTokenReply;
  } catch {
    // not JSON: reported below
  }
  if (response.status === 200 && typeof reply.access_token === 'string') {
    c.log.mask(reply.access_token);
    return { token: reply.access_token, expiresAt: Date.now() + Number(reply.expires_in ?? 3600) * 1000 };
  }
  const description = reply.error_description ?? response.body.slice(0, 200);
  const aadsts = /AADSTS\d+/.exec(description)?.[0];
  throw new ServiceError({
    service: 'Microsoft Entra ID',
    doing: c.doing,
    status: response.status,
    code: aadsts ?? reply.error,
    requestId: reply.trace_id ?? response.headers['x-ms-request-id'],
    detail: (description.split(/\r?\n/)[0] ?? '').replace(/^AADSTS\d+:\s*/, ''),
    hint: signInHint(aadsts, c),
  });
}

function signInHint(aadsts: string | undefined, c: ClientCredentials): string {
  const hints: Record<string, string> = {
    AADSTS7000215:
      'the client secret is not valid for this client ID: check that the secret Value was stored (not the Secret ID), and that it has not expired',
    AADSTS7000222: 'the client secret has expired: create a new one',
    AADSTS700016: `no app with client ID ${c.clientId} exists in tenant ${c.tenantId}: check client-id and tenant-id`,
    AADSTS90002: `tenant ${c.tenantId} was not found: check tenant-id (and cloud)`,
    AADSTS90013: `tenant-id is not valid`,
    AADSTS70021:
      "the app has no federated credential matching this workflow: add one with issuer https://token.actions.githubusercontent.com and the workflow's subject (repo:OWNER/REPO:ref:refs/heads/BRANCH or repo:OWNER/REPO:environment:NAME)",
    AADSTS700213:
      "no federated credential of the app matches this workflow's subject: the subject must be exactly repo:OWNER/REPO:ref:refs/heads/BRANCH, or repo:OWNER/REPO:environment:NAME when the job has an environment",
    AADSTS700211: 'no federated credential of the app has the issuer of the GitHub ID token (https://token.actions.githubusercontent.com, or your GHES issuer)',
    AADSTS700212: 'no federated credential of the app has the audience of the GitHub ID token: check oidc-audience (default api://AzureADTokenExchange)',
    AADSTS700024: 'the GitHub ID token has expired or is not yet valid: run again',
    AADSTS7000229: 'the app has no service principal in this tenant: set service-principal: true (the default)',
  };
  return (aadsts === undefined ? undefined : hints[aadsts]) ?? 'check tenant-id, client-id and the credential';
}

/** GET ACTIONS_ID_TOKEN_REQUEST_URL&audience=… with the request token; the reply is {"value": jwt}. */
async function githubIdToken(http: HttpClient, audience: string, log: Log, env: NodeJS.ProcessEnv): Promise<string> {
  const requestUrl = env['ACTIONS_ID_TOKEN_REQUEST_URL'];
  const requestToken = env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
  const doing = `getting a GitHub OIDC ID token (audience ${audience}) to sign in without a client secret`;
  if (!requestUrl || !requestToken) {
    throw new ServiceError({
      service: 'GitHub',
      doing,
      detail: 'ACTIONS_ID_TOKEN_REQUEST_URL is not set, so this job may not request an ID token',
      hint: 'give the job `permissions: id-token: write` (pull requests from forks never get one), or set the client-secret input',
    });
  }
  let response;
  try {
    response = await http.send({
      method: 'GET',
      url: `${requestUrl}${requestUrl.includes('?') ? '&' : '?'}audience=${encodeURIComponent(audience)}`,
      headers: { authorization: `Bearer ${requestToken}`, accept: 'application/json' },
      doing,
      idempotent: true,
    });
  } catch (error) {
    const transport = error instanceof TransportError ? error : undefined;
    throw new ServiceError({
      service: 'GitHub',
      doing,
      code: transport?.code,
      detail: (error as Error).message,
      hint: transport?.untrusted ? untrustedHint(new URL(requestUrl).host, 'ACTIONS_ID_TOKEN_REQUEST_URL (set by the runner)') : 'run again; if it persists, check the runner network',
    });
  }
  let value: unknown;
  try {
    value = (JSON.parse(response.body) as { value?: unknown }).value;
  } catch {
    value = undefined;
  }
  if (response.status !== 200 || typeof value !== 'string') {
    throw new ServiceError({
      service: 'GitHub',
      doing,
      status: response.status,
      requestId: response.headers['x-github-request-id'],
      detail: response.body.slice(0, 200),
      hint: 'check that the job has `permissions: id-token: write`',
    });
  }
  log.mask(value);
  return value;
}
