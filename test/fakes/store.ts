/**
 * Every home as the SecretStore port sees it, in memory: GitHub's secret and variable scopes (repositories, their
 * environments and organisations with their repositories) and Key Vaults. Each value with its updated_at to the
 * second (as only the runner could open a secret), organisation secrets with visibility and selected repositories,
 * variables with their value (listed: a variable is not secret), Key Vault secrets with the key id they hold (the
 * tag the adapter writes, listed) and their expiry. Mirrors
 * src/adapters/github.ts after its retries: a missing scope or repository is a 404 before anything is written;
 * no attempt starts after a write's notAfter (ELATE, not "maybe done": nothing was sent), nor after a rate limit's
 * wait that would pass it (the refusal stands); names are upper-cased.
 */
import { ServiceError } from '../../src/core/errors.ts';
import { isKeyVault, scopeKey, scopeLabel, type OrgVisibility, type Scope, type StoredSecretInfo, type Target } from '../../src/core/model.ts';
import type { SecretStore, WriteOptions } from '../../src/core/ports.ts';
import type { Secret } from '../../src/core/secret.ts';
import type { World } from './faults.ts';

export interface StoredSecret {
  value: string;
  updatedAt: Date;
  visibility?: OrgVisibility;
  /** Organisation secrets with visibility selected: repository names. */
  selected?: string[];
  /** Key Vault secrets: the key id of the credential it holds (its tag), its expiry, and the app's client ID (tag). */
  holds?: string;
  expires?: Date;
  appId?: string;
}

export class FakeStore implements SecretStore {
  /** Scope key → secrets by upper-case name. A scope absent here does not exist (404). */
  readonly scopes = new Map<string, Map<string, StoredSecret>>();
  /** Organisation (lower case) → its repository names. */
  readonly orgRepos = new Map<string, string[]>();
  readonly #world: World;

  constructor(world: World) {
    this.#world = world;
  }

  /** Makes a repository, an environment of one, or an organisation exist. */
  addScope(scope: Scope): void {
    if (!this.scopes.has(scopeKey(scope))) this.scopes.set(scopeKey(scope), new Map());
    if (isKeyVault(scope)) return;
    const repos = this.orgRepos.get(scope.owner.toLowerCase()) ?? [];
    if (scope.repo !== undefined && !repos.includes(scope.repo)) repos.push(scope.repo);
    this.orgRepos.set(scope.owner.toLowerCase(), repos);
  }

  /** Puts a secret as if some earlier run (or a person) wrote it at `updatedAt`. */
  put(scope: Scope, name: string, value: string, updatedAt: Date, access?: { visibility: OrgVisibility; selected?: string[] }, holds?: string): void {
    this.addScope(scope);
    const secret: StoredSecret = { value, updatedAt: floorToSecond(updatedAt) };
    if (holds !== undefined) secret.holds = holds;
    if (access !== undefined) {
      secret.visibility = access.visibility;
      if (access.selected !== undefined) secret.selected = [...access.selected];
    }
    this.#secrets(scope).set(name.toUpperCase(), secret);
  }

  /** What a target holds now (undefined: no such secret). */
  held(scope: Scope, name: string): StoredSecret | undefined {
    return this.scopes.get(scopeKey(scope))?.get(name.toUpperCase());
  }

