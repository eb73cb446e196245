/**
 * Signing in to Entra ID with @azure/identity: as the rotator (a client secret, or the GitHub OIDC ID token as a
 * client assertion), and as the managed app with its new secret (the verifier). The SDK's errors become
 * ServiceErrors that carry the AADSTS code, the trace id and what to try.
 */
import { ClientAssertionCredential, ClientCertificateCredential, ClientSecretCredential, type AccessToken, type GetTokenOptions, type TokenCredential } from '@azure/identity';
import { ServiceError, type Service } from '../core/errors';
import type { AppRegistration } from '../core/model';
import type { Log, SecretVerifier } from '../core/ports';
import type { Secret } from '../core/secret';
import { MICROSOFT_AUTHORITY_HOSTS } from '../inputs/clouds';
import { viaProxy } from './proxy';
import { backoffMs, sleep, type RetryPolicy } from './retry';
import { causeCode, TLS_VERIFICATION_CODES, untrustedHint } from './tls';

/** How the rotator signs in (config.ts reads it from the inputs): what this adapter needs of the settings. */
export interface SignIn {
  tenantId: string;
  clientId: string;
  /** Present: client-secret sign-in. Absent: GitHub OIDC federation. */
  clientSecret: Secret | undefined;
  oidcAudience: string;
  authorityHost: string;
  /** Graph root without a trailing slash: tokens are for `${graphEndpoint}/.default`. */
  graphEndpoint: string;
}


/** The rotator's credential: the Graph client's auth provider and anything else that needs its token. */
export interface RotatorCredential extends TokenCredential {
  /** `<graph-endpoint>/.default` */
  readonly graphScope: string;
}

function credentialOptions(signIn: SignIn, policy: RetryPolicy): ConstructorParameters<typeof ClientSecretCredential>[3] {
  return {
    authorityHost: signIn.authorityHost,
    // Elsewhere MSAL first asks login.microsoftonline.com where the authority is, and fails after ~6 s offline.
    disableInstanceDiscovery: !MICROSOFT_AUTHORITY_HOSTS.has(new URL(signIn.authorityHost).host),
    // The SDK retries 429 and 5xx of the token endpoint itself; these keep its waits within the policy's.
    retryOptions: { maxRetries: policy.attempts - 1, retryDelayInMs: policy.baseMs, maxRetryDelayInMs: policy.maxBackoffMs },
  };
}

export function rotatorCredential(signIn: SignIn, policy: RetryPolicy, log: Log, env: NodeJS.ProcessEnv = process.env): RotatorCredential {
  const options = credentialOptions(signIn, policy);
  const inner =
    signIn.clientSecret === undefined
      ? new ClientAssertionCredential(signIn.tenantId, signIn.clientId, githubIdToken(signIn.oidcAudience, env), options)
      : new ClientSecretCredential(signIn.tenantId, signIn.clientId, signIn.clientSecret.reveal(), options);
  const how = signIn.clientSecret === undefined ? 'with GitHub OIDC federation' : 'with a client secret';
  const doing = `signing in as ${signIn.clientId} ${how} at ${signIn.authorityHost}`;
  return { ...maskedCredential(inner, signIn, doing, log), graphScope: `${signIn.graphEndpoint}/.default` };
}

/**
 * Masks each token the moment it exists, turns the SDK's errors into ServiceErrors, and shares one token request
 * among callers: the SDK starts a token request for each getToken made before the first token is cached (the Graph
 * client asks on every request, and reads run in parallel).
 */
