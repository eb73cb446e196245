/**
 * GitHub over REST with Octokit (@actions/github). GitHubConnection is the one client of a run; GitHubSecrets uses it
 * for Actions secrets of repositories, environments and organisations, and Dependabot and Codespaces secrets of
 * repositories and organisations: metadata reads (every page), the public key of each scope, sealed writes, and the
 * repositories an organisation secret is shared with. GitHubVariables (github-variables.ts) uses the same client.
 *
 * Retries are @octokit/plugin-retry's (5xx and dropped connections) and @octokit/plugin-throttling's (GitHub's rate
 * limits, and writes started at least baseMs apart); the `attempts` plugin below watches every attempt: it logs
 * each retry, ends the retries that cannot help (an untrusted certificate) or that the run no longer allows
 * (`notAfter`), and remembers a write whose answer was lost. It also runs writes one at a time, which
 * plugin-throttling does not (its write group spaces the starts only), and holds every request while GitHub asked
 * to wait.
 */
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck/light.js';
import { ServiceError } from '../core/errors';
import { scopeKey, scopeLabel, targetLabel, type GitHubScope, type OrgAccess, type OrgVisibility, type StoredSecretInfo, type Target as AnyTarget } from '../core/model';

/** This adapter's scopes and targets: GitHub's (HomeStores routes every other home elsewhere). */
type Scope = GitHubScope;
type Target = AnyTarget<GitHubScope>;
import type { Log, SecretStore } from '../core/ports';
import type { Secret } from '../core/secret';
import { viaProxy } from './proxy';
import { githubLimits, type GitHubLimits, type GitHubTiming } from './github-bounds';
import { retryAfterMs, retryLine, sleep } from './retry';
import { NEVER_SENT_CODES, nodeErrorIn, TLS_VERIFICATION_CODES, untrustedHint } from './tls';

interface PublicKey {
  key_id: string;
  key: string;
}

type Octokit = ReturnType<typeof getOctokit>;
type OctokitPlugin = Parameters<typeof getOctokit>[2];

export type { GitHubTiming } from './github-bounds';

/** Never retried by plugin-retry: a 4xx is a refusal of the request itself (rate limits, 403/429, are plugin-throttling's). */
const DO_NOT_RETRY = Array.from({ length: 100 }, (_, i) => 400 + i);

/** One call with all its attempts. It travels in `request.call` by reference (Octokit copies only plain objects). */
class Call {
  readonly doing: string;
  readonly scope: Scope;
  readonly write: boolean;
  readonly notAfter: number | undefined;
  /** What it reads or writes, for the permission a refusal names. */
  readonly what: GitHubResource;
  attempts = 0;
  /** Waits GitHub's rate limits asked for, so far. */
  limitWaits = 0;
  /** An attempt got no answer after it was sent: a write may have taken effect. */
  lostAnswer = false;
  last: Failure | undefined;

  constructor(doing: string, scope: Scope, write: boolean, notAfter: number | undefined, what: GitHubResource = 'secrets') {
    this.doing = doing;
    this.scope = scope;
    this.write = write;
    this.notAfter = notAfter;
    this.what = what;
  }

  /**
   * The time the run allows for this call is over, or would be after waiting `ms`. Checked after every wait and
   * before every attempt, so an attempt starts by notAfter and ends by notAfter + the attempt timeout: the write
   * window (src/core/write-window.ts).
   */
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
  /** A 403 or 429 of GitHub's rate limits (the secondary ones say so in the message), and what named the wait. */
  limit: RateLimit | undefined;
}

interface RateLimit {
  kind: 'secondary rate limit' | 'rate limit';
  signal: 'retry-after' | 'x-ratelimit-reset' | undefined;
}

function rateLimitOf(status: number, message: string, h: Record<string, string | undefined>): RateLimit | undefined {
  if (status !== 403 && status !== 429) return undefined;
  const exhausted = h['x-ratelimit-remaining'] === '0';
  const secondary = /\bsecondary rate\b/i.test(message);
  if (!secondary && !exhausted) return undefined;
  const signal = (h['retry-after'] ?? '').trim() !== '' ? 'retry-after' : exhausted && h['x-ratelimit-reset'] !== undefined ? 'x-ratelimit-reset' : undefined;
  return { kind: secondary ? 'secondary rate limit' : 'rate limit', signal };
}

