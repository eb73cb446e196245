/** AppSpecs and fleet settings as src/config.ts would make them from a step's inputs or a fleet file, for core tests. */
import { CLIENT_SECRET, type CredentialKind } from '../../src/core/credential-kind.ts';
import type { Scope, Target, TargetKind } from '../../src/core/model.ts';
import type { AppSpec, FleetSettings } from '../../src/core/spec.ts';

export const MANAGED = 'rotated-by-github-actions';
export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const DAY = 86_400_000;

export function repo(name: string, environment?: string): Scope {
  return environment === undefined ? { service: 'actions', owner: 'octo', repo: name } : { service: 'actions', owner: 'octo', repo: name, environment };
}

/** A Key Vault (its URL: the vault's name under the global cloud's suffix). */
export function vault(name: string): Scope {
  return { service: 'key-vault', vaultUrl: `https://${name}.vault.azure.net` };
}

/** Actions variables of a repository (or one of its environments). */
export function variables(name: string, environment?: string): Scope {
  return { ...repo(name, environment), service: 'variables' } as Scope;
}

export function target(scope: Scope, name: string, kind: TargetKind = 'secret'): Target {
  return { scope, name, kind };
}

export interface SpecOptions {
  name?: string;
  appId?: string;
  targets?: Target[];
  createIfMissing?: boolean;
  servicePrincipal?: boolean;
  verifyNewSecret?: boolean;
  keepPrevious?: number;
  force?: boolean;
  lifetimeDays?: number;
  rotateBeforeDays?: number;
  declared?: AppSpec['app']['declared'];
  /** The credential kind rotated: a client secret unless given. */
  kind?: CredentialKind;
}

export function appSpec(o: SpecOptions = {}): AppSpec {
  const name = o.appId === undefined ? (o.name ?? 'payments-api') : o.name;
  return {
    key: o.appId !== undefined ? `app-id:${o.appId}` : `app-name:${name ?? ''}`,
    source: 'inputs',
    app: {
      name: o.appId === undefined ? name : undefined,
      appId: o.appId,
      createIfMissing: o.createIfMissing ?? true,
      signInAudience: 'AzureADMyOrg',
      servicePrincipal: o.servicePrincipal ?? true,
      declared: o.declared ?? {},
      oidcIssuer: 'https://token.actions.githubusercontent.com',
      federatedAudience: 'api://AzureADTokenExchange',
    },
    rotation: {
      kind: o.kind ?? CLIENT_SECRET,
      credentialName: MANAGED,
      lifetimeDays: o.lifetimeDays ?? 180,
      rotateBeforeDays: o.rotateBeforeDays ?? 30,
      force: o.force ?? false,
      keepPrevious: o.keepPrevious ?? 1,
      verifyNewSecret: o.verifyNewSecret ?? true,
    },
    targets: o.targets ?? [target(repo('app'), 'AZURE_CLIENT_SECRET')],
  };
}

export function fleetSettings(o: Partial<FleetSettings> = {}): FleetSettings {
  return { maxRotations: 50, maxWrites: 200, reportDays: 30, reportScope: 'managed', shard: undefined, ...o };
}

export const single = { tenantId: TENANT, dryRun: false, reads: (): boolean => true, single: true } as const;
export const fleet = { tenantId: TENANT, dryRun: false, reads: (): boolean => true, single: false } as const;
