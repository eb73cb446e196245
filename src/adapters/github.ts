/** GitHub Actions secrets over REST: metadata reads, the public key of each scope, and sealed writes. */
import { ServiceError } from '../core/errors';
import { scopeKey, scopeLabel, targetLabel, type Scope, type StoredSecretInfo, type Target } from '../core/model';
import type { SecretStore } from '../core/ports';
import type { Secret } from '../core/secret';
import { TransportError, untrustedHint, type HttpClient, type HttpResponse, type Method } from './http';

interface PublicKey {
  key_id: string;
  key: string;
}

const enc = encodeURIComponent;

function scopePath(scope: Scope): string {
  const repo = `/repos/${enc(scope.owner)}/${enc(scope.repo)}`;
  return scope.environment === undefined ? `${repo}/actions/secrets` : `${repo}/environments/${enc(scope.environment)}/secrets`;
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

export class GitHubSecrets implements SecretStore {
  readonly #http: HttpClient;
  readonly #token: Secret;
  readonly #apiUrl: string;
  readonly #keys = new Map<string, Promise<PublicKey>>();

  constructor(http: HttpClient, token: Secret, apiUrl: string) {
    this.#http = http;
    this.#token = token;
    this.#apiUrl = apiUrl;
  }

  async list(scope: Scope): Promise<Map<string, StoredSecretInfo>> {
    // A scope holds at most 100 secrets, so one page of 100 has them all.
    const r = await this.#call('GET', `${scopePath(scope)}?per_page=100`, `listing the secrets of ${scopeLabel(scope)}`, scope);
    const page = JSON.parse(r.body) as { secrets: Array<{ name: string; updated_at: string }> };
    return new Map(page.secrets.map((s) => [s.name.toUpperCase(), { updatedAt: new Date(s.updated_at) }]));
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
    const body = { encrypted_value, key_id: key.key_id };
    await this.#call('PUT', `${scopePath(target.scope)}/${enc(target.name)}`, `writing ${targetLabel(target)}`, target.scope, body, options.notAfter);
  }

  #publicKey(scope: Scope): Promise<PublicKey> {
    const k = scopeKey(scope);
    let key = this.#keys.get(k);
    if (key === undefined) {
      key = this.#call('GET', `${scopePath(scope)}/public-key`, `reading the secrets public key of ${scopeLabel(scope)}`, scope).then(
        (r) => JSON.parse(r.body) as PublicKey,
      );
      this.#keys.set(k, key);
    }
    return key;
  }

  async #call(method: Method, path: string, doing: string, scope: Scope, body?: unknown, notAfter?: Date): Promise<HttpResponse> {
    let response: HttpResponse;
    try {
      response = await this.#http.send({
        method,
        url: `${this.#apiUrl}${path}`,
        headers: {
          authorization: `Bearer ${this.#token.reveal()}`,
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          'user-agent': 'entra-secret-rotator',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(notAfter === undefined ? {} : { notAfter: notAfter.getTime() }),
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
        // A write whose answer never came may have been done: the caller must not assume it was not.
        outcomeUnknown: method !== 'GET' && transport?.maybeProcessed === true,
        hint: transport?.untrusted
          ? untrustedHint(new URL(this.#apiUrl).host, 'GITHUB_API_URL (set by the runner; on GHES, the server\'s API URL)')
          : 'GitHub could not be reached: check GITHUB_API_URL and the network, and run again',
      });
    }
    if (response.status >= 200 && response.status < 300) return response;
    const failure = githubError(response, doing, scope);
    // A server error, or any answer after an attempt whose answer was lost, leaves a write's outcome unknown.
    if (method !== 'GET' && (response.status >= 500 || response.afterLostAnswer === true)) {
      throw new ServiceError({ ...failure.details, outcomeUnknown: true });
    }
    throw failure;
  }
}

export function githubError(r: HttpResponse, doing: string, scope: Scope): ServiceError {
  let message = r.body.slice(0, 200);
  try {
    message = (JSON.parse(r.body) as { message?: string }).message ?? message;
  } catch {
    // not JSON
  }
  const status = r.status;
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
  return new ServiceError({ service: 'GitHub', doing, status, requestId: r.headers['x-github-request-id'], detail: message, hint });
}
