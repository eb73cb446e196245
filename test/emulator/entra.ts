/**
 * Entra ID (login.microsoftonline.com) subset: instance discovery, OpenID configuration, JWKS, and the v2.0 token
 * endpoint for the client-credentials grant with a client secret or a federated client assertion.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Req, Res, ServiceHandler } from './server.ts';
import type { State } from './state.ts';
import { handOut } from './state.ts';
import type { FederatedIdentityCredential, GraphApp } from './types.ts';
import { constants, verify } from 'node:crypto';
import { decodeJwt, verifyRs256 } from './jwt.ts';
import type { DecodedJwt } from './jwt.ts';
import { parseCertificateKey } from './certs.ts';
import { GRAPH_APP_ID, fillAppDefaults } from './graph-model.ts';
import { entraTimestamp, guid, isGuid, isPlainObject, jwtLooking } from './util.ts';
import { KEY_VAULT_APP_ID, KEY_VAULT_RESOURCE } from './keyvault.ts';

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const TENANT_DOMAIN = 'emulator.onmicrosoft.com';
/** Hosts instance discovery answers for, besides the authority's own name (see instanceDiscovery). */
const KNOWN_INSTANCE_HOSTS = new Set(['127.0.0.1', 'localhost', 'login.microsoftonline.com']);
/** Azure Resource Manager: the resource the Azure CLI signs in for, in both of its spellings. */
export const ARM_RESOURCES = ['https://management.core.windows.net', 'https://management.azure.com'];
const FIC_DOC = 'https://learn.microsoft.com/entra/workload-id/workload-identity-federation';

interface Caller {
  clientId: string;
  roles: string[];
}

type AuthResult = { ok: Caller } | { err: Res };

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** MSAL sends client-request-id as a query parameter of the token request; other clients as a header. */
function clientRequestId(req: Req): string | undefined {
  return header(req.headers, 'client-request-id') ?? req.query.get('client-request-id') ?? undefined;
}

