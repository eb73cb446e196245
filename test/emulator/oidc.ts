/**
 * The GitHub Actions runtime's ID-token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL), issuing RS256 JWTs as
 * https://token.actions.githubusercontent.com does, plus that issuer's discovery document and JWKS.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { randomInt } from 'node:crypto';
import type { Req, Res, ServiceHandler } from './server.ts';
import type { State } from './state.ts';
import { handOut } from './state.ts';
import { signJwt } from './jwt.ts';
import { GITHUB_ISSUER } from './entra.ts';
import { guid } from './util.ts';

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The runtime service answers errors as serialized .NET exceptions. */
function vssError(status: number, message: string, typeKey: string): Res {
  return {
    status,
    body: {
      $id: '1',
      innerException: null,
      message,
      typeName: `GitHub.Services.WebApi.${typeKey}, GitHub.Services.WebApi`,
      typeKey,
      errorCode: 0,
      eventId: 3000,
    },
  };
}

/** Claims GitHub derives from the workflow context, reconstructed from the subject. */
function contextClaims(subject: string): Record<string, unknown> {
  const m = /^repo:([^/:]+)\/([^:]+):(.*)$/.exec(subject);
  const owner = m?.[1] ?? 'octo';
  const repo = m?.[2] ?? 'app';
  const rest = m?.[3] ?? 'ref:refs/heads/main';
  const claims: Record<string, unknown> = {
    repository: `${owner}/${repo}`,
    repository_owner: owner,
    repository_owner_id: '1000001',
    repository_id: '2000002',
    repository_visibility: 'private',
    actor: owner,
    actor_id: '1000001',
    workflow: 'Rotate secret',
    event_name: 'workflow_dispatch',
    ref: 'refs/heads/main',
    ref_type: 'branch',
    ref_protected: 'false',
    head_ref: '',
    base_ref: '',
    sha: 'a'.repeat(40),
    run_id: String(randomInt(1_000_000_000, 9_000_000_000)),
    run_number: '1',
    run_attempt: '1',
    runner_environment: 'github-hosted',
    workflow_ref: `${owner}/${repo}/.github/workflows/rotate.yml@refs/heads/main`,
    workflow_sha: 'a'.repeat(40),
    job_workflow_ref: `${owner}/${repo}/.github/workflows/rotate.yml@refs/heads/main`,
    job_workflow_sha: 'a'.repeat(40),
  };
  if (rest.startsWith('ref:')) {
    const ref = rest.slice(4);
    claims['ref'] = ref;
    claims['ref_type'] = ref.startsWith('refs/tags/') ? 'tag' : 'branch';
  } else if (rest.startsWith('environment:')) {
    claims['environment'] = rest.slice('environment:'.length);
  } else if (rest === 'pull_request') {
    claims['event_name'] = 'pull_request';
    claims['ref'] = 'refs/pull/1/merge';
  }
  return claims;
}

export function createOidcHandler(state: State): ServiceHandler {
  function idToken(req: Req): Res {
    if (req.method !== 'GET') return vssError(405, 'The requested resource does not support http method.', 'MethodNotAllowedException');
    const auth = header(req.headers, 'authorization') ?? '';
    const m = /^bearer\s+(.+)$/i.exec(auth);
    if (!m || m[1] !== state.idTokenRequestToken) {
      return vssError(401, "TF400813: The user '' is not authorized to access this resource.", 'UnauthorizedRequestException');
    }
    const subject = state.oidcSubject;
    const claims = contextClaims(subject);
    const audience = req.query.get('audience') ?? `https://github.com/${String(claims['repository_owner'])}`;
    const now = Math.floor(Date.now() / 1000);
    const jwt = signJwt({
      jti: guid(),
      sub: subject,
      aud: audience,
      ...claims,
      iss: GITHUB_ISSUER,
      nbf: now,
      exp: now + 300,
      iat: now,
    }, state.oidcKey);
    handOut(state, jwt);
    return { status: 200, body: { value: jwt } };
  }

  return {
    service: 'oidc',
    requestId: () => guid(),
    commonHeaders: (req) => ({ 'x-vss-e2eid': req.requestId, 'activityid': req.requestId }),
    faultResponse: (_req, status, code) => vssError(status, code ?? `The service is unavailable (HTTP ${status}).`, 'VssServiceException'),
    handle(req) {
      if (req.pathname === '/idtoken') return idToken(req);
      if (req.pathname === '/.well-known/openid-configuration' && req.method === 'GET') {
        const base = `https://127.0.0.1:${new URL(state.urls.idTokenRequestUrl).port}`;
        return {
          status: 200,
          body: {
            issuer: GITHUB_ISSUER,
            jwks_uri: `${base}/.well-known/jwks`,
            subject_types_supported: ['public', 'pairwise'],
            response_types_supported: ['id_token'],
            claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'ref', 'repository', 'repository_owner', 'environment', 'workflow', 'event_name', 'run_id', 'actor'],
            id_token_signing_alg_values_supported: ['RS256'],
            scopes_supported: ['openid'],
          },
        };
      }
      if (req.pathname === '/.well-known/jwks' && req.method === 'GET') return { status: 200, body: { keys: [state.oidcKey.jwk] } };
      return vssError(404, 'The requested resource was not found.', 'NotFoundException');
    },
  };
}
