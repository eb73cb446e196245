/** Signing in as the rotator: a client secret, or GitHub OIDC federation (a client assertion). */
import * as core from '@actions/core';
import { ClientAssertionCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';
import type { Config } from '../config';
import { ServiceError } from '../core/errors';

/** Hosts MSAL knows; any other authority host must skip instance discovery, or MSAL asks the public cloud first. */
const MICROSOFT_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
  'login.microsoft.com',
  'login.windows.net',
  'sts.windows.net',
]);

/** A token for the Graph root given, with errors that say what to try. */
export interface GraphTokenSource {
  token(): Promise<string>;
}

export function graphTokenSource(signIn: Config['signIn']): GraphTokenSource {
  const options = {
    authorityHost: signIn.authorityHost,
    disableInstanceDiscovery: !MICROSOFT_AUTHORITY_HOSTS.has(new URL(signIn.authorityHost).hostname),
  };
  const idToken = signIn.clientSecret === undefined ? memoisedIdToken(signIn.oidcAudience) : undefined;
  const credential: TokenCredential =
    idToken === undefined
      ? new ClientSecretCredential(signIn.tenantId, signIn.clientId, signIn.clientSecret?.reveal() ?? '', options)
      : new ClientAssertionCredential(signIn.tenantId, signIn.clientId, idToken.get, options);
  const scope = `${signIn.graphEndpoint}/.default`;
  let cached: { token: Promise<string>; refreshAt: number } | undefined;
  const fetchToken = async (): Promise<{ token: string; expiresOnTimestamp: number }> => {
    try {
      const result = await credential.getToken(scope);
      if (result === null) throw new Error('no access token was returned');
      core.setSecret(result.token);
      return result;
    } catch (error) {
      // msal wraps what the assertion callback threw; the original says more.
      throw idToken?.lastError ?? signInError(error, signIn);
    }
  };
  return {
    token() {
      if (cached === undefined || Date.now() >= cached.refreshAt) {
        const pending = fetchToken();
        const entry = { token: pending.then((r) => r.token), refreshAt: Number.POSITIVE_INFINITY };
        cached = entry;
        pending.then(
          (r) => (entry.refreshAt = r.expiresOnTimestamp - 5 * 60_000),
          () => (cached = undefined),
        );
      }
      return cached.token;
    },
  };
}

/**
 * msal-node asks for the assertion twice per token request, before its own cache: fetch the GitHub ID token
 * once and reuse it while it is fresh (one ID-token request per run).
 */
function memoisedIdToken(audience: string): { get: () => Promise<string>; lastError: Error | undefined } {
  let cached: { value: Promise<string>; until: number } | undefined;
  const memo = {
    lastError: undefined as Error | undefined,
    get: (): Promise<string> => {
      if (cached === undefined || Date.now() > cached.until) {
        const value = fetchIdToken(audience);
        cached = { value, until: Date.now() + 4 * 60_000 };
        value.catch((error: unknown) => {
          cached = undefined;
          memo.lastError = error instanceof Error ? error : new Error(String(error));
        });
      }
      return cached.value;
    },
  };
  return memo;
}

async function fetchIdToken(audience: string): Promise<string> {
  if (!process.env['ACTIONS_ID_TOKEN_REQUEST_URL'] || !process.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']) {
    throw new ServiceError({
      service: 'GitHub',
      doing: 'getting a GitHub OIDC ID token to sign in without a client secret',
      hint: "give the job `permissions: id-token: write` (the ID token is not available otherwise, nor to pull requests from forks), or set the client-secret input",
    });
  }
  try {
    const token = await core.getIDToken(audience);
    core.setSecret(token);
    return token;
  } catch (error) {
    throw new ServiceError({
      service: 'GitHub',
      doing: `getting a GitHub OIDC ID token (audience ${audience})`,
      detail: error instanceof Error ? error.message : String(error),
      hint: 'check that the job has `permissions: id-token: write`',
    });
  }
}

interface MsalErrorShape {
  errorResponse?: { error?: string; errorDescription?: string; error_description?: string; correlationId?: string; traceId?: string; trace_id?: string };
  statusCode?: number;
  message?: string;
}

function signInError(error: unknown, signIn: Config['signIn']): Error {
  if (error instanceof ServiceError) return error;
  const e = (error ?? {}) as MsalErrorShape;
  const text = `${e.errorResponse?.errorDescription ?? e.errorResponse?.error_description ?? ''} ${e.message ?? ''}`;
  const aadsts = /AADSTS(\d+)/.exec(text)?.[0];
  const how = signIn.clientSecret === undefined ? 'with GitHub OIDC federation' : 'with a client secret';
  const hints: Record<string, string> = {
    AADSTS7000215: 'client-secret is not a valid secret of the client-id app: check that you stored the secret Value (not the Secret ID) and that it has not expired',
    AADSTS7000222: 'the client-secret has expired: create a new one for the rotator',
    AADSTS700016: `no app with client ID ${signIn.clientId} exists in tenant ${signIn.tenantId}: check client-id and tenant-id`,
    AADSTS90002: `tenant ${signIn.tenantId} was not found: check tenant-id (and cloud)`,
    AADSTS70021:
      "the rotator app has no federated credential matching this workflow's subject: add one (issuer https://token.actions.githubusercontent.com, subject like repo:OWNER/REPO:ref:refs/heads/main or repo:OWNER/REPO:environment:NAME)",
    AADSTS700024: 'the GitHub ID token was refused (expired or wrong audience): check oidc-audience',
    AADSTS700213: "the rotator app has no federated credential matching this workflow's subject",
  };
  const first = (text.split('\n')[0] ?? '').trim();
  return new ServiceError({
    service: 'Microsoft Entra ID',
    doing: `signing in as ${signIn.clientId} ${how} at ${signIn.authorityHost}`,
    status: e.statusCode,
    code: aadsts ?? e.errorResponse?.error,
    requestId: e.errorResponse?.traceId ?? e.errorResponse?.trace_id ?? e.errorResponse?.correlationId,
    detail: first.slice(0, 400),
    hint:
      (aadsts === undefined ? undefined : hints[aadsts]) ??
      (/endpoints_resolution_error/.test(text)
        ? `the authority ${signIn.authorityHost} could not be reached or its certificate is not trusted (check authority-host, and NODE_EXTRA_CA_CERTS for private CAs)`
        : 'check tenant-id, client-id and the credential'),
  });
}