function failureOf(error: unknown): Failure {
  const e = error as { message?: string; response?: { status: number; data: unknown; headers: Record<string, string | undefined> } };
  if (e.response !== undefined) {
    const data = e.response.data;
    const said = (data as { message?: unknown } | undefined)?.message;
    const message = typeof said === 'string' ? said : typeof data === 'string' && data !== '' ? data.slice(0, 200) : (e.message ?? '');
    const h = e.response.headers;
    const status = e.response.status;
    return { status, message, requestId: h['x-github-request-id'], retryAfterMs: retryAfterMs(h), code: undefined, sent: true, untrusted: false, limit: rateLimitOf(status, message, h) };
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
    sent: !NEVER_SENT_CODES.has(code ?? ''),
    untrusted: TLS_VERIFICATION_CODES.has(code ?? ''),
    limit: undefined,
  };
}

const callOf = (options: { request?: object }): Call | undefined => {
  const call = (options.request as { call?: unknown } | undefined)?.call;
  return call instanceof Call ? call : undefined;
};

type ToError = (failure: Failure, call: Call) => ServiceError;

/**
 * How a rate-limit answer asks to wait: its retry-after or reset, else GitHub's minute. Each wait is at most
 * limits.maxLimitWaitMs, at most limits.maxLimitWaits per request, never past the call's notAfter.
 */
const limitWaitMs = (f: Failure, limits: GitHubLimits): number => (Number(f.retryAfterMs) > 0 ? Number(f.retryAfterMs) : limits.unnamedLimitWaitMs);

const seconds = (ms: number): string => `${ms % 1000 === 0 ? ms / 1000 : (ms / 1000).toFixed(1)} s`;

/**
 * What plugin-throttling leaves to us: writes one at a time, each starting `spacingMs` after the one before ended
 * (its write group spaces their starts only, and lets a slow write overlap the next), and every request held while
 * GitHub asked this client to wait, so the writes queued behind the one that hit a limit do not run into it too.
 */
class Pacing {
  readonly #spacingMs: number;
  readonly #maxPauseMs: number;
  #pausedUntil = 0;
  #writes: Promise<unknown> = Promise.resolve();
  #lastWriteEnded = 0;

  constructor(limits: GitHubLimits) {
    this.#spacingMs = limits.writeSpacingMs;
    this.#maxPauseMs = limits.maxLimitWaitMs;
  }

  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + Math.min(ms, this.#maxPauseMs));
  }

  async unpaused(): Promise<void> {
    while (Date.now() < this.#pausedUntil) await sleep(this.#pausedUntil - Date.now());
  }

  /** Runs `attempt` once no other write attempt is in flight, and the last one ended `spacingMs` ago. */
  oneWrite<T>(attempt: () => Promise<T>): Promise<T> {
    const run = this.#writes.then(async () => {
      const wait = this.#lastWriteEnded + this.#spacingMs - Date.now();
      if (wait > 0) await sleep(wait);
      try {
        return await attempt();
      } finally {
        this.#lastWriteEnded = Date.now();
      }
    });
    this.#writes = run.catch(() => undefined);
    return run;
  }
}

/**
 * The innermost hook, so it sees every attempt. It ends a call's retries by throwing a ServiceError: neither
 * plugin retries an error without an HTTP status (plugin-retry passes on what is not a RequestError;
 * plugin-throttling looks only at 403 and 429).
 */
function attemptsPlugin(limits: GitHubLimits, log: Log, toError: ToError, pacing: Pacing): OctokitPlugin {
  return (octokit) => {
    octokit.hook.wrap('request', async (request, options) => {
      const call = callOf(options);
      if (call === undefined) return request(options);
      const attempt = async (): Promise<Awaited<ReturnType<typeof request>>> => {
        await pacing.unpaused();
        if (call.late()) throw toError(call.last ?? LATE, call);
        call.attempts += 1;
        try {
          return await request(options);
        } catch (error) {
          // plugin-retry counts its own retries in request.retryCount.
          const retries = Number((options.request as { retryCount?: number }).retryCount ?? 0);
          throw await afterFailure(error, call, retries, { limits, log, toError, pacing });
        }
      };
      return call.write ? pacing.oneWrite(attempt) : attempt();
    });
    return {};
  };
}

