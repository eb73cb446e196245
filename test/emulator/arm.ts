/**
 * Azure Resource Manager, only what `az login --service-principal --allow-no-subscriptions` reads: the
 * subscriptions and the tenants the caller sees (`GET /subscriptions`, `GET /tenants`), both empty. Served by the
 * Graph server (its root, beside `/v1.0`), which the real-client test names as the custom cloud's `resourceManager`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Req, Res } from './server.ts';
import type { State } from './state.ts';
import { ARM_RESOURCES } from './entra.ts';

/** The first path segments ARM answers. */
export const ARM_COLLECTIONS = new Set(['subscriptions', 'tenants']);

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function armError(status: number, code: string, message: string): Res {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: { error: { code, message } } };
}

export function handleArm(req: Req, state: State): Res {
  const raw = /^bearer\s+(\S+)\s*$/i.exec(header(req.headers, 'authorization') ?? '')?.[1];
  if (raw === undefined) return armError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
  const token = state.accessTokens.get(raw);
  if (!token || Date.now() >= token.expiresAt) return armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
  if (!ARM_RESOURCES.some((r) => token.audience === `${r}/`)) {
    return armError(401, 'InvalidAuthenticationToken', `The access token has an invalid audience '${token.audience}'.`);
  }
  if (!req.query.get('api-version')) return armError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
  const segs = req.pathname.split('/').filter((s) => s !== '');
  if (req.method !== 'GET' || segs.length !== 1) return armError(404, 'NotFound', `The resource '${req.pathname}' was not found.`);
  // The emulated tenant has no subscriptions; an app-only caller lists no tenants it could switch to either.
  return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: { value: [] } };
}
