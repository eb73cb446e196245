/**
 * GitHub Actions variables of repositories, environments and organisations, over the run's GitHubConnection (the
 * same Octokit as the secrets: its retries, rate-limit waits and write pacing hold for both). A variable is not
 * secret: its value reads back, so a caller can compare before writing, and writes only what differs.
 *
 * A write is one content-creating request (a POST that creates, or a PATCH that updates), as a secret's PUT is; a
 * second one only when the first guess was wrong (the variable was created or deleted meanwhile), as GitHub's own
 * CLI does: a POST answered 409 (it exists) is followed by a PATCH, a PATCH answered 404 (it does not) by a POST.
 */
import { ServiceError } from '../core/errors';
import { scopeLabel, type GitHubScope, type OrgAccess, type OrgVisibility, type StoredSecretInfo, type StoredVariableInfo, type Target } from '../core/model';
import type { SecretStore, WriteOptions } from '../core/ports';
import type { Secret } from '../core/secret';
import type { GitHubConnection } from './github';

/** Variables live in the scopes of service `variables` (a repository, an environment or an organisation). */
type Scope = GitHubScope;

/** How to write one variable. */
export interface VariableWrite {
  /** Organisation variables (required there): who may use it; repositories by name, with visibility selected. */
  access?: OrgAccess;
  /** Whether it exists (as list showed it): update first; otherwise create first. */
  existing?: boolean;
  /** No attempt starts after this. */
  notAfter?: Date;
}

interface VariableRoutes {
  list: string;
  create: string;
  update: string;
  /** An organisation variable's selected repositories (GET). */
  repositories: string;
  params: Record<string, string>;
}

/** GitHub lists variables at most 30 a page (secrets: 100). */
const VARIABLES_PER_PAGE = 30;

function routesOf(scope: Scope): VariableRoutes {
  if (scope.service !== 'variables') throw new Error(`internal: not a scope of variables: ${scopeLabel(scope)}`);
  const [base, params] =
    scope.repo === undefined
      ? ['/orgs/{org}/actions/variables', { org: scope.owner }]
      : scope.environment === undefined
        ? ['/repos/{owner}/{repo}/actions/variables', { owner: scope.owner, repo: scope.repo }]
        : ['/repos/{owner}/{repo}/environments/{environment_name}/variables', { owner: scope.owner, repo: scope.repo, environment_name: scope.environment }];
  return { list: `GET ${base}`, create: `POST ${base}`, update: `PATCH ${base}/{name}`, repositories: `GET ${base}/{name}/repositories`, params };
}

/** `repository octo/app`: where the variables are (a scope label without its `variables of`). */
function placeOf(scope: Scope): string {
  return scopeLabel({ ...scope, service: 'actions' });
}

/** `variable AZURE_CLIENT_ID (repository octo/app)` */
export function variableLabel(scope: Scope, name: string): string {
  return `variable ${name} (${placeOf(scope)})`;
}

const statusOf = (error: unknown): number | undefined => (error instanceof ServiceError ? error.status : undefined);

export class GitHubVariables {
  readonly #github: GitHubConnection;

  constructor(github: GitHubConnection) {
    this.#github = github;
  }

  /** Every variable of a scope (every page), by upper-case name, with its value. */
  async list(scope: Scope): Promise<Map<string, StoredVariableInfo>> {
    const routes = routesOf(scope);
    type Listed = { name: string; value: string; updated_at: string; visibility?: OrgVisibility };
    const doing = `listing the variables of ${placeOf(scope)}`;
    const listed = await this.#github.pages<Listed>(routes.list, routes.params, 'variables', { doing, scope, what: 'variables' }, VARIABLES_PER_PAGE);
    const found = new Map<string, StoredVariableInfo>();
    for (const v of listed) {
      const info: StoredVariableInfo = { value: v.value, updatedAt: new Date(v.updated_at) };
      if (v.visibility !== undefined) info.visibility = v.visibility;
      found.set(v.name.toUpperCase(), info);
    }
    return found;
  }