/** Notes what an attempt's failure says, logs the retry that follows (and waits out a Retry-After), and returns what to throw. */
async function afterFailure(error: unknown, call: Call, retries: number, on: { limits: GitHubLimits; log: Log; toError: ToError; pacing: Pacing }): Promise<unknown> {
  const { limits, log, toError, pacing } = on;
  const failure = failureOf(error);
  call.last = failure;
  if (failure.status === undefined && failure.sent) call.lostAnswer = true;
  if (failure.untrusted) return toError(failure, call);
  // A rate limit holds every request at once, before the next write in the queue can start; plugin-throttling's
  // handler (onLimit) then decides whether this call waits and retries.
  if (failure.limit !== undefined) pacing.pause(limitWaitMs(failure, limits));
  if (!retriedByPluginRetry(failure)) return error; // a 4xx: final, or plugin-throttling's (403, 429)
  if (call.attempts > limits.retries) return toError(failure, call);
  // plugin-retry waits n² × its retryAfterBaseValue before try n + 1; a Retry-After on a 5xx, which it ignores,
  // is made up here by waiting the difference first.
  const backoffMs = (retries + 1) ** 2 * limits.backoffBaseMs;
  const asked = failure.retryAfterMs ?? 0;
  const waitMs = Math.max(asked, backoffMs);
  const why = failure.status === undefined ? `${failure.code ?? 'no response'}: ${failure.message}` : `HTTP ${failure.status}`;
  if (asked > limits.maxRetryAfterMs || call.late(waitMs)) {
    const because = asked > limits.maxRetryAfterMs ? `GitHub asked to wait ${Math.round(asked / 1000)} s` : 'the time this run allows for it is over';
    log.info(`Not retrying ${call.doing} after ${why}: ${because}`);
    return toError(failure, call);
  }
  log.info(retryLine(call.doing, waitMs, call.attempts + 1, limits.retries + 1, why));
  if (asked > backoffMs) await sleep(asked - backoffMs);
  return error;
}

const retriedByPluginRetry = (f: Failure): boolean => f.status === undefined || f.status >= 500;

/** No attempt starts after the call's `notAfter`: what was last received stands. */
const LATE: Failure = { status: undefined, message: 'not sent: the time this run allows for it is over', requestId: undefined, retryAfterMs: undefined, code: 'ELATE', sent: false, untrusted: false, limit: undefined };

/**
 * plugin-throttling's handlers for GitHub's rate limits (secondary ones: 403/429 saying so; primary ones:
 * x-ratelimit-remaining 0). The plugin then waits `retryAfter` seconds (retryAfterBaseValue is 1000: GitHub's
 * seconds are real ones) and retries. It reads only a numeric retry-after for a secondary limit (else its fallback,
 * set to GitHub's minute scaled by baseMs): when the answer named a longer wait another way (x-ratelimit-reset, an
 * HTTP date), the difference is waited here first. Every wait is logged with its reason and length; a wait beyond
 * 3 minutes, a 7th wait, or one past the call's notAfter is not made and the answer stands.
 */
