/** GitHub Actions secrets: metadata reads, public keys per scope, and sealed writes. */
import { getOctokit } from '@actions/github';
import { ServiceError } from '../core/errors';
import { scopeKey, scopeLabel, targetLabel, type Scope, type StoredSecretInfo, type Target } from '../core/model';
import type { SecretStore } from '../core/ports';
import type { Secret } from '../core/secret';
import { seal } from './seal';

type Octokit = ReturnType<typeof getOctokit>;

interface PublicKey {
  key_id: string;
  key: string;
}

export class GitHubSecrets implements SecretStore {
  readonly #octokit: Octokit;
  readonly #keys = new Map<string, Promise<PublicKey>>();

  constructor(token: Secret, apiUrl: string) {
    this.#octokit = getOctokit(token.reveal(), { baseUrl: apiUrl });
  }

  async info(target: Target): Promise<StoredSecretInfo | undefined> {
    const { scope, name } = target;
    try {
      const { data } =
        scope.environment === undefined
          ? await this.#octokit.rest.actions.getRepoSecret({ owner: scope.owner, repo: scope.repo, secret_name: name })
          : await this.#octokit.rest.actions.getEnvironmentSecret({
              owner: scope.owner,
              repo: scope.repo,
              environment_name: scope.environment,
              secret_name: name,
            });
      return { updatedAt: new Date(data.updated_at) };
    } catch (error) {
      if (httpStatus(error) === 404) {
        // A missing secret and a missing environment both answer 404; the public key tells them apart.
        await this.prepare(scope);
        return undefined;
      }
      throw githubError(error, `reading ${targetLabel(target)}`, scope);
    }
  }

  prepare(scope: Scope): Promise<void> {
    return this.#publicKey(scope).then(() => undefined);
  }

  async write(target: Target, value: Secret): Promise<void> {
    const { scope, name } = target;
    const key = await this.#publicKey(scope);
    const encrypted_value = await seal(value, key.key);
    try {
      if (scope.environment === undefined) {
        await this.#octokit.rest.actions.createOrUpdateRepoSecret({ owner: scope.owner, repo: scope.repo, secret_name: name, encrypted_value, key_id: key.key_id });
      } else {
        await this.#octokit.rest.actions.createOrUpdateEnvironmentSecret({
          owner: scope.owner,
          repo: scope.repo,
          environment_name: scope.environment,
          secret_name: name,
          encrypted_value,
          key_id: key.key_id,
        });
      }
    } catch (error) {
      throw githubError(error, `writing ${targetLabel(target)}`, scope);
    }
  }

  #publicKey(scope: Scope): Promise<PublicKey> {
    const k = scopeKey(scope);
    let key = this.#keys.get(k);
    if (key === undefined) {
      key = this.#fetchPublicKey(scope);
      this.#keys.set(k, key);
    }
    return key;
  }

  async #fetchPublicKey(scope: Scope): Promise<PublicKey> {
    try {
      const { data } =
        scope.environment === undefined
          ? await this.#octokit.rest.actions.getRepoPublicKey({ owner: scope.owner, repo: scope.repo })
          : await this.#octokit.rest.actions.getEnvironmentPublicKey({ owner: scope.owner, repo: scope.repo, environment_name: scope.environment });
      return { key_id: data.key_id, key: data.key };
    } catch (error) {
      throw githubError(error, `reading the secrets public key of ${scopeLabel(scope)}`, scope);
    }
  }
}

interface OctokitErrorShape {
  status?: number;
  message?: string;
  response?: { data?: unknown; headers?: Record<string, string | undefined> };
}

function httpStatus(error: unknown): number | undefined {
  const status = (error as OctokitErrorShape | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

export function githubError(error: unknown, doing: string, scope: Scope): Error {
  if (error instanceof ServiceError) return error;
  const e = (error ?? {}) as OctokitErrorShape;
  const data = e.response?.data as { message?: string } | undefined;
  const message = data?.message ?? e.message ?? String(error);
  const status = httpStatus(error);
  const repo = `${scope.owner}/${scope.repo}`;
  let hint: string | undefined;
  if (status === 401) hint = 'github-token was refused (Bad credentials): it is expired, revoked or mistyped';
  else if (status === 403 && /not accessible by/i.test(message)) {
    const permissions = `the repository permission "Secrets: Read and write"${scope.environment === undefined ? '' : ' and "Environments: Read and write"'} on ${repo}`;
    hint = /personal access token/i.test(message)
      ? `github-token is a personal access token without ${permissions}: edit the token's permissions (or its repository access)`
      : `github-token cannot ${doing.startsWith('reading') ? 'read' : 'write'} secrets here. The workflow's GITHUB_TOKEN can never write secrets: use a fine-grained personal access token or a GitHub App token with ${permissions}`;
  } else if (status === 403) {
    hint = `github-token lacks the "Secrets"${scope.environment === undefined ? '' : ' / "Environments"'} read and write permission on ${repo}, or a rate limit was hit`;
  } else if (status === 404) {
    hint =
      scope.environment === undefined
        ? `repository ${repo} was not found, or github-token cannot see it: check the repository input and the token's repository access`
        : `environment '${scope.environment}' does not exist in ${repo} (create it under Settings → Environments), or github-token cannot see the repository`;
  } else if (status === 422) hint = 'GitHub refused the value: check secret-name (letters, digits and underscores) and run again';
  else if (status === undefined || status >= 500) hint = 'GitHub could not be reached or had a transient failure: check GITHUB_API_URL and run again';
  return new ServiceError({
    service: 'GitHub',
    doing,
    status,
    code: undefined,
    requestId: e.response?.headers?.['x-github-request-id'],
    detail: message,
    hint,
  });
}
