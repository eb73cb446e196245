/**
 * A home kind: where a value is kept for the system that uses it. GitHub secrets (Actions secrets of a repository,
 * an environment or an organisation, Dependabot and Codespaces secrets), GitHub variables (Actions variables, for the values
 * that are not secret: client and tenant ID) and Azure Key Vault secrets. What differs between homes is here: what a
 * person calls one and where it is, whether its value can be read back and, if not, how the run tells which
 * credential it holds, and what writing one costs against GitHub's limits. Plan, summary and report ask a target's
 * home kind; none knows each one. Writing goes through the SecretStore port, which the adapters implement per home
 * (adapters/homes.ts routes each scope to its home's).
 */
import { isKeyVault, scopeLabel, type CredentialInfo, type Scope, type StoredSecretInfo, type Target } from './model';
import { mayHold } from './write-window';

export type HomeKindId = 'github-secret' | 'github-variable' | 'key-vault-secret';

export interface HomeKind {
  readonly id: HomeKindId;
  /** What a person calls one: `GitHub secret`. */
  readonly noun: string;
  /** Where a target of this kind is: `repository octo/app`. */
  where(target: Target): string;
  /** Why a missing one means a new credential, not only a write: `a secret's value cannot be read back`. */
  readonly missingNeedsRotation: string | undefined;
  /**
   * The managed credentials (newest first) a stored one may hold. A GitHub secret cannot be read back: when it was
   * last written tells (write-window.ts mayHold). A Key Vault secret says which one (its tag).
   */
  mayHold<C extends CredentialInfo>(stored: StoredSecretInfo, managed: readonly C[]): C[];
  /** GitHub content-creating requests (what max-writes counts) one write of a target makes. */
  readonly githubWritesEach: number;
  /** mayHold names the one credential it holds (a Key Vault secret's tag), not those it may hold. */
  readonly exact: boolean;
}

export const GITHUB_SECRET: HomeKind = {
  id: 'github-secret',
  noun: 'GitHub secret',
  where: (target) => scopeLabel(target.scope),
  missingNeedsRotation: "a secret's value cannot be read back",
  mayHold: (stored, managed) => mayHold(stored.updatedAt, managed),
  // One PUT; an organisation secret's visibility and selected repositories travel in it.
  githubWritesEach: 1,
  exact: false,
};

export const GITHUB_VARIABLE: HomeKind = {
  id: 'github-variable',
  noun: 'GitHub variable',
  where: (target) => scopeLabel(target.scope),
  missingNeedsRotation: undefined,
  mayHold: () => [],
  // One POST (create) or PATCH (update); an organisation variable's visibility travels in it.
  githubWritesEach: 1,
  exact: false,
};

export const KEY_VAULT_SECRET: HomeKind = {
  id: 'key-vault-secret',
  noun: 'Key Vault secret',
  where: (target) => scopeLabel(target.scope),
  missingNeedsRotation: "the current credential's value cannot be read back",
  // Each write tags the secret with the key id of the credential it holds: exactly that one, or none of ours (a
  // value this action did not write, or one written before it tagged).
  mayHold: (stored, managed) => managed.filter((c) => stored.holds !== undefined && c.keyId.toLowerCase() === stored.holds.toLowerCase()),
  githubWritesEach: 0,
  exact: true,
};

/** The home kind of a scope. */
export function homeOfScope(scope: Scope): HomeKind {
  if (isKeyVault(scope)) return KEY_VAULT_SECRET;
  return scope.service === 'variables' ? GITHUB_VARIABLE : GITHUB_SECRET;
}

/** The home kind of a target. */
export function homeOf(target: Target): HomeKind {
  return homeOfScope(target.scope);
}

/** The GitHub writes (max-writes) of writing these targets once each. */
export function githubWritesOf(targets: readonly Target[]): number {
  return targets.reduce((n, t) => n + homeOf(t).githubWritesEach, 0);
}