function onLimit(limits: GitHubLimits, log: Log): (retryAfter: number, options: { request?: object }) => Promise<boolean> {
  return async (retryAfter: number, options: { request?: object }): Promise<boolean> => {
    const call = callOf(options);
    const doing = call?.doing ?? 'a GitHub request';
    const last = call?.last;
    const pluginWaitMs = retryAfter * 1000;
    const askedMs = Number(last?.retryAfterMs) > 0 ? Number(last?.retryAfterMs) : 0;
    const waitMs = Math.max(pluginWaitMs, askedMs);
    const kind = `${last?.limit?.kind ?? 'rate limit'}, HTTP ${last?.status ?? '403/429'}`;
    const reason =
      askedMs > 0 ? `GitHub asked to wait ${seconds(waitMs)} (${kind}, ${last?.limit?.signal ?? 'retry-after'})` : `GitHub named no wait (${kind}): waiting ${seconds(waitMs)}, as GitHub advises,`;
    const waits = call?.limitWaits ?? 0;
    const refusal =
      waitMs > limits.maxLimitWaitMs
        ? `longer than the ${seconds(limits.maxLimitWaitMs)} this run waits at a time`
        : waits >= limits.maxLimitWaits
          ? `it waited ${limits.maxLimitWaits} times already`
          : call?.late(waitMs) === true
            ? 'the time this run allows for it would be over'
            : undefined;
    if (refusal !== undefined) {
      log.info(`${reason} before ${doing}: not waiting, ${refusal}`);
      return false;
    }
    if (call) call.limitWaits += 1;
    log.info(`${reason} before ${doing} (wait ${waits + 1} of at most ${limits.maxLimitWaits})`);
    if (waitMs > pluginWaitMs) await sleep(waitMs - pluginWaitMs);
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
  // Every timeout, retry and wait below comes from here (github-bounds.ts), which the write window's test reads.
  const limits = githubLimits(timing);
  const pacing = new Pacing(limits);
  return getOctokit(
    token.reveal(),
    {
      baseUrl: apiUrl,
      userAgent: 'entra-secret-rotator',
      request: { fetch: proxiedFetch(limits.timeoutMs) },
      log: { debug: () => undefined, info: () => undefined, warn: (m: string) => log.warning(m), error: (m: string) => log.warning(m) },
      retry: { doNotRetry: DO_NOT_RETRY, retries: limits.retries, retryAfterBaseValue: limits.backoffBaseMs },
      throttle: {
        // plugin-throttling awaits what a handler returns (Bottleneck's Events.trigger), though its type says void.
        onRateLimit: onLimit(limits, log), // eslint-disable-line @typescript-eslint/no-misused-promises
        onSecondaryRateLimit: onLimit(limits, log), // eslint-disable-line @typescript-eslint/no-misused-promises
        retryAfterBaseValue: 1000,
        fallbackSecondaryRateRetryAfter: limits.unnamedLimitWaitMs / 1000,
        // GitHub: mutations (every PUT, POST, PATCH, DELETE) at least a second apart. The plugin spaces their starts;
        // Pacing also runs them one at a time, a second after the one before ended.
        write: new Bottleneck.Group({ maxConcurrent: 1, minTime: limits.writeSpacingMs }),
      },
    },
    attemptsPlugin(limits, log, toError, pacing),
    retry,
    throttling,
  );
}
interface Routes {
  list: string;
  key: string;
  put: string;
  /** Organisation scopes: the repositories a secret with visibility `selected` is shared with (GET; the action sets them only in the secret's own PUT). */
  repositories?: string;
}

const orgRoutes = (service: Scope['service']): Routes => ({
  list: `GET /orgs/{org}/${service}/secrets`,
  key: `GET /orgs/{org}/${service}/secrets/public-key`,
  put: `PUT /orgs/{org}/${service}/secrets/{secret_name}`,
  repositories: `/orgs/{org}/${service}/secrets/{secret_name}/repositories`,
});

const repoRoutes = (service: Scope['service']): Routes => ({
  list: `GET /repos/{owner}/{repo}/${service}/secrets`,
  key: `GET /repos/{owner}/{repo}/${service}/secrets/public-key`,
  put: `PUT /repos/{owner}/{repo}/${service}/secrets/{secret_name}`,
});

const ENVIRONMENT_ROUTES: Routes = {
  list: 'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets',
  key: 'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key',
  put: 'PUT /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
};

/** Actions, Dependabot and Codespaces secrets have the same routes under their service's name; environments are Actions'. */
function routesOf(scope: Scope): { routes: Routes; params: Record<string, string> } {
  if (scope.repo === undefined) return { routes: orgRoutes(scope.service), params: { org: scope.owner } };
  const params = { owner: scope.owner, repo: scope.repo };
  return scope.environment === undefined ? { routes: repoRoutes(scope.service), params } : { routes: ENVIRONMENT_ROUTES, params: { ...params, environment_name: scope.environment } };
}

/** The organisation target's access, or an error: an organisation secret cannot be written without a visibility. */
function accessOf(target: Target): OrgAccess {
  if (target.access === undefined) throw new Error(`internal: ${targetLabel(target)} is an organisation secret without a visibility`);
  return target.access;
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

/** What one call is: what it does (for logs and errors), where, what it reads or writes, and by when it must start. */
export interface CallSpec {
  doing: string;
  scope: Scope;
  /** Which permission a refusal names; default secrets. */
  what?: GitHubResource;
  /** No attempt starts after this (the write window). */
  notAfter?: Date;
}

/**
 * One Octokit for every GitHub request of a run, secrets and variables alike: its retries, its rate-limit waits and
 * its pacing (writes one at a time, a spacing apart) hold for all of them together, and each repository id is
 * resolved once. Errors come out as ServiceErrors that say what was being done, the status, the request id and a hint.
 */
export class GitHubConnection {
  readonly log: Log;
  readonly #octokit: Octokit;
  readonly #apiUrl: string;
  /** Repository ids by lower-case `owner/name`, resolved once per run. */
  readonly #repoIds = new Map<string, Promise<number>>();

  constructor(token: Secret, apiUrl: string, log: Log, timing: GitHubTiming) {
    this.log = log;
    this.#apiUrl = apiUrl;
    this.#octokit = newOctokit(token, apiUrl, timing, log, (failure, call) => this.#error(failure, call));
  }

  /** One request, with every attempt the bounds allow; a write (anything but GET) goes through the pacing. */
  async request(route: string, params: Record<string, unknown>, spec: CallSpec): Promise<{ data: unknown; headers: { link?: string } }> {
    const call = new Call(spec.doing, spec.scope, !route.startsWith('GET '), spec.notAfter?.getTime(), spec.what);
    try {
      return await this.#octokit.request(route, { ...params, headers: { 'x-github-api-version': '2022-11-28' }, request: { call } });
    } catch (error) {
      if (error instanceof ServiceError) throw error;
      throw this.#error(failureOf(error), call);
    }
  }

  /** Every page of a listing (Octokit's paginate follows `Link: rel="next"`), `perPage` a page. */
  async pages<T>(route: string, params: Record<string, string>, field: string, spec: Omit<CallSpec, 'notAfter'>, perPage = 100): Promise<T[]> {
    const call = new Call(spec.doing, spec.scope, false, undefined, spec.what);
    const items: T[] = [];
    try {
      // paginate sends each page with only method, url and headers: a request function with defaults carries the
      // call (for the hooks' logs and bounds) to every page.
      const request = this.#octokit.request.defaults({ headers: { 'x-github-api-version': '2022-11-28' }, request: { call } });
      const [method, url] = route.split(' ');
      const iterate = this.#octokit.paginate.iterator as (r: typeof request, p: Record<string, unknown>) => AsyncIterable<{ data: unknown }>;
      const pages = iterate(request, { method, url, ...params, per_page: perPage });
      for await (const page of pages) {
        // paginate puts a listing's array in `data` (`{total_count, secrets: [...]}` → `[...]`).
        const data = page.data;
        items.push(...(Array.isArray(data) ? (data as T[]) : ((data as Record<string, T[] | undefined>)[field] ?? [])));
      }
    } catch (error) {
      if (error instanceof ServiceError) throw error;
      throw this.#error(failureOf(error), call);
    }
    return items;
  }

  /** The ids of an organisation's repositories, by name (`selected_repository_ids`), for `selectedFor` (a label). */
  repositoryIds(org: string, names: readonly string[], selectedFor: string): Promise<number[]> {
    return Promise.all(names.map((name) => this.#repositoryId(org, name, selectedFor)));
  }

  /** `GET /repos/{org}/{name}` → id, once per repository per run; a missing one names itself and what selected it. */
  #repositoryId(org: string, name: string, selectedFor: string): Promise<number> {
    const fullName = `${org}/${name}`;
    const k = fullName.toLowerCase();
    let id = this.#repoIds.get(k);
    if (id === undefined) {
      const scope: Scope = { service: 'actions', owner: org, repo: name };
      id = this.request('GET /repos/{owner}/{repo}', { owner: org, repo: name }, { doing: `looking up repository ${fullName}, selected for ${selectedFor}`, scope }).then(
        (r) => (r.data as { id: number }).id,
        (error: unknown) => {
          this.#repoIds.delete(k);
          if (error instanceof ServiceError && error.status === 404) {
            throw new ServiceError({
              ...error.details,
              hint: `repository ${fullName} (in the repositories of ${selectedFor}) does not exist, or github-token cannot see it: correct the list, or give the token access to it`,
            });
          }
          throw error;
        },
      );
      this.#repoIds.set(k, id);
    }
    return id;
  }

  #error(f: Failure, call: Call): ServiceError {
    // A write whose answer never came, a server error to it, or any answer after an attempt whose answer was lost:
    // it may have taken effect, and the caller must not assume it did not. A read is only a read.
    const outcomeUnknown = call.write && (call.lostAnswer || (f.status !== undefined && f.status >= 500));
    if (f.status !== undefined) {
      const failure = githubError(f.status, f.message, f.requestId, call.doing, call.scope, call.what);
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
          ? 'the write window after adding the new client secret closed before this write could start (Entra was slow to accept the secret, or GitHub was slow with the writes before it): nothing was sent; run again'
          : `GitHub (${host}) could not be reached: check GITHUB_API_URL (or github-api-url), the proxy (HTTPS_PROXY, NO_PROXY) and the network, and run again`,
    });
  }
}

/** GitHub secrets (Actions, Dependabot and Codespaces), over a run's GitHubConnection. */
export class GitHubSecrets implements SecretStore {
  readonly #github: GitHubConnection;
  readonly #keys = new Map<string, Promise<PublicKey>>();

  constructor(github: GitHubConnection) {
    this.#github = github;
  }

  /** One listing per scope, every page (a repository holds up to 100 secrets, an organisation 1,000). */
  async list(scope: Scope): Promise<Map<string, StoredSecretInfo>> {
    const { routes, params } = routesOf(scope);
    const found = new Map<string, StoredSecretInfo>();
    const secrets = await this.#github.pages<{ name: string; updated_at: string; visibility?: OrgVisibility }>(routes.list, params, 'secrets', { doing: `listing the secrets of ${scopeLabel(scope)}`, scope });
    for (const s of secrets) {
      const info: StoredSecretInfo = { updatedAt: new Date(s.updated_at) };
      if (s.visibility !== undefined) info.visibility = s.visibility;
      found.set(s.name.toUpperCase(), info);
    }
    return found;
  }

  async prepare(scope: Scope, targets: readonly Target[] = []): Promise<void> {
    // Writing follows: load libsodium while the network is busy, not between addPassword and the PUTs.
    loadSeal().catch(() => undefined);
    const selected = targets.filter((t) => t.scope.repo === undefined && t.access?.visibility === 'selected');
    await Promise.all([this.#publicKey(scope), ...selected.map((t) => this.#repositoryIds(t))]);
  }

  async write(target: Target, value: Secret, options: { notAfter?: Date } = {}): Promise<void> {
    const access = target.scope.repo === undefined ? await this.#accessBody(target) : {};
    const key = await this.#publicKey(target.scope);
    const seal = await loadSeal();
    const encrypted_value = await seal(value, key.key);
    const { routes, params } = routesOf(target.scope);
    const body = { ...params, secret_name: target.name, encrypted_value, key_id: key.key_id, ...access };
    await this.#github.request(routes.put, body, { doing: `writing ${targetLabel(target)}`, scope: target.scope, ...(options.notAfter === undefined ? {} : { notAfter: options.notAfter }) });
  }

  /** Names of the repositories an organisation secret with visibility `selected` is shared with (all pages). */
  async selectedRepositories(target: Target): Promise<string[]> {
    const { routes, params } = routesOf(target.scope);
    if (routes.repositories === undefined) throw new Error(`internal: ${targetLabel(target)} is not an organisation secret`);
    const doing = `listing the repositories ${targetLabel(target)} is shared with`;
    const repos = await this.#github.pages<{ name: string }>(`GET ${routes.repositories}`, { ...params, secret_name: target.name }, 'repositories', { doing, scope: target.scope });
    return repos.map((r) => r.name);
  }

  /** The PUT's visibility and, with `selected`, the repository ids (integers, as the selection's own PUT also takes them). */
  async #accessBody(target: Target): Promise<{ visibility: OrgVisibility; selected_repository_ids?: number[] }> {
    const access = accessOf(target);
    return access.visibility === 'selected' ? { visibility: 'selected', selected_repository_ids: await this.#repositoryIds(target) } : { visibility: access.visibility };
  }

  #repositoryIds(target: Target): Promise<number[]> {
    return this.#github.repositoryIds(target.scope.owner, accessOf(target).repositories, targetLabel(target));
  }

  /**
   * Read once per scope per run, and shared while the read is under way. A failed read is not kept: in a fleet, one
   * transient failure must fail only the app that met it, and the next app writing to the scope reads again.
   */
  #publicKey(scope: Scope): Promise<PublicKey> {
    const k = scopeKey(scope);
    let key = this.#keys.get(k);
    if (key === undefined) {
      const { routes, params } = routesOf(scope);
      key = this.#github.request(routes.key, params, { doing: `reading the secrets public key of ${scopeLabel(scope)}`, scope }).then(
        (r) => r.data as PublicKey,
        (error: unknown) => {
          this.#keys.delete(k);
          throw error;
        },
      );
      this.#keys.set(k, key);
    }
    return key;
  }
}

