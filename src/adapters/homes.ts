/**
 * The one SecretStore the core sees: each scope and target goes to the adapter of its home kind
 * (core/home-kind.ts). A new home is its adapter, registered here by main.ts, plus its kind's rules.
 */
import { homeOfScope, type HomeKindId } from '../core/home-kind';
import { isKeyVault, type GitHubScope, type KeyVaultScope, type Scope, type StoredSecretInfo, type Target } from '../core/model';
import type { SecretStore, WriteOptions } from '../core/ports';
import type { Secret } from '../core/secret';

/** What each home kind's adapter stores in. */
interface HomeScopes {
  'github-secret': GitHubScope;
  'github-variable': GitHubScope;
  'key-vault-secret': KeyVaultScope;
}

/** A home kind with no adapter this run (no github-token for GitHub secrets): why, for the error. */
export type HomeAdapters = { [K in HomeKindId]: SecretStore<HomeScopes[K]> | { missing: string } };

export class HomeStores implements SecretStore {
  readonly #adapters: HomeAdapters;

  constructor(adapters: HomeAdapters) {
    this.#adapters = adapters;
  }

  /** Whether the targets of this scope's home can be read this run (its adapter exists). */
  reads(scope: Scope): boolean {
    return !('missing' in this.#adapters[homeOfScope(scope).id]);
  }

  list(scope: Scope): Promise<Map<string, StoredSecretInfo>> {
    return this.#of(scope, (store, s) => store.list(s));
  }

  prepare(scope: Scope, targets?: readonly Target[]): Promise<void> {
    return this.#of(scope, (store, s) => store.prepare(s, targets as ReadonlyArray<Target<typeof s>> | undefined));
  }

  write(target: Target, value: Secret, options?: WriteOptions): Promise<void> {
    return this.#of(target.scope, (store, s) => store.write({ ...target, scope: s }, value, options));
  }

  selectedRepositories(target: Target): Promise<string[]> {
    return this.#of(target.scope, (store, s) => store.selectedRepositories({ ...target, scope: s }));
  }

  /** Runs `fn` with the adapter of the scope's home, the scope narrowed to that adapter's. */
  #of<T>(scope: Scope, fn: <S extends Scope>(store: SecretStore<S>, scope: S) => Promise<T>): Promise<T> {
    const home = homeOfScope(scope);
    const adapter = this.#adapters[home.id];
    // The core reads and writes no home it was not given: config refuses such targets, and inventory skips reading them.
    if ('missing' in adapter) throw new Error(`internal: no adapter for ${home.noun}s (${adapter.missing})`);
    if (isKeyVault(scope)) return fn(adapter as SecretStore<KeyVaultScope>, scope);
    return fn(adapter as SecretStore<GitHubScope>, scope);
  }
}
