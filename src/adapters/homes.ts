/**
 * The one SecretStore the core sees: each scope and target goes to the adapter of its home kind
 * (core/home-kind.ts). A new home is its adapter, registered here by main.ts, plus its kind's rules.
 */
import { homeOfScope, type HomeKindId } from '../core/home-kind';
import type { Scope, StoredSecretInfo, Target } from '../core/model';
import type { SecretStore } from '../core/ports';
import type { Secret } from '../core/secret';

/** A home kind with no adapter this run (no github-token for GitHub secrets): why, for the error. */
export type HomeAdapters = { [K in HomeKindId]: SecretStore | { missing: string } };

export class HomeStores implements SecretStore {
  readonly #adapters: HomeAdapters;

  constructor(adapters: HomeAdapters) {
    this.#adapters = adapters;
  }

  list(scope: Scope): Promise<Map<string, StoredSecretInfo>> {
    return this.#of(scope).list(scope);
  }

  prepare(scope: Scope, targets?: readonly Target[]): Promise<void> {
    return this.#of(scope).prepare(scope, targets);
  }

  write(target: Target, value: Secret, options?: { notAfter?: Date }): Promise<void> {
    return this.#of(target.scope).write(target, value, options);
  }

  selectedRepositories(target: Target): Promise<string[]> {
    return this.#of(target.scope).selectedRepositories(target);
  }

  #of(scope: Scope): SecretStore {
    const home = homeOfScope(scope);
    const adapter = this.#adapters[home.id];
    // The core reads and writes no home it was not given: config sets dry-run, and inventory skips reading, then.
    if ('missing' in adapter) throw new Error(`internal: no adapter for ${home.noun}s (${adapter.missing})`);
    return adapter;
  }
}
