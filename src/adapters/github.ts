/**
 * GitHub Actions secrets over REST with Octokit (@actions/github): metadata reads, the public key of each scope,
 * and sealed writes. Retries are @octokit/plugin-retry's (5xx and dropped connections) and
 * @octokit/plugin-throttling's (GitHub's rate limits; writes one at a time, spaced); the `attempts` plugin below
 * watches every attempt: it logs each retry, ends the retries that cannot help (an untrusted certificate) or that
 * the run no longer allows (`notAfter`), and remembers a write whose answer was lost.
 */
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck/light.js';
import { ServiceError } from '../core/errors';
import { scopeKey, scopeLabel, targetLabel, type Scope, type StoredSecretInfo, type Target } from '../core/model';
import type { Log, SecretStore } from '../core/ports';
import type { Secret } from '../core/secret';
import { viaProxy } from './proxy';
import { retryAfterMs, sleep, type RetryPolicy } from './retry';
import { nodeErrorIn, TLS_VERIFICATION_CODES, untrustedHint } from './tls';

interface PublicKey {
  key_id: string;
  key: string;
}

type Octokit = ReturnType<typeof getOctokit>;
type OctokitPlugin = Parameters<typeof getOctokit>[2];

/** The retry policy's bounds; plugin-retry waits n² × baseMs before try n + 1, and writes start baseMs apart. */
export type GitHubTiming = Pick<RetryPolicy, 'attempts' | 'baseMs' | 'maxWaitMs' | 'timeoutMs'>;

/** Transport failures before the request was sent: it cannot have taken effect. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', ...TLS_VERIFICATION_CODES]);

/** Never retried by plugin-retry: a 4xx is a refusal of the request itself (rate limits, 403/429, are plugin-throttling's). */
const DO_NOT_RETRY = Array.from({ length: 100 }, (_, i) => 400 + i);

/** One call with all its attempts. It travels in `request.call` by reference (Octokit copies only plain objects). */
class Call {
  readonly doing: string;
  readonly scope: Scope;
  readonly write: boolean;
  readonly notAfter: number | undefined;
  attempts = 0;
  /** An attempt got no answer after it was sent: a write may have taken effect. */
  lostAnswer = false;
  last: Failure | undefined;

  constructor(doing: string, scope: Scope, write: boolean, notAfter: number | undefined) {
    this.doing = doing;
    this.scope = scope;
    this.write = write;
    this.notAfter = notAfter;
  }

  /** The time the run allows for this call is over, or would be after waiting `ms`. */
  late(ms = 0): boolean {
    return this.notAfter !== undefined && Date.now() + ms > this.notAfter;
  }
}

/** An Octokit error: an HTTP answer (`status`), or a transport failure (RequestError 500 without a response). */
interface Failure {
  status: number | undefined;
  message: string;
  requestId: string | undefined;
  /** How long the answer asked to wait (retry-after in seconds or as a date, or the rate limit's reset), if it did. */
  retryAfterMs: number | undefined;
  code: string | undefined;
  sent: boolean;
  untrusted: boolean;
}

function failureOf(error: unknown): Failure {
  const e = error as { message?: string; response?: { status: number; data: unknown; headers: Record<string, string | undefined> } };
  if (e.response !== undefined) {
    const data = e.response.data;
    const said = (data as { message?: unknown } | undefined)?.message;
    const message = typeof said === 'string' ? said : typeof data === 'string' && data !== '' ? data.slice(0, 200) : (e.message ?? '');
    const h = e.response.headers;
    return { status: e.response.status, message, requestId: h['x-github-request-id'], retryAfterMs: retryAfterMs(h), code: undefined, sent: true, untrusted: false };
  }
  const node = nodeErrorIn(error);
  const timedOut = node === undefined && /TimeoutError/.test(String((error as { cause?: { name?: unknown } }).cause?.name));
  const code = node?.code ?? (timedOut ? 'ETIMEDOUT' : undefined);
  return {
    status: undefined,
    message: node?.message ?? e.message ?? String(error),
    requestId: undefined,
    retryAfterMs: undefined,
    code,
    sent: !NOT_SENT.has(code ?? ''),
    untrusted: TLS_VERIFICATION_CODES.has(code ?? ''),
  };
}

const callOf = (options: { request?: object }): Call | undefined => {
  const call = (options.request as { call?: unknown } | undefined)?.call;
  return call instanceof Call ? call : undefined;
};

type ToError = (failure: Failure, call: Call) => ServiceError;