function maskedCredential(inner: TokenCredential, signIn: SignIn, doing: string, log: Log): TokenCredential {
  const tokens = new Map<string, Promise<AccessToken>>();
  const fetchToken = async (scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> => {
    let token: AccessToken | null;
    try {
      token = await inner.getToken(scopes, options);
    } catch (error) {
      throw await signInError(error, { doing, signIn, clientId: signIn.clientId });
    }
    if (token === null) throw new ServiceError({ service: 'Microsoft Entra ID', doing, detail: 'no access token came back' });
    log.mask(token.token);
    return token;
  };
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
      const key = [scopes].flat().join(' ');
      let pending = tokens.get(key);
      if (pending === undefined) {
        pending = fetchToken(scopes, options);
        tokens.set(key, pending);
        // A failure is not kept (the next caller asks again); a token is, until 5 minutes before it expires.
        pending.catch(() => tokens.delete(key));
      }
      const token = await pending;
      if (Date.now() >= token.expiresOnTimestamp - 5 * 60_000 && tokens.get(key) === pending) tokens.delete(key);
      return token;
    },
  };
}

/**
 * The GitHub ID token as the client assertion, fetched once per run: msal-node asks for the assertion more than
 * once per token (twice, before its cache), and every ask would be a request to the runner.
 */
function githubIdToken(audience: string, env: NodeJS.ProcessEnv): () => Promise<string> {
  let pending: Promise<string> | undefined;
  return () => {
    pending ??= fetchIdToken(audience, env);
    return pending;
  };
}

async function fetchIdToken(audience: string, env: NodeJS.ProcessEnv): Promise<string> {
  const doing = `getting a GitHub OIDC ID token (audience ${audience}) to sign in without a client secret`;
  const requestUrl = env['ACTIONS_ID_TOKEN_REQUEST_URL'];
  if (!requestUrl || !env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']) {
    throw new ServiceError({
      service: 'GitHub',
      doing,
      detail: 'ACTIONS_ID_TOKEN_REQUEST_URL is not set, so this job may not request an ID token',
      hint: 'give the job `permissions: id-token: write` (pull requests from forks never get one), or set the client-secret input',
    });
  }
  // @actions/core masks the token (setSecret) before returning it.
  const core = await import('@actions/core');
  try {
    return await core.getIDToken(audience);
  } catch (error) {
    const code = causeCode(error);
    throw new ServiceError({
      service: 'GitHub',
      doing,
      code,
      detail: error instanceof Error ? error.message : String(error),
      hint:
        code !== undefined && TLS_VERIFICATION_CODES.has(code)
          ? untrustedHint(new URL(requestUrl).host, 'ACTIONS_ID_TOKEN_REQUEST_URL (set by the runner)')
          : 'check that the job has `permissions: id-token: write`; if it has, run again',
    });
  }
}

/**
 * Entra may refuse a new secret for seconds after addPassword (AADSTS7000215; 4-18 s seen), a new certificate while
 * it propagates (AADSTS700027, "key was not found"), and a new app or service principal may not have reached the
 * token service yet. Ask for a token with the new credential until Entra accepts it, within a bounded time.
 */
export function newSecretVerifier(signIn: SignIn, policy: RetryPolicy, log: Log): SecretVerifier {
  const verify = (app: AppRegistration, kind: VerifiedKind, inner: TokenCredential, options: { servicePrincipalMayBeMissing: boolean }): Promise<'accepted' | 'no-service-principal'> => {
    const doing = `checking that Entra accepts the new ${kind.noun} of '${app.displayName}' (signing in as ${app.appId})`;
    // One credential for every try: MSAL reads the authority's metadata once per credential.
    const credential = maskedCredential(inner, { ...signIn, clientId: app.appId }, doing, log);
    return untilAccepted(credential, `${signIn.graphEndpoint}/.default`, kind, options, policy, log);
  };
  return {
    accepts(app, value, options) {
      return verify(app, SECRET, new ClientSecretCredential(signIn.tenantId, app.appId, value.reveal(), credentialOptions(signIn, policy)), options);
    },
    // The PEM's lines were masked by the certificate maker the moment they existed.
    acceptsCertificate(app, pem, options) {
      return verify(app, CERTIFICATE, new ClientCertificateCredential(signIn.tenantId, app.appId, { certificate: pem.reveal() }, credentialOptions(signIn, policy)), options);
    },
  };
}

/** What is verified: its name in messages, and Entra's codes for "not yet" (replication, propagation). */
interface VerifiedKind {
  noun: string;
  notYet: ReadonlySet<string>;
}

