/**
 * Node's fetch (which the Graph client uses) ignores HTTPS_PROXY and NO_PROXY unless told; @azure/identity's
 * pipeline and @actions/http-client read them on their own. With a proxy set, fetch gets undici's
 * EnvHttpProxyAgent, which reads the same variables (NO_PROXY: host names, `.domain` suffixes, `host:port`).
 */
import type { Dispatcher } from 'undici';

let dispatcher: Promise<Dispatcher | undefined> | undefined;

/** The dispatcher for fetch, or undefined when no proxy is set (undici is then never loaded). */
export function proxyDispatcher(env: NodeJS.ProcessEnv = process.env): Promise<Dispatcher | undefined> {
  dispatcher ??= proxied(env) ? import('undici').then(({ EnvHttpProxyAgent }) => new EnvHttpProxyAgent()) : Promise.resolve(undefined);
  return dispatcher;
}

function proxied(env: NodeJS.ProcessEnv): boolean {
  return ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((name) => (env[name] ?? '') !== '');
}

/** `init` with the proxy's dispatcher when one is set. */
export async function viaProxy(init: RequestInit): Promise<RequestInit> {
  const d = await proxyDispatcher();
  // npm undici's Dispatcher and the one Node's fetch types name (undici-types) are the same interface at run time.
  return d === undefined ? init : ({ ...init, dispatcher: d } as unknown as RequestInit);
}