/**
 * The innermost hook, so it sees every attempt. It ends a call's retries by throwing a ServiceError: neither
 * plugin retries an error without an HTTP status (plugin-retry passes on what is not a RequestError;
 * plugin-throttling looks only at 403 and 429).
 */
function attemptsPlugin(timing: GitHubTiming, log: Log, toError: ToError): OctokitPlugin {
  return (octokit) => {
    octokit.hook.wrap('request', async (request, options) => {
      const call = callOf(options);
      if (call === undefined) return request(options);
      if (call.late()) throw toError(call.last ?? LATE, call);
      call.attempts += 1;
      try {
        return await request(options);
      } catch (error) {
        // plugin-retry counts its own retries in request.retryCount.
        const retries = Number((options.request as { retryCount?: number }).retryCount ?? 0);
        throw await afterFailure(error, call, retries, { timing, log, toError });
      }
    });
    return {};
  };
}

/** Notes what an attempt's failure says, logs the retry that follows (and waits out a Retry-After), and returns what to throw. */
async function afterFailure(error: unknown, call: Call, retries: number, on: { timing: GitHubTiming; log: Log; toError: ToError }): Promise<unknown> {
  const { timing, log, toError } = on;
  const failure = failureOf(error);
  call.last = failure;
  if (failure.status === undefined && failure.sent) call.lostAnswer = true;
  if (failure.untrusted) return toError(failure, call);
  if (!retriedByPluginRetry(failure)) return error; // a 4xx: final, or plugin-throttling's (403, 429)
  if (call.attempts >= timing.attempts) return toError(failure, call);
  // plugin-retry waits n² × its retryAfterBaseValue before try n + 1; a Retry-After on a 5xx, which it ignores,
  // is made up here by waiting the difference first.
  const backoffMs = (retries + 1) ** 2 * timing.baseMs;
  const asked = failure.retryAfterMs ?? 0;
  const waitMs = Math.max(asked, backoffMs);
  const why = failure.status === undefined ? `${failure.code ?? 'no response'}: ${failure.message}` : `HTTP ${failure.status}`;
  if (asked > timing.maxWaitMs || call.late(waitMs)) {
    const because = asked > timing.maxWaitMs ? `GitHub asked to wait ${Math.round(asked / 1000)} s` : 'the time this run allows for it is over';
    log.info(`Not retrying ${call.doing} after ${why}: ${because}`);
    return toError(failure, call);
  }
  log.info(`Retrying ${call.doing} in ${waitMs} ms (attempt ${call.attempts + 1} of ${timing.attempts}) after ${why}`);
  if (asked > backoffMs) await sleep(asked - backoffMs);
  return error;
}

const retriedByPluginRetry = (f: Failure): boolean => f.status === undefined || f.status >= 500;

/** No attempt starts after the call's `notAfter`: what was last received stands. */
const LATE: Failure = { status: undefined, message: 'not sent: the time this run allows for it is over', requestId: undefined, retryAfterMs: undefined, code: 'ELATE', sent: false, untrusted: false };

/** plugin-throttling's handlers: wait what GitHub asks, up to maxWaitMs, within the attempts and the call's time. */
function onLimit(kind: string, timing: GitHubTiming, log: Log) {
  return (retryAfter: number, options: { request?: object }): boolean => {
    const call = callOf(options);
    const waitMs = retryAfter * timing.baseMs;
    const doing = call?.doing ?? 'a GitHub request';
    // plugin-throttling waits GitHub's time, or a minute (GitHub's advice) when the answer names none.
    const asked = !(Number(call?.last?.retryAfterMs) > 0) ? `no wait named (retry-after absent or 0), so ${retryAfter} s as GitHub advises` : `GitHub asked to wait ${retryAfter} s`;
    const why = `after HTTP ${call?.last?.status ?? '403/429'} rate limit: ${asked} (${kind})`;
    if (retryAfter * 1000 > timing.maxWaitMs || (call?.attempts ?? 0) >= timing.attempts || call?.late(waitMs) === true) {
      log.info(`Not retrying ${doing} ${why}, longer than this run waits (${timing.maxWaitMs / 1000} s, ${timing.attempts} attempts, or the time it allows)`);
      return false;
    }
    log.info(`Retrying ${doing} in ${waitMs} ms (attempt ${(call?.attempts ?? 0) + 1} of ${timing.attempts}) ${why}`);
    return true;
  };
}

/**
 * fetch with a timeout on each attempt, through HTTPS_PROXY/NO_PROXY when set (the same dispatcher as the Graph
 * client's). @actions/github's own default decides by GITHUB_API_URL as it was when the module loaded, not by the
 * configured API URL, so it is replaced.
 */
