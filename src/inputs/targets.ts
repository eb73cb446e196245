/**
 * The target rules the step's inputs (config.ts: repository, environments) and the fleet file's targets
 * (fleet-file.ts) share: which secrets one scope gets, the subscription ID, and the names of repositories and
 * environments.
 */
import type { GitHubScope, KeyVaultScope, OrgAccess, Scope, Target, TargetKind } from '../core/model';
import type { SecretName } from './app';
import { parseRepository } from './github-names';
import { parseUrl, type Values } from './values';

export const REPOSITORY_EXPECTED = 'owner/name, like octo-org/billing-api';

/** The `repository` key or input as owner and name; a problem (at `where`) when it is not one. */
export function readRepositoryName(values: Values, where: string, value: string): { owner: string; repo: string } | undefined {
  const parsed = parseRepository(value);
  if (parsed === undefined) values.problem(where, value, REPOSITORY_EXPECTED);
  return parsed;
}

/** GitHub's limit on an environment name; a problem (at `where`) when it is passed. */
export function environmentNameFits(values: Values, where: string, name: string): boolean {
  if (name.length <= 255) return true;
  values.problem(where, name, 'an environment name of at most 255 characters');
  return false;
}

/** subscription-id: a GUID, used only in the credentials JSON (so credentials-secret-name is expected too). */
export function readSubscriptionId(values: Values): string | undefined {
  const subscriptionId = values.guid('subscription-id', false);
  if (values.value('subscription-id') !== '' && values.value('credentials-secret-name') === '') {
    values.about('subscription-id', 'only used in the credentials JSON, so credentials-secret-name is expected too');
  }
  return subscriptionId;
}

/** The targets of one scope: a secret per name; the credentials JSON carries the subscription ID, an organisation secret its access. */
export function scopeTargets(scope: Scope, names: readonly SecretName[], subscriptionId: string | undefined, access?: OrgAccess): Array<{ target: Target; name: SecretName }> {
  return names.map((n) => {
    const target: Target = { scope, name: n.value, kind: n.kind };
    if (access !== undefined) target.access = access;
    if (n.kind === 'credentials' && subscriptionId !== undefined) target.subscriptionId = subscriptionId;
    return { target, name: n };
  });
}

/** Keys of the Actions variables written next to a scope's secrets: the values that are not secret. */
export const VARIABLE_NAME_KEYS = ['client-id-variable-name', 'tenant-id-variable-name'] as const;
const VARIABLE_KIND: Record<(typeof VARIABLE_NAME_KEYS)[number], TargetKind> = { 'client-id-variable-name': 'client-id', 'tenant-id-variable-name': 'tenant-id' };

export interface VariableName {
  key: (typeof VARIABLE_NAME_KEYS)[number];
  value: string;
  kind: TargetKind;
}

/** GitHub's rules for a variable's name (those of a secret's name), or why it breaks them. */
function variableNameProblem(value: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) return 'a GitHub variable name: only letters, digits and underscores, not starting with a digit';
  if (/^GITHUB_/i.test(value)) return 'a GitHub variable name that does not start with GITHUB_ (GitHub reserves that prefix)';
  return value.length > 100 ? 'a GitHub variable name of at most 100 characters' : undefined;
}

/** The variable names given (client and tenant ID), each valid and distinct; undefined on a problem. */
export function readVariableNames(values: Values): VariableName[] | undefined {
  const before = values.problems.length;
  const names: VariableName[] = [];
  for (const key of VARIABLE_NAME_KEYS) {
    const value = values.value(key);
    if (value === '') continue;
    const problem = variableNameProblem(value);
    if (problem !== undefined) values.problem(values.source.where(key), value, problem);
    else if (names.some((n) => n.value.toUpperCase() === value.toUpperCase())) values.problem(values.source.where(key), value, `a name different from ${names[0]?.key ?? ''} (variable names are case-insensitive)`);
    else names.push({ key, value, kind: VARIABLE_KIND[key] });
  }
  return values.problems.length > before ? undefined : names;
}

/** The variables of one GitHub scope (its repository, environment or organisation), an organisation's with its access. */
export function variableTargets(scope: GitHubScope, names: readonly VariableName[], access?: OrgAccess): Array<{ target: Target; name: VariableName }> {
  const variables: GitHubScope = { ...scope, service: 'variables' };
  return names.map((n) => ({ target: { scope: variables, name: n.value, kind: n.kind, ...(access === undefined ? {} : { access }) }, name: n }));
}

export const KEY_VAULT_NAME_EXPECTED = 'a Key Vault secret name: 1 to 127 letters, digits and dashes';
const KEY_VAULT_NAME = /^[0-9a-zA-Z-]{1,127}$/;

/**
 * A vault's URL as its origin (`https://<vault>.vault.azure.net`): any https host (private endpoints, a proxy
 * name), no path; a problem (at `where`) otherwise.
 */
export function readVaultUrl(values: Values, where: string, text: string): KeyVaultScope | undefined {
  const url = parseUrl(text);
  if (url?.protocol !== 'https:' || url.username !== '' || url.search !== '' || url.hash !== '' || (url.pathname !== '/' && url.pathname !== '')) {
    values.problem(where, text, "a vault's https:// URL without a path, like https://kv-payments.vault.azure.net (az keyvault show --name <vault> --query properties.vaultUri)");
    return undefined;
  }
  return { service: 'key-vault', vaultUrl: url.origin };
}

/** A Key Vault secret name, or a problem at `where`. */
export function keyVaultNameFits(values: Values, where: string, name: string): boolean {
  if (KEY_VAULT_NAME.test(name)) return true;
  values.problem(where, name, KEY_VAULT_NAME_EXPECTED);
  return false;
}

/**
 * The step's key-vault-secrets: one Key Vault secret a line, as its identifier
 * `https://<vault>.vault.azure.net/secrets/<name>` (no version). Each receives the credential's value.
 */
export function readKeyVaultSecrets(values: Values): Target[] | undefined {
  const before = values.problems.length;
  const targets: Target[] = [];
  for (const { text, where } of values.items('key-vault-secrets') ?? []) {
    const url = parseUrl(text);
    const m = url === undefined ? null : /^\/secrets\/([^/]+)\/?$/.exec(url.pathname);
    if (url?.protocol !== 'https:' || m === null || url.search !== '' || url.hash !== '') {
      values.problem(where, text, 'a Key Vault secret identifier, like https://kv-payments.vault.azure.net/secrets/payments-api-client-secret (no version)');
      continue;
    }
    const name = decodeURIComponent(m[1] ?? '');
    if (!keyVaultNameFits(values, where, name)) continue;
    const scope: KeyVaultScope = { service: 'key-vault', vaultUrl: url.origin };
    if (targets.some((t) => t.scope.service === 'key-vault' && t.scope.vaultUrl === scope.vaultUrl && t.name.toLowerCase() === name.toLowerCase())) {
      values.problem(where, text, 'each Key Vault secret once (names are case-insensitive)');
      continue;
    }
    targets.push({ scope, name, kind: 'secret' });
  }
  return values.problems.length > before ? undefined : targets;
}