const NOT_YET_ANY = ['AADSTS7000229', 'AADSTS700016'];
const SECRET: VerifiedKind = { noun: 'client secret', notYet: new Set(['AADSTS7000215', 'AADSTS7000222', ...NOT_YET_ANY]) };
const CERTIFICATE: VerifiedKind = { noun: 'certificate', notYet: new Set(['AADSTS700027', ...NOT_YET_ANY]) };

async function untilAccepted(
  credential: TokenCredential,
  scope: string,
  kind: VerifiedKind,
  options: { servicePrincipalMayBeMissing: boolean },
  policy: RetryPolicy,
  log: Log,
): Promise<'accepted' | 'no-service-principal'> {
  // 60 s with the production policy (shorter with ENTRA_ROTATOR_RETRY_BASE_MS in tests).
  const budgetMs = policy.baseMs * 60;
  const started = Date.now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      await credential.getToken(scope);
      return 'accepted';
    } catch (error) {
      const code = error instanceof ServiceError ? error.code : undefined;
      if (code === 'AADSTS7000229' && options.servicePrincipalMayBeMissing) return 'no-service-principal';
      const wait = backoffMs(policy, attempt);
      const notYet = code !== undefined && kind.notYet.has(code);
      if (!notYet || Date.now() - started + wait > budgetMs) throw notYet ? stillRefused(error as ServiceError, started, kind.noun) : error;
      log.info(`Entra does not accept the new ${kind.noun} yet (${code}); asking again in ${wait} ms`);
      await sleep(wait);
    }
  }
}

function stillRefused(error: ServiceError, started: number, noun: string): ServiceError {
  return new ServiceError({
    ...error.details,
    hint: `Entra still refused the new ${noun} after ${Math.round((Date.now() - started) / 1000)} s; run again later. Set verify-new-secret: false only if this tenant's token service cannot be reached from the runner`,
  });
}

/** What @azure/identity throws: AuthenticationError (errorResponse), or an error whose cause is MSAL's ServerError. */
interface IdentityError {
  statusCode?: number;
  errorResponse?: { error?: string; errorDescription?: string; errorCodes?: number[]; traceId?: string; correlationId?: string };
  cause?: { errorCode?: string; errorNo?: number | string; status?: number; correlationId?: string; errorMessage?: string };
}

interface SignInContext {
  doing: string;
  signIn: SignIn;
  /** Who signs in: the rotator, or the managed app (verifier). */
  clientId: string;
}

/** A ServiceError from whatever the credential threw; an error of ours (the ID token) is kept as it is. */
export async function signInError(error: unknown, c: SignInContext): Promise<ServiceError> {
  if (error instanceof ServiceError) return error;
  const own = findServiceError(error);
  if (own !== undefined) return own;
  const e = (error ?? {}) as IdentityError;
  const response = e.errorResponse;
  const server = e.cause !== undefined && typeof e.cause === 'object' && 'errorCode' in e.cause ? e.cause : undefined;
  const number = response?.errorCodes?.[0] ?? server?.errorNo;
  const text = response?.errorDescription ?? server?.errorMessage ?? (error instanceof Error ? error.message : String(error));
  const aadsts = number === undefined || number === '' ? undefined : `AADSTS${number}`;
  if (aadsts === undefined && response === undefined && server === undefined) return unreachable(text, c);
  return new ServiceError({
    service: 'Microsoft Entra ID',
    doing: c.doing,
    status: e.statusCode ?? server?.status,
    code: aadsts ?? response?.error ?? server?.errorCode,
    // The trace id is in the text only (MSAL keeps the correlation id as a field).
    requestId: response?.traceId ?? /Trace ID: ([0-9a-f-]{36})/i.exec(text)?.[1] ?? response?.correlationId ?? server?.correlationId,
    detail: description(text),
    hint: signInHint(aadsts, c),
  });
}

/** The ServiceError our own assertion callback threw, which the SDK wraps (as `cause`, at some depth). */
function findServiceError(error: unknown): ServiceError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) if (e instanceof ServiceError) return e;
  return undefined;
}