function proxiedFetch(timeoutMs: number): typeof fetch {
  return async (url, init = {}) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return fetch(url, await viaProxy({ ...init, signal }));
  };
}

function newOctokit(token: Secret, apiUrl: string, timing: GitHubTiming, log: Log, toError: ToError): Octokit {
  return getOctokit(
    token.reveal(),
    {
      baseUrl: apiUrl,
      userAgent: 'entra-secret-rotator',
      request: { fetch: proxiedFetch(timing.timeoutMs) },
      log: { debug: () => undefined, info: () => undefined, warn: (m: string) => log.warning(m), error: (m: string) => log.warning(m) },
      retry: { doNotRetry: DO_NOT_RETRY, retries: timing.attempts - 1, retryAfterBaseValue: timing.baseMs },
      throttle: {
        onRateLimit: onLimit('primary rate limit', timing, log),
        onSecondaryRateLimit: onLimit('secondary rate limit', timing, log),
        retryAfterBaseValue: timing.baseMs,
        // GitHub: mutations one at a time, at least a second apart.
        write: new Bottleneck.Group({ maxConcurrent: 1, minTime: timing.baseMs }),
      },
    },
    attemptsPlugin(timing, log, toError),
    retry,
    throttling,
  );
}

const ROUTES = {
  repository: {
    list: 'GET /repos/{owner}/{repo}/actions/secrets',
    key: 'GET /repos/{owner}/{repo}/actions/secrets/public-key',
    put: 'PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}',
  },
  environment: {
    list: 'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets',
    key: 'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key',
    put: 'PUT /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
  },
} as const;

function routesOf(scope: Scope): { routes: (typeof ROUTES)[keyof typeof ROUTES]; params: Record<string, string> } {
  if (scope.repo === undefined || scope.service !== 'actions') throw new Error(`internal: ${scopeLabel(scope)} is not supported yet`);
  const params = { owner: scope.owner, repo: scope.repo };
  return scope.environment === undefined
    ? { routes: ROUTES.repository, params }
    : { routes: ROUTES.environment, params: { ...params, environment_name: scope.environment } };
}

let sealModule: Promise<(value: Secret, publicKeyBase64: string) => Promise<string>> | undefined;
/** libsodium (424 kB, ~40 ms to load) is loaded only by runs that write, once. */
function loadSeal(): Promise<(value: Secret, publicKeyBase64: string) => Promise<string>> {
  sealModule ??= import('./seal').then(async (m) => {
    await m.ready();
    return m.seal;
  });
  return sealModule;
}

const nextLink = (link: string | undefined): string | undefined => /<([^<>]+)>;\s*rel="next"/.exec(link ?? '')?.[1];

export class GitHubSecrets implements SecretStore {
  selectedRepositories(): Promise<string[]> {
    return Promise.reject(new Error('internal: organisation secrets are not there yet'));
  }

  setSelectedRepositories(): Promise<void> {
    return Promise.reject(new Error('internal: organisation secrets are not there yet'));
  }

  readonly #octokit: Octokit;
  readonly #apiUrl: string;
  readonly #keys = new Map<string, Promise<PublicKey>>();

  constructor(token: Secret, apiUrl: string, log: Log, timing: GitHubTiming) {
    this.#apiUrl = apiUrl;
    this.#octokit = newOctokit(token, apiUrl, timing, log, (failure, call) => this.#error(failure, call));
  }

  /** One listing per scope, following `Link: rel="next"` (a scope holds up to 100 secrets, an organisation 1,000). */
  async list(scope: Scope): Promise<Map<string, StoredSecretInfo>> {
    const { routes, params } = routesOf(scope);
    const doing = `listing the secrets of ${scopeLabel(scope)}`;
    const found = new Map<string, StoredSecretInfo>();
    let page = await this.#call(routes.list, { ...params, per_page: 100 }, doing, scope);
    for (;;) {
      for (const s of (page.data as { secrets: Array<{ name: string; updated_at: string }> }).secrets) {
        found.set(s.name.toUpperCase(), { updatedAt: new Date(s.updated_at) });
      }
      const next = nextLink(page.headers.link);
      if (next === undefined) return found;
      // The token goes with the request: follow links on the API's own host only.
      if (!next.startsWith(`${this.#apiUrl}/`)) throw new ServiceError({ service: 'GitHub', doing, detail: `the link to the next page leaves ${this.#apiUrl}` });
      page = await this.#call(`GET ${next}`, {}, doing, scope);
    }
  }

