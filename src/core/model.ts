/** The facts the action reasons about. Pure data: no I/O, no SDK types. */

export type SignInAudience =
  | 'AzureADMyOrg'
  | 'AzureADMultipleOrgs'
  | 'AzureADandPersonalMicrosoftAccount'
  | 'PersonalMicrosoftAccount';

export const SIGN_IN_AUDIENCES: readonly SignInAudience[] = [
  'AzureADMyOrg',
  'AzureADMultipleOrgs',
  'AzureADandPersonalMicrosoftAccount',
  'PersonalMicrosoftAccount',
];

/** A client secret as Graph shows it after creation (no value). */
export interface PasswordInfo {
  keyId: string;
  displayName: string | null;
  hint: string | null;
  startDateTime: Date;
  endDateTime: Date;
}

export interface AppRegistration {
  /** Object id. */
  id: string;
  /** Application (client) id. */
  appId: string;
  displayName: string;
  signInAudience: string;
  passwordCredentials: PasswordInfo[];
  /** The declarable properties, as read. */
  settings: AppSettings;
}

/** Where GitHub secrets are written: the repository, or one of its environments. */
export interface Scope {
  owner: string;
  repo: string;
  environment?: string;
}

/** What a target secret holds. Only `secret` and `credentials` carry the client secret value. */
export type TargetKind = 'secret' | 'credentials' | 'client-id' | 'tenant-id';

export interface Target {
  scope: Scope;
  name: string;
  kind: TargetKind;
}

/** Metadata GitHub shows for a stored secret. */
export interface StoredSecretInfo {
  updatedAt: Date;
}

export function carriesSecretValue(kind: TargetKind): boolean {
  return kind === 'secret' || kind === 'credentials';
}

export function scopeLabel(scope: Scope): string {
  const repo = `${scope.owner}/${scope.repo}`;
  return scope.environment === undefined ? `repository ${repo}` : `environment '${scope.environment}' of ${repo}`;
}

export function targetLabel(t: Target): string {
  return `${t.name} (${scopeLabel(t.scope)})`;
}

export function scopeKey(scope: Scope): string {
  return `${scope.owner}/${scope.repo}#${scope.environment?.toLowerCase() ?? ''}`;
}

export interface PermissionRef {
  id: string;
  type: 'Scope' | 'Role';
}

export interface RequiredResourceAccess {
  resourceAppId: string;
  resourceAccess: PermissionRef[];
}

/** The properties of an app registration that a workflow may declare. */
export interface AppSettings {
  signInAudience: string;
  webRedirectUris: string[];
  spaRedirectUris: string[];
  publicClientRedirectUris: string[];
  isFallbackPublicClient: boolean | null;
  requiredResourceAccess: RequiredResourceAccess[];
  tags: string[];
  notes: string | null;
  /**
   * The complex properties as read (web, spa, publicClient, api): a PATCH sends them whole, with only the
   * declared part changed, so nothing else in them is lost whether Graph merges or replaces complex values.
   */
  raw: Partial<Record<'web' | 'spa' | 'publicClient' | 'api', Record<string, unknown>>>;
}

/** A new app's properties before any is declared. */
export function newAppSettings(signInAudience: string): AppSettings {
  return {
    signInAudience,
    webRedirectUris: [],
    spaRedirectUris: [],
    publicClientRedirectUris: [],
    isFallbackPublicClient: null,
    requiredResourceAccess: [],
    tags: [],
    notes: null,
    raw: {},
  };
}

/** A resource API's service principal: what permissions it offers. */
export interface ResourceApi {
  appId: string;
  displayName: string;
  scopes: Array<{ id: string; value: string }>;
  roles: Array<{ id: string; value: string }>;
}

export interface FederatedCredential {
  id: string;
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  description: string | null;
}