/** The first line of Entra's description, without the AADSTS prefix. */
function description(text: string): string {
  const described = /Description: (?:AADSTS\d+: ?)?([^\r\n]*)/.exec(text)?.[1];
  return (described ?? text.split(/\r?\n/)[0] ?? '').replace(/^AADSTS\d+:\s*/, '');
}

/**
 * No answer from Entra. MSAL reports an untrusted certificate, an unreachable host and a bad OpenID configuration
 * alike (endpoints_resolution_error), so the authority host is asked once more, directly, to tell which.
 */
async function unreachable(text: string, c: SignInContext): Promise<ServiceError> {
  const host = new URL(c.signIn.authorityHost).host;
  const code = await probe(`${c.signIn.authorityHost}/${encodeURIComponent(c.signIn.tenantId)}/v2.0/.well-known/openid-configuration`);
  const service: Service = 'Microsoft Entra ID';
  if (code !== undefined && TLS_VERIFICATION_CODES.has(code)) {
    return new ServiceError({ service, doing: c.doing, code, detail: text, hint: untrustedHint(host, 'authority-host (and cloud)') });
  }
  return new ServiceError({
    service,
    doing: c.doing,
    code,
    detail: text,
    hint: code === undefined
      ? `${host} answered, but not with a usable OpenID configuration for tenant ${c.signIn.tenantId}: check tenant-id and authority-host (and cloud)`
      : 'check authority-host (and cloud), the network (and HTTPS_PROXY / NO_PROXY), and NODE_EXTRA_CA_CERTS for private CAs',
  });
}

/** The transport error code of a GET to `url`, or undefined when an answer came. */
async function probe(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, await viaProxy({ signal: AbortSignal.timeout(10_000) }));
    await response.arrayBuffer();
    return undefined;
  } catch (error) {
    return causeCode(error) ?? (error instanceof Error ? error.name : 'ERROR');
  }
}

function signInHint(aadsts: string | undefined, c: SignInContext): string {
  const { tenantId } = c.signIn;
  const hints: Record<string, string> = {
    AADSTS7000215:
      'the client secret is not valid for this client ID: check that the secret Value was stored (not the Secret ID), and that it has not expired',
    AADSTS7000222: 'the client secret has expired: create a new one',
    AADSTS700016: `no app with client ID ${c.clientId} exists in tenant ${tenantId}: check client-id and tenant-id`,
    AADSTS90002: `tenant ${tenantId} was not found: check tenant-id (and cloud)`,
    AADSTS90013: `tenant-id is not valid`,
    AADSTS70021:
      "the app has no federated credential matching this workflow: add one with issuer https://token.actions.githubusercontent.com and the workflow's subject (repo:OWNER/REPO:ref:refs/heads/BRANCH or repo:OWNER/REPO:environment:NAME)",
    AADSTS700213:
      "no federated credential of the app matches this workflow's subject: the subject must be exactly repo:OWNER/REPO:ref:refs/heads/BRANCH, or repo:OWNER/REPO:environment:NAME when the job has an environment",
    AADSTS7002138:
      "the workflow's subject differs from the app's federated credential only in upper and lower case: the subject must match exactly, case included (repo:OWNER/REPO:... as GitHub writes the names); fix the credential's subject",
    AADSTS700211: 'no federated credential of the app has the issuer of the GitHub ID token (https://token.actions.githubusercontent.com, or your GHES issuer)',
    AADSTS700212: "no federated credential of the app has the audience of the GitHub ID token: check oidc-audience (empty: the cloud's, api://AzureADTokenExchange in AzureCloud) and the audience of the app's federated credential",
    AADSTS700024: 'the GitHub ID token has expired or is not yet valid: run again',
    AADSTS700027: 'Entra does not know the certificate the client assertion was signed with (not on the app, expired, or not propagated yet)',
    AADSTS7000229: 'the app has no service principal in this tenant: set service-principal: true (the default)',
  };
  return (aadsts === undefined ? undefined : hints[aadsts]) ?? 'check tenant-id, client-id and the credential';
}