/** What a GitHub request reads or writes, for the permission a refusal names. */
export type GitHubResource = 'secrets' | 'variables';

const SECRET_PERMISSIONS: Record<Scope['service'], { repository: string; organisation: string }> = {
  actions: { repository: 'Secrets', organisation: 'Secrets' },
  dependabot: { repository: 'Dependabot secrets', organisation: 'Dependabot secrets' },
  codespaces: { repository: 'Codespaces secrets', organisation: 'Organization codespaces secrets' },
  variables: { repository: 'Variables', organisation: 'Variables' },
};

/** The fine-grained token permissions a scope's secrets or variables need (a GitHub App installation needs the same). */
function permissionsFor(scope: Scope, what: GitHubResource): string {
  const names = what === 'variables' ? { repository: 'Variables', organisation: 'Variables' } : SECRET_PERMISSIONS[scope.service];
  if (scope.repo === undefined) return `the organisation permission "${names.organisation}: Read and write" on ${scope.owner}`;
  const repo = `${scope.owner}/${scope.repo}`;
  if (scope.environment === undefined) return `the repository permission "${names.repository}: Read and write" on ${repo}`;
  // Environment variables need only "Environments"; environment secrets, "Secrets" too.
  return what === 'variables' ? `the repository permission "Environments: Read and write" on ${repo}` : `the repository permission "Secrets: Read and write" and "Environments: Read and write" on ${repo}`;
}

