/**
 * The app as the workflow declares it: look up the declared APIs, read the federated credentials, and plan the
 * one PATCH and the credential changes (the pure diff is in reconcile.ts).
 */
import { InputError } from './errors';
import { newAppSettings, type AppRegistration, type AppSettings, type RequiredResourceAccess, type ResourceApi } from './model';
import type { Directory } from './ports';
import {
  appChanges,
  federatedChanges,
  resolvePermissions,
  type Declared,
  type FederatedPlan,
  type PermissionLine,
  type PropertyChange,
} from './reconcile';

export interface ReconcilePlan {
  /** The body of the one PATCH (or the extra properties of the create). */
  patch: Record<string, unknown>;
  changes: PropertyChange[];
  federated: FederatedPlan;
}

export interface DeclaredInput extends Omit<Declared, 'requiredResourceAccess'> {
  apiPermissions?: PermissionLine[];
}

export interface DeclareSettings {
  signInAudience: string;
  declared: DeclaredInput;
  oidcIssuer: string;
  federatedAudience: string;
}

export async function reconcilePlan(
  settings: DeclareSettings,
  found: AppRegistration | undefined,
  apis: ReadonlyMap<string, ResourceApi[]>,
  directory: Directory,
): Promise<ReconcilePlan> {
  const { declared } = settings;
  const wanted: Declared = { ...declared };
  if (declared.apiPermissions !== undefined) {
    const { rra, problems } = resolvePermissions(declared.apiPermissions, apis);
    if (problems.length > 0) throw new InputError(problems);
    wanted.requiredResourceAccess = rra;
  }
  const actual: AppSettings = found?.settings ?? newAppSettings(settings.signInAudience);
  const { patch, changes } = appChanges(actual, wanted, (rra) => describeAccess(rra, apis));
  const existing = declared.federatedSubjects !== undefined && found !== undefined ? await directory.federatedCredentials(found) : [];
  const federated = declared.federatedSubjects === undefined ? { add: [], remove: [], coveredByOthers: [] } : federatedChanges(existing, declared.federatedSubjects, { issuer: settings.oidcIssuer, audience: settings.federatedAudience });
  return { patch, changes, federated };
}

/** requiredResourceAccess in the input's own words, where the API is known. */
function describeAccess(rra: readonly RequiredResourceAccess[], apis: ReadonlyMap<string, ResourceApi[]>): string {
  if (rra.length === 0) return '(none)';
  const known = [...apis.values()].flat();
  return rra
    .map((r) => {
      const api = known.find((a) => a.appId.toLowerCase() === r.resourceAppId.toLowerCase());
      const perms = r.resourceAccess.map((a) => {
        const name = (a.type === 'Scope' ? api?.scopes : api?.roles)?.find((x) => x.id.toLowerCase() === a.id.toLowerCase())?.value ?? a.id;
        return a.type === 'Role' ? `${name}=Role` : name;
      });
      return `${api?.displayName ?? r.resourceAppId}: ${perms.join(', ')}`;
    })
    .join('; ');
}
