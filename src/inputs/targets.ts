/**
 * The target rules the step's inputs (config.ts: repository, environments) and the fleet file's targets
 * (fleet-file.ts) share: which secrets one scope gets, the subscription ID, and the names of repositories and
 * environments.
 */
import type { OrgAccess, Scope, Target } from '../core/model';
import type { SecretName } from './app';
import { parseRepository } from './github-names';
import type { Values } from './values';

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