  /** Creates or updates one variable; says which it did. An organisation variable carries its visibility and selection. */
  async write(scope: Scope, name: string, value: string, options: VariableWrite = {}): Promise<'created' | 'updated'> {
    const routes = routesOf(scope);
    const body = { ...routes.params, name, value, ...(await this.#accessBody(scope, name, options.access)) };
    const label = variableLabel(scope, name);
    const spec = (doing: string): Parameters<GitHubConnection['request']>[2] => ({ doing, scope, what: 'variables', ...(options.notAfter === undefined ? {} : { notAfter: options.notAfter }) });
    const create = (): Promise<unknown> => this.#github.request(routes.create, body, spec(`creating ${label}`));
    const update = (): Promise<unknown> => this.#github.request(routes.update, body, spec(`updating ${label}`));
    const order =
      options.existing === true
        ? ({ first: update, then: create, did: ['updated', 'created'], wrongGuess: 404, why: 'was deleted meanwhile: creating it' } as const)
        : ({ first: create, then: update, did: ['created', 'updated'], wrongGuess: 409, why: 'exists (created meanwhile): updating it' } as const);
    try {
      await order.first();
      return order.did[0];
    } catch (error) {
      if (statusOf(error) !== order.wrongGuess) throw error;
      this.#github.log.info(`${label} ${order.why}`);
    }
    await order.then();
    return order.did[1];
  }

  /**
   * Names of the repositories an organisation variable with visibility `selected` is shared with (all pages). For
   * one with another visibility GitHub answers 409, which Octokit's paginate turns into an empty page: none.
   */
  async selectedRepositories(scope: Scope, name: string): Promise<string[]> {
    const routes = routesOf(scope);
    if (scope.repo !== undefined) throw new Error(`internal: ${variableLabel(scope, name)} is not an organisation variable`);
    const doing = `listing the repositories ${variableLabel(scope, name)} is shared with`;
    const repos = await this.#github.pages<{ name: string }>(routes.repositories, { ...routes.params, name }, 'repositories', { doing, scope, what: 'variables' });
    return repos.map((r) => r.name);
  }

  /** An organisation variable's visibility and, with `selected`, repository ids (names resolved once per run). */
  async #accessBody(scope: Scope, name: string, access: OrgAccess | undefined): Promise<{ visibility?: OrgVisibility; selected_repository_ids?: number[] }> {
    if (scope.repo !== undefined) return {};
    if (access === undefined) throw new Error(`internal: ${variableLabel(scope, name)} is an organisation variable without a visibility`);
    if (access.visibility !== 'selected') return { visibility: access.visibility };
    return { visibility: 'selected', selected_repository_ids: await this.#github.repositoryIds(scope.owner, access.repositories, variableLabel(scope, name)) };
  }
}

/**
 * The GitHub variables home as the core's SecretStore: the core compares a companion with the value listed and
 * writes only what differs (plan.ts); a write updates a variable the listing showed, and creates one it did not.
 */
export class GitHubVariableStore implements SecretStore<GitHubScope> {
  readonly #variables: GitHubVariables;
  /** The names each listed scope had (upper case), by scopeLabel. */
  readonly #listed = new Map<string, Set<string>>();

  constructor(variables: GitHubVariables) {
    this.#variables = variables;
  }

  async list(scope: GitHubScope): Promise<Map<string, StoredSecretInfo>> {
    const found = await this.#variables.list(scope);
    this.#listed.set(scopeLabel(scope), new Set(found.keys()));
    return new Map([...found].map(([name, v]): [string, StoredSecretInfo] => [name, { updatedAt: v.updatedAt, value: v.value, ...(v.visibility === undefined ? {} : { visibility: v.visibility }) }]));
  }

  /** Nothing to fetch before writing a variable (no key; selected repositories resolve at the write, once a run). */
  prepare(): Promise<void> {
    return Promise.resolve();
  }

  async write(target: Target<GitHubScope>, value: Secret, options: WriteOptions = {}): Promise<void> {
    const existing = this.#listed.get(scopeLabel(target.scope))?.has(target.name.toUpperCase()) ?? false;
    await this.#variables.write(target.scope, target.name, value.reveal(), {
      existing,
      ...(target.access === undefined ? {} : { access: target.access }),
      ...(options.notAfter === undefined ? {} : { notAfter: options.notAfter }),
    });
  }

  selectedRepositories(target: Target<GitHubScope>): Promise<string[]> {
    return this.#variables.selectedRepositories(target.scope, target.name);
  }
}