function notFoundHint(scope: Scope): string {
  if (scope.repo === undefined) {
    return `organisation ${scope.owner} was not found, or github-token cannot see it: check the organisation name, and that the token's resource owner is ${scope.owner} (or the GitHub App is installed there)`;
  }
  const repo = `${scope.owner}/${scope.repo}`;
  return scope.environment === undefined
    ? `repository ${repo} was not found, or github-token cannot see it: check the repository input and the token's repository access`
    : `environment '${scope.environment}' does not exist in ${repo} (create it under Settings → Environments), or github-token cannot see the repository`;
}

/** The hint for a refusal of the request itself (401, 403, 429). */
function refusalHint(status: number, message: string, scope: Scope, what: GitHubResource): string | undefined {
  const permissions = permissionsFor(scope, what);
  if (status === 401) return 'github-token was refused (Bad credentials): it is expired, revoked or mistyped';
  if ((status === 403 || status === 429) && /\bsecondary rate\b/i.test(message)) {
    return "GitHub's secondary rate limit held longer than this run waits: run again later, or spread the targets over more runs";
  }
  if (status === 403 && /not accessible by personal access token/i.test(message)) {
    return `github-token is a personal access token without ${permissions}: edit the token's permissions (and its repository access)`;
  }
  if (status === 403 && /not accessible by integration/i.test(message)) {
    return `github-token may not manage ${what} here. The workflow's GITHUB_TOKEN can never read or write ${what}: use a fine-grained personal access token or a GitHub App token (its installation granted the same) with ${permissions}`;
  }
  if (status === 403 || status === 429) return `github-token lacks ${permissions} (a GitHub App installation needs the same), or a GitHub rate limit was hit: check the token, and run again later`;
  return undefined;
}

/** The hint for what the answer says of the resource: missing, not selected, refused as invalid, or a server's failure. */
function answerHint(status: number, scope: Scope, what: GitHubResource): string | undefined {
  const noun = what === 'variables' ? 'variable' : 'secret';
  if (status === 404) return notFoundHint(scope);
  if (status === 409) return `the ${noun}'s visibility is not 'selected', so it has no list of repositories: write it with visibility selected`;
  if (status === 422) return `GitHub refused the value: check the ${noun} name (letters, digits and underscores) and run again`;
  return status >= 500 ? 'GitHub had a transient failure: run again' : undefined;
}

export function githubError(status: number, message: string, requestId: string | undefined, doing: string, scope: Scope, what: GitHubResource = 'secrets'): ServiceError {
  const hint = refusalHint(status, message, scope, what) ?? answerHint(status, scope, what);
  return new ServiceError({ service: 'GitHub', doing, status, requestId, detail: message, hint });
}