  list(scope: Scope): Promise<Map<string, StoredSecretInfo>> {
    const doing = `listing the secrets of ${scopeLabel(scope)}`;
    return this.#world.serve('list', scopeLabel(scope), doing, () => {
      const secrets = this.#existing(scope, doing);
      return new Map([...secrets].map(([name, s]): [string, StoredSecretInfo] => [name, infoOf(scope, s)]));
    });
  }

  prepare(scope: Scope, targets: readonly Target[] = []): Promise<void> {
    const doing = `reading the public key of ${scopeLabel(scope)}`;
    return this.#world.serve('prepare', scopeLabel(scope), doing, () => {
      this.#existing(scope, doing);
      for (const t of targets) if (t.access?.visibility === 'selected') this.#repositories(t, `reading the ids of the selected repositories of ${t.name}`);
    });
  }

  write(target: Target, value: Secret, options: WriteOptions = {}): Promise<void> {
    const doing = `writing ${target.name} (${scopeLabel(target.scope)})`;
    const label = `${target.name} ${scopeLabel(target.scope)}`;
    const late = (): void => {
      if (options.notAfter !== undefined && this.#world.clock.now().getTime() > options.notAfter.getTime()) {
        throw new ServiceError({ service: 'GitHub', doing, code: 'ELATE', detail: 'not sent: the time this run allows for it is over', outcomeUnknown: false, hint: 'run again' });
      }
    };
    return this.#world.serve(
      'write',
      label,
      doing,
      () => {
        const secrets = this.#existing(target.scope, doing);
        const stored: StoredSecret = { value: value.reveal(), updatedAt: floorToSecond(this.#world.clock.now()) };
        if (isKeyVault(target.scope)) {
          if (options.holds !== undefined) {
            stored.holds = options.holds.keyId;
            stored.expires = options.holds.endDateTime;
          }
          if (options.appId !== undefined) stored.appId = options.appId;
        } else if (target.scope.repo === undefined) {
          // The visibility and the selected repositories travel in the same PUT.
          stored.visibility = target.access?.visibility ?? 'private';
          if (stored.visibility === 'selected') stored.selected = this.#repositories(target, doing);
        }
        secrets.set(target.name.toUpperCase(), stored);
        this.#world.record('write', label);
      },
      late,
      options.notAfter,
    );
  }

  selectedRepositories(target: Target): Promise<string[]> {
    const doing = `reading the selected repositories of ${target.name}`;
    return this.#world.serve('selectedRepositories', target.name, doing, () => {
      const s = this.#existing(target.scope, doing).get(target.name.toUpperCase());
      if (s === undefined) throw notFound(doing);
      return [...(s.selected ?? [])];
    });
  }

  #secrets(scope: Scope): Map<string, StoredSecret> {
    this.addScope(scope);
    return this.scopes.get(scopeKey(scope)) as Map<string, StoredSecret>;
  }

  #existing(scope: Scope, doing: string): Map<string, StoredSecret> {
    const secrets = this.scopes.get(scopeKey(scope));
    if (secrets === undefined) throw notFound(doing);
    return secrets;
  }

  /** The declared selected repositories, each of which must exist in the organisation. */
  #repositories(target: Target, doing: string): string[] {
    if (isKeyVault(target.scope)) throw new Error('internal: a Key Vault has no repositories');
    const have = this.orgRepos.get(target.scope.owner.toLowerCase()) ?? [];
    const want = target.access?.repositories ?? [];
    const missing = want.filter((r) => !have.some((h) => h.toLowerCase() === r.toLowerCase()));
    if (missing.length > 0) throw notFound(`${doing} (no repository ${missing.join(', ')})`);
    return [...want];
  }
}

/** What a listing shows: never a secret's value; a variable's value, a Key Vault secret's tag. */
function infoOf(scope: Scope, s: StoredSecret): StoredSecretInfo {
  const info: StoredSecretInfo = { updatedAt: new Date(s.updatedAt) };
  if (s.visibility !== undefined) info.visibility = s.visibility;
  if (isKeyVault(scope) && s.holds !== undefined) info.holds = s.holds;
  if (!isKeyVault(scope) && scope.service === 'variables') info.value = s.value;
  return info;
}

function notFound(doing: string): ServiceError {
  return new ServiceError({ service: 'GitHub', doing, status: 404, requestId: 'fake-request', detail: 'Not Found', hint: 'check the repository, environment or organisation name and the token' });
}

/** GitHub keeps updated_at to the second. */
export function floorToSecond(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}