  prepare(scope: Scope): Promise<void> {
    // Writing follows: load libsodium while the network is busy, not between addPassword and the PUTs.
    loadSeal().catch(() => undefined);
    return this.#publicKey(scope).then(() => undefined);
  }

  async write(target: Target, value: Secret, options: { notAfter?: Date } = {}): Promise<void> {
    const key = await this.#publicKey(target.scope);
    const seal = await loadSeal();
    const encrypted_value = await seal(value, key.key);
    const { routes, params } = routesOf(target.scope);
    const body = { ...params, secret_name: target.name, encrypted_value, key_id: key.key_id };
    await this.#call(routes.put, body, `writing ${targetLabel(target)}`, target.scope, options.notAfter);
  }

  #publicKey(scope: Scope): Promise<PublicKey> {
    const k = scopeKey(scope);
    let key = this.#keys.get(k);
    if (key === undefined) {
      const { routes, params } = routesOf(scope);
      key = this.#call(routes.key, params, `reading the secrets public key of ${scopeLabel(scope)}`, scope).then((r) => r.data as PublicKey);
      this.#keys.set(k, key);
    }
    return key;
  }

  async #call(route: string, params: Record<string, unknown>, doing: string, scope: Scope, notAfter?: Date): Promise<{ data: unknown; headers: { link?: string } }> {
    const call = new Call(doing, scope, !route.startsWith('GET '), notAfter?.getTime());
    try {
      return await this.#octokit.request(route, { ...params, headers: { 'x-github-api-version': '2022-11-28' }, request: { call } });
    } catch (error) {
      if (error instanceof ServiceError) throw error;
      throw this.#error(failureOf(error), call);
    }
  }

  #error(f: Failure, call: Call): ServiceError {
    // A write whose answer never came, a server error to it, or any answer after an attempt whose answer was lost:
    // it may have taken effect, and the caller must not assume it did not. A read is only a read.
    const outcomeUnknown = call.write && (call.lostAnswer || (f.status !== undefined && f.status >= 500));
    if (f.status !== undefined) {
      const failure = githubError(f.status, f.message, f.requestId, call.doing, call.scope);
      return outcomeUnknown ? new ServiceError({ ...failure.details, outcomeUnknown }) : failure;
    }
    const host = new URL(this.#apiUrl).host;
    return new ServiceError({
      service: 'GitHub',
      doing: call.doing,
      code: f.code,
      detail: f.message,
      outcomeUnknown,
      hint: f.untrusted
        ? untrustedHint(host, "github-api-url, or GITHUB_API_URL (set by the runner; on GHES, the server's API URL)")
        : f === LATE
          ? 'Entra was slow to accept the new client secret: run again'
          : `GitHub (${host}) could not be reached: check GITHUB_API_URL (or github-api-url), the proxy (HTTPS_PROXY, NO_PROXY) and the network, and run again`,
    });
  }
}

export function githubError(status: number, message: string, requestId: string | undefined, doing: string, scope: Scope): ServiceError {
  const repo = `${scope.owner}/${scope.repo}`;
  const permissions = `the repository permission "Secrets: Read and write"${scope.environment === undefined ? '' : ' and "Environments: Read and write"'} on ${repo}`;
  let hint: string | undefined;
  if (status === 401) hint = 'github-token was refused (Bad credentials): it is expired, revoked or mistyped';
  else if (status === 403 && /not accessible by personal access token/i.test(message)) {
    hint = `github-token is a personal access token without ${permissions}: edit the token's permissions (and its repository access)`;
  } else if (status === 403 && /not accessible by integration/i.test(message)) {
    hint = `github-token may not manage secrets here. The workflow's GITHUB_TOKEN can never read or write secrets: use a fine-grained personal access token or a GitHub App token with ${permissions}`;
  } else if (status === 403 || status === 429) {
    hint = `github-token lacks ${permissions}, or a GitHub rate limit was hit: check the token, and run again later`;
  } else if (status === 404) {
    hint =
      scope.environment === undefined
        ? `repository ${repo} was not found, or github-token cannot see it: check the repository input and the token's repository access`
        : `environment '${scope.environment}' does not exist in ${repo} (create it under Settings → Environments), or github-token cannot see the repository`;
  } else if (status === 422) hint = 'GitHub refused the value: check the secret name (letters, digits and underscores) and run again';
  else if (status >= 500) hint = 'GitHub had a transient failure: run again';
  return new ServiceError({ service: 'GitHub', doing, status, requestId, detail: message, hint });
}