export function createEntraHandler(state: State): ServiceHandler {
  const authority = (): string => state.urls.authority;

  function error(req: Req, status: number, error: string, code: number, text: string): Res {
    const now = new Date();
    const correlation = clientRequestId(req) ?? guid();
    return {
      status,
      headers: { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' },
      body: {
        error,
        error_description: `AADSTS${code}: ${text}\r\nTrace ID: ${req.requestId}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${entraTimestamp(now)}`,
        error_codes: [code],
        timestamp: entraTimestamp(now),
        trace_id: req.requestId,
        correlation_id: correlation,
        error_uri: `${authority()}/error?code=${code}`,
      },
    };
  }

  const tenantMatches = (t: string): boolean => t.toLowerCase() === state.tenantId.toLowerCase() || t.toLowerCase() === TENANT_DOMAIN;

  function tenantNotFound(req: Req, tenant: string): Res {
    return error(req, 400, 'invalid_tenant', 90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`);
  }

  function openidConfiguration(tenantPath: string, issuerTenant: string): Record<string, unknown> {
    const a = authority();
    const host = new URL(state.urls.graph).host;
    return {
      token_endpoint: `${a}/${tenantPath}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${a}/${tenantPath}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${a}/${issuerTenant}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${state.urls.graph}/oidc/userinfo`,
      authorization_endpoint: `${a}/${tenantPath}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${a}/${tenantPath}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${a}/${tenantPath}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      kerberos_endpoint: `${a}/${tenantPath}/kerberos`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: host,
      rbac_url: 'https://pas.windows.net',
    };
  }

  /**
   * Instance discovery, as login.microsoftonline.com answers it: metadata for an authority on a host it knows, and
   * 400 `invalid_instance` (AADSTS50049) for any other host. The hosts the emulator knows are those it serves: its
   * authority's name (127.0.0.1), `localhost`, and `login.microsoftonline.com` (the name the real-client test maps
   * to it inside a private namespace). The port does not matter: MSAL Python drops it from `authorization_endpoint`.
   */
  function instanceDiscovery(req: Req): Res {
    const a = authority();
    const host = new URL(a).host;
    let tenant = '{tenant}';
    const ae = req.query.get('authorization_endpoint');
    if (ae) {
      const m = /^https?:\/\/([^/:]+)(?::\d+)?\/([^/]+)\//.exec(ae);
      if (!m || !KNOWN_INSTANCE_HOSTS.has((m[1] ?? '').toLowerCase())) {
        return error(req, 400, 'invalid_instance', 50049, 'Unknown or invalid instance.');
      }
      if (m[2]) tenant = m[2];
    }
    return {
      status: 200,
      body: {
        tenant_discovery_endpoint: `${a}/${tenant}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      },
    };
  }

  /** Which resource a `.default` scope names, and the audience of tokens for it. */
  function resolveResource(resource: string): { audience: string; isGraph: boolean } | undefined {
    const r = resource.replace(/\/+$/, '');
    // The graph server is also reachable as localhost (its certificate names both); it is the same resource.
    const graphByName = state.urls.graph.replace('//127.0.0.1:', '//localhost:');
    if ([state.urls.graph.toLowerCase(), graphByName, GRAPH_APP_ID].includes(r.toLowerCase())) return { audience: state.urls.graph, isGraph: true };
    if (r.toLowerCase() === 'https://graph.microsoft.com') return { audience: 'https://graph.microsoft.com', isGraph: false };
    // ARM: `https://management.core.windows.net//.default` (the Azure CLI's form, double slash) or `https://management.azure.com/.default`.
    if (ARM_RESOURCES.includes(r.toLowerCase())) return { audience: `${r.toLowerCase()}/`, isGraph: false };
    // Key Vault (`https://vault.azure.net/.default`, the scope its challenge names): v1 tokens carry the URI as `aud`.
    if ([KEY_VAULT_RESOURCE, KEY_VAULT_APP_ID].includes(r.toLowerCase())) return { audience: KEY_VAULT_RESOURCE, isGraph: false };
    const sp = state.graph.servicePrincipals.find((s) => s.appId.toLowerCase() === r.toLowerCase() || s.servicePrincipalNames.some((n) => n.replace(/\/+$/, '').toLowerCase() === r.toLowerCase()));
    if (sp) return { audience: sp.appId, isGraph: false };
    const app = state.graph.apps.find((a) => a.appId.toLowerCase() === r.toLowerCase() || a.identifierUris.some((u) => u.replace(/\/+$/, '').toLowerCase() === r.toLowerCase()));
    if (app && state.graph.servicePrincipals.some((s) => s.appId === app.appId)) return { audience: app.appId, isGraph: false };
    return undefined;
  }

  function verifyAssertion(req: Req, clientId: string, assertion: string, fics: FederatedIdentityCredential[]): Res | undefined {
    const jwt = decodeJwt(assertion);
    if (!jwt) return error(req, 400, 'invalid_request', 50027, 'JWT token is invalid or malformed.');
    const iss = typeof jwt.payload['iss'] === 'string' ? jwt.payload['iss'] : '';
    const sub = typeof jwt.payload['sub'] === 'string' ? jwt.payload['sub'] : '';
    const audClaim = jwt.payload['aud'];
    const auds = Array.isArray(audClaim) ? audClaim.filter((x): x is string => typeof x === 'string') : typeof audClaim === 'string' ? [audClaim] : [];
    if (fics.length === 0) {
      return error(req, 400, 'invalid_request', 70021,
        `No matching federated identity record found for presented assertion. Assertion Issuer: '${iss}'. Assertion Subject: '${sub}'. Assertion Audience: '${auds.join(',')}'. ${FIC_DOC}`);
    }
    const byIssuer = fics.filter((f) => f.issuer === iss);
    if (byIssuer.length === 0) {
      return error(req, 401, 'invalid_client', 700211,
        `No matching federated identity record found for presented assertion issuer '${iss}'. Please note that the matching is done using a case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${FIC_DOC}`);
    }
    // Only GitHub's issuer can be verified: its keys are the emulator's OIDC keys.
    if (iss !== GITHUB_ISSUER || !verifyRs256(jwt, state.oidcKey)) {
      return error(req, 401, 'invalid_client', 700027, 'Client assertion failed signature validation.');
    }
    const now = Math.floor(Date.now() / 1000);
    const exp = typeof jwt.payload['exp'] === 'number' ? jwt.payload['exp'] : 0;
    const nbf = typeof jwt.payload['nbf'] === 'number' ? jwt.payload['nbf'] : typeof jwt.payload['iat'] === 'number' ? jwt.payload['iat'] : 0;
    if (now >= exp || now + 300 < nbf) {
      const iso = (s: number): string => new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      return error(req, 401, 'invalid_client', 700024,
        `Client assertion is not within its valid time range. Current time: ${iso(now)}, assertion valid from ${iso(nbf)}, expiry time of assertion ${iso(exp)}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`);
    }
    const byAudience = byIssuer.filter((f) => f.audiences.some((a) => auds.includes(a)));
    if (byAudience.length === 0) {
      return error(req, 401, 'invalid_client', 700212,
        `No matching federated identity record found for presented assertion audience '${auds.join(',')}'. Please note that the matching is done using a case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${FIC_DOC}`);
    }
    if (!byAudience.some((f) => f.subject === sub) && byAudience.some((f) => f.subject.toLowerCase() === sub.toLowerCase())) {
      // Entra compares subjects with case: one that differs only in case has its own code.
      return error(req, 401, 'invalid_client', 7002138,
        `The subject of the presented assertion '${sub}' differs from the federated identity credential's subject only in case. Subjects are matched case-sensitively. ${FIC_DOC}`);
    }
    if (!byAudience.some((f) => f.subject === sub)) {
      return error(req, 401, 'invalid_client', 700213,
        `No matching federated identity record found for presented assertion subject '${sub}'. Please note that the matching is done using a case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${FIC_DOC}`);
    }
    void clientId;
    return undefined;
  }

  /**
   * The token endpoint URLs an assertion's `aud` may name: the v2.0 (and v1) token endpoint of this tenant, by the
   * tenant as the request named it, its id or its domain, on the authority's host or the host the request came to.
   */
  function tokenEndpoints(req: Req, tenant: string): Set<string> {
    const hosts = new Set([authority().toLowerCase()]);
    const host = header(req.headers, ':authority') ?? header(req.headers, 'host');
    if (host) hosts.add(`https://${host.toLowerCase()}`);
    const out = new Set<string>();
    for (const h of hosts) {
      for (const t of [tenant, state.tenantId, TENANT_DOMAIN]) {
        out.add(`${h}/${t.toLowerCase()}/oauth2/v2.0/token`);
        out.add(`${h}/${t.toLowerCase()}/oauth2/token`);
      }
    }
    return out;
  }

  /**
   * A client assertion signed with one of the app's certificates (iss = the client id). The certificate is the one
   * the header's `x5t#S256` (SHA-256) or `x5t` (SHA-1) names, among the app's keyCredentials valid now; RS256 and
   * PS256 signatures are checked with its public key; `aud` must be the token endpoint, `iss` and `sub` the client id,
   * `exp` in the future and `nbf` not (5 minutes of skew allowed, as for federated assertions).
   *
   * Codes: AADSTS700027 (certificate not registered / signature invalid / key expired), AADSTS700024 (assertion
   * outside its time range), AADSTS50048 (subject mismatches issuer) are Entra's own, their texts written from the
   * messages Entra gives. Guessed: AADSTS50027 for a wrong audience (the exact code Entra uses there is not
   * documented), and AADSTS700027 "key was not found" for a certificate added less than secretPropagationMs ago
   * (Entra has not seen it yet).
   */
  function verifyCertificateAssertion(req: Req, tenant: string, app: GraphApp, jwt: DecodedJwt): Res | undefined {
    const clientId = app.appId;
    const sub = typeof jwt.payload['sub'] === 'string' ? jwt.payload['sub'] : '';
    if (sub.toLowerCase() !== clientId.toLowerCase()) {
      return error(req, 401, 'invalid_client', 50048, `Subject mismatches Issuer claim in the client assertion. Subject: '${sub}', Issuer: '${String(jwt.payload['iss'])}'.`);
    }
    const audClaim = jwt.payload['aud'];
    const auds = Array.isArray(audClaim) ? audClaim.filter((x): x is string => typeof x === 'string') : typeof audClaim === 'string' ? [audClaim] : [];
    const endpoints = tokenEndpoints(req, tenant);
    if (!auds.some((a) => endpoints.has(a.toLowerCase()))) {
      return error(req, 401, 'invalid_client', 50027, `JWT token is invalid or malformed. The audience '${auds.join(',')}' of the client assertion is not the token endpoint.`);
    }
    const s256 = typeof jwt.header['x5t#S256'] === 'string' ? jwt.header['x5t#S256'] : undefined;
    const s1 = typeof jwt.header['x5t'] === 'string' ? jwt.header['x5t'] : undefined;
    const named = s256 ?? s1 ?? '';
    // Decoded leniently (base64url or base64, padded or not): MSAL Python sends x5t in standard base64 with padding.
    const namedBytes = Buffer.from(named.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), 'base64url');
    const thumbprint = namedBytes.toString('hex').toUpperCase();
    const keys = Array.isArray(app.extra['keyCredentials']) ? (app.extra['keyCredentials'] as unknown[]).filter(isPlainObject) : [];
    const now = Date.now();
    const match = keys.filter((k) => {
      const cert = parseCertificateKey(k['key']);
      if (!cert || named === '') return false;
      return (s256 !== undefined ? cert.sha256 : cert.sha1).equals(namedBytes);
    });
    const seen = match.filter((k) => {
      const added = state.keyAddedAt.get(k);
      return added === undefined || now - added >= state.faults.secretPropagationMs;
    });
    const docs = `Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${clientId}'.`;
    if (seen.length === 0) {
      return error(req, 401, 'invalid_client', 700027,
        `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}', ${docs}]`);
    }
    const valid = seen.filter((k) => Date.parse(String(k['startDateTime'])) <= now && now < Date.parse(String(k['endDateTime'])));
    if (valid.length === 0) {
      const k = seen[0] ?? {};
      return error(req, 401, 'invalid_client', 700027,
        `Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '${thumbprint}', Found key 'Start=${String(k['startDateTime'])}, End=${String(k['endDateTime'])}', ${docs}]`);
    }
    const alg = jwt.header['alg'];
    const verified = valid.some((k) => {
      const cert = parseCertificateKey(k['key']);
      if (!cert) return false;
      const data = Buffer.from(jwt.signingInput);
      try {
        if (alg === 'RS256') return verify('sha256', data, cert.x509.publicKey, jwt.signature);
        if (alg === 'PS256') return verify('sha256', data, { key: cert.x509.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, jwt.signature);
      } catch {
        return false;
      }
      return false;
    });
    if (!verified) {
      return error(req, 401, 'invalid_client', 700027,
        `Client assertion contains an invalid signature. [Reason - The key was found, but use of the key to verify the signature failed., Thumbprint of key used by client: '${thumbprint}', ${docs}]`);
    }
    const exp = typeof jwt.payload['exp'] === 'number' ? jwt.payload['exp'] : 0;
    const nbf = typeof jwt.payload['nbf'] === 'number' ? jwt.payload['nbf'] : typeof jwt.payload['iat'] === 'number' ? jwt.payload['iat'] : 0;
    const nowS = Math.floor(now / 1000);
    if (nowS >= exp || nowS + 300 < nbf) {
      const iso = (x: number): string => new Date(x * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      return error(req, 401, 'invalid_client', 700024,
        `Client assertion is not within its valid time range. Current time: ${iso(nowS)}, assertion valid from ${iso(nbf)}, expiry time of assertion ${iso(exp)}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`);
    }
    return undefined;
  }

  function invalidSecret(req: Req, clientId: string): Res {
    return error(req, 401, 'invalid_client', 7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
  }

  function authenticate(req: Req, tenant: string, clientId: string, secret: string | undefined, assertion: string | undefined): AuthResult {
    const rotator = [...state.rotators.values()].find((r) => r.clientId.toLowerCase() === clientId.toLowerCase());
    if (rotator) {
      if (secret !== undefined) {
        return rotator.secret !== undefined && rotator.secret === secret ? { ok: { clientId: rotator.clientId, roles: [...rotator.roles] } } : { err: invalidSecret(req, rotator.clientId) };
      }
      const fics: FederatedIdentityCredential[] = rotator.federatedSubject === undefined ? [] : [{
        id: 'rotator', name: 'github', issuer: GITHUB_ISSUER, subject: rotator.federatedSubject, audiences: [TOKEN_EXCHANGE_AUDIENCE], description: null,
      }];
      const err = verifyAssertion(req, rotator.clientId, assertion ?? '', fics);
      return err ? { err } : { ok: { clientId: rotator.clientId, roles: [...rotator.roles] } };
    }
    const app: GraphApp | undefined = state.graph.apps.find((a) => a.appId.toLowerCase() === clientId.toLowerCase());
    if (!app) {
      return {
        err: error(req, 400, 'unauthorized_client', 700016,
          `Application with identifier '${clientId}' was not found in the directory '${TENANT_DOMAIN}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`),
      };
    }
    if (!state.graph.servicePrincipals.some((s) => s.appId === app.appId)) {
      return {
        err: error(req, 401, 'invalid_client', 7000229,
          `The client application ${app.appId} is missing service principal in the tenant ${state.tenantId}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`),
      };
    }
    if (secret !== undefined) {
      const now = Date.now();
      // The app's passwords and its service principal's own (`az ad sp credential reset`) both sign in.
      const spPasswords = state.graph.servicePrincipals.find((s) => s.appId === app.appId)?.passwordCredentials ?? [];
      const matching = [...app.passwordCredentials, ...spPasswords].filter((p) => p.secretText === secret);
      if (matching.length === 0) return { err: invalidSecret(req, app.appId) };
      const valid = matching.filter((p) => Date.parse(p.startDateTime) <= now && now < Date.parse(p.endDateTime));
      if (valid.length === 0) {
        if (matching.every((p) => Date.parse(p.endDateTime) <= now)) {
          return {
            err: error(req, 401, 'invalid_client', 7000222,
              `The provided client secret keys for app '${app.appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`),
          };
        }
        return { err: invalidSecret(req, app.appId) };
      }
      const propagated = valid.filter((p) => {
        const added = state.passwordAddedAt.get(p);
        return added === undefined || now - added >= state.faults.secretPropagationMs;
      });
      if (propagated.length === 0) return { err: invalidSecret(req, app.appId) };
      return { ok: { clientId: app.appId, roles: [] } };
    }
    // An assertion the app signed itself (iss = its client id) is checked against its certificates; any other
    // (GitHub's ID token) against its federated identity credentials.
    const jwt = decodeJwt(assertion ?? '');
    if (jwt && typeof jwt.payload['iss'] === 'string' && jwt.payload['iss'].toLowerCase() === app.appId.toLowerCase()) {
      const certErr = verifyCertificateAssertion(req, tenant, app, jwt);
      return certErr ? { err: certErr } : { ok: { clientId: app.appId, roles: [] } };
    }
    const err = verifyAssertion(req, app.appId, assertion ?? '', app.federatedIdentityCredentials);
    return err ? { err } : { ok: { clientId: app.appId, roles: [] } };
  }

  function token(req: Req, tenant: string): Res {
    for (const a of state.graph.apps) fillAppDefaults(a);
    if (req.method !== 'POST') return error(req, 400, 'invalid_request', 900561, 'The endpoint only accepts POST requests. Received a GET request.');
    if (!tenantMatches(tenant)) return tenantNotFound(req, tenant);
    const ct = (header(req.headers, 'content-type') ?? '').toLowerCase();
    const form = ct.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(req.body.toString('utf8')) : new URLSearchParams();
    const missing = (p: string): Res => error(req, 400, 'invalid_request', 900144, `The request body must contain the following parameter: '${p}'.`);
    const grant = form.get('grant_type');
    if (!grant) return missing('grant_type');
    if (grant !== 'client_credentials') {
      return error(req, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`);
    }
    let clientId = form.get('client_id') ?? undefined;
    let secret = form.get('client_secret') ?? undefined;
    const basic = /^basic\s+(.+)$/i.exec(header(req.headers, 'authorization') ?? '');
    if (basic?.[1]) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i > 0) {
        clientId ??= decodeURIComponent(decoded.slice(0, i).replace(/\+/g, ' '));
        secret ??= decodeURIComponent(decoded.slice(i + 1).replace(/\+/g, ' '));
      }
    }
    if (!clientId) return missing('client_id');
    if (!isGuid(clientId)) return error(req, 400, 'unauthorized_client', 700038, `${clientId} is not a valid application identifier.`);
    const scope = form.get('scope');
    if (!scope) return missing('scope');
    const scopes = scope.split(' ').filter((s) => s !== '');
    if (scopes.length !== 1 || !scopes[0]?.endsWith('/.default')) {
      return error(req, 400, 'invalid_scope', 1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
    const resource = scopes[0].slice(0, -'/.default'.length);
    const assertion = form.get('client_assertion') ?? undefined;
    const assertionType = form.get('client_assertion_type') ?? undefined;
    if (assertion !== undefined && secret !== undefined) return error(req, 400, 'invalid_request', 9002313, 'Invalid request. Request is malformed or invalid.');
    if (assertion !== undefined && assertionType === undefined) return missing('client_assertion_type');
    if (assertion !== undefined && assertionType !== JWT_BEARER) return error(req, 400, 'invalid_request', 9002313, 'Invalid request. Request is malformed or invalid.');
    if (assertion === undefined && secret === undefined) {
      return error(req, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    const auth = authenticate(req, tenant, clientId, secret, assertion);
    if ('err' in auth) return auth.err;
    const res = resolveResource(resource);
    if (!res) {
      return error(req, 400, 'invalid_resource', 500011,
        `The resource principal named ${resource} was not found in the tenant named ${TENANT_DOMAIN}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`);
    }
    const now = Math.floor(Date.now() / 1000);
    const roles = res.isGraph ? auth.ok.roles : [];
    const accessToken = jwtLooking({
      aud: res.audience,
      iss: `https://sts.windows.net/${state.tenantId}/`,
      iat: now,
      nbf: now,
      exp: now + 3599,
      aio: guid(),
      app_displayname: 'emulated client',
      appid: auth.ok.clientId,
      appidacr: secret !== undefined ? '1' : '2',
      idp: `https://sts.windows.net/${state.tenantId}/`,
      idtyp: 'app',
      oid: guid(),
      roles,
      sub: guid(),
      tid: state.tenantId,
      uti: guid(),
      ver: '1.0',
    });
    state.accessTokens.set(accessToken, { clientId: auth.ok.clientId, roles, audience: res.audience, expiresAt: (now + 3599) * 1000 });
    handOut(state, accessToken);
    return {
      status: 200,
      headers: { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' },
      body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken },
    };
  }

  return {
    service: 'entra',
    requestId: () => guid(),
    principal(req) {
      const clientId = new URLSearchParams(req.body.toString('utf8')).get('client_id');
      return clientId === null ? undefined : state.rotators.get(clientId.toLowerCase())?.clientId;
    },
    commonHeaders(req) {
      const h: Record<string, string> = { 'x-ms-request-id': req.requestId, 'x-ms-ests-server': '2.1.emulator' };
      const crid = clientRequestId(req);
      if (crid) h['client-request-id'] = crid;
      return h;
    },
    faultResponse(req, status, code) {
      if (status >= 500 || status === 429) {
        return error(req, status, code ?? (status === 500 ? 'server_error' : 'temporarily_unavailable'), 90033, 'A transient error has occurred. Please try again.');
      }
      return error(req, status, code ?? (status === 401 ? 'invalid_client' : 'invalid_request'), 9002313, 'Invalid request. Request is malformed or invalid.');
    },
    handle(req) {
      const segs = req.pathname.split('/').filter((s) => s !== '').map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          return s;
        }
      });
      if (req.method === 'GET' && segs.length === 3 && segs[0] === 'common' && segs[1] === 'discovery' && segs[2] === 'instance') return instanceDiscovery(req);
      const tenant = segs[0] ?? '';
      const rest = segs.slice(1).join('/');
      if (rest === 'v2.0/.well-known/openid-configuration' && req.method === 'GET') {
        const generic = ['common', 'organizations', 'consumers'].includes(tenant.toLowerCase());
        if (generic) return { status: 200, body: openidConfiguration(tenant, '{tenantid}') };
        if (!tenantMatches(tenant)) return tenantNotFound(req, tenant);
        return { status: 200, body: openidConfiguration(tenant, state.tenantId) };
      }
      if (rest === 'discovery/v2.0/keys' && req.method === 'GET') {
        if (!tenantMatches(tenant) && !['common', 'organizations', 'consumers'].includes(tenant.toLowerCase())) return tenantNotFound(req, tenant);
        return { status: 200, body: { keys: [] } };
      }
      if (rest === 'oauth2/v2.0/token') return token(req, tenant);
      return { status: 404, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<html><body>Not found</body></html>' };
    },
  };
}
